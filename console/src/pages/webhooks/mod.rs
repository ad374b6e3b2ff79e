//! "Webhook": where the practice's events go (an administrator sets the URL; the signing
//! secret is shown once) and the log of their deliveries (each event's id, type, attempts,
//! last answer, next attempt or when delivered).

mod calls;
mod log;
mod setting;

use leptos::prelude::*;

use crate::components::PageHeading;
use log::DeliveryLogSection;
use setting::WebhookSetting;

#[component]
pub fn WebhooksPage() -> impl IntoView {
    view! {
        <PageHeading text="Webhook" />
        <p class="body">
            "Sealpost tells your clinic system what happens to what you share — a share made, an email delivered or not, a link opened, a recipient verified, a document viewed or downloaded, access taken away — by sending signed events to a web address of yours. Events carry ids only, never names or addresses. Failed deliveries are tried again for a day."
        </p>
        <WebhookSetting />
        <DeliveryLogSection />
    }
}
