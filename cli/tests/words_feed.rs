//! The words feed as a client sees it: counts, resumption, framing, pacing,
//! and agreement with the truth endpoint.

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use common::{connect, fetch_feed, get_json, receive_all, send_text, start};
use futures_util::StreamExt;
use tokio_tungstenite::tungstenite::Message;

#[tokio::test]
async fn sends_exactly_limit_records_then_closes_normally() {
    let addr = start(None).await;
    let got = fetch_feed(addr, "/feed/words?rate=0&limit=1234&seed=3").await;
    let records = got.records();
    assert_eq!(records.len(), 1234);
    assert_eq!(got.close_code, Some(1000));
    assert!(records.iter().all(|r| !r.is_empty()));
    // The first word is capitalised, the rest lower case: `lower` matters.
    assert!(records
        .iter()
        .all(|r| r.starts_with(|c: char| c.is_ascii_uppercase())));
    let words: Vec<&str> = records.iter().flat_map(|r| r.split(' ')).collect();
    assert!(words
        .iter()
        .any(|w| w.chars().all(|c| c.is_ascii_lowercase())));
}

#[tokio::test]
async fn limit_zero_closes_at_once() {
    let addr = start(None).await;
    let got = fetch_feed(addr, "/feed/words?limit=0").await;
    assert!(got.frames.is_empty());
    assert_eq!(got.close_code, Some(1000));
}

