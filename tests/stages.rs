//! The Stages view in headless Chrome, fed by a real engine run: one box
//! per pipeline stage, in order, showing the figures the engine reported
//! for the last batch, and the stage with the largest recent time marked
//! as the slowest (and only it).

#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::*;
use sparklet_dashboard::listener::{BatchRecord, Listener};
use sparklet_dashboard::ui::board::Board;
use sparklet_dashboard::ui::format;
use sparklet_dashboard::ui::stages::{Stages, RECENT};
use sparklet_engine::{Clock, Duration, PipelineRunner, Records};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

/// A clock that advances 1 ms per reading: every stage takes some time.
struct Ticks(std::cell::Cell<f64>);

impl Clock for Ticks {
    fn now_ms(&self) -> f64 {
        self.0.set(self.0.get() + 1.0);
        self.0.get()
    }
}

/// `batches` batches of the events-like pipeline through a real runner;
/// `slow(k, i)` adds time to stage `i` of batch `k`.
fn run(batches: u64, slow: impl Fn(u64, usize) -> f64) -> Listener {
    let pipeline =
        "json | filter .level == \"error\" | map (.path, 1) | reduce_by_key_and_window sum 3s";
    let mut runner = PipelineRunner::new(pipeline, Duration::from_secs(1)).unwrap();
    let clock = Ticks(std::cell::Cell::new(0.0));
    let mut l = Listener::new(0.0);
    for k in 1..=batches {
        let lines: Vec<String> = (0..k * 3)
            .map(|i| {
                let level = if i % 3 == 0 { "error" } else { "info" };
                format!(r#"{{"path":"/p{}","level":"{level}"}}"#, i % 4)
            })
            .collect();
        let records: Records = lines.iter().map(String::as_str).collect();
        let mut report = runner.run_batch(records, k as f64 * 1000.0, &clock);
        for (i, s) in report.stages.iter_mut().enumerate() {
            s.ms += slow(k, i);
        }
        let record = BatchRecord::new(
            report.info,
            1000,
            lines.iter().map(String::as_str),
            report.output.as_deref(),
            None,
            report.stages,
        );
        l.on_batch_completed(record, report.output);
    }
    l
}

fn mount(l: Listener) -> web_sys::HtmlElement {
    let board = Board::new(Rc::new(RefCell::new(l)));
    let doc = web_sys::window().unwrap().document().unwrap();
    let host: web_sys::HtmlElement = doc.create_element("div").unwrap().dyn_into().unwrap();
    doc.body().unwrap().append_child(&host).unwrap();
    std::mem::forget(leptos::mount::mount_to(
        host.clone(),
        move || view! { <Stages board /> },
    ));
    host
}

fn texts(host: &web_sys::HtmlElement, testid: &str) -> Vec<String> {
    let all = host
        .query_selector_all(&format!("[data-testid='{testid}']"))
        .unwrap();
    (0..all.length())
        .map(|i| all.item(i).unwrap().text_content().unwrap_or_default())
        .collect()
}

async fn settle() {
    gloo_timers::future::TimeoutFuture::new(30).await;
}

#[wasm_bindgen_test]
async fn each_stage_shows_the_engines_figures_for_the_last_batch() {
    let l = run(6, |_, _| 0.0);
    let last = l.last().unwrap().stages.clone();
    let host = mount(l);
    settle().await;
    let names: Vec<String> = last.iter().map(|s| s.name.clone()).collect();
    assert_eq!(
        names,
        [
            "json",
            "filter .level == \"error\"",
            "map (.path, 1)",
            "reduce_by_key_and_window sum 3s"
        ]
    );
    assert_eq!(texts(&host, "stage-name"), names);
    let count = |f: fn(&sparklet_engine::dstream::StageFigures) -> u64| {
        last.iter().map(|s| format::count(f(s))).collect::<Vec<_>>()
    };
    assert_eq!(texts(&host, "stage-in"), count(|s| s.records_in));
    assert_eq!(texts(&host, "stage-out"), count(|s| s.records_out));
    // The last batch had 18 lines, 6 of them errors, on 4 paths... of
    // which the 3 s window holds every path.
    assert_eq!(last[0].records_in, 18);
    assert_eq!(last[1].records_out, 6);
    assert_eq!(last[3].records_out, 4);
}

#[wasm_bindgen_test]
async fn the_stage_slowest_over_recent_batches_is_marked() {
    // Stage 2 is slow in the recent batches, stage 0 long before them and
    // in the very last batch only: the recent average decides.
    let batches = RECENT as u64 + 10;
    let l = run(batches, |k, i| match (k, i) {
        (k, 0) if k <= 10 || k == batches => 50.0,
        (k, 2) if k > 10 => 20.0,
        _ => 0.0,
    });
    let host = mount(l);
    settle().await;
    let marked = host
        .query_selector_all("[data-testid='stage'][data-slowest='true']")
        .unwrap();
    assert_eq!(marked.length(), 1);
    let name = marked.item(0).unwrap().text_content().unwrap_or_default();
    assert!(name.starts_with("map (.path, 1)"), "{name}");
}
