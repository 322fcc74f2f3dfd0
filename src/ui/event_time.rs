//! Event time, as Spark's Structured Streaming UI shows a stateful query:
//! the watermark and the global watermark gap (batch time minus watermark),
//! rows dropped by the watermark, state rows, how late records arrive, and
//! the windowed results, as a table and a chart of value per window for
//! the top keys.

use leptos::prelude::*;
use sparklet_engine::LATENESS_BOUNDS_MS;

use crate::listener::{BatchRecord, Listener};
use crate::ui::board::Board;
use crate::ui::charts::{BinsChart, Points, Timeline};
use crate::ui::format;

/// Keys drawn in the chart of value per window.
const TOP_KEYS: usize = 5;
/// Rows of the windowed results table.
const TABLE_ROWS: usize = 40;

#[component]
pub fn EventTime(
    /// The listener the view reads, redrawn at most once per frame.
    board: Board,
) -> impl IntoView {
    let body = move || {
        let selected = board.selected.get();
        board.read(|l| match l.last().and_then(|b| b.event.as_ref()) {
            None => view! {
                <p class="hint" data-testid="event-time-none">
                    "This view is for event-time pipelines: give records their time with "
                    <code>"with_watermark .ts 10s"</code>" and aggregate with "
                    <code>"event_window 5s count"</code>" or "<code>"session_window 30s count"</code>
                    ", e.g. on "<code>"/feed/events?disorder=2000"</code>": "
                    <code>"json | with_watermark .ts 2s | map (.path, 1) | event_window 5s count"</code>"."
                </p>
            }
            .into_any(),
            Some(_) => view! {
                {figures(l)}
                <div class="metrics">
                    {series(l, selected, board, Which::Watermark)}
                    {series(l, selected, board, Which::Gap)}
                    {series(l, selected, board, Which::Late)}
                    {series(l, selected, board, Which::State)}
                </div>
                <div class="event-row">
                    {lateness(l)}
                    {per_window(l)}
                </div>
                {window_table(l)}
            }
            .into_any(),
        })
    };
    view! {
        <section class="card wide" data-testid="event-time">
            <h2>"Event time"</h2>
            {body}
        </section>
    }
}

