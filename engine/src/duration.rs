//! Durations as the pipeline language and the URL write them (`250ms`,
//! `2s`, `1m`), kept as whole milliseconds: batch times are `k * batch`, so
//! integer arithmetic keeps window boundaries exact.

use std::fmt;
use std::str::FromStr;

/// A duration in whole milliseconds.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct Duration(u64);

/// Why a written duration was refused; the message names the text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    #[error("`{0}` needs a unit, for example 500ms or 2s")]
    NoUnit(String),
    #[error("`{0}` is not a duration (examples: 250ms, 2s, 1m)")]
    NotANumber(String),
    #[error("unknown time unit `{0}` (use ms, s, m or h)")]
    UnknownUnit(String),
    #[error("duration `{0}` is over the limit of 365 days")]
    TooLong(String),
    #[error("duration `{0}` is not a whole number of milliseconds")]
    NotWholeMillis(String),
}

impl Duration {
    /// The longest duration the language and the URL accept: a year. A
    /// window or batch interval longer than that is a typo, and the bound
    /// keeps `k * batch` and window arithmetic far from `u64`'s edge.
    pub const MAX: Duration = Duration(365 * 24 * 3_600_000);

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

    /// A decimal number (`10`, `1.5`, `.5`) and a unit (`ms`, `s`, `m`,
    /// `min`, `h`), as the lexer and [`FromStr`] split them. Computed in
    /// integers, not floats: `0.1s` is exactly 100 ms, and a number too
    /// long for any integer is refused rather than rounded.
    pub fn from_parts(number: &str, unit: &str) -> Result<Duration, DurationError> {
        let text = || format!("{number}{unit}");
        let factor: u64 = match unit {
            "ms" => 1,
            "s" => 1000,
            "m" | "min" => 60_000,
            "h" => 3_600_000,
            _ => return Err(DurationError::UnknownUnit(unit.to_string())),
        };
        let (whole, frac) = number.split_once('.').unwrap_or((number, ""));
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.len() + frac.len() == 0 || !digits(whole) || !digits(frac) {
            return Err(DurationError::NotANumber(text()));
        }
        // Leading zeros of the whole part and trailing zeros of the
        // fraction change nothing; what is left must fit the bound.
        let whole = whole.trim_start_matches('0');
        let frac = frac.trim_end_matches('0');
        // A whole part of more than 12 digits is over a year in any unit;
        // a fraction of more than 7 digits is never whole milliseconds
        // (3,600,000 has only five factors of 10 and two more of 2).
        if whole.len() > 12 {
            return Err(DurationError::TooLong(text()));
        }
        if frac.len() > 7 {
            return Err(DurationError::NotWholeMillis(text()));
        }
        let parse = |s: &str| s.bytes().fold(0u128, |n, b| n * 10 + u128::from(b - b'0'));
        let scale = 10u128.pow(frac.len() as u32);
        let scaled = (parse(whole) * scale + parse(frac)) * u128::from(factor);
        if !scaled.is_multiple_of(scale) {
            return Err(DurationError::NotWholeMillis(text()));
        }
        match u64::try_from(scaled / scale) {
            Ok(ms) if ms <= Duration::MAX.0 => Ok(Duration(ms)),
            _ => Err(DurationError::TooLong(text())),
        }
    }
}

impl FromStr for Duration {
    type Err = DurationError;

    fn from_str(s: &str) -> Result<Duration, DurationError> {
        let s = s.trim();
        let split = s
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(|| DurationError::NoUnit(s.to_string()))?;
        let (num, unit) = s.split_at(split);
        if num.is_empty() {
            return Err(DurationError::NotANumber(s.to_string()));
        }
        Duration::from_parts(num, unit)
    }
}

/// Callers that report errors as text (the dashboard's batch control, the
/// CLI's `--batch`) keep using `?`.
impl From<DurationError> for String {
    fn from(e: DurationError) -> String {
        e.to_string()
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
        let err = |s: &str| s.parse::<Duration>().unwrap_err().to_string();
        assert!(err("10").contains("unit"));
        assert!(err("3parsecs").contains("unknown time unit"));
        assert!(err("0.5ms").contains("whole number of milliseconds"));
        assert!(err("-0s").contains("not a duration"));
        assert!(err("1.2.3s").contains("not a duration"));
    }

    #[test]
    fn exact_in_integers_not_floats() {
        for (text, ms) in [
            ("0.1s", 100),
            ("0.001s", 1),
            (".5s", 500),
            ("0.0000025h", 9),
            ("000000000000000000000002s", 2000),
            ("1.50000000000000000000000000s", 1500),
            ("0s", 0),
        ] {
            assert_eq!(
                text.parse::<Duration>(),
                Ok(Duration::from_millis(ms)),
                "{text}"
            );
        }
        // Would round to 1 s as a float.
        let e = "1.0000000000000001s".parse::<Duration>().unwrap_err();
        assert!(matches!(e, DurationError::NotWholeMillis(_)), "{e}");
    }

    #[test]
    fn durations_over_a_year_are_refused_not_wrapped() {
        assert_eq!(
            "365d".parse::<Duration>().map_err(|e| e.to_string()),
            Err("unknown time unit `d` (use ms, s, m or h)".into())
        );
        assert_eq!("8760h".parse::<Duration>(), Ok(Duration::MAX));
        assert_eq!(
            format!("{}ms", Duration::MAX.as_millis()).parse::<Duration>(),
            Ok(Duration::MAX)
        );
        for text in [
            "8760.001h",
            "31536000001ms",
            "100000000000000h",
            "18446744073709551616ms",
            "99999999999999999999999999999999999999999999s",
        ] {
            let e = text.parse::<Duration>().unwrap_err();
            assert_eq!(e, DurationError::TooLong(text.into()), "{text}");
            assert!(e.to_string().contains("limit of 365 days"), "{e}");
        }
    }
}
