//! Per-record and per-batch transformations: `map`, `flat_map`, `filter`,
//! their `try_` forms (a record the function refuses is counted as
//! malformed, with the reason, and the batch goes on), `transform` (the
//! escape hatch: any function of the whole batch) and `union`.

use crate::dstream::{Cx, DStream};

impl<T: 'static> DStream<T> {
    /// Spark's `map`: `f` applied to every record of every batch.
    ///
    /// # Examples
    ///
    /// ```
    /// # use sparklet_engine::dstream::StreamingContext;
    /// # use sparklet_engine::Duration;
    /// let mut ssc = StreamingContext::new(Duration::from_secs(1));
    /// let (input, numbers) = ssc.queue_stream();
    /// let out = ssc.collect(numbers.map(|n: i64| n * 10));
    /// input.push(vec![1, 2]);
    /// input.push(vec![3]);
    /// ssc.run_batches(2);
    /// assert_eq!(out.take(), vec![(1000, vec![10, 20]), (2000, vec![30])]);
    /// ```
    pub fn map<U: 'static>(self, mut f: impl FnMut(T) -> U + 'static) -> DStream<U> {
        let slide = self.slide;
        self.unary("map", slide, move |_, batch, _| {
            Some(batch.into_iter().map(&mut f).collect())
        })
    }

    /// Spark's `flatMap`: every item `f` returns for every record, in
    /// order; a record may give none.
    ///
    /// # Examples
    ///
    /// ```
    /// # use sparklet_engine::dstream::StreamingContext;
    /// # use sparklet_engine::Duration;
    /// let mut ssc = StreamingContext::new(Duration::from_secs(1));
    /// let (input, lines) = ssc.queue_stream();
    /// let words = lines.flat_map(|line: &'static str| line.split_whitespace());
    /// let out = ssc.collect(words);
    /// input.push(vec!["to be", "", "or not"]);
    /// ssc.run_batch();
    /// assert_eq!(out.take(), vec![(1000, vec!["to", "be", "or", "not"])]);
    /// ```
    pub fn flat_map<U: 'static, I: IntoIterator<Item = U>>(
        self,
        mut f: impl FnMut(T) -> I + 'static,
    ) -> DStream<U> {
        let slide = self.slide;
        self.unary("flat_map", slide, move |_, batch, _| {
            Some(batch.into_iter().flat_map(&mut f).collect())
        })
    }

    /// Spark's `filter`: the records for which `keep` is true, in order.
    ///
    /// # Examples
    ///
    /// ```
    /// # use sparklet_engine::dstream::StreamingContext;
    /// # use sparklet_engine::Duration;
    /// let mut ssc = StreamingContext::new(Duration::from_secs(1));
    /// let (input, numbers) = ssc.queue_stream();
    /// let out = ssc.collect(numbers.filter(|n: &i64| n % 2 == 0));
    /// input.push(vec![1, 2, 3, 4]);
    /// input.push(vec![5]);
    /// ssc.run_batches(2);
    /// assert_eq!(out.take(), vec![(1000, vec![2, 4]), (2000, vec![])]);
    /// ```
    pub fn filter(self, mut keep: impl FnMut(&T) -> bool + 'static) -> DStream<T> {
        let slide = self.slide;
        self.unary("filter", slide, move |_, mut batch, _| {
            batch.retain(|x| keep(x));
            Some(batch)
        })
    }

    /// `map` for functions that may refuse a record: `Err((shown, reason))`
    /// counts it as malformed, shown as `shown`, and the batch goes on
    /// without it (where a Spark job would fail on the exception).
    ///
    /// # Examples
    ///
    /// ```
    /// # use sparklet_engine::dstream::StreamingContext;
    /// # use sparklet_engine::Duration;
    /// let mut ssc = StreamingContext::new(Duration::from_secs(1));
    /// let (input, lines) = ssc.queue_stream();
    /// let numbers = lines.try_map(|s: &'static str| {
    ///     s.parse::<i64>().map_err(|e| (s.to_string(), e.to_string()))
    /// });
    /// let out = ssc.collect(numbers);
    /// input.push(vec!["1", "two", "3"]);
    /// ssc.run_batch();
    /// assert_eq!(out.take(), vec![(1000, vec![1, 3])]);
    /// assert_eq!(ssc.malformed().count(), 1);
    /// let sample = ssc.malformed().samples().next().unwrap();
    /// assert_eq!(sample.record, "two");
    /// ```
    pub fn try_map<U: 'static>(
        self,
        mut f: impl FnMut(T) -> Result<U, (String, String)> + 'static,
    ) -> DStream<U> {
        let slide = self.slide;
        self.unary("try_map", slide, move |_, batch, cx: &mut Cx| {
            // `filter_map` + `collect` reuses the batch's buffer when `U`
            // fits in `T`'s place: no second allocation on the hot path.
            let out = batch.into_iter().filter_map(|x| match f(x) {
                Ok(y) => Some(y),
                Err((shown, reason)) => {
                    cx.malformed.record(&shown, || reason);
                    None
                }
            });
            Some(out.collect())
        })
    }

    /// `flat_map` for functions that may refuse a record: `Err((shown,
    /// reason))` counts it as malformed and the batch goes on.
    ///
    /// # Examples
    ///
    /// ```
    /// # use sparklet_engine::dstream::StreamingContext;
    /// # use sparklet_engine::Duration;
    /// let mut ssc = StreamingContext::new(Duration::from_secs(1));
    /// let (input, lines) = ssc.queue_stream();
    /// let numbers = lines.try_flat_map(|line: &'static str| {
    ///     let parsed: Result<Vec<i64>, _> = line.split(',').map(str::parse).collect();
    ///     parsed.map_err(|e| (line.to_string(), e.to_string()))
    /// });
    /// let out = ssc.collect(numbers);
    /// input.push(vec!["1,2", "3,x", "4"]);
    /// ssc.run_batch();
    /// assert_eq!(out.take(), vec![(1000, vec![1, 2, 4])]);
    /// assert_eq!(ssc.malformed().count(), 1);
    /// ```
    pub fn try_flat_map<U: 'static, I: IntoIterator<Item = U>>(
        self,
        mut f: impl FnMut(T) -> Result<I, (String, String)> + 'static,
    ) -> DStream<U> {
        let slide = self.slide;
        self.unary("try_flat_map", slide, move |_, batch, cx: &mut Cx| {
            let mut out = Vec::with_capacity(batch.len());
            for x in batch {
                match f(x) {
                    Ok(items) => out.extend(items),
                    Err((shown, reason)) => cx.malformed.record(&shown, || reason),
                }
            }
            Some(out)
        })
    }

    /// Spark's `transform`: any function of the batch and its time (ms
    /// since the start), for what no operator does.
    ///
    /// # Examples
    ///
    /// ```
    /// # use sparklet_engine::dstream::StreamingContext;
    /// # use sparklet_engine::Duration;
    /// let mut ssc = StreamingContext::new(Duration::from_secs(1));
    /// let (input, numbers) = ssc.queue_stream();
    /// let sorted = numbers.transform(|t, mut batch: Vec<u64>| {
    ///     batch.sort();
    ///     batch.push(t);
    ///     batch
    /// });
    /// let out = ssc.collect(sorted);
    /// input.push(vec![3, 1, 2]);
    /// ssc.run_batch();
    /// assert_eq!(out.take(), vec![(1000, vec![1, 2, 3, 1000])]);
    /// ```
    pub fn transform<U: 'static>(
        self,
        mut f: impl FnMut(u64, Vec<T>) -> Vec<U> + 'static,
    ) -> DStream<U> {
        let slide = self.slide;
        self.unary("transform", slide, move |t, batch, _| Some(f(t, batch)))
    }

    /// Spark's `union`: this stream's batch, then `other`'s, at each time.
    /// Both must emit at the same times: streams of different slides are
    /// refused with [`WindowError::UnionSlides`](crate::dstream::WindowError::UnionSlides).
    ///
    /// # Examples
    ///
    /// ```
    /// # use sparklet_engine::dstream::StreamingContext;
    /// # use sparklet_engine::Duration;
    /// let mut ssc = StreamingContext::new(Duration::from_secs(1));
    /// let (left_in, left) = ssc.queue_stream();
    /// let (right_in, right) = ssc.queue_stream();
    /// let out = ssc.collect(left.union(right).unwrap());
    /// left_in.push(vec!["a"]);
    /// right_in.push(vec!["b", "c"]);
    /// ssc.run_batch();
    /// assert_eq!(out.take(), vec![(1000, vec!["a", "b", "c"])]);
    ///
    /// // A window that slides every 2 s cannot join a 1 s stream.
    /// let (_, a) = ssc.queue_stream::<i64>();
    /// let (_, b) = ssc.queue_stream::<i64>();
    /// let every_2s = b.window(Duration::from_secs(2), Some(Duration::from_secs(2))).unwrap();
    /// assert!(a.union(every_2s).is_err());
    /// ```
    pub fn union(
        mut self,
        mut other: DStream<T>,
    ) -> Result<DStream<T>, crate::dstream::WindowError> {
        if self.slide != other.slide {
            return Err(crate::dstream::WindowError::UnionSlides {
                left: self.slide,
                right: other.slide,
            });
        }
        let (slide, graph) = (self.slide, self.graph.clone());
        Ok(DStream::from_fn(slide, graph, move |t, cx| {
            let left = self.compute(t, cx);
            let right = other.compute(t, cx);
            match (left, right) {
                (Some(mut a), Some(b)) => {
                    a.extend(b);
                    Some(a)
                }
                (a, b) => a.or(b),
            }
        }))
    }
}
