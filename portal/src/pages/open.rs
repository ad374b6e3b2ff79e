use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::app::{take_link_from_address_bar, use_portal, Link};
use crate::components::birthday_form::BirthdayForm;
use crate::components::magic_link::ConfirmMagicLink;
use crate::components::sms_code::SmsCodeForm;
use crate::components::stop_page::StopPage;
use crate::components::{LoadingPage, PageHeading};
use crate::logic::{open_outcome, renewed_text, OpenStep, Stop};

/// `/open`: opens the emailed link, then shows the practice's check (date of birth, SMS code,
/// or the magic-link confirmation).
#[component]
pub fn OpenPage() -> impl IntoView {
    let portal = use_portal();
    let step = RwSignal::new(portal.with_link(|link| match link {
        Link::Missing => OpenStep::Stopped(Stop::NoLink),
        Link::Refused => OpenStep::Stopped(Stop::LinkInvalid),
        Link::Token(_) => OpenStep::Opening,
    }));

    let open = move || {
        let Some(token) = portal.token() else {
            step.set(OpenStep::Stopped(Stop::NoLink));
            return;
        };
        step.set(OpenStep::Opening);
        spawn_local(async move {
            let result = api::open_link(token.expose()).await;
            let (next, practice) = open_outcome(&result);
            portal.learn_practice(practice);
            step.set(next);
        });
    };
    if step.get_untracked() == OpenStep::Opening {
        match portal.take_opened() {
            // `boot.js` asked already, while the WebAssembly downloaded: its answer is the first
            // step, rendered at once (the pre-paint shows the same page).
            Some(result) => {
                let (next, practice) = open_outcome(&result);
                portal.learn_practice(practice);
                step.set(next);
            }
            None => open(),
        }
    }
    // A second link pasted into this tab changes only the fragment: no page load, so take it
    // from the address bar here too and start again with it.
    let listener = window_event_listener(leptos::ev::hashchange, move |_| {
        let link = take_link_from_address_bar();
        let next = match &link {
            Link::Missing => return,
            Link::Refused => Some(OpenStep::Stopped(Stop::LinkInvalid)),
            Link::Token(_) => None,
        };
        portal.replace_link(link);
        match next {
            Some(stopped) => step.set(stopped),
            None => open(),
        }
    });
    on_cleanup(move || listener.remove());
    let retry = Callback::new(move |()| open());
    let on_stop = Callback::new(move |stop| step.set(OpenStep::Stopped(stop)));

    move || {
        match step.get() {
        OpenStep::Opening => view! { <LoadingPage text="Opening your link" /> }.into_any(),
        OpenStep::Birthday { .. } => view! { <BirthdayForm on_stop=on_stop /> }.into_any(),
        OpenStep::SmsCode { masked_mobile } => {
            view! { <SmsCodeForm masked_mobile=masked_mobile on_stop=on_stop /> }.into_any()
        }
        OpenStep::ConfirmMagicLink => view! { <ConfirmMagicLink on_stop=on_stop /> }.into_any(),
        OpenStep::Renewed { masked_email } => view! {
            <PageHeading text="This link has expired" />
            <p class="body">{renewed_text(&masked_email)}</p>
            <p class="body">"Open the new email and use the link in it. You can close this page."</p>
        }
        .into_any(),
        OpenStep::Stopped(stop) => view! { <StopPage stop=stop on_retry=retry /> }.into_any(),
    }
    }
}
