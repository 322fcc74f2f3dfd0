//! What the stream needs from the browser that both a page and a worker
//! offer (fetch, the clock, IndexedDB): the stream runs in a Web Worker on
//! the dashboard, and on the page itself in tests and for embedders
//! without workers, so it asks the global scope, not `window`.

use wasm_bindgen::JsCast;
use web_sys::{IdbFactory, Performance, RequestInit, WorkerGlobalScope};

/// The global scope, as a page or a worker.
enum Scope {
    Window(web_sys::Window),
    Worker(WorkerGlobalScope),
}

fn scope() -> Option<Scope> {
    let global = js_sys::global();
    if let Some(w) = global.dyn_ref::<web_sys::Window>() {
        return Some(Scope::Window(w.clone()));
    }
    global
        .dyn_into::<WorkerGlobalScope>()
        .ok()
        .map(Scope::Worker)
}

/// Whether this code runs in a worker (the stream's thread).
pub fn in_worker() -> bool {
    matches!(scope(), Some(Scope::Worker(_)))
}

/// `fetch(url, init)` from whichever scope this is.
pub fn fetch(url: &str, init: &RequestInit) -> Option<js_sys::Promise> {
    Some(match scope()? {
        Scope::Window(w) => w.fetch_with_str_and_init(url, init),
        Scope::Worker(w) => w.fetch_with_str_and_init(url, init),
    })
}

pub fn performance() -> Option<Performance> {
    match scope()? {
        Scope::Window(w) => w.performance(),
        Scope::Worker(w) => Some(w.performance()?),
    }
}

pub fn indexed_db() -> Option<IdbFactory> {
    match scope()? {
        Scope::Window(w) => w.indexed_db().ok().flatten(),
        Scope::Worker(w) => w.indexed_db().ok().flatten(),
    }
}

/// Bytes of this thread's wasm linear memory.
pub fn wasm_memory_bytes() -> f64 {
    wasm_bindgen::memory()
        .dyn_into::<js_sys::WebAssembly::Memory>()
        .map(|m| {
            m.buffer()
                .unchecked_into::<js_sys::ArrayBuffer>()
                .byte_length() as f64
        })
        .unwrap_or(0.0)
}
