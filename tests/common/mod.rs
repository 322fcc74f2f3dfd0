//! Shared by the dashboard's browser tests: where the real feed is, how to
//! fetch its ground truth, and how to wait on real timers.

#![allow(dead_code)]

use std::collections::BTreeMap;

use std::cell::RefCell;
use std::rc::Rc;

use gloo_timers::future::TimeoutFuture;
use sparklet_dashboard::bus::ListenerBus;
use sparklet_dashboard::listener::Listener;
use sparklet_dashboard::settings::Settings;
use sparklet_engine::Duration;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// `ws://127.0.0.1:PORT` of the `sparklet feed` that `make test` starts
/// (scripts/with-feed.sh) before compiling these tests.
pub fn feed_base() -> &'static str {
    match option_env!("SPARKLET_TEST_FEED") {
        Some(url) => url,
        None => panic!("SPARKLET_TEST_FEED is not set: run these tests through scripts/with-feed.sh (make browser)"),
    }
}

pub fn feed(path_and_query: &str) -> String {
    format!("{}{path_and_query}", feed_base())
}

/// Fetches `/feed/words/truth?...` from the same server over HTTP.
pub async fn truth(query: &str) -> BTreeMap<String, i64> {
    let url = format!(
        "{}/feed/words/truth?{query}",
        feed_base().replacen("ws://", "http://", 1)
    );
    let window = web_sys::window().expect("a window");
    let resp = JsFuture::from(window.fetch_with_str(&url))
        .await
        .expect("truth fetch");
    let resp: web_sys::Response = resp.dyn_into().expect("a Response");
    assert!(resp.ok(), "truth answered {}", resp.status());
    let text = JsFuture::from(resp.text().expect("a body"))
        .await
        .expect("truth body");
    serde_json::from_str(&text.as_string().expect("text")).expect("truth is a JSON object")
}

/// Waits on real timers until `cond` holds; false after `timeout_ms`.
pub async fn until(timeout_ms: u32, mut cond: impl FnMut() -> bool) -> bool {
    let mut waited = 0;
    while !cond() {
        if waited >= timeout_ms {
            return false;
        }
        TimeoutFuture::new(20).await;
        waited += 20;
    }
    true
}

pub async fn sleep(ms: u32) {
    TimeoutFuture::new(ms).await;
}

pub fn settings(feed: String, pipeline: &str, batch_ms: u64) -> Settings {
    Settings {
        feed,
        pipeline: pipeline.into(),
        batch: Duration::from_millis(batch_ms),
        event_time: "ts".into(),
        resume: None,
        backpressure: true,
        max_keys: 100_000,
        checkpoint_every: Some(0),
        buffer_mib: sparklet_dashboard::settings::DEFAULT_BUFFER_MIB,
        sink_name: sparklet_dashboard::settings::DEFAULT_SINK_NAME.into(),
    }
}

/// A runtime on this thread, and the listener its bus tells.
pub struct Running {
    pub rt: sparklet_dashboard::runtime::Shared,
    pub listener: Rc<RefCell<Listener>>,
}

/// Starts the page's runtime on this thread (the page runs it in a
/// worker), with a listener of its own and no view.
pub fn start(settings: Settings) -> Result<Running, sparklet_engine::PipelineError> {
    let listener = Rc::new(RefCell::new(Listener::default()));
    let bus = ListenerBus::local(listener.clone());
    let rt = sparklet_dashboard::runtime::Runtime::start(settings, bus, None, None)?;
    Ok(Running { rt, listener })
}
