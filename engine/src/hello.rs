//! The feed protocol's hello: a feed that can resume says so in its first
//! message, `{"sparklet":{"resume":true,"from":K}}`, wherever it runs, so
//! the page resumes exactly after a drop without being told by its URL.
//! A first message that is not a hello is a record like any other.
//!
//! ```
//! use sparklet_engine::hello::FeedHello;
//!
//! let hello = FeedHello::parse(r#"{"sparklet":{"resume":true,"from":120}}"#).unwrap();
//! assert_eq!(hello, FeedHello { resume: true, from: Some(120) });
//! assert_eq!(FeedHello::parse(&hello.to_text()), Some(hello));
//! assert_eq!(FeedHello::parse("the first record"), None);
//! let spaced = FeedHello::parse(r#"{ "feed": "logs", "sparklet": { "resume": true } }"#);
//! assert_eq!(spaced, Some(FeedHello { resume: true, from: None }));
//! ```

/// What a feed announces about itself before its first record.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize)]
pub struct FeedHello {
    /// The feed takes `from=K` and then starts at its record K.
    #[serde(default)]
    pub resume: bool,
    /// The record this connection starts at, when the feed says.
    #[serde(default)]
    pub from: Option<u64>,
}

/// A hello is short; anything longer is data.
const MAX_HELLO_BYTES: usize = 1024;

impl FeedHello {
    /// The hello in a feed's first message, if it is one: a JSON object
    /// with a `sparklet` key (other keys are the feed's own business).
    pub fn parse(first_message: &str) -> Option<FeedHello> {
        #[derive(serde::Deserialize)]
        struct Message {
            sparklet: FeedHello,
        }
        let text = first_message.trim();
        if text.len() > MAX_HELLO_BYTES || !text.starts_with('{') || !text.contains("\"sparklet\"")
        {
            return None;
        }
        serde_json::from_str::<Message>(text)
            .ok()
            .map(|m| m.sparklet)
    }

    /// The hello as a feed sends it.
    pub fn to_text(&self) -> String {
        match self.from {
            Some(from) => format!(
                "{{\"sparklet\":{{\"resume\":{},\"from\":{from}}}}}",
                self.resume
            ),
            None => format!("{{\"sparklet\":{{\"resume\":{}}}}}", self.resume),
        }
    }
}
