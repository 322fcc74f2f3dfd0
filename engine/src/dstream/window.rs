//! Windows with Spark's semantics: a windowed stream emits at multiples of
//! its slide, and the window at time `t` covers the parent's outputs with
//! times in `(t - len, t]`. Length and slide must be multiples of the
//! parent's slide (Spark's `require`s). State is kept as panes, one per
//! parent output, expired from the back.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::hash::Hash;
use std::rc::Rc;

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
}

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

/// Partial results by parent time, oldest first. A pane never changes
/// once pushed, so panes are shared: a checkpoint's snapshot of them costs
/// a reference each, not a copy.
#[derive(Debug)]
pub struct Panes<P> {
    panes: VecDeque<(u64, Rc<P>)>,
}

impl<P> Clone for Panes<P> {
    fn clone(&self) -> Panes<P> {
        Panes {
            panes: self.panes.clone(),
        }
    }
}

impl<P> Default for Panes<P> {
    fn default() -> Panes<P> {
        Panes {
            panes: VecDeque::new(),
        }
    }
}

impl<P> Panes<P> {
    pub fn push(&mut self, t: u64, pane: P) {
        self.panes.push_back((t, Rc::new(pane)));
    }

    /// Panes with time in `(from, to]`; `from` may be before time zero.
    /// Found by binary search: cost follows the panes returned, not the
    /// window's length.
    pub fn range(&self, from: i128, to: i128) -> impl Iterator<Item = &P> {
        let start = self.panes.partition_point(|(t, _)| (*t as i128) <= from);
        let end = self.panes.partition_point(|(t, _)| (*t as i128) <= to);
        self.panes.range(start..end.max(start)).map(|(_, p)| &**p)
    }

    /// Drops panes with time `<= upto`: no later window covers them.
    pub fn expire(&mut self, upto: i128) {
        self.expire_with(upto, |_| {});
    }

    /// [`expire`](Panes::expire), showing each dropped pane to `gone`.
    pub fn expire_with(&mut self, upto: i128, mut gone: impl FnMut(&P)) {
        while self
            .panes
            .front()
            .is_some_and(|(t, _)| (*t as i128) <= upto)
        {
            if let Some((_, pane)) = self.panes.pop_front() {
                gone(&pane);
            }
        }
    }

    /// Every pane with its time, oldest first (for checkpoints).
    pub fn iter(&self) -> impl Iterator<Item = (u64, &P)> {
        self.panes.iter().map(|(t, p)| (*t, &**p))
    }

    /// Every pane, shared, with its time (a checkpoint's snapshot).
    pub fn shared(&self) -> impl Iterator<Item = (u64, Rc<P>)> + '_ {
        self.panes.iter().map(|(t, p)| (*t, p.clone()))
    }
}

impl<T: Clone + 'static> DStream<T> {
    /// Spark's `window(len, slide)`: every record in the window, oldest
    /// batch first.
    pub fn window(self, len: Duration, slide: Option<Duration>) -> Result<DStream<T>, WindowError> {
        let clock = WindowClock::new(&self, len, slide)?;
        let kept: Rc<RefCell<Panes<Vec<T>>>> = Rc::default();
        self.graph.keep(&kept);
        Ok(self.unary(clock.slide(), move |t, batch, _| {
            let (now, len) = (t as i128, clock.len as i128);
            let mut panes = kept.borrow_mut();
            panes.push(t, batch);
            panes.expire(now - len);
            clock
                .emits_at(t)
                .then(|| panes.range(now - len, now).flatten().cloned().collect())
        }))
    }
}

impl<K: Hash + Eq + Clone + 'static, V: Clone + 'static> DStream<(K, V)> {
    /// Spark's `groupByKeyAndWindow`: `window(len, slide).groupByKey()`.
    pub fn group_by_key_and_window(
        self,
        len: Duration,
        slide: Option<Duration>,
    ) -> Result<DStream<(K, Vec<V>)>, WindowError> {
        Ok(self.window(len, slide)?.group_by_key())
    }
}
