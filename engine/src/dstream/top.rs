//! `top`: the N largest records by a comparison, largest first: what the
//! dashboard's bar chart shows. Selection is O(batch), not a full sort.

use std::cmp::Ordering;

use crate::dstream::DStream;

impl<T: 'static> DStream<T> {
    /// The `n` greatest records of each batch by `cmp`, greatest first (no
    /// Spark DStream method; Spark's `RDD.top(n)` inside `transform`).
    /// Ties are in no particular order.
    ///
    /// # Examples
    ///
    /// ```
    /// # use sparklet_engine::dstream::StreamingContext;
    /// # use sparklet_engine::Duration;
    /// let mut ssc = StreamingContext::new(Duration::from_secs(1));
    /// let (input, counts) = ssc.queue_stream();
    /// let top = counts.top_by(2, |a: &(&str, i64), b| a.1.cmp(&b.1));
    /// let out = ssc.collect(top);
    /// input.push(vec![("a", 3), ("b", 9), ("c", 1), ("d", 5)]);
    /// input.push(vec![("e", 4)]);
    /// ssc.run_batches(2);
    /// assert_eq!(
    ///     out.take(),
    ///     vec![(1000, vec![("b", 9), ("d", 5)]), (2000, vec![("e", 4)])]
    /// );
    /// ```
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
