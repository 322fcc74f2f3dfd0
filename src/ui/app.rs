//! The page: header with the run's summary and connection, the settings
//! form, and the cards (results, input rate, processing time, totals).

use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::*;

use crate::api;
use crate::runtime::{self, ConnState, Runtime, Shared};
use crate::settings::{default_feed, Settings};
use crate::ui::charts::{bar_chart, Timeline};
use crate::ui::controls::{settings_form, Form, FormError};
use crate::ui::format;
use crate::ui::snapshot::Snapshot;

#[component]
pub fn App() -> impl IntoView {
    let location = window().location();
    let search = location.search().unwrap_or_default();
    let (initial, problems) = Settings::from_query(&search, &default_feed(&location));
    let form = Form::new(&initial);
    if let Some(p) = problems.into_iter().next() {
        form.error.set(Some(FormError::Other(p)));
    }
    let snapshot = RwSignal::new(None::<Snapshot>);
    let slot: Rc<RefCell<Option<Shared>>> = Rc::default();
    api::install(slot.clone());

    let publish: runtime::Publish =
        Rc::new(move |rt: &Runtime| snapshot.set(Some(Snapshot::of(rt))));
    let start = {
        let slot = slot.clone();
        move |settings: Settings| {
            let running = slot.borrow().clone();
            let result = match running {
                Some(rt) => runtime::apply(&rt, settings.clone()),
                None => Runtime::start(settings.clone(), publish.clone()).map(|rt| {
                    *slot.borrow_mut() = Some(rt);
                }),
            };
            match result {
                Ok(()) => {
                    form.error.set(None);
                    let _ = window().history().and_then(|h| {
                        h.replace_state_with_url(
                            &wasm_bindgen::JsValue::NULL,
                            "",
                            Some(&settings.to_query()),
                        )
                    });
                }
                Err(e) => form.error.set(Some(FormError::Pipeline(e))),
            }
        }
    };
    match form.settings() {
        Ok(s) => start(s),
        Err(e) => form.error.set(Some(e)),
    }

    view! {
        <header class="topbar">
            <div class="brand">"Sparklet"</div>
            {move || status(snapshot.get())}
        </header>
        {settings_form(form, start)}
        {move || cards(snapshot.get())}
    }
}

fn status(s: Option<Snapshot>) -> impl IntoView {
    let Some(s) = s else {
        return view! { <div class="summary" data-testid="summary">"Not running"</div> }.into_any();
    };
    let (state, detail) = match &s.conn {
        ConnState::Connecting => ("connecting", String::new()),
        ConnState::Live => ("live", String::new()),
        ConnState::Ended(r) => ("ended", r.clone()),
        ConnState::Closed(r) => ("closed", r.clone()),
    };
    let summary = format!(
        "Running batches of {} for {} since {} ({} completed batches, {} records)",
        format::interval(s.settings.batch.as_millis()),
        format::elapsed(s.elapsed_ms),
        format::clock_time(s.started_wall_ms),
        format::count(s.batches),
        format::count(s.records_in_batches),
    );
    view! {
        <div class="status">
            <span class=format!("pill {state}") data-testid="conn-state">{state}</span>
            <span class="feed-url" title=s.settings.feed.clone()>{s.settings.feed.clone()}</span>
        </div>
        <div class="summary" data-testid="summary">{summary}</div>
        {(!detail.is_empty()).then(|| view! {
            <div class=format!("conn-detail {state}") role="status" data-testid="conn-detail">{detail}</div>
        })}
    }
    .into_any()
}

fn cards(s: Option<Snapshot>) -> impl IntoView {
    let s = s?;
    let batch_ms = s.settings.batch.as_millis() as f64;
    let records: Vec<(f64, f64)> = s.recent.iter().map(|p| (p.t_s, p.records as f64)).collect();
    let processing: Vec<(f64, f64)> = s.recent.iter().map(|p| (p.t_s, p.processing_ms)).collect();
    let last = s.recent.last().cloned();
    let rate = if s.recent.is_empty() {
        0.0
    } else {
        s.recent.iter().map(|p| p.records as f64).sum::<f64>()
            / (s.recent.len() as f64 * batch_ms / 1000.0)
    };
    let results_title = match s.output_time_ms {
        Some(t) => format!(
            "Results at {:.1} s ({} rows)",
            t as f64 / 1000.0,
            format::count(s.output_len as u64)
        ),
        None => "Results".to_string(),
    };
    let results = if !s.bars.is_empty() {
        bar_chart(s.bars).into_any()
    } else if !s.rows.is_empty() {
        let rows = s
            .rows
            .into_iter()
            .map(|r| view! { <li>{r}</li> })
            .collect_view();
        view! { <ol class="rows" data-testid="output-rows">{rows}</ol> }.into_any()
    } else {
        view! { <p class="empty">"No output yet: waiting for the first batch with data."</p> }
            .into_any()
    };
    let malformed = (!s.malformed_samples.is_empty()).then(|| {
        let items = s
            .malformed_samples
            .into_iter()
            .map(|m| view! { <li><span class="reason">{m.reason}</span><code>{m.record}</code></li> })
            .collect_view();
        view! {
            <section class="card wide" data-testid="malformed">
                <h2>"Malformed records"</h2>
                <ul class="malformed">{items}</ul>
            </section>
        }
    });
    Some(view! {
        <main class="grid">
            <section class="card results">
                <h2 data-testid="results-title">{results_title}</h2>
                <p class="pipeline-text mono">{s.settings.pipeline.clone()}</p>
                {results}
            </section>
            <section class="card">
                <h2>"Input: records per batch"</h2>
                {Timeline { points: records, unit: "records", reference: None, testid: "records-chart" }.view()}
            </section>
            <section class="card">
                <h2>"Processing time per batch (ms)"</h2>
                {Timeline {
                    points: processing,
                    unit: "ms",
                    reference: Some((batch_ms, format!("batch interval {}", format::interval(batch_ms as u64)))),
                    testid: "processing-chart",
                }
                .view()}
            </section>
            <section class="card totals" data-testid="totals">
                <h2>"Totals"</h2>
                <dl>
                    <dt>"Batches"</dt><dd data-testid="total-batches">{format::count(s.batches)}</dd>
                    <dt>"Records"</dt><dd data-testid="total-records">{format::count(s.received)}</dd>
                    <dt>"Input rate"</dt><dd>{format::rate(rate)}</dd>
                    <dt>"Last processing time"</dt><dd>{last.as_ref().map(|p| format::millis(p.processing_ms))}</dd>
                    <dt>"Last total delay"</dt><dd>{last.as_ref().map(|p| format::millis(p.total_delay_ms))}</dd>
                    <dt>"Malformed"</dt><dd data-testid="total-malformed">{format::count(s.malformed)}</dd>
                    <dt>"Dropped"</dt><dd>{format::count(s.dropped)}</dd>
                </dl>
            </section>
            {malformed}
        </main>
    })
}
