//! The batches table: the most recent first, as Spark's "Completed
//! Batches", with what Spark's lacks (output size, malformed). Each row
//! opens its batch. The listener keeps 1,000; the table shows a page.

use leptos::prelude::*;

use crate::ui::board::Board;
use crate::ui::format;

const PAGE: usize = 25;

pub fn batches(board: Board) -> impl IntoView {
    let shown = RwSignal::new(PAGE);
    let rows = move || {
        let limit = shown.get();
        board.read(|l| {
            l.batches()
                .iter()
                .rev()
                .take(limit)
                .map(|b| {
                    let n = b.info.batch;
                    let when = format::batch_time(l.started_wall_ms + b.info.time_ms as f64);
                    let output = b.output_len.map_or("-".to_string(), |n| format::count(n as u64));
                    view! {
                        <tr data-testid="batch-row" data-batch=n>
                            <td>
                                <button type="button" class="link" on:click=move |_| board.selected.set(Some(n))>
                                    {when}
                                </button>
                            </td>
                            <td class="num">{format::count(b.info.records)}</td>
                            <td class="num">{format::millis(b.info.scheduling_delay_ms)}</td>
                            <td class="num">{format::millis(b.info.processing_ms)}</td>
                            <td class="num">{format::millis(b.info.total_delay_ms)}</td>
                            <td class="num">{output}</td>
                            <td class="num">{format::count(b.info.malformed)}</td>
                        </tr>
                    }
                })
                .collect_view()
        })
    };
    let count = move || board.read(|l| l.batches().len());
    view! {
        <section class="card wide" data-testid="batches">
            <h2>{move || format!("Completed batches (last {} of at most 1,000 kept)", format::count(count() as u64))}</h2>
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
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
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
