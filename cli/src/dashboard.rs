//! The built dashboard, served as static files at `/`.
//!
//! The page and its feeds share one origin, so opening the printed URL with
//! no parameters can connect straight to this server's words feed. The page
//! itself (`/`, `/index.html`) is served with this server's [`PageConfig`]
//! in its head. When the dashboard has not been built, `/` says so and says
//! how to fix it, rather than a bare 404 that looks like a broken server.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::handler::HandlerWithoutStateExt;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tower_http::services::ServeDir;

use crate::page_config::PageConfig;

/// A router serving `dist` (with `index.html` at `/`, carrying `page`), for
/// use as a fallback after the feed routes.
pub fn router(dist: PathBuf, page: PageConfig) -> Router {
    // Absolute in messages, so "no index.html in dist" is unambiguous about
    // which directory the server looked in.
    let shown = Arc::new(std::path::absolute(&dist).unwrap_or_else(|_| dist.clone()));
    let index = {
        let (shown, page) = (shown.clone(), Arc::new(page));
        move |uri: Uri| {
            let (shown, page) = (shown.clone(), page.clone());
            async move { index(&shown, &page, &uri).await }
        }
    };
    let not_found = move |uri: Uri| {
        let shown = shown.clone();
        async move { missing(&shown, &uri) }
    };
    Router::new()
        .route("/", get(index.clone()))
        .route("/index.html", get(index))
        .fallback_service(ServeDir::new(dist).not_found_service(not_found.into_service()))
}

/// The page with its config. Read at each request: a rebuilt dashboard is
/// served without a restart, as ServeDir serves the rest.
async fn index(dist: &Path, page: &PageConfig, uri: &Uri) -> Response {
    match tokio::fs::read_to_string(dist.join("index.html")).await {
        Ok(html) => (
            [
                (CONTENT_TYPE, "text/html; charset=utf-8"),
                // The config is this server's: another run may say otherwise.
                (CACHE_CONTROL, "no-cache"),
            ],
            page.inject(&html),
        )
            .into_response(),
        Err(_) => missing(dist, uri),
    }
}

fn missing(dist: &Path, uri: &Uri) -> Response {
    let message = if dist.join("index.html").is_file() {
        format!("not found: {}\n", uri.path())
    } else {
        format!(
            "Sparklet: the dashboard is not built: there is no index.html in {}.\n\
             Run `make run`, which builds the dashboard and serves it, or pass \
             `--dist DIR` naming a built dashboard.\n\
             The demo feeds work without it: /feed/words, /feed/events.\n",
            dist.display()
        )
    };
    (StatusCode::NOT_FOUND, message).into_response()
}

/// The answer to anything but a feed on a feeds-only server.
pub async fn feeds_only(uri: Uri) -> Response {
    let message = format!(
        "not found: {}\nThis is a Sparklet feed server (`sparklet feed`): it serves the \
         WebSocket feeds /feed/words and /feed/events, and their truths \
         /feed/words/truth and /feed/events/truth. The dashboard is served by \
         `sparklet serve`.\n",
        uri.path()
    );
    (StatusCode::NOT_FOUND, message).into_response()
}
