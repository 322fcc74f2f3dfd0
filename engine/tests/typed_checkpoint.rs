//! Checkpoints of the typed API: a program's streams, saved after some
//! batches and restored into the same streams built afresh, go on exactly
//! as a run that was never interrupted, for the engine's own types and
//! for a state type of the program's that serializes with serde.

mod common;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use sparklet_engine::dstream::{Collected, Footprint, Queue, StreamingContext};
use sparklet_engine::Duration;

/// A program's own state: per word length, the words seen and the last.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
struct Seen {
    words: u64,
    last: String,
}

impl Footprint for Seen {
    fn heap_bytes(&self) -> usize {
        self.last.heap_bytes()
    }
}

sparklet_engine::serde_codec!(Seen);

type Out<T> = Collected<T>;

/// The program: words counted over a window, running totals, a window of
/// the words themselves, and the program's own state per word length.
struct Program {
    ssc: StreamingContext,
    input: Queue<String>,
    counts: Out<(String, i64)>,
    totals: Out<(String, i64)>,
    recent: Out<String>,
    lengths: Out<(usize, Seen)>,
}

fn build() -> Program {
    let secs = Duration::from_secs;
    let mut ssc = StreamingContext::new(secs(1));
    let (input, lines) = ssc.queue_stream::<String>();
    let words = lines.flat_map(|l| l.split_whitespace().map(str::to_string).collect::<Vec<_>>());
    let (a, rest) = words.tee();
    let (b, rest) = rest.tee();
    let (c, d) = rest.tee();
    let counts = a.count_by_value_and_window(secs(3), None).unwrap();
    let totals = b
        .map(|w| (w, 1i64))
        .update_state_by_key(|new: Vec<i64>, old: Option<i64>| {
            Some(old.unwrap_or(0) + new.iter().sum::<i64>())
        });
    let recent = c.window(secs(2), None).unwrap();
    let lengths =
        d.map(|w| (w.len(), w))
            .update_state_by_key(|new: Vec<String>, old: Option<Seen>| {
                let mut seen = old.unwrap_or(Seen {
                    words: 0,
                    last: String::new(),
                });
                seen.words += new.len() as u64;
                if let Some(last) = new.last() {
                    seen.last = last.clone();
                }
                Some(seen)
            });
    Program {
        counts: ssc.collect(counts),
        totals: ssc.collect(totals),
        recent: ssc.collect(recent),
        lengths: ssc.collect(lengths),
        ssc,
        input,
    }
}

/// Each output's emissions, each batch sorted (keyed output comes in hash
/// order, which a restored map need not share).
fn emitted(p: &Program) -> Vec<String> {
    fn each<T: std::fmt::Debug>(out: &Out<T>) -> Vec<String> {
        out.take()
            .into_iter()
            .map(|(t, batch)| {
                let mut items: Vec<String> = batch.iter().map(|x| format!("{x:?}")).collect();
                items.sort();
                format!("{t}: {items:?}")
            })
            .collect()
    }
    [
        each(&p.counts),
        each(&p.totals),
        each(&p.recent),
        each(&p.lengths),
    ]
    .concat()
}

fn lines(batches: usize) -> Vec<Vec<String>> {
    let words = ["spark", "stream", "batch", "window", "state", "rdd", "dag"];
    let mut rng = common::Rng::new(11);
    (0..batches)
        .map(|_| {
            (0..rng.next_u64() % 6)
                .map(|_| {
                    let n = 1 + rng.next_u64() % 4;
                    (0..n)
                        .map(|_| words[(rng.next_u64() % words.len() as u64) as usize])
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .collect()
        })
        .collect()
}

#[test]
fn a_restored_typed_program_continues_as_an_uninterrupted_run() {
    let input = lines(20);
    let mut uninterrupted = build();
    let mut first = build();
    for batch in &input[..9] {
        uninterrupted.input.push(batch.clone());
        first.input.push(batch.clone());
    }
    uninterrupted.ssc.run_batches(9);
    first.ssc.run_batches(9);
    let saved = first.ssc.checkpoint();
    drop(first);
    emitted(&uninterrupted);

    let mut restored = build();
    restored.ssc.restore(&saved).unwrap();
    assert_eq!(restored.ssc.batches_run(), 9);
    for batch in &input[9..] {
        uninterrupted.input.push(batch.clone());
        restored.input.push(batch.clone());
    }
    uninterrupted.ssc.run_batches(11);
    restored.ssc.run_batches(11);
    let expected = emitted(&uninterrupted);
    assert_eq!(expected.len(), 4 * 11, "every output emits every batch");
    assert_eq!(emitted(&restored), expected);
}

#[test]
fn a_typed_checkpoint_is_checked_as_a_pipeline_is() {
    let mut p = build();
    p.input.push(vec!["spark spark".into()]);
    p.ssc.run_batch();
    let saved = p.ssc.checkpoint();
    // Another batch interval, or a pipeline's checkpoint, is refused.
    let mut slower = StreamingContext::new(Duration::from_secs(2));
    let e = slower.restore(&saved).unwrap_err().to_string();
    assert!(e.contains("another pipeline or batch interval"), "{e}");
    let pipeline = sparklet_engine::Pipeline::new(
        "map .0 | count_by_value_and_window 3s",
        Duration::from_secs(1),
    )
    .unwrap();
    let mut fresh = build();
    let e = fresh
        .ssc
        .restore(&pipeline.checkpoint())
        .unwrap_err()
        .to_string();
    assert!(e.contains("another pipeline"), "{e}");
    // Streams built differently: states that do not match are refused,
    // and nothing changes.
    let mut other = StreamingContext::new(Duration::from_secs(1));
    let (_, words) = other.queue_stream::<String>();
    let _ = other.collect(words.window(Duration::from_secs(2), None).unwrap());
    let e = other.restore(&saved).unwrap_err().to_string();
    assert!(e.contains("4 states saved, the pipeline has 1"), "{e}");
    let mut damaged = build();
    let text = saved.replace("\"spark\"", "7");
    assert!(damaged.ssc.restore(&text).is_err());
    assert_eq!(damaged.ssc.batches_run(), 0);
}
