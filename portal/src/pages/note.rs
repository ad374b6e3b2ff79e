use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_params_map;
use sealpost_frontkit::format::{format_date, iso_date};
use sealpost_shared::wire::{NoteSection, SharedNote};

use crate::api::{self, ApiFailure};
use crate::app::use_portal;
use crate::components::stop_page::StopPage;
use crate::components::{LoadingPage, PageHeading};
use crate::logic::{note_paragraphs, note_stop, practice_in_failure, Stop};

#[component]
fn Section(section: NoteSection) -> impl IntoView {
    view! {
        <section class="note__section">
            <h2 class="heading-m">{section.title}</h2>
            {note_paragraphs(&section.text)
                .into_iter()
                .map(|paragraph| view! { <p class="body note__text">{paragraph}</p> })
                .collect_view()}
        </section>
    }
}

#[component]
fn Note(note: SharedNote) -> impl IntoView {
    let print = |_| {
        let _ = window().print();
    };
    view! {
        <article class="note">
            <p class="caption">"Consultation note"</p>
            <PageHeading text=note.title />
            <p class="note__date">
                <time datetime=iso_date(note.date)>{format_date(note.date)}</time>
            </p>
            {note
                .sections
                .into_iter()
                .map(|section| view! { <Section section=section /> })
                .collect_view()}
        </article>
        <div class="note__actions">
            <button type="button" class="button button--secondary" on:click=print>
                "Print"
            </button>
            <p class="body">
                <a href="/documents">"Back to your documents"</a>
            </p>
        </div>
    }
}

/// `/documents/{id}/note`: the sections of a consultation note shared with this person.
#[component]
pub fn NotePage() -> impl IntoView {
    let portal = use_portal();
    let params = use_params_map();
    let note = RwSignal::new(None::<Result<SharedNote, ApiFailure>>);

    let load = move || {
        note.set(None);
        let id = params.with_untracked(|p| p.get("id")).unwrap_or_default();
        spawn_local(async move {
            let result = api::note(&id).await;
            match &result {
                Ok(found) => portal.learn_practice(Some(found.practice_name.clone())),
                Err(failure) => portal.learn_practice(practice_in_failure(failure)),
            }
            note.set(Some(result));
        });
    };
    load();
    let retry = Callback::new(move |()| load());

    move || match note.get() {
        None => view! { <LoadingPage text="Loading the note" /> }.into_any(),
        Some(Err(failure)) => {
            let stop = note_stop(&failure);
            let back = (stop == Stop::NoteUnavailable).then(|| {
                view! {
                    <p class="body">
                        <a href="/documents">"Back to your documents"</a>
                    </p>
                }
            });
            view! {
                <StopPage stop=stop on_retry=retry />
                {back}
            }
            .into_any()
        }
        Some(Ok(found)) => view! { <Note note=found /> }.into_any(),
    }
}
