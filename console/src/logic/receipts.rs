//! A recipient's read receipt in words: what the mail provider reported about the email and
//! what the recipient did with each document, each recorded against that recipient (the edge
//! never infers it from timing).

use sealpost_shared::history::{ProviderOutcome, ReadReceipt};

use super::format_time;

/// One line of a read receipt; `warning` lines ask the clinic to act (a bounced address).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptLine {
    pub text: String,
    pub warning: bool,
}

fn line(text: String) -> ReceiptLine {
    ReceiptLine {
        text,
        warning: false,
    }
}

/// The lines of `receipt`, oldest step first; `title_of` names a document by its id.
pub fn receipt_lines(receipt: &ReadReceipt, title_of: impl Fn(&str) -> String) -> Vec<ReceiptLine> {
    let mut out = Vec::new();
    let when = |at: Option<i64>| {
        at.map(|t| format!(" {}", format_time(t)))
            .unwrap_or_default()
    };
    let why = receipt
        .outcome_reason
        .as_deref()
        .filter(|r| !r.is_empty())
        .map(|r| format!(" ({r})"))
        .unwrap_or_default();
    match receipt.outcome {
        Some(ProviderOutcome::Delivered) => {
            out.push(line(format!("Delivered{}", when(receipt.outcome_at))));
        }
        Some(ProviderOutcome::Deferred) => out.push(line(format!(
            "Delivery delayed{}{why}: the provider keeps trying",
            when(receipt.outcome_at)
        ))),
        Some(outcome @ (ProviderOutcome::Bounced | ProviderOutcome::Dropped)) => {
            let what = if outcome == ProviderOutcome::Bounced {
                "Bounced"
            } else {
                "Not delivered by the provider"
            };
            out.push(ReceiptLine {
                text: format!("{what}{}{why}", when(receipt.outcome_at)),
                warning: false,
            });
        }
        None => {}
    }
    if receipt.address_bounced {
        out.push(ReceiptLine {
            text: "Check this email address: mail to it bounced".to_owned(),
            warning: true,
        });
    }
    if let Some(at) = receipt.opened_at {
        out.push(line(format!("Opened the link {}", format_time(at))));
    }
    if let Some(at) = receipt.verified_at {
        out.push(line(format!("Verified {}", format_time(at))));
    }
    for doc in &receipt.documents {
        let title = title_of(&doc.document_id);
        if let Some(at) = doc.viewed_at {
            out.push(line(format!("Viewed {title} {}", format_time(at))));
        }
        if let Some(at) = doc.downloaded_at {
            out.push(line(format!("Downloaded {title} {}", format_time(at))));
        }
    }
    if receipt.opened_at.is_none() && receipt.documents.is_empty() {
        out.push(line("Not opened yet".to_owned()));
    }
    out
}

/// A recipient's label in the share panel, saying when mail to their address bounced.
pub fn with_bounce_note(label: String, bounced: bool) -> String {
    if bounced {
        format!("{label} — email bounced, check the address")
    } else {
        label
    }
}

#[cfg(test)]
mod tests {
    use sealpost_shared::history::DocumentReceipt;

    use super::*;

    // 2 December 2026, 09:00 UTC.
    const T: i64 = 1_796_202_000;

    fn texts(lines: &[ReceiptLine]) -> Vec<&str> {
        lines.iter().map(|l| l.text.as_str()).collect()
    }

    #[test]
    fn a_bounced_recipient_says_so_in_the_share_panel() {
        assert_eq!(
            with_bounce_note("Amy Doe (daughter)".into(), true),
            "Amy Doe (daughter) — email bounced, check the address"
        );
        assert_eq!(with_bounce_note("Jane".into(), false), "Jane");
    }

    #[test]
    fn nothing_known_yet() {
        let lines = receipt_lines(&ReadReceipt::default(), str::to_owned);
        assert_eq!(texts(&lines), ["Not opened yet"]);
    }

    #[test]
    fn delivered_opened_verified_and_each_document() {
        let receipt = ReadReceipt {
            emailed_at: Some(T),
            outcome: Some(ProviderOutcome::Delivered),
            outcome_at: Some(T + 60),
            opened_at: Some(T + 120),
            verified_at: Some(T + 180),
            documents: vec![DocumentReceipt {
                document_id: "d1".into(),
                viewed_at: Some(T + 240),
                downloaded_at: Some(T + 300),
            }],
            ..ReadReceipt::default()
        };
        let lines = receipt_lines(&receipt, |id| format!("“{id} title”"));
        assert_eq!(
            texts(&lines),
            [
                "Delivered 2 December 2026, 09:01 UTC",
                "Opened the link 2 December 2026, 09:02 UTC",
                "Verified 2 December 2026, 09:03 UTC",
                "Viewed “d1 title” 2 December 2026, 09:04 UTC",
                "Downloaded “d1 title” 2 December 2026, 09:05 UTC",
            ]
        );
        assert!(lines.iter().all(|l| !l.warning));
    }

    #[test]
    fn a_bounce_says_why_and_asks_to_check_the_address() {
        let receipt = ReadReceipt {
            outcome: Some(ProviderOutcome::Bounced),
            outcome_at: Some(T),
            outcome_reason: Some("550 [address] unknown".into()),
            address_bounced: true,
            ..ReadReceipt::default()
        };
        let lines = receipt_lines(&receipt, str::to_owned);
        assert_eq!(
            texts(&lines),
            [
                "Bounced 2 December 2026, 09:00 UTC (550 [address] unknown)",
                "Check this email address: mail to it bounced",
                "Not opened yet",
            ]
        );
        assert_eq!(
            lines.iter().map(|l| l.warning).collect::<Vec<_>>(),
            [false, true, false]
        );
    }
}
