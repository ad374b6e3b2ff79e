use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;

use super::error_summary::ErrorSummary;
use super::{set_page_title, PageHeading};
use crate::api;
use crate::app::use_portal;
use crate::logic::{
    confirm_heading, confirm_outcome, practice_in_failure, CheckOutcome, PageError, Stop,
    CONFIRM_BUTTON_ID,
};

/// The magic-link confirmation for contacts: opening the page changes nothing (mail scanners
/// fetch links); only a person pressing the button asks for a session.
#[component]
pub fn ConfirmMagicLink(on_stop: Callback<Stop>) -> impl IntoView {
    let portal = use_portal();
    let navigate = use_navigate();
    let error = RwSignal::new(None::<PageError>);
    let pending = RwSignal::new(false);
    let practice = portal.practice_name.get_untracked();
    let heading = confirm_heading(practice.as_deref());
    let sentence = format!(
        "{} has shared documents with you. They open when you press the button.",
        practice.as_deref().unwrap_or("Your practice")
    );

    let title = heading.clone();
    let confirm = move |_| {
        if pending.get_untracked() {
            return;
        }
        let Some(token) = portal.token() else {
            on_stop.run(Stop::NoLink);
            return;
        };
        pending.set(true);
        let navigate = navigate.clone();
        let title = title.clone();
        spawn_local(async move {
            let result = api::confirm_magic_link(token.expose()).await;
            drop(token);
            pending.set(false);
            if let Err(failure) = &result {
                portal.learn_practice(practice_in_failure(failure));
            }
            match confirm_outcome(&result) {
                CheckOutcome::Verified { practice_name } => {
                    portal.learn_practice(Some(practice_name));
                    portal.forget_link();
                    navigate("/documents", Default::default());
                }
                CheckOutcome::Retry(found) => {
                    set_page_title(&title, true);
                    error.set(Some(found));
                }
                CheckOutcome::Stopped(stop) => on_stop.run(stop),
            }
        });
    };

    view! {
        {move || {
            error
                .get()
                .map(|found| {
                    let note = found.note.clone();
                    view! { <ErrorSummary items=found.summary_items() note=note /> }
                })
        }}
        <PageHeading text=heading />
        <p class="body">{sentence}</p>
        <button
            type="button"
            class="button"
            id=CONFIRM_BUTTON_ID
            aria-disabled=move || pending.get().then_some("true")
            on:click=confirm
        >
            "Show my documents"
        </button>
    }
}
