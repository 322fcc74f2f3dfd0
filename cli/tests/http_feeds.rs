//! HTTP feeds end to end in a real headless Chromium: a Python server (the
//! standard library's `http.server`, cli/tests/python/http_feed.py) sends a
//! known text as Server-Sent Events or NDJSON, from another origin, and
//! the page's counts equal the text's, counted here. The server cuts a
//! connection mid-record and the page resumes exactly with `from=`; bad
//! bytes are malformed records; a response that is not a feed is named.

mod browser;
mod common;
mod texts;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use browser::{counts, Browser, Sustained};
use serde_json::Value;
use texts::{text, wait_for_counts, word_counts, TOTALS};

/// A Python server, killed when dropped, with what it printed.
struct Python {
    child: Child,
    port: u16,
    printed: Arc<Mutex<Vec<String>>>,
    _dirs: Vec<tempfile::TempDir>,
}

impl Python {
    /// The test feed serving `text`.
    fn feed(text: &str) -> Python {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/http_feed.py");
        Python::run(&script, text, None)
    }

    /// `code` (a README example) serving `text`, its port `port` replaced
    /// with a free one.
    fn example(code: &str, port: u16, text: &str) -> Python {
        let dir = tempfile::tempdir().unwrap();
        let free = free_port();
        let script = dir.path().join("example.py");
        let code = code.replace(&port.to_string(), &free.to_string());
        std::fs::write(&script, code).unwrap();
        let mut python = Python::run(&script, text, Some(free));
        python._dirs.push(dir);
        python
    }

    /// Runs `script TEXT_FILE`; its port is `port`, or the one it prints.
    fn run(script: &Path, text: &str, port: Option<u16>) -> Python {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("text.txt");
        std::fs::write(&file, text).unwrap();
        let mut child = Command::new("python3")
            .arg(script)
            .arg(&file)
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs");
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let port = port.unwrap_or_else(|| {
            let mut line = String::new();
            out.read_line(&mut line).unwrap();
            line.trim()
                .strip_prefix("port ")
                .and_then(|p| p.parse().ok())
                .unwrap_or_else(|| panic!("the feed printed {line:?}, not its port"))
        });
        let printed = Arc::new(Mutex::new(Vec::new()));
        let lines = printed.clone();
        std::thread::spawn(move || {
            for line in out.lines().map_while(Result::ok) {
                lines.lock().unwrap().push(line);
            }
        });
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "{script:?} did not listen"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Python {
            child,
            port,
            printed,
            _dirs: vec![dir],
        }
    }

    fn url(&self, path_and_query: &str) -> String {
        format!("http://127.0.0.1:{}{path_and_query}", self.port)
    }

    /// The paths the page asked for, in order.
    fn requests(&self) -> Vec<String> {
        self.printed.lock().unwrap().clone()
    }
}

