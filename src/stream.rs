//! The page's handle on its stream, which runs in a dedicated Web Worker
//! (`worker.js`, [`crate::worker`]): the receiver, the engine, the batch
//! timer, the checkpoint writer and the sink live there, so a batch never
//! competes with drawing. The page sends [`Command`]s; the worker answers
//! with [`Reply`]s, the listener events of each batch in one message.

use std::cell::RefCell;
use std::rc::Rc;

use serde::{Deserialize, Serialize};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{MessageEvent, Worker, WorkerOptions, WorkerType};

use crate::bus::ListenerEvent;
use crate::listener::Listener;
use crate::settings::Settings;

/// The worker's script, next to the page (it imports the same wasm).
pub const WORKER_SCRIPT: &str = "worker.js";

/// What the page asks of the stream.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Command {
    /// Starts the stream; `restore` continues this view's checkpoint, if
    /// one was saved; `sink` is the server's sink path, if it has one.
    Start {
        settings: Settings,
        restore: bool,
        sink: Option<String>,
    },
    /// New settings (already checked by the page).
    Apply { settings: Settings },
    /// Forgets this view's checkpoint and starts it over.
    Clear,
    /// Saves a checkpoint now: the page is being hidden or left.
    Save,
    /// Starts the stream for an embedding page (`sparklet.js`): its
    /// options as the dashboard's URL parameters; anything out of range is
    /// refused, not defaulted. The worker answers with [`Reply::Report`]s.
    Embed { query: String },
}

/// What the stream tells the page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Reply {
    Events(Vec<ListenerEvent>),
    /// For an embedding page: `stats()` as the dashboard's JS API gives it,
    /// and a report of each batch completed since the last (a row of
    /// `batches()` with its `output` and `stages`).
    Report {
        stats: serde_json::Value,
        batches: Vec<serde_json::Value>,
    },
    /// The stream could not do what it was asked, or hit a bug: the page
    /// shows why.
    Failed(String),
}

/// Called with a reason when the stream fails.
pub type OnFailed = Rc<dyn Fn(String)>;

/// The running worker. Dropping it stops the stream.
pub struct Stream {
    worker: Worker,
    settings: RefCell<Option<Settings>>,
    _on_message: Closure<dyn Fn(MessageEvent)>,
    _on_error: Closure<dyn Fn(web_sys::Event)>,
}

impl Stream {
    /// Starts the worker; its events go to `listener`, then `notify` is
    /// called (once per message, so once per batch).
    pub fn spawn(
        listener: Rc<RefCell<Listener>>,
        notify: Rc<dyn Fn()>,
        on_failed: OnFailed,
    ) -> Result<Stream, String> {
        let options = WorkerOptions::new();
        options.set_type(WorkerType::Module);
        options.set_name("sparklet-stream");
        let worker = Worker::new_with_options(WORKER_SCRIPT, &options)
            .map_err(|e| format!("the browser would not start the stream's worker: {e:?}"))?;
        let failed = on_failed.clone();
        let on_message = Closure::<dyn Fn(MessageEvent)>::new(move |e: MessageEvent| {
            let Some(text) = e.data().as_string() else {
                return;
            };
            match serde_json::from_str::<Reply>(&text) {
                Ok(Reply::Events(events)) => {
                    {
                        let mut l = listener.borrow_mut();
                        events.into_iter().for_each(|e| l.on_event(e));
                    }
                    notify();
                }
                Ok(Reply::Failed(why)) => failed(why),
                Ok(Reply::Report { .. }) => {}
                Err(e) => failed(format!(
                    "the stream's worker said something unreadable: {e}"
                )),
            }
        });
        let on_error = Closure::<dyn Fn(web_sys::Event)>::new(move |e: web_sys::Event| {
            let why = js_sys::Reflect::get(&e, &"message".into())
                .ok()
                .and_then(|m| m.as_string())
                .unwrap_or_else(|| format!("{WORKER_SCRIPT} did not load"));
            on_failed(format!("the stream's worker stopped: {why}"));
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Ok(Stream {
            worker,
            settings: RefCell::new(None),
            _on_message: on_message,
            _on_error: on_error,
        })
    }

    /// Starts the stream, or applies `settings` to the running one.
    pub fn run(&self, settings: Settings, restore: bool, sink: Option<String>) {
        let first = self.settings.replace(Some(settings.clone())).is_none();
        self.send(&match first {
            true => Command::Start {
                settings,
                restore,
                sink,
            },
            false => Command::Apply { settings },
        });
    }

    /// The settings the stream was last given.
    pub fn settings(&self) -> Option<Settings> {
        self.settings.borrow().clone()
    }

    pub fn send(&self, command: &Command) {
        if let Ok(text) = serde_json::to_string(command) {
            let _ = self.worker.post_message(&JsValue::from_str(&text));
        }
    }
}

impl Drop for Stream {
    fn drop(&mut self) {
        self.worker.set_onmessage(None);
        self.worker.set_onerror(None);
        self.worker.terminate();
    }
}
