//! Sources end to end in a real headless Chromium: the seed's own example
//! (a TCP line server, word counts), a file appended to, rotated and
//! truncated, a directory receiving files, standard input piped into the
//! real binary. The ground truth is counted here, from the text the test
//! itself sent, never by the code under test.

mod browser;
mod common;
mod feeds;
mod line_server;
mod texts;

use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::Duration;

use browser::Browser;
use line_server::{line_server, sending};
use sparklet::source::SourceSpec;
use sparklet::ServerConfig;
use texts::{text, wait_for_counts, word_counts, TOTALS};

async fn serve(sources: &[String]) -> SocketAddr {
    let config = ServerConfig {
        sources: sources
            .iter()
            .map(|s| s.parse::<SourceSpec>().unwrap())
            .collect(),
        ..ServerConfig::default()
    };
    common::start_with(Some(browser::dist()), config).await
}

/// The seed's example: `nc -lk 9999` sending a known text, read as
/// `socketTextStream` reads it; the page's word counts equal the text's.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium, chromedriver and a built dist/: run by `make e2e`"]
async fn the_seeds_line_server_example_counts_exactly() {
    let body = text(20_000, 1);
    let pieces = body.as_bytes().chunks(8192).map(<[u8]>::to_vec).collect();
    let port = line_server(pieces, Duration::from_millis(20));
    let addr = serve(&[format!("seed=tcp://127.0.0.1:{port}")]).await;
    let b = Browser::start().await;
    let feed = format!("ws://{addr}/feed/seed");
    b.open(
        addr,
        &[("feed", &feed), ("pipeline", TOTALS), ("batch", "500ms")],
    )
    .await;
    wait_for_counts(&b, 20_000, &word_counts(&body), "tcp").await;
    let status = b.wait_for_text("source-status", "connected to", 10).await;
    eprintln!("source status: {status}");
    let shot = b.screenshot("source-tcp").await;
    eprintln!("screenshot: {}", shot.display());
    b.close().await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium, chromedriver and a built dist/: run by `make e2e`"]
async fn a_file_appended_rotated_and_truncated_counts_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.log");
    let parts = [text(3000, 2), text(2000, 3), text(1000, 4), text(500, 5)];
    let append = |t: &str| {
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .unwrap();
        f.write_all(t.as_bytes()).unwrap();
    };
    append(&parts[0]);
    let addr = serve(&[format!("logs=file:{}", path.display())]).await;
    let b = Browser::start().await;
    let feed = format!("ws://{addr}/feed/logs");
    b.open(
        addr,
        &[("feed", &feed), ("pipeline", TOTALS), ("batch", "500ms")],
    )
    .await;
    wait_for_counts(&b, 3000, &word_counts(&parts[0]), "the file's lines").await;
    append(&parts[1]);
    wait_for_counts(&b, 5000, &word_counts(&(parts[..2].concat())), "appended").await;
    std::fs::rename(&path, dir.path().join("app.log.1")).unwrap();
    append(&parts[2]);
    wait_for_counts(&b, 6000, &word_counts(&parts[..3].concat()), "rotated").await;
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(0)
        .unwrap();
    b.wait_for_text("source-status", "truncated", 10).await;
    append(&parts[3]);
    wait_for_counts(&b, 6500, &word_counts(&parts.concat()), "truncated").await;
    b.close().await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium, chromedriver and a built dist/: run by `make e2e`"]
async fn a_directory_receiving_files_counts_exactly_and_ignores_hidden_ones() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("old.txt"), "there before the stream\n").unwrap();
    let addr = serve(&[format!("inbox=dir:{}", dir.path().display())]).await;
    let b = Browser::start().await;
    let feed = format!("ws://{addr}/feed/inbox");
    b.open(
        addr,
        &[("feed", &feed), ("pipeline", TOTALS), ("batch", "500ms")],
    )
    .await;
    b.wait_for_text("source-status", "watching", 20).await;
    let files = [text(1500, 6), text(700, 7), text(300, 8)];
    for (i, body) in files.iter().enumerate() {
        std::fs::write(dir.path().join(format!("part-{i}.txt")), body).unwrap();
        std::fs::write(dir.path().join(format!(".part-{i}.crc")), "ignored words\n").unwrap();
        std::fs::write(dir.path().join(format!("_tmp-{i}")), "ignored words\n").unwrap();
    }
    wait_for_counts(&b, 2500, &word_counts(&files.concat()), "the new files").await;
    b.close().await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium, chromedriver and a built dist/: run by `make e2e`"]
