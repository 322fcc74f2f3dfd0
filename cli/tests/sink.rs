//! The sink (`sparklet serve --sink DIR`) over real HTTP: a batch's output
//! becomes one file, written whole and once; bad names, times and bodies
//! are refused with a message; a directory that cannot be written is an
//! error naming it while the server goes on; the origin rule applies; and
//! the page is told where the sink is, and which feed to open.

mod common;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{get, post, request, start_with};
use sparklet::ServerConfig;

/// A server whose sink is `dir`, with a dashboard to serve.
async fn server(dir: &Path) -> (SocketAddr, tempfile::TempDir) {
    let dist = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dist.path().join("index.html"),
        "<!doctype html><html><head><title>t</title></head><body></body></html>",
    )
    .expect("write index");
    let config = ServerConfig {
        sink: Some(dir.to_owned()),
        ..ServerConfig::default()
    };
    (start_with(Some(dist.path().to_owned()), config).await, dist)
}

/// The names in `dir`, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read the sink dir")
        .map(|e| {
            e.expect("an entry")
                .file_name()
                .into_string()
                .expect("UTF-8")
        })
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn a_batch_is_one_file_with_its_lines_written_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (addr, _dist) = server(dir.path()).await;
    let body = "[\"spark\",3]\n[\"stream\",1]\n{\"k\":\"a,b\"}\n";
    let first = post(addr, "/sink/counts/1764000001000", &[], body.as_bytes()).await;
    assert_eq!(first.status, 201, "{}", first.body);
    assert!(first.body.contains("3 records"), "{}", first.body);
    let file = dir.path().join("counts-1764000001000.jsonl");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), body);
    // Written under a temporary name, then renamed: nothing else is left.
    assert_eq!(listing(dir.path()), ["counts-1764000001000.jsonl"]);

    let modified = std::fs::metadata(&file).unwrap().modified().unwrap();
    let again = post(addr, "/sink/counts/1764000001000", &[], b"[\"other\",9]\n").await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert!(again.body.contains("already written"), "{}", again.body);
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        body,
        "not rewritten"
    );
    assert_eq!(
        std::fs::metadata(&file).unwrap().modified().unwrap(),
        modified
    );

    // An empty output is an empty file, as Spark writes an empty RDD; a
    // last line without its newline gets one.
    let empty = post(addr, "/sink/counts/1764000002000", &[], b"").await;
    assert_eq!(empty.status, 201, "{}", empty.body);
    let unterminated = post(addr, "/sink/counts/1764000003000", &[], b"[1,2]").await;
    assert_eq!(unterminated.status, 201, "{}", unterminated.body);
    let read = |t: u64| std::fs::read_to_string(dir.path().join(format!("counts-{t}.jsonl")));
    assert_eq!(read(1764000002000).unwrap(), "");
    assert_eq!(read(1764000003000).unwrap(), "[1,2]\n");
}

#[tokio::test]
async fn posts_of_one_batch_at_once_store_it_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (addr, _dist) = server(dir.path()).await;
    let posts = (0..8).map(|i| {
        tokio::spawn(async move {
            let body = format!("[\"tab\",{i}]\n");
            (
                post(addr, "/sink/race/1000", &[], body.as_bytes()).await,
                body,
            )
        })
    });
    let mut written = Vec::new();
    for p in posts {
        let (response, body) = p.await.expect("a post");
        match response.status {
            201 => written.push(body),
            200 => assert!(response.body.contains("already written")),
            other => panic!("{other}: {}", response.body),
        }
    }
    assert_eq!(written.len(), 1, "exactly one post wrote the batch");
    let stored = std::fs::read_to_string(dir.path().join("race-1000.jsonl")).unwrap();
    assert_eq!(stored, written[0]);
    assert_eq!(
        listing(dir.path()),
        ["race-1000.jsonl"],
        "no temporary file left"
    );
}

#[tokio::test]
async fn bad_names_times_and_bodies_are_400_with_a_message() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (addr, _dist) = server(dir.path()).await;
    for (path, says) in [
        ("/sink/.hidden/1000", "sink_name="),
        ("/sink/_skipped/1000", "sink_name="),
        ("/sink/a%2Fb/1000", "sink_name="),
        ("/sink/..%2F..%2Fetc/1000", "sink_name="),
        ("/sink/a%20b/1000", "sink_name="),
        (&format!("/sink/{}/1000", "x".repeat(65)), "sink_name="),
        ("/sink/ok/-1000", "batch time"),
        ("/sink/ok/01000", "batch time"),
        ("/sink/ok/1e3", "batch time"),
        ("/sink/ok/9007199254740992", "batch time"),
    ] {
        let response = post(addr, path, &[], b"1\n").await;
        assert_eq!(response.status, 400, "{path}: {}", response.body);
        assert!(response.body.contains(says), "{path}: {}", response.body);
    }
    let not_json = post(addr, "/sink/ok/1000", &[], b"[\"a\",1]\nnot json\n").await;
    assert_eq!(not_json.status, 400);
    assert!(
        not_json
            .body
            .starts_with("line 2 of the batch's output is not one JSON record"),
        "{}",
        not_json.body
    );
    let not_text = post(addr, "/sink/ok/1000", &[], b"\"\xff\"\n").await;
    assert_eq!(not_text.status, 400);
    assert!(not_text.body.contains("not UTF-8"), "{}", not_text.body);
    assert!(
        listing(dir.path()).is_empty(),
        "nothing refused was written"
    );
}

