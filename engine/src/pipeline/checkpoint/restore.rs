//! Restoring each kind of state from its text, checked before use: a
//! checkpoint is input from outside. Pane times must be batch times, in
//! order, inside the window and not after the run's last batch; keys
//! appear once; no list is longer than the state could hold (`max_keys`);
//! and the decoded state must fit the operator's share of the state
//! budget, checked a pane at a time, so a tampered checkpoint is refused
//! before it has filled the tab.

use std::hash::Hash;
use std::rc::Rc;

use rustc_hash::{FxHashMap, FxHashSet};
use serde::Deserialize;
use serde_json::value::RawValue;

use super::decode::{decode, raw_panes, Dec};
use crate::dstream::footprint::Footprint;
use crate::dstream::interned::Interner;
use crate::dstream::inverse::{InverseState, Pane};
use crate::dstream::window::Panes;

/// What a restored state must fit: the run it continues (the time of its
/// last batch, its batch interval), for a window how far back its panes
/// may reach, and the limits its operator keeps to.
#[derive(Clone, Copy, Debug)]
pub struct Bounds {
    pub now_ms: u64,
    pub batch_ms: u64,
    pub span_ms: Option<u64>,
    /// The most keys (or records) the state may hold: the key limit.
    pub max_items: usize,
    /// The operator's share of the state budget, bytes.
    pub budget: usize,
}

/// A state a checkpoint restores.
pub(super) trait Restore: Sized {
    /// Decodes `text` (what the state's `Codec` wrote), checked against `b`.
    fn restore(text: &str, b: &Bounds) -> Result<Self, String>;
}

fn over_budget(b: &Bounds) -> String {
    format!(
        "checkpoint: the state is larger than its share of the state budget ({} bytes)",
        b.budget
    )
}

/// The panes of a window, each decoded on its own, in order.
fn panes<P>(text: &str, b: &Bounds) -> Result<Panes<P>, String>
where
    P: Footprint,
    for<'de> Dec<P>: Deserialize<'de>,
{
    // One pane per batch the window reaches back over, and one more.
    let most = b
        .span_ms
        .map_or(usize::MAX, |span| (span / b.batch_ms.max(1)) as usize + 1);
    let raw = raw_panes(text, most)?;
    check_times(raw.iter().map(|(t, _)| *t), b)?;
    let mut panes = Panes::default();
    for (t, pane) in raw {
        panes.push(t, decode::<P>(pane.get(), b.max_items)?);
        if panes.bytes() > b.budget {
            return Err(over_budget(b));
        }
    }
    Ok(panes)
}

/// Pane times strictly increasing, on batch times, none after the run's
/// last batch and none older than the window reaches.
fn check_times(times: impl Iterator<Item = u64>, b: &Bounds) -> Result<(), String> {
    let oldest = b.span_ms.map_or(0, |span| b.now_ms.saturating_sub(span));
    let mut last = None;
    for t in times {
        if b.batch_ms == 0 || !t.is_multiple_of(b.batch_ms) || t > b.now_ms || t <= oldest {
            return Err(format!(
                "checkpoint: a pane at {t} ms, outside the window ({oldest} ms, {} ms] of batches of {} ms",
                b.now_ms, b.batch_ms
            ));
        }
        if last.is_some_and(|l| l >= t) {
            return Err(format!("checkpoint: panes out of order at {t} ms"));
        }
        last = Some(t);
    }
    Ok(())
}

/// No key updated after the run's last batch.
fn check_updated(mut times: impl Iterator<Item = u64>, b: &Bounds) -> Result<(), String> {
    match times.find(|at| *at > b.now_ms) {
        Some(at) => Err(format!(
            "checkpoint: a key updated at {at} ms, after the run's last batch at {} ms",
            b.now_ms
        )),
        None => Ok(()),
    }
}

impl<P> Restore for Panes<P>
where
    P: Footprint,
    for<'de> Dec<P>: Deserialize<'de>,
{
    fn restore(text: &str, b: &Bounds) -> Result<Panes<P>, String> {
        panes::<P>(text, b)
    }
}

/// Per-key state, `[[key, [state, updated]], ...]`.
impl<K, V> Restore for FxHashMap<K, (V, u64)>
where
    K: Hash + Eq + Footprint,
    V: Footprint,
    for<'de> Dec<K>: Deserialize<'de>,
    for<'de> Dec<V>: Deserialize<'de>,
{
    fn restore(text: &str, b: &Bounds) -> Result<Self, String> {
        let map = decode::<FxHashMap<K, (V, u64)>>(text, b.max_items)?;
        check_updated(map.values().map(|(_, at)| *at), b)?;
        if map.heap_bytes() > b.budget {
            return Err(over_budget(b));
        }
        Ok(map)
    }
}

/// Keys once, with their numbers; panes and the state refer to them by
/// number: `{"keys": [[id, key], ...], "panes": [[t, [[ids], [values]]],
/// ...], "state": [[id, [value, updated]], ...]}`. Keys are numbered
/// afresh, densely: a saved number is looked up, never used as an index,
/// so a damaged checkpoint cannot make the page allocate for a huge one.
impl<K, V> Restore for InverseState<K, V>
where
    K: Hash + Eq + Clone + Footprint,
    V: Clone + Default + Footprint,
    for<'de> Dec<K>: Deserialize<'de>,
    for<'de> Dec<V>: Deserialize<'de>,
{
    fn restore(text: &str, b: &Bounds) -> Result<Self, String> {
        #[derive(Deserialize)]
        struct Saved<'a> {
            #[serde(borrow)]
            keys: &'a RawValue,
            #[serde(borrow)]
            panes: &'a RawValue,
            #[serde(borrow)]
            state: &'a RawValue,
        }
        let saved: Saved = serde_json::from_str(text)
            .map_err(|e| format!("checkpoint: an incremental window: {e}"))?;
        let keys = decode::<Vec<(u32, K)>>(saved.keys.get(), b.max_items)?;
        let panes = panes::<Pane<V>>(saved.panes.get(), b)?;
        let state = decode::<Vec<(u32, (V, u64))>>(saved.state.get(), b.max_items)?;
        check_updated(state.iter().map(|(_, (_, at))| *at), b)?;
        let window = inverse_from_saved(keys, panes, state)?;
        if window.heap_bytes() > b.budget {
            return Err(over_budget(b));
        }
        Ok(window)
    }
}

/// An incremental window from its saved parts, keys renumbered densely.
fn inverse_from_saved<K, V>(
    saved: Vec<(u32, K)>,
    saved_panes: Panes<Pane<V>>,
    saved_state: Vec<(u32, (V, u64))>,
) -> Result<InverseState<K, V>, String>
where
    K: Hash + Eq + Clone + Footprint,
    V: Clone + Default + Footprint,
{
    let unknown = || "checkpoint: expected key numbers that have keys".to_string();
    let mut renumber: FxHashMap<u32, u32> = FxHashMap::default();
    let mut keys: Vec<Option<K>> = Vec::with_capacity(saved.len());
    let mut distinct: FxHashSet<&K> = FxHashSet::default();
    for (id, k) in &saved {
        if renumber.insert(*id, keys.len() as u32).is_some() || !distinct.insert(k) {
            return Err("checkpoint: expected each key and key number once".into());
        }
        keys.push(Some(k.clone()));
    }
    let new_id = |id: &u32| renumber.get(id).copied().ok_or_else(unknown);
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
            return Err("checkpoint: a key's state saved twice".into());
        }
    }
    Ok(InverseState::from_parts(
        Interner::from_numbered(keys),
        panes,
        state,
    ))
}
