//! One page's connection to a source: the hello with the offset it really
//! starts at, then frames of records from the log as they come, the
//! source's status and skips as notices, and the page's rate and credit
//! obeyed. It reads the log and never waits on the source itself; its
//! place in the log holds the source's reader back when the log is full
//! (see `log`).

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{Message, WebSocket};
use futures_util::SinkExt;
use sparklet_engine::notice::FeedNotice;
use tokio::sync::watch;
use tokio::time::{sleep_until, timeout, Instant};

use super::log::{Next, RecordLog, MAX_RECORDS};
use super::params::SourceParams;
use crate::feed::flow::{Flow, Until};
use crate::feed::socket::{close, hello, refuse, NORMAL_CLOSURE};

/// How long a connection asking for a record the log has not reached yet
/// waits for the reader to catch up (a file being read after a restart).
const CATCH_UP: Duration = Duration::from_secs(10);

/// Streams `log` on `socket` from `params.from` until the client leaves
/// or the source ends.
pub async fn stream(mut socket: WebSocket, log: Arc<RecordLog>, params: SourceParams) {
    // An error is the client going away: nothing to report, nothing to undo.
    let _ = run(&mut socket, &log, &params).await;
}

/// What woke the loop.
enum Wake {
    Client(Option<Result<Message, axum::Error>>),
    Log,
    Due,
}

async fn run(
    socket: &mut WebSocket,
    log: &RecordLog,
    params: &SourceParams,
) -> Result<(), axum::Error> {
    let mut changes = log.subscribe();
    // In place before the wait for `from`: a reader waiting for room
    // reads on past the records this page already has.
    let cursor = log.cursor(params.from);
    let mut at = start(log, params.from, &mut changes).await;
    socket.send(Message::Text(hello(at).into())).await?;
    let mut status = 0;
    let mut flow = Flow::new(params.rate, at);
    loop {
        cursor.at(at);
        let now_status = log.status();
        if now_status.version != status {
            status = now_status.version;
            let notice = FeedNotice::status(now_status.text).to_text();
            socket.feed(Message::Text(notice.into())).await?;
        }
        let target = flow.target(at, Instant::now());
        let next = if at < target {
            let room = usize::try_from(target - at).unwrap_or(usize::MAX);
            log.next(at, params.frame.min(room))
        } else {
            Next::Wait
        };
        match next {
            Next::Frame { bytes, count, .. } => {
                socket.feed(frame(bytes)).await?;
                at += count;
                // Between frames, a client that has spoken is heard.
                if let Some(msg) = ready(socket).await {
                    if handle(socket, msg, &mut flow, at).await? {
                        return Ok(());
                    }
                }
                continue;
            }
            Next::Skipped(why) => {
                let notice = FeedNotice::skipped(1, why).to_text();
                socket.feed(Message::Text(notice.into())).await?;
                at += 1;
                continue;
            }
            Next::Gone { first } => {
                let why = format!(
                    "{} records left the source's replay log before this connection read them \
                     (it keeps the last {MAX_RECORDS} records)",
                    first - at
                );
                let notice = FeedNotice::skipped(first - at, why).to_text();
                socket.feed(Message::Text(notice.into())).await?;
                at = first;
                continue;
            }
            Next::End(why) => {
                socket.flush().await?;
                return close(socket, NORMAL_CLOSURE, &why).await;
            }
            Next::Wait => {}
        }
        socket.flush().await?;
        let until = flow.wait(at);
        // More to send: it waits for the source, else for the client.
        let for_log = until == Until::More;
        let wake_at = match until {
            Until::Due(at) => at,
            Until::More | Until::Credit => Instant::now() + Duration::from_secs(3600),
        };
        let wake = tokio::select! {
            biased;
            msg = socket.recv() => Wake::Client(msg),
            changed = changes.changed(), if for_log => match changed {
                Ok(()) => Wake::Log,
                // The log is gone: the server is stopping.
                Err(_) => return Ok(()),
            },
            () = sleep_until(wake_at) => Wake::Due,
        };
        if let Wake::Client(msg) = wake {
            if handle(socket, msg, &mut flow, at).await? {
                return Ok(());
            }
        }
    }
}

/// Where a connection asking for `from` starts: there, or where the log
/// now starts if it no longer holds `from`, or where the log ends if the
/// source will not reach `from` (a line server after a restart). The hello
/// says which, so the page sees any difference as a gap.
async fn start(log: &RecordLog, from: u64, changes: &mut watch::Receiver<u64>) -> u64 {
    if from > log.end_offset() && !log.is_caught_up() {
        let _ = timeout(CATCH_UP, async {
            while from > log.end_offset() && !log.is_caught_up() {
                if changes.changed().await.is_err() {
                    return;
                }
            }
        })
        .await;
    }
    match log.next(from, 1) {
        Next::Gone { first } => first,
        _ => from.min(log.end_offset()),
    }
}

/// Text when the records are UTF-8, else binary: the page checks a binary
/// frame line by line and counts the lines that are not UTF-8.
fn frame(bytes: Vec<u8>) -> Message {
    match String::from_utf8(bytes) {
        Ok(text) => Message::Text(text.into()),
        Err(e) => Message::Binary(e.into_bytes().into()),
    }
}

/// A message the client has already sent, if any, without waiting.
async fn ready(socket: &mut WebSocket) -> Option<Option<Result<Message, axum::Error>>> {
    tokio::select! {
        biased;
        msg = socket.recv() => Some(msg),
        () = std::future::ready(()) => None,
    }
}

/// Acts on a client message; true when the connection is over.
async fn handle(
    socket: &mut WebSocket,
    msg: Option<Result<Message, axum::Error>>,
    flow: &mut Flow,
    at: u64,
) -> Result<bool, axum::Error> {
    match msg {
        None | Some(Ok(Message::Close(_))) => Ok(true),
        Some(Err(err)) => refuse(socket, err).await.map(|()| true),
        Some(Ok(Message::Text(text))) => {
            flow.apply(&text, at);
            Ok(false)
        }
        Some(Ok(_)) => Ok(false),
    }
}
