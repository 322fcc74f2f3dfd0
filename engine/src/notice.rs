//! The feed protocol's notices: after its hello, a feed may send a text
//! frame `{"sparklet":{...}}` that is about the stream rather than part of
//! it. `skipped` says that N records at this point could not be sent (a
//! line over a source's length limit, records that left a source's replay
//! log), with the reason: the page counts them as malformed, with that
//! reason, and as records for the resume offset. `status` is the source's
//! state in words ("connected to localhost:9999"), shown in the page.
//!
//! ```
//! use sparklet_engine::notice::FeedNotice;
//!
//! let skipped = FeedNotice::skipped(1, "a line of 16.0 MiB is too long");
//! let text = skipped.to_text();
//! assert_eq!(FeedNotice::parse(&text), Some(skipped));
//! let status = FeedNotice::parse(r#"{"sparklet":{"status":"connected"}}"#).unwrap();
//! assert_eq!(status.status.as_deref(), Some("connected"));
//! assert_eq!(FeedNotice::parse(r#"{"user":"sparklet"}"#), None);
//! assert_eq!(FeedNotice::parse("a record"), None);
//! ```

/// A notice from a feed, between its records.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub struct FeedNotice {
    /// Records at this point of the stream that were not sent.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub skipped: u64,
    /// Why they were not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The source's state, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// A notice is short; a frame longer than this is data.
const MAX_NOTICE_BYTES: usize = 4096;

/// The prefix every notice starts with, checked before anything is parsed
/// so that records pay one comparison.
const PREFIX: &str = "{\"sparklet\":{";

impl FeedNotice {
    pub fn skipped(count: u64, reason: impl Into<String>) -> Self {
        Self {
            skipped: count,
            reason: Some(reason.into()),
            status: None,
        }
    }

    pub fn status(text: impl Into<String>) -> Self {
        Self {
            status: Some(text.into()),
            ..Self::default()
        }
    }

    /// The notice a frame is, if it is one: exactly `{"sparklet":{...}}`
    /// with at least one of the fields above.
    pub fn parse(frame: &str) -> Option<FeedNotice> {
        if !frame.starts_with(PREFIX) || frame.len() > MAX_NOTICE_BYTES {
            return None;
        }
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Message {
            sparklet: FeedNotice,
        }
        let notice = serde_json::from_str::<Message>(frame).ok()?.sparklet;
        (notice.skipped > 0 || notice.status.is_some()).then_some(notice)
    }

    /// The notice as a feed sends it.
    pub fn to_text(&self) -> String {
        #[derive(serde::Serialize)]
        struct Message<'a> {
            sparklet: &'a FeedNotice,
        }
        serde_json::to_string(&Message { sparklet: self }).unwrap_or_default()
    }
}
