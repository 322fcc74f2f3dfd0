//! Feeds for the reliability tests: the real `sparklet feed` as a process
//! that can be killed, a third-party feed sending chosen frames, and a
//! memory watch on the page.

#![allow(dead_code)]

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::browser::Browser;

/// A `sparklet feed` process, the real binary: killed when dropped, so a
/// failing test leaves none behind.
pub struct FeedProcess(Child);

impl FeedProcess {
    /// Kills it as a crash would (SIGKILL: no close frames).
    pub fn kill(&mut self) {
        self.0.kill().expect("kill the feed");
        self.0.wait().expect("the feed is gone");
    }
}

impl Drop for FeedProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A `sparklet feed` process on `port`.
pub fn feed_process(port: u16) -> FeedProcess {
    let child = Command::new(env!("CARGO_BIN_EXE_sparklet"))
        .args(["feed", "--addr", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start sparklet feed");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "the feed did not start"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    FeedProcess(child)
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// Overload runs last this long by default; `SPARKLET_LONG=1` runs the
/// full minute the issue asks for.
pub fn overload_records() -> u64 {
    if std::env::var_os("SPARKLET_LONG").is_some() {
        20_000_000
    } else {
        3_000_000
    }
}

/// Peak memory of the tab while `until` is false: wasm linear memory plus
/// the JS heap, sampled twice a second. Returns the last stats and the peak.
pub async fn watch_memory(
    b: &Browser,
    secs: u64,
    until: impl Fn(&serde_json::Value) -> bool,
) -> (serde_json::Value, f64, Vec<f64>) {
    let deadline = std::time::Instant::now() + Duration::from_secs(secs);
    let mut peak: f64 = 0.0;
    let mut delays = Vec::new();
    loop {
        let s = b.stats().await;
        let heap = b
            .client
            .execute(
                "return performance.memory ? performance.memory.usedJSHeapSize : 0",
                vec![],
            )
            .await
            .expect("heap size")
            .as_f64()
            .unwrap_or(0.0);
        peak = peak.max(s["wasm_memory_bytes"].as_f64().unwrap_or(0.0) + heap);
        if let Some(d) = s["last_batch"]["scheduling_delay_ms"].as_f64() {
            delays.push(d);
        }
        if until(&s) {
            return (s, peak, delays);
        }
        assert!(
            std::time::Instant::now() < deadline,
            "not done in {secs} s: {s:#}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// A feed that is not ours: one connection, these frames, a normal close.
pub async fn third_party_feed(frames: Vec<tokio_tungstenite::tungstenite::Message>) -> String {
    use futures_util::SinkExt;
    use tokio_tungstenite::tungstenite::protocol::{frame::coding::CloseCode, CloseFrame};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.expect("the page connects");
        let config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
            .max_frame_size(None)
            .max_message_size(None);
        let mut ws = tokio_tungstenite::accept_async_with_config(tcp, Some(config))
            .await
            .expect("upgrade");
        for frame in frames {
            ws.send(frame).await.expect("send");
        }
        ws.send(tokio_tungstenite::tungstenite::Message::Close(Some(
            CloseFrame {
                code: CloseCode::Normal,
                reason: "done".into(),
            },
        )))
        .await
        .expect("close");
        tokio::time::sleep(Duration::from_secs(120)).await;
    });
    format!("ws://{addr}/")
}
