//! What a stored checkpoint holds besides the engine's state, and how it
//! is read back: its manifest, then its chunks, each checked against the
//! size cap before it is put together, since any page of this origin can
//! write IndexedDB. What is wrong with one is a [`LoadError`], which the
//! page shows when it starts fresh instead.

use sparklet_engine::checkpoint::MAX_CHECKPOINT_BYTES;
use sparklet_engine::MAX_SAFE_INTEGER;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::IdbDatabase;

use super::{chunk_key, db, CHUNK_BYTES};
use crate::storage::{self, StorageError};

/// Why a stored checkpoint cannot be used: shown in the page, after
/// "the saved checkpoint was not used".
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("its manifest is damaged")]
    Manifest,
    #[error("it claims {0} chunks, more than a checkpoint can have")]
    TooManyChunks(usize),
    #[error("a chunk could not be read: {0}")]
    Chunk(StorageError),
    #[error("chunk {0} is missing or not text")]
    ChunkMissing(usize),
    #[error("it is larger than the {} MiB a checkpoint may have", MAX_CHECKPOINT_BYTES >> 20)]
    TooLarge,
    #[error("the checkpoint is damaged: {0}")]
    Damaged(serde_json::Error),
    /// One of the page's own figures past what a JavaScript number holds.
    #[error("its {what} {n} is out of range")]
    OutOfRange { what: &'static str, n: u64 },
}

/// What a checkpoint holds besides the engine's state.
#[derive(Clone, Debug, PartialEq)]
pub struct Saved {
    /// The checkpoint's text; the engine's state is the part of it at
    /// `engine` (kept in place: a large state is not copied again).
    text: String,
    engine: std::ops::Range<usize>,
    /// The feed's record number the state covers up to: where to resume.
    pub offset: u64,
    pub batches: u64,
    pub records: u64,
    /// Whether the feed resumed when this was saved: only then can a run
    /// continue from it.
    pub resumes: bool,
    /// The run's zero time (ms since the epoch), so that a restored run's
    /// batches keep their times; absent from checkpoints written before
    /// it was kept.
    pub zero_ms: Option<u64>,
    /// An event-time run's late groups and rows so far, so its totals go
    /// on after a reload as its watermark does (0 for other runs).
    pub late: u64,
    pub late_rows: u64,
}

impl Saved {
    /// The text of a checkpoint up to the engine's state, which follows it
    /// (then a closing brace).
    pub fn head(
        offset: u64,
        batches: u64,
        records: u64,
        resumes: bool,
        zero_ms: u64,
        (late, late_rows): (u64, u64),
    ) -> String {
        format!(
            "{{\"offset\":{offset},\"batches\":{batches},\"records\":{records},\"resumes\":{resumes},\"zero_ms\":{zero_ms},\"late\":{late},\"late_rows\":{late_rows},\"engine\":"
        )
    }

    /// The engine's state, JSON text (`PipelineRunner::checkpoint_parts`).
    pub fn engine(&self) -> &str {
        &self.text[self.engine.clone()]
    }

    /// A checkpoint's text, or what is wrong with it.
    pub fn from_json(text: String) -> Result<Saved, LoadError> {
        #[derive(serde::Deserialize)]
        struct Stored<'a> {
            #[serde(borrow)]
            engine: &'a serde_json::value::RawValue,
            offset: u64,
            batches: u64,
            records: u64,
            #[serde(default)]
            resumes: bool,
            #[serde(default)]
            zero_ms: Option<u64>,
            #[serde(default)]
            late: u64,
            #[serde(default)]
            late_rows: u64,
        }
        let s: Stored = serde_json::from_str(&text).map_err(LoadError::Damaged)?;
        // The raw value is a slice of `text`.
        let start = s.engine.get().as_ptr() as usize - text.as_ptr() as usize;
        let engine = start..start + s.engine.get().len();
        Ok(Saved {
            engine,
            offset: s.offset,
            batches: s.batches,
            records: s.records,
            resumes: s.resumes,
            zero_ms: s.zero_ms,
            late: s.late,
            late_rows: s.late_rows,
            text,
        })
    }

    /// Whether the page's own figures are in range (the engine checks its
    /// state when it restores it).
    pub fn check(&self) -> Result<(), LoadError> {
        for (what, n) in [
            ("feed offset", self.offset),
            ("batch count", self.batches),
            ("record count", self.records),
            ("late group count", self.late),
            ("late row count", self.late_rows),
        ] {
            if n > MAX_SAFE_INTEGER {
                return Err(LoadError::OutOfRange { what, n });
            }
        }
        // Half the range: the run's batch times are added to it.
        match self.zero_ms {
            Some(n) if n > MAX_SAFE_INTEGER / 2 => Err(LoadError::OutOfRange {
                what: "zero time",
                n,
            }),
            _ => Ok(()),
        }
    }
}

/// The checkpoint of the view `key`: `None` if none was saved, else the
/// checkpoint or why it cannot be used, as the page says it. Its size is
/// checked against the cap before its chunks are put together.
pub async fn load(key: &str) -> Option<Result<Saved, LoadError>> {
    let db = db().await.ok()?;
    let manifest = storage::get(&db, key).await.ok()?;
    Some(read(&db, key, manifest).await)
}

async fn read(db: &IdbDatabase, key: &str, manifest: JsValue) -> Result<Saved, LoadError> {
    let manifest = manifest.as_string().ok_or(LoadError::Manifest)?;
    let (generation, chunks) = manifest.split_once(' ').ok_or(LoadError::Manifest)?;
    let generation: u64 = generation.parse().map_err(|_| LoadError::Manifest)?;
    let chunks: usize = chunks.parse().map_err(|_| LoadError::Manifest)?;
    if chunks > MAX_CHECKPOINT_BYTES / CHUNK_BYTES + 2 {
        return Err(LoadError::TooManyChunks(chunks));
    }
    let mut text = String::new();
    for n in 0..chunks {
        let chunk = storage::get(db, &chunk_key(key, generation, n))
            .await
            .map_err(LoadError::Chunk)?;
        // Measured before it is copied in: a unit is at least a byte.
        let units = chunk
            .dyn_ref::<js_sys::JsString>()
            .map_or(0, |s| s.length() as usize);
        if text.len().saturating_add(units) > MAX_CHECKPOINT_BYTES {
            return Err(LoadError::TooLarge);
        }
        let chunk = chunk.as_string().ok_or(LoadError::ChunkMissing(n))?;
        if text.len().saturating_add(chunk.len()) > MAX_CHECKPOINT_BYTES {
            return Err(LoadError::TooLarge);
        }
        text.push_str(&chunk);
    }
    Saved::from_json(text)
}
