//! What every integration test needs: the real server on `127.0.0.1:0`, a
//! real WebSocket client, and a bare HTTP GET for the plain endpoints.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{connect_async, MaybeTlsStream, WebSocketStream};

pub type Client = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// No test should ever wait longer than this for a feed.
pub const PATIENCE: Duration = Duration::from_secs(20);

/// Starts the server in this test's runtime and returns its address.
pub async fn start(dist: Option<PathBuf>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a free port");
    let addr = listener.local_addr().expect("bound address");
    tokio::spawn(sparklet::serve(listener, dist));
    addr
}

pub async fn connect(addr: SocketAddr, path_and_query: &str) -> Client {
    let (client, _) = connect_async(format!("ws://{addr}{path_and_query}"))
        .await
        .expect("websocket upgrade");
    client
}

/// Everything a feed sent before closing.
#[derive(Debug)]
pub struct Received {
    /// Text frames, in order.
    pub frames: Vec<String>,
    /// The close code, if the server sent a close frame.
    pub close_code: Option<u16>,
}

impl Received {
    /// The records: every frame split on '\n'.
    pub fn records(&self) -> Vec<String> {
        self.frames
            .iter()
            .flat_map(|f| f.split('\n'))
            .map(str::to_owned)
            .collect()
    }
}

/// Reads frames until the server closes.
pub async fn receive_all(client: &mut Client) -> Received {
    let mut frames = Vec::new();
    let mut close_code = None;
    let read = async {
        while let Some(msg) = client.next().await {
            match msg.expect("a well-formed frame") {
                Message::Text(text) => frames.push(text.as_str().to_owned()),
                Message::Close(frame) => close_code = frame.map(|f| u16::from(f.code)),
                _ => {}
            }
        }
    };
    tokio::time::timeout(PATIENCE, read)
        .await
        .expect("the feed closes in time");
    Received { frames, close_code }
}

/// Connects to `path_and_query` and reads until the server closes.
pub async fn fetch_feed(addr: SocketAddr, path_and_query: &str) -> Received {
    let mut client = connect(addr, path_and_query).await;
    receive_all(&mut client).await
}

pub async fn send_text(client: &mut Client, text: &str) {
    client
        .send(Message::text(text))
        .await
        .expect("send to the feed");
}

/// A plain HTTP/1.1 GET: the status code and the body.
pub async fn get(addr: SocketAddr, path_and_query: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let request =
        format!("GET {path_and_query} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream
        .write_all(request.as_bytes())
        .await
        .expect("send request");
    let mut response = Vec::new();
    tokio::time::timeout(PATIENCE, stream.read_to_end(&mut response))
        .await
        .expect("a response in time")
        .expect("read response");
    let response = String::from_utf8(response).expect("a UTF-8 response");
    let (head, body) = response.split_once("\r\n\r\n").expect("headers end");
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status code");
    (status, body.to_owned())
}

/// A GET whose answer must be 200 and JSON.
pub async fn get_json(addr: SocketAddr, path_and_query: &str) -> serde_json::Value {
    let (status, body) = get(addr, path_and_query).await;
    assert_eq!(status, 200, "{path_and_query}: {body}");
    serde_json::from_str(&body).expect("a JSON body")
}
