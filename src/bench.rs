//! `window.sparklet.runFrames(frames, options)`: a pipeline run over frames
//! the page already holds, timed in the page. Each frame takes the live
//! path (into wasm by the receiver's `TextFrames`, the pending buffer, a
//! batch cut every `frames_per_batch` frames), so `sparklet
//! bench` can time the wasm engine against plain JavaScript and against the
//! native engine on the very same frames, with no network in the way.

use js_sys::JsString;
use serde::{Deserialize, Serialize};
use sparklet_engine::replay::{FrameReplay, FramesRun};
use sparklet_engine::{Clock, Duration, PipelineRunner};
use wasm_bindgen::{JsCast, JsValue};

use crate::clock::PerformanceClock;
use crate::receiver::TextFrames;

#[derive(Deserialize)]
struct Options {
    pipeline: String,
    batch_ms: u64,
    frames_per_batch: usize,
}

#[derive(Serialize)]
struct Timed {
    elapsed_ms: f64,
    #[serde(flatten)]
    run: FramesRun,
}

/// Runs `options.pipeline` over `frames` (an array of strings).
pub fn run_frames(frames: &js_sys::Array, options: JsValue) -> Result<JsValue, JsValue> {
    let opts: Options = serde_wasm_bindgen::from_value(options)?;
    let clock = PerformanceClock::new().ok_or("this page has no performance clock")?;
    let mut runner = PipelineRunner::new(&opts.pipeline, Duration::from_millis(opts.batch_ms))
        .map_err(|e| e.to_string())?;
    let mut texts = TextFrames::new();
    let start = clock.now_ms();
    let mut replay = FrameReplay::new(&mut runner, opts.frames_per_batch);
    // Each frame crosses into wasm here, inside the timing, the way the
    // receiver takes a received frame.
    for frame in frames.iter() {
        let text = frame
            .dyn_into::<JsString>()
            .map_err(|_| "frames must be strings")?;
        replay.push(texts.read(&text), &clock);
    }
    let run = replay.finish(&clock);
    let timed = Timed {
        elapsed_ms: clock.now_ms() - start,
        run,
    };
    Ok(timed.serialize(&serde_wasm_bindgen::Serializer::json_compatible())?)
}
