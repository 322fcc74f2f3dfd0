//! `sparklet serve --sink DIR`: where the page's results go out, as Spark's
//! `saveAsTextFiles` stores a DStream: one file per batch,
//! `DIR/NAME-<batch time in ms>.jsonl`, each line one output record.
//!
//! The page computes; this server only stores what the page that it
//! served sends, `POST /sink/NAME/TIME` with the batch's output as JSON
//! lines. A file is written under a temporary name that starts with `.` (so
//! a `dir:` source, like Spark's textFileStream, ignores it), flushed to
//! disk and renamed, so a reader never sees half a batch. A batch whose
//! file exists is not written again: a page reloaded from a checkpoint
//! replays the batches after it, and the ones already stored stay as they
//! were, so every batch is stored exactly once (an idempotent sink, in
//! Spark's terms). The batch time is what makes that work; the page keeps
//! it stable across a reload (docs/DESIGN.md, "The sink").

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path as UrlPath, State};
use axum::http::header::CONTENT_LENGTH;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use futures_util::StreamExt;
use tokio::sync::Semaphore;

use crate::origin::OriginPolicy;

/// Where the page posts: `SINK_PATH/NAME/TIME`.
pub const SINK_PATH: &str = "/sink";

/// The largest batch output the sink takes, in bytes: the page refuses a
/// larger one itself (it would be refused here), and counts it as failed.
pub const MAX_SINK_BODY: usize = 64 << 20;

/// The longest sink name, in characters.
pub const MAX_SINK_NAME: usize = 64;

/// The largest batch time, ms: what a JavaScript number holds exactly.
pub const MAX_BATCH_TIME: u64 = (1 << 53) - 1;

/// Batches read and written at once. Each holds its body in memory until
/// it is on disk, so this bounds the sink's memory to a few bodies
/// whatever the clients do.
const MAX_WRITES: usize = 2;

/// How long a client has to send a batch's body once it has a slot.
const BODY_TIMEOUT: Duration = Duration::from_secs(60);

/// Why a batch was not stored; each is an HTTP status and a message the
/// page shows as it is.
#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    #[error(
        "this server has no sink: start it with `sparklet serve --sink DIR` to store each \
         batch's output in DIR"
    )]
    NoSink,
    #[error(
        "the sink name {0:?} cannot name a file: use 1 to {MAX_SINK_NAME} letters, digits, \
         '_', '-' or '.', not starting with '.' or '_' (set it with sink_name= in the \
         dashboard URL)"
    )]
    BadName(String),
    #[error("the batch time {0:?} is not a time in ms: expected a whole number from 0 to {MAX_BATCH_TIME}")]
    BadTime(String),
    #[error("the batch's output is over the {} MiB a batch file may have", MAX_SINK_BODY >> 20)]
    TooLarge,
    #[error("the batch's output did not arrive within {} s", BODY_TIMEOUT.as_secs())]
    BodyTimeout,
    #[error("the batch's output could not be read: {0}")]
    Body(String),
    #[error("the batch's output is not UTF-8 text")]
    NotText,
    #[error("line {line} of the batch's output is not one JSON record: {reason}")]
    NotJson { line: usize, reason: String },
    #[error("the sink directory {} is full: {error}", dir.display())]
    Full { dir: PathBuf, error: io::Error },
    #[error("the sink directory {} cannot be written ({action} {file}): {error}", dir.display())]
    Io {
        dir: PathBuf,
        action: &'static str,
        file: String,
        error: io::Error,
    },
    #[error("the sink directory {} cannot be created: {error}", dir.display())]
    CannotCreate { dir: PathBuf, error: io::Error },
    #[error("the sink directory {} is not a directory", dir.display())]
    NotADirectory { dir: PathBuf },
}

