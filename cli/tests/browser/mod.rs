//! A real headless Chromium, driven through Debian's chromedriver with
//! WebDriver, for the end-to-end tests: open the dashboard, read
//! `window.sparklet.stats()`, read the page, take screenshots.

#![allow(dead_code)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use fantoccini::Locator;
use serde_json::Value;

/// The library's browser, with the assertions tests make of the page.
pub struct Browser(sparklet::browser::Browser);

impl std::ops::Deref for Browser {
    type Target = sparklet::browser::Browser;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl Browser {
    pub async fn start() -> Browser {
        Browser(
            sparklet::browser::Browser::start(&[])
                .await
                .unwrap_or_else(|e| panic!("{e}")),
        )
    }

    /// Opens the dashboard of the server at `addr` with these URL
    /// parameters, encoded.
    pub async fn open(&self, addr: std::net::SocketAddr, params: &[(&str, &str)]) {
        self.goto(&sparklet::browser::dashboard_url(addr, params))
            .await;
    }

    pub async fn goto(&self, url: &str) {
        self.0.goto(url).await.expect("navigate");
    }

    /// `window.sparklet.stats()`, or null before the page has set it.
    pub async fn stats(&self) -> Value {
        self.client
            .execute(
                "return window.sparklet ? window.sparklet.stats() : null;",
                vec![],
            )
            .await
            .expect("run a script in the page")
    }

    /// `stats()` and `batches()` at one moment (a batch may arrive between
    /// two scripts).
    pub async fn stats_and_batches(&self) -> (Value, Vec<Value>) {
        let both = self
            .client
            .execute(
                "return [window.sparklet.stats(), window.sparklet.batches()];",
                vec![],
            )
            .await
            .expect("stats() and batches()");
        let rows = both[1].as_array().expect("batches() is a list").clone();
        (both[0].clone(), rows)
    }

    /// `window.sparklet.batches()`: the figures of every batch kept.
    pub async fn batches(&self) -> Vec<Value> {
        let rows = self
            .client
            .execute("return window.sparklet.batches();", vec![])
            .await
            .expect("run batches() in the page");
        rows.as_array().expect("batches() is a list").clone()
    }

    /// Polls `stats()` until `ok` holds; panics with the last stats after `secs`.
    pub async fn wait_for_stats(
        &self,
        secs: u64,
        what: &str,
        ok: impl Fn(&Value) -> bool,
    ) -> Value {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let stats = self.stats().await;
            if !stats.is_null() && ok(&stats) {
                return stats;
            }
            assert!(
                Instant::now() < deadline,
                "{what}: not within {secs} s; last stats: {stats:#}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The text of the element with `data-testid`, if it is on the page.
    pub async fn text_of(&self, testid: &str) -> Option<String> {
        let found = self
            .client
            .find_all(Locator::Css(&format!("[data-testid='{testid}']")))
            .await
            .ok()?;
        found.first()?.text().await.ok()
    }

    pub async fn count(&self, css: &str) -> usize {
        self.client
            .find_all(Locator::Css(css))
            .await
            .map_or(0, |v| v.len())
    }

    /// Waits until the element's text contains `needle`; returns the text.
    pub async fn wait_for_text(&self, testid: &str, needle: &str, secs: u64) -> String {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let text = self.text_of(testid).await;
            if let Some(t) = text.as_ref().filter(|t| t.contains(needle)) {
                return t.clone();
            }
            assert!(
                Instant::now() < deadline,
                "[data-testid={testid}] never said {needle:?}; it said {text:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Saves a screenshot under `target/e2e/NAME.png` (or the directory in
    /// `SPARKLET_SCREENSHOTS`), checks it is not blank, returns its path.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.client.screenshot().await.expect("a screenshot");
        assert_not_blank(&png, name);
        let dir = std::env::var_os("SPARKLET_SCREENSHOTS")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/e2e"));
        std::fs::create_dir_all(&dir).expect("target/e2e");
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).expect("write the screenshot");
        path
    }

    /// Runs a Chrome DevTools Protocol command through chromedriver.
    pub async fn cdp(&self, cmd: &str, params: Value) -> Value {
        self.0
            .cdp(cmd, params)
            .await
            .unwrap_or_else(|e| panic!("CDP {cmd}: {e}"))
    }

    /// Clicks the element with `data-testid`.
    pub async fn click(&self, testid: &str) {
        let el = self
            .client
            .find(Locator::Css(&format!("[data-testid='{testid}']")))
            .await
            .unwrap_or_else(|e| panic!("no [data-testid={testid}]: {e}"));
        el.click().await.expect("click");
    }

    pub async fn close(self) {
        self.0.close().await;
    }
}

/// The built dashboard: `SPARKLET_DIST`, or `dist/` at the workspace root.
pub fn dist() -> PathBuf {
    let dir = std::env::var_os("SPARKLET_DIST")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../dist"));
    assert!(
        dir.join("index.html").is_file(),
        "{} has no built dashboard: run `make dist`",
        dir.display()
    );
    dir
}

/// A screenshot shows something: its pixels are not all one colour, and
/// a fair share of them differ from the most common one (the background).
fn assert_not_blank(png_bytes: &[u8], name: &str) {
    let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size().expect("a size")];
    let info = reader.next_frame(&mut buf).expect("a frame");
    let px = info.color_type.samples();
    let pixels: Vec<&[u8]> = buf[..info.buffer_size()].chunks(px).collect();
    let mut counts = std::collections::HashMap::new();
    for p in &pixels {
        *counts.entry(*p).or_insert(0usize) += 1;
    }
    let background = counts.values().copied().max().unwrap_or(0);
    let other = pixels.len() - background;
    assert!(
        counts.len() > 50 && other * 50 > pixels.len(),
        "screenshot {name} looks blank: {} colours, {other} of {} pixels off the background",
        counts.len(),
        pixels.len()
    );
}

/// Word counts from the page (pairs `[k, v]`) or from a truth endpoint
/// (an object), in one comparable form.
pub fn counts(v: &Value) -> std::collections::BTreeMap<String, i64> {
    match v {
        Value::Array(pairs) => pairs
            .iter()
            .map(|p| {
                (
                    p[0].as_str().expect("a word").to_string(),
                    p[1].as_i64().expect("a count"),
                )
            })
            .collect(),
        Value::Object(map) => map
            .iter()
            .map(|(k, n)| (k.clone(), n.as_i64().expect("a count")))
            .collect(),
        other => panic!("not counts: {other}"),
    }
}

/// What the page sustained, by its own batches: the records over the span
/// from the first batch with records to the last.
pub struct Sustained {
    pub records: u64,
    pub seconds: f64,
    pub batches: usize,
    /// The 99th percentile of those batches' processing times.
    pub p99_ms: f64,
}

impl Sustained {
    pub fn of(batches: &[Value], batch_ms: f64) -> Sustained {
        let full: Vec<&Value> = batches
            .iter()
            .filter(|b| b["records"].as_u64() > Some(0))
            .collect();
        assert!(!full.is_empty(), "no batch with records");
        let time = |b: &Value| b["time_ms"].as_f64().expect("time_ms");
        let mut ms: Vec<f64> = full
            .iter()
            .map(|b| b["processing_ms"].as_f64().expect("processing_ms"))
            .collect();
        ms.sort_by(f64::total_cmp);
        Sustained {
            records: full.iter().filter_map(|b| b["records"].as_u64()).sum(),
            seconds: (time(full[full.len() - 1]) - time(full[0]) + batch_ms) / 1000.0,
            batches: full.len(),
            p99_ms: ms[ms.len() * 99 / 100],
        }
    }

    pub fn per_second(&self) -> f64 {
        self.records as f64 / self.seconds
    }
}
