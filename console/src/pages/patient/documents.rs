//! The patient's documents, most recently viewed by staff first, with a filter by type, name
//! and date; staff with the sharer role tick them (or drag them) into the selection.

use leptos::ev::DragEvent;
use leptos::prelude::*;
use sealpost_shared::wire::StaffDocument;

use super::state::{drag_payload, PanelState};
use crate::components::show_dialog;
use crate::logic::{
    format_date, format_size, format_time, iso_date, kind_from_value, kind_value, preview_path,
    visible_documents, KINDS,
};

#[component]
pub(super) fn DocumentsSection(state: PanelState, can_share: bool) -> impl IntoView {
    let on_kind = move |ev| {
        let value = event_target_value(&ev);
        state.filter.update(|f| f.kind = kind_from_value(&value));
    };
    let on_name = move |ev| {
        let value = event_target_value(&ev);
        state.filter.update(|f| f.name = value);
    };
    let on_from = move |ev| {
        let value = event_target_value(&ev);
        state.filter.update(|f| f.from = value.parse().ok());
    };
    let list = move || {
        let docs = state.docs_list();
        let filter = state.filter.get();
        let ticked = state.ticked.get();
        let (shown, hidden) = visible_documents(&docs, &filter, state.show_all.get(), &ticked);
        let total = docs.len();
        let count = shown.len();
        let items = shown
            .into_iter()
            .cloned()
            .map(|doc| view! { <DocumentRow state=state doc=doc can_share=can_share /> })
            .collect_view();
        let summary = if docs.is_empty() {
            "No documents for this patient yet.".to_owned()
        } else if filter.is_active() {
            format!("{count} of {total} documents match the filter.")
        } else {
            format!("{total} documents, most recently viewed first.")
        };
        view! {
            <p class="hint" role="status">{summary}</p>
            <ul class="doc-list">{items}</ul>
            {(hidden > 0).then(|| view! {
                <button
                    type="button"
                    class="button button--secondary"
                    on:click=move |_| state.show_all.set(true)
                >
                    {format!("More documents ({hidden})")}
                </button>
            })}
        }
    };
    let fieldset = move |inner: AnyView| {
        if can_share {
            view! {
                <fieldset class="fieldset" id="documents" tabindex="-1">
                    <legend class="visually-hidden">"Documents to share"</legend>
                    {inner}
                </fieldset>
            }
            .into_any()
        } else {
            inner
        }
    };
    view! {
        <section class="documents-section" aria-labelledby="documents-heading">
            <h2 class="heading-m" id="documents-heading">"Documents"</h2>
            <div class="filter" role="group" aria-label="Filter documents">
                <div class="filter__item">
                    <label class="label" for="filter-kind">"Type"</label>
                    <select class="select" id="filter-kind" on:change=on_kind>
                        <option value="">"All types"</option>
                        {KINDS
                            .into_iter()
                            .map(|k| view! { <option value=kind_value(k)>{k.label()}</option> })
                            .collect_view()}
                    </select>
                </div>
                <div class="filter__item">
                    <label class="label" for="filter-name">"Name contains"</label>
                    <input class="input" id="filter-name" type="search" on:input=on_name />
                </div>
                <div class="filter__item">
                    <label class="label" for="filter-from">"Dated from"</label>
                    <input class="input" id="filter-from" type="date" on:input=on_from on:change=on_from />
                </div>
            </div>
            {move || fieldset(list().into_any())}
        </section>
    }
}

#[component]
pub(super) fn DocumentRow(state: PanelState, doc: StaffDocument, can_share: bool) -> impl IntoView {
    let id = doc.id.clone();
    let input_id = format!("doc-{}", doc.id);
    let checked = {
        let id = id.clone();
        move || state.ticked.get().contains(&id)
    };
    let toggle = {
        let id = id.clone();
        move |ev: leptos::ev::Event| state.set_ticked(id.clone(), event_target_checked(&ev))
    };
    let meta = format!(
        "{} · {} · {}{}",
        doc.kind.label(),
        format_date(doc.date),
        format_size(doc.size),
        if doc.sections.is_empty() {
            String::new()
        } else {
            format!(" · {} sections", doc.sections.len())
        }
    );
    let viewed = doc
        .last_viewed_at
        .map(|at| format!("Last previewed {}", format_time(at)));
    let title = doc.title.clone();
    let payload = drag_payload(&state.id(), doc.id.as_str());
    let pop_out = preview_path(&state.id(), doc.id.as_str());
    let preview_doc = doc.clone();
    let heading = if can_share {
        view! {
            <div class="checkbox">
                <input
                    class="checkbox__input"
                    type="checkbox"
                    id=input_id.clone()
                    prop:checked=checked
                    on:change=toggle
                />
                <label class="checkbox__label doc__title" for=input_id.clone()>
                    {title.clone()}
                </label>
            </div>
        }
        .into_any()
    } else {
        view! { <p class="doc__title">{title.clone()}</p> }.into_any()
    };
    view! {
        <li
            class="doc"
            draggable=if can_share { "true" } else { "false" }
            on:dragstart=move |ev: DragEvent| {
                if let Some(dt) = ev.data_transfer() {
                    let _ = dt.set_data("text/plain", &payload);
                    dt.set_effect_allowed("copy");
                }
            }
        >
            {heading}
            <p class="doc__meta">
                <time datetime=iso_date(doc.date)>{meta}</time>
                {viewed.map(|v| view! { <span class="doc__viewed">{v}</span> })}
            </p>
            <p class="doc__actions">
                <button
                    type="button"
                    class="link-button"
                    on:click=move |_| {
                        state.preview.set(Some(preview_doc.clone()));
                        show_dialog("preview-dialog");
                    }
                >
                    "Preview"
                    <span class="visually-hidden">{format!(" {title}")}</span>
                </button>
                <a class="doc__link" href=pop_out.clone() target="_blank" rel="opener">
                    "Pop out"
                    <span class="visually-hidden">{format!(" {} (opens in a new window)", doc.title)}</span>
                </a>
            </p>
        </li>
    }
}
