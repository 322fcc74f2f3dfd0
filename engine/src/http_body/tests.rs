#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use super::*;
use crate::{Malformed, PendingBuffer};

/// What a body amounted to, read as the page reads it: records through a
/// pending buffer, everything else as it came.
#[derive(Debug, Default)]
struct Outcome {
    records: Vec<String>,
    malformed: Vec<String>,
    hello: Option<FeedHello>,
    notices: Vec<FeedNotice>,
    too_long: Vec<usize>,
    /// The largest frame handed on (left out of comparisons: how a body
    /// is cut changes its frames, not what they hold).
    largest_frame: usize,
}

impl PartialEq for Outcome {
    fn eq(&self, other: &Self) -> bool {
        (
            &self.records,
            &self.malformed,
            &self.hello,
            &self.notices,
            &self.too_long,
        ) == (
            &other.records,
            &other.malformed,
            &other.hello,
            &other.notices,
            &other.too_long,
        )
    }
}

fn read(mut body: impl BodyDecoder, chunks: &[&[u8]], ends: bool) -> Outcome {
    let mut pending = PendingBuffer::new(64 << 20);
    let mut malformed = Malformed::default();
    let mut out = Outcome::default();
    let mut emit = |piece: Piece| match piece {
        Piece::Records { frame, .. } => {
            out.largest_frame = out.largest_frame.max(frame.len());
            pending.push_binary(frame, 0.0, &mut malformed);
        }
        Piece::Hello(h) => {
            assert!(out.hello.is_none(), "one hello");
            out.hello = Some(h);
        }
        Piece::Notice(n) => out.notices.push(n),
        Piece::TooLong { bytes } => out.too_long.push(bytes),
    };
    for chunk in chunks {
        body.feed(chunk, &mut emit);
    }
    if ends {
        body.finish(&mut emit);
    }
    out.records = pending
        .take_until(1.0)
        .records
        .iter()
        .map(str::to_string)
        .collect();
    out.malformed = malformed.samples().map(|s| s.reason.clone()).collect();
    out
}

/// `body` cut into pieces of 1 to `most` bytes, by a fixed sequence.
fn cut(body: &[u8], most: usize, seed: u64) -> Vec<&[u8]> {
    let mut state = seed;
    let mut pieces = Vec::new();
    let mut at = 0;
    while at < body.len() {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let n = 1 + (state >> 33) as usize % most;
        let end = (at + n).min(body.len());
        pieces.push(&body[at..end]);
        at = end;
    }
    pieces
}

const HELLO: &str = "{\"sparklet\":{\"resume\":true,\"from\":7}}";
const NOTICE: &str = "{\"sparklet\":{\"skipped\":2,\"reason\":\"too long\"}}";

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn lines_cut_anywhere_read_as_the_whole_body() {
    let body = format!("{HELLO}\r\nspark stream\n\nbatch\r\n{NOTICE}\nwindow {{\"sparklet\":{{\"status\":\"x\"}}}}\n\nlast one");
    let whole = read(LineBody::new(1 << 20), &[body.as_bytes()], true);
    assert_eq!(
        whole.records,
        strings(&[
            "spark stream",
            "batch",
            "window {\"sparklet\":{\"status\":\"x\"}}",
            "last one"
        ]),
        "a notice only when it is the whole line; the last line ends with the body"
    );
    assert_eq!(
        whole.hello,
        Some(FeedHello {
            resume: true,
            from: Some(7)
        })
    );
    assert_eq!(whole.notices.len(), 1);
    for seed in 0..300 {
        let pieces = cut(body.as_bytes(), 1 + seed as usize % 12, seed);
        assert_eq!(
            read(LineBody::new(1 << 20), &pieces, true),
            whole,
            "seed {seed}"
        );
    }
}

#[test]
fn a_cut_connection_leaves_its_part_line_unread() {
    let out = read(LineBody::new(1 << 20), &[b"one\ntwo\nthr"], false);
    assert_eq!(out.records, strings(&["one", "two"]));
    let out = read(SseBody::new(1 << 20), &[b"data: one\n\ndata: two\n"], true);
    assert_eq!(
        out.records,
        strings(&["one"]),
        "an event needs its empty line"
    );
}

#[test]
fn a_line_over_the_limit_is_counted_and_its_neighbours_kept() {
    let long = "x".repeat(3000);
    let body = format!("before\n{long}\nafter\n");
    for seed in 0..50 {
        let pieces = cut(body.as_bytes(), 1 + seed as usize * 97, seed);
        let out = read(LineBody::new(1000), &pieces, true);
        assert_eq!(out.records, strings(&["before", "after"]), "seed {seed}");
        assert_eq!(out.too_long.len(), 1, "seed {seed}");
        assert!(out.too_long[0] > 1000, "seed {seed}: {:?}", out.too_long);
    }
}

