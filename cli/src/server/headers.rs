//! The security headers on every response the router gives: the page's
//! files, the 404s, the feeds' errors and the truths.
//!
//! The page carries its Content-Security-Policy in a meta tag too, so it
//! holds wherever `dist/` is served from; the header adds what a meta tag
//! cannot say (`frame-ancestors`: no site may frame the dashboard), and
//! `nosniff` keeps a text error that echoes a URL from being read as HTML.

use axum::http::header::{
    HeaderValue, CONTENT_SECURITY_POLICY as CSP, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS,
};
use axum::response::Response;

/// The policy of the meta tag in `index.html`, plus `frame-ancestors`. A
/// test keeps the two in step. `connect-src` lets the page reach a feed
/// anywhere, as the user's `feed=` says: a WebSocket, or an HTTP response
/// that streams; scripts still come from this server only.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; \
     script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; \
     connect-src 'self' ws: wss: http: https:; img-src 'self' data:; object-src 'none'; \
     base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

pub(super) async fn secure(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(CSP, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    response
}
