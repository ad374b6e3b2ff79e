//! Cursor pagination of the clinic API's lists.
//!
//! Every list answers one [`Page`]: `{ "items": [...], "next": "<cursor>" | null }`. A client
//! asks with `?limit=` (1 to [`MAX_LIMIT`], default [`DEFAULT_LIMIT`]) and, for the pages after
//! the first, `?cursor=<next>`; `next` is null on the last page.
//!
//! Order is stable: each list sorts on a key that ends in a unique column (an id, or the row's
//! insertion order), and the cursor carries the last item's key, so the next page starts right
//! after it ("keyset" paging): no item is skipped or repeated while items are added elsewhere in
//! the list. The cursor is opaque to clients: base64url of `{"l": <list>, "k": <key>}`. It names
//! its list, so one list's cursor is refused by another (400 `invalid_cursor`). Keys are ids,
//! times and row numbers, never names, so no personal data reaches a URL.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::ErrorCode;

/// Items per page when the client does not say.
pub const DEFAULT_LIMIT: u32 = 50;

/// The most items one page holds.
pub const MAX_LIMIT: u32 = 200;

/// The longest cursor accepted (ours are well under it).
pub const MAX_CURSOR_LEN: usize = 512;

/// One page of a list.
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, schemars(rename = "{T}Page"))]
pub struct Page<T> {
    pub items: Vec<T>,
    /// The `cursor` of the next page; `None` (null) on the last page.
    pub next: Option<String>,
}

/// The lists, each with its own cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum List {
    Patients,
    Contacts,
    Documents,
    Shares,
    History,
    Audit,
    Links,
}

/// What a page asks for: how many items, and the key of the item it follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest<K> {
    pub limit: u32,
    pub after: Option<K>,
}

impl<K> PageRequest<K> {
    /// How many rows to read: one more than the page holds, to learn whether a next page exists.
    pub fn fetch(&self) -> i64 {
        i64::from(self.limit) + 1
    }
}

#[derive(Serialize, Deserialize)]
struct Wire<K> {
    l: List,
    k: K,
}

/// Reads `?limit=` and `?cursor=` for `list`: 400 `invalid_limit` or `invalid_cursor` when they
/// are not what this list gives out.
pub fn page_request<K: DeserializeOwned>(
    list: List,
    limit: Option<&str>,
    cursor: Option<&str>,
) -> Result<PageRequest<K>, ErrorCode> {
    let limit = match limit.map(str::trim) {
        None | Some("") => DEFAULT_LIMIT,
        Some(raw) => raw
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or(ErrorCode::InvalidLimit)?,
    };
    let after = match cursor.map(str::trim) {
        None | Some("") => None,
        Some(raw) => Some(decode(list, raw).ok_or(ErrorCode::InvalidCursor)?),
    };
    Ok(PageRequest { limit, after })
}

fn decode<K: DeserializeOwned>(list: List, raw: &str) -> Option<K> {
    if raw.len() > MAX_CURSOR_LEN {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(raw).ok()?;
    let wire: Wire<K> = serde_json::from_slice(&bytes).ok()?;
    (wire.l == list).then_some(wire.k)
}

/// The cursor that continues `list` after the item whose key is `key`.
pub fn cursor<K: Serialize>(list: List, key: K) -> String {
    let json = serde_json::to_vec(&Wire { l: list, k: key }).unwrap_or_default();
    URL_SAFE_NO_PAD.encode(json)
}

/// The page from rows read with [`PageRequest::fetch`]: at most `limit` items, and a `next`
/// cursor (after the last item kept) only when a further row was read.
pub fn page_of<T, K: Serialize>(
    list: List,
    mut rows: Vec<T>,
    limit: u32,
    key: impl Fn(&T) -> K,
) -> Page<T> {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let more = rows.len() > limit;
    rows.truncate(limit);
    let next = if more {
        rows.last().map(|last| cursor(list, key(last)))
    } else {
        None
    };
    Page { items: rows, next }
}

impl<T> Page<T> {
    /// The same page with each item converted (rows to wire types).
    pub fn try_map<U, E>(self, f: impl FnMut(T) -> Result<U, E>) -> Result<Page<U>, E> {
        Ok(Page {
            items: self.items.into_iter().map(f).collect::<Result<_, _>>()?,
            next: self.next,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_bounds_of_the_limit() {
        let page = |l: Option<&str>| page_request::<i64>(List::Audit, l, None).map(|p| p.limit);
        assert_eq!(page(None), Ok(DEFAULT_LIMIT));
        assert_eq!(page(Some("")), Ok(DEFAULT_LIMIT));
        assert_eq!(page(Some("1")), Ok(1));
        assert_eq!(page(Some("200")), Ok(200));
        for bad in ["0", "201", "-1", "ten", "1.5", "99999999999"] {
            assert_eq!(page(Some(bad)), Err(ErrorCode::InvalidLimit), "{bad}");
        }
        assert_eq!(
            page_request::<i64>(List::Audit, None, None)
                .map(|p| p.fetch())
                .ok(),
            Some(51)
        );
    }

    #[test]
    fn a_cursor_round_trips_for_its_own_list_only() {
        let c = cursor(List::Shares, (1_700_000_000_i64, 42_i64));
        assert!(c
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        let read = page_request::<(i64, i64)>(List::Shares, None, Some(&c));
        assert_eq!(read.map(|p| p.after), Ok(Some((1_700_000_000, 42))));
        assert_eq!(
            page_request::<(i64, i64)>(List::Links, None, Some(&c)),
            Err(ErrorCode::InvalidCursor)
        );
        // The right list, another key shape.
        assert_eq!(
            page_request::<String>(List::Shares, None, Some(&c)),
            Err(ErrorCode::InvalidCursor)
        );
    }

    #[test]
    fn damaged_cursors_are_refused() {
        for bad in ["x", "!!!", "e30", &"A".repeat(MAX_CURSOR_LEN + 1)] {
            assert_eq!(
                page_request::<i64>(List::Audit, None, Some(bad)),
                Err(ErrorCode::InvalidCursor),
                "{bad}"
            );
        }
    }

    #[test]
    fn pages_keep_the_limit_and_continue_after_the_last_item() {
        let rows: Vec<i64> = (1..=4).collect();
        let page = page_of(List::Audit, rows.clone(), 3, |r| *r);
        assert_eq!(page.items, [1, 2, 3]);
        let next = page.next.unwrap_or_default();
        assert_eq!(
            page_request::<i64>(List::Audit, None, Some(&next)).map(|p| p.after),
            Ok(Some(3))
        );
        // Exactly the limit read: this is the last page.
        let last = page_of(List::Audit, vec![1, 2, 3], 3, |r| *r);
        assert_eq!(last.next, None);
        let empty = page_of(List::Audit, Vec::<i64>::new(), 3, |r| *r);
        assert_eq!((empty.items.len(), empty.next), (0, None));
    }

    #[test]
    fn the_wire_shape() {
        let page = Page {
            items: vec![1, 2],
            next: None,
        };
        assert_eq!(
            serde_json::to_string(&page).unwrap_or_default(),
            r#"{"items":[1,2],"next":null}"#
        );
    }
}
