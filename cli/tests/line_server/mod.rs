//! A line server as `nc -lk` is one, for the source tests: it accepts one
//! connection, sends its chunks (a `pause` between them, so a page sees
//! several batches), and keeps the connection open.

#![allow(dead_code)]

use std::io::Write;
use std::net::TcpListener;
use std::time::Duration;

/// How long the connection stays open after the last chunk.
const HOLD: Duration = Duration::from_secs(600);

/// Starts the server on a free port of 127.0.0.1 and returns the port. No
/// chunks is a server that accepts and never sends.
pub fn line_server(chunks: Vec<Vec<u8>>, pause: Duration) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = listener.local_addr().expect("its address").port();
    std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().expect("a connection");
        for chunk in chunks {
            conn.write_all(&chunk).expect("send a chunk");
            std::thread::sleep(pause);
        }
        std::thread::sleep(HOLD);
    });
    port
}

/// `text` whole, in one chunk, once the returned sender is used (or
/// dropped): a page can be connected before the first line arrives.
pub fn sending_when_told(text: &str) -> (u16, std::sync::mpsc::Sender<()>) {
    let (go, told) = std::sync::mpsc::channel::<()>();
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = listener.local_addr().expect("its address").port();
    let text = text.as_bytes().to_vec();
    std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().expect("a connection");
        let _ = told.recv();
        conn.write_all(&text).expect("send the text");
        std::thread::sleep(HOLD);
    });
    (port, go)
}

/// `text` whole, in one chunk.
pub fn sending(text: &str) -> u16 {
    line_server(vec![text.as_bytes().to_vec()], Duration::ZERO)
}
