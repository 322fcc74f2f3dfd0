//! A checkpoint taken at once and written later, in parts: a state is
//! snapshotted when the checkpoint is taken (what never changes shared,
//! what changes in place copied), and each part appends its piece of the
//! text when called, so the page can write a large state a few parts per
//! task while batches go on. Long lists are cut into parts of a few
//! milliseconds of encoding each.

use super::codec::Codec;

/// A piece of a checkpoint's JSON text, appended when called.
pub type Part = Box<dyn FnOnce(&mut String)>;

/// Text that is known now, as a part.
pub fn text_part(text: impl Into<String>) -> Part {
    let text = text.into();
    Box::new(move |out: &mut String| out.push_str(&text))
}

/// The text of `parts`, written now.
pub fn write(parts: Vec<Part>) -> String {
    let mut out = String::new();
    for part in parts {
        part(&mut out);
    }
    out
}

/// Entries a part encodes at most: a few milliseconds of work.
const PART_ENTRIES: usize = 16_384;

/// `items` as a JSON list, in parts of at most `PART_ENTRIES` (16,384).
pub fn list_parts<T: Codec + 'static>(items: Vec<T>, parts: &mut Vec<Part>) {
    parts.push(text_part("["));
    let mut items = items.into_iter().peekable();
    let mut first = true;
    while items.peek().is_some() {
        let piece: Vec<T> = items.by_ref().take(PART_ENTRIES).collect();
        let comma = !first;
        first = false;
        parts.push(Box::new(move |out: &mut String| {
            for (i, item) in piece.iter().enumerate() {
                if comma || i > 0 {
                    out.push(',');
                }
                item.enc(out);
            }
        }));
    }
    parts.push(text_part("]"));
}
