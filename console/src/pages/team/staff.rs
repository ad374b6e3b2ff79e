//! The practice's staff: who they are, their role, who added them; "Change role" fills the
//! form below, "Remove" asks first. Nobody is offered removing themselves (the API refuses).

use leptos::prelude::*;
use sealpost_shared::staff::StaffMember;

use super::remove_staff::{RemoveStaffDialog, REMOVE_DIALOG};
use super::staff_form::{StaffForm, StaffFormState};
use crate::api;
use crate::app::use_staff;
use crate::components::{focus_by_id, messages, show_dialog, Loading};
use crate::logic::format_time;
use crate::logic::team::{is_you, role_label, role_value};

#[component]
pub fn StaffSection() -> impl IntoView {
    let you = use_staff().0.email;
    let loaded = LocalResource::new(api::staff);
    let notice = RwSignal::new(None::<String>);
    let removing = RwSignal::new(None::<StaffMember>);
    let form = StaffFormState::empty();
    // A reload keeps the list on screen until the new one arrives: nothing jumps or loses focus.
    let reload = move || loaded.refetch();
    let listed = Signal::derive(move || loaded.get().and_then(Result::ok).unwrap_or_default());
    let on_saved = Callback::new(move |text: String| {
        notice.set(Some(text));
        reload();
    });
    let on_removed = Callback::new(move |text: String| {
        notice.set(Some(text));
        reload();
        focus_by_id("staff-heading");
    });

    let row = move |member: StaffMember| {
        let yours = is_you(&member.email, &you);
        let email = member.email.clone();
        let change = {
            let member = member.clone();
            move |_| {
                form.email.set(member.email.clone());
                form.role.set(role_value(member.role).to_owned());
                focus_by_id("staff-role");
            }
        };
        let remove = {
            let member = member.clone();
            move |_| {
                removing.set(Some(member.clone()));
                show_dialog(REMOVE_DIALOG);
            }
        };
        view! {
            <li class="team-list__item">
                <div class="team-list__main">
                    <p class="team-list__title">
                        {email.clone()}
                        {yours.then(|| view! { <span class="team-list__you">" (you)"</span> })}
                    </p>
                    <p class="team-list__meta">
                        <strong>{role_label(member.role)}</strong>
                        {format!(" · added {} by {}", format_time(member.added_at), member.added_by)}
                    </p>
                </div>
                <div class="team-list__actions">
                    <button type="button" class="link-button" on:click=change>
                        "Change role"
                        <span class="visually-hidden">{format!(" of {email}")}</span>
                    </button>
                    {(!yours).then(|| view! {
                        <button type="button" class="link-button" on:click=remove>
                            "Remove"
                            <span class="visually-hidden">{format!(" {email}")}</span>
                        </button>
                    })}
                </div>
            </li>
        }
    };

    view! {
        <section class="team-section" aria-labelledby="staff-heading">
            <h2 class="heading-m" id="staff-heading" tabindex="-1">"Staff"</h2>
            {move || notice.get().map(|text| view! {
                <div class="notification notification--success" role="status">
                    <p class="notification__text">{text}</p>
                </div>
            })}
            <Transition fallback=|| view! { <Loading text="Loading the staff" /> }>
                <ErrorBoundary fallback=|errors| view! {
                    <p class="error-message" role="alert">
                        {move || format!("We could not load the staff. {}", messages(&errors))}
                    </p>
                }>
                    {move || {
                        let row = row.clone();
                        Suspend::new(async move {
                            loaded.await.map(|staff| if staff.is_empty() {
                                view! { <p class="body">"Nobody has a role in this practice yet."</p> }.into_any()
                            } else {
                                view! {
                                    <ul class="team-list">{staff.into_iter().map(&row).collect_view()}</ul>
                                }
                                    .into_any()
                            })
                        })
                    }}
                </ErrorBoundary>
            </Transition>
            <StaffForm state=form staff=listed on_saved=on_saved />
        </section>
        <RemoveStaffDialog member=removing on_removed=on_removed />
    }
}
