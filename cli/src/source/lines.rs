//! Bytes from a reader into whole lines, as the page's frame decoder
//! reads them (`\n` ends a line, a `\r` before it is dropped, empty lines
//! are not records), so that a source's record offsets and the page's
//! agree. A line longer than [`MAX_LINE`] is never held: it is skipped,
//! and the skip is a record of its own, so offsets stay exact and the page
//! can count it as malformed with the reason.

/// Longest line a source keeps, in bytes. Longer lines are skipped and
/// counted; memory per source stays bounded whatever arrives.
pub const MAX_LINE: usize = 1 << 20;

/// Most bytes in one run of lines: a run is the unit a connection cuts
/// frames from, and its line ends are `u32`s.
const MAX_RUN_BYTES: usize = 1 << 20;

/// A run of whole lines, joined by `\n`; `ends[i]` is where line `i` ends.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Lines {
    pub data: Vec<u8>,
    pub ends: Vec<u32>,
}

impl Lines {
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Where line `i` starts.
    pub fn start(&self, i: usize) -> usize {
        if i == 0 {
            0
        } else {
            self.ends[i - 1] as usize + 1
        }
    }
}

/// What a read produced, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Lines(Lines),
    /// One line that could not be kept, and why.
    Skipped(String),
}

/// The pieces of one or more reads, waiting to be appended to the log.
#[derive(Debug, Default)]
pub struct Batch {
    pub pieces: Vec<Piece>,
}

impl Batch {
    pub fn is_empty(&self) -> bool {
        self.pieces.is_empty()
    }

    /// Bytes of line text held.
    pub fn bytes(&self) -> usize {
        self.pieces
            .iter()
            .map(|p| match p {
                Piece::Lines(l) => l.data.len(),
                Piece::Skipped(_) => 0,
            })
            .sum()
    }

    fn push_line(&mut self, line: &[u8]) {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            return;
        }
        let run = match self.pieces.last_mut() {
            Some(Piece::Lines(run)) if run.data.len() + line.len() < MAX_RUN_BYTES => run,
            _ => {
                self.pieces.push(Piece::Lines(Lines::default()));
                match self.pieces.last_mut() {
                    Some(Piece::Lines(run)) => run,
                    _ => unreachable!("a run was just pushed"),
                }
            }
        };
        if !run.data.is_empty() {
            run.data.push(b'\n');
        }
        run.data.extend_from_slice(line);
        // Below MAX_RUN_BYTES + MAX_LINE, far below u32::MAX.
        run.ends.push(run.data.len() as u32);
    }

    fn skip(&mut self, bytes: usize) {
        self.pieces.push(Piece::Skipped(format!(
            "a line of {} is longer than the source's {} line limit: skipped",
            size(bytes),
            size(MAX_LINE)
        )));
    }
}

/// `1.0 MiB`, `16.0 MiB`, `900 bytes`.
fn size(bytes: usize) -> String {
    if bytes >= 1 << 20 {
        format!("{:.1} MiB", bytes as f64 / f64::from(1 << 20))
    } else {
        format!("{bytes} bytes")
    }
}

/// Cuts a byte stream into lines, holding at most one partial line of at
/// most [`MAX_LINE`] bytes between reads.
#[derive(Debug, Default)]
pub struct LineSplitter {
    partial: Vec<u8>,
    /// Bytes so far of a line already too long to keep.
    overlong: Option<usize>,
}

impl LineSplitter {
    /// The next bytes of the stream; complete lines go to `out`.
    pub fn push(&mut self, bytes: &[u8], out: &mut Batch) {
        let mut start = 0;
        for newline in memchr::memchr_iter(b'\n', bytes) {
            let segment = &bytes[start..newline];
            start = newline + 1;
            if let Some(seen) = self.overlong.take() {
                out.skip(seen + segment.len());
            } else if self.partial.is_empty() {
                self.line(segment, out);
            } else {
                self.partial.extend_from_slice(segment);
                let line = std::mem::take(&mut self.partial);
                self.line(&line, out);
                self.partial = line;
                self.partial.clear();
            }
        }
        let rest = &bytes[start..];
        match &mut self.overlong {
            Some(seen) => *seen += rest.len(),
            None => {
                self.partial.extend_from_slice(rest);
                if self.partial.len() > MAX_LINE {
                    self.overlong = Some(self.partial.len());
                    self.partial = Vec::new();
                }
            }
        }
    }

    /// The stream ended (a file rotated, a connection closed): the bytes
    /// after the last newline are a line too.
    pub fn finish(&mut self, out: &mut Batch) {
        if let Some(seen) = self.overlong.take() {
            out.skip(seen);
        } else if !self.partial.is_empty() {
            let line = std::mem::take(&mut self.partial);
            self.line(&line, out);
        }
    }

    fn line(&self, line: &[u8], out: &mut Batch) {
        if line.len() > MAX_LINE {
            out.skip(line.len());
        } else {
            out.push_line(line);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(batch: &Batch) -> Vec<String> {
        let mut out = Vec::new();
        for piece in &batch.pieces {
            match piece {
                Piece::Lines(run) => {
                    for i in 0..run.len() {
                        let line = &run.data[run.start(i)..run.ends[i] as usize];
                        out.push(String::from_utf8_lossy(line).into_owned());
                    }
                }
                Piece::Skipped(why) => out.push(format!("<{why}>")),
            }
        }
        out
    }

    #[test]
    fn lines_split_across_reads_come_out_whole() {
        let mut s = LineSplitter::default();
        let mut b = Batch::default();
        for part in ["to be", " or not\r\nto", " be\n\n\r\nthat is", ""] {
            s.push(part.as_bytes(), &mut b);
        }
        assert_eq!(lines(&b), ["to be or not", "to be"]);
        assert_eq!(s.partial, b"that is");
        s.finish(&mut b);
        assert_eq!(lines(&b), ["to be or not", "to be", "that is"]);
    }

    #[test]
    fn a_line_over_the_limit_is_one_skipped_record_and_is_never_held() {
        let mut s = LineSplitter::default();
        let mut b = Batch::default();
        s.push(b"before\n", &mut b);
        let chunk = vec![b'x'; 64 * 1024];
        for _ in 0..256 {
            s.push(&chunk, &mut b);
            assert!(s.partial.len() <= MAX_LINE);
        }
        s.push(b"x\nafter\n", &mut b);
        let got = lines(&b);
        assert_eq!(got.len(), 3);
        assert_eq!(got[0], "before");
        assert!(
            got[1].contains("16.0 MiB") && got[1].contains("1.0 MiB line limit"),
            "{}",
            got[1]
        );
        assert_eq!(got[2], "after");
    }

    #[test]
    fn invalid_utf8_is_kept_for_the_page_to_count() {
        let mut s = LineSplitter::default();
        let mut b = Batch::default();
        s.push(b"ok\n\xff\xfe bad\nok again\n", &mut b);
        assert_eq!(lines(&b).len(), 3);
    }
}
