//! "Add someone or change a role": an email address and a role. Saving an address already
//! listed changes its role.

use leptos::prelude::*;
use leptos::task::spawn_local;
use sealpost_shared::staff::StaffMember;

use crate::api;
use crate::components::ErrorSummary;
use crate::logic::team::{
    parse_staff_form, role_label, role_saved_notice, role_value, ROLES, ROLE_HINT,
};
use crate::logic::Problem;

/// What the form holds; the list's "Change role" fills it.
#[derive(Clone, Copy)]
pub struct StaffFormState {
    pub email: RwSignal<String>,
    /// A role's form value (`sharer`), or empty before one is chosen.
    pub role: RwSignal<String>,
}

impl StaffFormState {
    pub fn empty() -> Self {
        Self {
            email: RwSignal::new(String::new()),
            role: RwSignal::new(String::new()),
        }
    }
}

#[component]
pub fn StaffForm(
    state: StaffFormState,
    /// The staff listed now, to say whether a save added someone or changed their role.
    staff: Signal<Vec<StaffMember>>,
    on_saved: Callback<String>,
) -> impl IntoView {
    let problems = RwSignal::new(Vec::<Problem>::new());
    let failure = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let has_problem =
        move |target: &'static str| move || problems.get().iter().any(|p| p.target == target);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        match parse_staff_form(&state.email.get_untracked(), &state.role.get_untracked()) {
            Err(found) => {
                failure.set(None);
                problems.set(found);
            }
            Ok((email, role)) => {
                problems.set(Vec::new());
                busy.set(true);
                let before = staff.get_untracked();
                spawn_local(async move {
                    let result = api::set_role(&email, role).await;
                    busy.set(false);
                    match result {
                        Ok(saved) => {
                            failure.set(None);
                            state.email.set(String::new());
                            state.role.set(String::new());
                            on_saved.run(role_saved_notice(&before, &saved));
                        }
                        Err(refused) => failure.set(Some(refused.message())),
                    }
                });
            }
        }
    };
    let options = ROLES
        .into_iter()
        .map(|role| view! { <option value=role_value(role)>{role_label(role)}</option> })
        .collect_view();
    view! {
        <h3 class="heading-s" id="staff-form-heading">"Add someone or change a role"</h3>
        {move || {
            let found = problems.get();
            (!found.is_empty()).then(|| view! { <ErrorSummary items=found /> })
        }}
        {move || failure.get().map(|text| view! { <p class="error-message" role="alert">{text}</p> })}
        <form class="team-form" aria-labelledby="staff-form-heading" on:submit=submit novalidate>
            <div class="form-group form-group--tight">
                <label class="label" for="staff-email">"Email address"</label>
                <p class="hint" id="staff-email-hint">
                    "The address they sign in with through Cloudflare Access. If they are already listed, their role changes."
                </p>
                <input
                    class="input input--wide"
                    class:input--error=has_problem("staff-email")
                    id="staff-email"
                    type="email"
                    autocomplete="off"
                    spellcheck="false"
                    aria-describedby="staff-email-hint"
                    prop:value=move || state.email.get()
                    on:input=move |ev| state.email.set(event_target_value(&ev))
                />
            </div>
            <div class="form-group form-group--tight">
                <label class="label" for="staff-role">"Role"</label>
                <p class="hint" id="staff-role-hint">{ROLE_HINT}</p>
                <select
                    class="select"
                    class:input--error=has_problem("staff-role")
                    id="staff-role"
                    aria-describedby="staff-role-hint"
                    prop:value=move || state.role.get()
                    on:change=move |ev| state.role.set(event_target_value(&ev))
                >
                    <option value="">"Choose a role"</option>
                    {options}
                </select>
            </div>
            <button type="submit" class="button" aria-disabled=move || busy.get().then_some("true")>
                "Save role"
            </button>
        </form>
    }
}
