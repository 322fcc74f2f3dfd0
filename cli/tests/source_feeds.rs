//! Sources over the wire, with a real WebSocket client: a TCP line server,
//! a followed file and a watched directory served at `/feed/NAME` with the
//! demo feeds' protocol (hello with the starting offset, frames of whole
//! records, exact `from=` resume), and bad input from each reported as
//! notices, never a crash. The page's side is `sources.rs` (Chromium).

mod common;
mod line_server;

use std::io::Write;
use std::net::{SocketAddr, TcpListener};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use sparklet::source::{SourceSpec, MAX_RECORDS};
use sparklet::ServerConfig;
use sparklet_engine::notice::FeedNotice;
use tokio_tungstenite::tungstenite::Message;

use common::{Client, PATIENCE};
use line_server::line_server;

async fn start(sources: &[&str]) -> SocketAddr {
    let config = ServerConfig {
        sources: sources
            .iter()
            .map(|s| s.parse::<SourceSpec>().expect("a valid --source"))
            .collect(),
        ..ServerConfig::default()
    };
    common::start_with(None, config).await
}

/// What a connection has said so far.
#[derive(Debug, Default)]
struct Heard {
    hello: Option<String>,
    records: Vec<String>,
    /// Lines of binary frames that are not UTF-8, as the page counts them.
    invalid: usize,
    skipped: Vec<(u64, String)>,
    statuses: Vec<String>,
    close: Option<(u16, String)>,
}

impl Heard {
    /// Record lines as the page counts them for `from=` (skips included).
    fn lines(&self) -> u64 {
        self.records.len() as u64
            + self.invalid as u64
            + self.skipped.iter().map(|(n, _)| n).sum::<u64>()
    }
}

/// Reads until `done` holds or the feed closes; panics after PATIENCE.
async fn listen(client: &mut Client, heard: &mut Heard, done: impl Fn(&Heard) -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !done(heard) {
        let left = deadline.saturating_duration_since(Instant::now());
        let msg = tokio::time::timeout(left, client.next())
            .await
            .unwrap_or_else(|_| panic!("not in time; heard so far: {heard:#?}"));
        let Some(msg) = msg else { return };
        match msg.expect("a frame") {
            Message::Text(text) if heard.hello.is_none() => {
                assert!(common::is_hello(&text), "first frame is the hello: {text}");
                heard.hello = Some(text.as_str().into());
            }
            Message::Text(text) => match FeedNotice::parse(&text) {
                Some(n) => {
                    if n.skipped > 0 {
                        heard
                            .skipped
                            .push((n.skipped, n.reason.unwrap_or_default()));
                    }
                    heard.statuses.extend(n.status);
                }
                None => heard.records.extend(text.split('\n').map(str::to_owned)),
            },
            Message::Binary(bytes) => {
                for line in bytes.split(|b| *b == b'\n') {
                    match std::str::from_utf8(line) {
                        Ok(l) => heard.records.push(l.into()),
                        Err(_) => heard.invalid += 1,
                    }
                }
            }
            Message::Close(frame) => {
                heard.close = frame.map(|f| (u16::from(f.code), f.reason.as_str().into()));
                return;
            }
            _ => {}
        }
    }
}

#[tokio::test]
async fn a_line_server_is_a_feed_with_exact_resume() {
    let lines: Vec<String> = (0..5000).map(|i| format!("line {i} of the seed")).collect();
    // Sent in pieces that cut lines in two, as TCP may.
    let text = lines.join("\n") + "\n";
    let chunks = text.as_bytes().chunks(777).map(<[u8]>::to_vec).collect();
    let port = line_server(chunks, Duration::from_millis(5));
    let addr = start(&[&format!("seed=tcp://127.0.0.1:{port}")]).await;

    let mut client = common::connect(addr, "/feed/seed?frame=100").await;
    let mut heard = Heard::default();
    listen(&mut client, &mut heard, |h| h.records.len() >= 5000).await;
    assert_eq!(heard.records, lines);
    assert!(heard.hello.as_deref().unwrap().contains("\"from\":0"));
    assert!(
        heard
            .statuses
            .iter()
            .any(|s| s.starts_with("connected to 127.0.0.1:")),
        "{:?}",
        heard.statuses
    );

    // A second page resuming at 4321 gets exactly the rest.
    let mut again = common::connect(addr, "/feed/seed?from=4321").await;
    let mut rest = Heard::default();
    listen(&mut again, &mut rest, |h| h.records.len() >= 679).await;
    assert!(rest.hello.as_deref().unwrap().contains("\"from\":4321"));
    assert_eq!(rest.records, lines[4321..]);

    let listed = common::get_json(addr, "/sources").await;
    assert_eq!(listed[0]["name"], "seed");
    assert_eq!(listed[0]["records"], 5000);
}

