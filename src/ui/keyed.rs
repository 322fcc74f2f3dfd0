//! Keys for keyed lists (`<For>`), so a new batch adds or replaces only the
//! rows that changed. Rows of feed data can repeat (the same malformed
//! record twice, one pair many times in a stream of pairs) and a keyed list
//! needs each key once: a row's key is what identifies it plus how many
//! rows with that identity came before it.

use std::collections::HashMap;
use std::hash::Hash;

/// A row and its key for `<For>`.
#[derive(Clone, Debug, PartialEq)]
pub struct Keyed<K, T> {
    pub key: (K, usize),
    pub row: T,
}

/// Keys `rows` by `identity`, numbering repeats in order.
pub fn keyed<T, K: Hash + Eq + Clone>(
    rows: impl IntoIterator<Item = T>,
    identity: impl Fn(&T) -> K,
) -> Vec<Keyed<K, T>> {
    let mut seen: HashMap<K, usize> = HashMap::new();
    rows.into_iter()
        .map(|row| {
            let id = identity(&row);
            let n = seen.entry(id.clone()).or_default();
            let key = (id, *n);
            *n += 1;
            Keyed { key, row }
        })
        .collect()
}
