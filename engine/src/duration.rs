//! Durations as the pipeline language and the URL write them (`250ms`,
//! `2s`, `1m`), kept as whole milliseconds: batch times are `k * batch`, so
//! integer arithmetic keeps window boundaries exact.

use std::fmt;
use std::str::FromStr;

/// A duration in whole milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration(u64);

impl Duration {
    pub const fn from_millis(ms: u64) -> Duration {
        Duration(ms)
    }

    pub const fn from_secs(s: u64) -> Duration {
        Duration(s * 1000)
    }

    pub const fn as_millis(self) -> u64 {
        self.0
    }

    /// Spark's `Duration.isMultipleOf`.
    pub fn is_multiple_of(self, other: Duration) -> bool {
        other.0 != 0 && self.0.is_multiple_of(other.0)
    }

    /// Parses a number and a unit (`ms`, `s`, `m`, `h`); used by the lexer
    /// and by the dashboard's `batch=` parameter.
    pub fn from_parts(value: f64, unit: &str) -> Result<Duration, String> {
        let factor = match unit {
            "ms" => 1.0,
            "s" => 1000.0,
            "m" | "min" => 60_000.0,
            "h" => 3_600_000.0,
            _ => return Err(format!("unknown time unit `{unit}` (use ms, s, m or h)")),
        };
        let ms = value * factor;
        if !ms.is_finite() || !(0.0..=1e15).contains(&ms) {
            return Err(format!("duration {value}{unit} is out of range"));
        }
        if ms.fract() != 0.0 {
            return Err(format!(
                "duration {value}{unit} is not a whole number of milliseconds"
            ));
        }
        Ok(Duration(ms as u64))
    }
}

impl FromStr for Duration {
    type Err = String;

    fn from_str(s: &str) -> Result<Duration, String> {
        let s = s.trim();
        let split = s
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(|| format!("`{s}` needs a unit, for example 500ms or 2s"))?;
        let (num, unit) = s.split_at(split);
        let value: f64 = num
            .parse()
            .map_err(|_| format!("`{s}` is not a duration (examples: 250ms, 2s, 1m)"))?;
        Duration::from_parts(value, unit)
    }
}

/// Prints the shortest exact form: `1m`, `2s`, `250ms`.
impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0;
        if ms != 0 && ms.is_multiple_of(60_000) {
            write!(f, "{}m", ms / 60_000)
        } else if ms != 0 && ms.is_multiple_of(1000) {
            write!(f, "{}s", ms / 1000)
        } else {
            write!(f, "{ms}ms")
        }
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn parses_and_prints_units() {
        for (text, ms, shown) in [
            ("250ms", 250, "250ms"),
            ("2s", 2000, "2s"),
            ("1m", 60_000, "1m"),
            ("1.5s", 1500, "1500ms"),
        ] {
            let d: Duration = text.parse().unwrap();
            assert_eq!(d.as_millis(), ms);
            assert_eq!(d.to_string(), shown);
        }
        assert!("10".parse::<Duration>().unwrap_err().contains("unit"));
        assert!("3parsecs"
            .parse::<Duration>()
            .unwrap_err()
            .contains("unknown time unit"));
        assert!("0.5ms".parse::<Duration>().is_err());
    }
}
