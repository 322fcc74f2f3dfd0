//! Every view of the dashboard mounted in headless Chrome with the reports
//! of a real engine run: the numbers on the page are the reports' numbers,
//! a click on a timeline opens that batch, the editor points at the
//! mistake, and feed data stays text.

#![cfg(target_arch = "wasm32")]

mod common;

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use leptos::prelude::*;
use sparklet_dashboard::listener::{BatchRecord, LatencyFrom, Listener, Status};
use sparklet_dashboard::runtime::ConnState;
use sparklet_dashboard::ui::batches::Batches;
use sparklet_dashboard::ui::board::Board;
use sparklet_dashboard::ui::controls::{Form, SettingsForm};
use sparklet_dashboard::ui::detail::Detail;
use sparklet_dashboard::ui::errors::Errors;
use sparklet_dashboard::ui::format;
use sparklet_dashboard::ui::latency::Latency;
use sparklet_dashboard::ui::results::Results;
use sparklet_dashboard::ui::statistics::Statistics;
use sparklet_engine::latency::LatencySummary;
use sparklet_engine::{Clock, MalformedSample, PipelineRunner, Records};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

/// A clock that answers from a script: a batch's start at its first
/// call, then its end (so its stages take no time).
#[derive(Default)]
struct Script {
    start_end: Cell<(f64, f64)>,
    started: Cell<bool>,
}

impl Script {
    fn batch(&self, start: f64, end: f64) {
        self.start_end.set((start, end));
        self.started.set(false);
    }
}

impl Clock for Script {
    fn now_ms(&self) -> f64 {
        let (start, end) = self.start_end.get();
        match self.started.replace(true) {
            false => start,
            true => end,
        }
    }
}

const BATCHES: u64 = 30;

/// A listener fed by a real engine run: 30 one-second batches of word
/// lines through the default word count, with scripted delays.
fn listener() -> Listener {
    let settings = common::settings(
        "ws://127.0.0.1:1/feed/words".into(),
        "split | lower | count_by_value_and_window 10s | top 10",
        1000,
    );
    let mut runner = PipelineRunner::new(&settings.pipeline, settings.batch).unwrap();
    let clock = Script::default();
    let mut l = Listener::new(1_764_000_000_000.0);
    for k in 1..=BATCHES {
        let lines: Vec<String> = (0..k)
            .map(|i| {
                format!(
                    "Spark stream{} batch <b>{}</b>",
                    i % 3,
                    if k % 2 == 0 { "even" } else { "odd" }
                )
            })
            .collect();
        let records: Records = lines.iter().map(String::as_str).collect();
        let due = k as f64 * 1000.0;
        // Scheduling delay k ms, processing 10k ms.
        clock.batch(due + k as f64, due + k as f64 + 10.0 * k as f64);
        let report = runner.run_batch(records, due, &clock);
        let mut samples = vec![(5.0 * k as f64, 1u64), (50.0, 1)];
        let lat = LatencySummary::of(&mut samples).map(|s| (LatencyFrom::Arrival, s));
        let record = BatchRecord::new(
            report.info,
            1000,
            lines.iter().map(String::as_str),
            report.output.as_deref(),
            lat,
            report.stages,
        );
        l.on_batch_completed(record, report.output);
    }
    l.status = Status {
        settings: Some(settings),
        conn: Some(ConnState::Live),
        received: (1..=BATCHES).sum(),
        malformed: 1,
        malformed_samples: vec![MalformedSample {
            reason: "invalid JSON: expected value".into(),
            record: "<img src=x onerror=alert(1)>".into(),
        }],
        ..Status::default()
    };
    l
}

/// Mounts `view` in a fresh element of the page and returns the element.
fn mount<V: IntoView + 'static>(view: impl FnOnce() -> V + 'static) -> web_sys::HtmlElement {
    let doc = web_sys::window().unwrap().document().unwrap();
    let host: web_sys::HtmlElement = doc.create_element("div").unwrap().dyn_into().unwrap();
    host.style().set_property("width", "1200px").unwrap();
    doc.body().unwrap().append_child(&host).unwrap();
    std::mem::forget(leptos::mount::mount_to(host.clone(), view));
    host
}

