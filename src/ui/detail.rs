//! A batch, opened: its figures, a sample of its input records and of its
//! output. The inside-a-batch view that Spark's batch page lacks.

use leptos::prelude::*;

use crate::listener::LatencyFrom;
use crate::ui::board::Board;
use crate::ui::format;

pub fn detail(board: Board) -> impl IntoView {
    move || {
        let number = board.selected.get()?;
        let body = board.read(|l| {
            let Some(b) = l.batch(number) else {
                return view! { <p class="empty">"This batch is no longer kept (the last 1,000 are)."</p> }.into_any();
            };
            let when = format::batch_time(l.started_wall_ms + b.info.time_ms as f64);
            let latency = b.latency.as_ref().map(|(from, s)| {
                let from = match from {
                    LatencyFrom::EventTime(field) => format!("from event time `{field}`"),
                    LatencyFrom::Arrival => "from arrival".to_string(),
                };
                format!("p50 {} · p95 {} · p99 {} ({from})", format::millis(s.p50), format::millis(s.p95), format::millis(s.p99))
            });
            let output = match b.output_len {
                None => "none at this time (between window slides)".to_string(),
                Some(n) => format!("{} rows", format::count(n as u64)),
            };
            let inputs = b.input_sample.iter().map(|r| view! { <li><code>{r.clone()}</code></li> }).collect_view();
            let outputs = b.output_sample.iter().map(|r| view! { <li><code>{r.clone()}</code></li> }).collect_view();
            view! {
                <dl class="figures">
                    <dt>"Batch time"</dt><dd>{format!("{when} ({:.1} s)", b.info.time_ms as f64 / 1000.0)}</dd>
                    <dt>"Records"</dt><dd data-testid="detail-records">{format::count(b.info.records)}</dd>
                    <dt>"Scheduling delay"</dt><dd>{format::millis(b.info.scheduling_delay_ms)}</dd>
                    <dt>"Processing time"</dt><dd>{format::millis(b.info.processing_ms)}</dd>
                    <dt>"Total delay"</dt><dd>{format::millis(b.info.total_delay_ms)}</dd>
                    <dt>"Output"</dt><dd>{output}</dd>
                    <dt>"Malformed"</dt><dd>{format::count(b.info.malformed)}</dd>
                    <dt>"Latency"</dt><dd>{latency.unwrap_or_else(|| "no records".into())}</dd>
                </dl>
                <h3>{format!("Input sample (first {} records)", b.input_sample.len())}</h3>
                <ol class="sample" data-testid="detail-input">{inputs}</ol>
                <h3>{format!("Output sample (first {} rows)", b.output_sample.len())}</h3>
                <ol class="sample" data-testid="detail-output">{outputs}</ol>
            }
            .into_any()
        });
        Some(view! {
            <aside class="detail" role="dialog" aria-label="Batch detail" data-testid="batch-detail">
                <div class="detail-head">
                    <h2 data-testid="detail-title">{format!("Batch {number}")}</h2>
                    <button type="button" class="secondary" on:click=move |_| board.selected.set(None)>"Close"</button>
                </div>
                {body}
            </aside>
        })
    }
}
