//! `sparklet serve --spark URL`: a Spark driver's monitoring REST API,
//! relayed to the page at `/spark/api/v1/...`, so the dashboard can watch
//! a Spark Streaming job (`?spark=1`). The page cannot ask the driver
//! itself: its UI sends no CORS headers and is often on another host.
//!
//! Only reads of the API are relayed: `GET`, paths of plain segments under
//! `/api/v1/`, so a page can reach nothing else of the driver's UI (whose
//! kill links are GETs).

use std::time::Duration;

use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

/// Where the page asks.
pub const SPARK_PATH: &str = "/spark/api/v1";

/// How long the driver has to answer.
const TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Clone)]
struct Relay {
    /// The driver's UI, e.g. `http://127.0.0.1:4040`, without a trailing `/`.
    base: Option<String>,
    client: Client<HttpConnector, Body>,
}

/// A `--spark` URL: an `http://` address of a Spark driver's UI.
pub fn check_url(url: &str) -> Result<String, String> {
    let parsed = url::Url::parse(url).map_err(|e| format!("`{url}`: not a URL ({e})"))?;
    if parsed.scheme() != "http" {
        return Err(format!(
            "`{url}`: a Spark driver's UI is http://HOST:PORT (4040 by default)"
        ));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(format!(
            "`{url}`: give the UI's address alone, e.g. http://127.0.0.1:4040"
        ));
    }
    Ok(url.trim_end_matches('/').to_string())
}

/// The relay's route; `base` is the checked `--spark` URL, if given.
pub fn routes(base: Option<String>) -> Router {
    let relay = Relay {
        base,
        client: Client::builder(TokioExecutor::new()).build_http(),
    };
    Router::new()
        .route(&format!("{SPARK_PATH}/{{*rest}}"), get(relay_get))
        .with_state(relay)
}

async fn relay_get(
    State(relay): State<Relay>,
    Path(rest): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let Some(base) = &relay.base else {
        return refuse(
            StatusCode::NOT_FOUND,
            "this server watches no Spark job: start it with `sparklet serve --spark http://DRIVER:4040`",
        );
    };
    if !plain_path(&rest) || !query.as_deref().is_none_or(plain_query) {
        return refuse(StatusCode::BAD_REQUEST, "only Spark's REST API is relayed");
    }
    let url = match &query {
        Some(q) => format!("{base}/api/v1/{rest}?{q}"),
        None => format!("{base}/api/v1/{rest}"),
    };
    let Ok(uri) = url.parse::<Uri>() else {
        return refuse(StatusCode::BAD_REQUEST, "only Spark's REST API is relayed");
    };
    let asked = relay.client.get(uri);
    match tokio::time::timeout(TIMEOUT, asked).await {
        Ok(Ok(answer)) => {
            let status = answer.status();
            let mut response = Response::new(Body::new(answer.into_body()));
            *response.status_mut() = status;
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                header::HeaderValue::from_static("application/json"),
            );
            response.headers_mut().insert(
                header::CACHE_CONTROL,
                header::HeaderValue::from_static("no-store"),
            );
            response
        }
        Ok(Err(e)) => refuse(
            StatusCode::BAD_GATEWAY,
            &format!("Spark at {base} did not answer: {e}"),
        ),
        Err(_) => refuse(
            StatusCode::GATEWAY_TIMEOUT,
            &format!(
                "Spark at {base} did not answer within {} s",
                TIMEOUT.as_secs()
            ),
        ),
    }
}

/// `GET /api/v1/PATH` of the Spark UI on this machine's `port`, read
/// directly (HTTP/1.0, so the body comes whole), for the bench and tests
/// that run a driver beside the server; `None` for no 200 within 10 s.
pub fn read_api(port: u16, path: &str) -> Option<serde_json::Value> {
    use std::io::{Read, Write};
    let mut conn = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    conn.set_read_timeout(Some(TIMEOUT)).ok()?;
    write!(
        conn,
        "GET /api/v1/{path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n"
    )
    .ok()?;
    let mut answer = String::new();
    conn.read_to_string(&mut answer).ok()?;
    let (head, body) = answer.split_once("\r\n\r\n")?;
    head.starts_with("HTTP/1.1 200")
        .then(|| serde_json::from_str(body).ok())?
}

/// Segments of letters, digits, `-`, `_` and `.`, none of them `.` or `..`.
fn plain_path(rest: &str) -> bool {
    !rest.is_empty()
        && rest.split('/').all(|seg| {
            !seg.is_empty()
                && seg != "."
                && seg != ".."
                && seg
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        })
}

fn plain_query(query: &str) -> bool {
    query
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"=&_-.".contains(&b))
}

fn refuse(status: StatusCode, why: &str) -> Response {
    (status, why.to_string()).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_apis_own_paths_pass() {
        assert!(plain_path("applications"));
        assert!(plain_path("applications/local-1796/streaming/batches"));
        for bad in [
            "",
            "../jobs",
            "a/../../stages/stage/kill",
            "a//b",
            "a/%2e%2e",
            "a?b",
        ] {
            assert!(!plain_path(bad), "{bad}");
        }
        assert!(plain_query("status=COMPLETED"));
        assert!(!plain_query("x=1#y"));
    }

    #[test]
    fn the_url_is_a_drivers_ui() {
        assert_eq!(
            check_url("http://127.0.0.1:4040/").unwrap(),
            "http://127.0.0.1:4040"
        );
        assert!(check_url("https://h:4040").is_err());
        assert!(check_url("127.0.0.1:4040").is_err());
        assert!(check_url("http://h:4040/?x=1").is_err());
    }
}
