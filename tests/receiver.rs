//! The receiver against a real `sparklet feed`: every record arrives, once,
//! and the feed's normal end reads as one.

#![cfg(target_arch = "wasm32")]

mod common;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use sparklet_dashboard::receiver::{Close, Event, Receiver};
use sparklet_engine::{Malformed, PendingBuffer};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

#[derive(Default)]
struct Seen {
    pending: Option<PendingBuffer>,
    malformed: Malformed,
    opened: bool,
    closed: Option<Close>,
    hello: Option<sparklet_engine::hello::FeedHello>,
    last_arrival: f64,
    arrivals_in_order: bool,
}

/// Reports every event into `seen`.
fn handler(seen: Rc<RefCell<Seen>>) -> sparklet_dashboard::receiver::Handler {
    let s = seen;
    Rc::new(move |ev: Event, at: f64| {
        let mut s = s.borrow_mut();
        s.arrivals_in_order &= at >= s.last_arrival;
        s.last_arrival = at;
        let Seen {
            pending, malformed, ..
        } = &mut *s;
        let pending = pending.as_mut().unwrap();
        match ev {
            Event::Open => s.opened = true,
            Event::Hello(h) => s.hello = Some(h),
            Event::Text(t) => pending.push_text(t, at, malformed),
            Event::Binary(b) => pending.push_binary(b, at, malformed),
            Event::Refused { bytes, records } => pending.refuse_frame(bytes, records),
            Event::Notice(n) => pending.skip_records(n.skipped),
            Event::Closed(close) => s.closed = Some(close),
            Event::Error => {}
        }
    })
}

#[wasm_bindgen_test]
async fn receives_every_record_of_a_limited_feed_and_its_normal_close() {
    let seen = Rc::new(RefCell::new(Seen {
        pending: Some(PendingBuffer::new(64 << 20)),
        arrivals_in_order: true,
        ..Seen::default()
    }));
    let url = common::feed("/feed/words?rate=0&limit=20000&seed=3&frame=250");
    let _receiver =
        Receiver::connect(&url, handler(seen.clone()), 64 << 20).expect("the URL is valid");
    assert!(
        common::until(20_000, || seen.borrow().closed.is_some()).await,
        "feed never closed"
    );

    let truth = common::truth("seed=3&limit=20000").await;
    let mut s = seen.borrow_mut();
    assert!(s.opened);
    assert_eq!(
        s.hello.map(|h| (h.resume, h.from)),
        Some((true, Some(0))),
        "the demo feed says it resumes, and where it starts"
    );
    assert!(
        matches!(&s.closed, Some(Close::Ended(why)) if why.contains("code 1000")),
        "a feed that reached its limit closes with 1000, its normal end: {:?}",
        s.closed
    );
    assert!(s.arrivals_in_order, "arrival stamps never go backwards");
    let pending = s.pending.as_mut().unwrap();
    let c = pending.counters();
    assert_eq!(c.records, 20_000);
    assert_eq!(c.frames, 80, "20,000 records in frames of 250");
    assert_eq!(c.dropped, 0);
    assert!(c.bytes > 20_000);

    let records = pending.take_until(f64::INFINITY).records;
    let mut counts: BTreeMap<String, i64> = BTreeMap::new();
    for word in records.iter().flat_map(str::split_whitespace) {
        *counts.entry(word.to_string()).or_default() += 1;
    }
    assert_eq!(counts, truth);
}

#[wasm_bindgen_test]
async fn frames_over_the_limit_are_refused_unread_and_their_records_counted() {
    let seen = Rc::new(RefCell::new(Seen {
        pending: Some(PendingBuffer::new(64 << 20)),
        ..Seen::default()
    }));
    // Frames of 2,000 records are about 80 KB; the limit is 20 KB.
    let url = common::feed("/feed/words?rate=0&limit=20000&seed=4&frame=2000");
    let _receiver =
        Receiver::connect(&url, handler(seen.clone()), 20_000).expect("the URL is valid");
    assert!(
        common::until(20_000, || seen.borrow().closed.is_some()).await,
        "feed never closed"
    );
    let mut s = seen.borrow_mut();
    let pending = s.pending.as_mut().unwrap();
    let c = pending.counters();
    assert_eq!(c.frames, 10, "every frame is counted");
    assert_eq!(
        (c.records, c.lines, c.dropped),
        (20_000, 20_000, 20_000),
        "every record counted, all of them dropped: resume stays exact"
    );
    assert!(c.bytes > 20_000 * 10, "{} bytes", c.bytes);
    assert!(pending.take_until(f64::INFINITY).records.is_empty());
}

#[wasm_bindgen_test]
fn a_url_the_browser_refuses_is_an_error_not_a_panic() {
    let refused = Receiver::connect("ftp://example.com/", Rc::new(|_, _| {}), 1 << 20);
    let err = refused
        .err()
        .expect("the browser refuses ftp:// sockets")
        .to_string();
    assert!(
        err.starts_with("cannot open `ftp://example.com/`: "),
        "{err}"
    );
    assert!(
        err.contains("scheme"),
        "the browser's reason is kept: {err}"
    );
}

/// An HTTP URL that answers, but not with a feed: the content type is
/// named, and the receiver does not call it a drop to retry.
#[wasm_bindgen_test]
async fn an_http_answer_that_is_not_a_feed_is_unusable_naming_its_content_type() {
    let seen = Rc::new(RefCell::new(Seen {
        pending: Some(PendingBuffer::new(1 << 20)),
        ..Seen::default()
    }));
    let url = common::feed("/feed/words/truth?seed=1&limit=10").replacen("ws://", "http://", 1);
    let _receiver = Receiver::connect(&url, handler(seen.clone()), 1 << 20).expect("a URL");
    assert!(
        common::until(10_000, || seen.borrow().closed.is_some()).await,
        "no answer"
    );
    let s = seen.borrow();
    let Some(Close::Unusable(why)) = &s.closed else {
        panic!("{:?}", s.closed)
    };
    assert!(why.contains("content type `application/json`"), "{why}");
    assert!(!s.opened, "not a feed, so never open");
}

#[wasm_bindgen_test]
async fn an_http_feed_where_nothing_answers_is_a_drop_to_retry() {
    let seen = Rc::new(RefCell::new(Seen {
        pending: Some(PendingBuffer::new(1 << 20)),
        ..Seen::default()
    }));
    let _receiver = Receiver::connect("http://127.0.0.1:9/feed", handler(seen.clone()), 1 << 20)
        .expect("a URL");
    assert!(
        common::until(10_000, || seen.borrow().closed.is_some()).await,
        "no answer"
    );
    let s = seen.borrow();
    let Some(Close::Dropped(why)) = &s.closed else {
        panic!("{:?}", s.closed)
    };
    assert!(why.starts_with("could not connect"), "{why}");
    assert!(why.contains("Access-Control-Allow-Origin"), "{why}");
}
