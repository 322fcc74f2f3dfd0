//! What a page tells a feed (the feed protocol's client messages), in one
//! place for both ends:
//!
//! - `{"rate": N}`: at most N records/s (Spark's rate limit from
//!   backpressure); 0 lifts it.
//! - `{"ack": K, "window": W}`: the page has let go of the first K records
//!   of this connection (batched or dropped) and can hold W more, so a
//!   feed that honours it sends no record past K + W. Credit rather than a
//!   rate bounds what is in flight, which a browser's WebSocket does not:
//!   it queues whatever arrives, however fast, until the page reads it.
//!
//! A feed that knows neither ignores both; one that knows credit applies it
//! from the first ack on.
//!
//! ```
//! use sparklet_engine::control::FeedControl;
//!
//! let ack = FeedControl::credit(1_000, 50_000);
//! assert_eq!(ack.to_text(), r#"{"ack":1000,"window":50000}"#);
//! assert_eq!(FeedControl::parse(&ack.to_text()), Some(ack));
//! assert_eq!(FeedControl::parse(r#"{"rate": 200}"#), Some(FeedControl::rate(200)));
//! assert_eq!(FeedControl::parse(r#"{"ack": 5}"#), None);
//! assert_eq!(FeedControl::parse("hello"), None);
//! ```

/// One client message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(untagged, deny_unknown_fields)]
pub enum FeedControl {
    Rate { rate: u64 },
    Credit { ack: u64, window: u64 },
}

impl FeedControl {
    pub fn rate(rate: u64) -> FeedControl {
        FeedControl::Rate { rate }
    }

    pub fn credit(ack: u64, window: u64) -> FeedControl {
        FeedControl::Credit { ack, window }
    }

    /// The message in `text`, if it is one.
    pub fn parse(text: &str) -> Option<FeedControl> {
        serde_json::from_str(text).ok()
    }

    /// The message as a page sends it.
    pub fn to_text(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}
