//! The stream's thread: `worker.js` loads the same wasm as the page and
//! calls [`worker_main`], which runs the page's [`Command`]s against one
//! [`Runtime`] and posts its listener events back, once per batch, as a
//! [`Reply`]. Frames arrive here, from the socket or fetch the worker
//! opened itself: they never cross to the page.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

use crate::api::{BatchRow, Stats};
use crate::bus::{ListenerBus, ListenerEvent};
use crate::checkpoint;
use crate::listener::Listener;
use crate::runtime::{self, Runtime, Shared};
use crate::settings::{check_feed_url, Settings};
use crate::stream::{Command, Reply};

thread_local! {
    static STREAM: RefCell<Option<Shared>> = const { RefCell::new(None) };
    /// While a checkpoint loads for `Start`: the settings an `Apply` sent
    /// meanwhile (`Some(None)`: none yet), which then start fresh.
    static LOADING: RefCell<Option<Option<Settings>>> = const { RefCell::new(None) };
}

/// The worker's entry: answers the page's commands from now on, and those
/// that came while the wasm loaded (`early`) first.
#[wasm_bindgen]
pub fn worker_main(early: js_sys::Array) {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        post(&Reply::Failed(format!(
            "the stream hit a bug and stopped. Reload to start again. Details: {info}"
        )));
    }));
    let on_message = Closure::<dyn Fn(MessageEvent)>::new(|e: MessageEvent| handle(e.data()));
    scope().set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The handler is the worker's for as long as it lives.
    on_message.forget();
    early.iter().for_each(handle);
}

fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

fn post(reply: &Reply) {
    if let Ok(text) = serde_json::to_string(reply) {
        let _ = scope().post_message(&JsValue::from_str(&text));
    }
}

fn handle(data: JsValue) {
    let Some(text) = data.as_string() else {
        return;
    };
    let command = match serde_json::from_str::<Command>(&text) {
        Ok(c) => c,
        Err(e) => {
            return post(&Reply::Failed(format!(
                "the stream got an unreadable command: {e}"
            )))
        }
    };
    match command {
        Command::Start {
            settings,
            restore: true,
            sink,
        } => {
            LOADING.with(|l| *l.borrow_mut() = Some(None));
            wasm_bindgen_futures::spawn_local(async move {
                let saved = checkpoint::load(&checkpoint::key(&settings)).await;
                match LOADING.with(|l| l.borrow_mut().take()).flatten() {
                    Some(newer) => start(newer, sink, None),
                    None => start(settings, sink, saved),
                }
            })
        }
        Command::Start { settings, sink, .. } => start(settings, sink, None),
        Command::Apply { settings } => apply(settings),
        Command::Clear => {
            if let Some(settings) = running().map(|rt| rt.borrow().settings.clone()) {
                checkpoint::forget(checkpoint::key(&settings));
                apply(settings);
            }
        }
        Command::Save => {
            if let Some(rt) = running() {
                rt.borrow_mut().save_checkpoint(true);
            }
        }
        Command::Embed { query } => embed(&query),
    }
}

fn running() -> Option<Shared> {
    STREAM.with(|s| s.borrow().clone())
}

fn start(
    settings: Settings,
    sink: Option<String>,
    saved: Option<Result<checkpoint::Saved, checkpoint::LoadError>>,
) {
    let bus = ListenerBus::new(Rc::new(|events| post(&Reply::Events(events))));
    run(settings, bus, sink, saved);
}

fn run(
    settings: Settings,
    bus: ListenerBus,
    sink: Option<String>,
    saved: Option<Result<checkpoint::Saved, checkpoint::LoadError>>,
) {
    if running().is_some() {
        return apply(settings);
    }
    match Runtime::start(settings, bus, sink, saved) {
        Ok(rt) => STREAM.with(|s| *s.borrow_mut() = Some(rt)),
        Err(e) => post(&Reply::Failed(e.to_string())),
    }
}

fn apply(settings: Settings) {
    let Some(rt) = running() else {
        LOADING.with(|l| {
            if let Some(newer) = l.borrow_mut().as_mut() {
                *newer = Some(settings);
            }
        });
        return;
    };
    if let Err(e) = runtime::apply(&rt, settings) {
        post(&Reply::Failed(e.to_string()));
    }
}

/// Starts the stream for `sparklet.js`, which gets each batch's report and
/// the stats, not the dashboard's events. Its options are checked as the
/// dashboard's URL parameters are, but a value out of range is refused:
/// a program that asked for it should hear so, not run on a default.
fn embed(query: &str) {
    let (settings, problems) = Settings::from_query(query, "");
    if settings.feed.is_empty() {
        return post(&Reply::Failed(
            "no feed: give `feed`, a ws://, wss://, http:// or https:// URL".into(),
        ));
    }
    if let Err(e) = check_feed_url(&settings.feed) {
        return post(&Reply::Failed(e.to_string()));
    }
    if !problems.is_empty() {
        return post(&Reply::Failed(problems.join("; ")));
    }
    let listener = Rc::new(RefCell::new(Listener::default()));
    let bus = ListenerBus::new(Rc::new(move |events| report(&listener, events)));
    run(settings, bus, None, None);
}

/// Applies `events` to the embedder's listener, and posts the stats and
/// a report of each batch they completed.
fn report(listener: &RefCell<Listener>, events: Vec<ListenerEvent>) {
    let mut l = listener.borrow_mut();
    let mut batches = Vec::new();
    for event in events {
        let completed = matches!(event, ListenerEvent::BatchCompleted { .. });
        let with_output = matches!(
            &event,
            ListenerEvent::BatchCompleted {
                output: Some(_),
                ..
            }
        );
        l.on_event(event);
        let Some(b) = l.last().filter(|_| completed) else {
            continue;
        };
        let mut row = serde_json::to_value(BatchRow::of(b, &l)).unwrap_or_default();
        let output = with_output.then(|| l.latest_output().map(|(_, out)| out));
        row["output"] = serde_json::to_value(output.flatten()).unwrap_or_default();
        row["stages"] = serde_json::to_value(&b.stages).unwrap_or_default();
        batches.push(row);
    }
    let mut stats = serde_json::to_value(Stats::of(&l)).unwrap_or_default();
    // The latest output is in its batch's report: sparklet.js keeps it.
    stats["output"] = serde_json::Value::Null;
    post(&Reply::Report { stats, batches });
}
