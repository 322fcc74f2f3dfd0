//! Latency: how long after a record existed its result was out. With an
//! event time in the records (`ts` in ms, or the field the URL names) it is
//! event-to-result; otherwise arrival-in-the-page to result. Per batch:
//! p50, p95, p99; a histogram over the last batches.

use leptos::prelude::*;
use sparklet_engine::latency::{BINS, BIN_EDGES_MS};

use crate::listener::LatencyFrom;
use crate::ui::board::Board;
use crate::ui::charts::{BinsChart, Timeline};
use crate::ui::format;

/// Batches merged into the histogram.
const RECENT: usize = 10;

/// Latency percentiles per batch and a histogram of the last batches.
#[component]
pub fn Latency(
    /// The listener the view reads, redrawn at most once per frame.
    board: Board,
) -> impl IntoView {
    let body = move || {
        let selected = board.selected.get();
        board.read(|l| {
            let measured: Vec<_> = l
                .batches()
                .iter()
                .filter_map(|b| b.latency.as_ref().map(|x| (b, x)))
                .collect();
            let Some((_, (from, last))) = measured.last() else {
                return view! { <p class="empty">"No records yet."</p> }.into_any();
            };
            let source = match from {
                LatencyFrom::EventTime(field) => format!("event time (field `{field}`) to result"),
                LatencyFrom::Arrival => {
                    "arrival in the page to result (the records carry no event time)".to_string()
                }
            };
            let mut bins = vec![0u64; BINS];
            for (_, (_, s)) in measured.iter().rev().take(RECENT) {
                for (acc, n) in bins.iter_mut().zip(&s.bins) {
                    *acc += n;
                }
            }
            let mut edges: Vec<String> = vec!["0".into()];
            edges.extend(BIN_EDGES_MS.iter().map(|e| short_ms(*e)));
            edges.push("∞".into());
            let series =
                |q: fn(&sparklet_engine::latency::LatencySummary) -> f64| -> Vec<(u64, f64, f64)> {
                    measured
                        .iter()
                        .map(|(b, (_, s))| (b.info.batch, b.info.time_ms as f64 / 1000.0, q(s)))
                        .collect()
                };
            let (p99, p95, p50) = (series(|s| s.p99), series(|s| s.p95), series(|s| s.p50));
            view! {
                <p class="hint" data-testid="latency-source">{format!("Latency from {source}.")}</p>
                <dl class="latency-figures" data-testid="latency-figures">
                    <dt>"p50"</dt><dd data-testid="latency-p50">{format::millis(last.p50)}</dd>
                    <dt>"p95"</dt><dd>{format::millis(last.p95)}</dd>
                    <dt>"p99"</dt><dd data-testid="latency-p99">{format::millis(last.p99)}</dd>
                    <dt>"max"</dt><dd>{format::millis(last.max)}</dd>
                </dl>
                <div class="latency-charts">
                    <div>
                        <h3>"Per batch, in ms: "
                            <span class="legend p99">"p99"</span>" "
                            <span class="legend p95">"p95"</span>" "
                            <span class="legend p50">"p50"</span>
                        </h3>
                        <Timeline points=p99 unit="ms" reference=None selected extra=vec![("p95", p95), ("p50", p50)]
                            testid="latency-timeline" on_pick=move |b| board.selected.set(Some(b)) />
                    </div>
                    <div>
                        <h3>{format!("Records by latency, last {RECENT} batches")}</h3>
                        <BinsChart counts=bins edges unit="latency" testid="latency-histogram" />
                    </div>
                </div>
            }
            .into_any()
        })
    };
    view! {
        <section class="card wide" data-testid="latency">
            <h2>"Latency"</h2>
            {body}
        </section>
    }
}

fn short_ms(ms: f64) -> String {
    if ms >= 1000.0 {
        format!("{}s", ms / 1000.0)
    } else {
        format!("{ms}ms")
    }
}
