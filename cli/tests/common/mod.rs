//! What every integration test needs: the real server on `127.0.0.1:0`, a
//! real WebSocket client, and a bare HTTP GET for the plain endpoints.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use sparklet::ServerConfig;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{connect_async, MaybeTlsStream, WebSocketStream};

pub type Client = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// No test should ever wait longer than this for a feed.
pub const PATIENCE: Duration = Duration::from_secs(20);

/// Starts the server in this test's runtime and returns its address.
pub async fn start(dist: Option<PathBuf>) -> SocketAddr {
    start_with(dist, ServerConfig::default()).await
}

/// The same with `config`: other allowed origins, smaller limits.
pub async fn start_with(dist: Option<PathBuf>, config: ServerConfig) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a free port");
    let addr = listener.local_addr().expect("bound address");
    tokio::spawn(sparklet::serve_with(listener, dist, config));
    addr
}

pub async fn connect(addr: SocketAddr, path_and_query: &str) -> Client {
    let (client, _) = connect_async(format!("ws://{addr}{path_and_query}"))
        .await
        .expect("websocket upgrade");
    client
}

/// A WebSocket upgrade as a page at `origin` makes it: the client, or the
/// HTTP response that refused it.
pub async fn connect_from(
    addr: SocketAddr,
    path_and_query: &str,
    origin: &str,
) -> Result<Client, tokio_tungstenite::tungstenite::Error> {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut request = format!("ws://{addr}{path_and_query}")
        .into_client_request()
        .expect("a WebSocket URL");
    request
        .headers_mut()
        .insert("Origin", origin.parse().expect("an ASCII origin"));
    connect_async(request).await.map(|(client, _)| client)
}

/// Everything a feed sent before closing.
#[derive(Debug)]
pub struct Received {
    /// The first frame, when it is the feed's hello (`{"sparklet": ...}`):
    /// an announcement, not data.
    pub hello: Option<String>,
    /// The other text frames, in order: the records.
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

/// Whether `text` is a feed's hello, read as the page reads it.
pub fn is_hello(text: &str) -> bool {
    sparklet_engine::hello::FeedHello::parse(text).is_some()
}

/// Reads frames until the server closes; a first frame that is a hello is
/// kept apart from the records.
pub async fn receive_all(client: &mut Client) -> Received {
    let mut hello = None;
    let mut frames = Vec::new();
    let mut close_code = None;
    let read = async {
        while let Some(msg) = client.next().await {
            match msg.expect("a well-formed frame") {
                Message::Text(text) if hello.is_none() && frames.is_empty() && is_hello(&text) => {
                    hello = Some(text.as_str().to_owned())
                }
                Message::Text(text) => frames.push(text.as_str().to_owned()),
                Message::Close(frame) => close_code = frame.map(|f| u16::from(f.code)),
                _ => {}
            }
        }
    };
    tokio::time::timeout(PATIENCE, read)
        .await
        .expect("the feed closes in time");
    Received {
        hello,
        frames,
        close_code,
    }
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

/// Records that arrive on `client` within `secs` (hello and notices are
/// not records).
pub async fn records_within(client: &mut Client, secs: f64) -> u64 {
    let deadline = tokio::time::Instant::now() + Duration::from_secs_f64(secs);
    let mut records = 0;
    while let Ok(Some(msg)) = tokio::time::timeout_at(deadline, client.next()).await {
        match msg.expect("a frame") {
            Message::Text(t) if !t.starts_with("{\"sparklet\"") => {
                records += t.split('\n').count() as u64;
            }
            Message::Binary(b) => records += b.split(|c| *c == b'\n').count() as u64,
            _ => {}
        }
    }
    records
}

/// The feed protocol's credit, on a feed paced at 1000 records/s with
/// more than 1000 records: given `{"ack": 0, "window": 300}` at once, it
/// sends 300 records however long it is given, and 300 more after
/// `{"ack": 300, "window": 300}`.
pub async fn check_credit(addr: SocketAddr, path: &str) {
    let mut client = connect(addr, &format!("{path}?rate=1000")).await;
    send_text(&mut client, r#"{"ack": 0, "window": 300}"#).await;
    assert_eq!(
        records_within(&mut client, 1.0).await,
        300,
        "{path}: the first window"
    );
    send_text(&mut client, r#"{"ack": 300, "window": 300}"#).await;
    assert_eq!(
        records_within(&mut client, 1.0).await,
        300,
        "{path}: after the ack"
    );
}

/// A plain HTTP/1.1 GET: the status code and the body.
pub async fn get(addr: SocketAddr, path_and_query: &str) -> (u16, String) {
    let response = request(addr, path_and_query, &[]).await;
    (response.status, response.body)
}

/// An HTTP response as read off the socket.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    /// Header names lower-cased, in order.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Response {
    /// Every value of header `name` (lower case).
    pub fn header(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// A GET with `headers` besides `Host` (which `headers` may replace).
pub async fn request(addr: SocketAddr, path_and_query: &str, headers: &[(&str, &str)]) -> Response {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let mut request = format!("GET {path_and_query} HTTP/1.1\r\nConnection: close\r\n");
    if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("host")) {
        request.push_str(&format!("Host: {addr}\r\n"));
    }
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream
        .write_all(request.as_bytes())
        .await
        .expect("send request");
    read_response(&mut stream).await
}

/// A POST of `body` with `headers` besides `Host` and `Content-Length`.
pub async fn post(addr: SocketAddr, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Response {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let mut request = format!(
        "POST {path} HTTP/1.1\r\nConnection: close\r\nHost: {addr}\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    let mut bytes = request.into_bytes();
    bytes.extend_from_slice(body);
    stream.write_all(&bytes).await.expect("send request");
    read_response(&mut stream).await
}

/// Reads a whole `Connection: close` response.
pub async fn read_response(stream: &mut TcpStream) -> Response {
    let mut response = Vec::new();
    tokio::time::timeout(PATIENCE, stream.read_to_end(&mut response))
        .await
        .expect("a response in time")
        .expect("read response");
    parse_response(&response)
}

pub fn parse_response(response: &[u8]) -> Response {
    let response = String::from_utf8_lossy(response);
    let (head, body) = response.split_once("\r\n\r\n").expect("headers end");
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .expect("a status code");
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Response {
        status,
        headers,
        body: body.to_owned(),
    }
}

/// A GET whose answer must be 200 and JSON.
pub async fn get_json(addr: SocketAddr, path_and_query: &str) -> serde_json::Value {
    let (status, body) = get(addr, path_and_query).await;
    assert_eq!(status, 200, "{path_and_query}: {body}");
    serde_json::from_str(&body).expect("a JSON body")
}

/// The events truth's `windows` rows (`{start, end, key, count}`) as
/// (start, key) -> count, for the windows that end at or before `below`.
pub fn truth_windows(
    rows: &[serde_json::Value],
    below: i64,
) -> std::collections::BTreeMap<(i64, String), i64> {
    rows.iter()
        .filter(|w| w["end"].as_i64().unwrap() <= below)
        .map(|w| {
            let key = (
                w["start"].as_i64().unwrap(),
                w["key"].as_str().unwrap().to_owned(),
            );
            (key, w["count"].as_i64().unwrap())
        })
        .collect()
}
