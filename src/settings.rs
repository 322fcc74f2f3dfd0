//! The dashboard's settings (feed URL, pipeline, batch interval, ...) and their
//! home in the page URL: `?feed=...&pipeline=...&batch=500ms` starts at
//! once, and the page writes its current settings back so a view can be
//! shared and reloaded.

use sparklet_engine::dstream::DEFAULT_MAX_KEYS;
use sparklet_engine::DurationError;
use sparklet_engine::{Duration, DEFAULT_PIPELINE};

use crate::page_config::PageConfig;

pub const MIN_BATCH: Duration = Duration::from_millis(100);
pub const MAX_BATCH: Duration = Duration::from_secs(10);
pub const DEFAULT_BATCH: Duration = Duration::from_secs(1);

/// Batch intervals the control offers; any other in range also works.
pub const BATCH_CHOICES: [&str; 8] = ["100ms", "200ms", "250ms", "500ms", "1s", "2s", "5s", "10s"];

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Settings {
    pub feed: String,
    pub pipeline: String,
    pub batch: Duration,
    /// The record field holding an event time in ms since the epoch, for
    /// the latency view (`ts` unless the URL says `event_time=...`).
    pub event_time: String,
    /// Resume after a drop with `from=`: `None` decides by the feed (yes
    /// for this server's demo feeds); the URL's `resume=1|0` forces it.
    pub resume: Option<bool>,
    /// Ask the feed to slow down (`{"rate": N}`) when the page falls
    /// behind; the URL's `backpressure=0` turns it off.
    pub backpressure: bool,
    /// The most keys each stateful stage keeps (`max_keys=`), beyond which
    /// the least recently updated are evicted and counted.
    pub max_keys: usize,
    /// Save a checkpoint every this many batches (`checkpoint=N`; 0: only
    /// when the page is hidden or left); `None` is Spark's default, see
    /// [`Settings::checkpoint_batches`].
    pub checkpoint_every: Option<u64>,
    /// The pending buffer's size in MiB (`buffer=`): received records wait
    /// here for their batch; when full, the oldest are dropped and counted.
    pub buffer_mib: usize,
    /// What the sink's files are named after (`sink_name=`), when the
    /// server has a sink: `NAME-<batch time in ms>.jsonl`.
    pub sink_name: String,
}

/// Spark's default checkpoint interval: the smallest multiple of the batch
/// interval that is at least 10 s. A checkpoint writes the whole state, so
/// with short batches and large windows it is the costliest thing the page
/// does; Spark's rule keeps it to one every 10 s.
pub const DEFAULT_CHECKPOINT_INTERVAL: Duration = Duration::from_secs(10);

/// The pending buffer's default size, MiB (`buffer=` in the URL): the
/// engine's default bound.
pub const DEFAULT_BUFFER_MIB: usize = sparklet_engine::pending::DEFAULT_PENDING_LIMIT >> 20;

pub const DEFAULT_EVENT_TIME: &str = "ts";

/// The sink's file names' stem unless the URL says `sink_name=`.
pub const DEFAULT_SINK_NAME: &str = "sparklet";

/// The longest `sink_name=`, in characters (the server's limit).
pub const MAX_SINK_NAME: usize = 64;

/// The largest `max_keys=`: a million keys per stage (the state budget
/// bounds their memory too).
pub const MAX_KEYS_LIMIT: usize = 1_000_000;

/// The largest `buffer=`, MiB. A batch of a full buffer becomes values in
/// the engine, several times the buffer for short records, so a larger
/// buffer would let a feed that ignores backpressure take the tab to
/// wasm's 4 GiB.
pub const MAX_BUFFER_MIB: usize = 256;

/// The largest `checkpoint=`, batches.
pub const MAX_CHECKPOINT_EVERY: u64 = 1_000_000;

/// The longest `feed=` and `event_time=` accepted, in characters.
pub const MAX_FEED_URL: usize = 4096;
pub const MAX_FIELD_NAME: usize = 256;

/// A value from the URL as a message quotes it: at most 40 characters.
fn shown(value: &str) -> String {
    match value.char_indices().nth(40) {
        Some((cut, _)) => format!("{}…", &value[..cut]),
        None => value.to_string(),
    }
}

