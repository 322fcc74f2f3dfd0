//! Where the page's two threads spend their time: the DevTools CPU
//! profiler (CDP `Profiler`), started and stopped around a live run's
//! measurement, on the main thread through chromedriver and on the
//! stream's worker through a direct DevTools session ([`DevTools`]).
//! A busy share is the time not sampled as `(idle)`; a profile can be
//! saved as a `.cpuprofile` (Chrome DevTools' Performance panel opens it)
//! and is summarised as the functions with the most self time, wasm
//! functions by their Rust names.

use std::collections::HashMap;
use std::path::Path;

use anyhow::Context;
use serde::Deserialize;
use serde_json::{json, Value};
use sparklet::browser::Browser;
use sparklet::devtools::DevTools;

/// Samples every 200 µs: fine enough for 100 ms batches, light enough
/// not to change them much.
const INTERVAL_US: u64 = 200;

pub async fn start(browser: &Browser) -> anyhow::Result<()> {
    browser.cdp("Profiler.enable", json!({})).await?;
    browser
        .cdp(
            "Profiler.setSamplingInterval",
            json!({ "interval": INTERVAL_US }),
        )
        .await?;
    browser.cdp("Profiler.start", json!({})).await?;
    Ok(())
}

/// One thread over a profiled window.
pub struct Thread {
    /// The share of the window it was busy (not idle).
    pub busy: f64,
    /// The functions with the most self time: `(share, name)`.
    pub top: Vec<(f64, String)>,
}

/// Stops the main thread's profiler, saves the profile as
/// `dir/name.cpuprofile` when given a `dir`, and sums it up.
pub async fn stop(browser: &Browser, dir: Option<&Path>, name: &str) -> anyhow::Result<Thread> {
    let stopped = browser.cdp("Profiler.stop", json!({})).await?;
    summed(&stopped["profile"], dir, name)
}

/// The profiler in the stream's worker, through its own DevTools session.
pub struct Worker {
    devtools: DevTools,
    session: String,
}

impl Worker {
    /// Attaches to the worker of the page at `page_url` and starts
    /// profiling it.
    pub async fn start(browser: &Browser, page_url: &str) -> anyhow::Result<Worker> {
        let mut devtools = DevTools::connect(browser.profile_dir()).await?;
        let session = devtools.attach_worker(page_url).await?;
        let at = Some(session.as_str());
        devtools.call(at, "Profiler.enable", json!({})).await?;
        let interval = json!({ "interval": INTERVAL_US });
        devtools
            .call(at, "Profiler.setSamplingInterval", interval)
            .await?;
        devtools.call(at, "Profiler.start", json!({})).await?;
        Ok(Worker { devtools, session })
    }

    /// Stops it, saves the profile as `dir/name-worker.cpuprofile` when
    /// given a `dir`, and sums it up.
    pub async fn stop(mut self, dir: Option<&Path>, name: &str) -> anyhow::Result<Thread> {
        let at = Some(self.session.as_str());
        let stopped = self.devtools.call(at, "Profiler.stop", json!({})).await?;
        summed(&stopped["profile"], dir, &format!("{name} worker"))
    }
}

fn summed(profile: &Value, dir: Option<&Path>, name: &str) -> anyhow::Result<Thread> {
    if let Some(dir) = dir {
        std::fs::create_dir_all(dir)?;
        let file = dir.join(format!("{}.cpuprofile", slug(name)));
        std::fs::write(&file, profile.to_string())
            .with_context(|| format!("writing {}", file.display()))?;
    }
    self_time(profile)
}

#[derive(Deserialize)]
struct Profile {
    nodes: Vec<Node>,
    samples: Vec<u64>,
    #[serde(rename = "timeDeltas")]
    time_deltas: Vec<i64>,
}

#[derive(Deserialize)]
struct Node {
    id: u64,
    #[serde(rename = "callFrame")]
    call_frame: CallFrame,
}

#[derive(Deserialize)]
struct CallFrame {
    #[serde(rename = "functionName")]
    function_name: String,
    url: String,
}

/// The busy share, and the twelve functions with the most self time as
/// shares of all samples.
fn self_time(profile: &Value) -> anyhow::Result<Thread> {
    let p: Profile = serde_json::from_value(profile.clone()).context("reading the profile")?;
    let names: HashMap<u64, String> = p
        .nodes
        .iter()
        .map(|n| (n.id, label(&n.call_frame)))
        .collect();
    let mut by_name: HashMap<&str, f64> = HashMap::new();
    // A sample's time is the delta to the next one.
    for (i, id) in p.samples.iter().enumerate() {
        let dt = p.time_deltas.get(i + 1).copied().unwrap_or(0).max(0) as f64;
        let name = names.get(id).map_or("?", String::as_str);
        *by_name.entry(name).or_default() += dt;
    }
    let total: f64 = by_name.values().sum::<f64>().max(1.0);
    let idle = by_name.get("(idle)").copied().unwrap_or(0.0);
    let mut top: Vec<(f64, String)> = by_name
        .into_iter()
        .map(|(n, t)| (t / total, n.to_string()))
        .collect();
    top.sort_by(|a, b| b.0.total_cmp(&a.0));
    top.truncate(12);
    Ok(Thread {
        busy: 1.0 - idle / total,
        top,
    })
}

fn label(f: &CallFrame) -> String {
    let name = if f.function_name.is_empty() {
        "(anonymous)"
    } else {
        &f.function_name
    };
    match f.url.rsplit('/').next() {
        Some(file) if !file.is_empty() => format!("{name} ({file})"),
        _ => name.to_string(),
    }
}

fn slug(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}
