//! No input makes the pipeline parser, a pipeline that parsed, or the frame
//! decoder panic: random strings, random mutations of real pipelines run
//! over odd records, random bytes; and pipelines as long and as deeply
//! nested as the language's limits allow, and beyond them, where they must
//! be refused with the limit's message (not a panic or a stack overflow).
//! (Native only: proptest's runner is not built for the browser.)

#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;
use sparklet_engine::frame::{count_records, decode_binary};
use sparklet_engine::pipeline::limits::{
    MAX_EXPR_DEPTH, MAX_PIPELINE_BYTES, MAX_STAGES, MAX_VALUE_NESTING,
};
use sparklet_engine::{Duration, Malformed, PendingBuffer, Pipeline, PipelineError, Records};

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

/// Records of every shape a stage can trip on.
fn odd_records() -> Records {
    [
        "a b, c",
        "{\"level\":\"error\",\"latency_ms\":120,\"path\":\"/x\"}",
        "",
        "[1,2]",
        "{\"level\":3}",
        "x\u{0}y",
        "ÉCOLE école",
        "{\"a\": 1}",
    ]
    .into_iter()
    .collect()
}

/// A level of expression nesting, written around an inner expression.
#[derive(Clone, Copy, Debug)]
enum Level {
    Group,
    Bang,
    Call(&'static str),
    Contains,
    PairLeft,
    PairRight,
    AndChain,
    OrChain,
}

impl Level {
    /// The text before and after the inner expression, and where in the
    /// text before it the level opens (the `(` of a call).
    fn wrap(self) -> (&'static str, &'static str, usize) {
        match self {
            Level::Group => ("(", ")", 0),
            Level::Bang => ("!", "", 0),
            Level::Call(name) => (name, ")", name.len() - 1),
            Level::Contains => ("contains(", ", \"a\")", 8),
            Level::PairLeft => ("(", ", 1)", 0),
            Level::PairRight => ("(1, ", ")", 0),
            Level::AndChain => ("(true && ", " && .a == 1)", 0),
            Level::OrChain => ("(false || ", ")", 0),
        }
    }
}

const LEVELS: [Level; 9] = [
    Level::Group,
    Level::Bang,
    Level::Call("lower("),
    Level::Call("len("),
    Level::Contains,
    Level::PairLeft,
    Level::PairRight,
    Level::AndChain,
    Level::OrChain,
];

/// `n` levels, drawn as indexes: far cheaper to generate in thousands
/// than a union of strategies.
fn levels(n: std::ops::Range<usize>) -> impl Strategy<Value = Vec<Level>> {
    proptest::collection::vec(0..LEVELS.len(), n)
        .prop_map(|picks| picks.into_iter().map(|i| LEVELS[i]).collect())
}

/// `levels` around `leaf`, outermost first, and the byte offset of each
/// level's opening token.
fn nest(levels: &[Level], leaf: &str, at: usize) -> (String, Vec<usize>) {
    let (mut text, mut opens, mut tail) = (String::new(), Vec::new(), Vec::new());
    for l in levels {
        let (open, close, offset) = l.wrap();
        opens.push(at + text.len() + offset);
        text.push_str(open);
        tail.push(close);
    }
    text.push_str(leaf);
    text.extend(tail.into_iter().rev());
    (text, opens)
}

fn names_a_limit(e: &PipelineError, limit: &str) -> bool {
    e.message.contains(limit) && e.message.contains("limit")
}

/// A boolean expression of `&&`, `||`, `!` and groups, with its value.
#[derive(Clone, Debug)]
enum Logic {
    Lit(bool),
    Field,
    Not(Box<Logic>),
    All(Vec<Logic>),
    Any(Vec<Logic>),
}

impl Logic {
    fn value(&self) -> bool {
        match self {
            Logic::Lit(b) => *b,
            Logic::Field => true,
            Logic::Not(e) => !e.value(),
            Logic::All(items) => items.iter().all(Logic::value),
            Logic::Any(items) => items.iter().any(Logic::value),
        }
    }

    fn write(&self, out: &mut String) {
        let group = |e: &Logic, out: &mut String| {
            out.push('(');
            e.write(out);
            out.push(')');
        };
        let chain = |items: &[Logic], op: &str, out: &mut String| {
            for (i, e) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(op);
                }
                match e {
                    Logic::All(_) | Logic::Any(_) => group(e, out),
                    _ => e.write(out),
                }
            }
        };
        match self {
            Logic::Lit(b) => out.push_str(if *b { "true" } else { "false" }),
            Logic::Field => out.push_str(".a == 1"),
            Logic::Not(e) => {
                out.push('!');
                group(e, out);
            }
            Logic::All(items) => chain(items, " && ", out),
            Logic::Any(items) => chain(items, " || ", out),
        }
    }
}

fn logic() -> impl Strategy<Value = Logic> {
    let leaf = prop_oneof![any::<bool>().prop_map(Logic::Lit), Just(Logic::Field),];
    leaf.prop_recursive(6, 4000, 400, |inner| {
        prop_oneof![
            inner.clone().prop_map(|e| Logic::Not(Box::new(e))),
            proptest::collection::vec(inner.clone(), 1..400).prop_map(Logic::All),
            proptest::collection::vec(inner, 1..400).prop_map(Logic::Any),
        ]
    })
}

