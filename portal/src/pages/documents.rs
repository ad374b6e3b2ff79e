use leptos::prelude::*;
use leptos::task::spawn_local;
use sealpost_shared::error::ErrorCode;
use sealpost_shared::wire::{DocumentList, PortalDocument};

use crate::api::{self, ApiFailure};
use crate::app::use_portal;
use crate::components::stop_page::StopPage;
use crate::components::{LoadingPage, PageHeading};
use crate::download;
use sealpost_frontkit::format::{format_date, iso_date};

use crate::logic::{
    content_url, document_details, downloads_with_progress, note_path, percent,
    practice_in_failure, stop_for, Stop,
};

/// Where a progress download is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Download {
    Idle,
    /// Under way, in whole per cent.
    Running(u32),
    Saved,
    Failed,
}

/// "Download" for a file large enough to deserve a progress bar: the link still works without
/// the app (it is the plain download link); a click fetches the file here instead, showing
/// progress, then saves it.
#[component]
fn ProgressDownload(id: String, title: String, size: u64) -> impl IntoView {
    let href = content_url(&id, true);
    let state = RwSignal::new(Download::Idle);
    let progress_id = format!("download-{id}");
    let start = {
        let (href, title) = (href.clone(), title.clone());
        move |event: leptos::ev::MouseEvent| {
            event.prevent_default();
            if matches!(state.get_untracked(), Download::Running(_)) {
                return;
            }
            state.set(Download::Running(0));
            let (href, title) = (href.clone(), title.clone());
            spawn_local(async move {
                let fetched = download::fetch_with_progress(&href, size, &title, |got, total| {
                    let now = Download::Running(percent(got, total));
                    if state.get_untracked() != now {
                        state.set(now);
                    }
                })
                .await;
                let saved = fetched.and_then(|file| download::save(&file));
                state.set(if saved.is_ok() {
                    Download::Saved
                } else {
                    Download::Failed
                });
            });
        }
    };
    let status = {
        let title = title.clone();
        move || match state.get() {
            Download::Running(done) => view! {
                <label class="download__label" for=progress_id.clone()>
                    {format!("Downloading {title}")}
                </label>
                <span class="download__bar">
                    <progress class="progress" id=progress_id.clone() max="100" value=done>
                        {format!("{done}%")}
                    </progress>
                    <span class="download__percent" aria-hidden="true">
                        {format!("{done}%")}
                    </span>
                </span>
            }
            .into_any(),
            Download::Saved => {
                view! { <span class="download__done">{format!("Downloaded {title}")}</span> }
                    .into_any()
            }
            Download::Idle | Download::Failed => ().into_any(),
        }
    };
    let failed = move || {
        (state.get() == Download::Failed).then(|| {
            view! {
                <p class="error-message" role="alert">
                    "The download did not finish. Check your internet connection, then try again."
                </p>
            }
        })
    };
    view! {
        <a class="document__link" href=href download="" on:click=start>
            "Download"
            <span class="visually-hidden">{format!(" {title}")}</span>
        </a>
        // Announced politely when the download starts and when it is saved; the bar's own
        // value is read on demand, not on every change.
        <span class="download" role="status">{status}</span>
        {failed}
    }
}

#[component]
fn DocumentItem(document: PortalDocument) -> impl IntoView {
    let id = document.id.as_str().to_owned();
    let title = document.title;
    let actions = if document.note {
        view! {
            <a class="document__link" href=note_path(&id)>
                "Read"
                <span class="visually-hidden">{format!(" {title}")}</span>
            </a>
        }
        .into_any()
    } else {
        let open = content_url(&id, false);
        let download = if downloads_with_progress(document.size) {
            view! { <ProgressDownload id=id.clone() title=title.clone() size=document.size /> }
                .into_any()
        } else {
            view! {
                <a class="document__link" href=content_url(&id, true) download="">
                    "Download"
                    <span class="visually-hidden">{format!(" {title}")}</span>
                </a>
            }
            .into_any()
        };
        view! {
            <a class="document__link" href=open target="_blank" rel="noopener">
                "Open"
                <span class="visually-hidden">{format!(" {title} (opens in a new tab)")}</span>
            </a>
            {download}
        }
        .into_any()
    };
    // A structured note is read on its own page: its stored size and type say nothing useful.
    let details = (!document.note).then(|| {
        view! {
            <span class="document__details">
                {document_details(&document.content_type, document.size)}
            </span>
        }
    });
    view! {
        <li class="document">
            <p class="document__kind">{document.kind.label()}</p>
            <h2 class="document__title">{title.clone()}</h2>
            <p class="document__meta">
                <time datetime=iso_date(document.date)>{format_date(document.date)}</time>
                {details}
            </p>
            <div class="document__actions">{actions}</div>
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
            None => view! { <LoadingPage text="Loading your documents" /> }.into_any(),
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
