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
    /// Spark computes a DStream's RDD once for all its children).
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
    /// computed once per time; nothing is cloned.
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
