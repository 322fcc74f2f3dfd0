//! The incremental window, as Spark's ReducedWindowedDStream:
//! `reduce_by_key_and_window` with an inverse function. It keeps the last
//! window's value per key and applies only what changed at each slide:
//! minus the panes that left, plus the panes that entered, so a slide costs
//! O(keys in those panes) whatever the window's length. A key that falls to
//! its zero stays (Spark keeps it) unless a filter drops it.
//!
//! Keys are interned (see [`interned`](super::interned)): a pane is key
//! numbers and values, the state a table by key number.
//!
//! Memory is bounded twice. At most `max_keys` keys are held, in the state
//! and the panes together: beyond it the keys seen least recently leave
//! the state and every pane at once, so no pane is later subtracted from a
//! key that came back. And the whole stays within the stage's share of the
//! state budget: beyond it the oldest panes leave the window early (what
//! they added is subtracted, as when a pane leaves on time). Both count
//! what they evict.

use std::cell::RefCell;
use std::hash::Hash;
use std::rc::Rc;

use crate::checkpoint::Codec;
use crate::dstream::footprint::Footprint;
use crate::dstream::interned::{Interner, KeyId};
use crate::dstream::state::oldest;
use crate::dstream::window::{Panes, WindowClock, WindowError};
use crate::dstream::DStream;
use crate::duration::Duration;

/// Keeps a key in an inverse window's state (Spark's `filterFunc`).
pub type KeepKey<K, V> = Box<dyn FnMut(&K, &V) -> bool>;

/// One batch reduced by key: each key once, by number.
#[derive(Clone, Debug, PartialEq)]
pub struct Pane<V> {
    pub ids: Vec<KeyId>,
    pub values: Vec<V>,
}

/// An inverse window's state: its keys, the panes still to leave, and per
/// key number the window's value and the last slide that changed it.
#[derive(Debug)]
pub struct InverseState<K, V> {
    pub keys: Interner<K>,
    pub panes: Panes<Pane<V>>,
    pub state: Vec<Option<(V, u64)>>,
    /// Per key number, a value being reduced (a batch, or several panes).
    scratch: Vec<Option<V>>,
    /// Per key number, the time of the newest pane that holds the key.
    seen: Vec<u64>,
}

impl<K, V> Default for InverseState<K, V> {
    fn default() -> Self {
        InverseState {
            keys: Interner::default(),
            panes: Panes::default(),
            state: Vec::new(),
            scratch: Vec::new(),
            seen: Vec::new(),
        }
    }
}

impl<K: Hash + Eq + Clone + Footprint, V: Clone + Default + Footprint> InverseState<K, V> {
    /// A state from its parts (a checkpoint): every key's uses are counted
    /// from the panes and the state that refer to it.
    pub fn from_parts(
        keys: Interner<K>,
        panes: Panes<Pane<V>>,
        mut state: Vec<Option<(V, u64)>>,
    ) -> Self {
        let mut s = InverseState {
            keys,
            panes,
            state: Vec::new(),
            scratch: Vec::new(),
            seen: Vec::new(),
        };
        state.resize_with(s.keys.bound(), || None);
        s.seen.resize(s.keys.bound(), 0);
        for (t, pane) in s.panes.iter() {
            for &id in &pane.ids {
                s.keys.hold(id);
                s.seen[id as usize] = t;
            }
        }
        for (id, slot) in state.iter().enumerate() {
            if slot.is_some() {
                s.keys.hold(id as KeyId);
            }
        }
        s.state = state;
        s.keys.forget_unused();
        s
    }

    /// Reduces a batch by key into a new pane at time `t`.
    fn push_pane(&mut self, t: u64, batch: Vec<(K, V)>, f: &mut impl FnMut(V, V) -> V) {
        let mut ids = Vec::new();
        for (k, v) in batch {
            let id = self.keys.intern(k);
            let at = id as usize;
            if at >= self.scratch.len() {
                self.scratch.resize_with(at + 1, || None);
            }
            if at >= self.seen.len() {
                self.seen.resize(at + 1, 0);
            }
            self.seen[at] = t;
            self.scratch[at] = Some(match self.scratch[at].take() {
                Some(seen) => f(seen, v),
                None => {
                    ids.push(id);
                    self.keys.hold(id);
                    v
                }
            });
        }
        let values = ids
            .iter()
            .map(|&id| self.scratch[id as usize].take().unwrap_or_default())
            .collect();
        self.panes.push(t, Pane { ids, values });
    }