async fn standard_input_piped_into_the_binary_counts_exactly() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sparklet"))
        .args(["serve", "--addr", "127.0.0.1:0", "--dist"])
        .arg(browser::dist())
        .args(["--source", "app=-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start sparklet serve");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.trim().rsplit(' ').next().unwrap().to_string();
    let addr: SocketAddr = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .parse()
        .unwrap();
    let body = text(10_000, 9);
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(body.as_bytes()).unwrap();
    drop(stdin);
    let b = Browser::start().await;
    let feed = format!("ws://{addr}/feed/app");
    b.open(
        addr,
        &[("feed", &feed), ("pipeline", TOTALS), ("batch", "500ms")],
    )
    .await;
    wait_for_counts(&b, 10_000, &word_counts(&body), "stdin").await;
    let stats = b
        .wait_for_stats(20, "the feed ends with the input", |s| {
            s["state"] == "ended"
        })
        .await;
    assert!(
        stats["state_reason"]
            .as_str()
            .unwrap_or_default()
            .contains("standard input closed"),
        "{stats:#}"
    );
    b.close().await;
    let _ = child.kill();
    let _ = child.wait();
}

/// Bad input from a source reaches the page as malformed records with
/// their reasons, the stream goes on, and the counts of the good lines are
/// exact.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium, chromedriver and a built dist/: run by `make e2e`"]
async fn bad_input_from_a_source_is_counted_and_shown() {
    let good = text(1000, 10);
    let mut long = vec![b'x'; 16 << 20];
    long.push(b'\n');
    let chunks = vec![
        b"\xff\xfe not utf-8\n".to_vec(),
        long,
        good.as_bytes().to_vec(),
    ];
    let port = line_server(chunks, Duration::ZERO);
    let addr = serve(&[format!("bad=tcp://127.0.0.1:{port}")]).await;
    let b = Browser::start().await;
    let feed = format!("ws://{addr}/feed/bad");
    b.open(
        addr,
        &[("feed", &feed), ("pipeline", TOTALS), ("batch", "500ms")],
    )
    .await;
    wait_for_counts(&b, 1002, &word_counts(&good), "good lines").await;
    let stats = b.stats().await;
    assert_eq!(stats["malformed"], 2, "{stats:#}");
    let reasons = stats["malformed_samples"].to_string();
    assert!(reasons.contains("invalid UTF-8"), "{reasons}");
    assert!(reasons.contains("line limit"), "{reasons}");
    b.close().await;
}

/// `sparklet serve --source seed=tcp://...` and the printed URL, bare, is
/// the whole setup: the page opens the first source with the default word
/// count.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium, chromedriver and a built dist/: run by `make e2e`"]
async fn the_bare_url_opens_the_first_source() {
    let body = text(500, 11);
    let port = sending(&body);
    let dir = tempfile::tempdir().unwrap();
    let addr = serve(&[
        format!("seed=tcp://127.0.0.1:{port}"),
        format!("other=dir:{}", dir.path().display()),
    ])
    .await;
    let b = Browser::start().await;
    b.goto(&format!("http://{addr}/")).await;
    let stats = b
        .wait_for_stats(30, "the first source's lines counted", |s| {
            s["lines"].as_u64() >= Some(500) && s["output"].is_array()
        })
        .await;
    assert_eq!(stats["feed"], format!("ws://{addr}/feed/seed"));
    assert_eq!(stats["pipeline"], sparklet_engine::DEFAULT_PIPELINE);
    assert_eq!(stats["lines"], 500);
    b.close().await;
}
