use leptos::prelude::*;

/// Shown while a request is under way; announced politely to screen readers.
#[component]
pub fn Loading(text: &'static str) -> impl IntoView {
    view! {
        <div class="loading" role="status">
            <p class="body">{text}</p>
            <progress class="progress" aria-label=text></progress>
        </div>
    }
}
