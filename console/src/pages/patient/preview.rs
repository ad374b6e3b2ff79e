//! The in-window preview: the document beside the selection, draggable into it.

use leptos::ev::DragEvent;
use leptos::prelude::*;

use super::selection::SelectionList;
use super::state::{drag_payload, PanelState};
use crate::components::close_dialog;
use crate::logic::{content_path, format_date, preview_kind, PreviewKind};

#[component]
pub(super) fn PreviewDialog(state: PanelState, can_share: bool) -> impl IntoView {
    let on_drop = state.drop_handler();
    let body = move || {
        let doc = state.preview.get()?;
        let patient = state.id();
        let src = content_path(
            &patient,
            doc.id.as_str(),
            crate::tab::remembered_practice().as_deref(),
        );
        let payload = drag_payload(&patient, doc.id.as_str());
        let shown = match preview_kind(&doc.content_type) {
            PreviewKind::Image => view! {
                <img class="preview__image" src=src alt=format!("Preview of {}", doc.title) />
            }
            .into_any(),
            PreviewKind::Pdf => view! {
                <p class="body">
                    <a href=src target="_blank" rel="noopener">
                        "Open the PDF"
                        <span class="visually-hidden">{format!(" {} (opens in a new tab)", doc.title)}</span>
                    </a>
                </p>
            }
            .into_any(),
            PreviewKind::Other => view! {
                <p class="body">
                    <a href=src target="_blank" rel="noopener">
                        "Open the document"
                        <span class="visually-hidden">{format!(" {} (opens in a new tab)", doc.title)}</span>
                    </a>
                </p>
            }
            .into_any(),
        };
        let id = doc.id.clone();
        let added = {
            let id = id.clone();
            move || state.ticked.get().contains(&id)
        };
        Some(view! {
            <div class="preview">
                <div class="preview__document">
                    <div
                        class="preview__card"
                        draggable=if can_share { "true" } else { "false" }
                        on:dragstart=move |ev: DragEvent| {
                            if let Some(dt) = ev.data_transfer() {
                                let _ = dt.set_data("text/plain", &payload);
                            }
                        }
                    >
                        <p class="doc__meta">{format!("{} · {}", doc.kind.label(), format_date(doc.date))}</p>
                        {can_share.then(|| view! { <p class="hint">"Drag this document to the selection."</p> })}
                        {shown}
                    </div>
                </div>
                {can_share.then(|| view! {
                    <div class="preview__selection">
                        <h3 class="heading-s">"Selection"</h3>
                        <div
                            class="preview__drop"
                            on:dragover=move |ev: DragEvent| ev.prevent_default()
                            on:drop=on_drop
                        >
                            <SelectionList state=state />
                        </div>
                        {move || if added() {
                            view! { <p class="body" role="status">"This document is in the selection."</p> }.into_any()
                        } else {
                            let id = id.clone();
                            view! {
                                <button
                                    type="button"
                                    class="button"
                                    on:click=move |_| state.set_ticked(id.clone(), true)
                                >
                                    "Add to selection"
                                </button>
                            }
                            .into_any()
                        }}
                    </div>
                })}
            </div>
        })
    };
    view! {
        <dialog class="dialog dialog--wide" id="preview-dialog" aria-labelledby="preview-title">
            <h2 class="heading-m" id="preview-title">
                {move || state.preview.get().map(|d| d.title).unwrap_or_default()}
            </h2>
            {body}
            <button
                type="button"
                class="button button--secondary"
                on:click=move |_| close_dialog("preview-dialog")
            >
                "Close"
            </button>
        </dialog>
    }
}
