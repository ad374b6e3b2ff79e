//! HTTP `Range` requests (RFC 9110 §14) for streaming documents: one byte range at most.
//! Anything we do not serve as a range (several ranges, other units, malformed input) is
//! answered with the whole document, which the RFC allows; only a well-formed range that lies
//! wholly outside the document is unsatisfiable.

/// What to send for a `Range` header against a document of `size` bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteRange {
    /// The whole document, status 200.
    Full,
    /// Bytes `start..=end`, status 206.
    Partial { start: u64, end: u64 },
    /// Status 416.
    Unsatisfiable,
}

impl ByteRange {
    /// The `Content-Range` value for a partial answer.
    pub fn content_range(&self, size: u64) -> Option<String> {
        match self {
            Self::Partial { start, end } => Some(format!("bytes {start}-{end}/{size}")),
            Self::Unsatisfiable => Some(format!("bytes */{size}")),
            Self::Full => None,
        }
    }
}

/// Decides the answer to `header` (the `Range` value, if any) for a document of `size` bytes.
pub fn parse_range(header: Option<&str>, size: u64) -> ByteRange {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else {
        return ByteRange::Full;
    };
    if spec.contains(',') || size == 0 {
        return ByteRange::Full;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return ByteRange::Full;
    };
    let number = |s: &str| -> Option<u64> {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let last_byte = size - 1;
    match (first.trim(), last.trim()) {
        ("", suffix) => match number(suffix) {
            Some(0) => ByteRange::Unsatisfiable,
            Some(n) => ByteRange::Partial {
                start: size.saturating_sub(n),
                end: last_byte,
            },
            None => ByteRange::Full,
        },
        (start, "") => match number(start) {
            Some(s) if s <= last_byte => ByteRange::Partial {
                start: s,
                end: last_byte,
            },
            Some(_) => ByteRange::Unsatisfiable,
            None => ByteRange::Full,
        },
        (start, end) => match (number(start), number(end)) {
            (Some(s), Some(e)) if s > e => ByteRange::Full,
            (Some(s), Some(_)) if s > last_byte => ByteRange::Unsatisfiable,
            (Some(s), Some(e)) => ByteRange::Partial {
                start: s,
                end: e.min(last_byte),
            },
            _ => ByteRange::Full,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_answers() {
        use ByteRange::*;
        let cases = [
            (None, Full),
            (Some("bytes=0-99"), Partial { start: 0, end: 99 }),
            (
                Some("bytes=100-"),
                Partial {
                    start: 100,
                    end: 999,
                },
            ),
            (
                Some("bytes=-100"),
                Partial {
                    start: 900,
                    end: 999,
                },
            ),
            (Some("bytes=-5000"), Partial { start: 0, end: 999 }),
            (
                Some("bytes=990-5000"),
                Partial {
                    start: 990,
                    end: 999,
                },
            ),
            (Some("bytes=1000-"), Unsatisfiable),
            (Some("bytes=1000-1001"), Unsatisfiable),
            (Some("bytes=-0"), Unsatisfiable),
            (Some("bytes=5-1"), Full),
            (Some("bytes=0-1,5-6"), Full),
            (Some("items=0-1"), Full),
            (Some("bytes=a-b"), Full),
            (Some("bytes=-"), Full),
        ];
        for (header, expected) in cases {
            assert_eq!(parse_range(header, 1000), expected, "{header:?}");
        }
        assert_eq!(
            ByteRange::Partial { start: 0, end: 9 }.content_range(1000),
            Some("bytes 0-9/1000".to_owned())
        );
    }

    proptest! {
        #[test]
        fn partial_ranges_always_lie_inside_the_document(header in ".{0,24}", size in 0u64..10_000) {
            if let ByteRange::Partial { start, end } = parse_range(Some(&header), size) {
                prop_assert!(start <= end && end < size);
            }
        }

        #[test]
        fn well_formed_ranges_are_honoured(a in 0u64..2000, len in 1u64..2000, size in 1u64..4000) {
            let header = format!("bytes={}-{}", a, a + len - 1);
            let got = parse_range(Some(&header), size);
            if a < size {
                prop_assert_eq!(got, ByteRange::Partial { start: a, end: (a + len - 1).min(size - 1) });
            } else {
                prop_assert_eq!(got, ByteRange::Unsatisfiable);
            }
        }
    }
}
