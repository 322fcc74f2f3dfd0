//! The words feed as a native client reads it at `rate=0`: what the feed
//! itself can deliver, so the bench shows whether the feed or the page
//! sets the page's figure.

use std::net::SocketAddr;
use std::time::Instant;

use anyhow::Context;
use futures_util::StreamExt;
use tokio_tungstenite::tungstenite::Message;

use super::report::{millions, Report, Row};
use super::FRAME;

/// What a native client received.
pub struct FeedRate {
    pub records_per_s: f64,
    pub words_per_s: f64,
    pub bytes_per_s: f64,
}

/// Reads `records` records of `/feed/words` at `rate=0` in frames of
/// `frame`, counting records and words as `split` would (the feed's words
/// are separated by one space, its records by newlines).
pub async fn words(addr: SocketAddr, frame: u64, records: u64) -> anyhow::Result<FeedRate> {
    let url = format!("ws://{addr}/feed/words?rate=0&seed=1&frame={frame}&limit={records}");
    let (mut socket, _) = tokio_tungstenite::connect_async(&url)
        .await
        .with_context(|| format!("connecting to {url}"))?;
    // The hello comes first, before the clock starts.
    socket.next().await.context("the feed's hello")??;
    let start = Instant::now();
    let (mut lines, mut spaces, mut bytes) = (0u64, 0u64, 0u64);
    while let Some(message) = socket.next().await {
        match message? {
            Message::Text(text) => {
                let text = text.as_bytes();
                lines += 1 + memchr::memchr_iter(b'\n', text).count() as u64;
                spaces += memchr::memchr_iter(b' ', text).count() as u64;
                bytes += text.len() as u64;
            }
            Message::Close(_) => break,
            _ => {}
        }
    }
    let secs = start.elapsed().as_secs_f64();
    anyhow::ensure!(
        lines == records,
        "the feed sent {lines} records, not {records}"
    );
    Ok(FeedRate {
        records_per_s: lines as f64 / secs,
        words_per_s: (lines + spaces) as f64 / secs,
        bytes_per_s: bytes as f64 / secs,
    })
}

/// What the words feed delivers to a native client: the ceiling of any
/// page figure on that feed.
pub async fn figures(
    report: &mut Report,
    addr: std::net::SocketAddr,
    quick: bool,
) -> anyhow::Result<()> {
    let records = if quick { 5_000_000 } else { 20_000_000 };
    let rate = words(addr, FRAME, records).await?;
    report.rows.push(Row {
        scenario: "feed: words, rate=0, to a native client".into(),
        records_per_s: Some(rate.records_per_s),
        words_per_s: Some(rate.words_per_s),
        ..Row::default()
    });
    report.target(
        "1 feed: words/s delivered to a native client, rate=0",
        format!(
            "{} ({:.0} MB/s)",
            millions(rate.words_per_s),
            rate.bytes_per_s / 1e6
        ),
        ">= 60 M",
        Some(rate.words_per_s >= 60e6),
    );
    Ok(())
}
