//! Opaque identifiers. They carry no personal data, so they may appear in tokens, URLs and logs.

use serde::{Deserialize, Serialize};

/// The longest id we accept from outside; longer input is refused before any lookup.
pub const MAX_ID_LEN: usize = 64;

macro_rules! opaque_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = InvalidId;
            fn try_from(value: String) -> Result<Self, InvalidId> {
                if is_valid_id(&value) {
                    Ok(Self(value))
                } else {
                    Err(InvalidId)
                }
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        #[cfg(test)]
        impl schemars::JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                "Id".into()
            }
            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                crate::openapi::id_schema()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

opaque_id!(
    /// A patient of the practice.
    PatientId
);
opaque_id!(
    /// A document registered for a patient.
    DocumentId
);
opaque_id!(
    /// One emailed link (its `jti`); regenerating a link makes a new one.
    LinkId
);
opaque_id!(
    /// One person a patient's documents are shared with (the patient or a contact).
    RecipientId
);
opaque_id!(
    /// One share action by the clinic.
    ShareId
);
opaque_id!(
    /// A person on a patient's relationships/emergency-contact list, or a practice contact,
    /// as the clinic system identifies them.
    ContactId
);

/// An id was empty, too long, or had characters outside `[A-Za-z0-9_-]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidId;

impl std::fmt::Display for InvalidId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ids are 1 to {MAX_ID_LEN} characters of letters, digits, '-' or '_'"
        )
    }
}

/// Ids are URL-safe by construction, so they can be put in paths without escaping.
pub fn is_valid_id(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= MAX_ID_LEN
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_accept_url_safe_text_only() {
        assert!(PatientId::try_from("p-1_A".to_string()).is_ok());
        assert_eq!(PatientId::try_from(String::new()), Err(InvalidId));
        assert_eq!(PatientId::try_from("a/b".to_string()), Err(InvalidId));
        assert_eq!(PatientId::try_from("x".repeat(65)), Err(InvalidId));
    }
}
