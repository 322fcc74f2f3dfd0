//! Per-record and per-batch transformations: `map`, `flat_map`, `filter`,
//! their `try_` forms (a record the function refuses is counted as
//! malformed, with the reason, and the batch goes on), `transform` (the
//! escape hatch: any function of the whole batch) and `union`.

use crate::dstream::{Cx, DStream};

impl<T: 'static> DStream<T> {
    pub fn map<U: 'static>(self, mut f: impl FnMut(T) -> U + 'static) -> DStream<U> {
        let slide = self.slide;
        self.unary("map", slide, move |_, batch, _| {
            Some(batch.into_iter().map(&mut f).collect())
        })
    }

    pub fn flat_map<U: 'static, I: IntoIterator<Item = U>>(
        self,
        mut f: impl FnMut(T) -> I + 'static,
    ) -> DStream<U> {
        let slide = self.slide;
        self.unary("flat_map", slide, move |_, batch, _| {
            Some(batch.into_iter().flat_map(&mut f).collect())
        })
    }

    pub fn filter(self, mut keep: impl FnMut(&T) -> bool + 'static) -> DStream<T> {
        let slide = self.slide;
        self.unary("filter", slide, move |_, mut batch, _| {
            batch.retain(|x| keep(x));
            Some(batch)
        })
    }

    /// `map` for functions that may refuse a record: `Err((shown, reason))`
    /// counts it as malformed, shown as `shown`.
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

    /// `flat_map` for functions that may refuse a record.
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

    /// Spark's `transform`: any function of the batch and its time.
    pub fn transform<U: 'static>(
        self,
        mut f: impl FnMut(u64, Vec<T>) -> Vec<U> + 'static,
    ) -> DStream<U> {
        let slide = self.slide;
        self.unary("transform", slide, move |t, batch, _| Some(f(t, batch)))
    }

    /// Spark's `union`: this stream's batch, then `other`'s, at each time.
    /// Both must emit at the same times.
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
