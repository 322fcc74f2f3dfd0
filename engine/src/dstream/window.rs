//! Windows with Spark's semantics: a windowed stream emits at multiples of
//! its slide, and the window at time `t` covers the parent's outputs with
//! times in `(t - len, t]`. Length and slide must be multiples of the
//! parent's slide (Spark's `require`s). State is kept as panes, one per
//! parent output, expired from the back.

use std::cell::RefCell;
use std::hash::Hash;
use std::rc::Rc;

use crate::checkpoint::Codec;
use crate::dstream::footprint::Footprint;
pub use crate::dstream::panes::Panes;
use crate::dstream::panes::PANE_OVERHEAD;
use crate::dstream::DStream;
use crate::duration::Duration;

/// A window or union that cannot be built.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WindowError {
    #[error(
        "the {what} {value} is not a multiple of the {parent_name} {parent}; try {suggestion}"
    )]
    NotMultiple {
        what: &'static str,
        value: Duration,
        parent: Duration,
        parent_name: &'static str,
        suggestion: Duration,
    },
    #[error("an incremental window needs its length ({len}) at least its slide ({slide})")]
    InverseShorterThanSlide { len: Duration, slide: Duration },
    #[error("union needs streams that emit together; their slides are {left} and {right}")]
    UnionSlides { left: Duration, right: Duration },
    #[error(
        "the window length {len} covers {batches} batches of {parent}, more than the {max} a \
         window may hold; use a window of at most {longest}, or a longer {parent_name}"
    )]
    TooLong {
        len: Duration,
        parent: Duration,
        parent_name: &'static str,
        batches: u64,
        max: u64,
        longest: Duration,
    },
}

/// The most parent batches a window may cover: one pane each, so this
/// bounds the panes a window keeps (10,000: 16 min 40 s of 100 ms
/// batches, 2 h 46 min of 1 s batches; an incremental window also keeps
/// the panes of the slide in progress), whatever the text of a link says.
pub const MAX_WINDOW_BATCHES: u64 = 10_000;

/// A window's length and slide in milliseconds, checked against the parent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WindowClock {
    pub len: u64,
    pub slide: u64,
}

impl WindowClock {
    /// `slide: None` is the parent's slide, as in Spark's `window(len)`.
    pub fn new<T>(
        parent: &DStream<T>,
        len: Duration,
        slide: Option<Duration>,
    ) -> Result<WindowClock, WindowError> {
        let p = parent.slide;
        let slide = slide.unwrap_or(p);
        let parent_name = if p == parent.graph.batch {
            "batch interval"
        } else {
            "slide of the window before it"
        };
        for (what, value) in [("window length", len), ("slide", slide)] {
            if !value.is_multiple_of(p) {
                let rounded = (value.as_millis() / p.as_millis()).max(1) * p.as_millis();
                let suggestion = Duration::from_millis(rounded);
                return Err(WindowError::NotMultiple {
                    what,
                    value,
                    parent: p,
                    parent_name,
                    suggestion,
                });
            }
        }
        let batches = len.as_millis() / p.as_millis();
        if batches > MAX_WINDOW_BATCHES {
            return Err(WindowError::TooLong {
                len,
                parent: p,
                parent_name,
                batches,
                max: MAX_WINDOW_BATCHES,
                longest: Duration::from_millis(MAX_WINDOW_BATCHES.saturating_mul(p.as_millis())),
            });
        }
        Ok(WindowClock {
            len: len.as_millis(),
            slide: slide.as_millis(),
        })
    }

    pub fn emits_at(&self, t: u64) -> bool {
        t.is_multiple_of(self.slide)
    }

    pub fn slide(&self) -> Duration {
        Duration::from_millis(self.slide)
    }
}

