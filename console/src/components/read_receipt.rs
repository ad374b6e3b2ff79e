//! One recipient's read receipt in the sharing history (the words come from
//! [`crate::logic::receipts`]).

use leptos::prelude::*;
use sealpost_shared::history::ReadReceipt;

use crate::logic::receipts::receipt_lines;

/// The receipt of one email of a share; `title_of` names a document by its id.
#[component]
pub fn ReadReceiptList(
    receipt: ReadReceipt,
    title_of: impl Fn(&str) -> String + 'static,
) -> impl IntoView {
    let lines = receipt_lines(&receipt, title_of)
        .into_iter()
        .map(|l| {
            let class = if l.warning {
                "receipt__line receipt__line--warning"
            } else {
                "receipt__line"
            };
            view! { <li class=class>{l.text}</li> }
        })
        .collect_view();
    view! { <ul class="receipt" aria-label="Read receipt">{lines}</ul> }
}
