//! The listener bus between the stream's worker and the page: what the
//! page's listener holds after the events crossed as text equals what a
//! listener on the stream's own thread holds, for real engine runs on
//! seeded random records (escapes, Unicode, floats, pairs, event-time
//! windows), and a large output crosses cut to its first rows.

#![cfg(target_arch = "wasm32")]

mod common;

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use sparklet_dashboard::bus::{ListenerBus, ListenerEvent, OUTPUT_POSTED};
use sparklet_dashboard::listener::{BatchRecord, Listener, Status};
use sparklet_dashboard::runtime::ConnState;
use sparklet_dashboard::sink::{SinkFigures, Stored};
use sparklet_dashboard::stream::Reply;
use sparklet_engine::{Clock, PipelineRunner, Records};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

/// A clock that moves 0.25 ms a call.
#[derive(Default)]
struct Steps(Cell<f64>);

impl Clock for Steps {
    fn now_ms(&self) -> f64 {
        self.0.set(self.0.get() + 0.25);
        self.0.get()
    }
}

/// A small seeded generator (xorshift), so a failure replays.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const PATHS: [&str; 6] = ["/a", "/b\\\"q\\\"", "/ünï", "/😀", "/tab\\t", "/x"];

fn line(rng: &mut Rng, t0: i64) -> String {
    let path = PATHS[rng.below(PATHS.len() as u64) as usize];
    let ts = t0 + rng.below(9_000) as i64;
    match rng.below(3) {
        0 => format!(
            r#"{{"ts": {ts}, "path": "{path}", "v": {}}}"#,
            rng.below(100)
        ),
        1 => format!(
            r#"{{"ts": {ts}, "path": "{path}", "v": {}.5}}"#,
            rng.below(100)
        ),
        _ => format!(r#"{{"ts": {ts}, "path": "{path}"}}"#),
    }
}

/// Two listeners: one told on this thread, one through the worker's text.
fn pair_of_listeners() -> (ListenerBus, Rc<RefCell<Listener>>, Rc<RefCell<Listener>>) {
    let here = Rc::new(RefCell::new(Listener::default()));
    let there = Rc::new(RefCell::new(Listener::default()));
    let (h, t) = (here.clone(), there.clone());
    let bus = ListenerBus::new(Rc::new(move |events: Vec<ListenerEvent>| {
        let text = serde_json::to_string(&Reply::Events(events.clone())).unwrap();
        let Reply::Events(crossed) = serde_json::from_str(&text).unwrap() else {
            panic!("events cross as events")
        };
        let mut h = h.borrow_mut();
        events.into_iter().for_each(|e| h.on_event(e));
        let mut t = t.borrow_mut();
        crossed.into_iter().for_each(|e| t.on_event(e));
    }));
    (bus, here, there)
}

fn assert_same(a: &Listener, b: &Listener) {
    assert_eq!(a.batches(), b.batches());
    assert_eq!(a.latest_output(), b.latest_output());
    assert_eq!(a.event_totals, b.event_totals);
    assert_eq!(a.status, b.status);
    assert_eq!(
        (
            a.zero_ms,
            a.total_batches(),
            a.total_records(),
            a.started_wall_ms
        ),
        (
            b.zero_ms,
            b.total_batches(),
            b.total_records(),
            b.started_wall_ms
        )
    );
}

#[wasm_bindgen_test]
fn what_crosses_from_the_worker_is_what_the_stream_reported() {
    let pipelines = [
        "json | with_watermark .ts 2s | map (.path, .v) | event_window 3s 1s sum",
        "json | map (.path, .v) | reduce_by_key_and_window sum 3s 1s",
        "json | map .path | count_by_value",
        "json | map .v | filter . != null | count",
    ];
    for (seed, pipeline) in pipelines.iter().enumerate() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ seed as u64);
        let settings = common::settings("ws://127.0.0.1:1/feed/events".into(), pipeline, 1000);
        let mut runner = PipelineRunner::new(pipeline, settings.batch).unwrap();
        let clock = Steps::default();
        let (bus, here, there) = pair_of_listeners();
        let t0 = 1_764_000_000_000;
        bus.run_started(t0 as f64, t0 as u64);
        for k in 1..=25u64 {
            let n = rng.below(200);
            let mut lines: Vec<String> = (0..n)
                .map(|_| line(&mut rng, t0 + k as i64 * 1000))
                .collect();
            if rng.below(4) == 0 {
                lines.push("{not json".to_string());
            }
            let records: Records = lines.iter().map(String::as_str).collect();
            let report = runner.run_batch(records, k as f64 * 1000.0, &clock);
            let mut record = BatchRecord::new(
                report.info,
                1000,
                lines.iter().map(String::as_str),
                report.output.as_deref(),
                None,
                report.stages,
            );
            record.event = report.event;
            record.sink = (k % 3 == 0).then_some(Stored::Queued);
            bus.batch_completed(record, report.output);
            if k % 3 == 0 {
                bus.post(ListenerEvent::SinkStored {
                    number: k,
                    time_ms: t0 as u64 + k * 1000,
                    stored: Stored::Written,
                    figures: SinkFigures {
                        written: k / 3,
                        ..SinkFigures::default()
                    },
                });
            }
            let status = Status {
                settings: Some(settings.clone()),
                conn: Some(ConnState::Reconnecting {
                    reason: "dropped: \"1006\" ✂".into(),
                    retry_at_wall_ms: 1.5,
                }),
                received: k * 7,
                malformed: runner.malformed().count(),
                malformed_samples: runner.malformed().samples().cloned().collect(),
                state_bytes: runner.state_bytes(),
                restored_batches: Some(k),
                ..Status::default()
            };
            bus.post(ListenerEvent::Status(Box::new(status)));
            bus.flush();
        }
        let (a, b) = (here.borrow(), there.borrow());
        assert_eq!(a.total_batches(), 25, "{pipeline}");
        assert!(a.latest_output().is_some(), "{pipeline}: an output");
        assert_same(&a, &b);
        let totals = bus.totals();
        assert_eq!(
            (totals.batches, totals.records),
            (a.total_batches(), a.total_records()),
            "the stream's own totals agree with its listener's: {pipeline}"
        );
        assert!(
            !b.status.malformed_samples.is_empty(),
            "{pipeline}: bad JSON crossed"
        );
    }
}

