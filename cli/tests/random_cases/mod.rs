//! Seeded random pipelines and their input for the real-Spark checks
//! (`spark.rs`): DStream pipelines over text, numbers, pairs, JSON and
//! records of the wrong kind, and event-time pipelines over disordered,
//! late and malformed events.

use std::fmt::Write as _;

/// A pipeline, its batch and replay's input.
pub struct Case {
    /// Where it comes from, for messages: a README line or a seed.
    pub origin: String,
    pub pipeline: String,
    pub batch: String,
    /// Replay's input: a JSON array of records per line.
    pub input: String,
}

/// xorshift64*: the same cases on every machine.
pub struct Rng(pub u64);

impl Rng {
    pub fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % n
    }
    pub fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.below(from.len())]
    }
}

const FNS: &[&str] = &["sum", "min", "max", "count", "mean"];

/// Records of each kind the random pipelines read. Floats are dyadic so a
/// sum is exact in any order; 9223372036854775807 makes sums wrap.
const TEXT: &[&str] = &[
    r#""to be or not to be""#,
    r#""Spark ÉCOLE straße""#,
    r#""  a  b\tc ""#,
    r#""b a b""#,
    r#""""#,
];
const NUMBERS: &[&str] = &["1", "-3", "2.5", "0.25", "7", "9223372036854775807", "-1.0"];
const PAIRS: &[&str] = &[
    r#"["a",1]"#,
    r#"["b",2.5]"#,
    r#"["a",-4]"#,
    r#"["c",true]"#,
    r#"[1,2]"#,
    r#"[1.0,3]"#,
    r#"["b","x"]"#,
    r#"[null,1]"#,
    r#"[["k",1],0.5]"#,
];
const JSON: &[&str] = &[
    r#""{\"k\":\"a\",\"v\":1}""#,
    r#""{\"k\":\"b\",\"v\":2.5,\"w\":[1,2]}""#,
    r#""{\"k\":\"a\",\"v\":true}""#,
    r#""{\"v\":3}""#,
    r#""{\"v\":1.5,\"k\":{\"z\":1,\"a\":[]},\"v\":2}""#,
    r#""{\"k\":\"\\u00e9\",\"v\":-2}""#,
    r#""not json""#,
];
/// The wrong kind for any stage now and then: dropped and counted.
const STRAYS: &[&str] = &["null", "false", r#"{"k":1}"#, "[1,2,3]", r#""word""#, "4"];

/// A window `LEN SLIDE` in whole batches, the slide a multiple of `unit`.
fn window(rng: &mut Rng, batch_ms: u64, unit: u64) -> String {
    let slide = unit * (1 + rng.below(2) as u64);
    let len = slide * (1 + rng.below(3) as u64);
    format!("{}ms {}ms", len * batch_ms, slide * batch_ms)
}

fn keyed_tail(rng: &mut Rng, batch_ms: u64) -> String {
    let f = rng.pick(FNS);
    match rng.below(8) {
        0 => format!("reduce_by_key {f}"),
        1 => format!("reduce_by_key {f} | top {}", 1 + rng.below(3)),
        2 => format!("reduce_by_key_and_window {f} {}", window(rng, batch_ms, 1)),
        3 | 4 => {
            let f = rng.pick(&["sum", "count", "mean"]);
            format!(
                "reduce_by_key_and_window {f} {} inverse",
                window(rng, batch_ms, 1)
            )
        }
        5 => format!("update_state_by_key {f}"),
        6 => "group_by_key".into(),
        _ => format!("group_by_key_and_window {}", window(rng, batch_ms, 1)),
    }
}

pub fn random_case(seed: u64) -> Case {
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let batch_ms = [1000, 1000, 500, 2000][rng.below(4)];
    let (records, pipeline) = match rng.below(4) {
        0 => {
            let prefix = rng.pick(&["", "lower | ", "upper | ", "trim | "]);
            let tail = match rng.below(6) {
                0 => "count".into(),
                1 => format!("count_by_value | top {}", 1 + rng.below(3)),
                2 => format!("count_by_window {}", window(&mut rng, batch_ms, 1)),
                3 => format!(
                    "count_by_value_and_window {}",
                    window(&mut rng, batch_ms, 1)
                ),
                4 => format!("pair len(.) | {}", keyed_tail(&mut rng, batch_ms)),
                _ => format!("pair | {}", keyed_tail(&mut rng, batch_ms)),
            };
            (TEXT, format!("{prefix}split | {tail}"))
        }
        1 => {
            let f = rng.pick(FNS);
            let tail = match rng.below(4) {
                0 => format!("reduce {f}"),
                1 => format!("reduce_by_window {f} {}", window(&mut rng, batch_ms, 1)),
                2 => format!("window {} | count_by_value", window(&mut rng, batch_ms, 1)),
                _ => format!(
                    "filter . > 0 | map (. >= 2, .) | {}",
                    keyed_tail(&mut rng, batch_ms)
                ),
            };
            (NUMBERS, tail)
        }
        2 => (PAIRS, keyed_tail(&mut rng, batch_ms)),
        _ => {
            let map = rng.pick(&[
                "map (.k, .v)",
                "filter .v != null | map (.k, .v)",
                "map (upper(.k), .v > 0)",
            ]);
            (
                JSON,
                format!("json | {map} | {}", keyed_tail(&mut rng, batch_ms)),
            )
        }
    };
    let mut input = String::new();
    for _ in 0..4 + rng.below(5) {
        let n = rng.below(7);
        let batch: Vec<&str> = (0..n)
            .map(|_| match rng.below(10) {
                0 => rng.pick(STRAYS),
                _ => rng.pick(records),
            })
            .collect();
        writeln!(input, "[{}]", batch.join(",")).unwrap();
    }
    Case {
        origin: format!("seed {seed}"),
        pipeline,
        batch: format!("{batch_ms}ms"),
        input,
    }
}

/// 2026-12-03T10:00:00Z: event times are minutes around it.
const EPOCH_10H: i64 = 1_796_292_000_000;

/// An event time as the records carry it: ms, a float of ms, or RFC 3339
/// (UTC or with an offset), all the same instant but for the float's half.
fn time_field(rng: &mut Rng, t: i64) -> String {
    let off = t - EPOCH_10H;
    let (m, s, ms) = (off / 60_000, off / 1000 % 60, off % 1000);
    match rng.below(6) {
        0 => format!(r#""2026-12-03T10:{m:02}:{s:02}.{ms:03}Z""#),
        1 => format!(r#""2026-12-03T11:{m:02}:{s:02}.{ms:03}+01:00""#),
        2 => format!("{t}.5"),
        _ => t.to_string(),
    }
}

/// An event-time pipeline over events arriving out of order, some late,
/// some malformed (no time, a time that is none, a value FN cannot take).
pub fn event_case(seed: u64) -> Case {
    let mut rng = Rng(seed.wrapping_mul(0xD1B5_4A32_D192_ED03) | 1);
    let delay = rng.pick(&["0s", "1s", "2s", "5s"]);
    let f = rng.pick(&["sum", "min", "max", "count", "mean"]);
    let aggregation = if rng.below(3) == 0 {
        let mode = rng.pick(&["", " append", " complete"]);
        format!("session_window {} {f}{mode}", rng.pick(&["1s", "3s"]))
    } else {
        let len = rng.pick(&["2s", "4s", "10s"]);
        let slide = match rng.below(2) {
            0 => String::new(),
            _ => format!(" {}", rng.pick(&["1s", "2s"])),
        };
        let mode = rng.pick(&["", " append", " update", " complete"]);
        format!("event_window {len}{slide} {f}{mode}")
    };
    let value = match f {
        "count" => rng.pick(&["", "map (.k, 1) | ", "map (.k, .n) | "]),
        "min" | "max" => rng.pick(&["map (.k, .n) | ", "map (.k, .u) | "]),
        _ => "map (.k, .n) | ",
    };
    let filter = rng.pick(&["", "", "filter .k != \"c\" | "]);
    let as_text = rng.below(3) == 0;
    let pipeline = format!(
        "{}with_watermark .ts {delay} | {filter}{value}{aggregation}",
        if as_text { "json | " } else { "" }
    );
    let mut input = String::new();
    for batch in 0..4 + rng.below(4) as i64 {
        let records: Vec<String> = (0..rng.below(7))
            .map(|_| {
                // Mostly in order, some behind by up to 8 s, a few far behind.
                let behind = match rng.below(10) {
                    0 => 60_000,
                    1..=3 => 250 * rng.below(32) as i64,
                    _ => 250 * rng.below(4) as i64,
                };
                let t = EPOCH_10H + 120_000 + batch * 3_000 + 250 * rng.below(8) as i64 - behind;
                let ts = match rng.below(20) {
                    0 => r#""yesterday""#.to_string(),
                    1 => "true".into(),
                    _ => time_field(&mut rng, t),
                };
                let n = rng.pick(&["1", "-3", "7", "0.5", "2.25", "-1.75", "true", "\"x\""]);
                let u = rng.pick(&["\"x\"", "\"yy\"", "\"é\"", "3"]);
                let k = rng.pick(&["\"a\"", "\"b\"", "\"c\"", "null", "2"]);
                let record = match rng.below(15) {
                    0 => format!(r#"{{"k":{k},"n":{n}}}"#),
                    _ => format!(r#"{{"ts":{ts},"k":{k},"n":{n},"u":{u}}}"#),
                };
                if as_text {
                    serde_json::to_string(&record).unwrap()
                } else {
                    record
                }
            })
            .collect();
        writeln!(input, "[{}]", records.join(",")).unwrap();
    }
    Case {
        origin: format!("event seed {seed}"),
        pipeline,
        batch: "1s".into(),
        input,
    }
}