impl Settings {
    /// How many batches between checkpoints (0: only when hidden or left).
    pub fn checkpoint_batches(&self) -> u64 {
        self.checkpoint_every.unwrap_or_else(|| {
            DEFAULT_CHECKPOINT_INTERVAL
                .as_millis()
                .div_ceil(self.batch.as_millis().max(1))
        })
    }

    /// The pending buffer's size in bytes.
    pub fn buffer_bytes(&self) -> usize {
        self.buffer_mib << 20
    }

    /// Settings from a query string (`?a=b&...`, as `location.search`),
    /// the words feed of `host` when none is given. A link is input from
    /// outside: a value out of its documented range is not used; the
    /// default is, and the problem is reported, naming the range.
    pub fn from_query(search: &str, default_feed: &str) -> (Settings, Vec<String>) {
        let mut problems = Vec::new();
        let params = web_sys::UrlSearchParams::new_with_str(search).ok();
        let get = |k: &str| {
            params
                .as_ref()
                .and_then(|p| p.get(k))
                .filter(|v| !v.trim().is_empty())
        };
        let batch = match get("batch") {
            None => DEFAULT_BATCH,
            Some(b) => parse_batch(&b).unwrap_or_else(|e| {
                problems.push(format!("batch={}: {e}; using {DEFAULT_BATCH}", shown(&b)));
                DEFAULT_BATCH
            }),
        };
        let mut text = |name: &str, max: usize, default: &str| match get(name) {
            Some(v) if v.chars().count() > max => {
                problems.push(format!(
                    "{name}= is {} characters, more than the {max} it may have; using the default",
                    v.chars().count()
                ));
                default.to_string()
            }
            Some(v) => v,
            None => default.to_string(),
        };
        let feed = text("feed", MAX_FEED_URL, default_feed);
        let pipeline = text("pipeline", usize::MAX, DEFAULT_PIPELINE);
        let event_time = text("event_time", MAX_FIELD_NAME, DEFAULT_EVENT_TIME);
        let sink_name = match get("sink_name") {
            None => DEFAULT_SINK_NAME.to_string(),
            Some(name) => match check_sink_name(&name) {
                Ok(()) => name,
                Err(e) => {
                    problems.push(format!(
                        "sink_name={}: {e}; using {DEFAULT_SINK_NAME}",
                        shown(&name)
                    ));
                    DEFAULT_SINK_NAME.to_string()
                }
            },
        };
        let mut flag_of = |name: &str| {
            let v = get(name)?;
            flag(&v).or_else(|| {
                problems.push(format!(
                    "{name}={}: must be 1 or 0; using the default",
                    shown(&v)
                ));
                None
            })
        };
        let resume = flag_of("resume");
        let backpressure = flag_of("backpressure").unwrap_or(true);
        let mut ranged = |name: &str, range: std::ops::RangeInclusive<u64>| {
            let v = get(name)?;
            match v.trim().parse::<u64>() {
                Ok(n) if range.contains(&n) => Some(n),
                _ => {
                    problems.push(format!(
                        "{name}={}: must be a whole number from {} to {}; using the default",
                        shown(&v),
                        range.start(),
                        range.end()
                    ));
                    None
                }
            }
        };
        let max_keys =
            ranged("max_keys", 1..=MAX_KEYS_LIMIT as u64).map_or(DEFAULT_MAX_KEYS, |n| n as usize);
        let checkpoint_every = ranged("checkpoint", 0..=MAX_CHECKPOINT_EVERY);
        let buffer_mib =
            ranged("buffer", 1..=MAX_BUFFER_MIB as u64).map_or(DEFAULT_BUFFER_MIB, |n| n as usize);
        let settings = Settings {
            feed,
            pipeline,
            batch,
            event_time,
            resume,
            backpressure,
            max_keys,
            checkpoint_every,
            buffer_mib,
            sink_name,
        };
        (settings, problems)
    }

