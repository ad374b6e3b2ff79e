//! "Remove …?": the confirmation before a staff member loses access to the practice.

use leptos::prelude::*;
use leptos::task::spawn_local;
use sealpost_shared::staff::StaffMember;

use crate::api;
use crate::components::close_dialog;

pub const REMOVE_DIALOG: &str = "remove-staff-dialog";

#[component]
pub fn RemoveStaffDialog(
    /// Who is being removed; set before the dialog opens.
    member: RwSignal<Option<StaffMember>>,
    on_removed: Callback<String>,
) -> impl IntoView {
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let email = move || member.get().map(|m| m.email).unwrap_or_default();
    // A new person to remove starts without the last one's error.
    Effect::new(move || {
        member.track();
        error.set(None);
    });
    let remove = move |_| {
        let Some(chosen) = member.get_untracked() else {
            return;
        };
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        spawn_local(async move {
            let result = api::remove_staff(&chosen.email).await;
            busy.set(false);
            match result {
                Ok(()) => {
                    close_dialog(REMOVE_DIALOG);
                    on_removed.run(format!(
                        "{} was removed: they can no longer use the clinic console for this practice.",
                        chosen.email
                    ));
                }
                Err(failure) => error.set(Some(failure.message())),
            }
        });
    };
    view! {
        <dialog
            class="dialog"
            id=REMOVE_DIALOG
            aria-labelledby="remove-staff-title"
            aria-describedby="remove-staff-explanation"
        >
            <h2 class="heading-m" id="remove-staff-title">{move || format!("Remove {}?", email())}</h2>
            <p class="body" id="remove-staff-explanation">
                "They will no longer be able to use the clinic console for this practice. What they shared stays shared, and the history keeps what they did. You can add them again later."
            </p>
            {move || error.get().map(|text| view! { <p class="error-message" role="alert">{text}</p> })}
            <div class="button-group">
                <button
                    type="button"
                    class="button button--warning"
                    aria-disabled=move || busy.get().then_some("true")
                    on:click=remove
                >
                    "Remove"
                </button>
                <button
                    type="button"
                    class="button button--secondary"
                    on:click=move |_| close_dialog(REMOVE_DIALOG)
                >
                    "Cancel"
                </button>
            </div>
        </dialog>
    }
}
