//! The header: the run in one sentence ("Running batches of 1 s for 3 min
//! 12 s since 10:04:11 (192 completed batches, 1,920,000 records)"), the
//! connection with its reason, the sink and its trouble, the feed, and
//! pause and clear.

use leptos::prelude::*;

use crate::runtime::ConnState;
use crate::ui::board::Board;
use crate::ui::format;

/// The top bar: the run, the connection, pause and clear.
#[component]
pub fn Header(
    /// The listener the header reads, redrawn at most once per frame.
    board: Board,
    /// Restarts the pipeline with empty state (the Clear button).
    on_clear: impl Fn() + 'static,
    /// Whether there is a pipeline of the page's own to clear (not when
    /// watching a Spark job).
    #[prop(default = true)]
    can_clear: bool,
) -> impl IntoView {
    let summary = move || {
        board.read(|l| {
            let Some(settings) = l.status.settings.as_ref() else {
                return "Not running".to_string();
            };
            format!(
                "Running batches of {} for {} since {} ({} completed batches, {} records)",
                format::interval(settings.batch.as_millis()),
                format::elapsed(js_sys::Date::now() - l.started_wall_ms),
                format::clock_time(l.started_wall_ms),
                format::count(l.total_batches()),
                format::count(l.total_records()),
            )
        })
    };
    let conn = move || board.read(|l| l.status.conn.clone().unwrap_or(ConnState::Connecting));
    // "reconnecting in 3 s", and how far behind the batches run.
    let running = move || board.read(|l| l.status.settings.is_some());
    let state_text = move || match conn() {
        // Nothing started yet (the URL's pipeline was refused): no socket.
        _ if !running() => "not started".to_string(),
        ConnState::Reconnecting {
            retry_at_wall_ms, ..
        } => {
            let secs = ((retry_at_wall_ms - js_sys::Date::now()) / 1000.0)
                .ceil()
                .max(0.0);
            format!("reconnecting in {secs} s")
        }
        other => other.label().to_string(),
    };
    let lag = move || {
        board.read(|l| {
            let batch = l.status.settings.as_ref()?.batch.as_millis() as f64;
            let delay = l.last()?.info.scheduling_delay_ms;
            (delay > batch).then(|| format!("behind by {}", format::millis(delay)))
        })
    };
    // A WebSocket feed is asked to slow down; an HTTP feed's response is
    // read no faster (see `crate::receiver`).
    let limit = move || {
        board.read(|l| {
            let rate = format::rate(l.status.rate_limit? as f64);
            let feed = l.status.settings.as_ref().map(|s| s.feed.as_str());
            Some(if feed.is_some_and(|f| f.starts_with("http")) {
                format!("read at ≤ {rate}")
            } else {
                format!("feed asked for ≤ {rate}")
            })
        })
    };
    let feed = move || {
        board.read(|l| {
            l.status
                .settings
                .as_ref()
                .map(|s| s.feed.clone())
                .unwrap_or_default()
        })
    };
    let sink = move || board.read(|l| l.status.sink.clone());
    let sink_pill = move || {
        sink().map(|s| {
            let class = if s.failing { "pill closed" } else { "pill live" };
            let title = format!("Each batch's output is stored by the server as {}-<batch time>.jsonl", s.name);
            view! { <span class=class title=title data-testid="sink-state">{format!("sink: {} stored", format::count(s.written + s.skipped))}</span> }
        })
    };
    let sink_alert = move || {
        sink().filter(|s| s.failing).map(|s| {
            let lost = s.failed + s.dropped;
            let text = format!(
                "The sink has not stored {} {}: {}",
                format::count(lost),
                if lost == 1 { "batch" } else { "batches" },
                s.last_error.unwrap_or_default()
            );
            view! { <div class="conn-detail closed" role="alert" data-testid="sink-alert">{text}</div> }
        })
    };
    let pause = move |_| {
        let now = !board.paused.get_untracked();
        board.paused.set(now);
        if !now {
            board.refresh();
        }
    };
    view! {
        <header class="topbar">
            <div class="brand">"Sparklet"</div>
            <div class="status">
                <span class=move || format!("pill {}", if running() { conn().label() } else { "closed" }) data-testid="conn-state">{state_text}</span>
                {move || lag().map(|l| view! { <span class="pill lag" data-testid="lag">{l}</span> })}
                {sink_pill}
                <span class="feed-url" title=feed>{feed}</span>
            </div>
            <div class="summary" data-testid="summary">{summary}
                {move || limit().map(|l| view! { <span class="rate-limit" data-testid="rate-limit" title="backpressure: the rate the feed was asked to stay under">{l}</span> })}
            </div>
            <div class="header-actions">
                <button type="button" class="secondary" data-testid="pause" on:click=pause
                    title="Freeze the view; the stream keeps running">
                    {move || if board.paused.get() { "Resume view" } else { "Pause view" }}
                </button>
                {can_clear.then(|| view! {
                    <button type="button" class="secondary" data-testid="clear" on:click=move |_| on_clear()
                        title="Restart the pipeline with empty state and history, on the same connection">
                        "Clear"
                    </button>
                })}
            </div>
            {move || board.read(|l| l.status.notice.clone()).map(|n| view! {
                <div class="conn-detail notice" role="status" data-testid="notice">{n}</div>
            })}
            {sink_alert}
            {move || board.read(|l| l.status.source_status.clone()).map(|s| view! {
                <div class="conn-detail source" role="status" data-testid="source-status">"Source: "{s}</div>
            })}
            {move || conn().reason().map(|r| {
                let class = format!("conn-detail {}", conn().label());
                view! { <div class=class role="status" data-testid="conn-detail">{r.to_string()}</div> }
            })}
        </header>
    }
}
