//! The accept loop, written out because `axum::serve` has no place for the
//! limits a local server open to any web page needs: a cap on connections
//! and a deadline for a request's headers.
//!
//! A connection takes a slot (a semaphore permit) before it is accepted and
//! carries it in its socket, so a feed socket keeps its slot after the HTTP
//! upgrade hands the socket to the feed task, and frees it when it closes.

use std::future::Future;
use std::io;
use std::pin::{pin, Pin};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};

use super::ServerConfig;

/// How long to wait after an accept error that is not about one connection
/// (out of file descriptors, say) before trying again: retrying at once
/// would spin a core while nothing can change.
const ACCEPT_BACKOFF: Duration = Duration::from_secs(1);

/// Serves `app` on `listener` until `shutdown`, then stops accepting, asks
/// each HTTP connection to finish its request in flight, and waits for them.
pub(super) async fn run(
    listener: TcpListener,
    app: Router,
    config: &ServerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let slots = Arc::new(Semaphore::new(config.max_connections.max(1)));
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(config.header_read_timeout);
    // `stop` tells connections to finish; each holds a clone of `open`, so
    // `open_tx.closed()` is the moment the last one is done.
    let (stop_tx, _) = watch::channel(());
    let (open_tx, open) = watch::channel(());
    let mut shutdown = pin!(shutdown);

    loop {
        let slot = tokio::select! {
            () = &mut shutdown => break,
            slot = slots.clone().acquire_owned() => slot.expect("the slots are never closed"),
        };
        let stream = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => stream,
                Err(err) => {
                    after_accept_error(&err).await;
                    continue;
                }
            },
        };
        let io = TokioIo::new(Slotted {
            stream,
            _slot: slot,
        });
        let conn = http
            .serve_connection(io, TowerToHyperService::new(app.clone()))
            .with_upgrades();
        let mut stop = stop_tx.subscribe();
        let open = open.clone();
        tokio::spawn(async move {
            let mut conn = pin!(conn);
            // A connection error is the client's business (a reset, a
            // timeout): there is nobody to report it to.
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = stop.changed() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
            drop(open);
        });
    }

    // New connections are refused from here on, not left in the queue.
    drop(listener);
    let _ = stop_tx.send(());
    drop(open);
    open_tx.closed().await;
    Ok(())
}

/// Errors about one connection (it was reset before we took it) are not
/// the listener's; anything else is waited out.
async fn after_accept_error(err: &io::Error) {
    let one_connection = matches!(
        err.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionRefused
    );
    if !one_connection {
        eprintln!("sparklet: accepting a connection failed: {err}; retrying in 1 s");
        tokio::time::sleep(ACCEPT_BACKOFF).await;
    }
}

/// A socket holding its connection slot: the slot is freed when the socket
/// is dropped, whether by hyper or, after an upgrade, by the feed.
struct Slotted {
    stream: TcpStream,
    _slot: OwnedSemaphorePermit,
}

impl AsyncRead for Slotted {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Slotted {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}