impl<T: Clone + Footprint + Codec + 'static> DStream<T> {
    /// Spark's `window(len, slide)`: every record in the window, oldest
    /// batch first. It holds at most `max_keys` records and its share of
    /// the state budget; beyond either, its oldest batches leave early and
    /// their records are counted as evicted.
    ///
    /// The window emitted at time `t` holds the batches of `(t - len, t]`;
    /// it emits every `slide` (`None`: every batch). Both must be
    /// multiples of this stream's slide, or it is a [`WindowError`].
    ///
    /// # Examples
    ///
    /// ```
    /// # use sparklet_engine::dstream::StreamingContext;
    /// # use sparklet_engine::Duration;
    /// let mut ssc = StreamingContext::new(Duration::from_secs(1));
    /// let (input, numbers) = ssc.queue_stream();
    /// let (a, b) = numbers.tee();
    /// let last_2s = ssc.collect(a.window(Duration::from_secs(2), None).unwrap());
    /// let every_2s = b.window(Duration::from_secs(3), Some(Duration::from_secs(2)));
    /// let every_2s = ssc.collect(every_2s.unwrap());
    /// for n in 1..=4 {
    ///     input.push(vec![n]);
    /// }
    /// ssc.run_batches(4);
    /// let got = last_2s.take();
    /// assert_eq!(got[..2], [(1000, vec![1]), (2000, vec![1, 2])]);
    /// // Batch 1 leaves the 2 s window at time 3 s.
    /// assert_eq!(got[2..], [(3000, vec![2, 3]), (4000, vec![3, 4])]);
    /// assert_eq!(every_2s.take(), vec![(2000, vec![1, 2]), (4000, vec![2, 3, 4])]);
    /// # let (_, c) = ssc.queue_stream::<i64>();
    /// # assert!(c.window(Duration::from_millis(1500), None).is_err());
    /// ```
    pub fn window(self, len: Duration, slide: Option<Duration>) -> Result<DStream<T>, WindowError> {
        let clock = WindowClock::new(&self, len, slide)?;
        let kept: Rc<RefCell<Panes<Vec<T>>>> = Rc::default();
        self.graph.keep_window(&kept, clock.len);
        Ok(self.unary("window", clock.slide(), move |t, batch, cx| {
            let (now, len) = (t as i128, clock.len as i128);
            let mut panes = kept.borrow_mut();
            panes.push(t, batch);
            panes.expire(now - len);
            *cx.evicted += hold_records(&mut panes, cx.max_keys, cx.budget);
            clock
                .emits_at(t)
                .then(|| panes.range(now - len, now).flatten().cloned().collect())
        }))
    }
}

/// Keeps a window's records to `max` of them and `budget` bytes: the
/// oldest batches go first, then the oldest records of the newest batch.
/// Returns how many records went.
fn hold_records<T: Footprint + Clone>(panes: &mut Panes<Vec<T>>, max: usize, budget: usize) -> u64 {
    let mut held: usize = panes.iter().map(|(_, p)| p.len()).sum();
    let mut evicted = 0;
    while (held > max || panes.bytes() > budget) && panes.len() > 1 {
        if let Some((_, pane)) = panes.pop_oldest() {
            held -= pane.len();
            evicted += pane.len() as u64;
        }
    }
    if held > max || panes.bytes() > budget {
        panes.edit_newest(|records| {
            let mut room = budget.saturating_sub(PANE_OVERHEAD);
            let keep = records
                .iter()
                .rev()
                .take(max)
                .take_while(|r| {
                    let cost = r.footprint();
                    room = room.saturating_sub(cost);
                    room > 0
                })
                .count();
            let gone = records.len() - keep;
            records.drain(..gone);
            records.shrink_to_fit();
            evicted += gone as u64;
        });
    }
    evicted
}

impl<K, V> DStream<(K, V)>
where
    K: Hash + Eq + Clone + Footprint + Codec + 'static,
    V: Clone + Footprint + Codec + 'static,
{
    /// Spark's `groupByKeyAndWindow`: `window(len, slide).groupByKey()`,
    /// each key's values in the window, oldest first; keys in no
    /// particular order. A key whose values all left the window is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// # use sparklet_engine::dstream::StreamingContext;
    /// # use sparklet_engine::Duration;
    /// let mut ssc = StreamingContext::new(Duration::from_secs(1));
    /// let (input, pairs) = ssc.queue_stream();
    /// let grouped = pairs.group_by_key_and_window(Duration::from_secs(2), None);
    /// let out = ssc.collect(grouped.unwrap());
    /// input.push(vec![('a', 1)]);
    /// input.push(vec![('a', 2), ('b', 3)]);
    /// input.push(vec![('b', 4)]);
    /// ssc.run_batches(3);
    /// let mut got = out.take();
    /// got.iter_mut().for_each(|(_, groups)| groups.sort());
    /// assert_eq!(got[1], (2000, vec![('a', vec![1, 2]), ('b', vec![3])]));
    /// assert_eq!(got[2], (3000, vec![('a', vec![2]), ('b', vec![3, 4])]));
    /// ```
    pub fn group_by_key_and_window(
        self,
        len: Duration,
        slide: Option<Duration>,
    ) -> Result<DStream<(K, Vec<V>)>, WindowError> {
        let graph = self.graph.clone();
        graph.stage("group_by_key_and_window", || {
            Ok(self.window(len, slide)?.group_by_key())
        })
    }
}
