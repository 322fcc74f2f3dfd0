//! The page reads what its server put into its head: the sink's path and
//! the feed the bare URL opens, each only as a path on the page's own host.

#![cfg(target_arch = "wasm32")]

use sparklet_dashboard::page_config::PageConfig;
use sparklet_dashboard::settings::default_feed;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

/// Adds `<meta name=NAME content=CONTENT>` to the head; returns it.
fn meta(name: &str, content: &str) -> web_sys::Element {
    let doc = web_sys::window().unwrap().document().unwrap();
    let tag = doc.create_element("meta").unwrap();
    tag.set_attribute("name", name).unwrap();
    tag.set_attribute("content", content).unwrap();
    doc.head().unwrap().append_child(&tag).unwrap();
    tag
}

#[wasm_bindgen_test]
fn the_servers_tags_give_the_sink_and_the_default_feed() {
    let location = web_sys::window().unwrap().location();
    let host = location.host().unwrap();
    let none = PageConfig::read();
    assert_eq!(none, PageConfig::default());
    assert_eq!(
        default_feed(&location, &none),
        format!("ws://{host}/feed/words")
    );

    let tags = [
        meta("sparklet-sink", "/sink"),
        meta("sparklet-feed", "/feed/logs"),
    ];
    let config = PageConfig::read();
    assert_eq!(config.sink.as_deref(), Some("/sink"));
    assert_eq!(
        default_feed(&location, &config),
        format!("ws://{host}/feed/logs")
    );
    tags.iter().for_each(web_sys::Element::remove);

    // Another server's, or not a path: not taken.
    let tags = [
        meta("sparklet-sink", "//evil.example/sink"),
        meta("sparklet-feed", "feed/x"),
    ];
    assert_eq!(PageConfig::read(), PageConfig::default());
    tags.iter().for_each(web_sys::Element::remove);
}
