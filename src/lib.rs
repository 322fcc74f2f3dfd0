//! Sparklet's dashboard: the receiver, the batch scheduler and the Spark
//! Streaming UI, running in the page over the engine crate.

pub mod api;
pub mod bench;
pub mod checkpoint;
pub mod clock;
pub mod connection;
pub mod export;
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
pub mod storage;
pub mod ui;

use wasm_bindgen::prelude::wasm_bindgen;

/// Entry point: mounts the app when the page loads the module.
#[wasm_bindgen(start)]
pub fn start() {
    panic::install();
    leptos::mount::mount_to_body(ui::app::App);
}
