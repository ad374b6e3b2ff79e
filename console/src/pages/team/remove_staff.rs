//! "Remove …?": the confirmation before a staff member loses access to the practice.

use leptos::prelude::*;
use sealpost_shared::staff::StaffMember;

use crate::api;
use crate::components::ConfirmDialog;

pub const REMOVE_DIALOG: &str = "remove-staff-dialog";

#[component]
pub fn RemoveStaffDialog(
    /// Who is being removed; set before the dialog opens.
    member: RwSignal<Option<StaffMember>>,
    on_removed: Callback<String>,
) -> impl IntoView {
    let email = move || member.get().map(|m| m.email).unwrap_or_default();
    view! {
        <ConfirmDialog
            id=REMOVE_DIALOG
            item=member
            title=move || format!("Remove {}?", email())
            explanation="They will no longer be able to use the clinic console for this practice. What they shared stays shared, and the history keeps what they did. You can add them again later."
            confirm="Remove"
            action=|chosen: StaffMember| async move {
                api::remove_staff(&chosen.email).await.map(|()| {
                    format!(
                        "{} was removed: they can no longer use the clinic console for this practice.",
                        chosen.email
                    )
                })
            }
            on_done=on_removed
        />
    }
}
