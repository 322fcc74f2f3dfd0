//! Sparklet's engine: Spark Streaming's micro-batch model as a library.
//! Batches go in with their times, reports come out; nothing here knows
//! about browsers, sockets or wall clocks, so the same operators run
//! natively, in wasm, and in `sparklet replay`.

pub mod checkpoint;
mod clock;
pub mod control;
pub mod dstream;
mod duration;
pub mod event_time;
pub mod expr;
pub mod frame;
pub mod hello;
pub mod http_body;
pub mod latency;
mod malformed;
pub mod notice;
pub mod pending;
pub mod pipeline;
pub mod rate;
mod records;
pub mod replay;
mod runner;
mod value;

pub use checkpoint::CheckpointError;
pub use clock::Clock;
pub use duration::{Duration, DurationError};

/// The largest whole number a JavaScript number holds exactly (2^53 - 1):
/// the most a feed offset or a count that the page keeps may be.
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;
pub use malformed::{Malformed, MalformedSample};
pub use pending::{PendingBuffer, ReceiverCounters};
pub use pipeline::{EventFigures, Pipeline, PipelineError, DEFAULT_PIPELINE, LATENESS_BOUNDS_MS};
pub use records::Records;
pub use runner::{BatchInfo, BatchReport, PipelineRunner};
pub use value::{Str, Value};

// The unit tests run in headless Chrome too (`wasm-pack test`), so native
// and wasm builds of every operator are checked against the same cases.
#[cfg(all(test, target_arch = "wasm32"))]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

// The README's Rust example is compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
