use std::time::Duration;

use leptos::html::Input;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use sealpost_shared::wire::SmsVerifyRequest;

use super::error_summary::ErrorSummary;
use super::{focus_by_id, set_page_title, PageHeading};
use crate::api;
use crate::app::use_portal;
use crate::logic::{
    code_outcome, mobile_ending, normalise_code, practice_in_failure, resend_label, seconds_until,
    send_outcome, CheckOutcome, PageError, SendOutcome, Stop, CODE_INPUT_ID, SEND_BUTTON_ID,
};

const ASK_HEADING: &str = "Get a code by text message";
const ENTER_HEADING: &str = "Check your phone";

/// The masked number as people see it, and as screen readers say it ("ending 456"), which
/// would otherwise read out each dot.
#[component]
fn MaskedMobile(masked: RwSignal<String>) -> impl IntoView {
    view! {
        <span aria-hidden="true">{move || masked.get()}</span>
        <span class="visually-hidden">
            {move || format!("the mobile number ending {}", mobile_ending(&masked.get()))}
        </span>
    }
}

/// The SMS-code check: a person asks for a code (nothing is sent before they press the button),
/// then types it. `on_stop` ends the journey (locked out, link no longer valid).
#[component]
pub fn SmsCodeForm(masked_mobile: String, on_stop: Callback<Stop>) -> impl IntoView {
    let portal = use_portal();
    let navigate = use_navigate();
    let masked = RwSignal::new(masked_mobile);
    // Whether a code was asked for: the page then asks for it.
    let asked = RwSignal::new(false);
    let error = RwSignal::new(None::<PageError>);
    let notice = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    // When another code may be asked for (`Date.now()` milliseconds) and the seconds until then.
    let deadline = RwSignal::new(0.0_f64);
    let seconds_left = RwSignal::new(0_u64);
    let code = NodeRef::<Input>::new();

    let tick = move || {
        let left = seconds_until(deadline.get_untracked(), js_sys::Date::now());
        if left != seconds_left.get_untracked() {
            seconds_left.set(left);
        }
    };
    // A deadline rather than a counter: timers in background tabs are throttled.
    if let Ok(handle) = set_interval_with_handle(tick, Duration::from_millis(250)) {
        on_cleanup(move || handle.clear());
    }
    let wait = move |seconds: u64| {
        deadline.set(js_sys::Date::now() + 1000.0 * seconds as f64);
        tick();
    };
    let heading = move || {
        if asked.get_untracked() {
            ENTER_HEADING
        } else {
            ASK_HEADING
        }
    };
    let show = move |found: Option<PageError>| {
        set_page_title(heading(), found.is_some());
        if found.is_some() {
            notice.set(None);
        }
        error.set(found);
    };

    let send = move |_| {
        if pending.get_untracked() || seconds_left.get_untracked() > 0 {
            return;
        }
        let Some(token) = portal.token() else {
            on_stop.run(Stop::NoLink);
            return;
        };
        pending.set(true);
        spawn_local(async move {
            let result = api::send_code(token.expose()).await;
            drop(token);
            pending.set(false);
            match send_outcome(&result) {
                SendOutcome::Sent {
                    masked_mobile,
                    wait_seconds,
                } => {
                    masked.set(masked_mobile);
                    wait(wait_seconds);
                    show(None);
                    if asked.get_untracked() {
                        // The focused resend button now waits: go back to the code.
                        notice.set(Some(format!(
                            "We have sent a new code to the mobile number ending {}.",
                            mobile_ending(&masked.get_untracked())
                        )));
                        focus_by_id(CODE_INPUT_ID);
                    } else {
                        // The new step's heading takes focus.
                        asked.set(true);
                    }
                }
                SendOutcome::TooSoon {
                    wait_seconds,
                    error: found,
                } => {
                    wait(wait_seconds);
                    asked.set(true);
                    show(Some(found));
                }
                SendOutcome::Retry(found) => show(Some(found)),
                SendOutcome::Stopped(stop) => on_stop.run(stop),
            }
        });
    };

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let typed = code.get_untracked().map(|i| i.value()).unwrap_or_default();
        let entered = match normalise_code(&typed) {
            Ok(entered) => entered,
            Err(found) => {
                show(Some(found));
                return;
            }
        };
        let Some(token) = portal.token() else {
            on_stop.run(Stop::NoLink);
            return;
        };
        let request = SmsVerifyRequest {
            token: token.expose().to_owned(),
            code: entered,
        };
        pending.set(true);
        let navigate = navigate.clone();
        spawn_local(async move {
            let result = api::verify_code(&request).await;
            drop(request);
            pending.set(false);
            if let Err(failure) = &result {
                portal.learn_practice(practice_in_failure(failure));
            }
            match code_outcome(&result) {
                CheckOutcome::Verified { practice_name } => {
                    portal.learn_practice(Some(practice_name));
                    portal.forget_link();
                    navigate("/documents", Default::default());
                }
                CheckOutcome::Retry(found) => show(Some(found)),
                CheckOutcome::Stopped(stop) => on_stop.run(stop),
            }
        });
    };

    let code_error = move || error.get().filter(PageError::marks_code);
    let in_error = move || error.with(|e| e.as_ref().is_some_and(PageError::marks_code));
    let busy = move || pending.get().then_some("true");
    let summary = move || {
        error.get().map(|found| {
            let note = found.note.clone();
            view! { <ErrorSummary items=found.summary_items() note=note /> }
        })
    };

    let ask = move || {
        view! {
            <PageHeading text=ASK_HEADING />
            <p class="body">"To keep your documents safe, we will text a 6-digit code to:"</p>
            <p class="inset">
                <MaskedMobile masked=masked />
            </p>
            <button
                type="button"
                class="button"
                id=SEND_BUTTON_ID
                aria-disabled=busy
                on:click=send
            >
                "Text me a code"
            </button>
        }
    };

    let enter = move || {
        let submit = submit.clone();
        view! {
            <PageHeading text=ENTER_HEADING focus=error.with_untracked(Option::is_none) />
            <p class="body">"We have sent a text message with a 6-digit code to:"</p>
            <p class="inset">
                <MaskedMobile masked=masked />
            </p>
            <p class="body">"The code expires after 10 minutes."</p>
            <p class="body notice" role="status">
                {move || notice.get()}
            </p>
            <form class="form" novalidate on:submit=submit>
                <div class=move || {
                    if in_error() { "form-group form-group--error" } else { "form-group" }
                }>
                    <label class="label label--bold" for=CODE_INPUT_ID>
                        "Code from the text message"
                    </label>
                    <div class="hint" id="sms-code-hint">
                        "The code is 6 numbers, for example 123456"
                    </div>
                    {move || {
                        code_error()
                            .map(|found| {
                                view! {
                                    <p class="error-message" id="sms-code-error">
                                        <span class="visually-hidden">"Error: "</span>
                                        {found.message}
                                    </p>
                                }
                            })
                    }}
                    <input
                        class=move || {
                            if in_error() {
                                "input input--width-code input--error"
                            } else {
                                "input input--width-code"
                            }
                        }
                        id=CODE_INPUT_ID
                        name=CODE_INPUT_ID
                        type="text"
                        inputmode="numeric"
                        pattern="[0-9]{6}"
                        autocomplete="one-time-code"
                        spellcheck="false"
                        aria-describedby=move || {
                            if in_error() { "sms-code-hint sms-code-error" } else { "sms-code-hint" }
                        }
                        aria-invalid=move || if in_error() { "true" } else { "false" }
                        node_ref=code
                    />
                </div>
                <button type="submit" class="button" aria-disabled=busy>
                    "Continue"
                </button>
            </form>
            <h2 class="heading-m">"Not received a text message?"</h2>
            <p class="body">
                "Text messages can take a few minutes to arrive. You can ask for a new code once a minute."
            </p>
            <button
                type="button"
                class="button button--secondary"
                id=SEND_BUTTON_ID
                aria-disabled=move || (pending.get() || seconds_left.get() > 0).then_some("true")
                on:click=send
            >
                {move || resend_label(seconds_left.get())}
            </button>
        }
    };

    view! {
        {summary}
        {move || if asked.get() { enter().into_any() } else { ask().into_any() }}
    }
}
