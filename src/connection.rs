//! The connection's policy, apart from its mechanics: when to retry after
//! a drop (capped exponential backoff with jitter), and where to resume.
//!
//! Resume is a tiny protocol any feed can implement: a feed that takes a
//! `from=K` query parameter starts at its record K (0-based), and says so
//! in its first message (its hello, `sparklet_engine::hello`). Sparklet
//! counts every record line it received, so after a drop it reconnects at
//! `from = <first record> + <lines received>`: nothing lost, nothing twice.

/// The first retry waits about this long, doubling up to [`MAX_BACKOFF_MS`].
pub const FIRST_BACKOFF_MS: f64 = 500.0;
pub const MAX_BACKOFF_MS: f64 = 30_000.0;

/// The wait before retry number `attempt` (0-based): doubling, capped, and
/// jittered to 50-100% so many pages do not reconnect in step.
pub fn backoff_ms(attempt: u32, random: f64) -> f64 {
    let full = (FIRST_BACKOFF_MS * 2f64.powi(attempt.min(16) as i32)).min(MAX_BACKOFF_MS);
    full * (0.5 + 0.5 * random.clamp(0.0, 1.0))
}

/// The feed's `from` parameter: the first record it was asked for.
pub fn from_of(feed: &str) -> u64 {
    web_sys::Url::new(feed)
        .ok()
        .and_then(|u| u.search_params().get("from"))
        .and_then(|f| f.parse().ok())
        .unwrap_or(0)
}

/// `feed` asking to start at record `from`.
pub fn with_from(feed: &str, from: u64) -> String {
    match web_sys::Url::new(feed) {
        Ok(url) => {
            url.search_params().set("from", &from.to_string());
            url.href()
        }
        Err(_) => feed.to_string(),
    }
}

/// A stretch of time with no connection to a feed that cannot resume:
/// whatever it sent then is gone, and the page says so.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Gap {
    /// `Date.now()` when the connection dropped.
    pub from_wall_ms: f64,
    pub duration_ms: f64,
}

/// Gaps kept for the page (the count is kept in full).
pub const GAPS_KEPT: usize = 20;
