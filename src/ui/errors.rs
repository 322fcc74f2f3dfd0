//! Errors: records that could not be used (counted, with the last few and
//! the reason), records dropped by a full buffer, and the connection's
//! trouble, in one place.

use leptos::prelude::*;

use crate::ui::board::Board;
use crate::ui::format;

pub fn errors(board: Board) -> impl IntoView {
    let body = move || {
        board.read(|l| {
            let s = &l.status;
            let samples = s
                .malformed_samples
                .iter()
                .map(|m| view! { <li><span class="reason">{m.reason.clone()}</span><code>{m.record.clone()}</code></li> })
                .collect_view();
            let conn = s.conn.as_ref().and_then(|c| {
                let class = format!("conn-note {}", c.label());
                c.reason().map(|r| view! { <p class=class>{r.to_string()}</p> })
            });
            view! {
                <dl class="figures">
                    <dt>"Malformed records"</dt><dd data-testid="total-malformed">{format::count(s.malformed)}</dd>
                    <dt>"Dropped (buffer full)"</dt><dd data-testid="total-dropped">{format::count(s.dropped)}</dd>
                    <dt>"Received"</dt><dd>{format::count(s.received)}</dd>
                    <dt title="Keys (a window's records) evicted past the key limit of each stateful stage, or past its share of the state budget">
                        {format!("Evicted (limit {} keys per stage)", s.settings.as_ref().map_or(0, |x| x.max_keys))}
                    </dt>
                    <dd data-testid="total-evicted">{format::count(s.evicted)}</dd>
                    <dt>"Reconnects"</dt><dd data-testid="total-reconnects">{format::count(s.reconnects)}</dd>
                    <dt>"Gaps (feed could not resume)"</dt><dd data-testid="total-gaps">{format::count(s.gap_count)}</dd>
                </dl>
                {(!s.gaps.is_empty()).then(|| {
                    let gaps = s
                        .gaps
                        .iter()
                        .map(|g| view! {
                            <li>{format!("{}: no connection for {}, records sent then are missing",
                                format::batch_time(g.from_wall_ms), format::millis(g.duration_ms))}</li>
                        })
                        .collect_view();
                    view! { <h3>"Gaps"</h3><ul class="gaps" data-testid="gaps">{gaps}</ul> }
                })}
                {conn}
                <h3>"Latest malformed records"</h3>
                {if s.malformed_samples.is_empty() {
                    view! { <p class="empty">"None so far."</p> }.into_any()
                } else {
                    view! { <ul class="malformed" data-testid="malformed">{samples}</ul> }.into_any()
                }}
            }
        })
    };
    view! {
        <section class="card wide" data-testid="errors">
            <h2>"Errors"</h2>
            {body}
        </section>
    }
}
