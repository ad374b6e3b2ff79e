//! `/console/team`, "Staff and keys": who may use the clinic console for the practice, and the
//! clinic API keys its systems use (administrators only; the API refuses anyone else too).
//!
//! One file per part: `staff` lists staff, `staff_form` adds someone or changes a role,
//! `remove_staff` confirms a removal; `keys` lists the keys, `key_form` creates one,
//! `new_key` shows a new key its one time, `revoke_key` confirms a revocation.

mod key_form;
mod keys;
mod new_key;
mod remove_staff;
mod revoke_key;
mod staff;
mod staff_form;

use leptos::prelude::*;
use sealpost_shared::staff::Action;

use crate::app::use_staff;
use crate::components::{PageHeading, StopPage};

#[component]
pub fn TeamPage() -> impl IntoView {
    let me = use_staff();
    if !me.may(Action::ChangeSettings) {
        return view! {
            <StopPage
                heading="Only administrators can manage staff and keys"
                text="Ask your practice's administrator to add someone, change a role or create a key."
            />
        }
        .into_any();
    }
    view! {
        <PageHeading text="Staff and keys" />
        <p class="body">
            {format!(
                "Who can use the clinic console for {}, and the keys your clinic systems use to reach Sealpost.",
                me.0.practice_name,
            )}
        </p>
        <staff::StaffSection />
        <keys::KeysSection />
    }
    .into_any()
}
