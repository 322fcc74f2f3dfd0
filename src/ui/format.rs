//! How numbers, durations and clock times read on the page.

/// `1920000` -> `1,920,000`.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// A figure in ms with sensible precision: `0.42 ms`, `12.3 ms`, `640 ms`.
pub fn millis(ms: f64) -> String {
    if ms < 1.0 {
        format!("{ms:.2} ms")
    } else if ms < 100.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{ms:.0} ms")
    }
}

/// An elapsed time: `45 s`, `3 min 12 s`, `2 h 5 min`.
pub fn elapsed(ms: f64) -> String {
    let s = (ms / 1000.0).max(0.0) as u64;
    match s {
        0..=59 => format!("{s} s"),
        60..=3599 => format!("{} min {} s", s / 60, s % 60),
        _ => format!("{} h {} min", s / 3600, (s % 3600) / 60),
    }
}

/// A batch interval as people say it: `1 s`, `500 ms`.
pub fn interval(ms: u64) -> String {
    if ms.is_multiple_of(1000) {
        format!("{} s", ms / 1000)
    } else {
        format!("{ms} ms")
    }
}

/// Local wall-clock time of a `Date.now()` value: `10:04:11`.
pub fn clock_time(epoch_ms: f64) -> String {
    let d = js_sys::Date::new(&epoch_ms.into());
    format!(
        "{:02}:{:02}:{:02}",
        d.get_hours(),
        d.get_minutes(),
        d.get_seconds()
    )
}

/// A per-second rate: `12,345/s`, `1.2M/s`.
pub fn rate(per_s: f64) -> String {
    if per_s >= 10_000_000.0 {
        format!("{:.0}M/s", per_s / 1e6)
    } else if per_s >= 1_000_000.0 {
        format!("{:.1}M/s", per_s / 1e6)
    } else {
        format!("{}/s", count(per_s.round() as u64))
    }
}

/// A result value: whole numbers with separators; fractions with three
/// decimals below 1 (rates, means) and two above.
pub fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        let n = count(v.abs() as u64);
        if v < 0.0 {
            format!("-{n}")
        } else {
            n
        }
    } else if v.abs() < 1.0 {
        format!("{v:.3}")
    } else {
        format!("{v:.2}")
    }
}

/// A batch's wall-clock time: `10:04:12.500`, or `10:04:12` on whole seconds.
pub fn batch_time(epoch_ms: f64) -> String {
    let d = js_sys::Date::new(&epoch_ms.into());
    let ms = d.get_milliseconds();
    if ms == 0 {
        format!(
            "{:02}:{:02}:{:02}",
            d.get_hours(),
            d.get_minutes(),
            d.get_seconds()
        )
    } else {
        format!(
            "{:02}:{:02}:{:02}.{ms:03}",
            d.get_hours(),
            d.get_minutes(),
            d.get_seconds()
        )
    }
}
