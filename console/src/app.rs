//! Which practice the tab works in, who is signed in, what their role allows, and the router.
//!
//! On start: the staff member's practices (`/api/v1/staff/practices`) → the practice to use
//! ([`crate::logic::practice::start`]: the one remembered for the tab, the only one, or ask) →
//! who they are there (`/me`) → the pages.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::path;
use sealpost_shared::error::ErrorCode;
use sealpost_shared::staff::{permits, Action, Role, StaffIdentity, StaffPractice};
use sealpost_shared::tenancy::PracticeId;

use crate::api::{self, ApiFailure};
use crate::components::{Loading, StopPage};
use crate::logic::practice::{may_switch, start, Start};
pub use crate::logic::team::role_label;
use crate::pages::patient::PatientPage;
use crate::pages::practices::PracticePicker;
use crate::pages::preview::PreviewPage;
use crate::pages::search::SearchPage;
use crate::pages::settings::SettingsPage;
use crate::pages::team::TeamPage;
use crate::pages::webhooks::WebhooksPage;
use crate::tab;

/// The signed-in staff member, provided as context below [`App`] once known.
#[derive(Clone)]
pub struct Staff(pub StaffIdentity);

impl Staff {
    pub fn may(&self, action: Action) -> bool {
        permits(self.0.role, action)
    }
}

/// The signed-in staff member. Pages render only below [`App`]'s identity check, so the
/// fallback (a viewer, who may do nothing but look) is never used.
pub fn use_staff() -> Staff {
    use_context::<Staff>().unwrap_or_else(|| {
        Staff(StaffIdentity {
            email: String::new(),
            role: Role::Viewer,
            dev_identity: false,
            practice_name: String::new(),
        })
    })
}

/// Where the start of the console has got to.
#[derive(Clone)]
enum Phase {
    /// Asking which practices the staff member belongs to.
    Practices,
    /// Several practices and none chosen for this tab (or switching).
    Picking,
    /// Asking who is signed in, in the chosen practice.
    Identity,
    Ready(StaffIdentity),
    Failed(ApiFailure),
}

fn refused(failure: &ApiFailure, codes: &[ErrorCode]) -> bool {
    matches!(failure, ApiFailure::Api(error) if codes.contains(&error.code))
}

#[component]
pub fn App() -> impl IntoView {
    provide_context(crate::logic::SERVICE);
    let phase = RwSignal::new(Phase::Practices);
    let practices = RwSignal::new(Vec::<StaffPractice>::new());
    let current = RwSignal::new(None::<PracticeId>);

    let identify = move || {
        phase.set(Phase::Identity);
        spawn_local(async move {
            phase.set(match api::me().await {
                Ok(identity) => Phase::Ready(identity),
                // The practices changed since they were listed: ask rather than fail.
                Err(failure)
                    if refused(&failure, &[ErrorCode::PracticeRequired])
                        && may_switch(&practices.get_untracked()) =>
                {
                    Phase::Picking
                }
                Err(failure) => Phase::Failed(failure),
            });
        });
    };
    let work_in = move |practice: Option<PracticeId>| {
        api::set_practice(practice.clone());
        current.set(practice);
        identify();
    };
    let begin = move || {
        phase.set(Phase::Practices);
        spawn_local(async move {
            match api::staff_practices().await {
                Ok(list) => {
                    let decision = start(&list, tab::remembered_practice().as_deref());
                    practices.set(list);
                    match decision {
                        Start::Use(practice) => work_in(Some(practice.id)),
                        Start::Ask => phase.set(Phase::Picking),
                        Start::Unnamed => work_in(None),
                    }
                }
                // Not signed in, or no role anywhere: `/me` says so in the console's words.
                Err(failure)
                    if refused(&failure, &[ErrorCode::Unauthorized, ErrorCode::Forbidden]) =>
                {
                    work_in(None)
                }
                Err(failure) => phase.set(Phase::Failed(failure)),
            }
        });
    };
    let choose = Callback::new(move |practice: StaffPractice| {
        tab::remember_practice(&practice.id);
        let switched = current
            .get_untracked()
            .is_some_and(|before| before != practice.id);
        if switched {
            tab::go_to_start();
        }
        work_in(Some(practice.id));
    });
    let switch = Callback::new(move |()| phase.set(Phase::Picking));
    begin();

    view! {
        <a href="#main" class="skip-link">"Skip to main content"</a>
        {move || match phase.get() {
            Phase::Practices => {
                view! { <Shell><Loading text="Finding your practices" /></Shell> }.into_any()
            }
            Phase::Identity => {
                view! { <Shell><Loading text="Checking who you are" /></Shell> }.into_any()
            }
            Phase::Picking => {
                view! {
                    <Shell>
                        <PracticePicker
                            practices=practices.get_untracked()
                            current=current.get_untracked()
                            on_choose=choose
                        />
                    </Shell>
                }
                    .into_any()
            }
            Phase::Failed(ApiFailure::Api(error))
                if matches!(error.code, ErrorCode::Forbidden | ErrorCode::Unauthorized) => {
                let other = may_switch(&practices.get_untracked());
                view! {
                    <Shell>
                        <StopPage
                            heading="You do not have access to the clinic console"
                            text=format!(
                                "{} If you need to share documents with patients, ask your practice's administrator to give you a role.",
                                error.message,
                            )
                        />
                        {other.then(|| view! {
                            <button type="button" class="button button--secondary" on:click=move |_| switch.run(())>
                                "Choose another practice"
                            </button>
                        })}
                    </Shell>
                }
                    .into_any()
            }
            Phase::Failed(failure) => {
                view! {
                    <Shell>
                        <StopPage heading="Sealpost is not answering" text=failure.message() />
                        <button type="button" class="button" on:click=move |_| begin()>
                            "Retry"
                        </button>
                    </Shell>
                }
                    .into_any()
            }
            Phase::Ready(identity) => {
                let switch = may_switch(&practices.get_untracked()).then_some(switch);
                view! { <SignedIn identity=identity switch=switch /> }.into_any()
            }
        }}
    }
}