#[test]
fn frames_stay_under_a_quarter_of_the_buffer() {
    let body: String = (0..20_000).map(|i| format!("record {i}\n")).collect();
    let out = read(LineBody::new(64 << 10), &[body.as_bytes()], true);
    assert_eq!(out.records.len(), 20_000);
    assert!(out.largest_frame <= 16 << 10, "{}", out.largest_frame);
    let sse: String = (0..20_000)
        .map(|i| format!("data: record {i}\n\n"))
        .collect();
    let out = read(SseBody::new(64 << 10), &[sse.as_bytes()], true);
    assert_eq!(out.records.len(), 20_000);
    assert!(out.largest_frame <= 16 << 10, "{}", out.largest_frame);
}

#[test]
fn bad_bytes_are_malformed_records_and_the_rest_goes_on() {
    let out = read(
        LineBody::new(1 << 20),
        &[b"ok\nbad \xff\xfe\nnul\0here\nfine\n"],
        true,
    );
    assert_eq!(out.records, strings(&["ok", "fine"]));
    assert_eq!(out.malformed.len(), 2, "{:?}", out.malformed);
    let out = read(
        SseBody::new(1 << 20),
        &[b"data: ok\n\ndata: bad \xff\n\ndata: nul\0here\n\ndata: fine\n\n"],
        true,
    );
    assert_eq!(out.records, strings(&["ok", "fine"]));
    assert!(
        out.malformed[0].contains("invalid UTF-8"),
        "{:?}",
        out.malformed
    );
    assert!(out.malformed[1].contains("NUL byte"), "{:?}", out.malformed);
}

/// The standard's parsing rules, and Sparklet's one change: the data
/// lines of an event are joined with a space.
#[test]
fn events_are_read_as_the_standard_says_one_record_each() {
    let body = concat!(
        "\u{feff}: a comment, as keep-alives are\n",
        "data: {\n",
        "data:   \"level\": \"warn\"\n",
        "data: }\n",
        "\n",
        "event: ping\ndata: not a record\n\n",
        "event: message\ndata:tight\r\n\r\n",
        "id: 12\nretry: 10000\ndata:  two spaces\rdata\r\n",
        "\n",
        "data\n\n",
        "\n\n",
        "unknown: field\ndata: last\n\n",
    );
    let whole = read(SseBody::new(1 << 20), &[body.as_bytes()], true);
    assert_eq!(
        whole.records,
        strings(&["{   \"level\": \"warn\" }", "tight", " two spaces ", "last"])
    );
    assert!(whole.malformed.is_empty());
    for seed in 0..300 {
        let pieces = cut(body.as_bytes(), 1 + seed as usize % 9, seed);
        assert_eq!(
            read(SseBody::new(1 << 20), &pieces, true),
            whole,
            "seed {seed}"
        );
    }
}

#[test]
fn a_lone_cr_ends_a_line_even_at_the_end_of_a_chunk() {
    let out = read(
        SseBody::new(1 << 20),
        &[b"data: a\r", b"\r", b"data: b\r", b"\ndata: c\r\n\r\n"],
        true,
    );
    assert_eq!(out.records, strings(&["a", "b c"]));
}

#[test]
fn the_first_event_may_be_the_hello_and_any_a_notice() {
    let body = format!("data: {HELLO}\n\ndata: one\n\ndata: {NOTICE}\n\ndata: {HELLO}\n\n");
    let out = read(SseBody::new(1 << 20), &[body.as_bytes()], true);
    assert_eq!(
        out.hello,
        Some(FeedHello {
            resume: true,
            from: Some(7)
        })
    );
    assert_eq!(out.notices, [FeedNotice::skipped(2, "too long")]);
    assert_eq!(
        out.records,
        strings(&["one", HELLO]),
        "a later hello is data"
    );
    let out = read(
        SseBody::new(1 << 20),
        &[b"data: one\n\n", format!("data: {HELLO}\n\n").as_bytes()],
        true,
    );
    assert_eq!(out.hello, None, "only the first event");
}

#[test]
fn an_event_over_the_limit_is_counted_and_the_next_read() {
    let long = "y".repeat(1500);
    let body = format!("data: a\n\ndata: {long}\n\ndata: b\ndata: {long}\ndata: c\n\ndata: d\n\n");
    for seed in 0..50 {
        let pieces = cut(body.as_bytes(), 1 + seed as usize * 61, seed);
        let out = read(SseBody::new(1000), &pieces, true);
        assert_eq!(out.records, strings(&["a", "d"]), "seed {seed}");
        assert_eq!(out.too_long.len(), 2, "seed {seed}");
        assert!(out.too_long.iter().all(|&n| n > 1000), "{:?}", out.too_long);
    }
}