    /// The query string for these settings.
    pub fn to_query(&self) -> String {
        let Ok(params) = web_sys::UrlSearchParams::new() else {
            return String::new();
        };
        params.append("feed", &self.feed);
        params.append("pipeline", &self.pipeline);
        params.append("batch", &self.batch.to_string());
        if self.event_time != DEFAULT_EVENT_TIME {
            params.append("event_time", &self.event_time);
        }
        if let Some(resume) = self.resume {
            params.append("resume", if resume { "1" } else { "0" });
        }
        if !self.backpressure {
            params.append("backpressure", "0");
        }
        if let Some(every) = self.checkpoint_every {
            params.append("checkpoint", &every.to_string());
        }
        if self.buffer_mib != DEFAULT_BUFFER_MIB {
            params.append("buffer", &self.buffer_mib.to_string());
        }
        if self.max_keys != DEFAULT_MAX_KEYS {
            params.append("max_keys", &self.max_keys.to_string());
        }
        if self.sink_name != DEFAULT_SINK_NAME {
            params.append("sink_name", &self.sink_name);
        }
        format!("?{}", String::from(params.to_string()))
    }
}

/// `1`/`true`/`on` or `0`/`false`/`off`.
fn flag(value: &str) -> Option<bool> {
    match value.to_ascii_lowercase().as_str() {
        "1" | "true" | "on" | "yes" => Some(true),
        "0" | "false" | "off" | "no" => Some(false),
        _ => None,
    }
}

/// Why a batch interval or a feed URL cannot be used; the message names
/// the value and what would do.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum SettingError {
    #[error(transparent)]
    Duration(#[from] DurationError),
    #[error("the batch interval must be between {MIN_BATCH} and {MAX_BATCH}")]
    BatchOutOfRange,
    #[error("`{0}` is not a URL; a feed looks like ws://host:port/path or http://host:port/path")]
    NotAUrl(String),
    #[error("`{url}` uses {scheme} but a feed must be a WebSocket URL (ws://, wss://) or an HTTP one (http://, https://: Server-Sent Events or NDJSON)")]
    NotAFeedScheme { url: String, scheme: String },
    #[error(
        "a sink name is 1 to {MAX_SINK_NAME} letters, digits, '_', '-' or '.', not starting \
         with '.' or '_' (it names files: NAME-<batch time>.jsonl)"
    )]
    SinkName,
}

/// A sink name as the server takes it (cli/src/sink.rs): a file name's
/// stem that stays in the sink directory, neither hidden (`.`) nor skipped
/// by a `dir:` source (`_`).
pub fn check_sink_name(name: &str) -> Result<(), SettingError> {
    let fits = (1..=MAX_SINK_NAME).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
        && !name.starts_with(['.', '_']);
    fits.then_some(()).ok_or(SettingError::SinkName)
}

/// A batch interval from the URL or the control: a duration in range.
pub fn parse_batch(text: &str) -> Result<Duration, SettingError> {
    let d: Duration = text.parse()?;
    if d < MIN_BATCH || d > MAX_BATCH {
        return Err(SettingError::BatchOutOfRange);
    }
    Ok(d)
}

/// Checks a feed URL before it is opened, so a typo gets a message that
/// names it rather than a browser exception: a WebSocket feed, or an HTTP
/// response that streams (see `crate::receiver`).
pub fn check_feed_url(url: &str) -> Result<(), SettingError> {
    let parsed = web_sys::Url::new(url).map_err(|_| SettingError::NotAUrl(url.into()))?;
    match parsed.protocol().as_str() {
        "ws:" | "wss:" | "http:" | "https:" => Ok(()),
        scheme => Err(SettingError::NotAFeedScheme {
            url: url.into(),
            scheme: scheme.into(),
        }),
    }
}

/// The feed the bare URL opens: the one the server that served this page
/// names in its page config (its first `--source`), else its demo words
/// feed.
pub fn default_feed(location: &web_sys::Location, config: &PageConfig) -> String {
    let path = config.default_feed.as_deref().unwrap_or("/feed/words");
    format!("{}{path}", feed_base(location))
}

/// `ws://host:port` (or `wss://`) of the server that served this page.
pub fn feed_base(location: &web_sys::Location) -> String {
    let host = location.host().unwrap_or_else(|_| "127.0.0.1:8080".into());
    let scheme = if location.protocol().ok().as_deref() == Some("https:") {
        "wss"
    } else {
        "ws"
    };
    format!("{scheme}://{host}")
}
