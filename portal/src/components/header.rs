use leptos::prelude::*;

use crate::app::use_portal;

/// The banner: the practice's name once we know it.
#[component]
pub fn Header() -> impl IntoView {
    let portal = use_portal();
    view! {
        <header class="header">
            <div class="width-container header__inner">
                {move || match portal.practice_name.get() {
                    Some(name) => view! { <p class="header__practice">{name}</p> }.into_any(),
                    None => view! { <p class="header__service">"Secure documents"</p> }.into_any(),
                }}
            </div>
        </header>
    }
}
