//! "Remove …?", "Revoke …?": the modal that asks before an action on one item, shows its
//! error, and tells what happened once it is done.

use std::future::Future;

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::close_dialog;
use crate::api::ApiFailure;

/// A confirmation `<dialog>`. Its id ends in `-dialog`; with the stem before that, the heading
/// is `{stem}-title` and the explanation `{stem}-explanation` (the dialog is labelled and
/// described by them). The confirm button does nothing while the action is under way; a
/// failure is shown in the dialog, and a new item to confirm starts without the last one's.
#[component]
pub fn ConfirmDialog<T, A, Fut>(
    /// The `<dialog>`'s id, for [`super::show_dialog`].
    id: &'static str,
    /// What the action is about; set before the dialog opens.
    item: RwSignal<Option<T>>,
    #[prop(into)] title: TextProp,
    #[prop(into)] explanation: TextProp,
    /// The confirm button's label.
    confirm: &'static str,
    /// Runs once confirmed: the sentence to tell when it is done, or the failure.
    action: A,
    /// Given that sentence, after the dialog closes.
    on_done: Callback<String>,
) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    A: Fn(T) -> Fut + 'static,
    Fut: Future<Output = Result<String, ApiFailure>> + 'static,
{
    let stem = id.strip_suffix("-dialog").unwrap_or(id);
    let title_id = format!("{stem}-title");
    let explanation_id = format!("{stem}-explanation");
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    Effect::new(move || {
        item.track();
        error.set(None);
    });
    let run = move |_| {
        let Some(chosen) = item.get_untracked() else {
            return;
        };
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let pending = action(chosen);
        spawn_local(async move {
            let result = pending.await;
            busy.set(false);
            match result {
                Ok(done) => {
                    close_dialog(id);
                    on_done.run(done);
                }
                Err(failure) => error.set(Some(failure.message())),
            }
        });
    };
    view! {
        <dialog
            class="dialog"
            id=id
            aria-labelledby=title_id
            aria-describedby=explanation_id
        >
            <h2 class="heading-m" id=title_id.clone()>{move || title.get()}</h2>
            <p class="body" id=explanation_id.clone()>{move || explanation.get()}</p>
            {move || error.get().map(|text| view! { <p class="error-message" role="alert">{text}</p> })}
            <div class="button-group">
                <button
                    type="button"
                    class="button button--warning"
                    aria-disabled=move || busy.get().then_some("true")
                    on:click=run
                >
                    {confirm}
                </button>
                <button type="button" class="button button--secondary" on:click=move |_| close_dialog(id)>
                    "Cancel"
                </button>
            </div>
        </dialog>
    }
}
