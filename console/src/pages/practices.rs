//! The practice picker: shown before anything else to staff of several practices, and again
//! when they switch.

use leptos::prelude::*;
use sealpost_shared::staff::StaffPractice;
use sealpost_shared::tenancy::PracticeId;

use crate::components::PageHeading;

#[component]
pub fn PracticePicker(
    practices: Vec<StaffPractice>,
    /// The practice worked in until now, when switching.
    current: Option<PracticeId>,
    on_choose: Callback<StaffPractice>,
) -> impl IntoView {
    let intro = if current.is_some() {
        "Choose the practice to work in. Pages open in this tab will start again from Find a patient."
    } else {
        "You work in more than one practice. Choose the one you are working in now; you can switch at any time from the top of the page."
    };
    let items = practices
        .into_iter()
        .map(|practice| {
            let is_current = current.as_ref() == Some(&practice.id);
            let name = practice.name.clone();
            view! {
                <li class="practice-list__item">
                    <button
                        type="button"
                        class="practice-list__button"
                        aria-current=is_current.then_some("true")
                        on:click=move |_| on_choose.run(practice.clone())
                    >
                        {name}
                        {is_current.then(|| view! { <span class="practice-list__current">" (current)"</span> })}
                    </button>
                </li>
            }
        })
        .collect_view();
    view! {
        <PageHeading text="Choose a practice" />
        <p class="body">{intro}</p>
        <ul class="practice-list">{items}</ul>
    }
}
