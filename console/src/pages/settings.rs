//! `/console/settings`: the practice's settings (administrators only).

use leptos::prelude::*;
use leptos::task::spawn_local;
use sealpost_shared::checks::{CheckSettings, ContactCheck, PatientCheck};
use sealpost_shared::recipients::EmailAddress;
use sealpost_shared::sender::SenderAddresses;
use sealpost_shared::staff::Action;
use sealpost_shared::wire::PracticeSettings;

use crate::api;
use crate::app::use_staff;
use crate::components::{messages, ErrorSummary, Loading, PageHeading, StopPage};
use crate::logic::Problem;

/// The sender fields: (form id, label, hint).
const SENDERS: [(&str, &str); 6] = [
    ("general", "General (mixed documents, forms and others)"),
    ("invoice", "Invoices and credit notes"),
    ("consultation", "Consultation notes"),
    ("prescription", "Prescriptions"),
    ("letter", "Letters"),
    ("lab", "Lab results"),
];

fn sender_value(s: &SenderAddresses, field: &str) -> String {
    let v = match field {
        "general" => Some(&s.general),
        "invoice" => s.invoice.as_ref(),
        "consultation" => s.consultation.as_ref(),
        "prescription" => s.prescription.as_ref(),
        "letter" => s.letter.as_ref(),
        "lab" => s.lab.as_ref(),
        _ => None,
    };
    v.map(|e| e.as_str().to_owned()).unwrap_or_default()
}

/// The sender addresses as typed, or the problems with them. Only `general` is required.
/// The access duration as typed: empty is "until unshared", otherwise 1 to 365 days.
pub fn parse_access_days(text: &str) -> Result<Option<u32>, Problem> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    match text.parse::<u32>() {
        Ok(days) if (1..=sealpost_shared::practice::MAX_ACCESS_DAYS).contains(&days) => {
            Ok(Some(days))
        }
        _ => Err(Problem {
            target: "access-days".to_owned(),
            message: format!(
                "Enter a number of days from 1 to {}, or leave it empty",
                sealpost_shared::practice::MAX_ACCESS_DAYS
            ),
        }),
    }
}

/// The reminder wait as typed: empty is "no reminders", otherwise 1 to 30 days.
pub fn parse_reminder_days(text: &str) -> Result<Option<u32>, Problem> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    match text.parse::<u32>() {
        Ok(days) if (1..=sealpost_shared::practice::MAX_REMINDER_DAYS).contains(&days) => {
            Ok(Some(days))
        }
        _ => Err(Problem {
            target: "reminder-days".to_owned(),
            message: format!(
                "Enter a number of days from 1 to {} for reminders, or leave it empty",
                sealpost_shared::practice::MAX_REMINDER_DAYS
            ),
        }),
    }
}

pub fn parse_senders(values: &[(String, String)]) -> Result<SenderAddresses, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut get = |field: &str, required: bool| -> Option<EmailAddress> {
        let raw = values
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default();
        if raw.is_empty() {
            if required {
                problems.push(Problem {
                    target: format!("sender-{field}"),
                    message: "Enter the general sender address".to_owned(),
                });
            }
            return None;
        }
        match EmailAddress::try_from(raw) {
            Ok(e) => Some(e),
            Err(_) => {
                problems.push(Problem {
                    target: format!("sender-{field}"),
                    message: format!("Enter a valid email address for {field} documents, like practice@example.org"),
                });
                None
            }
        }
    };
    let general = get("general", true);
    let senders = (
        get("invoice", false),
        get("consultation", false),
        get("prescription", false),
        get("letter", false),
        get("lab", false),
    );
    match general {
        Some(general) if problems.is_empty() => Ok(SenderAddresses {
            general,
            invoice: senders.0,
            consultation: senders.1,
            prescription: senders.2,
            letter: senders.3,
            lab: senders.4,
        }),
        _ => Err(problems),
    }
}

#[component]
pub fn SettingsPage() -> impl IntoView {
    if !use_staff().may(Action::ChangeSettings) {
        return view! {
            <StopPage
                heading="Only administrators can change settings"
                text="Ask your practice's administrator if a setting needs to change."
            />
        }
        .into_any();
    }
    let loaded = LocalResource::new(api::settings);
    view! {
        <Transition fallback=|| view! { <Loading text="Loading the settings" /> }>
            <ErrorBoundary fallback=|errors| view! {
                <StopPage heading="We could not load the settings" text=messages(&errors) />
            }>
                {move || Suspend::new(async move {
                    loaded.await.map(|settings| view! { <SettingsForm settings=settings /> })
                })}
            </ErrorBoundary>
        </Transition>
    }
    .into_any()
}

