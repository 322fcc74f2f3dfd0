//! A direct DevTools Protocol connection to the browser, for what
//! chromedriver cannot reach: its `goog/cdp/execute` speaks only to the
//! page, while the stream runs in the page's Web Worker, a target of its
//! own. This connects to the browser's endpoint (the port Chromium writes
//! to `DevToolsActivePort` in its profile directory), attaches to a page
//! and auto-attaches its workers, in flat mode: one socket, commands
//! addressed by session.

use std::path::Path;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long a command may take to be answered.
const ANSWER_WITHIN: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
pub enum DevToolsError {
    #[error("the browser's DevToolsActivePort: {0}")]
    Port(String),
    #[error("connecting to DevTools at {url}: {source}")]
    Connect {
        url: String,
        source: tokio_tungstenite::tungstenite::Error,
    },
    #[error("DevTools connection: {0}")]
    Socket(#[from] tokio_tungstenite::tungstenite::Error),
    #[error("DevTools closed the connection")]
    Closed,
    #[error("DevTools did not answer `{0}` within 30 s")]
    Timeout(String),
    #[error("DevTools refused `{method}`: {error}")]
    Refused { method: String, error: Value },
    #[error("{0}")]
    NotFound(String),
}

/// One connection to the browser, with the events it sent while waiting
/// for answers.
pub struct DevTools {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
    next_id: u64,
    events: Vec<Value>,
}

impl DevTools {
    /// Connects to the browser whose profile directory is `profile`.
    pub async fn connect(profile: &Path) -> Result<DevTools, DevToolsError> {
        let file = profile.join("DevToolsActivePort");
        let text = std::fs::read_to_string(&file)
            .map_err(|e| DevToolsError::Port(format!("{}: {e}", file.display())))?;
        let mut lines = text.lines();
        let (Some(port), Some(path)) = (lines.next(), lines.next()) else {
            return Err(DevToolsError::Port(format!("{}: {text:?}", file.display())));
        };
        let url = format!("ws://127.0.0.1:{}{}", port.trim(), path.trim());
        let (socket, _) = tokio_tungstenite::connect_async(&url)
            .await
            .map_err(|source| DevToolsError::Connect { url, source })?;
        Ok(DevTools {
            socket,
            next_id: 1,
            events: Vec::new(),
        })
    }

    /// Sends `method` to the browser (`session` `None`) or to an attached
    /// target, and waits for its answer.
    pub async fn call(
        &mut self,
        session: Option<&str>,
        method: &str,
        params: Value,
    ) -> Result<Value, DevToolsError> {
        let id = self.next_id;
        self.next_id += 1;
        let mut command = json!({ "id": id, "method": method, "params": params });
        if let Some(session) = session {
            command["sessionId"] = json!(session);
        }
        self.socket.send(Message::text(command.to_string())).await?;
        let answer = tokio::time::timeout(ANSWER_WITHIN, async {
            loop {
                let message = self.receive().await?;
                if message["id"].as_u64() == Some(id) {
                    return Ok::<Value, DevToolsError>(message);
                }
                if message.get("method").is_some() {
                    self.events.push(message);
                }
            }
        })
        .await
        .map_err(|_| DevToolsError::Timeout(method.to_string()))??;
        match answer.get("error") {
            Some(error) => Err(DevToolsError::Refused {
                method: method.to_string(),
                error: error.clone(),
            }),
            None => Ok(answer["result"].clone()),
        }
    }

    async fn receive(&mut self) -> Result<Value, DevToolsError> {
        loop {
            match self.socket.next().await {
                Some(Ok(Message::Text(text))) => {
                    // The browser's own messages; one it garbles is skipped.
                    if let Ok(v) = serde_json::from_str(&text) {
                        return Ok(v);
                    }
                }
                Some(Ok(Message::Close(_))) | None => return Err(DevToolsError::Closed),
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(e.into()),
            }
        }
    }

    /// A session with the dedicated worker of the page whose URL starts
    /// with `page_url`: attaches to the page, then asks it to attach its
    /// workers, which it announces as `Target.attachedToTarget`.
    pub async fn attach_worker(&mut self, page_url: &str) -> Result<String, DevToolsError> {
        let targets = self.call(None, "Target.getTargets", json!({})).await?;
        let page = targets["targetInfos"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|t| {
                t["type"] == "page" && t["url"].as_str().is_some_and(|u| u.starts_with(page_url))
            })
            .and_then(|t| t["targetId"].as_str())
            .ok_or_else(|| DevToolsError::NotFound(format!("no page at {page_url}")))?
            .to_string();
        let attached = self
            .call(
                None,
                "Target.attachToTarget",
                json!({ "targetId": page, "flatten": true }),
            )
            .await?;
        let page_session = attached["sessionId"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        self.events.clear();
        self.call(
            Some(&page_session),
            "Target.setAutoAttach",
            json!({ "autoAttach": true, "waitForDebuggerOnStart": false, "flatten": true }),
        )
        .await?;
        // Existing workers are announced right away. A worker of the page
        // before the last navigation may still be announced, then detached
        // as it ends: the page's worker is the last one still attached.
        for round in 0..50 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            // A harmless round trip, to read what arrives meanwhile.
            self.call(None, "Browser.getVersion", json!({})).await?;
            let live = attached_workers(&self.events);
            if round >= 3 {
                if let Some(session) = live.last() {
                    return Ok(session.clone());
                }
            }
        }
        Err(DevToolsError::NotFound(format!(
            "the page at {page_url} has no dedicated worker"
        )))
    }
}

/// The sessions of the workers announced in `events` and not detached
/// since, in the order they were attached.
fn attached_workers(events: &[Value]) -> Vec<String> {
    let mut live: Vec<String> = Vec::new();
    for e in events {
        let params = &e["params"];
        let session = params["sessionId"].as_str().unwrap_or_default();
        match e["method"].as_str() {
            Some("Target.attachedToTarget") if params["targetInfo"]["type"] == "worker" => {
                live.push(session.to_string())
            }
            Some("Target.detachedFromTarget") => live.retain(|s| s != session),
            _ => {}
        }
    }
    live
}
