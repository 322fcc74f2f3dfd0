//! Errors: records that could not be used (counted, with the last few and
//! the reason), records dropped by a full buffer, the connection's
//! trouble, and batches the sink could not store, in one place. The figures update in place; samples and gaps
//! are keyed lists, so a batch redraws only what it added.

use leptos::prelude::*;

use crate::listener::Status;
use crate::sink::SinkFigures;
use crate::ui::board::Board;
use crate::ui::format;
use crate::ui::keyed::keyed;

/// The error figures, the gaps, and the latest malformed records.
#[component]
pub fn Errors(
    /// The listener the view reads, redrawn at most once per frame.
    board: Board,
) -> impl IntoView {
    let figure = move |f: fn(&Status) -> u64| move || board.read(|l| format::count(f(&l.status)));
    let max_keys = move || {
        let limit = board.read(|l| l.status.settings.as_ref().map_or(0, |s| s.max_keys));
        format!("Evicted (limit {limit} keys per stage)")
    };
    let samples = move || {
        board.read(|l| {
            let samples = l.status.malformed_samples.iter();
            keyed(
                samples.map(|m| (m.reason.clone(), m.record.clone())),
                Clone::clone,
            )
        })
    };
    let gaps = move || {
        board.read(|l| {
            let gaps = l.status.gaps.iter().map(|g| {
                format!(
                    "{}: no connection for {}, records sent then are missing",
                    format::batch_time(g.from_wall_ms),
                    format::millis(g.duration_ms)
                )
            });
            keyed(gaps, Clone::clone)
        })
    };
    let conn = move || {
        board.read(|l| {
            let c = l.status.conn.as_ref()?;
            let class = format!("conn-note {}", c.label());
            c.reason()
                .map(|r| view! { <p class=class>{r.to_string()}</p> })
        })
    };
    let sink_figure = move |f: fn(&SinkFigures) -> u64| {
        move || board.read(|l| format::count(l.status.sink.as_ref().map_or(0, f)))
    };
    let has_sink = move || board.read(|l| l.status.sink.is_some());
    let sink_error = move || {
        board.read(|l| {
            let e = l.status.sink.as_ref()?.last_error.clone()?;
            Some(view! { <p class="conn-note closed" data-testid="sink-error">{format!("Last not stored: {e}")}</p> })
        })
    };
    let sink_name = move || {
        board.read(|l| {
            let name = l.status.sink.as_ref().map_or("", |s| s.name.as_str());
            format!("Sink: files {name}-<batch time>.jsonl")
        })
    };
    let has_gaps = move || board.read(|l| !l.status.gaps.is_empty());
    let has_samples = move || board.read(|l| !l.status.malformed_samples.is_empty());
    view! {
        <section class="card wide" data-testid="errors">
            <h2>"Errors"</h2>
            <dl class="figures">
                <dt>"Malformed records"</dt><dd data-testid="total-malformed">{figure(|s| s.malformed)}</dd>
                <dt>"Dropped (buffer full)"</dt><dd data-testid="total-dropped">{figure(|s| s.dropped)}</dd>
                <dt>"Received"</dt><dd>{figure(|s| s.received)}</dd>
                <dt title="Keys (a window's records) evicted past the key limit of each stateful stage, or past its share of the state budget">
                    {max_keys}
                </dt>
                <dd data-testid="total-evicted">{figure(|s| s.evicted)}</dd>
                <dt>"Reconnects"</dt><dd data-testid="total-reconnects">{figure(|s| s.reconnects)}</dd>
                <dt>"Gaps (feed could not resume)"</dt><dd data-testid="total-gaps">{figure(|s| s.gap_count)}</dd>
            </dl>
            <Show when=has_gaps>
                <h3>"Gaps"</h3>
                <ul class="gaps" data-testid="gaps">
                    <For each=gaps key=|g| g.key.clone() children=|g| view! { <li>{g.row}</li> } />
                </ul>
            </Show>
            {conn}
            <Show when=has_sink>
                <h3>{sink_name}</h3>
                <dl class="figures" data-testid="sink-figures">
                    <dt>"Batches written"</dt><dd data-testid="sink-written">{sink_figure(|s| s.written)}</dd>
                    <dt title="Replayed after a reload: their files were there, and were left as they were">"Already written"</dt>
                    <dd data-testid="sink-skipped">{sink_figure(|s| s.skipped)}</dd>
                    <dt>"Not stored (failed)"</dt><dd data-testid="sink-failed">{sink_figure(|s| s.failed)}</dd>
                    <dt>"Not sent (sink behind)"</dt><dd data-testid="sink-dropped">{sink_figure(|s| s.dropped)}</dd>
                    <dt>"Waiting"</dt><dd>{sink_figure(|s| s.queued as u64)}</dd>
                </dl>
                {sink_error}
            </Show>
            <h3>"Latest malformed records"</h3>
            <Show when=has_samples fallback=|| view! { <p class="empty">"None so far."</p> }>
                <ul class="malformed" data-testid="malformed">
                    <For each=samples key=|m| m.key.clone() children=|m| {
                        let (reason, record) = m.row;
                        view! { <li><span class="reason">{reason}</span><code>{record}</code></li> }
                    } />
                </ul>
            </Show>
        </section>
    }
}
