//! `tcp://HOST:PORT`: a line server, read as Spark's `socketTextStream`
//! reads one (`nc -lk 9999` in the seed's example). Sparklet connects to
//! it, and reconnects with backoff when it closes or cannot be reached;
//! every line is a record.

use std::io::{ErrorKind, Read};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

use super::log::RecordLog;
use super::reader::{orphaned, seconds, Backoff, Reader};

/// How long a connection attempt may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// After this long with nothing received, the status says so (the server
/// may accept and never send).
const QUIET: Duration = Duration::from_secs(10);

/// Reads `host:port` until the server that owns `log` stops.
pub fn run(log: Arc<RecordLog>, host: &str, port: u16) {
    let target = if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    // A line server has no past to catch up on: a page asking for a record
    // beyond what arrived since this server started will not get it.
    log.caught_up();
    let mut backoff = Backoff::new();
    while !orphaned(&log) {
        log.set_status(format!("connecting to {target}"));
        let why = match connect(host, port) {
            Ok(stream) => {
                backoff.reset();
                log.set_status(format!("connected to {target}"));
                read(&log, stream, &target)
            }
            Err(e) => format!("cannot connect to {target} ({e})"),
        };
        let wait = backoff.next_wait();
        log.set_status(format!("{why}; reconnecting in {}", seconds(wait)));
        std::thread::sleep(wait);
    }
}

fn connect(host: &str, port: u16) -> std::io::Result<TcpStream> {
    let mut last = std::io::Error::new(ErrorKind::NotFound, "the name has no address");
    for addr in (host, port).to_socket_addrs()? {
        match TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT) {
            Ok(stream) => return Ok(stream),
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// Reads lines until the connection ends; returns why it ended.
fn read(log: &Arc<RecordLog>, mut stream: TcpStream, target: &str) -> String {
    let _ = stream.set_read_timeout(Some(QUIET));
    let mut reader = Reader::new(log.clone());
    let mut buf = vec![0u8; 64 * 1024];
    let mut quiet = false;
    let why = loop {
        match stream.read(&mut buf) {
            Ok(0) => break format!("{target} closed the connection"),
            Ok(n) => {
                reader.push(&buf[..n]);
                reader.flush();
                if std::mem::take(&mut quiet) {
                    log.set_status(format!("connected to {target}"));
                }
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                if orphaned(log) {
                    break "the server stopped".into();
                }
                quiet = true;
                log.set_status(format!(
                    "connected to {target}; nothing received for {} s",
                    QUIET.as_secs()
                ));
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => break format!("the connection to {target} failed ({e})"),
        }
    };
    reader.finish();
    why
}
