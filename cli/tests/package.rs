//! The embeddable module as a user gets it: `npm pack` on the package
//! `make package` built, the tarball installed with npm into a scratch
//! site whose page is docs/embed.html, that page served by a plain static
//! server and opened in headless Chromium against a real feed. Its totals
//! equal the feed's truth; a bad pipeline is refused with its stage.

mod browser;
mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use browser::{counts, Browser};
use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace")
        .to_path_buf()
}

fn run(dir: &Path, program: &str, args: &[&str]) -> String {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .stderr(Stdio::inherit())
        .output()
        .unwrap_or_else(|e| panic!("{program} runs: {e}"));
    assert!(out.status.success(), "{program} {args:?} failed");
    String::from_utf8(out.stdout).expect("UTF-8")
}

/// A scratch site: the packed tarball installed under node_modules/ and
/// docs/embed.html as its index.
fn scratch_site() -> tempfile::TempDir {
    let package = repo().join("target/package");
    assert!(
        package.join("package.json").exists(),
        "no {}: run `make package`",
        package.display()
    );
    let site = tempfile::tempdir().expect("a scratch dir");
    let dest = site.path().to_str().expect("a UTF-8 path").to_string();
    let packed = run(
        &package,
        "npm",
        &["pack", "--silent", "--pack-destination", &dest],
    );
    let tarball = site.path().join(
        packed
            .lines()
            .last()
            .expect("npm pack names the tarball")
            .trim(),
    );
    assert!(tarball.exists(), "{} was packed", tarball.display());
    std::fs::write(
        site.path().join("package.json"),
        r#"{"name": "scratch", "private": true}"#,
    )
    .unwrap();
    run(
        site.path(),
        "npm",
        &[
            "install",
            "--offline",
            "--no-audit",
            "--no-fund",
            "--silent",
            tarball.to_str().unwrap(),
        ],
    );
    for file in [
        "sparklet.js",
        "sparklet.d.ts",
        "worker.js",
        "pkg/sparklet_dashboard_bg.wasm",
    ] {
        let installed = site.path().join("node_modules/sparklet").join(file);
        assert!(installed.exists(), "{} was installed", installed.display());
    }
    std::fs::copy(
        repo().join("docs/embed.html"),
        site.path().join("index.html"),
    )
    .unwrap();
    site
}

/// `python3 -m http.server` on `dir`: a static server with no policy of
/// its own, as a user's site may be. Killed when dropped.
struct StaticServer {
    child: Child,
    port: u16,
}

impl StaticServer {
    fn start(dir: &Path) -> StaticServer {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new("python3")
            .args([
                "-m",
                "http.server",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
            ])
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 runs");
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "the static server did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        StaticServer { child, port }
    }
}

impl Drop for StaticServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn embed_stats(b: &Browser) -> Value {
    b.client
        .execute(
            "return window.stream ? window.stream.stats() : null;",
            vec![],
        )
        .await
        .expect("run a script in the page")
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium, chromedriver, npm, python3 and `make package`: run by `make e2e`"]
async fn the_packed_module_counts_a_feed_exactly_in_a_page_of_its_own() {
    let site = scratch_site();
    let server = StaticServer::start(site.path());
    let addr = common::start(None).await;
    let feed = format!("ws://{addr}/feed/words?rate=0&limit=200000&seed=9");
    let page = sparklet::browser::dashboard_url(
        format!("127.0.0.1:{}", server.port).parse().unwrap(),
        &[
            ("feed", &feed),
            (
                "pipeline",
                "split | count_by_value | update_state_by_key sum",
            ),
            ("batch", "200ms"),
        ],
    );
    let b = Browser::start().await;
    b.goto(&page).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    let stats = loop {
        let s = embed_stats(&b).await;
        if s["state"] == "ended" && s["pending"] == 0 && s["records"] == 200_000 {
            break s;
        }
        assert!(
            Instant::now() < deadline,
            "the stream did not finish: {s:#}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let truth = counts(&common::get_json(addr, "/feed/words/truth?seed=9&limit=200000").await);
    assert_eq!(
        counts(&stats["output"]),
        truth,
        "totals equal /feed/words/truth"
    );
    assert_eq!(stats["worker"], true, "the stream ran in its own worker");
    assert_eq!(
        (stats["malformed"].clone(), stats["dropped"].clone()),
        (0.into(), 0.into())
    );
    // The page itself shows what its onBatch saw.
    let mut shown = Value::Null;
    for _ in 0..50 {
        shown = b
            .client
            .execute(
                "return document.getElementById('records').textContent;",
                vec![],
            )
            .await
            .expect("a script");
        if shown == "200,000" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(shown, "200,000", "the example page shows the total");
    // For a person to look at (the page is mostly white: no blankness check).
    let png = b.client.screenshot().await.expect("a screenshot");
    let shots = repo().join("target/e2e");
    std::fs::create_dir_all(&shots).unwrap();
    std::fs::write(shots.join("embed.png"), png).unwrap();

    // A pipeline that cannot run is refused, naming its stage.
    let refused = b
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];\
             import('./node_modules/sparklet/sparklet.js').then(({ Sparklet }) =>\
               Sparklet.start({ feed: arguments[0], pipeline: 'split | windw 2s' }))\
               .then(() => done('started'), (e) => done(e.message));",
            vec![Value::from(feed.clone())],
        )
        .await
        .expect("a script");
    assert_eq!(
        refused,
        "stage 2 `windw`, column 9: unknown operator; did you mean `window`?"
    );
    b.close().await;
}