/// Stages that build after any other (every window fits a 1 s slide);
/// `pair` and `count_by_value` each add a level of nesting.
const STAGES: &[&str] = &[
    "split",
    "lower",
    "upper",
    "trim",
    "split \",\"",
    "json",
    "map .a",
    "map (., 1)",
    "filter .a == 1 || true",
    "pair",
    "pair len(.)",
    "count",
    "count_by_value",
    "reduce_by_key sum",
    "reduce_by_key_and_window sum 2s inverse",
    "update_state_by_key max",
    "group_by_key",
    "window 2s",
    "top 3",
    "map .0",
    "flat_map split(.)",
    "reduce count",
];

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
            for _ in 0..4 {
                let _ = p.run(odd_records());
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

// Long and deep inputs draw many random numbers: XorShift keeps that cheap
// in a debug build, where proptest's default ChaCha is most of the time.
proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        rng_algorithm: proptest::test_runner::RngAlgorithm::XorShift,
        ..ProptestConfig::default()
    })]

    #[test]
    fn nesting_up_to_the_depth_limit_runs_and_beyond_names_it(
        levels in prop_oneof![
            levels(0..MAX_EXPR_DEPTH + 1),
            levels(MAX_EXPR_DEPTH - 2..MAX_EXPR_DEPTH + 3),
            levels(0..3000),
        ],
        leaf in prop_oneof![Just("."), Just(".a"), Just("true"), Just("\"x\"")],
        op in prop_oneof![Just("map "), Just("filter "), Just("json | map ")],
    ) {
        let (expr, opens) = nest(&levels, leaf, op.len());
        let src = format!("{op}{expr}");
        match Pipeline::new(&src, Duration::from_secs(1)) {
            Ok(mut p) => {
                prop_assert!(levels.len() <= MAX_EXPR_DEPTH, "{} levels accepted", levels.len());
                for _ in 0..2 {
                    let _ = p.run(odd_records());
                }
            }
            Err(e) if src.len() > MAX_PIPELINE_BYTES => {
                prop_assert!(names_a_limit(&e, "65536 bytes"), "{e}");
            }
            Err(e) => {
                prop_assert!(levels.len() > MAX_EXPR_DEPTH, "refused at {} levels: {e}", levels.len());
                prop_assert!(names_a_limit(&e, "nesting limit is 64"), "{e}");
                // At the first level past the limit.
                let at = opens[MAX_EXPR_DEPTH];
                prop_assert_eq!(e.column, src[..at].chars().count() + 1);
            }
        }
    }

    #[test]
    fn long_stage_lists_run_up_to_the_limits_and_name_them_beyond(
        picks in prop_oneof![
            proptest::collection::vec(0..STAGES.len(), 1..=MAX_STAGES),
            proptest::collection::vec(0..STAGES.len(), MAX_STAGES - 3..MAX_STAGES + 300),
        ],
    ) {
        let stages: Vec<&str> = picks.iter().map(|&i| STAGES[i]).collect();
        let src = stages.join(" | ");
        match Pipeline::new(&src, Duration::from_secs(1)) {
            Ok(mut p) => {
                prop_assert!(stages.len() <= MAX_STAGES);
                for _ in 0..3 {
                    let _ = p.run(odd_records());
                }
            }
            Err(e) if stages.len() > MAX_STAGES && !e.message.contains("value nesting") => {
                prop_assert_eq!(e.stage.clone().map(|s| s.0), Some(MAX_STAGES + 1));
                prop_assert!(names_a_limit(&e, "stage limit is 256"), "{e}");
            }
            Err(e) => {
                prop_assert!(names_a_limit(&e, "value nesting limit is 128"), "{e}");
                // Only these stages add a level; it takes 129 of them.
                let wraps = |s: &str| {
                    matches!(s, "pair" | "pair len(.)" | "count_by_value" | "group_by_key" | "map (., 1)")
                };
                let n = e.stage.clone().map_or(0, |s| s.0);
                let wrapping = stages[..n].iter().filter(|s| wraps(s)).count();
                prop_assert!(wrapping > MAX_VALUE_NESTING, "{wrapping} wrapping stages: {e}");
            }
        }
    }

    #[test]
    fn long_and_or_chains_mixed_with_parens_evaluate_like_rust(e in logic()) {
        let mut text = String::new();
        e.write(&mut text);
        let src = format!("json | filter {text}");
        match Pipeline::new(&src, Duration::from_secs(1)) {
            Ok(mut p) => {
                let out = p.run(Records::from_iter(["{\"a\": 1}"]));
                prop_assert_eq!(out.map(|v| v.len()), Some(e.value() as usize));
                prop_assert_eq!(p.malformed().count(), 0);
            }
            Err(err) => prop_assert!(
                src.len() > MAX_PIPELINE_BYTES && names_a_limit(&err, "65536 bytes"),
                "{err}"
            ),
        }
    }
}