    /// Calls `apply` with each key of the panes in `(from, to]`, reduced
    /// over those panes with `f` (one pane, the usual case, is read as is).
    /// `apply` gets `f` back, for folding the value into the state.
    fn each_in<F: FnMut(V, V) -> V>(
        &mut self,
        from: i128,
        to: i128,
        f: &mut F,
        mut apply: impl FnMut(&mut F, &mut Vec<Option<(V, u64)>>, KeyId, V),
    ) {
        let panes: Vec<&Pane<V>> = self.panes.range(from, to).collect();
        if let [pane] = panes[..] {
            for (&id, v) in pane.ids.iter().zip(&pane.values) {
                apply(f, &mut self.state, id, v.clone());
            }
            return;
        }
        self.scratch.resize_with(self.keys.bound(), || None);
        let mut ids = Vec::new();
        for pane in panes {
            for (&id, v) in pane.ids.iter().zip(&pane.values) {
                let slot = &mut self.scratch[id as usize];
                *slot = Some(match slot.take() {
                    Some(seen) => f(seen, v.clone()),
                    None => {
                        ids.push(id);
                        v.clone()
                    }
                });
            }
        }
        for id in ids {
            if let Some(v) = self.scratch[id as usize].take() {
                apply(f, &mut self.state, id, v);
            }
        }
    }

    /// Removes key `id` from the window's state.
    fn remove(&mut self, id: KeyId) {
        if self
            .state
            .get_mut(id as usize)
            .and_then(Option::take)
            .is_some()
        {
            self.keys.release(id);
        }
    }

    /// Memory held, roughly: panes, keys, and the tables by key number.
    fn bytes(&self) -> usize {
        let per_key = std::mem::size_of::<Option<(V, u64)>>()
            + std::mem::size_of::<Option<V>>()
            + std::mem::size_of::<u64>();
        let state: usize = self
            .state
            .iter()
            .flatten()
            .map(|(v, _)| v.heap_bytes())
            .sum();
        self.panes.bytes() + self.keys.bytes() + self.keys.bound() * per_key + state
    }

    /// Keeps at most `max` keys: the least recently seen leave the state
    /// and every pane. Only panes no newer than the last time any of them
    /// was seen can hold them, so only those are looked at. Returns how
    /// many left.
    fn evict_keys(&mut self, max: usize) -> u64 {
        let excess = self.keys.live().saturating_sub(max);
        if excess == 0 {
            return 0;
        }
        let seen = &self.seen;
        let live = self.keys.iter().map(|(id, _)| (seen[id as usize], id));
        let mut gone = vec![false; self.keys.bound()];
        let mut newest = 0;
        for id in oldest(live, excess) {
            gone[id as usize] = true;
            newest = newest.max(seen[id as usize]);
        }
        let keys = &mut self.keys;
        self.panes.edit_upto(newest, |pane| {
            let mut kept = 0;
            for i in 0..pane.ids.len() {
                let id = pane.ids[i];
                if gone[id as usize] {
                    keys.release(id);
                } else {
                    pane.ids.swap(kept, i);
                    pane.values.swap(kept, i);
                    kept += 1;
                }
            }
            pane.ids.truncate(kept);
            pane.values.truncate(kept);
        });
        for (id, out) in gone.iter().enumerate() {
            if *out {
                self.remove(id as KeyId);
            }
        }
        excess as u64
    }

    /// Keeps memory within `budget`: the oldest panes leave early, what they
    /// added subtracted if it was added (panes up to the last slide were).
    /// The newest pane always stays. Returns the entries that left.
    fn shed_oldest(
        &mut self,
        budget: usize,
        last_slide: u64,
        inv: &mut impl FnMut(V, V) -> V,
        keep: &mut Option<KeepKey<K, V>>,
    ) -> u64 {
        let mut evicted = 0;
        while self.bytes() > budget && self.panes.len() > 1 {
            let Some((t, pane)) = self.panes.pop_oldest() else {
                break;
            };
            for (&id, v) in pane.ids.iter().zip(&pane.values) {
                let slot = self.state.get_mut(id as usize).and_then(Option::as_mut);
                if let (true, Some((value, _))) = (t <= last_slide, slot) {
                    *value = inv(std::mem::take(value), v.clone());
                    let dropped = match (&mut *keep, &self.state[id as usize]) {
                        (Some(keep), Some((value, _))) => !keep(self.keys.key(id), value),
                        _ => false,
                    };
                    if dropped {
                        self.remove(id);
                    }
                }
                self.keys.release(id);
            }
            evicted += pane.ids.len() as u64;
        }
        evicted
    }
}

impl<K, V> Footprint for InverseState<K, V>
where
    K: Hash + Eq + Clone + Footprint,
    V: Clone + Default + Footprint,
{
    fn heap_bytes(&self) -> usize {
        self.bytes()
    }
}

impl<V: Footprint> Footprint for Pane<V> {
    fn heap_bytes(&self) -> usize {
        self.ids.heap_bytes() + self.values.heap_bytes()
    }
}

