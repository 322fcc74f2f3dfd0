//! Every response carries the security headers: the page's files, the
//! 404s, the feeds' refusals and the truths; and the policy is the page's
//! own meta tag plus `frame-ancestors 'none'`.

mod common;

use common::{request, start, Response};

fn assert_secure(what: &str, response: &Response) {
    assert_eq!(
        response.header("content-security-policy"),
        [sparklet::CONTENT_SECURITY_POLICY],
        "{what}"
    );
    assert_eq!(
        response.header("x-content-type-options"),
        ["nosniff"],
        "{what}"
    );
    assert_eq!(
        response.header("referrer-policy"),
        ["no-referrer"],
        "{what}"
    );
}

#[tokio::test]
async fn every_kind_of_response_carries_them() {
    let dist = tempfile::tempdir().expect("temp dir");
    std::fs::write(dist.path().join("index.html"), "<h1>page</h1>").expect("write index");
    let addr = start(Some(dist.path().to_owned())).await;
    let cases = [
        ("/", 200),
        ("/no-such-file.js", 404),
        ("/feed/words/truth?limit=5", 200),
        ("/feed/words/truth?limit=x", 400),
        ("/feed/words?limit=5", 426),
    ];
    for (path, status) in cases {
        let response = request(addr, path, &[]).await;
        assert_eq!(response.status, status, "{path}: {}", response.body);
        assert_secure(path, &response);
    }
    let refused = request(addr, "/feed/words", &[("Origin", "http://evil.example")]).await;
    assert_eq!(refused.status, 403);
    assert_secure("a refused origin", &refused);

    let feeds_only = start(None).await;
    let response = request(feeds_only, "/", &[]).await;
    assert_eq!(response.status, 404);
    assert_secure("a feeds-only 404", &response);
}

#[test]
fn the_policy_is_the_pages_meta_tag_and_no_framing() {
    let page = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../index.html"))
        .expect("index.html");
    let meta = page
        .split("<meta")
        .find(|tag| tag.contains("Content-Security-Policy"))
        .expect("a CSP meta tag");
    let content = meta
        .split("content=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("its content");
    assert_eq!(
        sparklet::CONTENT_SECURITY_POLICY,
        format!("{content}; frame-ancestors 'none'")
    );
}
