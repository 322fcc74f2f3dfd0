//! A batch, opened: its figures, a sample of its input records and of its
//! output. The inside-a-batch view that Spark's batch page lacks.

use leptos::prelude::*;

use crate::listener::{BatchRecord, LatencyFrom};
use crate::ui::board::Board;
use crate::ui::format;

/// The selected batch, beside the open view; nothing when none is.
#[component]
pub fn Detail(
    /// The listener and the selected batch.
    board: Board,
) -> impl IntoView {
    // A completed batch never changes: the panel redraws when another is
    // selected or this one leaves the history, not on every frame.
    let batch = Memo::new(move |_| {
        let number = board.selected.get()?;
        Some((
            number,
            board.read(|l| {
                l.batch(number)
                    .map(|b| (l.batch_time_ms(&b.info), b.clone()))
            }),
        ))
    });
    move || {
        let (number, kept) = batch.get()?;
        let body = match kept {
            None => {
                view! { <p class="empty">"This batch is no longer kept (the last 1,000 are)."</p> }
                    .into_any()
            }
            Some((batch_time_ms, b)) => view! { <BatchFigures batch_time_ms batch=b /> }.into_any(),
        };
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

/// A batch's figures and samples of its input and output.
#[component]
fn BatchFigures(
    /// The batch's time, ms since the epoch.
    batch_time_ms: u64,
    /// The batch.
    batch: BatchRecord,
) -> impl IntoView {
    let b = batch;
    let when = format::batch_time(batch_time_ms as f64);
    let sink = b.sink.map(|s| {
        view! { <dt>"Sink"</dt><dd data-testid="detail-sink">{s.label()}</dd> }
    });
    let latency = b.latency.as_ref().map(|(from, s)| {
        let from = match from {
            LatencyFrom::EventTime(field) => format!("from event time `{field}`"),
            LatencyFrom::Arrival => "from arrival".to_string(),
        };
        format!(
            "p50 {} · p95 {} · p99 {} ({from})",
            format::millis(s.p50),
            format::millis(s.p95),
            format::millis(s.p99)
        )
    });
    let output = match b.output_len {
        None => "none at this time (between window slides)".to_string(),
        Some(n) => format!("{} rows", format::count(n as u64)),
    };
    let (inputs, outputs) = (b.input_sample.len(), b.output_sample.len());
    let sample = |rows: Vec<String>| {
        rows.into_iter()
            .map(|r| view! { <li><code>{r}</code></li> })
            .collect_view()
    };
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
            {sink}
        </dl>
        <h3>{format!("Input sample (first {inputs} records)")}</h3>
        <ol class="sample" data-testid="detail-input">{sample(b.input_sample)}</ol>
        <h3>{format!("Output sample (first {outputs} rows)")}</h3>
        <ol class="sample" data-testid="detail-output">{sample(b.output_sample)}</ol>
    }
}
