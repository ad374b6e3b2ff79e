//! The router, who is signed in, and what their role allows.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::path;
use sealpost_shared::error::ErrorCode;
use sealpost_shared::staff::{permits, Action, Role, StaffIdentity};

use crate::api::{self, ApiFailure};
use crate::components::{Loading, StopPage};
use crate::pages::patient::PatientPage;
use crate::pages::preview::PreviewPage;
use crate::pages::search::SearchPage;
use crate::pages::settings::SettingsPage;

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

pub fn role_label(role: Role) -> &'static str {
    match role {
        Role::Viewer => "Viewer",
        Role::Sharer => "Sharer",
        Role::Admin => "Administrator",
    }
}

#[component]
pub fn App() -> impl IntoView {
    let me = RwSignal::new(None::<Result<StaffIdentity, ApiFailure>>);
    let load = move || {
        me.set(None);
        spawn_local(async move { me.set(Some(api::me().await)) });
    };
    load();
    view! {
        <a href="#main" class="skip-link">"Skip to main content"</a>
        {move || match me.get() {
            None => view! { <Shell><Loading text="Checking who you are" /></Shell> }.into_any(),
            Some(Err(ApiFailure::Api(error)))
                if matches!(error.code, ErrorCode::Forbidden | ErrorCode::Unauthorized) => {
                view! {
                    <Shell>
                        <StopPage
                            heading="You do not have access to the clinic console"
                            text=format!(
                                "{} If you need to share documents with patients, ask your practice's administrator to give you a role.",
                                error.message,
                            )
                        />
                    </Shell>
                }
                    .into_any()
            }
            Some(Err(failure)) => {
                view! {
                    <Shell>
                        <StopPage heading="Sealpost is not answering" text=failure.message() />
                        <button type="button" class="button" on:click=move |_| load()>
                            "Retry"
                        </button>
                    </Shell>
                }
                    .into_any()
            }
            Some(Ok(identity)) => view! { <SignedIn identity=identity /> }.into_any(),
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
fn SignedIn(identity: StaffIdentity) -> impl IntoView {
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
                    <p class="header__practice">
                        {identity.practice_name.clone()}
                        <span class="header__sub">" · Clinic console"</span>
                    </p>
                    <nav class="console-nav" aria-label="Console">
                        <A href="/console">"Find a patient"</A>
                        {admin.then(|| view! { <A href="/console/settings">"Settings"</A> })}
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
                        <Route path=path!("/console/preview/:patient/:doc") view=PreviewPage />
                    </Routes>
                </main>
            </div>
        </Router>
    }
}
