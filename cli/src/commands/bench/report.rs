//! What `sparklet bench` prints: one table of scenarios, then the
//! performance targets with the figure that meets or misses each. The same
//! figures go to `--json FILE`.

use serde::Serialize;

use super::page::ThreadProfile;

/// One scenario's figures; those a scenario does not measure are `None`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Row {
    pub scenario: String,
    pub records_per_s: Option<f64>,
    pub words_per_s: Option<f64>,
    pub processing_p50_ms: Option<f64>,
    pub processing_p99_ms: Option<f64>,
    pub total_delay_p50_ms: Option<f64>,
    pub total_delay_p99_ms: Option<f64>,
    /// A record's arrival in the page to the report that includes it: the
    /// largest per-batch p99, an upper bound of the p99 over all records.
    pub arrival_to_result_p99_ms: Option<f64>,
    pub longest_task_ms: Option<f64>,
    /// JS heap plus wasm memory, the most seen.
    pub peak_memory_bytes: Option<f64>,
    /// The share of the time the page's main thread, and the stream's
    /// thread (its worker), were busy.
    pub main_busy: Option<f64>,
    pub stream_busy: Option<f64>,
}

/// A target of the performance issue, and how the run did against it.
#[derive(Clone, Debug, Serialize)]
pub struct Target {
    pub what: String,
    pub measured: String,
    pub goal: String,
    /// `None` for figures shown beside a target but not judged.
    pub met: Option<bool>,
}

#[derive(Debug, Default, Serialize)]
pub struct Report {
    pub machine: String,
    pub quick: bool,
    pub rows: Vec<Row>,
    pub ratios: Vec<(String, f64)>,
    pub targets: Vec<Target>,
    /// Per profiled scenario and thread, its busy share and the functions
    /// with the most self time.
    pub profiles: Vec<(String, ThreadProfile)>,
    /// Per live scenario, every batch measured (`window.sparklet.batches()`).
    pub batches: Vec<(String, Vec<super::page::Batch>)>,
    /// The `--quick` floors this run fell under, each in words.
    pub floors_missed: Vec<String>,
}

impl Report {
    pub fn target(&mut self, what: &str, measured: String, goal: &str, met: Option<bool>) {
        self.targets.push(Target {
            what: what.into(),
            measured,
            goal: goal.into(),
            met,
        });
    }

    pub fn print(&self) {
        println!("sparklet bench on {}", self.machine);
        println!();
        println!(
            "{:<50} {:>11} {:>12} {:>15} {:>15} {:>10} {:>9} {:>9} {:>11}",
            "scenario",
            "records/s",
            "words/s",
            "proc p50/p99",
            "total p50/p99",
            "arr->res",
            "longest",
            "peak mem",
            "busy main/"
        );
        println!(
            "{:<50} {:>11} {:>12} {:>15} {:>15} {:>10} {:>9} {:>9} {:>11}",
            "", "", "", "ms", "ms", "p99 ms", "task ms", "MB", "stream %"
        );
        for r in &self.rows {
            println!(
                "{:<50} {:>11} {:>12} {:>15} {:>15} {:>10} {:>9} {:>9} {:>11}",
                r.scenario,
                opt(r.records_per_s, thousands),
                opt(r.words_per_s, thousands),
                pair(r.processing_p50_ms, r.processing_p99_ms),
                pair(r.total_delay_p50_ms, r.total_delay_p99_ms),
                opt(r.arrival_to_result_p99_ms, |x| format!("{x:.0}")),
                opt(r.longest_task_ms, |x| format!("{x:.0}")),
                opt(r.peak_memory_bytes, |x| format!("{:.0}", x / 1e6)),
                match (r.main_busy, r.stream_busy) {
                    (Some(m), Some(s)) => format!("{:.0} / {:.0}", m * 100.0, s * 100.0),
                    _ => "-".into(),
                },
            );
        }
        if !self.ratios.is_empty() {
            println!();
            for (what, ratio) in &self.ratios {
                println!("{what:<70} {ratio:>8.2}x");
            }
        }
        for (scenario, p) in self.profiles.iter().filter(|(_, p)| !p.top.is_empty()) {
            println!();
            println!(
                "{}, {scenario}: {:.0}% busy; self time",
                p.thread,
                p.busy * 100.0
            );
            for (share, name) in &p.top {
                println!("  {:>5.1}%  {name}", share * 100.0);
            }
        }
        println!();
        println!("{:<58} {:>22}  {:<22} result", "target", "measured", "goal");
        for t in &self.targets {
            let result = match t.met {
                Some(true) => "met",
                Some(false) => "MISSED",
                None => "",
            };
            println!("{:<58} {:>22}  {:<22} {result}", t.what, t.measured, t.goal);
        }
    }
}

fn opt(x: Option<f64>, show: impl Fn(f64) -> String) -> String {
    x.map_or_else(|| "-".into(), show)
}

fn pair(a: Option<f64>, b: Option<f64>) -> String {
    match (a, b) {
        (Some(a), Some(b)) => format!("{a:.1} / {b:.1}"),
        _ => "-".into(),
    }
}

/// `12345678.9` as `12,345,679`.
pub fn thousands(x: f64) -> String {
    let digits = format!("{:.0}", x);
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) && c.is_ascii_digit() {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `12_345_678.0` as `12.3 M`.
pub fn millions(x: f64) -> String {
    format!("{:.1} M", x / 1e6)
}

/// The `q` quantile of `xs` (nearest rank); 0 for none.
pub fn quantile(xs: &mut [f64], q: f64) -> f64 {
    if xs.is_empty() {
        return 0.0;
    }
    xs.sort_by(f64::total_cmp);
    let rank = ((q * xs.len() as f64).ceil() as usize).clamp(1, xs.len());
    xs[rank - 1]
}

pub fn median(xs: &mut [f64]) -> f64 {
    quantile(xs, 0.5)
}

/// What this machine is, for the table's heading.
pub fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "an unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let memory_gib = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("MemTotal"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0 / 1024.0);
    format!("{cpu}, {cores} cores, {memory_gib:.0} GiB")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_are_nearest_rank() {
        let mut xs = vec![5.0, 1.0, 4.0, 2.0, 3.0];
        assert_eq!(quantile(&mut xs, 0.5), 3.0);
        assert_eq!(quantile(&mut xs, 0.99), 5.0);
        assert_eq!(quantile(&mut xs, 0.0), 1.0);
        assert_eq!(quantile(&mut [], 0.5), 0.0);
        assert_eq!(thousands(1234567.4), "1,234,567");
        assert_eq!(thousands(999.0), "999");
    }
}
