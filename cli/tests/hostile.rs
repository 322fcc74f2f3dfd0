//! Hostile links and stored state, end to end in a real headless Chromium:
//! a dashboard URL carries a pipeline and settings someone else chose, and
//! a checkpoint in IndexedDB can be written by any page of the origin.
//! Each link below once crashed, hung or bloated the page; now the page
//! stays alive, says what is wrong beside the editor (or in the header),
//! and runs once the pipeline is fixed.

mod browser;
mod common;
mod feeds;

use std::time::Duration;

use browser::Browser;
use serde_json::Value;

const FIXED: &str = "split | count_by_value | update_state_by_key sum";

/// Opens the dashboard on a live words feed with `params`, and waits for
/// the pipeline error to name `expected`.
async fn refused(params: &[(&str, &str)], expected: &str) -> (Browser, std::net::SocketAddr) {
    let addr = common::start(Some(browser::dist())).await;
    let b = Browser::start().await;
    let feed = format!("ws://{addr}/feed/words?rate=5000&seed=2");
    let mut all = vec![("feed", feed.as_str()), ("batch", "200ms")];
    all.extend_from_slice(params);
    b.open(addr, &all).await;
    let error = b.wait_for_text("pipeline-error", expected, 20).await;
    eprintln!("refused with: {}", &error[..error.len().min(300)]);
    (b, addr)
}

/// The page is alive: it answers scripts, its start-up did not fail, and
/// its wasm memory is modest.
async fn alive(b: &Browser) {
    let boot_failed = b.count(".boot-error").await;
    assert_eq!(boot_failed, 0, "the page did not start");
    let answer = b
        .client
        .execute("return 6 * 7;", vec![])
        .await
        .expect("the page answers");
    assert_eq!(answer, 42);
}

/// Types `pipeline` into the editor (one input event, as a paste).
async fn type_pipeline(b: &Browser, pipeline: &str) {
    b.client
        .execute(
            "const i = document.querySelector(\"[data-testid='pipeline-input']\");
             i.value = arguments[0];
             i.dispatchEvent(new Event('input', { bubbles: true }));
             return true;",
            vec![Value::from(pipeline)],
        )
        .await
        .expect("type the pipeline");
}

/// Types `pipeline` into the editor, applies it, and waits for batches.
async fn fix_and_run(b: &Browser, pipeline: &str) -> Value {
    type_pipeline(b, pipeline).await;
    assert_eq!(b.count("[data-testid='pipeline-error']").await, 0);
    b.click("apply").await;
    b.wait_for_stats(20, "the fixed pipeline runs", |s| {
        s["pipeline"] == pipeline
            && s["batches"].as_u64() >= Some(3)
            && s["records"].as_u64() > Some(0)
    })
    .await
}

