//! An HTTP feed's body reads the same however the network cuts it into
//! chunks, and no bytes make a decoder panic: random bodies drawn from the
//! bytes that matter to each format (line ends, colons, field names, NUL,
//! bytes that are not UTF-8), fed whole and cut at random places, with a
//! pending buffer small enough that records run over it.
//! (Native only: proptest's runner is not built for the browser.)

#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;
use sparklet_engine::hello::FeedHello;
use sparklet_engine::http_body::{BodyDecoder, LineBody, Piece, SseBody};
use sparklet_engine::notice::FeedNotice;
use sparklet_engine::{Malformed, PendingBuffer};

/// What a body amounted to: every record through a pending buffer large
/// enough to refuse nothing, and everything else as it came.
#[derive(Debug, PartialEq)]
struct Read {
    records: Vec<String>,
    malformed: u64,
    hello: Option<FeedHello>,
    notices: Vec<FeedNotice>,
    too_long: usize,
}

fn read(mut body: Box<dyn BodyDecoder>, chunks: &[&[u8]], limit: usize) -> Read {
    let mut pending = PendingBuffer::new(64 << 20);
    let mut malformed = Malformed::default();
    let (mut hello, mut notices, mut too_long) = (None, Vec::new(), 0);
    let mut emit = |piece: Piece| match piece {
        Piece::Records { frame, .. } => {
            assert!(
                frame.len() <= limit,
                "a frame of {} over {limit}",
                frame.len()
            );
            pending.push_binary(frame, 0.0, &mut malformed);
        }
        Piece::Hello(h) => hello = Some(h),
        Piece::Notice(n) => notices.push(n),
        Piece::TooLong { .. } => too_long += 1,
    };
    for chunk in chunks {
        body.feed(chunk, &mut emit);
    }
    body.finish(&mut emit);
    let records = pending.take_until(1.0).records;
    Read {
        records: records.iter().map(str::to_string).collect(),
        malformed: malformed.count(),
        hello,
        notices,
        too_long,
    }
}

/// Bodies from pieces that mean something to either format.
fn body() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(b"\n".to_vec()),
        Just(b"\r".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"data: ".to_vec()),
        Just(b"data:".to_vec()),
        Just(b"event: ping\n".to_vec()),
        Just(b"event: message\n".to_vec()),
        Just(b": comment\n".to_vec()),
        Just(b"id: 3\n".to_vec()),
        Just(b"\xEF\xBB\xBF".to_vec()),
        Just(b"{\"sparklet\":{\"resume\":true,\"from\":4}}".to_vec()),
        Just(b"{\"sparklet\":{\"skipped\":1,\"reason\":\"r\"}}".to_vec()),
        Just(b"\0".to_vec()),
        Just(b"\xff".to_vec()),
        "[a-z :]{1,12}".prop_map(String::into_bytes),
        "x{20,90}".prop_map(String::into_bytes),
    ];
    proptest::collection::vec(piece, 0..60).prop_map(|p| p.concat())
}

/// `body` cut at `cuts` (any offsets, sorted and clamped here).
fn cut<'a>(body: &'a [u8], cuts: &[usize]) -> Vec<&'a [u8]> {
    let mut at: Vec<usize> = cuts.iter().map(|c| c % (body.len() + 1)).collect();
    at.sort_unstable();
    let mut pieces = Vec::new();
    let mut start = 0;
    for end in at.into_iter().chain([body.len()]) {
        if end > start {
            pieces.push(&body[start..end]);
            start = end;
        }
    }
    pieces
}

fn cases() -> u32 {
    std::env::var("SPARKLET_FUZZ_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(2000)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn a_line_body_reads_the_same_however_it_is_cut(
        body in body(),
        cuts in proptest::collection::vec(any::<usize>(), 0..30),
        limit in 8usize..200,
    ) {
        let whole = read(Box::new(LineBody::new(limit)), &[&body], limit);
        let pieces = read(Box::new(LineBody::new(limit)), &cut(&body, &cuts), limit);
        prop_assert_eq!(whole, pieces);
    }

    #[test]
    fn an_event_stream_reads_the_same_however_it_is_cut(
        body in body(),
        cuts in proptest::collection::vec(any::<usize>(), 0..30),
        limit in 8usize..200,
    ) {
        let whole = read(Box::new(SseBody::new(limit)), &[&body], limit);
        let pieces = read(Box::new(SseBody::new(limit)), &cut(&body, &cuts), limit);
        prop_assert_eq!(whole, pieces);
    }
}
