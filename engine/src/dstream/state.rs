//! State across batches: Spark's `updateStateByKey` (a running value per
//! key, the whole state emitted every batch) and `mapWithState` (a mapping
//! function per record with access to the key's state, and a timeout that
//! retires idle keys with one last call).

use std::cell::RefCell;
use std::hash::Hash;
use std::rc::Rc;

use rustc_hash::FxHashMap;

use crate::checkpoint::{decode, list_parts, Bounds, CheckpointError, Codec, Part, StateCodec};
use crate::dstream::footprint::Footprint;
use crate::dstream::DStream;
use crate::duration::Duration;

/// Per key: the state and the time (ms) of the last batch that updated it.
pub type KeyedState<K, S> = FxHashMap<K, (S, u64)>;

/// `[[key, [state, updated]], ...]`. Per-key state changes in place every
/// batch, so a checkpoint copies it when taken.
impl<K, S> StateCodec for KeyedState<K, S>
where
    K: Hash + Eq + Clone + Footprint + Codec + 'static,
    S: Clone + Footprint + Codec + 'static,
{
    fn save(&self, parts: &mut Vec<Part>) {
        let entries: Vec<(K, (S, u64))> =
            self.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        list_parts(entries, parts);
    }

    fn restore(text: &str, b: &Bounds) -> Result<Self, CheckpointError> {
        let map: Self = decode(text, b.max_items)?;
        b.check_updated(map.values().map(|(_, at)| *at))?;
        b.check_budget(map.heap_bytes())?;
        Ok(map)
    }
}

