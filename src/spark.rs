//! Watching a Spark Streaming job instead of running a stream (`?spark=1`,
//! or `?spark=APP_ID` for one application of several): Spark's REST API,
//! relayed by `sparklet serve --spark URL`, read once a second; or, once
//! one has reported, a Structured Streaming query (`spark_query`). Each batch
//! Spark completed becomes the `BatchCompleted` event the page's own
//! stream sends, so the header, Statistics and Batches views show Spark's
//! batches as they show the page's, and `stats()` reports them.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use serde::Deserialize;
use sparklet_engine::{BatchInfo, Duration};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::bus::ListenerEvent;
use crate::listener::{BatchRecord, Listener, Status};
use crate::runtime::ConnState;
use crate::settings::Settings;
use crate::spark_query::{QueryWatch, Reports, PROGRESS};

/// Where `sparklet serve --spark` relays the API.
const API: &str = "/spark/api/v1";
const POLL_MS: u32 = 1000;

#[derive(Deserialize)]
struct App {
    id: String,
    name: String,
}

/// `/applications/{id}/streaming/statistics`, the fields used.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Statistics {
    start_time: String,
    batch_duration: u64,
    num_receivers: u64,
    num_active_receivers: u64,
    num_total_completed_batches: u64,
    num_processed_records: u64,
}

/// One of `/streaming/batches` (newest first, Spark keeps 1000).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Batch {
    /// The batch's time, ms since the epoch.
    batch_id: u64,
    status: String,
    input_size: u64,
    scheduling_delay: Option<f64>,
    processing_time: Option<f64>,
    total_delay: Option<f64>,
}

/// The running watch; dropping it stops the polling.
pub struct SparkMonitor {
    stop: Rc<Cell<bool>>,
}

impl Drop for SparkMonitor {
    fn drop(&mut self) {
        self.stop.set(true);
    }
}

impl SparkMonitor {
    /// Starts watching `wanted` (an application id), or the driver's first
    /// application; events go to `listener`, then `notify` is called.
    pub fn start(
        wanted: Option<String>,
        listener: Rc<RefCell<Listener>>,
        notify: Rc<dyn Fn()>,
    ) -> SparkMonitor {
        let stop = Rc::new(Cell::new(false));
        let stopped = stop.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let mut watch = Watch {
                query: QueryWatch::new(wanted.clone()),
                wanted,
                app: None,
                zero_ms: None,
                last_batch_id: 0,
                interval: 1000,
                records: 0,
            };
            while !stopped.get() {
                let events = watch.poll().await.unwrap_or_else(|why| watch.trouble(why));
                if stopped.get() {
                    break;
                }
                {
                    let mut l = listener.borrow_mut();
                    events.into_iter().for_each(|e| l.on_event(e));
                }
                notify();
                gloo_timers::future::TimeoutFuture::new(POLL_MS).await;
            }
        });
        SparkMonitor { stop }
    }
}

/// What the watch has told the listener so far.
struct Watch {
    /// A Structured Streaming query, once one has reported: then watched
    /// instead of the REST API's DStream application.
    query: QueryWatch,
    wanted: Option<String>,
    app: Option<App>,
    /// Spark's zero time, once known: batch k is at `zero + k * interval`.
    zero_ms: Option<u64>,
    last_batch_id: u64,
    /// Spark's batch interval, ms.
    interval: u64,
    /// Records in Spark's completed batches so far (`stats().records`).
    records: u64,
}

