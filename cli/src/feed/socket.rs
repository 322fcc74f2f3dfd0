//! One feed connection: the hello, pacing, framing, client messages and
//! the close.
//!
//! The first frame announces that the feed resumes (`from=K`), so a page
//! can resume exactly after a drop wherever the feed runs; records follow.
//! The loop alternates between sending frames that are due and waiting for
//! the next tick, and looks at the client between any two frames, so a
//! rate or credit message (see `flow`) takes effect promptly even in the middle of an
//! unpaced burst. Frames are queued with `feed` and flushed once per burst:
//! at rate 0 that leaves the write syscalls to the socket buffer's size
//! rather than one per frame.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures_util::SinkExt;
use sparklet_engine::hello::FeedHello;
use tokio::time::{sleep_until, timeout, Instant};

use super::cycle::Cycle;
use super::flow::{Flow, Until};
use super::params::FeedParams;
use super::words::Vocabulary;
use super::{events, FeedKind};

/// The pacing granularity: due records go out together at most this often,
/// so a feed at 100 000 records/s sends frames, not a syscall per record.
pub(crate) const TICK: Duration = Duration::from_millis(10);

/// How long to wait for the client's half of the close handshake.
const CLOSE_GRACE: Duration = Duration::from_secs(5);

/// WebSocket close codes (RFC 6455, 7.4.1): a normal end, a client
/// message that is not WebSocket, one too big to take.
pub(crate) const NORMAL_CLOSURE: u16 = 1000;
const PROTOCOL_ERROR: u16 = 1002;
const MESSAGE_TOO_BIG: u16 = 1009;

/// Largest message (and frame) a client may send, in bytes. The only
/// messages the feed reads (`{"rate": N}`, `{"ack": K, "window": W}`) are
/// a few dozen bytes; without a cap a client could make the server buffer
/// 64 MiB per socket.
pub const MAX_CLIENT_MESSAGE: usize = 1024;

/// The first text frame on every connection: this feed resumes, and this
/// connection's first record is `from` (the engine's [`FeedHello`], which
/// the page reads).
pub fn hello(from: u64) -> String {
    FeedHello {
        resume: true,
        from: Some(from),
    }
    .to_text()
}

/// The pace under a client's limit: the lower of the two, 0 meaning none.
pub(crate) fn capped(base: u64, limit: u64) -> u64 {
    match (base, limit) {
        (0, limit) => limit,
        (base, 0) => base,
        (base, limit) => base.min(limit),
    }
}

/// Streams `params` on `socket` until the limit or until the client leaves.
pub async fn stream(mut socket: WebSocket, kind: FeedKind, params: FeedParams) {
    // An error here is the client going away mid-stream: nothing to report
    // to anyone, and nothing else to clean up.
    let _ = run(&mut socket, kind, &params).await;
}

/// What woke the loop while it had nothing due.
enum Wake {
    Client(Option<Result<Message, axum::Error>>),
    Tick,
}

async fn run(
    socket: &mut WebSocket,
    kind: FeedKind,
    params: &FeedParams,
) -> Result<(), axum::Error> {
    let end = params.limit.unwrap_or(u64::MAX);
    let mut next = params.from;
    let mut flow = Flow::new(params.rate, next);
    let mut capacity = 0;

    socket
        .send(Message::Text(hello(params.from).into()))
        .await?;
    // The hello first: the page counts a connection as answered by it.
    // Made off the async threads: a large vocabulary's takes a moment.
    let cycle = match kind {
        FeedKind::Words => {
            let (seed, vocab) = (params.seed, params.vocab);
            let made =
                tokio::task::spawn_blocking(move || Cycle::of(seed, &Vocabulary::new(vocab)));
            Some(made.await.map_err(axum::Error::new)?)
        }
        FeedKind::Events => None,
    };
    while next < end {
        // Records `[next, target)` may go now.
        let target = flow.target(next, Instant::now()).min(end);
        let wake_reason = if next < target {
            // Mid-burst: only look at the client if it has already spoken.
            tokio::select! {
                biased;
                msg = socket.recv() => Wake::Client(msg),
                () = std::future::ready(()) => Wake::Tick,
            }
        } else {
            socket.flush().await?;
            let wake = match flow.wait(next) {
                Until::Due(at) => at,
                // Only a client's message can let more out.
                Until::More | Until::Credit => Instant::now() + Duration::from_secs(3600),
            };
            tokio::select! {
                biased;
                msg = socket.recv() => Wake::Client(msg),
                () = sleep_until(wake) => Wake::Tick,
            }
        };

        match wake_reason {
            Wake::Client(None | Some(Ok(Message::Close(_)))) => return Ok(()),
            Wake::Client(Some(Err(err))) => return refuse(socket, err).await,
            Wake::Client(Some(Ok(Message::Text(text)))) => flow.apply(&text, next),
            // Pings are answered by the protocol layer; anything else is
            // not a message the feed defines.
            Wake::Client(Some(Ok(_))) => {}
            Wake::Tick if next < target => {
                let count = (target - next).min(params.frame as u64);
                // Built in a string of its own, which becomes the message.
                let mut frame = String::with_capacity(capacity);
                build_frame(&mut frame, cycle.as_deref(), params, next, count);
                capacity = capacity.max(frame.len());
                socket.feed(Message::Text(frame.into())).await?;
                next += count;
            }
            Wake::Tick => {}
        }
    }

    close(socket, NORMAL_CLOSURE, "limit reached").await
}

/// Tells the client why its message ended the stream, when it was one the
/// feed refuses rather than a connection gone bad.
pub(crate) async fn refuse(socket: &mut WebSocket, err: axum::Error) -> Result<(), axum::Error> {
    match err
        .into_inner()
        .downcast::<tungstenite::Error>()
        .map(|e| *e)
    {
        Ok(tungstenite::Error::Capacity(_)) => {
            let reason = format!("client messages are limited to {MAX_CLIENT_MESSAGE} bytes");
            close(socket, MESSAGE_TOO_BIG, &reason).await
        }
        Ok(tungstenite::Error::Protocol(_)) => {
            close(socket, PROTOCOL_ERROR, "not a valid WebSocket frame").await
        }
        _ => Ok(()),
    }
}

pub(crate) async fn close(
    socket: &mut WebSocket,
    code: u16,
    reason: &str,
) -> Result<(), axum::Error> {
    let frame = CloseFrame {
        code,
        reason: reason.into(),
    };
    socket.send(Message::Close(Some(frame))).await?;
    // Let the client answer the close handshake so it sees a clean close,
    // but never hold the task open for a client that does not answer.
    let _ = timeout(CLOSE_GRACE, async {
        while let Some(Ok(_)) = socket.recv().await {}
    })
    .await;
    Ok(())
}

/// Fills `frame` with records `[first, first + count)`, one per line: the
/// words feed's from its cycle, the events feed's made here.
fn build_frame(
    frame: &mut String,
    cycle: Option<&Cycle>,
    params: &FeedParams,
    first: u64,
    count: u64,
) {
    if let Some(cycle) = cycle {
        return cycle.write(first, count, frame);
    }
    // Events carry their send time (one clock read per frame), or with
    // `disorder` an event time of their own.
    let now = now_ms();
    let seed = params.seed;
    for index in first..first + count {
        if index > first {
            frame.push('\n');
        }
        match &params.disorder {
            None => events::write_record(seed, index, now, frame),
            Some(d) => events::write_record(seed, index, d.event_time(seed, index).0, frame),
        }
    }
}

/// Wall-clock milliseconds since the Unix epoch (0 if the clock is before it).
fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}
