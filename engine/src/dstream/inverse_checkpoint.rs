//! How an incremental window's state is checkpointed: its keys once, with
//! their numbers; its panes and its state refer to them by number:
//! `{"keys": [[id, key], ...], "panes": [[t, [[ids], [values]]], ...],
//! "state": [[id, [value, updated]], ...]}`. Keys are numbered afresh
//! when restored, densely: a saved number is looked up, never used as an
//! index, so a damaged checkpoint cannot make the page allocate for a
//! huge one.

use std::hash::Hash;
use std::rc::Rc;

use rustc_hash::{FxHashMap, FxHashSet};
use serde::de::{self, Deserializer};
use serde_json::value::RawValue;

use crate::checkpoint::{
    decode, list_parts, text_part, Bounds, CheckpointError, Codec, Part, StateCodec,
};
use crate::dstream::footprint::Footprint;
use crate::dstream::interned::Interner;
use crate::dstream::inverse::{InverseState, Pane};
use crate::dstream::window::Panes;

/// `[[ids], [values]]`, as many of each, each key once.
impl<V: Codec> Codec for Pane<V> {
    fn enc(&self, out: &mut String) {
        out.push('[');
        self.ids.enc(out);
        out.push(',');
        self.values.enc(out);
        out.push(']');
    }

    fn dec<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let (ids, values) = <(Vec<u32>, Vec<V>)>::dec(d)?;
        if ids.len() != values.len() {
            return Err(de::Error::custom("a pane with more keys than values"));
        }
        let mut seen = FxHashSet::default();
        if !ids.iter().all(|id| seen.insert(*id)) {
            return Err(de::Error::custom("a key twice in one pane"));
        }
        Ok(Pane { ids, values })
    }
}

/// The keys and the state copied when the checkpoint is taken, the panes
/// shared.
impl<K, V> StateCodec for InverseState<K, V>
where
    K: Hash + Eq + Clone + Footprint + Codec + 'static,
    V: Clone + Default + Footprint + Codec + 'static,
{
    fn save(&self, parts: &mut Vec<Part>) {
        let keys: Vec<(u32, K)> = self.keys.iter().map(|(id, k)| (id, k.clone())).collect();
        parts.push(text_part("{\"keys\":"));
        list_parts(keys, parts);
        parts.push(text_part(",\"panes\":"));
        self.panes.save(parts);
        let live = self.state.iter().enumerate();
        let state: Vec<(u32, (V, u64))> = live
            .filter_map(|(id, s)| Some((id as u32, s.clone()?)))
            .collect();
        parts.push(text_part(",\"state\":"));
        list_parts(state, parts);
        parts.push(text_part("}"));
    }

    fn restore(text: &str, b: &Bounds) -> Result<Self, CheckpointError> {
        #[derive(serde::Deserialize)]
        struct Saved<'a> {
            #[serde(borrow)]
            keys: &'a RawValue,
            #[serde(borrow)]
            panes: &'a RawValue,
            #[serde(borrow)]
            state: &'a RawValue,
        }
        let saved: Saved =
            serde_json::from_str(text).map_err(CheckpointError::IncrementalWindow)?;
        let keys = decode::<Vec<(u32, K)>>(saved.keys.get(), b.max_items)?;
        let panes = Panes::<Pane<V>>::restore(saved.panes.get(), b)?;
        let state = decode::<Vec<(u32, (V, u64))>>(saved.state.get(), b.max_items)?;
        b.check_updated(state.iter().map(|(_, (_, at))| *at))?;
        let window = from_saved(keys, panes, state)?;
        b.check_budget(window.heap_bytes())?;
        Ok(window)
    }
}

/// An incremental window from its saved parts, keys renumbered densely.
fn from_saved<K, V>(
    saved: Vec<(u32, K)>,
    saved_panes: Panes<Pane<V>>,
    saved_state: Vec<(u32, (V, u64))>,
) -> Result<InverseState<K, V>, CheckpointError>
where
    K: Hash + Eq + Clone + Footprint,
    V: Clone + Default + Footprint,
{
    let mut renumber: FxHashMap<u32, u32> = FxHashMap::default();
    let mut keys: Vec<Option<K>> = Vec::with_capacity(saved.len());
    let mut distinct: FxHashSet<&K> = FxHashSet::default();
    for (id, k) in &saved {
        if renumber.insert(*id, keys.len() as u32).is_some() || !distinct.insert(k) {
            return Err(CheckpointError::KeyTwice);
        }
        keys.push(Some(k.clone()));
    }
    let new_id = |id: &u32| {
        renumber
            .get(id)
            .copied()
            .ok_or(CheckpointError::UnknownKeyNumber)
    };
    let (mut saved_panes, mut panes) = (saved_panes, Panes::default());
    while let Some((t, pane)) = saved_panes.pop_oldest() {
        let pane = Rc::try_unwrap(pane).unwrap_or_else(|shared| (*shared).clone());
        let ids = pane.ids.iter().map(new_id).collect::<Result<_, _>>()?;
        panes.push(t, Pane { ids, ..pane });
    }
    let mut state: Vec<Option<(V, u64)>> = Vec::new();
    state.resize_with(keys.len(), || None);
    for (id, entry) in saved_state {
        let slot = &mut state[new_id(&id)? as usize];
        if slot.replace(entry).is_some() {
            return Err(CheckpointError::StateTwice);
        }
    }
    Ok(InverseState::from_parts(
        Interner::from_numbered(keys),
        panes,
        state,
    ))
}
