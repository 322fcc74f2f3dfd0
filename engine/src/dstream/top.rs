//! `top`: the N largest records by a comparison, largest first: what the
//! dashboard's bar chart shows. Selection is O(batch), not a full sort.

use std::cmp::Ordering;

use crate::dstream::DStream;

impl<T: 'static> DStream<T> {
    /// The `n` greatest records by `cmp`, greatest first.
    pub fn top_by(self, n: usize, mut cmp: impl FnMut(&T, &T) -> Ordering + 'static) -> DStream<T> {
        let slide = self.slide;
        self.unary("top", slide, move |_, mut batch, _| {
            let mut rank = |a: &T, b: &T| cmp(b, a);
            if batch.len() > n {
                batch.select_nth_unstable_by(n, &mut rank);
                batch.truncate(n);
            }
            batch.sort_unstable_by(rank);
            Some(batch)
        })
    }
}