impl<K: Hash + Eq + Clone + Footprint + Codec + 'static, V: 'static> DStream<(K, V)> {
    /// Spark's `updateStateByKey(f)`: at every batch, `f(new values, old
    /// state)` for every key that has state or new values; `None` removes
    /// the key. Emits the whole state, keys in no particular order.
    ///
    /// Below, a running sum per key, removed in the first batch without
    /// values for it.
    ///
    /// # Examples
    ///
    /// ```
    /// # use sparklet_engine::dstream::StreamingContext;
    /// # use sparklet_engine::Duration;
    /// let mut ssc = StreamingContext::new(Duration::from_secs(1));
    /// let (input, pairs) = ssc.queue_stream();
    /// let totals = pairs.update_state_by_key(|new: Vec<i64>, old: Option<i64>| {
    ///     (!new.is_empty()).then(|| old.unwrap_or(0) + new.iter().sum::<i64>())
    /// });
    /// let out = ssc.collect(totals);
    /// input.push(vec![('a', 1), ('b', 2), ('a', 1)]);
    /// input.push(vec![('a', 3)]);
    /// ssc.run_batches(3);
    /// let mut got = out.take();
    /// got[0].1.sort();
    /// assert_eq!(got[0], (1000, vec![('a', 2), ('b', 2)]));
    /// assert_eq!(got[1..], [(2000, vec![('a', 5)]), (3000, vec![])]);
    /// ```
    pub fn update_state_by_key<S: Clone + Footprint + Codec + 'static>(
        self,
        mut f: impl FnMut(Vec<V>, Option<S>) -> Option<S> + 'static,
    ) -> DStream<(K, S)> {
        let slide = self.slide;
        // Per key: the state and the time of the last batch with values.
        let kept: Rc<RefCell<KeyedState<K, S>>> = Rc::default();
        self.graph().keep(&kept);
        self.unary("update_state_by_key", slide, move |t, batch, cx| {
            let mut state = kept.borrow_mut();
            let state = &mut *state;
            let mut news: FxHashMap<K, Vec<V>> = FxHashMap::default();
            for (k, v) in batch {
                news.entry(k).or_default().push(v);
            }
            // Keys with state but no new values are updated too, as Spark's.
            let old_keys: Vec<K> = state
                .keys()
                .filter(|k| !news.contains_key(*k))
                .cloned()
                .collect();
            for k in old_keys {
                if let Some((old, updated)) = state.remove(&k) {
                    if let Some(s) = f(Vec::new(), Some(old)) {
                        state.insert(k, (s, updated));
                    }
                }
            }
            for (k, vs) in news {
                let old = state.remove(&k).map(|(s, _)| s);
                if let Some(s) = f(vs, old) {
                    state.insert(k, (s, t));
                }
            }
            *cx.evicted += evict_oldest(state, cx.max_keys, |(_, updated)| *updated) as u64;
            *cx.evicted += evict_to_budget(state, cx.budget, |(_, updated)| *updated) as u64;
            Some(
                state
                    .iter()
                    .map(|(k, (s, _))| (k.clone(), s.clone()))
                    .collect(),
            )
        })
    }

    /// Spark's `mapWithState(spec)`: the mapped values of every record,
    /// and of every key that timed out in this batch.
    ///
    /// A key times out at the first batch time `t` with its last data
    /// before `t - timeout` (Spark's test, checked here at every batch):
    /// below, `a`'s last data is at 2 s, so it times out at 5 s, called
    /// once more with no value and its last state.
    ///
    /// ```
    /// # use sparklet_engine::dstream::{State, StateSpec, StreamingContext};
    /// # use sparklet_engine::Duration;
    /// let mut ssc = StreamingContext::new(Duration::from_secs(1));
    /// let (input, pairs) = ssc.queue_stream();
    /// let spec = StateSpec::function(|_t, key: &char, value: Option<i64>, sum: &mut State<i64>| {
    ///     if sum.is_timing_out() {
    ///         return Some(format!("{key} timed out at {}", sum.get()?));
    ///     }
    ///     let total = sum.get().copied().unwrap_or(0) + value?;
    ///     sum.update(total);
    ///     Some(format!("{key}={total}"))
    /// })
    /// .timeout(Duration::from_secs(2));
    /// let out = ssc.collect(pairs.map_with_state(spec));
    /// input.push(vec![('a', 1)]);
    /// input.push(vec![('a', 2)]);
    /// ssc.run_batches(5);
    /// let got: Vec<Vec<String>> = out.take().into_iter().map(|(_, m)| m).collect();
    /// assert_eq!(got, [vec!["a=1"], vec!["a=3"], vec![], vec![], vec!["a timed out at 3"]]);
    /// ```
    pub fn map_with_state<S: Clone + Footprint + Codec + 'static, M: 'static>(
        self,
        spec: StateSpec<K, V, S, M>,
    ) -> DStream<M> {
        self.map_with_state_snapshots(spec).0
    }

    /// `map_with_state` and its `stateSnapshots()`: the state after each
    /// batch, as a second stream (keys in no particular order). A key the
    /// mapping function `remove`s leaves the snapshots.
    ///
    /// ```
    /// # use sparklet_engine::dstream::{State, StateSpec, StreamingContext};
    /// # use sparklet_engine::Duration;
    /// let mut ssc = StreamingContext::new(Duration::from_secs(1));
    /// let (input, pairs) = ssc.queue_stream();
    /// // Counts each key's records; a value of 0 ends the key.
    /// let spec = StateSpec::function(|_t, _key: &char, value: Option<i64>, n: &mut State<i64>| {
    ///     match value? {
    ///         0 => n.remove(),
    ///         _ => n.update(n.get().copied().unwrap_or(0) + 1),
    ///     }
    ///     n.get().copied()
    /// });
    /// let (mapped, snapshots) = pairs.map_with_state_snapshots(spec);
    /// let (mapped, snapshots) = (ssc.collect(mapped), ssc.collect(snapshots));
    /// input.push(vec![('a', 7), ('b', 7), ('a', 7)]);
    /// input.push(vec![('a', 0)]);
    /// ssc.run_batches(2);
    /// assert_eq!(mapped.take(), vec![(1000, vec![1, 1, 2]), (2000, vec![])]);
    /// let mut snaps = snapshots.take();
    /// snaps[0].1.sort();
    /// assert_eq!(snaps, vec![(1000, vec![('a', 2), ('b', 1)]), (2000, vec![('b', 1)])]);
    /// ```
    pub fn map_with_state_snapshots<S: Clone + Footprint + Codec + 'static, M: 'static>(
        self,
        spec: StateSpec<K, V, S, M>,
    ) -> (DStream<M>, DStream<(K, S)>) {
        let slide = self.slide;
        let StateSpec { mut func, timeout } = spec;
        // Per key: the state and the time of the last batch that had data.
        let kept: Rc<RefCell<KeyedState<K, S>>> = Rc::default();
        self.graph().keep(&kept);
        let both = self.unary("map_with_state", slide, move |t, batch, cx| {
            let mut states = kept.borrow_mut();
            let states = &mut *states;
            let mut mapped = Vec::new();
            let mut seen: FxHashMap<K, ()> = FxHashMap::default();
            for (k, v) in batch {
                let mut state = State::from(states.remove(&k).map(|(s, _)| s));
                mapped.extend(func(t, &k, Some(v), &mut state));
                if let Some(s) = state.into_value() {
                    states.insert(k.clone(), (s, t));
                }
                seen.insert(k, ());
            }
            if let Some(timeout) = timeout {
                // Spark: keys last updated before `t - timeout` time out.
                let threshold = t.saturating_sub(timeout.as_millis());
                let idle: Vec<K> = states
                    .iter()
                    .filter(|(k, (_, updated))| *updated < threshold && !seen.contains_key(*k))
                    .map(|(k, _)| k.clone())
                    .collect();
                for k in idle {
                    if let Some((s, _)) = states.remove(&k) {
                        let mut state = State {
                            value: Some(s),
                            timing_out: true,
                        };
                        mapped.extend(func(t, &k, None, &mut state));
                    }
                }
            }
            *cx.evicted += evict_oldest(states, cx.max_keys, |(_, updated)| *updated) as u64;
            *cx.evicted += evict_to_budget(states, cx.budget, |(_, updated)| *updated) as u64;
            let snapshot: Vec<(K, S)> = states
                .iter()
                .map(|(k, (s, _))| (k.clone(), s.clone()))
                .collect();
            Some(vec![(mapped, snapshot)])
        });
        let (mapped, snapshots) = both.unzip();
        (mapped.flat_map(|m| m), snapshots.flat_map(|s| s))
    }
}

