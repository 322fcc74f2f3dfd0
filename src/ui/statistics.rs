//! Statistics, as Spark's Streaming tab draws them: for input rate,
//! scheduling delay, processing time and total delay, a timeline of the
//! retained batches, a histogram and the average. The processing timeline
//! carries the batch interval as a reference line; a click on a timeline
//! opens that batch.

use leptos::prelude::*;

use crate::listener::BatchRecord;
use crate::ui::board::Board;
use crate::ui::charts::{Histogram, Timeline};
use crate::ui::format;

struct Metric {
    name: &'static str,
    unit: &'static str,
    id: &'static str,
    value: fn(&BatchRecord) -> f64,
}

static METRICS: [Metric; 4] = [
    Metric {
        name: "Input Rate",
        unit: "records/s",
        id: "input-rate",
        value: |b: &BatchRecord| b.input_rate,
    },
    Metric {
        name: "Scheduling Delay",
        unit: "ms",
        id: "scheduling-delay",
        value: |b: &BatchRecord| b.info.scheduling_delay_ms,
    },
    Metric {
        name: "Processing Time",
        unit: "ms",
        id: "processing-time",
        value: |b: &BatchRecord| b.info.processing_ms,
    },
    Metric {
        name: "Total Delay",
        unit: "ms",
        id: "total-delay",
        value: |b: &BatchRecord| b.info.total_delay_ms,
    },
];

/// Spark's four metrics, each a timeline, a histogram and an average.
#[component]
pub fn Statistics(
    /// The listener the view reads, redrawn at most once per frame.
    board: Board,
) -> impl IntoView {
    let rows = METRICS
        .iter()
        .map(|metric| view! { <MetricRow board metric /> })
        .collect_view();
    view! {
        <section class="card wide" data-testid="statistics">
            <h2>"Statistics"</h2>
            <p class="hint">"Timelines of the retained batches (up to 1,000) and histograms; click a timeline to open a batch."</p>
            <div class="metrics">{rows}</div>
        </section>
    }
}

/// One metric over the retained batches: its charts redraw per frame.
#[component]
fn MetricRow(
    /// The listener the row reads.
    board: Board,
    /// Which figure of a batch it draws.
    metric: &'static Metric,
) -> impl IntoView {
    let m = metric;
    let row = move || {
        let selected = board.selected.get();
        board.read(|l| {
            let points: Vec<(u64, f64, f64)> =
                l.batches().iter().map(|b| (b.info.batch, b.info.time_ms as f64 / 1000.0, (m.value)(b))).collect();
            let values: Vec<f64> = points.iter().map(|p| p.2).collect();
            let avg = if values.is_empty() { 0.0 } else { values.iter().sum::<f64>() / values.len() as f64 };
            let shown_avg =
                if m.unit == "ms" { format::millis(avg) } else { format!("{} {}", format::number(avg.round()), m.unit) };
            let reference = (m.id == "processing-time")
                .then(|| l.status.settings.as_ref().map(|s| s.batch.as_millis() as f64))
                .flatten()
                .map(|b| (b, format!("batch interval {}", format::interval(b as u64))));
            view! {
                <div class="metric-name">
                    <h3>{m.name}</h3>
                    <p class="avg">"Avg: "<span data-testid=format!("avg-{}", m.id)>{shown_avg}</span></p>
                    <p class="unit">{m.unit}</p>
                </div>
                <Timeline points unit=m.unit reference selected testid=format!("timeline-{}", m.id)
                    on_pick=move |b| board.selected.set(Some(b)) />
                <Histogram values unit=m.unit testid=format!("histogram-{}", m.id) />
            }
        })
    };
    view! { <div class="metric-row" data-testid=format!("metric-{}", m.id)>{row}</div> }
}
