use leptos::html::Div;
use leptos::prelude::*;

use super::focus_by_id;
use crate::logic::SummaryItem;

/// The GOV.UK error summary: it takes focus when it appears, and each problem links to the
/// control it is about. `note` is a sentence after the list (such as the attempts left).
#[component]
pub fn ErrorSummary(items: Vec<SummaryItem>, note: Option<String>) -> impl IntoView {
    let summary = NodeRef::<Div>::new();
    Effect::new(move || {
        if let Some(summary) = summary.get() {
            let _ = summary.focus();
        }
    });
    let items = items
        .into_iter()
        .map(|item| {
            let id = item.target;
            // Focus the control without putting `#dob-day` in the URL, as GOV.UK Frontend does.
            let go = move |ev: leptos::ev::MouseEvent| {
                ev.prevent_default();
                focus_by_id(id);
            };
            view! {
                <li>
                    <a href=format!("#{id}") on:click=go>
                        {item.message}
                    </a>
                </li>
            }
        })
        .collect_view();
    let note = note.map(|note| view! { <p class="error-summary__note">{note}</p> });
    view! {
        <div class="error-summary" tabindex="-1" node_ref=summary>
            <div role="alert">
                <h2 class="error-summary__title">"There is a problem"</h2>
                <div class="error-summary__body">
                    <ul class="error-summary__list">{items}</ul>
                    {note}
                </div>
            </div>
        </div>
    }
}
