//! No input makes the pipeline parser, a pipeline that parsed, or the frame
//! decoder panic: random strings, random mutations of real pipelines run
//! over odd records, random bytes. (Native only:
//! proptest's runner is not built for the browser.)

#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;
use sparklet_engine::frame::{count_records, decode_binary};
use sparklet_engine::{Duration, Malformed, PendingBuffer, Pipeline, Records};

const REAL: &[&str] = &[
    "split | lower | count_by_value_and_window 10s | top 10",
    "json | filter .level == \"error\" && .latency_ms > 100 | map (.path, 1) | reduce_by_key_and_window sum 30s 2s inverse",
    "split \",\" | pair len(.) | update_state_by_key max",
    "map (.0, starts_with(.1, \"x\")) | group_by_key_and_window 4s 2s",
];

fn mutate(base: &str, cuts: &[(usize, String)]) -> String {
    let mut s: Vec<char> = base.chars().collect();
    for (at, ins) in cuts {
        let at = at % (s.len() + 1);
        let keep = s.split_off(at);
        s.extend(ins.chars());
        s.extend(keep.into_iter().skip(1));
    }
    s.into_iter().collect()
}

/// Cases per property: 2,000 in `make test`; `SPARKLET_FUZZ_CASES` for a
/// long run (see the README's Reliability section).
fn cases() -> u32 {
    std::env::var("SPARKLET_FUZZ_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(2000)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn any_string_parses_or_errs_with_a_column_inside_it(src in "\\PC{0,80}") {
        match Pipeline::new(&src, Duration::from_secs(1)) {
            Ok(_) => {}
            Err(e) => {
                prop_assert!(e.column >= 1 && e.column <= src.chars().count() + 2, "{e:?} for {src:?}");
                prop_assert!(!e.message.is_empty());
            }
        }
    }

    #[test]
    fn mutated_real_pipelines_never_panic(
        which in 0..REAL.len(),
        cuts in proptest::collection::vec((0usize..200, "[ |().,\"!=<>&a-z0-9]{0,3}"), 1..4),
        batch_ms in 1u64..5000,
    ) {
        let src = mutate(REAL[which], &cuts);
        // A pipeline that builds must also run on odd records without panicking.
        if let Ok(mut p) = Pipeline::new(&src, Duration::from_millis(batch_ms)) {
            let records: Records = [
                "a b, c", "{\"level\":\"error\",\"latency_ms\":120,\"path\":\"/x\"}", "", "[1,2]",
                "{\"level\":3}", "x\u{0}y", "ÉCOLE école",
            ]
            .into_iter()
            .collect();
            for _ in 0..4 {
                let _ = p.run(records.clone());
            }
        }
    }

    #[test]
    fn the_pending_buffer_keeps_every_record_counted(
        frames in proptest::collection::vec((proptest::collection::vec(any::<u8>(), 0..120), any::<bool>(), 0u8..4), 0..40),
        limit in 1usize..300,
    ) {
        let mut p = PendingBuffer::new(limit);
        let mut m = Malformed::default();
        let mut taken = 0u64;
        for (i, (bytes, text, take)) in frames.iter().enumerate() {
            match (text, std::str::from_utf8(bytes)) {
                (true, Ok(s)) => p.push_text(s, i as f64, &mut m),
                _ => p.push_binary(bytes, i as f64, &mut m),
            }
            if *take == 0 {
                taken += p.take_until(i as f64).records.len() as u64;
            }
        }
        let c = p.counters();
        prop_assert_eq!(taken + p.len() as u64 + c.dropped, c.records, "every good record is taken, pending or dropped");
        prop_assert_eq!(c.records + m.count(), c.lines, "every line is a record or malformed");
    }

    #[test]
    fn any_bytes_decode_into_records_or_malformed(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let (mut records, mut malformed) = (Records::new(), Malformed::default());
        let n = decode_binary(&bytes, &mut records, &mut malformed);
        prop_assert_eq!(n as u64 + malformed.count(), count_records(&bytes) as u64);
        prop_assert_eq!(records.len(), n);
    }
}
