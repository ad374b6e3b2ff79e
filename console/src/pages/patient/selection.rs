//! The selected documents, a drop target for documents dragged from the list or the preview.

use leptos::ev::DragEvent;
use leptos::prelude::*;
use sealpost_shared::wire::StaffDocument;

use super::state::PanelState;

#[component]
pub(super) fn SelectionList(state: PanelState) -> impl IntoView {
    let on_drop = state.drop_handler();
    view! {
        <div
            class="dropzone"
            on:dragover=move |ev: DragEvent| {
                ev.prevent_default();
                if let Some(dt) = ev.data_transfer() {
                    dt.set_drop_effect("copy");
                }
            }
            on:drop=on_drop
        >
            {move || {
                let docs = state.docs_list();
                let ticked = state.ticked.get();
                let chosen: Vec<StaffDocument> = docs
                    .into_iter()
                    .filter(|d| ticked.contains(&d.id))
                    .collect();
                if chosen.is_empty() {
                    view! {
                        <p class="dropzone__empty">
                            "No documents selected. Tick documents, or drag them here."
                        </p>
                    }
                    .into_any()
                } else {
                    view! {
                        <ul class="selection">
                            {chosen
                                .into_iter()
                                .map(|d| {
                                    let id = d.id.clone();
                                    view! {
                                        <li class="selection__item">
                                            <span>{d.title.clone()}</span>
                                            <button
                                                type="button"
                                                class="link-button"
                                                on:click=move |_| state.set_ticked(id.clone(), false)
                                            >
                                                "Remove"
                                                <span class="visually-hidden">{format!(" {}", d.title)}</span>
                                            </button>
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    }
                    .into_any()
                }
            }}
        </div>
    }
}
