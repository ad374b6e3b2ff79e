//! Free text from the clinic (names, titles, the practice name, relations): what may be stored.
//!
//! Such text is shown on pages and, for the practice name, sent as an email's sender name and
//! subject. A CR or LF there is header injection (`Clinic\r\nBcc: …`), a NUL truncates in some
//! consumers, and other control characters (C0, DEL, C1) and the Unicode line and paragraph
//! separators have no business in a name. They are refused, never silently stripped, so what
//! the clinic sent is what is stored, or the clinic hears why not.

use crate::wire::FieldProblem;

/// Whether `c` may not appear in a name or title.
fn forbidden(c: char) -> bool {
    c.is_control() || c == '\u{2028}' || c == '\u{2029}'
}

/// Checks one required text field and returns it trimmed: 1 to `max_chars` characters, no
/// control characters. `field` is the field's name as in the request, for the error.
pub fn required_text(field: &str, value: &str, max_chars: usize) -> Result<String, FieldProblem> {
    let problem = |message: String| FieldProblem {
        field: field.to_owned(),
        message,
    };
    if value.chars().any(forbidden) {
        return Err(problem(format!(
            "{field} must not contain line breaks or other control characters"
        )));
    }
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(problem(format!("{field} must not be empty")));
    }
    if trimmed.chars().count() > max_chars {
        return Err(problem(format!(
            "{field} must be at most {max_chars} characters"
        )));
    }
    Ok(trimmed.to_owned())
}

/// Like [`required_text`] for an optional field: absent or blank is `None`.
pub fn optional_text(
    field: &str,
    value: Option<&str>,
    max_chars: usize,
) -> Result<Option<String>, FieldProblem> {
    match value {
        Some(v) if !v.trim().is_empty() || v.chars().any(forbidden) => {
            required_text(field, v, max_chars).map(Some)
        }
        _ => Ok(None),
    }
}

/// Runs every check and keeps all the problems, so one answer names every bad field.
pub fn collect<T>(results: impl IntoIterator<Item = Result<T, FieldProblem>>) -> Vec<FieldProblem> {
    results.into_iter().filter_map(Result::err).collect()
}

/// Percent-encodes every byte of `raw` that `keep` refuses (as `%XX`), for a URL path segment
/// or query value; what is kept stays as it is.
pub fn percent_encode(raw: &str, keep: impl Fn(u8) -> bool) -> String {
    let mut out = String::with_capacity(raw.len());
    for b in raw.bytes() {
        if keep(b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn percent_encoding_keeps_only_what_it_is_told_to() {
        let ids = |b: u8| b.is_ascii_alphanumeric() || b == b'-';
        assert_eq!(percent_encode("a-b c/é", ids), "a-b%20c%2F%C3%A9");
        assert_eq!(percent_encode("", ids), "");
    }
    use proptest::prelude::*;

    #[test]
    fn header_injection_and_control_characters_are_refused() {
        for bad in [
            "Clinic\r\nBcc: x@evil.example",
            "Clinic\nX",
            "Clinic\0",
            "Tab\there",
            "C1\u{85}next",
            "DEL\u{7f}",
            "Line\u{2028}sep",
        ] {
            let err = required_text("practice_name", bad, 120).unwrap_err();
            assert_eq!(err.field, "practice_name");
            assert!(err.message.contains("control characters"), "{bad:?}");
        }
    }

    #[test]
    fn ordinary_names_pass_trimmed() {
        assert_eq!(
            required_text("name", "  Zoë O'Brien-Smith ", 80).unwrap(),
            "Zoë O'Brien-Smith"
        );
        assert_eq!(
            required_text("title", "Lab results – März", 200).unwrap(),
            "Lab results – März"
        );
        assert!(required_text("name", "   ", 80).is_err());
        assert!(required_text("name", &"a".repeat(81), 80).is_err());
        assert_eq!(optional_text("relation", None, 80).unwrap(), None);
        assert_eq!(optional_text("relation", Some(" "), 80).unwrap(), None);
        assert!(optional_text("relation", Some("\n"), 80).is_err());
    }

    #[test]
    fn every_problem_is_reported() {
        let problems = collect([
            required_text("name", "a\nb", 10),
            required_text("title", "ok", 10),
            required_text("relation", "\0", 10),
        ]);
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["name", "relation"]);
    }

    proptest! {
        /// Whatever is accepted is safe to put in an email header: no control characters at all.
        #[test]
        fn accepted_text_has_no_control_characters(text in any::<String>()) {
            if let Ok(ok) = required_text("name", &text, 200) {
                prop_assert!(!ok.chars().any(|c| c.is_control()));
                prop_assert!(!ok.chars().any(|c| c == '\u{2028}' || c == '\u{2029}'), "separator kept");
                prop_assert!(!ok.is_empty());
            }
        }
    }
}
