//! Shared by the engine's integration tests, natively and in Chrome: seeded
//! random batches and a replay helper.

#![allow(dead_code)]

use sparklet_engine::replay::{replay, Emitted};
use sparklet_engine::{Duration, Value};

/// Every stateful stage of the language, on pairs `(word, n)` such as
/// [`pair_batches`] makes, each fed what it can use.
pub const STATEFUL: &[&str] = &[
    "map .0 | window 3s",
    "map .1 | reduce_by_window max 4s 2s",
    "group_by_key_and_window 3s",
    "reduce_by_key_and_window sum 3s",
    "reduce_by_key_and_window sum 4s 2s inverse",
    "reduce_by_key_and_window mean 3s inverse",
    "map .0 | count_by_value_and_window 3s",
    "map .0 | count_by_window 2s",
    "update_state_by_key sum",
    "map (.0, len(.0)) | update_state_by_key max",
];

/// A small deterministic generator (SplitMix64): tests need reproducible
/// randomness in wasm too, where no OS entropy is wanted.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}

/// `n` batches of up to `max_len` words from a vocabulary of `vocab`
/// (word `w0`..), skewed so that some words repeat a lot; some batches empty.
pub fn word_batches(seed: u64, n: usize, max_len: u64, vocab: u64) -> Vec<Vec<Value>> {
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|_| {
            let len = if rng.below(5) == 0 {
                0
            } else {
                rng.below(max_len + 1)
            };
            (0..len)
                .map(|_| {
                    let w = rng.below(vocab).min(rng.below(vocab));
                    Value::str(&format!("w{w}"))
                })
                .collect()
        })
        .collect()
}

/// Pairs `(word, n)` with small integer values, some negative.
pub fn pair_batches(seed: u64, n: usize, max_len: u64, vocab: u64) -> Vec<Vec<Value>> {
    let mut rng = Rng::new(seed ^ 0xA5A5);
    word_batches(seed, n, max_len, vocab)
        .into_iter()
        .map(|b| {
            b.into_iter()
                .map(|w| Value::pair(w, Value::Int(rng.below(7) as i64 - 2)))
                .collect()
        })
        .collect()
}

pub fn ms(ms: u64) -> Duration {
    Duration::from_millis(ms)
}

/// Runs `pipeline` over `batches` (batch interval `batch_ms`) and returns
/// what it emitted; panics with the pipeline error if it does not build.
pub fn run(pipeline: &str, batch_ms: u64, batches: Vec<Vec<Value>>) -> Vec<Emitted> {
    replay(pipeline, ms(batch_ms), batches, None)
        .unwrap_or_else(|e| panic!("{e}"))
        .0
}

/// Builds batches from JSON text, e.g. `[["a","b"],[],["a"]]`.
pub fn batches(json: &str) -> Vec<Vec<Value>> {
    let v: Vec<Vec<serde_json::Value>> = serde_json::from_str(json).expect("test JSON");
    v.into_iter()
        .map(|b| b.into_iter().map(Value::from_json).collect())
        .collect()
}

/// The emitted outputs as `(time_ms, json)` for compact assertions.
pub fn shown(out: &[Emitted]) -> Vec<(u64, String)> {
    out.iter()
        .map(|e| {
            (
                e.time_ms,
                serde_json::to_string(&e.output).expect("values serialise"),
            )
        })
        .collect()
}