/// Header and main landmark without navigation (before we know who is signed in).
#[component]
fn Shell(children: Children) -> impl IntoView {
    view! {
        <header class="header">
            <div class="console-container header__inner">
                <p class="header__service">"Sealpost clinic console"</p>
            </div>
        </header>
        <div class="console-container">
            <main class="console-main" id="main">
                {children()}
            </main>
        </div>
    }
}

#[component]
fn SignedIn(identity: StaffIdentity, switch: Option<Callback<()>>) -> impl IntoView {
    let staff = Staff(identity.clone());
    let admin = staff.may(Action::ChangeSettings);
    provide_context(staff);
    let banner = identity.dev_identity.then(|| {
        view! {
            <div class="dev-banner" role="region" aria-label="Development identity">
                <p class="console-container dev-banner__text">
                    <strong>"Local development identity — not for production."</strong>
                    " You are signed in without Cloudflare Access, as an administrator."
                </p>
            </div>
        }
    });
    view! {
        <Router>
            {banner}
            <header class="header">
                <div class="console-container header__inner console-header">
                    <div class="console-practice">
                        <p class="header__practice">
                            {identity.practice_name.clone()}
                            <span class="header__sub">" · Clinic console"</span>
                        </p>
                        {switch.map(|switch| view! {
                            <button type="button" class="header-switch" on:click=move |_| switch.run(())>
                                "Switch practice"
                            </button>
                        })}
                    </div>
                    <nav class="console-nav" aria-label="Console">
                        <A href="/console">"Find a patient"</A>
                        {admin.then(|| view! {
                            <A href="/console/settings">"Settings"</A>
                            <A href="/console/team">"Staff and keys"</A>
                            <A href="/console/webhook">"Webhook"</A>
                        })}
                    </nav>
                    <p class="console-user">
                        <span class="visually-hidden">"Signed in as "</span>
                        {identity.email.clone()}
                        " ("
                        {role_label(identity.role)}
                        ")"
                    </p>
                </div>
            </header>
            <div class="console-container">
                <main class="console-main" id="main">
                    <Routes fallback=|| {
                        view! {
                            <StopPage
                                heading="Page not found"
                                text="Check the address, or go back to Find a patient."
                            />
                        }
                    }>
                        <Route path=path!("/console") view=SearchPage />
                        <Route path=path!("/console/patients/:id") view=PatientPage />
                        <Route path=path!("/console/settings") view=SettingsPage />
                        <Route path=path!("/console/team") view=TeamPage />
                        <Route path=path!("/console/webhook") view=WebhooksPage />
                        <Route path=path!("/console/preview/:patient/:doc") view=PreviewPage />
                    </Routes>
                </main>
            </div>
        </Router>
    }
}
