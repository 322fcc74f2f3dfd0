//! Windows with Spark's semantics: a windowed stream emits at multiples of
//! its slide, and the window at time `t` covers the parent's outputs with
//! times in `(t - len, t]`. State is kept as panes: one partial result per
//! parent output, combined per slide and expired from the back.

pub mod keyed;
pub mod plain;

use std::collections::VecDeque;

/// A window's length and slide in milliseconds, already validated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WindowClock {
    pub len: u64,
    pub slide: u64,
}

impl WindowClock {
    pub fn emits_at(&self, t: u64) -> bool {
        t.is_multiple_of(self.slide)
    }
}

/// Partial results by parent time, oldest first.
#[derive(Debug)]
pub struct Panes<P> {
    panes: VecDeque<(u64, P)>,
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
        self.panes.push_back((t, pane));
    }

    /// Panes with time in `(from, to]` (`from` may be before time zero).
    pub fn range(&self, from: i128, to: i128) -> impl Iterator<Item = &P> {
        self.panes
            .iter()
            .filter(move |(t, _)| (*t as i128) > from && (*t as i128) <= to)
            .map(|(_, p)| p)
    }

    /// Drops panes with time `<= upto`: no window ending later covers them.
    pub fn expire(&mut self, upto: i128) {
        while self
            .panes
            .front()
            .is_some_and(|(t, _)| (*t as i128) <= upto)
        {
            self.panes.pop_front();
        }
    }

    pub fn len(&self) -> usize {
        self.panes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.panes.is_empty()
    }
}