impl Drop for Python {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// The page, served by `sparklet serve`, reading `feed` (another origin).
async fn open(feed: &str, pipeline: &str, batch: &str) -> Browser {
    let addr = common::start(Some(browser::dist())).await;
    let b = Browser::start().await;
    b.open(
        addr,
        &[("feed", feed), ("pipeline", pipeline), ("batch", batch)],
    )
    .await;
    b
}

fn assert_clean(stats: &Value, what: &str) {
    assert_eq!(stats["feed_resumes"], true, "{what}: the hello was heard");
    assert_eq!(stats["malformed"], 0, "{what}: {stats:#}");
    assert_eq!(stats["dropped"], 0, "{what}: {stats:#}");
    assert_eq!(stats["gaps"], 0, "{what}: {stats:#}");
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium, chromedriver, python3 and a built dist/: run by `make e2e`"]
async fn server_sent_events_count_exactly_and_a_204_ends_them() {
    let body = text(20_000, 1);
    let feed = Python::feed(&body);
    let b = open(&feed.url("/sse?batch=250&pace=40"), TOTALS, "500ms").await;
    b.wait_for_stats(30, "under way", |s| s["records"].as_u64() >= Some(8_000))
        .await;
    let shot = b.screenshot("http-sse").await;
    eprintln!("screenshot: {}", shot.display());
    wait_for_counts(&b, 20_000, &word_counts(&body), "sse").await;
    // The stream's end is reconnected, as EventSource does; at its end
    // the feed answers 204, which ends it.
    let stats = b
        .wait_for_stats(20, "ended by a 204", |s| s["state"] == "ended")
        .await;
    let reason = stats["state_reason"].as_str().unwrap_or_default();
    assert!(reason.contains("204 No Content"), "{reason}");
    assert_clean(&stats, "sse");
    assert_eq!(stats["records"], 20_000);
    let asked = feed.requests();
    assert!(
        asked.last().is_some_and(|r| r.ends_with("from=20000")),
        "the reconnect asks for the next record: {asked:?}"
    );
    b.close().await;
}

/// Records as NDJSON (JSON objects, a line each), and their truth: counts
/// by level.
fn json_records(n: usize) -> (String, BTreeMap<String, i64>) {
    const LEVELS: [&str; 4] = ["info", "warn", "error", "debug"];
    let mut truth = BTreeMap::new();
    let mut body = String::new();
    for i in 0..n {
        let level = LEVELS[(i * 7 + i / 3) % LEVELS.len()];
        *truth.entry(level.to_string()).or_insert(0) += 1;
        body.push_str(&format!(
            "{{\"seq\":{i},\"user\":\"u{}\",\"level\":\"{level}\"}}\n",
            i % 13
        ));
    }
    (body, truth)
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium, chromedriver, python3 and a built dist/: run by `make e2e`"]
async fn ndjson_counts_exactly_and_its_end_is_the_feeds() {
    let (body, truth) = json_records(20_000);
    let feed = Python::feed(&body);
    let pipeline = "json | map .level | count_by_value | update_state_by_key sum";
    let b = open(&feed.url("/ndjson?batch=500&pace=20"), pipeline, "500ms").await;
    let stats = b
        .wait_for_stats(60, "the response is read to its end", |s| {
            s["state"] == "ended" && s["pending"] == 0 && s["output"].is_array()
        })
        .await;
    assert_eq!(counts(&stats["output"]), truth, "exact counts by level");
    assert_eq!(stats["records"], 20_000);
    assert_clean(&stats, "ndjson");
    let reason = stats["state_reason"].as_str().unwrap_or_default();
    assert!(reason.contains("its response is complete"), "{reason}");
    assert_eq!(
        feed.requests().len(),
        1,
        "a complete response is not asked again"
    );
    b.close().await;
}

/// The server cuts the connection when record 12,345 is due, having sent
/// all of it but its last byte; the page drops that part-record, asks for
/// `from=12345`, and the totals are exact.
async fn a_cut_connection_resumes_exactly(path: &str) {
    let body = text(30_000, 3);
    let feed = Python::feed(&body);
    let url = feed.url(&format!("{path}?batch=500&pace=25&drop=12345"));
    let b = open(&url, TOTALS, "500ms").await;
    wait_for_counts(&b, 30_000, &word_counts(&body), path).await;
    let stats = b
        .wait_for_stats(20, "the run ends", |s| s["state"] == "ended")
        .await;
    assert_clean(&stats, path);
    assert_eq!(stats["records"], 30_000, "nothing lost, nothing twice");
    assert_eq!(stats["reconnects"], 1, "{stats:#}");
    let asked = feed.requests();
    assert!(
        asked.iter().any(|r| r.ends_with("&from=12345")),
        "{path}: the page resumed at the cut record: {asked:?}"
    );
    b.close().await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium, chromedriver, python3 and a built dist/: run by `make e2e`"]
async fn a_cut_event_stream_resumes_exactly_with_from() {
    a_cut_connection_resumes_exactly("/sse").await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium, chromedriver, python3 and a built dist/: run by `make e2e`"]
async fn a_cut_ndjson_response_resumes_exactly_with_from() {
    a_cut_connection_resumes_exactly("/ndjson").await;
}

/// Records 0 and 1 are an invalid UTF-8 line and a line with a NUL byte:
/// both malformed, with their reasons, and every other record counted.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium, chromedriver, python3 and a built dist/: run by `make e2e`"]
async fn bad_bytes_are_malformed_and_the_stream_goes_on() {
    let body = text(2_000, 4);
    let feed = Python::feed(&body);
    for path in [
        "/sse?bad=1",
        "/ndjson?bad=1&type=text/plain;%20charset=utf-8",
    ] {
        let b = open(&feed.url(path), TOTALS, "500ms").await;
        wait_for_counts(&b, 2_002, &word_counts(&body), path).await;
        let stats = b.stats().await;
        assert_eq!(stats["malformed"], 2, "{path}: {stats:#}");
        let reasons = stats["malformed_samples"].to_string();
        assert!(reasons.contains("invalid UTF-8"), "{path}: {reasons}");
        assert!(reasons.contains("NUL byte"), "{path}: {reasons}");
        b.close().await;
    }
}

/// An answer that is not a feed is shown, naming what it was, and not
/// asked again; a scheme that is neither is refused before anything.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium, chromedriver, python3 and a built dist/: run by `make e2e`"]
async fn an_answer_that_is_not_a_feed_is_named_in_the_page() {
    let feed = Python::feed("a\n");
    let b = open(&feed.url("/html"), TOTALS, "500ms").await;
    let detail = b
        .wait_for_text("conn-detail", "content type `text/html`", 10)
        .await;
    assert!(detail.contains("text/event-stream"), "{detail}");
    b.screenshot("http-not-a-feed").await;
    assert_eq!(b.stats().await["state"], "closed");
    let addr = common::start(Some(browser::dist())).await;
    b.open(addr, &[("feed", &feed.url("/nope"))]).await;
    b.wait_for_text("conn-detail", "HTTP 404", 10).await;
    b.open(addr, &[("feed", "ftp://127.0.0.1/feed")]).await;
    b.wait_for_text("conn-detail", "or an HTTP one (http://, https://", 10)
        .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let asked = feed.requests();
    assert_eq!(asked.len(), 2, "neither is asked again: {asked:?}");
    b.close().await;
}

/// As fast as the Python server writes: the records/s the page sustains
/// through each format, with backpressure on, and the totals exact.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium, chromedriver, python3 and a built dist/: run by `make e2e`"]
async fn a_fast_feed_is_read_exactly_and_its_rate_measured() {
    let one = text(1_000, 5);
    let repeat = 10_000;
    let total = 1_000 * repeat as u64;
    let mut truth = word_counts(&one);
    truth.values_mut().for_each(|n| *n *= repeat);
    let feed = Python::feed(&one);
    for path in ["/sse", "/ndjson"] {
        let url = feed.url(&format!("{path}?repeat={repeat}&batch=2000"));
        let b = open(&url, TOTALS, "100ms").await;
        wait_for_counts(&b, total, &truth, path).await;
        let rate = Sustained::of(&b.batches().await, 100.0);
        let stats = b.stats().await;
        eprintln!(
            "{path}: {total} records in {:.2} s ({} batches): {:.0} records/s; processing p99 {:.1} ms; rate limit {}; dropped {}",
            rate.seconds,
            rate.batches,
            rate.per_second(),
            rate.p99_ms,
            stats["rate_limit"],
            stats["dropped"]
        );
        assert_eq!(stats["dropped"], 0);
        b.close().await;
    }
}

/// A ```python block of the README, by the file name on its first line.
fn readme_example(name: &str) -> String {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"))
        .expect("README.md");
    let start = readme
        .find(&format!("```python\n# {name}"))
        .unwrap_or_else(|| panic!("the README has no {name}"));
    let code = &readme[start + "```python\n".len()..];
    code[..code.find("```").expect("the block ends")].to_string()
}

/// The README's copy-paste feeds, run as they are (on a free port).
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium, chromedriver, python3 and a built dist/: run by `make e2e`"]
async fn the_readme_examples_feed_the_page() {
    let lines = text(50, 6);
    let sse = Python::example(&readme_example("sse_feed.py"), 9001, &lines);
    let b = open(&sse.url("/"), TOTALS, "500ms").await;
    let stats = b
        .wait_for_stats(30, "the SSE example", |s| {
            s["records"].as_u64() >= Some(200) && s["output"].is_array()
        })
        .await;
    assert_eq!(stats["malformed"], 0);
    let words = counts(&stats["output"]);
    assert!(
        words.keys().all(|w| lines.contains(w.as_str())),
        "{words:?}"
    );
    b.close().await;

    let ndjson = Python::example(&readme_example("ndjson_feed.py"), 9002, "");
    let pipeline = "json | map .level | count_by_value_and_window 10s";
    let b = open(&ndjson.url("/"), pipeline, "500ms").await;
    let stats = b
        .wait_for_stats(30, "the NDJSON example", |s| {
            s["records"].as_u64() >= Some(200)
                && s["output"].as_array().is_some_and(|o| !o.is_empty())
        })
        .await;
    assert_clean(&stats, "the NDJSON example");
    let levels = counts(&stats["output"]);
    assert!(
        levels
            .keys()
            .all(|l| ["info", "warn", "error"].contains(&l.as_str())),
        "{levels:?}"
    );
    b.close().await;
}
