//! The Kafka source against a real Kafka-protocol broker (tansu, which
//! `make test` installs), records produced by a Kafka client of its own
//! (kafka-python, in the project's `.venv`): the page counts exactly what
//! was produced, across three partitions, and still exactly after the
//! `sparklet feed` serving the topic is killed and started again mid-run.
//! An unreachable broker is a status in the page, not a crash.

mod browser;
mod common;
mod feeds;
mod texts;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use browser::{counts, Browser};
use feeds::free_port;
use texts::{word_counts, TOTALS};

/// A child process killed when dropped, so a failing test leaves none.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn wait_for_port(port: u16, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "{what} did not start on {port}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// tansu with its memory storage on a free port.
fn broker() -> (Process, u16) {
    let port = free_port();
    let child = Command::new("tansu")
        .args([
            "--listener-url",
            &format!("tcp://127.0.0.1:{port}"),
            "--advertised-listener-url",
            &format!("tcp://127.0.0.1:{port}"),
            "--storage-engine",
            "memory://tansu/",
            "--silent",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start tansu (make test installs it: cargo install tansu)");
    let process = Process(child);
    wait_for_port(port, "tansu");
    (process, port)
}

fn python() -> PathBuf {
    let python = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/python");
    assert!(
        python.is_file(),
        "no {}: make test makes it (python3 -m venv .venv; pip install kafka-python)",
        python.display()
    );
    python
}

/// Creates `topic` with `partitions` and produces each line of `text` as
/// one record, round robin over the partitions, with kafka-python.
fn produce(port: u16, topic: &str, partitions: u32, text: &str, create: bool) {
    let dir = tempfile::tempdir().unwrap();
    let lines = dir.path().join("lines.txt");
    std::fs::write(&lines, text).unwrap();
    let script = r#"
import sys
from kafka import KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic
servers, topic, partitions, path, create = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5] == "1"
if create:
    admin = KafkaAdminClient(bootstrap_servers=servers)
    admin.create_topics([NewTopic(name=topic, num_partitions=partitions, replication_factor=1)])
    admin.close()
producer = KafkaProducer(bootstrap_servers=servers, linger_ms=5)
with open(path, "rb") as f:
    for i, line in enumerate(f.read().split(b"\n")):
        if line:
            producer.send(topic, value=line, partition=i % partitions)
producer.flush()
producer.close()
"#;
    let out = Command::new(python())
        .args(["-c", script])
        .arg(format!("127.0.0.1:{port}"))
        .arg(topic)
        .arg(partitions.to_string())
        .arg(&lines)
        .arg(if create { "1" } else { "0" })
        .output()
        .expect("run kafka-python");
    assert!(
        out.status.success(),
        "producing failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The real binary serving the topic as a source, its journal in `state`.
fn feed(port: u16, source: &str, state: &Path) -> Process {
    let child = Command::new(env!("CARGO_BIN_EXE_sparklet"))
        .args(["feed", "--addr", &format!("127.0.0.1:{port}")])
        .args(["--source", source])
        .env("SPARKLET_STATE_DIR", state)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start sparklet feed");
    let process = Process(child);
    wait_for_port(port, "sparklet feed");
    process
}

fn text(lines: usize, salt: usize) -> String {
    const WORDS: [&str; 9] = [
        "kafka",
        "topic",
        "offset",
        "partition",
        "record",
        "broker",
        "log",
        "the",
        "a",
    ];
    (0..lines)
        .map(|i| {
            (0..1 + (i * 5 + salt) % 7)
                .map(|j| WORDS[(i * 13 + j * 11 + salt) % WORDS.len()])
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs tansu, kafka-python, Chromium and a built dist/: run by `make e2e`"]
async fn a_topic_is_counted_exactly_even_when_the_server_restarts_mid_run() {
    let (_broker, kafka) = broker();
    let first = text(30_000, 1);
    let second = text(20_000, 2);
    produce(kafka, "clicks", 3, &first, true);

    let state = tempfile::tempdir().unwrap();
    let port = free_port();
    let source = format!("k=kafka://127.0.0.1:{kafka}/clicks");
    let mut server = feed(port, &source, state.path());
    let addr: SocketAddr = common::start(Some(browser::dist())).await;
    let b = Browser::start().await;
    // Paced, so the restart lands mid-run.
    let url = format!("ws://127.0.0.1:{port}/feed/k?rate=10000");
    b.open(
        addr,
        &[("feed", &url), ("pipeline", TOTALS), ("batch", "500ms")],
    )
    .await;
    b.wait_for_stats(60, "part of the topic is in", |s| {
        s["lines"].as_u64() >= Some(8_000)
    })
    .await;
    drop(server);
    let down = b
        .wait_for_stats(10, "the page sees the drop", |s| {
            s["state"] == "reconnecting"
        })
        .await;
    let before = down["lines"].as_u64().unwrap();
    assert!(before < 30_000, "killed mid-run, at {before}");
    // More records while the server is down.
    produce(kafka, "clicks", 3, &second, false);
    server = feed(port, &source, state.path());
    let total = 50_000;
    let truth = word_counts(&(first.clone() + &second));
    let stats = b
        .wait_for_stats(120, "every record after the restart", |s| {
            s["lines"].as_u64() >= Some(total)
                && s["pending"] == 0
                && s["output"].is_array()
                && counts(&s["output"]).values().sum::<i64>() == truth.values().sum::<i64>()
        })
        .await;
    eprintln!(
        "killed at {before} records; reconnects {}; records {}",
        stats["reconnects"], stats["records"]
    );
    assert_eq!(stats["lines"], total, "nothing lost, nothing twice");
    assert_eq!(stats["gaps"], 0, "the restarted server resumed where asked");
    assert_eq!(counts(&stats["output"]), truth, "exact counts");
    assert!(stats["reconnects"].as_u64() >= Some(1));
    drop(server);
    b.close().await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium and a built dist/: run by `make e2e`"]
async fn an_unreachable_broker_is_shown_and_retried() {
    let dead = free_port();
    let config = sparklet::ServerConfig {
        sources: vec![format!("k=kafka://127.0.0.1:{dead}/t").parse().unwrap()],
        state_dir: None,
        ..sparklet::ServerConfig::default()
    };
    let addr = common::start_with(Some(browser::dist()), config).await;
    let b = Browser::start().await;
    let url = format!("ws://{addr}/feed/k");
    b.open(addr, &[("feed", &url)]).await;
    let status = b
        .wait_for_text("source-status", "cannot reach Kafka", 30)
        .await;
    assert!(status.contains("trying again in"), "{status}");
    b.close().await;
}
