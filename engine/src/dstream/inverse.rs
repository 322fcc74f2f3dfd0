//! The incremental window, as Spark's ReducedWindowedDStream:
//! `reduce_by_key_and_window` with an inverse function. It keeps the last
//! window's value per key and applies only what changed at each slide:
//! minus the panes that left, plus the panes that entered, so a slide costs
//! O(keys in those panes) whatever the window's length. A key that falls to
//! its zero stays (Spark keeps it) unless a filter drops it.
//!
//! Keys are interned (see [`interned`](super::interned)): a pane is key
//! numbers and values, the state a table by key number.

use std::cell::RefCell;
use std::hash::Hash;
use std::rc::Rc;

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
}

impl<K, V> Default for InverseState<K, V> {
    fn default() -> Self {
        InverseState {
            keys: Interner::default(),
            panes: Panes::default(),
            state: Vec::new(),
            scratch: Vec::new(),
        }
    }
}

impl<K: Hash + Eq + Clone, V: Clone + Default> InverseState<K, V> {
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
        };
        state.resize_with(s.keys.bound(), || None);
        for (_, pane) in s.panes.iter() {
            for &id in &pane.ids {
                s.keys.hold(id);
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
        if self.state[id as usize].take().is_some() {
            self.keys.release(id);
        }
    }
}

impl<K: Hash + Eq + Clone + 'static, V: Clone + Default + 'static> DStream<(K, V)> {
    /// Spark's `reduceByKeyAndWindow(f, inv, len, slide, filter)`: the
    /// window's pairs reduced by key, kept incrementally; `inv` undoes `f`.
    /// Keys stay at their inverse-reduced value unless `keep` says otherwise.
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
        self.graph().keep(&kept);
        Ok(self.unary(clock.slide(), move |t, batch, cx| {
            let mut kept = kept.borrow_mut();
            let w = &mut *kept;
            w.push_pane(t, batch, &mut f);
            if !clock.emits_at(t) {
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
            let live = w.state.iter().filter(|s| s.is_some()).count();
            let excess = live.saturating_sub(cx.max_keys);
            if excess > 0 {
                let ages =
                    w.state.iter().enumerate().filter_map(|(id, s)| {
                        s.as_ref().map(|(_, updated)| (*updated, id as KeyId))
                    });
                for id in oldest(ages, excess) {
                    w.remove(id);
                }
                *cx.evicted += excess as u64;
            }
            let InverseState { keys, panes, .. } = w;
            panes.expire_with(now - len, |pane| {
                for &id in &pane.ids {
                    keys.release(id);
                }
            });
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
        }))
    }
}