#[tokio::test]
async fn bad_bytes_from_a_line_server_are_counted_not_fatal() {
    let mut long = vec![b'x'; 16 << 20];
    long.push(b'\n');
    let chunks = vec![
        b"good one\n\xff\xfe not utf-8\ngood two\n".to_vec(),
        long,
        b"good three\n".to_vec(),
    ];
    let port = line_server(chunks, Duration::from_millis(5));
    let addr = start(&[&format!("bad=tcp://127.0.0.1:{port}")]).await;
    let mut client = common::connect(addr, "/feed/bad").await;
    let mut heard = Heard::default();
    listen(&mut client, &mut heard, |h| h.lines() >= 5).await;
    assert_eq!(heard.records, ["good one", "good two", "good three"]);
    assert_eq!(heard.invalid, 1, "the page counts it as not UTF-8");
    assert_eq!(heard.skipped.len(), 1);
    assert!(
        heard.skipped[0].1.contains("16.0 MiB") && heard.skipped[0].1.contains("line limit"),
        "{:?}",
        heard.skipped
    );
}

#[tokio::test]
async fn an_unreachable_line_server_is_a_status_not_an_error() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = start(&[&format!("gone=tcp://127.0.0.1:{port}")]).await;
    let mut client = common::connect(addr, "/feed/gone").await;
    let mut heard = Heard::default();
    listen(&mut client, &mut heard, |h| {
        h.statuses
            .iter()
            .any(|s| s.contains("cannot connect") && s.contains("reconnecting in"))
    })
    .await;
    assert!(heard.records.is_empty());
}

#[tokio::test]
async fn a_followed_file_survives_rotation_and_truncation_with_exact_offsets() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.log");
    let write = |text: &str| {
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .unwrap();
        f.write_all(text.as_bytes()).unwrap();
    };
    write("a1\na2\n");
    let addr = start(&[&format!("logs=file:{}", path.display())]).await;
    let mut client = common::connect(addr, "/feed/logs").await;
    let mut heard = Heard::default();
    listen(&mut client, &mut heard, |h| h.records.len() >= 2).await;
    write("a3\n");
    listen(&mut client, &mut heard, |h| h.records.len() >= 3).await;
    // Rotation: renamed away, a new file at the path.
    std::fs::rename(&path, dir.path().join("app.log.1")).unwrap();
    write("b1\nb2\n");
    listen(&mut client, &mut heard, |h| h.records.len() >= 5).await;
    assert!(
        heard.statuses.iter().any(|s| s.contains("rotated")),
        "{:?}",
        heard.statuses
    );
    // Truncation in place, then new lines.
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(0)
        .unwrap();
    tokio::time::sleep(Duration::from_millis(600)).await;
    write("c1\n");
    listen(&mut client, &mut heard, |h| h.records.len() >= 6).await;
    assert_eq!(heard.records, ["a1", "a2", "a3", "b1", "b2", "c1"]);
    assert!(heard.statuses.iter().any(|s| s.contains("truncated")));
    // Deleted under the reader: said so, and the source waits.
    std::fs::remove_file(&path).unwrap();
    listen(&mut client, &mut heard, |h| {
        h.statuses.iter().any(|s| s.contains("was deleted"))
    })
    .await;
    write("d1\n");
    listen(&mut client, &mut heard, |h| h.records.len() >= 7).await;
    assert_eq!(heard.records[6], "d1");

    let mut resumed = common::connect(addr, "/feed/logs?from=4").await;
    let mut rest = Heard::default();
    listen(&mut resumed, &mut rest, |h| h.records.len() >= 3).await;
    assert_eq!(rest.records, ["b2", "c1", "d1"]);
}

