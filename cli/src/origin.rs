//! Which web pages may use this server.
//!
//! A browser lets any page open a WebSocket to `127.0.0.1` and send it
//! requests, so without a check any site the user visits could drive the
//! local feeds or burn its CPU on truth recounts. Browsers say who is asking
//! in the `Origin` header; this module decides from it.
//!
//! The rule: no `Origin` (curl, tests, tungstenite) passes; an origin whose
//! host equals the request's `Host` passes when that host is an IP literal
//! or `localhost`, whatever the port or http/https, so a page from `sparklet
//! serve` on one port may use `sparklet feed` on another; origins given with
//! `--allow-origin` pass. A same-host match on any other name is refused:
//! with DNS rebinding an attacker's name can point at 127.0.0.1 and then the
//! page's host and the `Host` header agree.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use axum::http::header::{HOST, ORIGIN};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// An origin given on the command line: `http://myhost.lan:8080`, or
/// `http://myhost.lan:*` for any port of that host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedOrigin {
    scheme: Scheme,
    host: Host,
    /// `None` is the `:*` wildcard.
    port: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "'{given}' is not an origin: expected http:// or https://, a host and an optional \
     port (or :* for any port), nothing after, e.g. http://myhost.lan:8080"
)]
pub struct OriginError {
    given: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scheme {
    Http,
    Https,
}

impl Scheme {
    fn default_port(self) -> u16 {
        match self {
            Scheme::Http => 80,
            Scheme::Https => 443,
        }
    }
}

/// A host as compared: IP addresses by value (`[::1]` equals
/// `[0:0::1]`), names without case.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Host {
    Ip(IpAddr),
    Name(String),
}

impl Host {
    /// Whether a same-host match on it can be trusted: a name other than
    /// `localhost` may have been rebound by its owner to this machine.
    fn cannot_be_rebound(&self) -> bool {
        match self {
            Host::Ip(_) => true,
            Host::Name(name) => name == "localhost",
        }
    }
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::Ip(IpAddr::V6(ip)) => write!(f, "[{ip}]"),
            Host::Ip(ip) => write!(f, "{ip}"),
            Host::Name(name) => f.write_str(name),
        }
    }
}

/// An origin as a browser sends it: scheme, host, and the port if not the
/// scheme's default.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Origin {
    scheme: Scheme,
    host: Host,
    port: Option<u16>,
}

impl Origin {
    fn parse(text: &str) -> Option<Origin> {
        let (scheme, authority) = text.split_once("://")?;
        let scheme = match scheme.to_ascii_lowercase().as_str() {
            "http" => Scheme::Http,
            "https" => Scheme::Https,
            _ => return None,
        };
        let (host, port) = split_authority(authority)?;
        let port = match port {
            None | Some("") => None,
            Some(port) => Some(port.parse().ok()?),
        };
        Some(Origin { scheme, host, port })
    }

    fn port(&self) -> u16 {
        self.port.unwrap_or(self.scheme.default_port())
    }
}

/// `host[:port]` or `[v6][:port]` into the host and the port text. Anything
/// that could smuggle a second meaning (a path, user info, spaces) is not an
/// authority here.
fn split_authority(authority: &str) -> Option<(Host, Option<&str>)> {
    if authority.is_empty()
        || authority
            .bytes()
            .any(|b| matches!(b, b'/' | b'?' | b'#' | b'@' | b'\\') || !b.is_ascii_graphic())
    {
        return None;
    }
    let (host, port) = match authority.strip_prefix('[') {
        Some(rest) => {
            let (v6, after) = rest.split_once(']')?;
            let port = match after {
                "" => None,
                after => Some(after.strip_prefix(':')?),
            };
            (Host::Ip(IpAddr::V6(v6.parse().ok()?)), port)
        }
        None => {
            let (host, port) = match authority.split_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (authority, None),
            };
            if host.is_empty() || port.is_some_and(|p| p.contains(':')) {
                return None;
            }
            let host = match host.parse::<IpAddr>() {
                Ok(ip) => Host::Ip(ip),
                Err(_) => Host::Name(host.to_ascii_lowercase()),
            };
            (host, port)
        }
    };
    Some((host, port))
}

