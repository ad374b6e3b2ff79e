//! Sending documents as plain email attachments instead of a link: what may be attached.
//!
//! SendGrid accepts messages up to 30 MB, and attachments travel base64-encoded (4/3 larger),
//! so the documents of one email may add up to [`MAX_ATTACHMENT_BYTES`]. That is the provider's
//! limit, not the Worker's memory: the edge streams the message from R2 a chunk at a time
//! (`edge/src/mail.rs`); measured, a 20 MiB attachment adds 28 MiB to workerd's RSS streamed,
//! against 226 MiB when it was built whole (docs/BENCHMARKS.md, "Attachment email"). Structured
//! consultation notes and chosen sections are never attached: selective sharing needs the
//! portal, where only the chosen sections are shown.

use serde::{Deserialize, Serialize};

/// The most document bytes one email may carry (20 MiB, ≈ 27 MB once base64-encoded).
pub const MAX_ATTACHMENT_BYTES: u64 = 20 * 1024 * 1024;

/// A document as the attachment rule needs to see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attachable {
    pub size: u64,
    /// A structured consultation note (JSON sections), not a file.
    pub structured_note: bool,
    /// Stored in the deployment's R2 bucket (documents on a clinic origin are linked, not
    /// attached, so the clinic's origin is never fetched in bulk by the mail queue).
    pub in_bucket: bool,
}

/// Why documents cannot go as attachments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum AttachmentRefused {
    /// Together larger than the provider takes.
    TooLarge { total: u64, limit: u64 },
    /// Chosen sections are shared through the portal only.
    SectionsNeedThePortal,
    /// A structured note has no file to attach.
    StructuredNote,
    /// The document lives on the clinic's origin.
    NotInBucket,
}

impl std::fmt::Display for AttachmentRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::TooLarge { total, limit } => write!(
                f,
                "the documents add up to {total} bytes; email attachments are limited to {limit} bytes: share by secure link instead"
            ),
            Self::SectionsNeedThePortal => {
                f.write_str("chosen sections can only be shared by secure link")
            }
            Self::StructuredNote => {
                f.write_str("a structured consultation note can only be shared by secure link")
            }
            Self::NotInBucket => f.write_str(
                "documents kept on the clinic's origin can only be shared by secure link",
            ),
        }
    }
}

/// Whether `docs` may be sent as attachments (`with_sections`: the share chose sections).
pub fn may_attach(docs: &[Attachable], with_sections: bool) -> Result<(), AttachmentRefused> {
    if with_sections {
        return Err(AttachmentRefused::SectionsNeedThePortal);
    }
    if docs.iter().any(|d| d.structured_note) {
        return Err(AttachmentRefused::StructuredNote);
    }
    if docs.iter().any(|d| !d.in_bucket) {
        return Err(AttachmentRefused::NotInBucket);
    }
    let total = docs.iter().fold(0u64, |sum, d| sum.saturating_add(d.size));
    if total > MAX_ATTACHMENT_BYTES {
        return Err(AttachmentRefused::TooLarge {
            total,
            limit: MAX_ATTACHMENT_BYTES,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: Attachable = Attachable {
        size: 1000,
        structured_note: false,
        in_bucket: true,
    };

    #[test]
    fn files_within_the_limit_may_be_attached() {
        assert_eq!(may_attach(&[FILE, FILE], false), Ok(()));
        let exactly = Attachable {
            size: MAX_ATTACHMENT_BYTES,
            ..FILE
        };
        assert_eq!(may_attach(&[exactly], false), Ok(()));
    }

    #[test]
    fn too_large_notes_sections_and_origin_documents_are_refused() {
        let big = Attachable {
            size: MAX_ATTACHMENT_BYTES,
            ..FILE
        };
        assert_eq!(
            may_attach(&[big, FILE], false),
            Err(AttachmentRefused::TooLarge {
                total: MAX_ATTACHMENT_BYTES + 1000,
                limit: MAX_ATTACHMENT_BYTES
            })
        );
        assert_eq!(
            may_attach(&[FILE], true),
            Err(AttachmentRefused::SectionsNeedThePortal)
        );
        let note = Attachable {
            structured_note: true,
            ..FILE
        };
        assert_eq!(
            may_attach(&[note], false),
            Err(AttachmentRefused::StructuredNote)
        );
        let remote = Attachable {
            in_bucket: false,
            ..FILE
        };
        assert_eq!(
            may_attach(&[remote], false),
            Err(AttachmentRefused::NotInBucket)
        );
        let huge = Attachable {
            size: u64::MAX,
            ..FILE
        };
        assert!(matches!(
            may_attach(&[huge, huge], false),
            Err(AttachmentRefused::TooLarge { .. })
        ));
    }
}