#[tokio::test]
async fn from_end_skips_what_the_file_holds() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.log");
    std::fs::write(&path, "old1\nold2\n").unwrap();
    let addr = start(&[&format!("tail=file:{}?from=end", path.display())]).await;
    let mut client = common::connect(addr, "/feed/tail").await;
    let mut heard = Heard::default();
    listen(&mut client, &mut heard, |h| {
        h.statuses.iter().any(|s| s.starts_with("following"))
    })
    .await;
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    f.write_all(b"new1\n").unwrap();
    listen(&mut client, &mut heard, |h| !h.records.is_empty()).await;
    assert_eq!(heard.records, ["new1"]);
}

#[tokio::test]
async fn a_directory_gives_each_new_file_and_ignores_dot_and_underscore_names() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("before.txt"), "there before\n").unwrap();
    let addr = start(&[&format!("inbox=dir:{}", dir.path().display())]).await;
    let mut client = common::connect(addr, "/feed/inbox").await;
    let mut heard = Heard::default();
    listen(&mut client, &mut heard, |h| !h.statuses.is_empty()).await;
    std::fs::write(dir.path().join(".partial"), "hidden\n").unwrap();
    std::fs::write(dir.path().join("_SUCCESS"), "marker\n").unwrap();
    std::fs::write(dir.path().join("one.txt"), "x y\nz").unwrap();
    let tmp = dir.path().join(".two.tmp");
    std::fs::write(&tmp, "w\n").unwrap();
    std::fs::rename(&tmp, dir.path().join("two.txt")).unwrap();
    listen(&mut client, &mut heard, |h| h.records.len() >= 3).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    let mut got = heard.records.clone();
    got.sort();
    assert_eq!(got, ["w", "x y", "z"]);
    let listed = common::get_json(addr, "/sources").await;
    assert_eq!(listed[0]["records"], 3, "nothing else was read: {listed}");
}

#[tokio::test]
async fn bad_source_parameters_are_400_naming_them() {
    let dir = tempfile::tempdir().unwrap();
    let addr = start(&[&format!("d=dir:{}", dir.path().display())]).await;
    let (status, body) = common::get(addr, "/feed/d?limit=5").await;
    assert_eq!(status, 400);
    assert!(body.contains("unknown parameter 'limit'"), "{body}");
    let (status, body) = common::get(addr, "/feed/d").await;
    assert_eq!(status, 426, "{body}");
    assert!(body.contains("source d"), "{body}");
}

#[tokio::test]
async fn a_line_server_that_accepts_and_never_sends_is_a_status() {
    let port = line_server(Vec::new(), Duration::ZERO);
    let addr = start(&[&format!("mute=tcp://127.0.0.1:{port}")]).await;
    let mut client = common::connect(addr, "/feed/mute").await;
    let mut heard = Heard::default();
    listen(&mut client, &mut heard, |h| {
        h.statuses
            .iter()
            .any(|s| s.contains("nothing received for"))
    })
    .await;
    assert!(heard.records.is_empty());
    assert!(heard.close.is_none(), "the page stays connected");
}

/// More lines than the replay log holds, sent at once to a page that
/// reads none of them for a while: the source's reader waits for the page
/// (TCP holds the line server back), so nothing leaves the log unread.
#[tokio::test]
async fn a_page_behind_a_fast_line_server_loses_nothing() {
    // Twice the log, and more bytes than socket buffers hold.
    let lines = MAX_RECORDS as usize * 2;
    let text: String = (0..lines).map(|i| format!("{i:>19}\n")).collect();
    let chunks = vec![b"first\n".to_vec(), text.into_bytes()];
    let port = line_server(chunks, Duration::from_secs(1));
    let addr = start(&[&format!("t=tcp://127.0.0.1:{port}")]).await;
    let mut client = common::connect(addr, "/feed/t").await;
    // Not reading: the server's socket and the log fill up.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let mut heard = Heard::default();
    listen(&mut client, &mut heard, |h| h.lines() > lines as u64).await;
    assert_eq!(heard.skipped, [], "nothing left the log unread");
    assert_eq!(heard.records.len(), lines + 1);
    assert!(heard.records[1..]
        .iter()
        .enumerate()
        .all(|(i, r)| r.trim() == i.to_string()));
}

#[tokio::test]
async fn a_source_sends_no_more_than_its_credit() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("many.log");
    std::fs::write(&file, "a line\n".repeat(5000)).unwrap();
    let addr = start(&[&format!("f=file:{}", file.display())]).await;
    common::check_credit(addr, "/feed/f").await;
}