type MappingFn<K, V, S, M> = Box<dyn FnMut(u64, &K, Option<V>, &mut State<S>) -> Option<M>>;

/// Spark's StateSpec: the mapping function `(time_ms, key, value, state)
/// -> Option<mapped>` and an optional idle timeout.
pub struct StateSpec<K, V, S, M> {
    func: MappingFn<K, V, S, M>,
    timeout: Option<Duration>,
}

impl<K, V, S, M> StateSpec<K, V, S, M> {
    /// Spark's `StateSpec.function`: the mapping function, called with
    /// the batch time (ms), the key, the record's value (`None` when the
    /// key is timing out) and the key's state; what it returns, if
    /// anything, is the mapped stream's record. See
    /// [`DStream::map_with_state`].
    pub fn function(
        f: impl FnMut(u64, &K, Option<V>, &mut State<S>) -> Option<M> + 'static,
    ) -> Self {
        StateSpec {
            func: Box::new(f),
            timeout: None,
        }
    }

    /// Spark's `StateSpec.timeout`: keys that get no data for `timeout`
    /// are called once more, with no value and `is_timing_out()` true,
    /// then removed. See [`DStream::map_with_state`].
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }
}

/// A key's state inside the mapping function, as Spark's `State[S]` (see
/// [`DStream::map_with_state`] for an example).
pub struct State<S> {
    value: Option<S>,
    timing_out: bool,
}

impl<S> From<Option<S>> for State<S> {
    fn from(value: Option<S>) -> State<S> {
        State {
            value,
            timing_out: false,
        }
    }
}

impl<S> State<S> {
    /// Spark's `State.exists`: whether the key has state.
    pub fn exists(&self) -> bool {
        self.value.is_some()
    }

    /// Spark's `State.getOption`: the key's state, if any.
    pub fn get(&self) -> Option<&S> {
        self.value.as_ref()
    }

    /// Sets the state. Spark refuses this on a timing-out key; here it is
    /// ignored, since the key is removed right after.
    pub fn update(&mut self, s: S) {
        if !self.timing_out {
            self.value = Some(s);
        }
    }

    /// Spark's `State.remove`: the key's state is dropped after this call.
    pub fn remove(&mut self) {
        self.value = None;
    }

    /// Spark's `State.isTimingOut`: whether this call is the key's last,
    /// for its timeout (see [`StateSpec::timeout`]).
    pub fn is_timing_out(&self) -> bool {
        self.timing_out
    }

    fn into_value(self) -> Option<S> {
        self.value
    }
}

/// Keeps a state map to `max` keys: when it holds more, the keys with the
/// oldest `updated` time go (ties in any order). Returns how many went.
/// A flood of distinct keys then costs bounded memory, and the page shows
/// how many were evicted rather than running out of memory.
pub fn evict_oldest<K: Hash + Eq + Clone, V>(
    map: &mut FxHashMap<K, V>,
    max: usize,
    updated: impl Fn(&V) -> u64,
) -> usize {
    let excess = map.len().saturating_sub(max);
    if excess == 0 {
        return 0;
    }
    let gone: Vec<K> = oldest(map.iter().map(|(k, v)| (updated(v), k)), excess)
        .into_iter()
        .cloned()
        .collect();
    for k in &gone {
        map.remove(k);
    }
    excess
}

/// Keeps a state map within `budget` bytes (see [`Footprint`]): the keys
/// with the oldest `updated` times go until it fits. Returns how many went.
pub fn evict_to_budget<K: Hash + Eq + Clone + Footprint, V: Footprint>(
    map: &mut FxHashMap<K, V>,
    budget: usize,
    updated: impl Fn(&V) -> u64,
) -> usize {
    let mut gone = 0;
    loop {
        let bytes = map.heap_bytes();
        if bytes <= budget || map.is_empty() {
            return gone;
        }
        // Enough of the oldest keys to fit at their average size, then a look again.
        let each = (bytes / map.len()).max(1);
        let n = (bytes - budget).div_ceil(each).min(map.len());
        gone += evict_oldest(map, map.len() - n, &updated);
        map.shrink_to_fit();
    }
}

/// The `n` entries with the oldest `updated` times (ties in any order).
pub fn oldest<T>(entries: impl Iterator<Item = (u64, T)>, n: usize) -> Vec<T> {
    let mut ages: Vec<(u64, T)> = entries.collect();
    let n = n.min(ages.len());
    if n == 0 {
        return Vec::new();
    }
    ages.select_nth_unstable_by_key(n - 1, |(t, _)| *t);
    ages.truncate(n);
    ages.into_iter().map(|(_, x)| x).collect()
}
