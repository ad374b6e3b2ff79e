use leptos::prelude::*;
use leptos::task::spawn_local;
use sealpost_shared::error::ErrorCode;
use sealpost_shared::wire::{DocumentList, PortalDocument};

use crate::api::{self, ApiFailure};
use crate::app::use_portal;
use crate::components::heading::PageHeading;
use crate::components::loading::Loading;
use crate::components::stop_page::StopPage;
use crate::logic::{
    content_url, document_details, format_date, iso_date, practice_in_failure, stop_for, Stop,
};

#[component]
fn DocumentItem(document: PortalDocument) -> impl IntoView {
    let id = document.id.as_str();
    let open = content_url(id, false);
    let download = content_url(id, true);
    let title = document.title;
    view! {
        <li class="document">
            <p class="document__kind">{document.kind.label()}</p>
            <h2 class="document__title">{title.clone()}</h2>
            <p class="document__meta">
                <time datetime=iso_date(document.date)>{format_date(document.date)}</time>
                <span class="document__details">
                    {document_details(&document.content_type, document.size)}
                </span>
            </p>
            <p class="document__actions">
                <a class="document__link" href=open target="_blank" rel="noopener">
                    "Open"
                    <span class="visually-hidden">{format!(" {title} (opens in a new tab)")}</span>
                </a>
                <a class="document__link" href=download download="">
                    "Download"
                    <span class="visually-hidden">{format!(" {title}")}</span>
                </a>
            </p>
        </li>
    }
}

/// `/documents`: what the practice shares, newest first, and signing out.
#[component]
pub fn DocumentsPage() -> impl IntoView {
    let portal = use_portal();
    let list = RwSignal::new(None::<Result<DocumentList, ApiFailure>>);
    let signed_out = RwSignal::new(false);
    let sign_out_failed = RwSignal::new(false);
    let signing_out = RwSignal::new(false);

    let load = move || {
        list.set(None);
        spawn_local(async move {
            let result = api::documents().await;
            match &result {
                Ok(found) => portal.learn_practice(Some(found.practice_name.clone())),
                Err(failure) => portal.learn_practice(practice_in_failure(failure)),
            }
            list.set(Some(result));
        });
    };
    load();
    let retry = Callback::new(move |()| load());

    let sign_out = move |_| {
        if signing_out.get_untracked() {
            return;
        }
        signing_out.set(true);
        sign_out_failed.set(false);
        spawn_local(async move {
            let result = api::sign_out().await;
            signing_out.set(false);
            match result {
                // An ended session is as good as signed out.
                Ok(()) => signed_out.set(true),
                Err(ApiFailure::Api(error)) if error.code == ErrorCode::SessionRequired => {
                    signed_out.set(true)
                }
                Err(_) => sign_out_failed.set(true),
            }
        });
    };

    move || {
        if signed_out.get() {
            return view! { <StopPage stop=Stop::SignedOut /> }.into_any();
        }
        match list.get() {
            None => view! { <Loading text="Loading your documents" /> }.into_any(),
            Some(Err(failure)) => {
                view! { <StopPage stop=stop_for(&failure) on_retry=retry /> }.into_any()
            }
            Some(Ok(found)) => {
                let documents = if found.documents.is_empty() {
                    view! { <p class="body">"No documents are shared with you at the moment."</p> }
                        .into_any()
                } else {
                    view! {
                        <ul class="documents">
                            {found
                                .documents
                                .into_iter()
                                .map(|document| view! { <DocumentItem document=document /> })
                                .collect_view()}
                        </ul>
                    }
                    .into_any()
                };
                view! {
                    <PageHeading text="Your documents" />
                    {documents}
                    <div class="sign-out">
                        {move || {
                            sign_out_failed
                                .get()
                                .then(|| {
                                    view! {
                                        <p class="error-message" role="alert">
                                            "We could not sign you out. Check your internet connection, then try again."
                                        </p>
                                    }
                                })
                        }}
                        <button
                            type="button"
                            class="button button--secondary"
                            aria-disabled=move || signing_out.get().then_some("true")
                            on:click=sign_out
                        >
                            "Sign out"
                        </button>
                    </div>
                }
                .into_any()
            }
        }
    }
}