async fn refused_then_fixed(pipeline: &str, expected: &str) {
    let (b, _) = refused(&[("pipeline", pipeline)], expected).await;
    alive(&b).await;
    b.wait_for_text("conn-state", "not started", 5).await;
    fix_and_run(&b, FIXED).await;
    b.close().await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium, chromedriver and a built dist/: run by `make e2e`"]
async fn two_thousand_parentheses_are_refused_not_a_stack_overflow() {
    let pipeline = format!("map {}.{}", "(".repeat(2000), ")".repeat(2000));
    refused_then_fixed(&pipeline, "nesting limit is 64").await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium, chromedriver and a built dist/: run by `make e2e`"]
async fn six_thousand_nots_are_refused_not_a_page_that_never_runs() {
    let pipeline = format!("filter {}true", "!".repeat(6000));
    refused_then_fixed(&pipeline, "nesting limit is 64").await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium, chromedriver and a built dist/: run by `make e2e`"]
async fn too_many_stages_and_too_long_a_pipeline_are_refused() {
    let stages = vec!["lower"; 300].join(" | ");
    refused_then_fixed(&format!("split | {stages}"), "stage limit is 256").await;
    // Over 64 KiB a pipeline cannot come in a link to this server (its URL
    // is over the 64 KiB a request line may have: 414), so it is typed.
    let long = vec!["lower"; 8_300].join(" | ");
    let (b, addr) = refused(&[("pipeline", "split | lowr")], "did you mean").await;
    type_pipeline(&b, &long).await;
    b.wait_for_text("pipeline-error", "length limit is 65536", 10)
        .await;
    fix_and_run(&b, FIXED).await;
    let link = sparklet::browser::dashboard_url(addr, &[("pipeline", &long)]);
    let (status, _) = common::get(addr, &link[link.find("/?").expect("a query")..]).await;
    assert_eq!(status, 414, "a link that long is refused by the server");
    b.close().await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium, chromedriver and a built dist/: run by `make e2e`"]
async fn a_window_of_a_hundred_thousand_hours_is_refused_naming_the_bound() {
    refused_then_fixed("split | window 100000h", "over the limit of 365 days").await;
    refused_then_fixed(
        "split | window 100h",
        "more than the 10000 a window may hold",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium, chromedriver and a built dist/: run by `make e2e`"]
async fn top_four_billion_is_refused_not_wrapped_to_zero() {
    refused_then_fixed("split | count_by_value | top 4294967296", "1000000").await;
}

/// Settings out of range are not used: the page says so, naming the
/// range, and runs with the default.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium, chromedriver and a built dist/: run by `make e2e`"]
async fn settings_out_of_range_are_refused_naming_their_range() {
    let addr = common::start(Some(browser::dist())).await;
    let b = Browser::start().await;
    let feed = format!("ws://{addr}/feed/words?rate=5000&seed=2");
    b.open(
        addr,
        &[
            ("feed", &feed),
            ("pipeline", FIXED),
            ("batch", "1000000000000000ms"),
            ("max_keys", "4294967295"),
            ("buffer", "999999"),
            ("checkpoint", "-1"),
            ("resume", "maybe"),
            ("sink_name", "../../etc/passwd"),
        ],
    )
    .await;
    let notice = b
        .wait_for_text("settings-notice", "max_keys=4294967295", 20)
        .await;
    for named in [
        "must be a whole number from 1 to 1000000",
        "buffer=999999: must be a whole number from 1 to 256",
        "checkpoint=-1",
        "batch=",
        "resume=maybe: must be 1 or 0",
        "sink_name=../../etc/passwd: a sink name is 1 to 64 letters",
        "sink_name= is set but this server has no sink",
    ] {
        assert!(notice.contains(named), "{named} not in: {notice}");
    }
    let stats = b
        .wait_for_stats(20, "it runs with the defaults", |s| {
            s["batches"].as_u64() >= Some(2)
        })
        .await;
    assert_eq!(stats["max_keys"], 100_000);
    assert_eq!(stats["batch_ms"], 1000);
    b.screenshot("hostile-settings").await;
    b.close().await;
}

/// A feed URL asking for a record past any the feed has: the server
/// refuses it, and the page says it cannot connect rather than counting
/// from a wrapped offset.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium, chromedriver and a built dist/: run by `make e2e`"]
async fn a_huge_from_in_the_feed_url_is_refused_not_wrapped() {
    let addr = common::start(Some(browser::dist())).await;
    let b = Browser::start().await;
    let feed = format!("ws://{addr}/feed/words?from=18446744073709551615");
    b.open(addr, &[("feed", &feed), ("pipeline", FIXED)]).await;
    let stats = b
        .wait_for_stats(20, "the page gives up on the connection for now", |s| {
            s["state"] == "reconnecting"
        })
        .await;
    assert_eq!(stats["records"], 0);
    alive(&b).await;
    b.close().await;
}

/// A script for the start of the next document: before the page's own
/// code reads IndexedDB, it rewrites every stored checkpoint chunk with
/// the JavaScript function body `change` (of `text`), once per tab. A
/// readwrite transaction made first is served first, so the page reads
/// what it wrote.
fn tamper_on_load(change: &str) -> String {
    format!(
        "if (!sessionStorage.getItem('tampered')) {{
           sessionStorage.setItem('tampered', '1');
           const change = (text) => {{ {change} }};
           const open = indexedDB.open('sparklet', 1);
           open.onsuccess = () => {{
             const store = open.result.transaction('checkpoints', 'readwrite').objectStore('checkpoints');
             const all = store.getAllKeys();
             all.onsuccess = () => {{
               for (const key of all.result.filter(k => k.includes('#'))) {{
                 const get = store.get(key);
                 get.onsuccess = () => store.put(change(get.result), key);
               }}
             }};
           }};
         }}"
    )
}

/// The page says it started fresh, and why, and runs from its first batch.
async fn started_fresh(b: &Browser, why: &str) {
    let notice = b.wait_for_text("notice", "Started fresh", 20).await;
    assert!(notice.contains(why), "{notice}");
    let stats = b
        .wait_for_stats(20, "the page runs from scratch", |s| {
            s["batches"].as_u64() >= Some(5)
        })
        .await;
    assert_eq!(stats["restored_batches"], Value::Null);
    assert!(stats["restore_refused"].is_string(), "{stats:#}");
    assert!(stats["last_batch"]["time_ms"].as_u64() < Some(10_000));
}

async fn tampered_checkpoint_starts_fresh(change: &str, why: &str) {
    let addr = common::start(Some(browser::dist())).await;
    let feed = format!("ws://{addr}/feed/words?rate=20000&seed=5");
    let b = Browser::start().await;
    let params = [
        ("feed", feed.as_str()),
        ("pipeline", "split | count_by_value_and_window 30s"),
        ("batch", "200ms"),
        ("checkpoint", "2"),
    ];
    b.open(addr, &params).await;
    b.wait_for_stats(20, "checkpoints are saved", |s| {
        s["checkpoints"].as_u64() >= Some(3)
    })
    .await;
    b.cdp(
        "Page.addScriptToEvaluateOnNewDocument",
        serde_json::json!({ "source": tamper_on_load(change) }),
    )
    .await;
    b.client
        .execute("location.reload(); return true;", vec![])
        .await
        .expect("reload");
    tokio::time::sleep(Duration::from_millis(500)).await;
    started_fresh(&b, why).await;
    alive(&b).await;
    b.screenshot("tampered-checkpoint").await;
    b.close().await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium, chromedriver and a built dist/: run by `make e2e`"]
async fn a_checkpoint_with_every_number_at_the_top_of_u64_starts_fresh() {
    tampered_checkpoint_starts_fresh(
        "return text.replace(/(?<=[:\\[,])-?\\d+(\\.\\d+)?(?=[,\\]}])/g, '18446744073709551615');",
        "out of range",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium, chromedriver and a built dist/: run by `make e2e`"]
async fn a_checkpoint_with_every_string_garbled_starts_fresh() {
    tampered_checkpoint_starts_fresh(
        "return text.replace(/\"((?:[^\"\\\\]|\\\\.)*)\"/g, (m, s) => '\"' + s.split('').reverse().join('') + '\\u0000\"');",
        "checkpoint",
    )
    .await;
}

/// A checkpoint restored on reload, and a feed that, asked to resume at its
/// offset, says it starts elsewhere: the restored state would count what
/// follows wrong, so the page starts over and says why.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium, chromedriver and a built dist/: run by `make e2e`"]
async fn a_restored_run_whose_feed_does_not_resume_there_starts_fresh() {
    use futures_util::SinkExt;
    use tokio_tungstenite::tungstenite::Message;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let feed = format!("ws://{}/", listener.local_addr().expect("addr"));
    // Every connection says it resumes, from record 0, whatever it is asked.
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            tokio::spawn(async move {
                let Ok(mut ws) = tokio_tungstenite::accept_async(tcp).await else {
                    return;
                };
                let hello = r#"{"sparklet":{"resume":true,"from":0}}"#;
                if ws.send(Message::text(hello)).await.is_err() {
                    return;
                }
                loop {
                    if ws
                        .send(Message::text("spark streams\nin a tab"))
                        .await
                        .is_err()
                    {
                        return;
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            });
        }
    });
    let addr = common::start(Some(browser::dist())).await;
    let b = Browser::start().await;
    b.open(
        addr,
        &[
            ("feed", &feed),
            ("pipeline", FIXED),
            ("batch", "200ms"),
            ("checkpoint", "2"),
        ],
    )
    .await;
    let before = b
        .wait_for_stats(20, "checkpoints are saved", |s| {
            s["checkpoints"].as_u64() >= Some(2) && s["records"].as_u64() >= Some(20)
        })
        .await;
    assert_eq!(before["feed_resumes"], true);
    b.client
        .execute("location.reload(); return true;", vec![])
        .await
        .expect("reload");
    tokio::time::sleep(Duration::from_millis(500)).await;
    started_fresh(&b, "did not resume at record").await;
    b.close().await;
}