async fn settle() {
    gloo_timers::future::TimeoutFuture::new(30).await;
}

fn text(host: &web_sys::HtmlElement, testid: &str) -> String {
    host.query_selector(&format!("[data-testid='{testid}']"))
        .unwrap()
        .unwrap_or_else(|| panic!("no [data-testid={testid}]"))
        .text_content()
        .unwrap_or_default()
}

fn count(host: &web_sys::HtmlElement, css: &str) -> u32 {
    host.query_selector_all(css).unwrap().length()
}

fn board() -> (Board, Rc<RefCell<Listener>>) {
    let l = Rc::new(RefCell::new(listener()));
    (Board::new(l.clone()), l)
}

#[wasm_bindgen_test]
async fn statistics_show_the_reports_averages_and_a_click_opens_that_batch() {
    let (board, l) = board();
    let host = mount(move || view! { <Statistics board /> <Detail board /> });
    settle().await;
    let l = l.borrow().clone();
    let mean = |f: fn(&BatchRecord) -> f64| {
        l.batches().iter().map(f).sum::<f64>() / l.batches().len() as f64
    };
    assert_eq!(
        text(&host, "avg-processing-time"),
        format::millis(mean(|b| b.info.processing_ms))
    );
    assert_eq!(
        text(&host, "avg-scheduling-delay"),
        format::millis(mean(|b| b.info.scheduling_delay_ms))
    );
    assert_eq!(
        text(&host, "avg-total-delay"),
        format::millis(mean(|b| b.info.total_delay_ms))
    );
    assert_eq!(
        text(&host, "avg-input-rate"),
        format!(
            "{} records/s",
            format::number(mean(|b| b.input_rate).round())
        )
    );
    assert_eq!(
        l.batches()[4].info.processing_ms,
        50.0,
        "the scripted clock"
    );
    assert_eq!(count(&host, "[data-testid^='histogram-']"), 4);

    // Click where batch 7 is drawn on the processing-time timeline.
    let svg = host
        .query_selector("[data-testid='timeline-processing-time']")
        .unwrap()
        .unwrap();
    let attr = |n: &str| svg.get_attribute(n).unwrap().parse::<f64>().unwrap();
    let (x0, x1, left, right, width) = (
        attr("data-x0"),
        attr("data-x1"),
        attr("data-left"),
        attr("data-right"),
        attr("data-width"),
    );
    let rect = svg.get_bounding_client_rect();
    let t = l.batch(7).unwrap().info.time_ms as f64 / 1000.0;
    let x_units = left + (t - x0) / (x1 - x0) * (width - left - right);
    let init = web_sys::MouseEventInit::new();
    init.set_client_x((rect.left() + x_units * rect.width() / width).round() as i32);
    init.set_client_y((rect.top() + rect.height() / 2.0) as i32);
    init.set_bubbles(true);
    let click = web_sys::MouseEvent::new_with_mouse_event_init_dict("click", &init).unwrap();
    svg.dispatch_event(&click).unwrap();
    settle().await;
    assert_eq!(board.selected.get_untracked(), Some(7));
    assert_eq!(text(&host, "detail-title"), "Batch 7");
    assert_eq!(text(&host, "detail-records"), "7");
    let input = text(&host, "detail-input");
    assert!(
        input.contains("Spark stream0 batch <b>odd</b>"),
        "input shown as text: {input}"
    );
}

#[wasm_bindgen_test]
async fn the_batch_table_lists_the_newest_reports_with_their_figures() {
    let (board, l) = board();
    let host = mount(move || view! { <Batches board /> });
    settle().await;
    let rows = host
        .query_selector_all("[data-testid='batch-row']")
        .unwrap();
    assert_eq!(rows.length(), 25, "a page of 25 of the 30 batches");
    let first: web_sys::Element = rows.get(0).unwrap().dyn_into().unwrap();
    assert_eq!(first.get_attribute("data-batch").as_deref(), Some("30"));
    let cells: Vec<String> = (0..7)
        .map(|i| {
            first
                .query_selector_all("td")
                .unwrap()
                .get(i)
                .unwrap()
                .text_content()
                .unwrap()
        })
        .collect();
    let newest = l.borrow().last().unwrap().clone();
    assert_eq!(cells[1], "30");
    assert_eq!(cells[2], format::millis(newest.info.scheduling_delay_ms));
    assert_eq!(cells[3], format::millis(newest.info.processing_ms));
    assert_eq!(cells[4], format::millis(newest.info.total_delay_ms));
    assert_eq!(cells[5], newest.output_len.unwrap().to_string());
}

