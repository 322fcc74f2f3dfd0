//! The batches table: the most recent first, as Spark's "Completed
//! Batches", with what Spark's lacks (output size, malformed). Each row
//! opens its batch. The listener keeps 1,000; the table shows a page, as a
//! keyed list: a new batch adds its row and drops the oldest, and the rows
//! between keep their DOM.

use leptos::prelude::*;

use crate::export;
use crate::listener::BatchRecord;
use crate::sink::Stored;
use crate::ui::board::Board;
use crate::ui::download::DownloadButtons;
use crate::ui::format;

const PAGE: usize = 25;

/// What a row shows of a completed batch; a completed batch never changes.
#[derive(Clone, PartialEq)]
struct Row {
    /// The run (its start) and the batch number: a restarted run numbers
    /// its batches from 1 again, and its rows are new rows.
    key: (u64, u64),
    when: String,
    records: u64,
    scheduling_delay_ms: f64,
    processing_ms: f64,
    total_delay_ms: f64,
    output_len: Option<usize>,
    malformed: u64,
    /// What the sink did with the output; a row changes when it settles.
    sink: Option<Stored>,
}

impl Row {
    fn of(b: &BatchRecord, started_wall_ms: f64, zero_ms: u64) -> Row {
        Row {
            key: (started_wall_ms.to_bits(), b.info.batch),
            when: format::batch_time(zero_ms.saturating_add(b.info.time_ms) as f64),
            records: b.info.records,
            scheduling_delay_ms: b.info.scheduling_delay_ms,
            processing_ms: b.info.processing_ms,
            total_delay_ms: b.info.total_delay_ms,
            output_len: b.output_len,
            malformed: b.info.malformed,
            sink: b.sink,
        }
    }
}

/// The completed batches, newest first, a page at a time.
#[component]
pub fn Batches(
    /// The listener the view reads, redrawn at most once per frame.
    board: Board,
) -> impl IntoView {
    let shown = RwSignal::new(PAGE);
    let rows = move || {
        let limit = shown.get();
        board.read(|l| {
            let rows = l.batches().iter().rev().take(limit);
            rows.map(|b| Row::of(b, l.started_wall_ms, l.zero_ms))
                .collect::<Vec<_>>()
        })
    };
    let count = move || board.read(|l| l.batches().len());
    let has_sink = move || board.read(|l| l.status.sink.is_some());
    view! {
        <section class="card wide" data-testid="batches">
            <div class="view-tools">
                <h2>{move || format!("Completed batches (last {} of at most 1,000 kept)", format::count(count() as u64))}</h2>
                <DownloadButtons board what="batches" file=export::batches
                    ready=|l| l.last().is_some() />
            </div>
            <div class="table-wrap">
                <table class="batch-table">
                    <thead>
                        <tr>
                            <th scope="col">"Batch time"</th>
                            <th scope="col" class="num">"Records"</th>
                            <th scope="col" class="num">"Scheduling delay"</th>
                            <th scope="col" class="num">"Processing time"</th>
                            <th scope="col" class="num">"Total delay"</th>
                            <th scope="col" class="num">"Output rows"</th>
                            <th scope="col" class="num">"Malformed"</th>
                            <Show when=has_sink>
                                <th scope="col" title="What the sink did with the batch's output">"Sink"</th>
                            </Show>
                        </tr>
                    </thead>
                    <tbody>
                        <For each=rows key=|r| (r.key, r.sink) children=move |r| view! { <BatchRow board row=r has_sink /> } />
                    </tbody>
                </table>
            </div>
            <Show when=move || { shown.get() < count() }>
                <button type="button" class="secondary" on:click=move |_| shown.update(|n| *n += PAGE)>
                    "Show older batches"
                </button>
            </Show>
        </section>
    }
}

/// One completed batch; its time opens the batch.
#[component]
fn BatchRow(
    /// Where a click selects the batch.
    board: Board,
    /// The batch's figures.
    row: Row,
    /// Whether the table has a sink column.
    has_sink: impl Fn() -> bool + Send + Sync + 'static,
) -> impl IntoView {
    let n = row.key.1;
    let output = row
        .output_len
        .map_or("-".to_string(), |n| format::count(n as u64));
    view! {
        <tr data-testid="batch-row" data-batch=n>
            <td>
                <button type="button" class="link" on:click=move |_| board.selected.set(Some(n))>
                    {row.when}
                </button>
            </td>
            <td class="num">{format::count(row.records)}</td>
            <td class="num">{format::millis(row.scheduling_delay_ms)}</td>
            <td class="num">{format::millis(row.processing_ms)}</td>
            <td class="num">{format::millis(row.total_delay_ms)}</td>
            <td class="num">{output}</td>
            <td class="num">{format::count(row.malformed)}</td>
            <Show when=has_sink>
                <td class=format!("sink {}", row.sink.map_or("", sink_class)) data-testid="batch-sink">
                    {row.sink.map_or("-", Stored::label)}
                </td>
            </Show>
        </tr>
    }
}

/// The class that colours a sink outcome.
fn sink_class(stored: Stored) -> &'static str {
    match stored {
        Stored::Queued => "queued",
        Stored::Written | Stored::AlreadyWritten => "stored",
        Stored::Failed | Stored::Dropped => "failed",
    }
}