#[wasm_bindgen_test]
fn a_restore_and_a_new_run_cross_too() {
    let (bus, here, there) = pair_of_listeners();
    bus.run_started(10.0, 1000);
    bus.run_restored(40, 12_345, Some((3, 17)), 5000);
    bus.flush();
    assert_same(&here.borrow(), &there.borrow());
    assert_eq!(there.borrow().total_batches(), 40);
    assert_eq!(there.borrow().event_totals.as_ref().unwrap().late_rows, 17);
    assert_eq!(bus.totals().late_rows, 17);
    bus.run_started(20.0, 2000);
    bus.flush();
    assert_same(&here.borrow(), &there.borrow());
    assert_eq!(
        there.borrow().total_batches(),
        0,
        "a new run forgets the old"
    );
    assert_eq!(there.borrow().zero_ms, 2000);
}

#[wasm_bindgen_test]
fn an_output_of_a_row_per_key_crosses_as_its_first_rows_and_its_count() {
    let pipeline = "map (., 1) | reduce_by_key sum";
    let mut runner =
        PipelineRunner::new(pipeline, sparklet_engine::Duration::from_millis(1000)).unwrap();
    let lines: Vec<String> = (0..OUTPUT_POSTED + 500).map(|i| format!("k{i}")).collect();
    let records: Records = lines.iter().map(String::as_str).collect();
    let report = runner.run_batch(records, 1000.0, &Steps::default());
    let record = BatchRecord::new(
        report.info,
        1000,
        lines.iter().map(String::as_str),
        report.output.as_deref(),
        None,
        report.stages,
    );
    let (bus, _, there) = pair_of_listeners();
    bus.batch_completed(record, report.output);
    bus.flush();
    let l = there.borrow();
    assert_eq!(l.last().unwrap().output_len, Some(OUTPUT_POSTED + 500));
    assert_eq!(l.latest_output().unwrap().1.len(), OUTPUT_POSTED);
}
