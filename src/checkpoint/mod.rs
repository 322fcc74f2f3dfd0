//! Checkpoints of the page's stream, as Spark checkpoints a streaming
//! context: every N batches (`checkpoint=N`; by default, as Spark, every
//! multiple of the batch interval of at least 10 s) and when the page
//! is hidden or left, the engine's state and the feed offset it covers go
//! to IndexedDB; a reload of the same view (or back/forward to it)
//! restores them and, with a feed that resumes, reconnects at that offset,
//! so totals stay exact. A fresh visit starts fresh.
//!
//! A checkpoint is taken between two batches and written in the
//! background, a few milliseconds of encoding per task, as chunks of text
//! each stored in its own IndexedDB write (`VIEW#GENERATION#N`), then a
//! manifest under the view's key naming the generation and its chunks:
//! a window of millions of entries never stops the page for long, and a
//! write cut short (a closed tab) leaves the previous checkpoint whole.
//! Only the newest write puts its manifest; older chunks are swept after.

use std::cell::{Cell, RefCell};

use sparklet_engine::checkpoint::{Part, MAX_CHECKPOINT_BYTES};
use sparklet_engine::Clock;
use wasm_bindgen::JsValue;
use web_sys::IdbDatabase;

use crate::clock::PerformanceClock;
use crate::settings::Settings;
use crate::storage::{self, StorageError};

mod saved;

pub use saved::{load, LoadError, Saved};

/// Why a checkpoint could not be written (the page goes on; the last
/// checkpoint written whole stays).
#[derive(Debug, thiserror::Error)]
enum SaveError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("the state is larger than the {} MiB a checkpoint may have", MAX_CHECKPOINT_BYTES >> 20)]
    TooLarge,
}

/// One record per view: a checkpoint only ever restores the same view.
pub fn key(s: &Settings) -> String {
    format!("{}\n{}\n{}", s.feed, s.pipeline, s.batch.as_millis())
}

thread_local! {
    static DB: RefCell<Option<IdbDatabase>> = const { RefCell::new(None) };
    /// The newest write's generation (or Clear's).
    static LATEST: Cell<u64> = const { Cell::new(0) };
    /// Whether a background write is under way.
    static WRITING: Cell<bool> = const { Cell::new(false) };
}

async fn db() -> Result<IdbDatabase, StorageError> {
    if let Some(db) = DB.with(|d| d.borrow().clone()) {
        return Ok(db);
    }
    let db = storage::open().await?;
    DB.with(|d| *d.borrow_mut() = Some(db.clone()));
    Ok(db)
}

/// Whether this page load is a reload or a back/forward visit, the loads
/// a checkpoint continues (Navigation Timing's `type`).
pub fn page_was_reloaded() -> bool {
    let Some(perf) = web_sys::window().and_then(|w| w.performance()) else {
        return false;
    };
    let entries = perf.get_entries_by_type("navigation");
    let kind = js_sys::Reflect::get(&entries.get(0), &"type".into())
        .ok()
        .and_then(|t| t.as_string());
    matches!(kind.as_deref(), Some("reload" | "back_forward"))
}

/// How much text a chunk holds before it goes to JS.
const CHUNK_BYTES: usize = 1 << 20;

/// How long one task may encode before letting the page run.
const SLICE_MS: f64 = 6.0;

/// Writes a checkpoint for the view `key`: `head` (the figures of
/// [`Saved`] up to the engine's text), then the engine's parts. In the
/// background a slice at a time; or, when the page is going away, every
/// chunk and the manifest in one transaction issued at once.
pub fn store(key: String, head: String, parts: Vec<Part>, at_once: bool) {
    let generation = next_generation();
    if !at_once {
        WRITING.with(|w| w.set(true));
    }
    wasm_bindgen_futures::spawn_local(async move {
        let written = match at_once {
            true => write_at_once(&key, generation, head, parts).await,
            false => write_in_slices(&key, generation, head, parts).await,
        };
        if !at_once {
            WRITING.with(|w| w.set(false));
        }
        if let Err(e) = written {
            web_sys::console::warn_1(&format!("Sparklet could not save a checkpoint: {e}").into());
        }
    });
}

/// Whether a checkpoint is being written in the background: a periodic
/// one then waits for the next interval rather than starting over.
pub fn writing() -> bool {
    WRITING.with(Cell::get)
}

/// A generation newer than any before: the newest write (or Clear) wins,
/// and an older write still running gives up before its manifest.
fn next_generation() -> u64 {
    LATEST.with(|latest| {
        let g = (js_sys::Date::now() as u64).max(latest.get() + 1);
        latest.set(g);
        g
    })
}

