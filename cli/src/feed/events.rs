//! The events feed's records: one JSON object per line, like a web service's
//! request log.
//!
//! It exists for the pipelines that words cannot show: `json`, field access,
//! `filter`, and keyed aggregations over something other than text. The
//! paths differ in error rate and latency on purpose, so "error rate by path"
//! or "slowest paths" charts have a story to tell.

use std::fmt::Write as _;
use std::sync::LazyLock;

use super::rng::SplitMix64;
use super::zipf::Zipf;

/// How many distinct users the feed draws from (skewed: `u1` is the busiest).
pub const USERS: usize = 1000;

/// One request path and how it behaves.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    pub path: &'static str,
    /// Relative share of the traffic.
    weight: u64,
    /// Chance of a warning, then of an error, per thousand requests.
    warn_per_mille: u64,
    error_per_mille: u64,
    /// Median latency of a successful request.
    median_ms: f64,
}

const fn route(path: &'static str, weight: u64, warn: u64, error: u64, median_ms: f64) -> Route {
    Route {
        path,
        weight,
        warn_per_mille: warn,
        error_per_mille: error,
        median_ms,
    }
}

pub const ROUTES: [Route; 8] = [
    route("/", 30, 10, 2, 8.0),
    route("/search", 18, 40, 8, 45.0),
    route("/product", 16, 20, 5, 22.0),
    route("/cart", 12, 40, 15, 30.0),
    route("/login", 8, 60, 30, 60.0),
    route("/checkout", 6, 70, 60, 120.0),
    route("/api/recommend", 6, 90, 45, 180.0),
    route("/static/app.js", 4, 5, 1, 3.0),
];

const TOTAL_WEIGHT: u64 = {
    let mut sum = 0;
    let mut i = 0;
    while i < ROUTES.len() {
        sum += ROUTES[i].weight;
        i += 1;
    }
    sum
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Info,
    Warn,
    Error,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
        }
    }
}

/// Everything in an event record except its send time.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// 1-based user number: the record says `u{user}`.
    pub user: usize,
    pub level: Level,
    pub path: &'static str,
    pub latency_ms: f64,
}

static USER_RANKS: LazyLock<Zipf> = LazyLock::new(|| Zipf::new(USERS));

/// Event `index` of the sequence `seed`: a pure function of the pair.
pub fn event(seed: u64, index: u64) -> Event {
    let mut rng = SplitMix64::for_record(seed, index);
    let user = USER_RANKS.sample(&mut rng) + 1;

    let mut pick = rng.below(TOTAL_WEIGHT);
    let route = ROUTES
        .iter()
        .find(|r| {
            let hit = pick < r.weight;
            pick = pick.saturating_sub(r.weight);
            hit
        })
        .unwrap_or(&ROUTES[0]);

    let roll = rng.below(1000);
    let level = if roll < route.error_per_mille {
        Level::Error
    } else if roll < route.error_per_mille + route.warn_per_mille {
        Level::Warn
    } else {
        Level::Info
    };

    // Log-normal around the route's median (Box-Muller for the normal draw):
    // mostly near the median, with the long right tail real latencies have.
    // Errors are often timeouts, hence slower.
    let z = (-2.0 * rng.unit_open().ln()).sqrt() * (std::f64::consts::TAU * rng.unit_open()).cos();
    let slowdown = if level == Level::Error { 4.0 } else { 1.0 };
    let latency_ms = (route.median_ms * slowdown * (0.6 * z).exp()).max(0.1);

    Event {
        user,
        level,
        path: route.path,
        latency_ms,
    }
}

/// Appends event `index` as one JSON line (without the newline), stamped
/// with `ts_ms`, the send time in milliseconds since the Unix epoch.
pub fn write_record(seed: u64, index: u64, ts_ms: u64, out: &mut String) {
    let e = event(seed, index);
    // Paths and levels are fixed ASCII without quotes or backslashes, so the
    // JSON is written directly rather than through a serializer.
    let _ = write!(
        out,
        r#"{{"seq":{index},"ts":{ts_ms},"user":"u{}","level":"{}","path":"{}","latency_ms":{:.1}}}"#,
        e.user,
        e.level.as_str(),
        e.path,
        e.latency_ms
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_json_with_the_documented_fields() {
        let mut line = String::new();
        write_record(1, 12, 1_764_000_000_123, &mut line);
        let v: serde_json::Value = serde_json::from_str(&line).expect("valid JSON");
        assert_eq!(v["seq"], 12);
        assert_eq!(v["ts"], 1_764_000_000_123u64);
        assert!(v["user"].as_str().unwrap().starts_with('u'));
        assert!(["info", "warn", "error"].contains(&v["level"].as_str().unwrap()));
        assert!(ROUTES.iter().any(|r| r.path == v["path"]));
        assert!(v["latency_ms"].as_f64().unwrap() > 0.0);
    }

    #[test]
    fn error_rates_differ_by_path() {
        let rate = |path: &str| {
            let events: Vec<Event> = (0..50_000)
                .map(|i| event(3, i))
                .filter(|e| e.path == path)
                .collect();
            events.iter().filter(|e| e.level == Level::Error).count() as f64 / events.len() as f64
        };
        assert!(rate("/checkout") > 3.0 * rate("/"));
    }

    #[test]
    fn most_events_are_info() {
        let info = (0..10_000)
            .filter(|&i| event(1, i).level == Level::Info)
            .count();
        assert!(info > 8_500, "{info}");
    }
}
