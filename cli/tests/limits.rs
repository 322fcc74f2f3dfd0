//! What one client can cost the server: messages over 1 KiB, connections
//! beyond the cap, truth recounts beyond theirs (and recounts nobody waits
//! for), requests whose headers never end. Each limit is reached with a
//! small configured value, so the tests are quick and would fail without it.

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::{connect, parse_response, receive_all, request, send_text, start, start_with};
use sparklet::ServerConfig;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[tokio::test]
async fn a_client_message_over_1_kib_closes_the_feed_with_1009() {
    let addr = start(None).await;
    let mut client = connect(addr, "/feed/words?rate=10").await;
    send_text(
        &mut client,
        &format!(r#"{{"rate": 5, "pad": "{}"}}"#, "x".repeat(2048)),
    )
    .await;
    let got = receive_all(&mut client).await;
    assert_eq!(got.close_code, Some(1009), "message too big");

    // A `{"rate": N}` of exactly 1 KiB is a message like any other.
    let rate = r#"{"rate": 40}"#;
    let padded = format!(
        "{rate}{}",
        " ".repeat(sparklet::feed::MAX_CLIENT_MESSAGE - rate.len())
    );
    assert_eq!(padded.len(), 1024);
    let mut client = connect(addr, "/feed/words?rate=1000&limit=60").await;
    let started = Instant::now();
    send_text(&mut client, &padded).await;
    let got = receive_all(&mut client).await;
    assert_eq!(got.close_code, Some(1000));
    assert_eq!(got.records().len(), 60);
    assert!(
        started.elapsed() >= Duration::from_millis(800),
        "the rate message was taken: 60 records at 40/s, not in {:?}",
        started.elapsed()
    );
}

/// Sends a GET for `path` and returns the socket, the response unread.
async fn send_get(addr: SocketAddr, path: &str) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream
        .write_all(request.as_bytes())
        .await
        .expect("send request");
    stream
}

/// Whether any of the response arrives within `wait`.
async fn answered_within(stream: &mut TcpStream, wait: Duration) -> bool {
    let mut byte = [0u8; 1];
    tokio::time::timeout(wait, stream.peek(&mut byte))
        .await
        .is_ok()
}

#[tokio::test]
async fn connections_beyond_the_cap_wait_until_one_closes() {
    let config = ServerConfig {
        max_connections: 2,
        ..ServerConfig::default()
    };
    let addr = start_with(None, config).await;
    // Two feed sockets take both slots: an upgraded socket keeps its slot.
    let first = connect(addr, "/feed/words?rate=1").await;
    let second = connect(addr, "/feed/words?rate=1").await;
    let mut waiting = Vec::new();
    for _ in 0..3 {
        waiting.push(send_get(addr, "/feed/words/truth?limit=5").await);
    }
    for stream in &mut waiting {
        assert!(
            !answered_within(stream, Duration::from_millis(300)).await,
            "a connection beyond the cap was served"
        );
    }
    drop(first);
    drop(second);
    for mut stream in waiting {
        let mut response = Vec::new();
        tokio::time::timeout(common::PATIENCE, stream.read_to_end(&mut response))
            .await
            .expect("served once a slot is free")
            .expect("read the response");
        assert_eq!(parse_response(&response).status, 200);
    }
}

#[tokio::test]
async fn truth_recounts_beyond_the_cap_get_503_and_a_dropped_client_cancels_its_recount() {
    let config = ServerConfig {
        max_truth_recounts: 2,
        ..ServerConfig::default()
    };
    let addr = start_with(None, config).await;
    // Two recounts of the largest prefix: minutes of CPU each if not stopped.
    let slow = [
        send_get(addr, "/feed/words/truth?limit=100000000").await,
        send_get(addr, "/feed/events/truth?limit=100000000").await,
    ];
    let deadline = Instant::now() + Duration::from_secs(10);
    let busy = loop {
        let response = request(addr, "/feed/words/truth?limit=5", &[]).await;
        if response.status == 503 {
            break response;
        }
        assert_eq!(response.status, 200, "{}", response.body);
        assert!(Instant::now() < deadline, "the slow recounts never started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(busy.body.contains("busy"), "{}", busy.body);
    assert_eq!(busy.header("retry-after"), ["2"]);

    // The clients leave: their recounts stop and free their slots.
    drop(slow);
    let left = Instant::now();
    loop {
        let response = request(addr, "/feed/words/truth?limit=5", &[]).await;
        if response.status == 200 {
            break;
        }
        assert_eq!(response.status, 503, "{}", response.body);
        assert!(
            left.elapsed() < Duration::from_secs(3),
            "the recounts went on after their clients left"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_dropped() {
    let config = ServerConfig {
        header_read_timeout: Duration::from_millis(300),
        ..ServerConfig::default()
    };
    let addr = start_with(None, config).await;
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let started = Instant::now();
    stream
        .write_all(b"GET /feed/words/truth?limit=5 HTT")
        .await
        .expect("send part of a request");
    let mut rest = Vec::new();
    let ended = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut rest)).await;
    assert!(ended.is_ok(), "the connection was held open");
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(250),
        "dropped early: {elapsed:?}"
    );

    // A whole request in time is served as ever; the connection kept alive
    // after it is closed once idle for as long.
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let request = format!("GET /feed/words/truth?limit=5 HTTP/1.1\r\nHost: {addr}\r\n\r\n");
    stream
        .write_all(request.as_bytes())
        .await
        .expect("send request");
    let mut response = Vec::new();
    let ended =
        tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut response)).await;
    assert!(ended.is_ok(), "an idle kept-alive connection was held open");
    assert_eq!(parse_response(&response).status, 200);
}
