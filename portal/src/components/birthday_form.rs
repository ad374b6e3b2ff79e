use leptos::html::Input;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use sealpost_shared::birthday::BirthdayField;
use sealpost_shared::chrono::NaiveDate;
use sealpost_shared::wire::BirthdayVerifyRequest;

use super::error_summary::ErrorSummary;
use super::{set_page_title, PageHeading};
use crate::api;
use crate::app::use_portal;
use crate::logic::{
    check_birthday_form, error_id, practice_in_failure, verify_outcome, FormErrors, Stop,
    VerifyOutcome,
};

const HEADING: &str = "What is your date of birth?";

/// Today in the browser's time zone, which is where the person typed their birthday.
fn today() -> NaiveDate {
    let now = js_sys::Date::new_0();
    i32::try_from(now.get_full_year())
        .ok()
        .and_then(|year| NaiveDate::from_ymd_opt(year, now.get_month() + 1, now.get_date()))
        // Without a usable clock the server's check still applies.
        .unwrap_or(NaiveDate::MAX)
}

fn value(input: NodeRef<Input>) -> String {
    input.get_untracked().map(|i| i.value()).unwrap_or_default()
}

/// One of the three inputs of the GOV.UK date input.
#[component]
fn DateField(
    field: BirthdayField,
    id: &'static str,
    label: &'static str,
    autocomplete: &'static str,
    width: &'static str,
    input: NodeRef<Input>,
    errors: RwSignal<Option<FormErrors>>,
) -> impl IntoView {
    let in_error = move || errors.with(|e| e.as_ref().is_some_and(|e| e.marks(field)));
    let class = move || {
        if in_error() {
            format!("input {width} input--error")
        } else {
            format!("input {width}")
        }
    };
    view! {
        <div class="date-input__item">
            <label class="label date-input__label" for=id>
                {label}
            </label>
            <input
                class=class
                id=id
                name=id
                type="text"
                inputmode="numeric"
                autocomplete=autocomplete
                spellcheck="false"
                aria-invalid=move || if in_error() { "true" } else { "false" }
                node_ref=input
            />
        </div>
    }
}

/// The date-of-birth check. `on_stop` ends the journey (locked out, link no longer valid).
#[component]
pub fn BirthdayForm(on_stop: Callback<Stop>) -> impl IntoView {
    let portal = use_portal();
    let navigate = use_navigate();
    let errors = RwSignal::new(None::<FormErrors>);
    let pending = RwSignal::new(false);
    let (day, month, year) = (NodeRef::new(), NodeRef::new(), NodeRef::new());

    let show = move |found: Option<FormErrors>| {
        set_page_title(HEADING, found.is_some());
        errors.set(found);
    };

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let (d, m, y) = (value(day), value(month), value(year));
        if let Err(problems) = check_birthday_form(&d, &m, &y, today()) {
            show(Some(problems));
            return;
        }
        let Some(token) = portal.token() else {
            on_stop.run(Stop::NoLink);
            return;
        };
        let request = BirthdayVerifyRequest {
            token: token.expose().to_owned(),
            day: d,
            month: m,
            year: y,
        };
        pending.set(true);
        let navigate = navigate.clone();
        spawn_local(async move {
            let result = api::verify_birthday(&request).await;
            drop(request);
            pending.set(false);
            if let Err(failure) = &result {
                portal.learn_practice(practice_in_failure(failure));
            }
            match verify_outcome(&result) {
                VerifyOutcome::Verified { practice_name } => {
                    portal.learn_practice(Some(practice_name));
                    portal.forget_link();
                    navigate("/documents", Default::default());
                }
                VerifyOutcome::Retry(found) => show(Some(found)),
                VerifyOutcome::Stopped(stop) => on_stop.run(stop),
            }
        });
    };

    let described_by = move || errors.with(|e| FormErrors::described_by(e.as_ref()));
    let group_class = move || {
        if errors.with(Option::is_some) {
            "form-group form-group--error"
        } else {
            "form-group"
        }
    };
    let messages = move || {
        errors.get().map(|found| {
            found
                .errors
                .into_iter()
                .map(|error| {
                    view! {
                        <p class="error-message" id=error_id(error.field)>
                            <span class="visually-hidden">"Error: "</span>
                            {error.message}
                        </p>
                    }
                })
                .collect_view()
        })
    };

    view! {
        {move || {
            errors
                .get()
                .map(|found| view! { <ErrorSummary items=found.summary_items() note=found.note /> })
        }}
        <form class="form" novalidate on:submit=submit>
            <div class=group_class>
                <fieldset class="fieldset" role="group" aria-describedby=described_by>
                    <legend class="fieldset__legend">
                        <PageHeading text=HEADING class="fieldset__heading" />
                    </legend>
                    <div class="hint" id="dob-hint">
                        "For example, 27 3 2007"
                    </div>
                    {messages}
                    <div class="date-input">
                        <DateField
                            field=BirthdayField::Day
                            id="dob-day"
                            label="Day"
                            autocomplete="bday-day"
                            width="input--width-2"
                            input=day
                            errors=errors
                        />
                        <DateField
                            field=BirthdayField::Month
                            id="dob-month"
                            label="Month"
                            autocomplete="bday-month"
                            width="input--width-2"
                            input=month
                            errors=errors
                        />
                        <DateField
                            field=BirthdayField::Year
                            id="dob-year"
                            label="Year"
                            autocomplete="bday-year"
                            width="input--width-4"
                            input=year
                            errors=errors
                        />
                    </div>
                </fieldset>
            </div>
            <button type="submit" class="button" aria-disabled=move || pending.get().then_some("true")>
                "Continue"
            </button>
        </form>
    }
}