impl Watch {
    async fn poll(&mut self) -> Result<Vec<ListenerEvent>, String> {
        let asked = format!("{PROGRESS}?after={}", self.query.seen);
        match get::<Reports>(&asked).await {
            Ok(reports) => {
                let events = self.query.events(reports);
                if self.query.found() {
                    return Ok(events);
                }
            }
            // Watching a query: its reports are all there is to read.
            Err(why) if self.query.found() => return Err(why),
            Err(_) => {}
        }
        if self.app.is_none() {
            let apps: Vec<App> = get(&format!("{API}/applications")).await?;
            let app = match &self.wanted {
                Some(id) => apps.into_iter().find(|a| &a.id == id),
                None => apps.into_iter().next(),
            };
            self.app = Some(app.ok_or_else(|| match &self.wanted {
                Some(id) => format!("Spark's driver has no application {id}"),
                None => "Spark's driver has no application yet".to_string(),
            })?);
        }
        let app = self.app.as_ref().expect("found above");
        let base = format!("{API}/applications/{}/streaming", app.id);
        let stats: Statistics = get(&format!("{base}/statistics"))
            .await
            .map_err(|e| format!("{} has no running StreamingContext yet ({e})", app.name))?;
        let mut batches: Vec<Batch> = get(&format!("{base}/batches")).await?;
        let interval = stats.batch_duration.max(1);
        self.interval = interval;
        let mut events = Vec::new();
        let zero_ms = match self.zero_ms {
            Some(z) => z,
            None => {
                let start = js_sys::Date::parse(&stats.start_time.replace("GMT", "Z"));
                let zero = (start.max(0.0) as u64) / interval * interval;
                events.push(ListenerEvent::RunStarted {
                    started_wall_ms: start,
                    zero_ms: zero,
                });
                self.zero_ms = Some(zero);
                zero
            }
        };
        batches.retain(|b| b.status == "COMPLETED" && b.batch_id > self.last_batch_id);
        batches.sort_by_key(|b| b.batch_id);
        if self.last_batch_id == 0 {
            // Watching a job that ran past Spark's 1000 kept batches: the
            // older ones count in the totals.
            let kept: u64 = batches.len() as u64;
            let before = stats.num_total_completed_batches.saturating_sub(kept);
            if before > 0 {
                let kept_records: u64 = batches.iter().map(|b| b.input_size).sum();
                self.records = stats.num_processed_records.saturating_sub(kept_records);
                events.push(ListenerEvent::RunRestored {
                    batches: before,
                    records: self.records,
                    late: None,
                    zero_ms,
                });
            }
        }
        for b in batches {
            self.last_batch_id = b.batch_id;
            self.records += b.input_size;
            events.push(ListenerEvent::BatchCompleted {
                record: Box::new(record(&b, zero_ms, interval)),
                output: None,
            });
        }
        let receivers = (stats.num_active_receivers, stats.num_receivers);
        events.push(self.status(Some(receivers), ConnState::Live));
        Ok(events)
    }

    /// The header's line: the application, its receivers, the state.
    fn status(&self, receivers: Option<(u64, u64)>, conn: ConnState) -> ListenerEvent {
        let (id, name) = self
            .app
            .as_ref()
            .map_or(("", ""), |a| (a.id.as_str(), a.name.as_str()));
        // Until Spark's run is known there is no run to describe: the
        // header says "Not running" and why.
        let settings = self.zero_ms.map(|_| {
            let mut settings = Settings::from_query("", "").0;
            settings.feed = format!("spark:{id}");
            settings.pipeline = name.to_string();
            settings.batch = Duration::from_millis(self.interval);
            settings
        });
        ListenerEvent::Status(Box::new(Status {
            settings,
            conn: Some(conn),
            received: self.records,
            source_status: receivers.map(|(active, all)| {
                format!("Spark application {name} ({id}): {active} of {all} receivers active")
            }),
            ..Status::default()
        }))
    }

    /// Spark could not be read: said in the header, tried again.
    fn trouble(&self, why: String) -> Vec<ListenerEvent> {
        if self.query.found() {
            let conn = ConnState::Reconnecting {
                reason: why,
                retry_at_wall_ms: js_sys::Date::now() + f64::from(POLL_MS),
            };
            return vec![self.query.status(conn)];
        }
        let conn = ConnState::Reconnecting {
            reason: format!(
                "{why} (a Structured Streaming query shows here once its listener posts \
                 its progress to {PROGRESS})"
            ),
            retry_at_wall_ms: js_sys::Date::now() + f64::from(POLL_MS),
        };
        vec![self.status(None, conn)]
    }
}

/// A completed Spark batch as the page's own batch record.
fn record(b: &Batch, zero_ms: u64, interval: u64) -> BatchRecord {
    let time_ms = b.batch_id.saturating_sub(zero_ms);
    let scheduling = b.scheduling_delay.unwrap_or(0.0);
    let processing = b.processing_time.unwrap_or(0.0);
    BatchRecord::observed(
        BatchInfo {
            batch: time_ms / interval,
            time_ms,
            records: b.input_size,
            scheduling_delay_ms: scheduling,
            processing_ms: processing,
            total_delay_ms: b.total_delay.unwrap_or(scheduling + processing),
            malformed: 0,
            evicted: 0,
        },
        b.input_size as f64 * 1000.0 / interval as f64,
        None,
    )
}

/// GET `url` as JSON; an answer other than 200 is its text.
async fn get<T: serde::de::DeserializeOwned>(url: &str) -> Result<T, String> {
    let init = web_sys::RequestInit::new();
    init.set_cache(web_sys::RequestCache::NoStore);
    let fetching = crate::global::fetch(url, &init).ok_or("this page cannot fetch")?;
    let response: web_sys::Response = JsFuture::from(fetching)
        .await
        .map_err(|_| format!("{url}: the server did not answer"))?
        .unchecked_into();
    let text = match response.text() {
        Ok(p) => JsFuture::from(p).await.ok().and_then(|t| t.as_string()),
        Err(_) => None,
    }
    .unwrap_or_default();
    if response.status() != 200 {
        return Err(format!("HTTP {}: {}", response.status(), text.trim()));
    }
    serde_json::from_str(&text).map_err(|e| format!("{url}: not Spark's answer ({e})"))
}
