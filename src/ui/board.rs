//! What every view reads: the listener, behind a tick that changes at most
//! once per animation frame. The engine writes the listener once per batch
//! and calls [`Board::notify`]; nothing reactive sits on the data path, and
//! a burst of batches costs one redraw.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use leptos::prelude::*;

use crate::listener::Listener;

#[derive(Clone, Copy)]
pub struct Board {
    listener: StoredValue<Rc<RefCell<Listener>>, LocalStorage>,
    frame_requested: StoredValue<Rc<Cell<bool>>, LocalStorage>,
    tick: RwSignal<u64>,
    /// The batch whose detail is open, by number.
    pub selected: RwSignal<Option<u64>>,
    /// A paused view keeps its picture while the stream runs on.
    pub paused: RwSignal<bool>,
}

impl Board {
    pub fn new(listener: Rc<RefCell<Listener>>) -> Board {
        Board {
            listener: StoredValue::new_local(listener),
            frame_requested: StoredValue::new_local(Rc::new(Cell::new(false))),
            tick: RwSignal::new(0),
            selected: RwSignal::new(None),
            paused: RwSignal::new(false),
        }
    }

    pub fn listener(&self) -> Rc<RefCell<Listener>> {
        self.listener.with_value(Rc::clone)
    }

    /// Reads the listener, and redraws the caller when it changes.
    pub fn read<R>(&self, f: impl FnOnce(&Listener) -> R) -> R {
        self.tick.track();
        self.listener.with_value(|l| f(&l.borrow()))
    }

    /// The listener has news: redraw on the next animation frame, once
    /// however many batches land before it. Nothing while paused.
    pub fn notify(&self) {
        if self.paused.get_untracked() {
            return;
        }
        let requested = self.frame_requested.with_value(Rc::clone);
        if requested.replace(true) {
            return;
        }
        let tick = self.tick;
        request_animation_frame(move || {
            requested.set(false);
            tick.update(|t| *t += 1);
        });
    }

    /// Redraws now (after resume, or in tests).
    pub fn refresh(&self) {
        self.tick.update(|t| *t += 1);
    }
}