impl SinkError {
    pub fn status(&self) -> StatusCode {
        match self {
            SinkError::NoSink => StatusCode::NOT_FOUND,
            SinkError::BadName(_)
            | SinkError::BadTime(_)
            | SinkError::Body(_)
            | SinkError::NotText
            | SinkError::NotJson { .. } => StatusCode::BAD_REQUEST,
            SinkError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            SinkError::BodyTimeout => StatusCode::REQUEST_TIMEOUT,
            SinkError::Full { .. } => StatusCode::INSUFFICIENT_STORAGE,
            SinkError::Io { .. }
            | SinkError::CannotCreate { .. }
            | SinkError::NotADirectory { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for SinkError {
    fn into_response(self) -> Response {
        (self.status(), format!("{self}\n")).into_response()
    }
}

/// A sink name: a file name's stem that cannot climb out of the directory,
/// hide its files (`.`) or have a `dir:` source skip them (`_`), as Spark's
/// textFileStream skips both.
pub fn check_name(name: &str) -> Result<(), SinkError> {
    let fits = (1..=MAX_SINK_NAME).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
        && !name.starts_with(['.', '_']);
    if fits {
        Ok(())
    } else {
        Err(SinkError::BadName(shown(name)))
    }
}

/// A batch time in ms: digits only (no sign, no spaces), at most
/// [`MAX_BATCH_TIME`], so the file name is the number the page sent.
pub fn parse_time(text: &str) -> Result<u64, SinkError> {
    let digits = !text.is_empty() && text.len() <= 16 && text.bytes().all(|b| b.is_ascii_digit());
    match text.parse::<u64>() {
        Ok(t) if digits && t <= MAX_BATCH_TIME && (t == 0 || !text.starts_with('0')) => Ok(t),
        _ => Err(SinkError::BadTime(shown(text))),
    }
}

/// The file a batch is stored in, in the sink directory.
pub fn file_name(name: &str, time_ms: u64) -> String {
    format!("{name}-{time_ms}.jsonl")
}

/// Client input as a message quotes it: at most 80 characters.
fn shown(text: &str) -> String {
    match text.char_indices().nth(80) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text.to_string(),
    }
}

/// Makes sure `dir` exists (creating it) and takes a file, as `sparklet
/// serve --sink DIR` checks at startup so that a typo is said at once;
/// returns it absolute, as messages show it. A directory that stops being
/// writable later is an error of each batch, not of the server.
pub fn prepare(dir: &Path) -> Result<PathBuf, SinkError> {
    let dir = std::path::absolute(dir).unwrap_or_else(|_| dir.to_owned());
    std::fs::create_dir_all(&dir).map_err(|error| match dir.is_file() {
        true => SinkError::NotADirectory { dir: dir.clone() },
        false => SinkError::CannotCreate {
            dir: dir.clone(),
            error,
        },
    })?;
    if !dir.is_dir() {
        return Err(SinkError::NotADirectory { dir });
    }
    let probe = format!(".sparklet-probe-{}.tmp", std::process::id());
    let path = dir.join(&probe);
    File::create(&path)
        .and_then(|mut f| f.write_all(b"probe"))
        .map_err(|error| io_error(&dir, "creating", &probe, error))?;
    std::fs::remove_file(&path).map_err(|error| io_error(&dir, "removing", &probe, error))?;
    Ok(dir)
}

/// The sink's route and what its handler shares.
#[derive(Clone)]
struct Sink {
    dir: Option<Arc<PathBuf>>,
    origins: Arc<OriginPolicy>,
    writes: Arc<Semaphore>,
    /// Held from "is the batch stored?" to the rename that stores it, so
    /// two posts of one batch (two tabs) cannot both write it.
    publish: Arc<Mutex<()>>,
}

/// `POST /sink/NAME/TIME`, for pages `origins` admits; with `dir` `None`
/// (no `--sink`) it answers 404 saying how to start one.
pub fn routes(dir: Option<PathBuf>, origins: OriginPolicy) -> Router {
    let sink = Sink {
        dir: dir.map(Arc::new),
        origins: Arc::new(origins),
        writes: Arc::new(Semaphore::new(MAX_WRITES)),
        publish: Arc::new(Mutex::new(())),
    };
    Router::new()
        .route(&format!("{SINK_PATH}/{{name}}/{{time}}"), post(store))
        .with_state(sink)
}

/// What a post did: stored the batch, or found it stored.
#[derive(Debug)]
enum Stored {
    Written { file: String, records: usize },
    Already { file: String },
}

async fn store(
    State(sink): State<Sink>,
    path: Result<UrlPath<(String, String)>, PathRejection>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    if let Err(refused) = sink.origins.check(&headers) {
        return refused.into_response();
    }
    match store_batch(&sink, path, &headers, body).await {
        Ok(Stored::Written { file, records }) => (
            StatusCode::CREATED,
            format!("written: {file} ({records} records)\n"),
        )
            .into_response(),
        Ok(Stored::Already { file }) => (
            StatusCode::OK,
            format!("already written: {file} (a batch is stored once)\n"),
        )
            .into_response(),
        Err(err) => err.into_response(),
    }
}

async fn store_batch(
    sink: &Sink,
    path: Result<UrlPath<(String, String)>, PathRejection>,
    headers: &HeaderMap,
    body: Body,
) -> Result<Stored, SinkError> {
    let dir = sink.dir.clone().ok_or(SinkError::NoSink)?;
    let UrlPath((name, time)) = path.map_err(|e| SinkError::Body(e.body_text()))?;
    check_name(&name)?;
    let time = parse_time(&time)?;
    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_SINK_BODY as u64) {
        return Err(SinkError::TooLarge);
    }
    let _slot = sink
        .writes
        .acquire()
        .await
        .expect("the sink's semaphore is never closed");
    let bytes = tokio::time::timeout(BODY_TIMEOUT, read_body(body))
        .await
        .map_err(|_| SinkError::BodyTimeout)??;
    let publish = sink.publish.clone();
    tokio::task::spawn_blocking(move || {
        let records = check_lines(&bytes)?;
        write_batch(&dir, &name, time, &bytes, records, &publish)
    })
    .await
    .unwrap_or_else(|e| Err(SinkError::Body(format!("the write was cancelled: {e}"))))
}

/// The body, refused as soon as it grows past the cap.
async fn read_body(body: Body) -> Result<Vec<u8>, SinkError> {
    let mut stream = body.into_data_stream();
    let mut bytes = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| SinkError::Body(e.to_string()))?;
        if bytes.len() + chunk.len() > MAX_SINK_BODY {
            return Err(SinkError::TooLarge);
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// Counts the records, each a line of JSON: a file of the sink is what the
/// page's output was, and another program reads it line by line.
fn check_lines(bytes: &[u8]) -> Result<usize, SinkError> {
    let text = std::str::from_utf8(bytes).map_err(|_| SinkError::NotText)?;
    let mut records = 0;
    for (n, line) in text.split_terminator('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        serde_json::from_str::<serde::de::IgnoredAny>(line).map_err(|e| SinkError::NotJson {
            line: n + 1,
            reason: e.to_string(),
        })?;
        records += 1;
    }
    Ok(records)
}

/// Writes one batch's file unless it is there: under a temporary name
/// first, on disk, then renamed.
fn write_batch(
    dir: &Path,
    name: &str,
    time: u64,
    body: &[u8],
    records: usize,
    publish: &Mutex<()>,
) -> Result<Stored, SinkError> {
    let file = file_name(name, time);
    let target = dir.join(&file);
    let stored = |target: &Path| {
        target
            .try_exists()
            .map_err(|error| io_error(dir, "looking for", &file, error))
    };
    if stored(&target)? {
        return Ok(Stored::Already { file });
    }
    // Unique, so two posts of one batch never write the same temporary file.
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let temp_name = format!(
        ".{file}.{}-{}.tmp",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let temp = dir.join(&temp_name);
    let written = File::create_new(&temp).and_then(|mut f| {
        f.write_all(body)?;
        if !body.is_empty() && !body.ends_with(b"\n") {
            f.write_all(b"\n")?;
        }
        f.sync_all()
    });
    if let Err(error) = written {
        let _ = std::fs::remove_file(&temp);
        return Err(io_error(dir, "writing", &temp_name, error));
    }
    // A poisoned lock only means another write panicked; the check below
    // is still right.
    let _publishing = publish.lock().unwrap_or_else(|p| p.into_inner());
    let outcome = match stored(&target) {
        Ok(true) => Ok(Stored::Already { file }),
        Ok(false) => match std::fs::rename(&temp, &target) {
            Ok(()) => {
                // The rename itself on disk; some file systems cannot.
                let _ = File::open(dir).and_then(|d| d.sync_all());
                return Ok(Stored::Written { file, records });
            }
            Err(error) => Err(io_error(dir, "renaming to", &file, error)),
        },
        Err(e) => Err(e),
    };
    let _ = std::fs::remove_file(&temp);
    outcome
}

fn io_error(dir: &Path, action: &'static str, file: &str, error: io::Error) -> SinkError {
    // ENOSPC and EDQUOT: no room, rather than no permission.
    if matches!(
        error.kind(),
        io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded
    ) {
        return SinkError::Full {
            dir: dir.to_owned(),
            error,
        };
    }
    SinkError::Io {
        dir: dir.to_owned(),
        action,
        file: file.to_owned(),
        error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_safe_file_stems() {
        for good in ["sparklet", "word-counts", "a", "run_2.v1", &"x".repeat(64)] {
            assert!(check_name(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            ".hidden",
            "_skipped",
            "a/b",
            "..",
            "a b",
            "naïve",
            "a\\b",
            &"x".repeat(65),
        ] {
            let err = check_name(bad).unwrap_err().to_string();
            assert!(err.contains("sink_name="), "{bad}: {err}");
        }
    }

    #[test]
    fn times_are_plain_whole_milliseconds() {
        assert_eq!(parse_time("1764000001000").unwrap(), 1_764_000_001_000);
        assert_eq!(parse_time("0").unwrap(), 0);
        assert_eq!(parse_time("9007199254740991").unwrap(), MAX_BATCH_TIME);
        for bad in [
            "",
            "-1",
            "+5",
            "1.5",
            "0012",
            " 1",
            "9007199254740992",
            "1e3",
        ] {
            assert!(parse_time(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_line_must_be_json() {
        assert_eq!(check_lines(b"").unwrap(), 0);
        assert_eq!(check_lines(b"[\"a\",1]\n3\n").unwrap(), 2);
        assert_eq!(check_lines(b"{\"k\":1}").unwrap(), 1);
        let err = check_lines(b"1\n\n2\n").unwrap_err().to_string();
        assert!(err.starts_with("line 2 "), "{err}");
        assert!(matches!(check_lines(b"\xff\n"), Err(SinkError::NotText)));
    }
}
