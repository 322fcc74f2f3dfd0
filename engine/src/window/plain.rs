//! `window LEN [SLIDE]`: every record of the window, oldest batch first, as
//! Spark's WindowedDStream (a union of the window's batches).

use crate::ops::{Cx, Operator};
use crate::value::Value;
use crate::window::{Panes, WindowClock};

pub struct Window {
    clock: WindowClock,
    panes: Panes<Vec<Value>>,
}

impl Window {
    pub fn new(clock: WindowClock) -> Window {
        Window {
            clock,
            panes: Panes::default(),
        }
    }
}

impl Operator for Window {
    fn compute(&mut self, t: u64, input: Vec<Value>, _: &mut Cx) -> Option<Vec<Value>> {
        let (t, len) = (t as i128, self.clock.len as i128);
        self.panes.push(t as u64, input);
        self.panes.expire(t - len);
        if !self.clock.emits_at(t as u64) {
            return None;
        }
        Some(self.panes.range(t - len, t).flatten().cloned().collect())
    }
}
