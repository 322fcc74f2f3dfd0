//! Snapshots of a state taken at once and written later, in parts: panes,
//! which never change, are shared; what changes in place is copied; long
//! lists are cut into parts of a few milliseconds of encoding each.

use std::hash::Hash;

use rustc_hash::FxHashMap;

use super::codec::Codec;
use super::{text_part, Part};
use crate::dstream::footprint::Footprint;
use crate::dstream::inverse::InverseState;
use crate::dstream::window::Panes;

/// A state that can be snapshotted into parts.
pub(super) trait Snapshot {
    fn parts(&self, parts: &mut Vec<Part>);
}

/// A snapshot's parts, written at once (one encoding, however it is used).
pub(super) fn write_parts(state: &impl Snapshot, out: &mut String) {
    let mut parts = Vec::new();
    state.parts(&mut parts);
    for part in parts {
        part(out);
    }
}

/// One part per pane (shared, not copied), inside `[...]`.
impl<P: Codec + Footprint + 'static> Snapshot for Panes<P> {
    fn parts(&self, parts: &mut Vec<Part>) {
        parts.push(text_part("[".into()));
        for (i, (t, pane)) in self.shared().enumerate() {
            parts.push(Box::new(move |out: &mut String| {
                if i > 0 {
                    out.push(',');
                }
                out.push('[');
                t.enc(out);
                out.push(',');
                pane.enc(out);
                out.push(']');
            }));
        }
        parts.push(text_part("]".into()));
    }
}

/// Entries a part encodes at most: a few milliseconds of work.
const PART_ENTRIES: usize = 16_384;

/// `items` as a JSON list, in parts of at most [`PART_ENTRIES`].
fn list_parts<T: Codec + 'static>(items: Vec<T>, parts: &mut Vec<Part>) {
    parts.push(text_part("[".into()));
    let mut items = items.into_iter().peekable();
    let mut first = true;
    while items.peek().is_some() {
        let piece: Vec<T> = items.by_ref().take(PART_ENTRIES).collect();
        let comma = !first;
        first = false;
        parts.push(Box::new(move |out: &mut String| {
            for (i, item) in piece.iter().enumerate() {
                if comma || i > 0 {
                    out.push(',');
                }
                item.enc(out);
            }
        }));
    }
    parts.push(text_part("]".into()));
}

/// The keys and the state copied, the panes shared.
impl<K, V> Snapshot for InverseState<K, V>
where
    K: Codec + Hash + Eq + Clone + Footprint + 'static,
    V: Codec + Clone + Default + Footprint + 'static,
{
    fn parts(&self, parts: &mut Vec<Part>) {
        let keys: Vec<(u32, K)> = self.keys.iter().map(|(id, k)| (id, k.clone())).collect();
        parts.push(text_part("{\"keys\":".into()));
        list_parts(keys, parts);
        parts.push(text_part(",\"panes\":".into()));
        self.panes.parts(parts);
        let live = self.state.iter().enumerate();
        let state: Vec<(u32, (V, u64))> = live
            .filter_map(|(id, s)| Some((id as u32, s.clone()?)))
            .collect();
        parts.push(text_part(",\"state\":".into()));
        list_parts(state, parts);
        parts.push(text_part("}".into()));
    }
}

/// Per-key state changes in place every batch: copied whole.
impl<K, V> Snapshot for FxHashMap<K, V>
where
    K: Codec + Hash + Eq + Clone + 'static,
    V: Codec + Clone + 'static,
{
    fn parts(&self, parts: &mut Vec<Part>) {
        let entries: Vec<(K, V)> = self.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        list_parts(entries, parts);
    }
}
