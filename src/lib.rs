//! Sparklet's dashboard: the Spark Streaming UI on the page's main thread,
//! and the stream it watches (the receiver, the batch scheduler, the
//! engine crate) in a Web Worker, one wasm for both.

pub mod api;
pub mod bench;
pub mod bus;
pub mod checkpoint;
pub mod clock;
pub mod connection;
pub mod export;
pub mod global;
pub mod listener;
pub mod page_config;
pub mod panic;
pub mod ranking;
pub mod receiver;
pub mod resume;
pub mod runtime;
pub mod scheduler;
pub mod settings;
pub mod sink;
pub mod spark;
pub mod spark_query;
pub mod storage;
pub mod stream;
pub mod ui;
pub mod worker;

use wasm_bindgen::prelude::wasm_bindgen;

/// Entry point: mounts the app when the page loads the module. (The
/// stream's worker loads it too, and starts with `worker_main` instead.)
#[wasm_bindgen(start)]
pub fn start() {
    if global::in_worker() {
        return;
    }
    panic::install();
    leptos::mount::mount_to_body(ui::app::App);
}
