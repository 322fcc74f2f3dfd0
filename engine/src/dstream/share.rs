//! One stream read by two: `tee` (both see every record; it is computed
//! once per time, as Spark computes a DStream's RDD once for all its
//! children) and `unzip` (each sees one half of every pair, nothing cloned).

use std::cell::RefCell;
use std::rc::Rc;

use crate::dstream::{Cx, DStream};

/// A batch computed by one reader and parked for the other, with its time.
type Parked<T> = Option<(u64, Option<Vec<T>>)>;

type Teed<T> = Rc<RefCell<(DStream<T>, Parked<T>)>>;

type Unzipped<A, B> = Rc<RefCell<(DStream<(A, B)>, Parked<A>, Parked<B>)>>;

impl<T: Clone + 'static> DStream<T> {
    /// Two streams reading this one, which is computed once per time (as
    /// Spark computes a DStream's RDD once for all its children, where in
    /// Spark one simply uses the DStream twice). Each reader gets a clone.
    ///
    /// # Examples
    ///
    /// ```
    /// # use sparklet_engine::dstream::StreamingContext;
    /// # use sparklet_engine::Duration;
    /// let mut ssc = StreamingContext::new(Duration::from_secs(1));
    /// let (input, numbers) = ssc.queue_stream();
    /// let calls = std::rc::Rc::new(std::cell::Cell::new(0));
    /// let seen = calls.clone();
    /// let doubled = numbers.map(move |n: i64| { seen.set(seen.get() + 1); n * 2 });
    /// let (a, b) = doubled.tee();
    /// let sums = ssc.collect(a.reduce(|x, y| x + y));
    /// let maxes = ssc.collect(b.reduce(|x: i64, y| x.max(y)));
    /// input.push(vec![1, 2, 3]);
    /// ssc.run_batch();
    /// assert_eq!((sums.take(), maxes.take()), (vec![(1000, vec![12])], vec![(1000, vec![6])]));
    /// assert_eq!(calls.get(), 3); // the map ran once per record, not twice
    /// ```
    pub fn tee(self) -> (DStream<T>, DStream<T>) {
        let (slide, graph) = (self.slide, self.graph.clone());
        let shared: Teed<T> = Rc::new(RefCell::new((self, None)));
        let reader = |shared: Teed<T>| {
            DStream::from_fn(slide, graph.clone(), move |t, cx| {
                let mut guard = shared.borrow_mut();
                let (stream, cached) = &mut *guard;
                match cached.take() {
                    // The other reader computed time `t` already.
                    Some((at, out)) if at == t => out,
                    _ => {
                        let out = stream.compute(t, cx);
                        *cached = Some((t, out.clone()));
                        out
                    }
                }
            })
        };
        (reader(shared.clone()), reader(shared))
    }
}

impl<A: 'static, B: 'static> DStream<(A, B)> {
    /// Two streams, of the left and of the right halves of every pair,
    /// computed once per time; nothing is cloned (Spark would `map(_._1)`
    /// and `map(_._2)` the same DStream).
    ///
    /// # Examples
    ///
    /// ```
    /// # use sparklet_engine::dstream::StreamingContext;
    /// # use sparklet_engine::Duration;
    /// let mut ssc = StreamingContext::new(Duration::from_secs(1));
    /// let (input, pairs) = ssc.queue_stream();
    /// let (keys, values) = pairs.unzip();
    /// let (keys, values) = (ssc.collect(keys), ssc.collect(values));
    /// input.push(vec![("a", 1), ("b", 2)]);
    /// ssc.run_batch();
    /// assert_eq!(keys.take(), vec![(1000, vec!["a", "b"])]);
    /// assert_eq!(values.take(), vec![(1000, vec![1, 2])]);
    /// ```
    pub fn unzip(self) -> (DStream<A>, DStream<B>) {
        let (slide, graph) = (self.slide, self.graph.clone());
        let shared: Unzipped<A, B> = Rc::new(RefCell::new((self, None, None)));
        let left = {
            let shared = shared.clone();
            DStream::from_fn(slide, graph.clone(), move |t, cx| {
                let (stream, parked_a, parked_b) = &mut *shared.borrow_mut();
                match parked_a.take() {
                    Some((at, a)) if at == t => a,
                    _ => {
                        let (a, b) = halves(stream, t, cx);
                        *parked_b = Some((t, b));
                        a
                    }
                }
            })
        };
        let right = DStream::from_fn(slide, graph.clone(), move |t, cx| {
            let (stream, parked_a, parked_b) = &mut *shared.borrow_mut();
            match parked_b.take() {
                Some((at, b)) if at == t => b,
                _ => {
                    let (a, b) = halves(stream, t, cx);
                    *parked_a = Some((t, a));
                    b
                }
            }
        });
        (left, right)
    }
}

/// Computes `stream` at `t` and splits its pairs.
fn halves<A: 'static, B: 'static>(
    stream: &mut DStream<(A, B)>,
    t: u64,
    cx: &mut Cx,
) -> (Option<Vec<A>>, Option<Vec<B>>) {
    match stream.compute(t, cx) {
        Some(pairs) => {
            let (a, b) = pairs.into_iter().unzip();
            (Some(a), Some(b))
        }
        None => (None, None),
    }
}