impl<K, V> DStream<(K, V)>
where
    K: Hash + Eq + Clone + Footprint + Codec + 'static,
    V: Clone + Default + Footprint + Codec + 'static,
{
    /// Spark's `reduceByKeyAndWindow(f, inv, len, slide, filter)`: the
    /// window's pairs reduced by key, kept incrementally; `inv` undoes `f`.
    /// Keys stay at their inverse-reduced value unless `keep` says otherwise.
    /// Keys come in no particular order. The length must be at least the
    /// slide.
    ///
    /// Below, both keys' pairs have left the window by 4 s: without a
    /// filter they stay at 0, as in Spark; the filter drops them.
    ///
    /// # Examples
    ///
    /// ```
    /// # use sparklet_engine::dstream::StreamingContext;
    /// # use sparklet_engine::Duration;
    /// let mut ssc = StreamingContext::new(Duration::from_secs(1));
    /// let (input, pairs) = ssc.queue_stream();
    /// let (a, b) = pairs.tee();
    /// let (add, sub, len) = (|x: i64, y| x + y, |x: i64, y| x - y, Duration::from_secs(2));
    /// let kept = a.reduce_by_key_and_window_inverse(add, sub, len, None, None);
    /// let nonzero = Some(Box::new(|_: &char, v: &i64| *v != 0) as _);
    /// let filtered = b.reduce_by_key_and_window_inverse(add, sub, len, None, nonzero);
    /// let (kept, filtered) = (ssc.collect(kept.unwrap()), ssc.collect(filtered.unwrap()));
    /// input.push(vec![('a', 1)]);
    /// input.push(vec![('a', 2), ('b', 5)]);
    /// ssc.run_batches(4);
    /// let mut kept = kept.take();
    /// kept.iter_mut().for_each(|(_, w)| w.sort());
    /// assert_eq!(kept[1], (2000, vec![('a', 3), ('b', 5)]));
    /// assert_eq!(kept[2], (3000, vec![('a', 2), ('b', 5)]));
    /// assert_eq!(kept[3], (4000, vec![('a', 0), ('b', 0)]));
    /// assert_eq!(filtered.take()[3], (4000, vec![]));
    /// ```
    pub fn reduce_by_key_and_window_inverse(
        self,
        mut f: impl FnMut(V, V) -> V + 'static,
        mut inv: impl FnMut(V, V) -> V + 'static,
        len: Duration,
        slide: Option<Duration>,
        mut keep: Option<KeepKey<K, V>>,
    ) -> Result<DStream<(K, V)>, WindowError> {
        let clock = WindowClock::new(&self, len, slide)?;
        if clock.len < clock.slide {
            return Err(WindowError::InverseShorterThanSlide {
                len,
                slide: clock.slide(),
            });
        }
        let kept: Rc<RefCell<InverseState<K, V>>> = Rc::default();
        self.graph().keep_window(&kept, clock.len + clock.slide);
        Ok(self.unary(
            "reduce_by_key_and_window",
            clock.slide(),
            move |t, batch, cx| {
                let mut kept = kept.borrow_mut();
                let w = &mut *kept;
                w.push_pane(t, batch, &mut f);
                *cx.evicted += w.evict_keys(cx.max_keys);
                if !clock.emits_at(t) {
                    let last_slide = t - t % clock.slide;
                    *cx.evicted += w.shed_oldest(cx.budget, last_slide, &mut inv, &mut keep);
                    return None;
                }
                let (now, len, slide) = (t as i128, clock.len as i128, clock.slide as i128);
                let mut touched = Vec::new();
                let filtered = keep.is_some();
                w.state.resize_with(w.keys.bound(), || None);
                w.each_in(now - slide - len, now - len, &mut f, |_, state, id, v| {
                    if let Some((slot, _)) = &mut state[id as usize] {
                        *slot = inv(std::mem::take(slot), v);
                        touched.extend(filtered.then_some(id));
                    }
                });
                let mut entered = Vec::new();
                w.each_in(now - slide, now, &mut f, |f, state, id, v| {
                    match &mut state[id as usize] {
                        Some((slot, updated)) => {
                            *slot = f(std::mem::take(slot), v);
                            *updated = t;
                        }
                        empty => {
                            *empty = Some((v, t));
                            entered.push(id);
                        }
                    }
                    touched.extend(filtered.then_some(id));
                });
                for id in entered {
                    w.keys.hold(id);
                }
                // Only keys that changed can change the filter's verdict.
                if let Some(keep) = keep.as_mut() {
                    for id in touched {
                        let drop = match &w.state[id as usize] {
                            Some((v, _)) => !keep(w.keys.key(id), v),
                            None => false,
                        };
                        if drop {
                            w.remove(id);
                        }
                    }
                }
                let InverseState { keys, panes, .. } = w;
                panes.expire_with(now - len, |_, pane| {
                    for &id in &pane.ids {
                        keys.release(id);
                    }
                });
                *cx.evicted += w.shed_oldest(cx.budget, t, &mut inv, &mut keep);
                Some(
                    w.state
                        .iter()
                        .enumerate()
                        .filter_map(|(id, s)| {
                            let (v, _) = s.as_ref()?;
                            Some((w.keys.key(id as KeyId).clone(), v.clone()))
                        })
                        .collect(),
                )
            },
        ))
    }
}
