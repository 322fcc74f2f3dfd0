//! Leptos idioms that a user never sees until they break: what a view
//! starts it stops (page listeners and the JS API go with their owner),
//! keyed lists keep the rows a batch did not change, and results are
//! ranked once, by `top` or where the page receives the batch.

#![cfg(target_arch = "wasm32")]

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use leptos::prelude::*;
use sparklet_dashboard::api;
use sparklet_dashboard::listener::{BatchRecord, Listener};
use sparklet_dashboard::ranking::rank_output;
use sparklet_dashboard::ui::batches::Batches;
use sparklet_dashboard::ui::board::Board;
use sparklet_dashboard::ui::hooks::{keep_until_cleanup, use_event_listener};
use sparklet_dashboard::ui::results::Results;
use sparklet_engine::{BatchInfo, Duration, Pipeline, Value};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

fn host() -> web_sys::HtmlElement {
    let doc = web_sys::window().unwrap().document().unwrap();
    let host: web_sys::HtmlElement = doc.create_element("div").unwrap().dyn_into().unwrap();
    doc.body().unwrap().append_child(&host).unwrap();
    host
}

/// Mounts `view` for the rest of the test run; returns its element.
fn mounted<V: IntoView + 'static>(view: impl FnOnce() -> V + 'static) -> web_sys::HtmlElement {
    let host = host();
    std::mem::forget(leptos::mount::mount_to(host.clone(), view));
    host
}

async fn settle() {
    gloo_timers::future::TimeoutFuture::new(30).await;
}

fn pairs(rows: &[(&str, i64)]) -> Vec<Value> {
    rows.iter()
        .map(|(k, v)| Value::pair(Value::str(k), Value::Int(*v)))
        .collect()
}

/// Batch `n` of 1 s with `output`, as the runtime records it.
fn complete(l: &mut Listener, n: u64, output: Vec<Value>) {
    let info = BatchInfo {
        batch: n,
        time_ms: n * 1000,
        records: n,
        scheduling_delay_ms: 1.0,
        processing_ms: 2.0,
        total_delay_ms: 3.0,
        malformed: 0,
        evicted: 0,
    };
    let record = BatchRecord::new(
        info,
        1000,
        std::iter::empty(),
        Some(&output),
        None,
        Vec::new(),
    );
    l.on_batch_completed(record, Some(output));
}

fn rows(host: &web_sys::HtmlElement, css: &str) -> Vec<web_sys::Element> {
    let list = host.query_selector_all(css).unwrap();
    (0..list.length())
        .map(|i| list.get(i).unwrap().dyn_into().unwrap())
        .collect()
}

#[wasm_bindgen_test]
async fn a_page_listener_is_removed_when_its_view_unmounts() {
    let host = host();
    let heard = Rc::new(Cell::new(0));
    let target: web_sys::EventTarget = host.clone().into();
    let (count, on) = (heard.clone(), target.clone());
    let handle = leptos::mount::mount_to(host.clone(), move || {
        use_event_listener(&on, "ping", move |_| count.set(count.get() + 1));
        view! { <p>"listening"</p> }
    });
    let ping = || {
        target
            .dispatch_event(&web_sys::Event::new("ping").unwrap())
            .unwrap()
    };
    ping();
    assert_eq!(heard.get(), 1);
    drop(handle);
    ping();
    assert_eq!(heard.get(), 1, "the listener went with its view");
}

#[wasm_bindgen_test]
async fn the_js_api_lives_as_long_as_its_owner() {
    let window = web_sys::window().unwrap();
    let sparklet = || js_sys::Reflect::get(&window, &"sparklet".into()).unwrap();
    let handle = leptos::mount::mount_to(host(), move || {
        keep_until_cleanup(api::install(Rc::default()).expect("a window"));
        view! { <p>"api"</p> }
    });
    let stats: js_sys::Function = js_sys::Reflect::get(&sparklet(), &"stats".into())
        .unwrap()
        .dyn_into()
        .expect("stats() is a function");
    assert_eq!(
        stats.call0(&JsValue::NULL).unwrap(),
        JsValue::NULL,
        "no stream yet"
    );
    drop(handle);
    assert!(
        sparklet().is_undefined(),
        "window.sparklet went with the app"
    );
}

#[wasm_bindgen_test]
async fn a_new_batch_adds_its_row_and_keeps_the_others() {
    let l = Rc::new(RefCell::new(Listener::new(1_764_000_000_000.0)));
    for n in 1..=30 {
        complete(&mut l.borrow_mut(), n, pairs(&[("a", n as i64)]));
    }
    let board = Board::new(l.clone());
    let host = mounted(move || view! { <Batches board /> });
    settle().await;
    let before = rows(&host, "[data-testid='batch-row']");
    assert_eq!(before[0].get_attribute("data-batch").as_deref(), Some("30"));
    complete(&mut l.borrow_mut(), 31, pairs(&[("a", 31)]));
    board.refresh();
    settle().await;
    let after = rows(&host, "[data-testid='batch-row']");
    assert_eq!(after.len(), 25, "still a page");
    assert_eq!(after[0].get_attribute("data-batch").as_deref(), Some("31"));
    for (old, new) in before[..24].iter().zip(&after[1..]) {
        assert!(
            old.is_same_node(Some(new)),
            "batch {:?} was redrawn",
            old.get_attribute("data-batch")
        );
    }
}

#[wasm_bindgen_test]
async fn a_changed_key_replaces_its_row_only() {
    let l = Rc::new(RefCell::new(Listener::new(0.0)));
    complete(
        &mut l.borrow_mut(),
        1,
        pairs(&[("a", 5), ("b", 3), ("c", 1)]),
    );
    let board = Board::new(l.clone());
    let host = mounted(move || view! { <Results board /> });
    settle().await;
    let css = "[data-testid='keys-table'] tbody tr";
    let before = rows(&host, css);
    assert_eq!(before.len(), 3);
    complete(
        &mut l.borrow_mut(),
        2,
        pairs(&[("a", 5), ("b", 4), ("c", 1)]),
    );
    board.refresh();
    settle().await;
    let after = rows(&host, css);
    let text: Vec<String> = after.iter().map(|r| r.text_content().unwrap()).collect();
    assert_eq!(text, ["a5", "b4", "c1"]);
    assert!(before[0].is_same_node(Some(&after[0])), "a kept its row");
    assert!(
        !before[1].is_same_node(Some(&after[1])),
        "b changed: a new row"
    );
    assert!(before[2].is_same_node(Some(&after[2])), "c kept its row");
}

#[wasm_bindgen_test]
fn hash_order_is_ranked_once_and_top_is_left_as_it_came() {
    let second = Duration::from_millis(1000);
    let unranked = pairs(&[("c", 1), ("b", 3), ("a", 3), ("d", 9)]);
    let counts = Pipeline::new("count_by_value", second).unwrap();
    let mut out = unranked.clone();
    rank_output(&counts, &mut out);
    assert_eq!(
        out,
        pairs(&[("d", 9), ("a", 3), ("b", 3), ("c", 1)]),
        "largest first, ties by key"
    );
    // `top` ranked it in the engine: the page takes it as it is.
    let top = Pipeline::new("count_by_value | top 4", second).unwrap();
    let mut out = unranked.clone();
    rank_output(&top, &mut out);
    assert_eq!(out, unranked);
}