#[wasm_bindgen_test]
async fn results_show_bars_and_a_searchable_table_of_every_key() {
    let (board, _) = board();
    let host = mount(move || view! { <Results board /> });
    settle().await;
    assert!(text(&host, "results-title").starts_with("Results at 30.0 s"));
    // The window holds "spark", "stream0..2", "batch", "<b>even</b>", "<b>odd</b>".
    assert_eq!(count(&host, "[data-testid='bar']"), 7);
    let table = text(&host, "keys-table");
    assert!(
        table.contains("<b>odd</b>"),
        "keys are text, not markup: {table}"
    );
    assert_eq!(
        count(&host, "[data-testid='keys-table'] b"),
        0,
        "no element was made from feed data"
    );
    let search: web_sys::HtmlInputElement = host
        .query_selector("[data-testid='results-search']")
        .unwrap()
        .unwrap()
        .dyn_into()
        .unwrap();
    search.set_value("stream");
    search
        .dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
    settle().await;
    assert_eq!(count(&host, "[data-testid='keys-table'] tbody tr"), 3);
}

#[wasm_bindgen_test]
async fn latency_and_errors_show_their_figures_and_data_stays_text() {
    let (board, l) = board();
    let host = mount(move || view! { <Latency board /> <Errors board /> });
    settle().await;
    let last = l.borrow().last().unwrap().latency.clone().unwrap().1;
    assert_eq!(text(&host, "latency-p50"), format::millis(last.p50));
    assert_eq!(text(&host, "latency-p99"), format::millis(last.p99));
    assert!(text(&host, "latency-source").contains("arrival in the page"));
    assert_eq!(text(&host, "total-malformed"), "1");
    let shown = text(&host, "malformed");
    assert!(shown.contains("<img src=x onerror=alert(1)>"), "{shown}");
    assert_eq!(
        count(&host, "[data-testid='malformed'] img"),
        0,
        "the payload never became an element"
    );
}

#[wasm_bindgen_test]
async fn the_editor_points_at_the_mistake_as_one_types() {
    let settings = listener().status.settings.unwrap();
    let form = Form::new(&settings);
    let host = mount(
        move || view! { <SettingsForm form feed_base="ws://127.0.0.1:1".to_string() on_apply=|_| {} /> },
    );
    settle().await;
    let input: web_sys::HtmlInputElement = host
        .query_selector("[data-testid='pipeline-input']")
        .unwrap()
        .unwrap()
        .dyn_into()
        .unwrap();
    input.set_value("split | lower | windw 10s");
    input
        .dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
    settle().await;
    let error = text(&host, "pipeline-error");
    assert!(
        error.contains("stage 3 `windw`, column 17: unknown operator; did you mean `window`?"),
        "{error}"
    );
    let caret = host
        .query_selector(".caret")
        .unwrap()
        .unwrap()
        .text_content()
        .unwrap();
    assert_eq!(
        caret,
        format!("{}^^^^^", " ".repeat(16)),
        "the caret sits under `windw`"
    );
    input.set_value("split | lower | window 10s");
    input
        .dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
    settle().await;
    assert_eq!(count(&host, "[data-testid='pipeline-error']"), 0);
}

#[wasm_bindgen_test]
async fn a_panic_banner_is_text_across_the_page() {
    sparklet_dashboard::panic::show("index out of bounds <img src=x onerror=alert(1)>");
    let doc = web_sys::window().unwrap().document().unwrap();
    let banner = doc
        .query_selector("[data-testid='panic']")
        .unwrap()
        .expect("a banner");
    let text = banner.text_content().unwrap();
    assert!(
        text.starts_with("Sparklet hit a bug and stopped updating this page. Reload"),
        "{text}"
    );
    assert!(text.ends_with("<img src=x onerror=alert(1)>"));
    assert_eq!(banner.query_selector("img").unwrap(), None);
}
