//! A window's state: partial results (panes) by parent time, oldest
//! first, expired from the back, with what they hold in memory; and how a
//! checkpoint saves them (a part per pane, shared, not copied) and reads
//! them back (a pane at a time, each checked as it comes).

use std::collections::VecDeque;
use std::rc::Rc;

use crate::checkpoint::{
    decode, raw_panes, text_part, Bounds, CheckpointError, Codec, Part, StateCodec,
};
use crate::dstream::footprint::Footprint;

/// Partial results by parent time, oldest first, with what they hold in
/// memory. A pane never changes once pushed (unless evicting shrinks it),
/// so panes are shared: a checkpoint's snapshot of them costs a reference
/// each, not a copy.
#[derive(Debug)]
pub struct Panes<P> {
    panes: VecDeque<(u64, Rc<P>)>,
    /// The panes' footprints summed (see [`Footprint`]).
    bytes: usize,
}

impl<P> Clone for Panes<P> {
    fn clone(&self) -> Panes<P> {
        Panes {
            panes: self.panes.clone(),
            bytes: self.bytes,
        }
    }
}

impl<P> Default for Panes<P> {
    fn default() -> Panes<P> {
        Panes {
            panes: VecDeque::new(),
            bytes: 0,
        }
    }
}

impl<P: Footprint> Panes<P> {
    pub fn push(&mut self, t: u64, pane: P) {
        self.bytes += pane.heap_bytes() + PANE_OVERHEAD;
        self.panes.push_back((t, Rc::new(pane)));
    }

    /// Memory the panes hold, roughly.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    pub fn len(&self) -> usize {
        self.panes.len()
    }

    /// Panes with time in `(from, to]`; `from` may be before time zero.
    /// Found by binary search: cost follows the panes returned, not the
    /// window's length.
    pub fn range(&self, from: i128, to: i128) -> impl Iterator<Item = &P> {
        self.range_timed(from, to).map(|(_, p)| p)
    }

    /// [`range`](Panes::range) with each pane's time.
    pub fn range_timed(&self, from: i128, to: i128) -> impl Iterator<Item = (u64, &P)> {
        let start = self.panes.partition_point(|(t, _)| (*t as i128) <= from);
        let end = self.panes.partition_point(|(t, _)| (*t as i128) <= to);
        self.panes
            .range(start..end.max(start))
            .map(|(t, p)| (*t, &**p))
    }

    /// Drops panes with time `<= upto`: no later window covers them.
    pub fn expire(&mut self, upto: i128) {
        self.expire_with(upto, |_, _| {});
    }

    /// [`expire`](Panes::expire), showing each dropped pane and its time
    /// to `gone`.
    pub fn expire_with(&mut self, upto: i128, mut gone: impl FnMut(u64, &P)) {
        while self
            .panes
            .front()
            .is_some_and(|(t, _)| (*t as i128) <= upto)
        {
            if let Some((t, pane)) = self.pop_oldest() {
                gone(t, &pane);
            }
        }
    }

    /// Takes the oldest pane out, before its time: how a window over its
    /// memory budget lets its oldest batches go early.
    pub fn pop_oldest(&mut self) -> Option<(u64, Rc<P>)> {
        let (t, pane) = self.panes.pop_front()?;
        self.bytes = self.bytes.saturating_sub(pane.heap_bytes() + PANE_OVERHEAD);
        Some((t, pane))
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

impl<P: Footprint + Clone> Panes<P> {
    /// Changes every pane up to time `upto` with `edit` (copying a pane a
    /// checkpoint still shares), keeping the memory count right: how
    /// evicted keys leave the panes that held them.
    pub fn edit_upto(&mut self, upto: u64, mut edit: impl FnMut(&mut P)) {
        let end = self.panes.partition_point(|(t, _)| *t <= upto);
        for (_, pane) in self.panes.range_mut(..end) {
            self.bytes = self.bytes.saturating_sub(pane.heap_bytes());
            let p = Rc::make_mut(pane);
            edit(p);
            self.bytes += p.heap_bytes();
        }
    }

    /// The newest pane, to edit in place (copied if a checkpoint shares it).
    pub fn edit_newest(&mut self, edit: impl FnOnce(&mut P)) {
        if let Some((_, pane)) = self.panes.back_mut() {
            self.bytes = self.bytes.saturating_sub(pane.heap_bytes());
            let p = Rc::make_mut(pane);
            edit(p);
            self.bytes += p.heap_bytes();
        }
    }
}

impl<P: Footprint> Footprint for Panes<P> {
    fn heap_bytes(&self) -> usize {
        self.bytes
    }
}

/// What one pane costs besides its contents: its slot, its shared box and
/// an empty container's header.
pub(crate) const PANE_OVERHEAD: usize = 96;

/// `[[t, pane], ...]`: one part per pane, shared, so taking a checkpoint
/// of a long window costs a reference per pane.
impl<P: Codec + Footprint + 'static> StateCodec for Panes<P> {
    fn save(&self, parts: &mut Vec<Part>) {
        parts.push(text_part("["));
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
        parts.push(text_part("]"));
    }

    /// Times checked before any pane is read, then each pane decoded on
    /// its own and the budget checked as they add up.
    fn restore(text: &str, b: &Bounds) -> Result<Panes<P>, CheckpointError> {
        let raw = raw_panes(text, b.most_panes())?;
        b.check_times(raw.iter().map(|(t, _)| *t))?;
        let mut panes = Panes::default();
        for (t, pane) in raw {
            panes.push(t, decode::<P>(pane.get(), b.max_items)?);
            b.check_budget(panes.bytes())?;
        }
        Ok(panes)
    }
}
