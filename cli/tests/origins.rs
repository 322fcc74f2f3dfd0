//! Which web pages may use the server: a page from another site is refused
//! (a browser sends its `Origin`), pages from this host and origins allowed
//! with `--allow-origin` are served, and the truths' CORS header names the
//! page, never `*`.

mod common;

use common::{connect_from, fetch_feed, receive_all, request, start, start_with};
use sparklet::ServerConfig;
use tokio_tungstenite::tungstenite::Error;

/// The status and body of a refused upgrade; panics if it was accepted.
async fn refused_upgrade(addr: std::net::SocketAddr, origin: &str) -> (u16, String) {
    match connect_from(addr, "/feed/words?rate=0&limit=5", origin).await {
        Err(Error::Http(response)) => {
            let status = response.status().as_u16();
            let body = String::from_utf8(response.into_body().unwrap_or_default()).expect("UTF-8");
            (status, body)
        }
        Ok(_) => panic!("{origin}: the upgrade was accepted"),
        Err(other) => panic!("{origin}: expected an HTTP refusal, got {other:?}"),
    }
}

async fn served_records(addr: std::net::SocketAddr, origin: &str) -> usize {
    let mut client = connect_from(addr, "/feed/words?rate=0&limit=5", origin)
        .await
        .unwrap_or_else(|e| panic!("{origin}: refused: {e}"));
    receive_all(&mut client).await.records().len()
}

#[tokio::test]
async fn a_page_from_another_site_is_refused_with_a_message_naming_it() {
    let addr = start(None).await;
    let (status, body) = refused_upgrade(addr, "http://evil.example").await;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("http://evil.example"), "{body}");
    assert!(body.contains("--allow-origin"), "{body}");
    let (status, _) = refused_upgrade(addr, "null").await;
    assert_eq!(status, 403);

    let truth = request(
        addr,
        "/feed/words/truth?limit=10",
        &[("Origin", "http://evil.example")],
    )
    .await;
    assert_eq!(truth.status, 403, "{}", truth.body);
    assert!(truth.header("access-control-allow-origin").is_empty());
}

#[tokio::test]
async fn clients_that_are_not_browsers_and_pages_from_this_ip_are_served() {
    let addr = start(None).await;
    assert_eq!(
        fetch_feed(addr, "/feed/words?rate=0&limit=5")
            .await
            .records()
            .len(),
        5
    );
    // The dashboard from `sparklet serve` on another port of the same IP.
    let other_port = addr.port().wrapping_add(1);
    let page = format!("http://127.0.0.1:{other_port}");
    assert_eq!(served_records(addr, &page).await, 5);
    assert_eq!(served_records(addr, "https://127.0.0.1").await, 5);
    // Another loopback address is another host.
    assert_eq!(refused_upgrade(addr, "http://127.0.0.2:8080").await.0, 403);
}

#[tokio::test]
async fn a_name_that_points_here_is_not_trusted_as_the_same_host() {
    // DNS rebinding: evil.example now resolves to 127.0.0.1, so the page's
    // host and the Host header agree; only an IP or localhost is trusted.
    let addr = start(None).await;
    let host = format!("evil.example:{}", addr.port());
    let origin = format!("http://evil.example:{}", addr.port());
    let response = request(
        addr,
        "/feed/words/truth?limit=10",
        &[("Host", &host), ("Origin", &origin)],
    )
    .await;
    assert_eq!(response.status, 403, "{}", response.body);

    let host = format!("localhost:{}", addr.port());
    let response = request(
        addr,
        "/feed/words/truth?limit=10",
        &[("Host", &host), ("Origin", "http://localhost:8080")],
    )
    .await;
    assert_eq!(response.status, 200, "{}", response.body);
}

#[tokio::test]
async fn origins_allowed_explicitly_are_served() {
    let config = ServerConfig {
        allowed_origins: vec![
            "http://myhost.lan:8080".parse().expect("an origin"),
            "https://wild.lan:*".parse().expect("an origin"),
        ],
        ..ServerConfig::default()
    };
    let addr = start_with(None, config).await;
    assert_eq!(served_records(addr, "http://myhost.lan:8080").await, 5);
    assert_eq!(served_records(addr, "https://wild.lan:4431").await, 5);
    assert_eq!(served_records(addr, "https://wild.lan").await, 5);
    assert_eq!(refused_upgrade(addr, "http://myhost.lan:9090").await.0, 403);
    assert_eq!(refused_upgrade(addr, "http://wild.lan:4431").await.0, 403);
}

#[tokio::test]
async fn the_truths_cors_header_names_an_allowed_page_and_never_everyone() {
    let config = ServerConfig {
        allowed_origins: vec!["http://myhost.lan:8080".parse().expect("an origin")],
        ..ServerConfig::default()
    };
    let addr = start_with(None, config).await;
    let url = "/feed/events/truth?limit=10";

    let plain = request(addr, url, &[]).await;
    assert_eq!(plain.status, 200, "{}", plain.body);
    assert!(plain.header("access-control-allow-origin").is_empty());

    let same_ip = format!("http://127.0.0.1:{}", addr.port().wrapping_add(1));
    for origin in [same_ip.as_str(), "http://myhost.lan:8080"] {
        let response = request(addr, url, &[("Origin", origin)]).await;
        assert_eq!(response.status, 200, "{origin}: {}", response.body);
        assert_eq!(response.header("access-control-allow-origin"), [origin]);
        assert!(
            response
                .header("vary")
                .iter()
                .any(|v| v.eq_ignore_ascii_case("origin")),
            "{:?}",
            response.headers
        );
    }

    // An error from an allowed page is readable by it too.
    let bad = request(
        addr,
        "/feed/events/truth?limit=x",
        &[("Origin", "http://myhost.lan:8080")],
    )
    .await;
    assert_eq!(bad.status, 400);
    assert_eq!(
        bad.header("access-control-allow-origin"),
        ["http://myhost.lan:8080"]
    );

    let evil = request(addr, url, &[("Origin", "http://evil.example")]).await;
    assert_eq!(evil.status, 403);
    for response in [&plain, &bad, &evil] {
        assert!(!response
            .header("access-control-allow-origin")
            .contains(&"*"));
    }
}
