//! One recipient in the share panel: a checkbox with the address it goes to, or, disabled,
//! why it cannot be chosen.

use leptos::prelude::*;

use super::state::PanelState;
use crate::logic::RecipientKey;

#[component]
pub(super) fn RecipientOption(
    state: PanelState,
    key: RecipientKey,
    label: String,
    email: Option<String>,
    reason: Option<&'static str>,
) -> impl IntoView {
    let input_id = format!("to-{}", key.value());
    let hint_id = format!("{input_id}-hint");
    let disabled = reason.is_some();
    let checked = {
        let key = key.clone();
        move || state.recipients.get().contains(&key)
    };
    let toggle = move |ev: leptos::ev::Event| {
        let on = event_target_checked(&ev);
        let key = key.clone();
        state.recipients.update(|r| {
            if on {
                r.insert(key);
            } else {
                r.remove(&key);
            }
        });
        state.outcome.set(None);
    };
    let hint = match (reason, email) {
        (Some(reason), _) => reason.to_owned(),
        (None, Some(email)) => email,
        (None, None) => String::new(),
    };
    view! {
        <div class="checkbox" class:checkbox--disabled=disabled>
            <input
                class="checkbox__input"
                type="checkbox"
                id=input_id.clone()
                disabled=disabled
                aria-describedby=hint_id.clone()
                prop:checked=checked
                on:change=toggle
            />
            <label class="checkbox__label" for=input_id>
                {label}
            </label>
            <p class="checkbox__hint" class:checkbox__hint--warning=disabled id=hint_id>
                {hint}
            </p>
        </div>
    }
}