#[tokio::test]
async fn a_body_over_the_cap_is_refused_before_it_is_read() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (addr, _dist) = server(dir.path()).await;
    let too_long = (sparklet::sink::MAX_SINK_BODY + 1).to_string();
    // Only the headers are sent: the answer must not wait for the body.
    let response = request_with_method(
        addr,
        "POST",
        "/sink/big/1000",
        &[("Content-Length", &too_long)],
    )
    .await;
    assert_eq!(response.status, 413, "{}", response.body);
    assert!(response.body.contains("64 MiB"), "{}", response.body);
    assert!(listing(dir.path()).is_empty());
}

/// A directory under a regular file cannot be created or written, even by
/// root (whom permission bits do not stop).
fn unwritable(parent: &Path) -> PathBuf {
    let file = parent.join("a-file");
    std::fs::write(&file, "not a directory").expect("write a file");
    file.join("sink")
}

#[tokio::test]
async fn an_unwritable_directory_is_an_error_naming_it_and_the_server_goes_on() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = unwritable(tmp.path());
    let (addr, _dist) = server(&dir).await;
    for _ in 0..2 {
        let response = post(addr, "/sink/run/1000", &[], b"[\"a\",1]\n").await;
        assert_eq!(response.status, 500, "{}", response.body);
        assert!(
            response.body.contains(&dir.display().to_string()),
            "names the directory: {}",
            response.body
        );
        assert!(
            response.body.contains("Not a directory"),
            "gives the OS error: {}",
            response.body
        );
    }
    let (status, page) = get(addr, "/").await;
    assert_eq!(status, 200, "the server still serves: {page}");
    let (status, truth) = get(addr, "/feed/words/truth?limit=5").await;
    assert_eq!(status, 200, "{truth}");
}

#[tokio::test]
async fn the_origin_rule_applies() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (addr, _dist) = server(dir.path()).await;
    let refused = post(
        addr,
        "/sink/run/1000",
        &[("Origin", "http://evil.example")],
        b"1\n",
    )
    .await;
    assert_eq!(refused.status, 403);
    assert!(refused.body.contains("--allow-origin"), "{}", refused.body);
    assert!(listing(dir.path()).is_empty());
    let same_host = format!("http://127.0.0.1:{}", addr.port());
    let allowed = post(addr, "/sink/run/1000", &[("Origin", &same_host)], b"1\n").await;
    assert_eq!(allowed.status, 201, "{}", allowed.body);
}

#[tokio::test]
async fn a_server_without_a_sink_says_how_to_start_one() {
    let dist = tempfile::tempdir().expect("temp dir");
    std::fs::write(dist.path().join("index.html"), "<head></head>").unwrap();
    let addr = common::start(Some(dist.path().to_owned())).await;
    let response = post(addr, "/sink/run/1000", &[], b"1\n").await;
    assert_eq!(response.status, 404);
    assert!(response.body.contains("--sink DIR"), "{}", response.body);
    let (_, page) = get(addr, "/").await;
    assert!(!page.contains("sparklet-sink"), "{page}");
}

#[tokio::test]
async fn the_page_is_told_where_the_sink_is() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (addr, _dist) = server(dir.path()).await;
    for path in ["/", "/index.html"] {
        let response = request(addr, path, &[]).await;
        assert_eq!(response.status, 200);
        assert!(
            response
                .body
                .contains("<meta name=\"sparklet-sink\" content=\"/sink\">\n</head>"),
            "{path}: {}",
            response.body
        );
        assert_eq!(response.header("cache-control"), ["no-cache"]);
    }
}

/// The page config's other tag: the first `--source` is the feed the bare
/// URL opens.
#[tokio::test]
async fn the_page_is_told_its_first_source_as_its_feed() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let log = tmp.path().join("app.log");
    std::fs::write(&log, "a line\n").expect("write a log");
    std::fs::write(tmp.path().join("index.html"), "<head></head>").expect("write index");
    let config = ServerConfig {
        sources: vec![
            format!("app=file:{}", log.display())
                .parse()
                .expect("a source"),
            format!("other=file:{}", log.display())
                .parse()
                .expect("a source"),
        ],
        state_dir: Some(tmp.path().join("state")),
        ..ServerConfig::default()
    };
    let addr = start_with(Some(tmp.path().to_owned()), config).await;
    let (_, page) = get(addr, "/").await;
    assert!(
        page.contains("<meta name=\"sparklet-feed\" content=\"/feed/app\">"),
        "{page}"
    );
    assert!(
        !page.contains("sparklet-sink"),
        "no sink, no sink tag: {page}"
    );
}

#[test]
fn serve_checks_the_sink_directory_at_startup() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = unwritable(tmp.path());
    let out = Command::new(env!("CARGO_BIN_EXE_sparklet"))
        .args(["serve", "--addr", "127.0.0.1:0", "--sink"])
        .arg(&dir)
        .stdin(Stdio::null())
        .output()
        .expect("run sparklet");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--sink") && stderr.contains(&dir.display().to_string()),
        "{stderr}"
    );
    assert!(stderr.contains("cannot be created"), "{stderr}");

    // A directory that is missing is made, with its parents.
    let nested = tmp.path().join("out/sink");
    assert_eq!(sparklet::sink::prepare(&nested).unwrap(), nested);
    assert!(nested.is_dir());
    assert!(listing(&nested).is_empty(), "the startup probe is removed");
}

/// A request of only headers (no body), for a refusal that must come
/// before the body.
async fn request_with_method(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> common::Response {
    use tokio::io::AsyncWriteExt;
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let mut head = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\nHost: {addr}\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await.expect("send");
    common::read_response(&mut stream).await
}
