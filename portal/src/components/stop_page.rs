use leptos::prelude::*;

use super::PageHeading;
use crate::app::use_portal;
use crate::logic::{stop_text, Stop};

/// A page that ends a journey: a heading, a sentence and, where it can help, a Retry button.
#[component]
pub fn StopPage(stop: Stop, #[prop(optional)] on_retry: Option<Callback<()>>) -> impl IntoView {
    let portal = use_portal();
    let practice = portal.practice_name.get_untracked();
    let (heading, text) = stop_text(&stop, practice.as_deref());
    let retry = on_retry.filter(|_| stop.can_retry()).map(|retry| {
        view! {
            <button type="button" class="button" on:click=move |_| retry.run(())>
                "Retry"
            </button>
        }
    });
    view! {
        <PageHeading text=heading />
        <p class="body">{text}</p>
        {retry}
    }
}
