//! Checkpoints, as Spark's: a streaming context's running state (window
//! panes, incremental windows, per-key state, the batch count) saved as
//! JSON and restored into the same streams built afresh, so a reloaded
//! page, or a program started again, goes on where it was.
//!
//! Operators own their checkpoints. A stateful operator registers its
//! state with the graph ([`Graph::keep`](crate::dstream::Graph::keep)),
//! and the state's type says how it is saved and restored by implementing
//! [`StateCodec`] beside the operator: its panes or entries written in
//! [`Part`]s, its text read back and checked against [`Bounds`]. The graph
//! keeps each state behind that trait, so this module knows no operator's
//! types, and a new stateful operator (event-time windows, say) brings its
//! own codec rather than editing a list here.
//!
//! The values inside a state are written by [`Codec`]. Rust has no
//! specialization, so an operator cannot register a codec only "if its
//! types have one"; instead the stateful operators require `Codec` of
//! their keys, values and states, beside the [`Footprint`] their memory
//! budget already requires. A stream that builds can always be
//! checkpointed; one whose types cannot be saved is a compile error
//! naming the type, never a checkpoint refused at run time. `Codec` is
//! Sparklet's trait rather than serde's `Serialize + DeserializeOwned`
//! for two reasons: [`Value`](crate::Value)'s serde form is the one users
//! see, which keeps neither pairs apart from lists nor floats apart from
//! integers, and a checkpoint must keep both (see `value.rs`); and a
//! checkpoint is input from outside, so every list in it is capped while
//! it is read, which serde's own `Vec` does not do. It is implemented for
//! the common types (integers, floats, booleans, strings
//! keys, tuples, vectors, options, maps, `Value`), and a type that
//! serializes with serde gets it in one line with
//! [`serde_codec!`](crate::serde_codec).
//!
//! Saving, the frequent side, appends JSON text straight to a string.
//! `run.rs` wraps the states in the checkpoint's header (its version, the
//! pipeline, the batch interval and count) and checks that header on the
//! way back.

mod codec;
mod decode;
mod error;
mod kept;
mod parts;
mod restore;
mod run;
mod value;

#[doc(hidden)]
pub use serde;

pub use codec::{enc_serde, Codec};
pub use decode::{decode, raw_panes};
pub use error::CheckpointError;
pub use kept::{ConfiguredState, Kept};
pub use parts::{list_parts, text_part, write, Part};
pub use restore::Bounds;
pub(crate) use run::{restore, save, Run};
pub use run::{CHECKPOINT_VERSION, MAX_CHECKPOINT_BYTES, MAX_RUN_MS};

use crate::dstream::Footprint;

/// How an operator's state is checkpointed: implemented beside the
/// operator for the type it registers with the graph.
pub trait StateCodec: Footprint + Sized + 'static {
    /// Snapshots the state as it is now into `parts`, to be written
    /// later, while the state moves on: what never changes (a window's
    /// panes) is shared, what changes in place is copied.
    fn save(&self, parts: &mut Vec<Part>);

    /// Reads a state back from the text its `save` wrote, refusing it
    /// unless it fits `bounds` (see [`Bounds`] for the checks).
    fn restore(text: &str, bounds: &Bounds) -> Result<Self, CheckpointError>;
}
