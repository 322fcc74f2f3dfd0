//! When a reconnect counts as resumed: learned from the feed's hello, not
//! from where the feed runs; a gap otherwise, and a restored run dropped
//! when its feed starts anywhere but the checkpoint's offset.

#![cfg(target_arch = "wasm32")]

use sparklet_dashboard::resume::{ResumeCheck, Verdict};
use sparklet_engine::hello::FeedHello;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

const DROP: f64 = 1_000.0;

fn hello(from: Option<u64>) -> Option<FeedHello> {
    Some(FeedHello { resume: true, from })
}

/// A drop, a reconnect asking for `asked`, then `first` as its first message.
fn after_drop(
    check: &mut ResumeCheck,
    asked: Option<u64>,
    first: Option<FeedHello>,
    forced: Option<bool>,
) -> Verdict {
    check.connecting(asked);
    check.opened(Some(DROP));
    assert!(check.first());
    assert!(!check.first(), "only the first message is the first");
    check.first_message(first, forced, 500)
}

#[wasm_bindgen_test]
fn a_feed_that_says_it_resumes_and_starts_where_asked_loses_nothing() {
    let mut check = ResumeCheck::default();
    let v = after_drop(&mut check, Some(500), hello(Some(500)), None);
    assert_eq!(
        v,
        Verdict {
            gap_from: None,
            restore_failed: false
        }
    );
    assert!(check.feed_resumes);
    // A hello without `from`: what was asked is taken as given.
    let v = after_drop(&mut check, Some(500), hello(None), None);
    assert_eq!(v.gap_from, None);
}

#[wasm_bindgen_test]
fn no_hello_a_hello_elsewhere_or_resume_off_leave_a_gap() {
    let mut check = ResumeCheck::default();
    let v = after_drop(&mut check, None, None, None);
    assert_eq!(v.gap_from, Some(DROP), "no hello: data first");
    assert!(!check.feed_resumes);
    let v = after_drop(&mut check, Some(500), hello(Some(0)), None);
    assert_eq!(v.gap_from, Some(DROP), "started at 0, not 500");
    let v = after_drop(&mut check, Some(500), hello(Some(0)), Some(true));
    assert_eq!(v.gap_from, Some(DROP), "resume=1 still believes the hello");
    let v = after_drop(&mut check, Some(500), None, Some(true));
    assert_eq!(v.gap_from, None, "resume=1 takes a silent feed at its word");
    let v = after_drop(&mut check, None, hello(Some(500)), Some(false));
    assert_eq!(v.gap_from, Some(DROP), "resume=0");
}

#[wasm_bindgen_test]
fn a_connection_that_closes_without_a_word_leaves_the_drop_to_the_next() {
    let mut check = ResumeCheck::default();
    check.connecting(Some(500));
    check.opened(Some(DROP));
    assert_eq!(check.closed(), Some(DROP));
    assert_eq!(check.closed(), None);
}

#[wasm_bindgen_test]
fn a_restored_run_is_kept_only_if_its_feed_confirms_the_offset() {
    let mut check = ResumeCheck::restoring(true);
    check.connecting(Some(500));
    check.opened(None);
    assert!(check.first());
    let v = check.first_message(hello(Some(500)), None, 500);
    assert_eq!(
        v,
        Verdict {
            gap_from: None,
            restore_failed: false
        }
    );

    let mut check = ResumeCheck::restoring(true);
    check.connecting(Some(500));
    check.opened(None);
    assert!(check.first());
    let v = check.first_message(None, None, 500);
    assert!(
        v.restore_failed,
        "a feed that says nothing may have ignored from="
    );
    // Only the first connection of the run decides.
    let v = after_drop(&mut check, Some(500), None, None);
    assert!(!v.restore_failed);
}
