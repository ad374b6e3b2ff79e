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

/// [`Loading`] as the whole page: its text is the page's `h1`, so a page that has nothing else
/// yet still has a heading to go to (the portal, whose pre-paint shows the same while the app
/// loads).
#[component]
pub fn LoadingPage(text: &'static str) -> impl IntoView {
    view! {
        <div class="loading" role="status">
            <h1 class="heading-l" tabindex="-1">{text}</h1>
            <progress class="progress" aria-label=text></progress>
        </div>
    }
}
