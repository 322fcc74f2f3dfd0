//! Which windows an event time falls in, as Spark's `window(col, LEN,
//! SLIDE)` computes them: aligned to the epoch, `[start, end)`, so a time
//! on a boundary starts a window and is not in the one that ends there.

/// An event-time window, ms since the epoch, `[start, end)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EventWindow {
    pub start: i64,
    pub end: i64,
}

/// The windows of length `len` sliding by `slide` (both ms, `0 < slide <=
/// len`) that hold `t`, earliest first. Spark takes the last start at or
/// before `t` and steps back by `slide` for `ceil(len / slide)` windows,
/// keeping those that hold `t` (all of them when `slide` divides `len`).
///
/// ```
/// use sparklet_engine::event_time::{windows_of, EventWindow};
///
/// let w = |start, end| EventWindow { start, end };
/// assert_eq!(windows_of(12_000, 10_000, 5_000).collect::<Vec<_>>(), [w(5_000, 15_000), w(10_000, 20_000)]);
/// assert_eq!(windows_of(10_000, 5_000, 5_000).collect::<Vec<_>>(), [w(10_000, 15_000)]);
/// assert_eq!(windows_of(-3_000, 10_000, 10_000).collect::<Vec<_>>(), [w(-10_000, 0)]);
/// ```
pub fn windows_of(t: i64, len: i64, slide: i64) -> impl Iterator<Item = EventWindow> {
    debug_assert!(0 < slide && slide <= len);
    let last_start = t - t.rem_euclid(slide);
    let count = (len + slide - 1) / slide;
    (0..count)
        .rev()
        .map(move |i| {
            let start = last_start - i * slide;
            EventWindow {
                start,
                end: start + len,
            }
        })
        .filter(move |w| w.start <= t && t < w.end)
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    fn starts(t: i64, len: i64, slide: i64) -> Vec<i64> {
        windows_of(t, len, slide).map(|w| w.start).collect()
    }

    /// Spark's DataFrameTimeWindowingSuite "sliding window grouping":
    /// 10 s windows sliding by 3 s; 27 falls in 4 windows, 34 and 56 in 3,
    /// and 34 is not in [24, 34).
    #[test]
    fn spark_sliding_window_grouping() {
        let s = 1_000;
        assert_eq!(
            starts(27 * s, 10 * s, 3 * s),
            [18 * s, 21 * s, 24 * s, 27 * s]
        );
        assert_eq!(starts(34 * s, 10 * s, 3 * s), [27 * s, 30 * s, 33 * s]);
        assert_eq!(starts(56 * s, 10 * s, 3 * s), [48 * s, 51 * s, 54 * s]);
    }

    /// "millisecond precision sliding windows": 200 ms windows by 40 ms.
    #[test]
    fn spark_millisecond_sliding_windows() {
        assert_eq!(starts(410, 200, 40), [240, 280, 320, 360, 400]);
        assert_eq!(starts(620, 200, 40), [440, 480, 520, 560, 600]);
        assert_eq!(starts(715, 200, 40), [520, 560, 600, 640, 680]);
    }

    /// Every window holding `t` and no other, for any `t`, `len`, `slide`.
    #[test]
    fn windows_are_exactly_those_that_hold_the_time() {
        let mut seed = 7u64;
        let mut next = |m: i64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as i64 % m
        };
        for _ in 0..2000 {
            let slide = 1 + next(50);
            let len = slide + next(200);
            let t = next(10_000) - 5_000;
            let got: Vec<EventWindow> = windows_of(t, len, slide).collect();
            // Every start near enough to hold `t`, checked one by one.
            let want: Vec<EventWindow> = (t - len - slide..=t)
                .filter(|s| s.rem_euclid(slide) == 0 && *s <= t && t < s + len)
                .map(|start| EventWindow {
                    start,
                    end: start + len,
                })
                .collect();
            assert_eq!(got, want, "t {t} len {len} slide {slide}");
        }
    }
}