impl FromStr for AllowedOrigin {
    type Err = OriginError;

    fn from_str(text: &str) -> Result<Self, OriginError> {
        let error = || OriginError {
            given: text.to_owned(),
        };
        let (origin, any_port) = match text.strip_suffix(":*") {
            Some(base) => (Origin::parse(base).ok_or_else(error)?, true),
            None => (Origin::parse(text).ok_or_else(error)?, false),
        };
        if any_port && origin.port.is_some() {
            return Err(error());
        }
        Ok(AllowedOrigin {
            scheme: origin.scheme,
            port: (!any_port).then(|| origin.port()),
            host: origin.host,
        })
    }
}

impl fmt::Display for AllowedOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = match self.scheme {
            Scheme::Http => "http",
            Scheme::Https => "https",
        };
        match self.port {
            Some(port) => write!(f, "{scheme}://{}:{port}", self.host),
            None => write!(f, "{scheme}://{}:*", self.host),
        }
    }
}

impl AllowedOrigin {
    fn admits(&self, origin: &Origin) -> bool {
        self.scheme == origin.scheme
            && self.host == origin.host
            && self.port.is_none_or(|port| port == origin.port())
    }
}

/// The rule above, with this server's `--allow-origin` list.
#[derive(Debug, Clone, Default)]
pub struct OriginPolicy {
    allowed: Vec<AllowedOrigin>,
}

/// A request from a page that may not use this server: HTTP 403.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// The `Origin` header as shown back: printable ASCII only, bounded.
    origin: String,
}

impl OriginPolicy {
    pub fn new(allowed: Vec<AllowedOrigin>) -> Self {
        Self { allowed }
    }

    /// `Ok(None)` for a request without `Origin`, `Ok(Some(origin))` (the
    /// header, to echo in CORS) for one from an allowed page.
    pub fn check(&self, headers: &HeaderMap) -> Result<Option<HeaderValue>, Refused> {
        let mut origins = headers.get_all(ORIGIN).iter();
        let Some(value) = origins.next() else {
            return Ok(None);
        };
        let refused = || Refused {
            origin: shown(value),
        };
        // Two origins would leave "which one" to whoever parses last.
        if origins.next().is_some() {
            return Err(refused());
        }
        let origin = value
            .to_str()
            .ok()
            .and_then(Origin::parse)
            .ok_or_else(refused)?;
        let same_host = headers
            .get(HOST)
            .and_then(|host| host.to_str().ok())
            .and_then(split_authority)
            .is_some_and(|(host, _)| host == origin.host && host.cannot_be_rebound());
        if same_host || self.allowed.iter().any(|a| a.admits(&origin)) {
            Ok(Some(value.clone()))
        } else {
            Err(refused())
        }
    }
}

