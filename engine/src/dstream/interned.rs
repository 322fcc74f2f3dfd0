//! Keys stored once and referred to by number. An incremental window keeps
//! one pane per batch for as long as the window is long; with its keys
//! interned, a pane holds key numbers and values rather than a copy of
//! every key, which is what lets a 30 s window over 100,000 keys at 100 ms
//! batches fit in a browser tab. Each key counts its uses (the panes and
//! the window state that refer to it) and is forgotten at zero, so the
//! table is bounded by what the window holds.

use std::hash::Hash;

use rustc_hash::FxHashMap;

use crate::dstream::footprint::Footprint;

pub type KeyId = u32;

/// What one more key costs the table besides its slot by number: its copy
/// in the lookup table (with the slot's control byte and its number) and
/// what the key owns, twice.
fn key_bytes<K: Footprint>(k: &K) -> usize {
    std::mem::size_of::<(K, KeyId)>() + 1 + 2 * k.heap_bytes() + std::mem::size_of::<u32>()
}

/// The keys of one operator, by number.
#[derive(Debug)]
pub struct Interner<K> {
    ids: FxHashMap<K, KeyId>,
    keys: Vec<Option<K>>,
    uses: Vec<u32>,
    free: Vec<KeyId>,
    /// Keys in use, and their footprint with their table slots.
    live: usize,
    bytes: usize,
}

impl<K> Default for Interner<K> {
    fn default() -> Self {
        Interner {
            ids: FxHashMap::default(),
            keys: Vec::new(),
            uses: Vec::new(),
            free: Vec::new(),
            live: 0,
            bytes: 0,
        }
    }
}

impl<K: Hash + Eq + Clone + Footprint> Interner<K> {
    /// The key's number, adding the key if it is new. A new key has no use
    /// yet: the caller [`hold`](Interner::hold)s it.
    pub fn intern(&mut self, k: K) -> KeyId {
        if let Some(&id) = self.ids.get(&k) {
            return id;
        }
        self.live += 1;
        self.bytes += key_bytes(&k);
        let id = match self.free.pop() {
            Some(id) => {
                self.keys[id as usize] = Some(k.clone());
                id
            }
            None => {
                self.keys.push(Some(k.clone()));
                self.uses.push(0);
                (self.keys.len() - 1) as KeyId
            }
        };
        self.ids.insert(k, id);
        id
    }

    /// The key numbered `id`, which must be in use.
    pub fn key(&self, id: KeyId) -> &K {
        self.keys[id as usize]
            .as_ref()
            .expect("a key in use is never forgotten")
    }

    pub fn hold(&mut self, id: KeyId) {
        self.uses[id as usize] += 1;
    }

    /// One use fewer; at none, the key is forgotten and its number reused.
    pub fn release(&mut self, id: KeyId) {
        let uses = &mut self.uses[id as usize];
        *uses -= 1;
        if *uses == 0 {
            if let Some(k) = self.keys[id as usize].take() {
                self.ids.remove(&k);
                self.live -= 1;
                self.bytes = self.bytes.saturating_sub(key_bytes(&k));
            }
            self.free.push(id);
        }
    }

    /// Keys in use.
    pub fn live(&self) -> usize {
        self.live
    }

    /// Memory the table holds, roughly: each key stored twice (by number
    /// and in the lookup table), its use count, and what the key owns.
    pub fn bytes(&self) -> usize {
        self.bytes + self.keys.capacity() * std::mem::size_of::<Option<K>>()
    }

    /// One past the largest number in use: the size of a table by number.
    pub fn bound(&self) -> usize {
        self.keys.len()
    }

    /// Every key with its number, in number order (for checkpoints).
    pub fn iter(&self) -> impl Iterator<Item = (KeyId, &K)> {
        self.keys
            .iter()
            .enumerate()
            .filter_map(|(id, k)| Some((id as KeyId, k.as_ref()?)))
    }

    /// A table with exactly these keys at these numbers, and no uses yet.
    pub fn from_numbered(keys: Vec<Option<K>>) -> Interner<K> {
        let ids = keys
            .iter()
            .enumerate()
            .filter_map(|(id, k)| Some((k.clone()?, id as KeyId)))
            .collect();
        let free = (0..keys.len() as KeyId)
            .rev()
            .filter(|id| keys[*id as usize].is_none())
            .collect();
        let live = keys.iter().flatten().count();
        let bytes = keys.iter().flatten().map(key_bytes).sum();
        Interner {
            ids,
            uses: vec![0; keys.len()],
            keys,
            free,
            live,
            bytes,
        }
    }

    /// Drops keys that nothing holds (after restoring a checkpoint).
    pub fn forget_unused(&mut self) {
        for id in 0..self.keys.len() {
            if self.uses[id] == 0 && self.keys[id].is_some() {
                self.uses[id] = 1;
                self.release(id as KeyId);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn a_key_is_forgotten_when_its_last_use_goes_and_its_number_reused() {
        let mut keys = Interner::default();
        let a = keys.intern("a");
        keys.hold(a);
        keys.hold(a);
        assert_eq!(keys.intern("a"), a);
        let b = keys.intern("b");
        keys.hold(b);
        keys.release(a);
        assert_eq!(*keys.key(a), "a");
        keys.release(a);
        assert_eq!(keys.iter().map(|(_, k)| *k).collect::<Vec<_>>(), ["b"]);
        let c = keys.intern("c");
        assert_eq!(c, a, "the freed number is reused");
        assert_eq!(keys.bound(), 2);
    }
}
