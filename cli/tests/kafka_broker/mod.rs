//! A real Kafka-protocol broker for the tests (tansu, which `make test`
//! installs) and a real Kafka client to fill it (kafka-python, in the
//! project's `.venv`), so no test's truth passes through the code under test.

#![allow(dead_code)]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::feeds::free_port;
pub use crate::venv::{python, Process};

pub fn wait_for_port(port: u16, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "{what} did not start on {port}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// tansu with its memory storage on a free port.
pub fn broker() -> (Process, u16) {
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

/// Creates `topic` with `partitions` and produces each line of `text` as
/// one record, round robin over the partitions, with kafka-python.
pub fn produce(port: u16, topic: &str, partitions: u32, text: &str, create: bool) {
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