/// The header as text safe to put in a message: it is the caller's input.
fn shown(value: &HeaderValue) -> String {
    const MOST: usize = 200;
    let text: String = String::from_utf8_lossy(value.as_bytes())
        .chars()
        .map(|c| if c.is_ascii_graphic() { c } else { '?' })
        .take(MOST)
        .collect();
    if value.len() > MOST {
        format!("{text}...")
    } else {
        text
    }
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "origin {origin} may not use this server: only pages served from the same \
             host (an IP address or localhost) may, and origins allowed explicitly. To allow \
             it, start the server with --allow-origin {origin} (sparklet serve or sparklet \
             feed; a port of * allows any port)",
            origin = self.origin
        )
    }
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        (StatusCode::FORBIDDEN, format!("{self}\n")).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(allowed: &[&str], host: Option<&str>, origin: Option<&str>) -> bool {
        let policy = OriginPolicy::new(allowed.iter().map(|a| a.parse().unwrap()).collect());
        let mut headers = HeaderMap::new();
        if let Some(host) = host {
            headers.insert(HOST, HeaderValue::from_str(host).unwrap());
        }
        if let Some(origin) = origin {
            headers.insert(ORIGIN, HeaderValue::from_str(origin).unwrap());
        }
        policy.check(&headers).is_ok()
    }

    #[test]
    fn no_origin_is_a_client_that_is_not_a_browser() {
        assert!(check(&[], Some("127.0.0.1:8081"), None));
        assert!(check(&[], None, None));
    }

    #[test]
    fn the_same_ip_or_localhost_passes_whatever_the_port_and_scheme() {
        let ok = |host, origin| check(&[], Some(host), Some(origin));
        assert!(ok("127.0.0.1:8081", "http://127.0.0.1:8080"));
        assert!(ok("127.0.0.1:8081", "https://127.0.0.1"));
        assert!(ok("[::1]:8081", "http://[0:0::1]:4000"));
        assert!(ok("localhost:8081", "http://LOCALHOST:8080"));
        assert!(ok("192.168.1.5:8081", "http://192.168.1.5:8080"));
        assert!(!ok("127.0.0.1:8081", "http://127.0.0.2:8080"));
        assert!(!ok("127.0.0.1:8081", "http://localhost:8080"));
        assert!(!ok("127.0.0.1:8081", "ftp://127.0.0.1:8080"));
        assert!(!ok("127.0.0.1:8081", "null"));
        assert!(!ok("127.0.0.1:8081", "http://127.0.0.1:8080/path"));
        assert!(!ok("127.0.0.1:8081", "http://user@127.0.0.1:8080"));
    }

    #[test]
    fn another_name_for_this_host_is_refused_unless_allowed() {
        // DNS rebinding: the attacker's name, now pointing here.
        assert!(!check(
            &[],
            Some("evil.example:8081"),
            Some("http://evil.example:8081")
        ));
        assert!(!check(
            &[],
            Some("127.0.0.1:8081"),
            Some("http://evil.example")
        ));
        assert!(check(
            &["http://myhost.lan:8080"],
            Some("myhost.lan:8081"),
            Some("http://MyHost.lan:8080")
        ));
    }

    #[test]
    fn allowed_origins_match_exactly_or_on_any_port() {
        let exact = ["http://myhost.lan:8080"];
        let host = Some("127.0.0.1:8081");
        assert!(check(&exact, host, Some("http://myhost.lan:8080")));
        assert!(!check(&exact, host, Some("http://myhost.lan:8081")));
        assert!(!check(&exact, host, Some("https://myhost.lan:8080")));
        assert!(check(
            &["http://myhost.lan"],
            host,
            Some("http://myhost.lan")
        ));
        assert!(check(
            &["http://myhost.lan"],
            host,
            Some("http://myhost.lan:80")
        ));
        let any = ["http://myhost.lan:*"];
        assert!(check(&any, host, Some("http://myhost.lan:9999")));
        assert!(check(&any, host, Some("http://myhost.lan")));
        assert!(!check(&any, host, Some("http://other.lan:9999")));
    }

    #[test]
    fn allowed_origins_are_checked_when_given() {
        for bad in [
            "*",
            "myhost.lan:8080",
            "http://",
            "http://myhost.lan:8080/",
            "http://myhost.lan:80:*",
            "http://myhost.lan:port",
            "ws://myhost.lan",
        ] {
            let err = bad.parse::<AllowedOrigin>().unwrap_err().to_string();
            assert!(err.contains("is not an origin"), "{bad}: {err}");
        }
        let parsed: AllowedOrigin = "https://[::1]:*".parse().unwrap();
        assert_eq!(parsed.to_string(), "https://[::1]:*");
    }

    #[test]
    fn the_refusal_names_the_origin_and_the_flag() {
        let mut headers = HeaderMap::new();
        headers.insert(ORIGIN, HeaderValue::from_static("http://evil.example"));
        let refused = OriginPolicy::default().check(&headers).unwrap_err();
        let message = refused.to_string();
        assert!(message.contains("http://evil.example"), "{message}");
        assert!(message.contains("--allow-origin"), "{message}");
    }
}