#[component]
fn SettingsForm(settings: PracticeSettings) -> impl IntoView {
    let enabled = RwSignal::new(settings.sharing_enabled);
    let patient = RwSignal::new(settings.checks.patient);
    let contact = RwSignal::new(settings.checks.contact);
    let senders: Vec<(String, RwSignal<String>)> = SENDERS
        .iter()
        .map(|(f, _)| {
            (
                (*f).to_owned(),
                RwSignal::new(sender_value(&settings.senders, f)),
            )
        })
        .collect();
    let access_days = RwSignal::new(
        settings
            .access_days
            .map(|d| d.to_string())
            .unwrap_or_default(),
    );
    let reminder_days = RwSignal::new(
        settings
            .reminder_after_days
            .map(|d| d.to_string())
            .unwrap_or_default(),
    );
    let problems = RwSignal::new(Vec::<Problem>::new());
    let saved = RwSignal::new(None::<Result<(), String>>);
    let practice_name = settings.practice_name.clone();
    let fields = senders.clone();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let values: Vec<(String, String)> = fields
            .iter()
            .map(|(f, v)| (f.clone(), v.get_untracked()))
            .collect();
        match (
            parse_senders(&values),
            parse_access_days(&access_days.get_untracked()),
            parse_reminder_days(&reminder_days.get_untracked()),
        ) {
            (Ok(senders), Ok(access_days), Ok(reminder_after_days)) => {
                problems.set(Vec::new());
                let body = PracticeSettings {
                    practice_name: practice_name.clone(),
                    sharing_enabled: enabled.get_untracked(),
                    checks: CheckSettings {
                        patient: patient.get_untracked(),
                        contact: contact.get_untracked(),
                    },
                    senders,
                    access_days,
                    reminder_after_days,
                };
                spawn_local(async move {
                    let result = api::save_settings(&body).await;
                    saved.set(Some(result.map(|_| ()).map_err(|f| f.message())));
                });
            }
            (senders, days, reminder) => {
                saved.set(None);
                let mut p = senders.err().unwrap_or_default();
                p.extend(days.err());
                p.extend(reminder.err());
                problems.set(p);
            }
        }
    };
    let radio = move |name: &'static str,
                      id: &'static str,
                      label: &'static str,
                      hint: &'static str,
                      checked: Signal<bool>,
                      set: Callback<()>| {
        let hint_id = format!("{id}-hint");
        view! {
            <div class="radio">
                <input class="radio__input" type="radio" name=name id=id aria-describedby=hint_id.clone()
                    prop:checked=move || checked.get() on:change=move |_| set.run(()) />
                <label class="radio__label" for=id>{label}</label>
                <p class="checkbox__hint" id=hint_id>{hint}</p>
            </div>
        }
    };
    view! {
        <PageHeading text="Settings" />
        {move || {
            let p = problems.get();
            (!p.is_empty()).then(|| view! { <ErrorSummary items=p /> })
        }}
        {move || saved.get().map(|r| match r {
            Ok(()) => view! { <div class="notification notification--success" role="status"><p class="notification__text">"Settings saved."</p></div> }.into_any(),
            Err(e) => view! { <div class="notification notification--error" role="alert"><p class="notification__text">{e}</p></div> }.into_any(),
        })}
        <form class="settings" on:submit=save novalidate>
            <fieldset class="fieldset form-group">
                <legend class="heading-s">"Sharing"</legend>
                {radio("sharing", "sharing-on", "On", "Staff with the sharer role can share documents.",
                    Signal::derive(move || enabled.get()), Callback::new(move |()| enabled.set(true)))}
                {radio("sharing", "sharing-off", "Off", "Nobody can share; links already sent keep working.",
                    Signal::derive(move || !enabled.get()), Callback::new(move |()| enabled.set(false)))}
            </fieldset>
            <fieldset class="fieldset form-group">
                <legend class="heading-s">"How patients prove who they are"</legend>
                {radio("patient-check", "patient-birthday", "Date of birth", "Simple, but a weak check.",
                    Signal::derive(move || patient.get() == PatientCheck::Birthday), Callback::new(move |()| patient.set(PatientCheck::Birthday)))}
                {radio("patient-check", "patient-sms", "SMS code", "A code texted to the mobile number on file.",
                    Signal::derive(move || patient.get() == PatientCheck::SmsCode), Callback::new(move |()| patient.set(PatientCheck::SmsCode)))}
            </fieldset>
            <fieldset class="fieldset form-group">
                <legend class="heading-s">"How contacts prove who they are"</legend>
                {radio("contact-check", "contact-sms", "SMS code", "A code texted to the contact's mobile number.",
                    Signal::derive(move || contact.get() == ContactCheck::SmsCode), Callback::new(move |()| contact.set(ContactCheck::SmsCode)))}
                {radio("contact-check", "contact-magic", "Magic link", "The emailed link alone, confirmed with one button.",
                    Signal::derive(move || contact.get() == ContactCheck::MagicLink), Callback::new(move |()| contact.set(ContactCheck::MagicLink)))}
            </fieldset>
            <fieldset class="fieldset form-group">
                <legend class="heading-s">"Sender addresses"</legend>
                <p class="hint">"Shares come from the address for their type of document; mixed shares and empty fields use the general address."</p>
                {senders
                    .into_iter()
                    .zip(SENDERS)
                    .map(|((field, value), (_, label))| {
                        let id = format!("sender-{field}");
                        view! {
                            <div class="form-group form-group--tight">
                                <label class="label" for=id.clone()>{label}</label>
                                <input class="input input--wide" id=id type="email" autocomplete="off" spellcheck="false"
                                    prop:value=move || value.get()
                                    on:input=move |ev| value.set(event_target_value(&ev)) />
                            </div>
                        }
                    })
                    .collect_view()}
            </fieldset>
            <fieldset class="fieldset form-group">
                <legend class="heading-s">"How long access lasts"</legend>
                <div class="form-group form-group--tight">
                    <label class="label" for="access-days">"Days from the share (leave empty: until you unshare)"</label>
                    <p class="hint" id="access-days-hint">"After this, links are no longer renewed and people are asked to contact the practice. Many practices use 28 to 30 days."</p>
                    <input class="input" id="access-days" type="text" inputmode="numeric" autocomplete="off"
                        aria-describedby="access-days-hint"
                        prop:value=move || access_days.get()
                        on:input=move |ev| access_days.set(event_target_value(&ev)) />
                </div>
            </fieldset>
            <fieldset class="fieldset form-group">
                <legend class="heading-s">"Reminders"</legend>
                <div class="form-group form-group--tight">
                    <label class="label" for="reminder-days">"Days before a reminder (leave empty: no reminders)"</label>
                    <p class="hint" id="reminder-days-hint">"Someone who has not opened a secure link after this many days gets one reminder email with a new link. Only one, ever, for each share."</p>
                    <input class="input" id="reminder-days" type="text" inputmode="numeric" autocomplete="off"
                        aria-describedby="reminder-days-hint"
                        prop:value=move || reminder_days.get()
                        on:input=move |ev| reminder_days.set(event_target_value(&ev)) />
                </div>
            </fieldset>
            <button type="submit" class="button">"Save settings"</button>
        </form>
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn v(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    }

    #[test]
    fn access_days_are_empty_or_a_day_count() {
        assert_eq!(parse_access_days(" ").unwrap(), None);
        assert_eq!(parse_access_days("28").unwrap(), Some(28));
        for bad in ["0", "366", "thirty", "-1", "2.5"] {
            assert_eq!(
                parse_access_days(bad).unwrap_err().target,
                "access-days",
                "{bad}"
            );
        }
    }

    #[test]
    fn reminder_days_are_empty_or_a_day_count() {
        assert_eq!(parse_reminder_days("").unwrap(), None);
        assert_eq!(parse_reminder_days(" 3 ").unwrap(), Some(3));
        assert_eq!(parse_reminder_days("30").unwrap(), Some(30));
        for bad in ["0", "31", "three", "-1", "1.5"] {
            assert_eq!(
                parse_reminder_days(bad).unwrap_err().target,
                "reminder-days",
                "{bad}"
            );
        }
    }

    #[test]
    fn general_is_required_and_others_fall_back() {
        let s = parse_senders(&v(&[("general", " a@b.example "), ("lab", "")])).unwrap();
        assert_eq!(s.general.as_str(), "a@b.example");
        assert_eq!(s.lab, None);
        let p = parse_senders(&v(&[("general", ""), ("invoice", "nope")])).unwrap_err();
        let targets: Vec<&str> = p.iter().map(|p| p.target.as_str()).collect();
        assert_eq!(targets, ["sender-general", "sender-invoice"]);
    }
}
