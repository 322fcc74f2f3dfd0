//! A real headless Chromium, driven through Debian's chromedriver with
//! WebDriver: what `sparklet bench` measures the page in, and what the
//! end-to-end tests open the dashboard with.

use std::net::{SocketAddr, TcpListener};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder};
use serde_json::{json, Value};

/// Chromium flags that work on these machines (see TOOLCHAIN.md).
pub const CHROME_ARGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1280,900",
];

#[derive(Debug, thiserror::Error)]
pub enum BrowserError {
    #[error("cannot start chromedriver ({0}); install Debian's chromium and chromium-driver (`make test-tools`)")]
    Driver(std::io::Error),
    #[error("chromedriver did not listen within 15 s")]
    DriverTimeout,
    #[error("no WebDriver session with headless Chromium: {0}")]
    Session(#[from] fantoccini::error::NewSessionError),
    #[error("WebDriver: {0}")]
    Command(#[from] fantoccini::error::CmdError),
    #[error("a temporary profile directory: {0}")]
    Profile(std::io::Error),
}

/// One headless Chromium with its chromedriver; both end when it drops.
pub struct Browser {
    pub client: Client,
    driver: Child,
    profile: tempfile::TempDir,
}

impl Browser {
    /// Starts chromedriver on a free port and a fresh headless Chromium with
    /// [`CHROME_ARGS`] and `extra` flags.
    pub async fn start(extra: &[&str]) -> Result<Browser, BrowserError> {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(BrowserError::Driver)?
            .port();
        let mut driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(BrowserError::Driver)?;
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let deadline = Instant::now() + Duration::from_secs(15);
        while std::net::TcpStream::connect(addr).is_err() {
            if Instant::now() > deadline {
                let _ = driver.kill();
                return Err(BrowserError::DriverTimeout);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let profile = tempfile::tempdir().map_err(BrowserError::Profile)?;
        let mut args: Vec<String> = CHROME_ARGS
            .iter()
            .chain(extra)
            .map(|s| s.to_string())
            .collect();
        args.push(format!("--user-data-dir={}", profile.path().display()));
        let mut caps = serde_json::Map::new();
        caps.insert("goog:chromeOptions".into(), json!({ "args": args }));
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://{addr}"))
            .await;
        let client = match client {
            Ok(client) => client,
            Err(e) => {
                let _ = driver.kill();
                return Err(e.into());
            }
        };
        Ok(Browser {
            client,
            driver,
            profile,
        })
    }

    /// Chromium's profile directory (where it writes `DevToolsActivePort`,
    /// see [`crate::devtools`]).
    pub fn profile_dir(&self) -> &std::path::Path {
        self.profile.path()
    }

    pub async fn goto(&self, url: &str) -> Result<(), BrowserError> {
        Ok(self.client.goto(url).await?)
    }

    /// Runs `script` in the page and returns what it returns.
    pub async fn execute(&self, script: &str, args: Vec<Value>) -> Result<Value, BrowserError> {
        Ok(self.client.execute(script, args).await?)
    }

    /// Runs `script`, which calls its last argument with the result.
    pub async fn execute_async(
        &self,
        script: &str,
        args: Vec<Value>,
    ) -> Result<Value, BrowserError> {
        Ok(self.client.execute_async(script, args).await?)
    }

    /// Runs a Chrome DevTools Protocol command through chromedriver.
    pub async fn cdp(&self, cmd: &str, params: Value) -> Result<Value, BrowserError> {
        Ok(self
            .client
            .issue_cmd(Cdp {
                cmd: cmd.to_string(),
                params,
            })
            .await?)
    }

    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
    }
}

/// `s` encoded for a URL query value.
pub fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The dashboard's URL on `addr` with these query parameters, encoded.
pub fn dashboard_url(addr: SocketAddr, params: &[(&str, &str)]) -> String {
    let query: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect();
    format!("http://{addr}/?{}", query.join("&"))
}

/// chromedriver's `goog/cdp/execute`: a DevTools command in the session.
#[derive(Debug)]
struct Cdp {
    cmd: String,
    params: Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/goog/cdp/execute",
            session.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(json!({ "cmd": self.cmd, "params": self.params }).to_string()),
        )
    }
}
