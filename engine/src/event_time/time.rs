//! A record's event time from the value `with_watermark`'s expression
//! gives: a number is ms since the epoch (JavaScript's `Date.now()`), a
//! string is an RFC 3339 time (`2026-12-03T16:30:40.123Z`, or with an
//! offset such as `+02:00`). Anything else makes the record malformed.

use crate::value::Value;

/// The event time of `v`, ms since the epoch (fractions of a ms dropped
/// toward the past, as Spark's `microsToMillis` does), or why it is none.
///
/// ```
/// use sparklet_engine::event_time::event_time_ms;
/// use sparklet_engine::Value;
///
/// assert_eq!(event_time_ms(&Value::Int(1_700_000_000_000)), Ok(1_700_000_000_000));
/// assert_eq!(event_time_ms(&Value::str("1970-01-01T00:00:01.5Z")), Ok(1_500));
/// assert_eq!(event_time_ms(&Value::str("1970-01-01T02:00:00+02:00")), Ok(0));
/// assert!(event_time_ms(&Value::str("yesterday")).unwrap_err().contains("RFC 3339"));
/// // Past the year 9999 Spark's timestamps overflow or print unparsed.
/// assert!(event_time_ms(&Value::Int(i64::MAX)).unwrap_err().contains("years 1 to 9999"));
/// ```
pub fn event_time_ms(v: &Value) -> Result<i64, String> {
    let ms = match v {
        Value::Int(ms) => *ms,
        Value::Float(ms) if ms.is_finite() && ms.abs() < 9.0e15 => ms.floor() as i64,
        Value::Str(s) => rfc3339_ms(s).ok_or_else(|| {
            let shown: String = s.chars().take(40).collect();
            format!("not a time: \"{shown}\" is not an RFC 3339 time like 2026-12-03T16:30:40Z")
        })?,
        other => {
            return Err(format!(
                "not a time: a {} (expected ms since the epoch or an RFC 3339 string)",
                other.type_name()
            ))
        }
    };
    if !(FIRST_MS..=LAST_MS).contains(&ms) {
        return Err(format!(
            "not a time: {ms} ms since the epoch is outside the years 1 to 9999"
        ));
    }
    Ok(ms)
}

/// The times an event may have: the years 1 to 9999, as RFC 3339 writes
/// them and as Spark formats and converts a timestamp without overflow.
pub const FIRST_MS: i64 = -62_135_596_800_000;
pub const LAST_MS: i64 = 253_402_300_799_999;

/// `YYYY-MM-DD(T|t| )HH:MM:SS[.fraction](Z|z|+HH:MM|-HH:MM)`.
fn rfc3339_ms(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    if !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<i64> {
        let digits = b.get(from..to)?;
        digits.iter().all(u8::is_ascii_digit).then(|| {
            digits
                .iter()
                .fold(0i64, |n, d| n * 10 + i64::from(d - b'0'))
        })
    };
    let (year, month, day) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    let (hour, minute, second) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    // 60 is a leap second: RFC 3339 allows it, and it reads as the next one.
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut at = 19;
    let mut millis = 0;
    if b[at] == b'.' {
        let start = at + 1;
        at = start;
        while at < b.len() && b[at].is_ascii_digit() {
            at += 1;
        }
        if at == start {
            return None;
        }
        // The first three digits are the ms; the rest only round down.
        let ms_digits = (at - start).min(3);
        millis = num(start, start + ms_digits)? * 10i64.pow(3 - ms_digits as u32);
    }
    let offset_minutes = match b.get(at..)? {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let (h, m) = (num(at + 1, at + 3)?, num(at + 4, at + 6)?);
            if h > 23 || m > 59 {
                return None;
            }
            let minutes = h * 60 + m;
            if *sign == b'+' {
                minutes
            } else {
                -minutes
            }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second - offset_minutes * 60;
    Some(seconds * 1_000 + millis)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to a date of the proleptic Gregorian calendar
/// (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    /// Expected values from Python's `datetime.fromisoformat`.
    #[test]
    fn rfc3339_times_read_as_python_reads_them() {
        let cases = [
            ("2026-12-03T16:30:40Z", 1_796_315_440_000),
            ("2026-12-03T16:30:40.123Z", 1_796_315_440_123),
            ("1970-01-01T00:00:00Z", 0),
            ("1969-12-31T23:59:59.999Z", -1),
            ("2024-02-29T12:00:00+02:00", 1_709_200_800_000),
            ("2000-03-01T00:00:00-05:30", 951_888_600_000),
            ("1900-01-01T00:00:00Z", -2_208_988_800_000),
            ("9999-12-31T23:59:59.999999Z", 253_402_300_799_999),
            ("2026-12-03 16:30:40.5+00:00", 1_796_315_440_500),
            ("2026-12-03t16:30:40z", 1_796_315_440_000),
        ];
        for (text, ms) in cases {
            assert_eq!(event_time_ms(&Value::str(text)), Ok(ms), "{text}");
        }
    }

    #[test]
    fn what_is_not_a_time_says_why() {
        for text in [
            "2026-13-01T00:00:00Z",
            "2026-02-29T00:00:00Z",
            "2026-12-03T24:00:00Z",
            "2026-12-03T16:30:40",
            "2026-12-03T16:30:40.Z",
            "2026-12-03T16:30:40+2:00",
            "2026-12-03",
            "٢٠٢٦-12-03T16:30:40Z",
        ] {
            let err = event_time_ms(&Value::str(text)).unwrap_err();
            assert!(err.contains("RFC 3339"), "{text}: {err}");
        }
        assert!(event_time_ms(&Value::Null).unwrap_err().contains("null"));
        assert!(event_time_ms(&Value::Float(f64::NAN)).is_err());
        assert_eq!(event_time_ms(&Value::Float(1.9)), Ok(1));
    }
}