#[tokio::test]
async fn the_same_seed_gives_the_same_records_and_another_seed_others() {
    let addr = start(None).await;
    let a = fetch_feed(addr, "/feed/words?rate=0&limit=50&seed=11")
        .await
        .records();
    let b = fetch_feed(addr, "/feed/words?rate=0&limit=50&seed=11")
        .await
        .records();
    let c = fetch_feed(addr, "/feed/words?rate=0&limit=50&seed=12")
        .await
        .records();
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[tokio::test]
async fn from_resumes_at_exactly_that_record() {
    let addr = start(None).await;
    let full = fetch_feed(addr, "/feed/words?rate=0&limit=500&seed=7")
        .await
        .records();
    let tail = fetch_feed(addr, "/feed/words?rate=0&limit=500&seed=7&from=123").await;
    assert_eq!(tail.records(), full[123..]);
    assert_eq!(tail.close_code, Some(1000));

    let past_the_end = fetch_feed(addr, "/feed/words?rate=0&limit=500&from=500").await;
    assert!(past_the_end.frames.is_empty());
    assert_eq!(past_the_end.close_code, Some(1000));
}

#[tokio::test]
async fn the_first_frame_announces_resume_from_the_first_record_sent() {
    let addr = start(None).await;
    let cases = [
        ("/feed/words?rate=0&limit=3", 0),
        ("/feed/words?rate=0&limit=500&seed=7&from=123", 123),
        ("/feed/words?limit=0", 0),
        ("/feed/events?rate=0&limit=20&from=7", 7),
    ];
    for (url, from) in cases {
        let mut client = connect(addr, url).await;
        let first = tokio::time::timeout(common::PATIENCE, client.next())
            .await
            .expect("a first frame in time")
            .expect("a first frame")
            .expect("a well-formed frame");
        let expected = format!(r#"{{"sparklet":{{"resume":true,"from":{from}}}}}"#);
        assert_eq!(first, Message::text(expected), "{url}");
        // Then records only, from record `from`: no second hello.
        let rest = receive_all(&mut client).await;
        assert_eq!(rest.hello, None, "{url}");
        assert!(rest.frames.iter().all(|f| !common::is_hello(f)), "{url}");
    }
    let tail = fetch_feed(addr, "/feed/words?rate=0&limit=500&seed=7&from=123").await;
    let full = fetch_feed(addr, "/feed/words?rate=0&limit=500&seed=7").await;
    assert_eq!(tail.records()[0], full.records()[123]);
}

/// The words of `query`'s records, counted here, and the truth endpoint's
/// counts for the same `truth_query`.
async fn counted_and_truth(
    query: &str,
    truth_query: &str,
) -> (BTreeMap<String, u64>, BTreeMap<String, u64>) {
    let addr = start(None).await;
    let got = fetch_feed(addr, &format!("/feed/words?{query}")).await;
    let mut counted: BTreeMap<String, u64> = BTreeMap::new();
    for record in got.records() {
        for word in record.split_ascii_whitespace() {
            *counted.entry(word.to_owned()).or_default() += 1;
        }
    }
    let truth = get_json(addr, &format!("/feed/words/truth?{truth_query}")).await;
    let truth = serde_json::from_value(truth).expect("{word: count}");
    (counted, truth)
}

#[tokio::test]
async fn truth_equals_counting_the_words_received() {
    let (counted, truth) = counted_and_truth("rate=0&limit=3000&seed=5", "seed=5&limit=3000").await;
    assert_eq!(truth, counted);
    // The capitalised first words are counted apart from the lower-case ones.
    assert!(truth.contains_key("The") && truth.contains_key("the"));
}

#[tokio::test]
async fn a_larger_vocabulary_goes_on_with_made_up_words_and_its_truth_agrees() {
    let (counted, truth) = counted_and_truth(
        "rate=0&limit=20000&seed=5&vocab=100000",
        "seed=5&limit=20000&vocab=100000",
    )
    .await;
    assert_eq!(truth, counted);
    let made_up = truth
        .keys()
        .filter(|w| {
            w.to_lowercase().starts_with('w') && w[1..].parse::<u64>().is_ok_and(|n| n >= 300)
        })
        .count();
    assert!(
        made_up > 5_000,
        "{made_up} made-up words among {}",
        truth.len()
    );
}

#[tokio::test]
async fn frames_hold_at_most_frame_whole_records() {
    let addr = start(None).await;
    let one_per_frame = fetch_feed(addr, "/feed/words?rate=0&limit=200&frame=1").await;
    assert_eq!(one_per_frame.frames.len(), 200);

    let grouped = fetch_feed(addr, "/feed/words?rate=0&limit=200&frame=7").await;
    let sizes: Vec<usize> = grouped
        .frames
        .iter()
        .map(|f| f.split('\n').count())
        .collect();
    assert!(sizes.iter().all(|&n| (1..=7).contains(&n)), "{sizes:?}");
    assert!(sizes.contains(&7), "{sizes:?}");
    // Same records in the same order: none was split across two frames.
    assert_eq!(grouped.records(), one_per_frame.records());
}

#[tokio::test]
async fn a_rate_spreads_records_over_time() {
    let addr = start(None).await;
    let started = Instant::now();
    let got = fetch_feed(addr, "/feed/words?rate=200&limit=100").await;
    let elapsed = started.elapsed();
    assert_eq!(got.records().len(), 100);
    // 100 records at 200/s: the last is due at 0.5 s.
    assert!(elapsed >= Duration::from_millis(400), "{elapsed:?}");
    // Paced, yet grouped per tick: far fewer frames than records.
    assert!(got.frames.len() < 100, "{} frames", got.frames.len());
}

#[tokio::test]
async fn a_rate_message_caps_the_pace_under_the_urls_rate() {
    let addr = start(None).await;
    // 60 records at the URL's 1000/s take 60 ms; capped at 40/s right
    // away (other messages are ignored), most of them wait: over a second.
    let mut client = connect(addr, "/feed/words?rate=1000&limit=60").await;
    let started = Instant::now();
    send_text(&mut client, "hello").await;
    send_text(&mut client, r#"{"speed": 5}"#).await;
    send_text(&mut client, r#"{"rate": 40}"#).await;
    let got = receive_all(&mut client).await;
    assert_eq!(got.records().len(), 60);
    assert_eq!(got.close_code, Some(1000));
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(800),
        "the cap was ignored: 60 records in {elapsed:?}"
    );

    // A cap above the URL's rate does not speed the feed up.
    let mut client = connect(addr, "/feed/words?rate=100&limit=50").await;
    let started = Instant::now();
    send_text(&mut client, r#"{"rate": 100000}"#).await;
    let got = receive_all(&mut client).await;
    assert_eq!(got.records().len(), 50);
    assert!(
        started.elapsed() >= Duration::from_millis(350),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn rate_zero_by_message_lifts_the_cap() {
    let addr = start(None).await;
    let mut client = connect(addr, "/feed/words?rate=0&limit=1000").await;
    send_text(&mut client, r#"{"rate": 2}"#).await;
    send_text(&mut client, r#"{"rate": 0}"#).await;
    let started = Instant::now();
    let got = receive_all(&mut client).await;
    assert_eq!(got.records().len(), 1000);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_client_leaving_mid_stream_does_not_hurt_the_server() {
    let addr = start(None).await;
    for _ in 0..3 {
        let client = connect(addr, "/feed/words?rate=0").await;
        drop(client);
    }
    let got = fetch_feed(addr, "/feed/words?rate=0&limit=10").await;
    assert_eq!(got.records().len(), 10);
}

#[tokio::test]
async fn the_demo_feed_sends_no_more_than_its_credit() {
    let addr = start(None).await;
    common::check_credit(addr, "/feed/words").await;
}
