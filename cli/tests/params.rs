//! Bad feed URLs are refused with a 400 naming the parameter and the
//! problem, whether asked over plain HTTP or by a WebSocket client.

mod common;

use common::{get, start};
use tokio_tungstenite::connect_async;
use tokio_tungstenite::tungstenite::Error;

#[tokio::test]
async fn bad_values_get_400_with_the_reason() {
    let addr = start(None).await;
    let cases = [
        (
            "/feed/words?rate=abc",
            "rate: expected a non-negative integer, got 'abc'",
        ),
        (
            "/feed/words?rate=-5",
            "rate: expected a non-negative integer, got '-5'",
        ),
        (
            "/feed/words?limit=1.5",
            "limit: expected a non-negative integer, got '1.5'",
        ),
        (
            "/feed/words?seed=",
            "seed: expected a non-negative integer, got ''",
        ),
        (
            "/feed/events?frame=0",
            "frame: must be between 1 and 100000, got 0",
        ),
        (
            "/feed/events?frame=100001",
            "frame: must be between 1 and 100000, got 100001",
        ),
        (
            "/feed/words?from=x",
            "from: expected a non-negative integer, got 'x'",
        ),
        ("/feed/words?rate=1&rate=2", "rate: given more than once"),
        ("/feed/words?limt=10", "unknown parameter 'limt'"),
        ("/feed/words/truth?seed=1", "limit: required here"),
        ("/feed/events/truth", "limit: required here"),
        (
            "/feed/words/truth?limit=ten",
            "limit: expected a non-negative integer, got 'ten'",
        ),
        (
            "/feed/words/truth?limit=5&rate=3",
            "unknown parameter 'rate'",
        ),
    ];
    for (url, message) in cases {
        let (status, body) = get(addr, url).await;
        assert_eq!(status, 400, "{url}: {body}");
        assert!(body.contains(message), "{url}: {body:?} lacks {message:?}");
    }
}

#[tokio::test]
async fn numbers_too_large_to_stream_or_count_get_400_with_the_range() {
    let addr = start(None).await;
    let cases = [
        (
            "/feed/words?from=18446744073709551615",
            "from: must be between 0 and 9007199254740991, got 18446744073709551615",
        ),
        (
            "/feed/words?from=9007199254740991&limit=99999999999999999999",
            "limit: must be between 0 and 9007199254740991, got 99999999999999999999",
        ),
        (
            "/feed/events?rate=18446744073709551615",
            "rate: must be between 0 and 1000000000, got 18446744073709551615",
        ),
        (
            "/feed/words?seed=18446744073709551616",
            "seed: must be between 0 and 18446744073709551615, got 18446744073709551616",
        ),
        (
            "/feed/words?vocab=18446744073709551617",
            "vocab: must be between 1 and 1000000, got 18446744073709551617",
        ),
        (
            "/feed/events?frame=99999999999999999999",
            "frame: must be between 1 and 100000, got 99999999999999999999",
        ),
        (
            "/feed/events/truth?limit=100000001",
            "limit: must be between 0 and 100000000, got 100000001",
        ),
    ];
    for (url, message) in cases {
        let (status, body) = get(addr, url).await;
        assert_eq!(status, 400, "{url}: {body}");
        assert!(body.contains(message), "{url}: {body:?} lacks {message:?}");
    }
}

#[tokio::test]
async fn a_websocket_client_sees_the_400_too() {
    let addr = start(None).await;
    match connect_async(format!("ws://{addr}/feed/words?rate=abc")).await {
        Err(Error::Http(response)) => {
            assert_eq!(response.status(), 400);
            let body = String::from_utf8(response.into_body().unwrap_or_default()).expect("UTF-8");
            assert!(
                body.contains("rate: expected a non-negative integer"),
                "{body}"
            );
        }
        other => panic!("expected an HTTP 400, got {other:?}"),
    }
}

#[tokio::test]
async fn plain_http_on_a_feed_explains_it_is_a_websocket() {
    let addr = start(None).await;
    let (status, body) = get(addr, "/feed/words?limit=3").await;
    assert_eq!(status, 426, "{body}");
    assert!(body.contains("WebSocket"), "{body}");
}
