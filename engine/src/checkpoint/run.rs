//! A whole checkpoint: every state of a streaming context inside a header
//! that says what saved it (the format's version, the pipeline's text for
//! a pipeline, the batch interval, how many batches ran), checked before
//! any state is read:
//! `{"version":2,"pipeline":"...","batch_ms":1000,"batches_run":14,"states":[...]}`.

use serde_json::value::RawValue;

use super::kept::{restore_states, save_states, Limits};
use super::{text_part, CheckpointError, Kept, Part};

/// The checkpoint format; 2 keeps incremental windows' keys once.
pub const CHECKPOINT_VERSION: u64 = 2;

/// The largest checkpoint restored: about what the default state budget
/// writes as text. A larger one is refused, and the run starts fresh.
pub const MAX_CHECKPOINT_BYTES: usize = 512 << 20;

/// The longest run a checkpoint may claim (100 years, in ms): batch times
/// stay far from overflow, and exact as JavaScript numbers.
pub const MAX_RUN_MS: u64 = 100 * 365 * 24 * 3600 * 1000;

/// What a checkpoint is of, and where it is restored: a pipeline's text
/// (none for the typed API), the batch interval, and the limits its
/// states keep to.
pub(crate) struct Run<'a> {
    pub pipeline: Option<&'a str>,
    pub batch_ms: u64,
    pub max_keys: usize,
    pub budget: usize,
}

/// The checkpoint of `states` after `batches_run` batches, in parts.
pub(crate) fn save(run: &Run, batches_run: u64, states: &[Kept]) -> Vec<Part> {
    let pipeline = run.pipeline.map_or_else(String::new, |text| {
        format!("\"pipeline\":{},", serde_json::Value::from(text))
    });
    let head = format!(
        "{{\"version\":{CHECKPOINT_VERSION},{pipeline}\"batch_ms\":{},\"batches_run\":{batches_run},\"states\":",
        run.batch_ms
    );
    let mut parts = vec![text_part(head)];
    save_states(states, &mut parts);
    parts.push(text_part("}"));
    parts
}

/// Restores `saved` into `states`, which must be those of the streams
/// that saved it; returns how many batches it covers. Checked before use
/// as input from outside: its size, version, what saved it, its batch
/// count, then every state. On any mismatch nothing changes.
pub(crate) fn restore(saved: &str, run: &Run, states: &[Kept]) -> Result<u64, CheckpointError> {
    #[derive(serde::Deserialize)]
    struct Version {
        version: Option<serde_json::Value>,
    }
    #[derive(serde::Deserialize)]
    struct Saved<'a> {
        pipeline: Option<String>,
        batch_ms: u64,
        batches_run: u64,
        #[serde(borrow)]
        states: Vec<&'a RawValue>,
    }
    if saved.len() > MAX_CHECKPOINT_BYTES {
        return Err(CheckpointError::TooLarge {
            bytes: saved.len(),
            max_mib: MAX_CHECKPOINT_BYTES >> 20,
        });
    }
    let version: Version = serde_json::from_str(saved).map_err(CheckpointError::NotJson)?;
    if version.version != Some(CHECKPOINT_VERSION.into()) {
        return Err(CheckpointError::OtherVersion);
    }
    let saved: Saved = serde_json::from_str(saved).map_err(CheckpointError::Damaged)?;
    if saved.pipeline.as_deref() != run.pipeline || saved.batch_ms != run.batch_ms {
        return Err(CheckpointError::OtherPipeline);
    }
    let now_ms = saved
        .batches_run
        .checked_mul(run.batch_ms)
        .filter(|t| *t <= MAX_RUN_MS)
        .ok_or(CheckpointError::RunTooLong {
            batches: saved.batches_run,
            batch_ms: run.batch_ms,
        })?;
    let limits = Limits {
        now_ms,
        batch_ms: run.batch_ms,
        max_keys: run.max_keys,
        budget: run.budget,
    };
    restore_states(states, &saved.states, &limits)?;
    Ok(saved.batches_run)
}