/// The watermark and the run's totals.
fn figures(l: &Listener) -> impl IntoView {
    let last = l.last().and_then(|b| b.event.clone()).unwrap_or_default();
    let totals = l.event_totals.clone().unwrap_or_default();
    let watermark = match last.watermark_ms {
        0 => "not yet (no event seen)".to_string(),
        ms => format::batch_time(ms as f64),
    };
    view! {
        <dl class="latency-figures event-figures">
            <div><dt>"Watermark"</dt><dd data-testid="watermark">{watermark}</dd></div>
            <div><dt>"Late groups (Spark's numRowsDroppedByWatermark)"</dt>
                <dd data-testid="late-groups">{format::count(totals.late)}</dd></div>
            <div><dt>"Late rows dropped"</dt>
                <dd data-testid="late-rows">{format::count(totals.late_rows)}</dd></div>
            <div><dt>"State rows (windows held)"</dt>
                <dd data-testid="state-rows">{format::count(last.state_rows as u64)}</dd></div>
        </dl>
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Which {
    Watermark,
    Gap,
    Late,
    State,
}

/// One per-batch series: its timeline, title and unit.
fn series(l: &Listener, selected: Option<u64>, board: Board, which: Which) -> impl IntoView {
    let zero = l.zero_ms as f64;
    let points_of = |f: &dyn Fn(&BatchRecord) -> Option<f64>| -> Points {
        l.batches()
            .iter()
            .filter_map(|b| Some((b.info.batch, b.info.time_ms as f64 / 1000.0, f(b)?)))
            .collect()
    };
    // Where the watermark first moved: the watermark chart's zero.
    let first = l.batches().iter().find_map(|b| {
        let w = b.event.as_ref()?.watermark_ms;
        (w > 0).then_some((w, b.info.time_ms))
    });
    let (title, unit, id, points, extra, hint) = match which {
        Which::Watermark => {
            let (w0, t0) = first.unwrap_or_default();
            let moved = |b: &BatchRecord| b.event.as_ref().filter(|e| e.watermark_ms > 0).is_some();
            (
                "Watermark",
                "s",
                "watermark",
                points_of(&|b| {
                    let w = b.event.as_ref()?.watermark_ms;
                    (w > 0).then(|| (w - w0) as f64 / 1000.0)
                }),
                vec![(
                    "batch-clock",
                    points_of(&|b| moved(b).then(|| (b.info.time_ms - t0) as f64 / 1000.0)),
                )],
                "event time at the watermark (line) beside batch time (dashed), s after the watermark first moved",
            )
        }
        Which::Gap => (
            "Global watermark gap",
            "s",
            "watermark-gap",
            points_of(&|b| {
                let w = b.event.as_ref()?.watermark_ms;
                (w > 0).then(|| (zero + b.info.time_ms as f64 - w as f64) / 1000.0)
            }),
            Vec::new(),
            "batch time minus the watermark",
        ),
        Which::Late => (
            "Rows dropped by the watermark",
            "rows",
            "late",
            points_of(&|b| Some(b.event.as_ref()?.late_rows as f64)),
            vec![(
                "late-groups",
                points_of(&|b| Some(b.event.as_ref()?.late as f64)),
            )],
            "per batch: rows (filled) and late groups (line), as Spark counts them",
        ),
        Which::State => (
            "State rows",
            "rows",
            "state-rows",
            points_of(&|b| Some(b.event.as_ref()?.state_rows as f64)),
            Vec::new(),
            "windows or sessions held after each batch",
        ),
    };
    view! {
        <div class="metric-row event-series" data-testid=format!("metric-{id}")>
            <div class="metric-name">
                <h3>{title}</h3>
                <p class="unit">{hint}</p>
            </div>
            <Timeline points unit reference=None selected extra testid=format!("timeline-{id}")
                on_pick=move |b| board.selected.set(Some(b)) />
        </div>
    }
}

/// How far behind the newest event time records arrived, in all.
fn lateness(l: &Listener) -> impl IntoView {
    let counts = l
        .event_totals
        .as_ref()
        .map(|t| t.lateness.clone())
        .unwrap_or_default();
    // The first bin holds the records at or ahead of the newest time.
    let edges: Vec<String> = std::iter::once("ahead".to_string())
        .chain(
            LATENESS_BOUNDS_MS
                .iter()
                .map(|&ms| format::interval(ms as u64)),
        )
        .chain(std::iter::once("more".to_string()))
        .collect();
    view! {
        <div class="event-chart">
            <h3>"Lateness"</h3>
            <p class="unit">"records by how far behind the newest event time they arrived"</p>
            <BinsChart counts edges unit="behind the newest" items="records" testid="lateness" />
        </div>
    }
}

/// Value per window over event time, a line per top key.
fn per_window(l: &Listener) -> AnyView {
    let Some(totals) = &l.event_totals else {
        return ().into_any();
    };
    let first = totals.windows.keys().next().map_or(0, |k| k.0);
    let mut sums: std::collections::HashMap<&str, f64> = Default::default();
    for ((_, key), (_, v)) in &totals.windows {
        *sums.entry(key.as_str()).or_default() += v;
    }
    let mut keys: Vec<(&str, f64)> = sums.into_iter().collect();
    keys.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
    keys.truncate(TOP_KEYS);
    let line = |key: &str| -> Points {
        totals
            .windows
            .iter()
            .filter(|((_, k), _)| k == key)
            .map(|((start, _), (_, v))| (0, (start - first) as f64 / 1000.0, *v))
            .collect()
    };
    let (main, rest) = match keys.split_first() {
        Some((top, rest)) => (line(top.0), rest),
        None => (Vec::new(), &[][..]),
    };
    const CLASSES: [&str; 4] = ["k2", "k3", "k4", "k5"];
    let extra: Vec<(&'static str, Points)> = rest
        .iter()
        .zip(CLASSES)
        .map(|(k, class)| (class, line(k.0)))
        .collect();
    let legend = keys
        .iter()
        .enumerate()
        .map(|(i, (k, _))| view! { <li class=format!("key k{}", i + 1)>{k.to_string()}</li> })
        .collect_view();
    view! {
        <div class="event-chart">
            <h3>"Value per window"</h3>
            <p class="unit">{format!("the top {} keys; x: window start, s after {}", keys.len(),
                format::batch_time(first as f64))}</p>
            <Timeline points=main unit="value" reference=None selected=None extra
                testid="timeline-windows" x_label="window start (event time)" on_pick=|_| () />
            <ul class="key-legend" data-testid="window-keys">{legend}</ul>
        </div>
    }
    .into_any()
}

/// The newest windows emitted, newest first.
fn window_table(l: &Listener) -> impl IntoView {
    let rows: Vec<(i64, i64, String, f64)> = l
        .event_totals
        .as_ref()
        .map(|t| {
            t.windows
                .iter()
                .rev()
                .take(TABLE_ROWS)
                .map(|((start, key), (end, value))| (*start, *end, key.clone(), *value))
                .collect()
        })
        .unwrap_or_default();
    let shown = rows.len();
    let rows = rows
        .into_iter()
        .map(|(start, end, key, value)| {
            view! {
                <tr data-testid="window-row">
                    <td>{format::batch_time(start as f64)}</td>
                    <td>{format::batch_time(end as f64)}</td>
                    <td class="key">{key}</td>
                    <td class="num">{format::number(value)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <h3>"Windows emitted"</h3>
        <p class="unit">{format!("the newest {shown} (at most {TABLE_ROWS}), each with its latest value; start and end in event time")}</p>
        <table class="batches" data-testid="window-table">
            <thead><tr><th>"Start"</th><th>"End"</th><th>"Key"</th><th>"Value"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}
