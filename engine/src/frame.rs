//! The frame decoder: a WebSocket frame's bytes into records, as docs/DESIGN.md
//! says (`\n`-separated, `\r\n` accepted, empty lines ignored, invalid UTF-8
//! counted as malformed). A record holding a NUL byte is malformed too: no
//! text feed means one, and it would only confuse what shows the record.
//! Pure, so it is fuzzed and tested natively.

use crate::malformed::Malformed;
use crate::records::Records;

/// Appends the records of a text frame; returns how many were added.
pub fn decode_text(frame: &str, out: &mut Records, malformed: &mut Malformed) -> usize {
    let before = out.len();
    out.reserve(frame.len());
    let has_nul = memchr::memchr(0, frame.as_bytes()).is_some();
    // Slices of the `str` at its newlines (ASCII, so char boundaries): no
    // line is checked for UTF-8 again. memchr scans with SIMD where the
    // target has it (wasm's simd128 included).
    let mut start = 0;
    let ends = memchr::memchr_iter(b'\n', frame.as_bytes()).chain([frame.len()]);
    let lines = ends
        .map(|end| {
            let line = &frame[start..end];
            start = end + 1;
            line.strip_suffix('\r').unwrap_or(line)
        })
        .filter(|l| !l.is_empty());
    for line in lines {
        if has_nul && line.contains('\0') {
            let at = line.find('\0').unwrap_or(0);
            malformed.record(&line.replace('\0', "\\0"), || {
                format!("NUL byte at byte {at} of the record")
            });
        } else {
            out.push(line);
        }
    }
    out.len() - before
}

/// Appends the records of a binary frame, read as UTF-8. A line that is not
/// UTF-8 is counted as malformed and skipped; the rest of the frame is kept.
pub fn decode_binary(frame: &[u8], out: &mut Records, malformed: &mut Malformed) -> usize {
    if let Ok(text) = std::str::from_utf8(frame) {
        return decode_text(text, out, malformed);
    }
    let before = out.len();
    for line in lines(frame) {
        match std::str::from_utf8(line) {
            Ok(line) if line.contains('\0') => {
                let at = line.find('\0').unwrap_or(0);
                malformed.record(&line.replace('\0', "\\0"), || {
                    format!("NUL byte at byte {at} of the record")
                });
            }
            Ok(line) => out.push(line),
            Err(e) => {
                let at = e.valid_up_to();
                malformed.record(&String::from_utf8_lossy(line), || {
                    format!("invalid UTF-8 at byte {at} of the record")
                });
            }
        }
    }
    out.len() - before
}

/// How many records a frame holds, without keeping them (for frames that
/// are dropped, whose records must still be counted).
pub fn count_records(frame: &[u8]) -> usize {
    lines(frame).count()
}

/// Counts the records of a frame read in pieces, exactly as
/// [`count_records`] counts it whole: how a frame too large to take is
/// counted without ever being copied in one piece.
#[derive(Clone, Debug, Default)]
pub struct RecordCounter {
    records: usize,
    /// Bytes of the line so far, and whether its last byte was `\r`.
    line: usize,
    cr: bool,
}

impl RecordCounter {
    /// The next piece of the frame.
    pub fn feed(&mut self, piece: &[u8]) {
        let mut start = 0;
        for newline in memchr::memchr_iter(b'\n', piece) {
            self.extend(&piece[start..newline]);
            self.end_line();
            start = newline + 1;
        }
        self.extend(&piece[start..]);
    }

    /// The frame's records, once every piece was fed.
    pub fn finish(mut self) -> usize {
        self.end_line();
        self.records
    }

    fn extend(&mut self, part: &[u8]) {
        if let Some(&last) = part.last() {
            self.line += part.len();
            self.cr = last == b'\r';
        }
    }

    fn end_line(&mut self) {
        // A line of only `\r` is empty once the `\r` is stripped.
        if self.line > usize::from(self.cr) {
            self.records += 1;
        }
        self.line = 0;
        self.cr = false;
    }
}

/// Non-empty lines, `\r\n` or `\n` terminated.
fn lines(frame: &[u8]) -> impl Iterator<Item = &[u8]> {
    frame
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .filter(|l| !l.is_empty())
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn separators_and_empty_lines() {
        let mut r = Records::new();
        assert_eq!(
            decode_text("a b\r\n\nc\n", &mut r, &mut Malformed::default()),
            2
        );
        assert_eq!(r.iter().collect::<Vec<_>>(), ["a b", "c"]);
        assert_eq!(count_records(b"a b\r\n\nc\n"), 2);
    }

    #[test]
    fn a_frame_counted_in_pieces_counts_as_the_whole() {
        let mut seed = 7u64;
        let mut next = move |n: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % n
        };
        for _ in 0..500 {
            let frame: Vec<u8> = (0..next(40))
                .map(|_| [b'a', b'\r', b'\n', b' '][next(4) as usize])
                .collect();
            let mut counter = RecordCounter::default();
            let mut at = 0;
            while at < frame.len() {
                let end = (at + 1 + next(5) as usize).min(frame.len());
                counter.feed(&frame[at..end]);
                at = end;
            }
            assert_eq!(counter.finish(), count_records(&frame), "{frame:?}");
        }
    }

    #[test]
    fn a_nul_byte_makes_its_record_malformed() {
        let (mut r, mut m) = (Records::new(), Malformed::default());
        assert_eq!(decode_text("ok\nbad\0one\nfine", &mut r, &mut m), 2);
        assert_eq!(r.iter().collect::<Vec<_>>(), ["ok", "fine"]);
        let s = m.samples().next().unwrap();
        assert_eq!(
            (s.reason.as_str(), s.record.as_str()),
            ("NUL byte at byte 3 of the record", "bad\\0one")
        );
    }

    #[test]
    fn invalid_utf8_spoils_only_its_own_line() {
        let (mut r, mut m) = (Records::new(), Malformed::default());
        let n = decode_binary(b"ok\nbad \xff\xfe here\nfine", &mut r, &mut m);
        assert_eq!(n, 2);
        assert_eq!(r.iter().collect::<Vec<_>>(), ["ok", "fine"]);
        assert_eq!(m.count(), 1);
        let s = m.samples().next().unwrap();
        assert_eq!(s.reason, "invalid UTF-8 at byte 4 of the record");
        assert_eq!(s.record, "bad \u{fffd}\u{fffd} here");
    }
}
