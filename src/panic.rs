//! A panic, should one ever happen, is caught and shown: the message in a
//! banner across the page, never a silently frozen dashboard. (In wasm a
//! panic cannot be recovered from; the banner says to reload.)

use std::panic;

/// Logs panics to the console, as `console_error_panic_hook` does, and
/// shows them in the page.
pub fn install() {
    panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        show(&info.to_string());
    }));
}

/// Puts `message` in a banner at the top of the page, as text.
pub fn show(message: &str) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Some(body) = doc.body() else { return };
    let Ok(banner) = doc.create_element("div") else {
        return;
    };
    banner.set_class_name("panic-banner");
    let _ = banner.set_attribute("role", "alert");
    let _ = banner.set_attribute("data-testid", "panic");
    // Text only: the message may quote feed data.
    banner.set_text_content(Some(&format!(
        "Sparklet hit a bug and stopped updating this page. Reload to start again. Details: {message}"
    )));
    let _ = body.prepend_with_node_1(&banner);
}
