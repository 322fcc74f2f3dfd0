//! `sparklet serve` and `sparklet feed` as a person or the Makefile meets
//! them: the page at `/`, a helpful 404 when it is not built, and the one
//! line on stdout that gives the real address.

mod common;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};

use common::{connect_from, fetch_feed, get, get_json, post, receive_all, start};

#[tokio::test]
async fn serves_index_html_at_the_root_and_the_feeds_beside_it() {
    let dist = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dist.path().join("index.html"),
        "<h1>Sparklet test page</h1>",
    )
    .expect("write index");
    let addr = start(Some(dist.path().to_owned())).await;

    let (status, body) = get(addr, "/").await;
    assert_eq!(status, 200);
    assert!(body.contains("Sparklet test page"), "{body}");

    let (status, _) = get(addr, "/no-such-file.js").await;
    assert_eq!(status, 404);

    let got = fetch_feed(addr, "/feed/words?rate=0&limit=5").await;
    assert_eq!(got.records().len(), 5);
}

#[tokio::test]
async fn without_a_built_dashboard_the_root_says_how_to_build_it() {
    let dist = tempfile::tempdir().expect("temp dir");
    let addr = start(Some(dist.path().join("dist"))).await;
    let (status, body) = get(addr, "/").await;
    assert_eq!(status, 404);
    assert!(body.contains("make run"), "{body}");
    assert!(body.contains("index.html"), "{body}");
}

#[tokio::test]
async fn a_feeds_only_server_says_what_it_serves() {
    let addr = start(None).await;
    let (status, body) = get(addr, "/").await;
    assert_eq!(status, 404);
    assert!(
        body.contains("/feed/words") && body.contains("sparklet serve"),
        "{body}"
    );
}

/// Runs the real binary and reads the address from its first line.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn run_binary(args: &[&str], prefix: &str, suffix: &str) -> (Running, SocketAddr) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sparklet"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start sparklet");
    let stdout = child.stdout.take().expect("piped stdout");
    let running = Running(child);
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("read the first line");
    let addr = line
        .trim_end()
        .strip_prefix(prefix)
        .and_then(|rest| rest.strip_suffix(suffix))
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
    let addr: SocketAddr = addr.parse().expect("an address");
    assert_ne!(addr.port(), 0, "the real port, not the requested 0");
    (running, addr)
}

#[tokio::test]
async fn the_serve_command_prints_its_real_address() {
    let dist = tempfile::tempdir().expect("temp dir");
    std::fs::write(dist.path().join("index.html"), "binary test page").expect("write index");
    let dist_arg = dist.path().to_str().expect("UTF-8 temp path");
    let (_server, addr) = run_binary(
        &["serve", "--addr", "127.0.0.1:0", "--dist", dist_arg],
        "Sparklet dashboard: http://",
        "/",
    );
    let (status, body) = get(addr, "/").await;
    assert_eq!((status, body.as_str()), (200, "binary test page"));
}

#[tokio::test]
async fn the_feed_command_prints_its_feed_url() {
    let (_server, addr) = run_binary(
        &["feed", "--addr", "127.0.0.1:0"],
        "Sparklet feeds: ws://",
        "/feed/words",
    );
    let got = fetch_feed(addr, "/feed/words?rate=0&limit=3").await;
    assert_eq!(got.records().len(), 3);
}

#[tokio::test]
async fn allow_origin_lets_that_page_use_the_feeds() {
    let (_server, addr) = run_binary(
        &[
            "feed",
            "--addr",
            "127.0.0.1:0",
            "--allow-origin",
            "http://myhost.lan:8080",
            "--allow-origin",
            "http://other.lan:*",
        ],
        "Sparklet feeds: ws://",
        "/feed/words",
    );
    for origin in ["http://myhost.lan:8080", "http://other.lan:1234"] {
        let mut client = connect_from(addr, "/feed/words?rate=0&limit=3", origin)
            .await
            .unwrap_or_else(|e| panic!("{origin}: {e}"));
        assert_eq!(receive_all(&mut client).await.records().len(), 3);
    }
    assert!(connect_from(addr, "/feed/words", "http://myhost.lan:9999")
        .await
        .is_err());
}

#[test]
fn a_malformed_allow_origin_is_refused_at_start() {
    let out = Command::new(env!("CARGO_BIN_EXE_sparklet"))
        .args(["serve", "--addr", "127.0.0.1:0", "--allow-origin", "*"])
        .output()
        .expect("run sparklet");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("'*' is not an origin"), "{stderr}");
}

/// What a Structured Streaming query's listener posts, and what is not.
#[tokio::test]
async fn query_progress_is_kept_and_anything_else_refused_with_why() {
    let addr = start(None).await;
    let report = |batch: u64| {
        format!(
            r#"{{"id":"q1","name":"n","batchId":{batch},"timestamp":"2026-12-04T10:00:0{batch}.000Z","numInputRows":7}}"#
        )
    };
    for batch in 0..3 {
        let r = post(addr, "/spark/progress", &[], report(batch).as_bytes()).await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    for (body, says) in [
        (&b"{\"id\":\"q1\",\"timestamp\":\"t\"}"[..], "no `batchId`"),
        (b"not json", "not JSON"),
        (b"[]", "not a JSON object"),
    ] {
        let r = post(addr, "/spark/progress", &[], body).await;
        assert_eq!(r.status, 400);
        assert!(r.body.contains(says), "{}", r.body);
    }
    let big = vec![b' '; 300 * 1024];
    assert_eq!(post(addr, "/spark/progress", &[], &big).await.status, 413);
    let foreign = [("Origin", "https://elsewhere.example")];
    let r = post(addr, "/spark/progress", &foreign, report(9).as_bytes()).await;
    assert_eq!(r.status, 403, "a page of another origin may not post");

    let all = get_json(addr, "/spark/progress").await;
    assert_eq!(all["refused"], 3);
    assert_eq!(all["next"], 4);
    let batches: Vec<u64> = all["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["progress"]["batchId"].as_u64().unwrap())
        .collect();
    assert_eq!(batches, [0, 1, 2]);
    let newer = get_json(addr, "/spark/progress?after=2").await;
    assert_eq!(newer["reports"].as_array().unwrap().len(), 1);
    assert_eq!(newer["reports"][0]["seq"], 3);
}