fn superseded(generation: u64) -> bool {
    LATEST.with(|latest| latest.get() != generation)
}

/// A checkpoint's text, cut into chunks of about [`CHUNK_BYTES`] between
/// parts (so never inside a character).
struct Chunks {
    text: String,
    written: usize,
    /// Bytes in the chunks taken so far.
    total: usize,
}

impl Chunks {
    fn new(head: String) -> Chunks {
        Chunks {
            text: head,
            written: 0,
            total: 0,
        }
    }

    /// Appends a part; a chunk when one is full. A checkpoint that grows
    /// past the cap is given up: it could never be restored.
    fn add(&mut self, part: Part) -> Result<Option<JsValue>, SaveError> {
        part(&mut self.text);
        if self.total + self.text.len() > MAX_CHECKPOINT_BYTES {
            return Err(SaveError::TooLarge);
        }
        Ok((self.text.len() >= CHUNK_BYTES).then(|| self.take()))
    }

    /// The last chunk, which closes the checkpoint's text.
    fn finish(&mut self) -> JsValue {
        self.text.push('}');
        self.take()
    }

    fn take(&mut self) -> JsValue {
        self.written += 1;
        self.total += self.text.len();
        let chunk = JsValue::from_str(&self.text);
        self.text.clear();
        chunk
    }
}

async fn write_in_slices(
    key: &str,
    generation: u64,
    head: String,
    parts: Vec<Part>,
) -> Result<(), SaveError> {
    let db = db().await?;
    let clock = PerformanceClock::new();
    let now = || clock.as_ref().map_or(0.0, |c| c.now_ms());
    let mut chunks = Chunks::new(head);
    let mut slice_start = now();
    for part in parts {
        if let Some(chunk) = chunks.add(part)? {
            if superseded(generation) {
                return Ok(());
            }
            storage::put(&db, &chunk_key(key, generation, chunks.written - 1), &chunk).await?;
        }
        if now() - slice_start > SLICE_MS {
            gloo_timers::future::TimeoutFuture::new(0).await;
            slice_start = now();
        }
    }
    let last = chunks.finish();
    if superseded(generation) {
        return Ok(());
    }
    storage::put(&db, &chunk_key(key, generation, chunks.written - 1), &last).await?;
    if superseded(generation) {
        return Ok(());
    }
    let manifest = format!("{generation} {}", chunks.written);
    storage::put(&db, key, &JsValue::from_str(&manifest)).await?;
    Ok(sweep(&db, key, generation).await?)
}

async fn write_at_once(
    key: &str,
    generation: u64,
    head: String,
    parts: Vec<Part>,
) -> Result<(), SaveError> {
    let mut chunks = Chunks::new(head);
    let mut records = Vec::new();
    for part in parts {
        if let Some(chunk) = chunks.add(part)? {
            records.push((chunk_key(key, generation, chunks.written - 1), chunk));
        }
    }
    let last = chunks.finish();
    records.push((chunk_key(key, generation, chunks.written - 1), last));
    let manifest = format!("{generation} {}", chunks.written);
    records.push((key.to_string(), JsValue::from_str(&manifest)));
    let db = db().await?;
    storage::put_all(&db, &records).await?;
    Ok(sweep(&db, key, generation).await?)
}

/// Deletes the chunks of generations older than `generation` (replaced,
/// or left by a write that gave up or was cut short).
async fn sweep(db: &IdbDatabase, key: &str, generation: u64) -> Result<(), StorageError> {
    let prefix = format!("{key}#");
    for old in chunks_of(db, key).await? {
        let g = old[prefix.len()..]
            .split('#')
            .next()
            .and_then(|g| g.parse::<u64>().ok());
        if g.is_some_and(|g| g < generation) {
            storage::delete(db, &old).await?;
        }
    }
    Ok(())
}

/// The keys of every chunk stored for the view `key`, of any generation.
async fn chunks_of(db: &IdbDatabase, key: &str) -> Result<Vec<String>, StorageError> {
    storage::keys_between(db, &format!("{key}#"), &format!("{key}#\u{ffff}")).await
}

fn chunk_key(key: &str, generation: u64, n: usize) -> String {
    format!("{key}#{generation}#{n:06}")
}

/// Forgets the view's checkpoint (Clear starts afresh); a write under way
/// gives up rather than put it back.
pub fn forget(key: String) {
    next_generation();
    wasm_bindgen_futures::spawn_local(async move {
        if let Ok(db) = db().await {
            let _ = storage::delete(&db, &key).await;
            for chunk in chunks_of(&db, &key).await.unwrap_or_default() {
                let _ = storage::delete(&db, &chunk).await;
            }
        }
    });
}
