//! Data that follows a key (the patient in the address, the query last searched for), where
//! only the answer for the key now current may ever be shown.
//!
//! A plain `LocalResource` is not enough: it runs one fetch at a time, so when the key changes
//! while an answer is on its way, the new fetch starts only after the old answer arrives, and
//! that old answer becomes the resource's value meanwhile (a page for the previous patient,
//! shown until the current one's answer comes). Here a fetch for a key that is no longer
//! current stops within [`CHECK_EVERY`] ([`Keyed::Superseded`]), and [`current`] never resolves with an
//! answer for another key, so a `Transition` keeps showing what it shows until the answer for
//! the current key is in.

use std::future::Future;
use std::task::Poll;
use std::time::Duration;

use futures_util::future::{select, Either};
use leptos::prelude::*;

/// What a [`latest`] resource holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Keyed<K, T> {
    /// The answer for key `K`.
    Answer(K, T),
    /// The key changed before the answer came: the fetch was dropped.
    Superseded,
}

/// How soon a fetch for a key that is no longer current is dropped.
pub const CHECK_EVERY: Duration = Duration::from_millis(50);

/// A `LocalResource` of `fetch(key)`, whose fetch stops (within [`CHECK_EVERY`]) once `key`
/// changes.
pub fn latest<K, T, Fut>(
    key: Memo<K>,
    fetch: impl Fn(K) -> Fut + 'static,
) -> LocalResource<Keyed<K, T>>
where
    K: Clone + PartialEq + Send + Sync + 'static,
    T: 'static,
    Fut: Future<Output = T> + 'static,
{
    LocalResource::new(move || {
        let asked = key.get();
        let answer = Box::pin(fetch(asked.clone()));
        let still = asked.clone();
        // Looks again every `CHECK_EVERY` while the answer is on its way (the resource's own
        // task is busy awaiting this very fetch, so the key's change cannot reach it otherwise).
        let changed = Box::pin(std::future::poll_fn(move |cx| {
            // Read with no observer at all: read under the resource's own observer (this future
            // runs under it), a key memo brought up to date here would not mark the resource
            // dirty, and the resource would never run for the new key.
            if untrack(|| key.try_get_untracked()).is_none_or(|now| now != still) {
                Poll::Ready(())
            } else {
                let waker = cx.waker().clone();
                set_timeout(move || waker.wake(), CHECK_EVERY);
                Poll::Pending
            }
        }));
        async move {
            match select(answer, changed).await {
                Either::Left((value, _)) => Keyed::Answer(asked, value),
                Either::Right(_) => Keyed::Superseded,
            }
        }
    })
}

/// The answer for the key now current. For an answer to an older key (or a dropped fetch) it
/// never resolves: the `Suspend` awaiting it is replaced when the current key's answer comes,
/// and until then a `Transition` keeps what it shows.
pub async fn current<K, T>(resource: LocalResource<Keyed<K, T>>, key: Memo<K>) -> T
where
    K: Clone + PartialEq + Send + Sync + 'static,
    T: Clone + 'static,
{
    match resource.await {
        Keyed::Answer(asked, value)
            if untrack(|| key.try_get_untracked()).is_some_and(|now| now == asked) =>
        {
            value
        }
        _ => std::future::pending().await,
    }
}
