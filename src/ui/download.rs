//! Download buttons: a view's data as a CSV or JSON file, built when
//! clicked (see [`crate::export`]) and handed to the browser as a Blob
//! behind an object URL, through a click on an `<a download>`. Nothing
//! leaves the page.

use gloo_timers::callback::Timeout;
use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};

use crate::export::{Download, Format};
use crate::listener::Listener;
use crate::ui::board::Board;

/// How long an object URL outlives its click: the browser reads the Blob
/// after the click returns, so it is not revoked at once.
const KEEP_URL_MS: u32 = 60_000;

/// "Download CSV" and "Download JSON" for one view's data.
#[component]
pub fn DownloadButtons(
    /// The listener the files are built from.
    board: Board,
    /// What the files hold, in the buttons' titles and test ids
    /// (`download-{what}-csv`): `results` or `batches`.
    what: &'static str,
    /// Builds the file for a format; `None` while there is nothing to
    /// download (the buttons are disabled then).
    file: fn(&Listener, Format) -> Option<Download>,
    /// Whether there is something to download, checked on every redraw
    /// (cheaply: `file` runs only on a click).
    ready: fn(&Listener) -> bool,
) -> impl IntoView {
    let button = move |format: Format, label: &'static str| {
        let click = move |_| {
            let built = file(&board.listener().borrow(), format);
            if let Some(file) = built {
                if let Err(e) = save(&file, format.mime()) {
                    web_sys::console::warn_1(
                        &format!("Sparklet could not offer {}: {e:?}", file.name).into(),
                    );
                }
            }
        };
        view! {
            <button type="button" class="secondary" data-testid=format!("download-{what}-{}", format.extension())
                title=format!("Download the {what} as {label}")
                disabled=move || !board.read(ready)
                on:click=click>
                {label}
            </button>
        }
    };
    view! {
        <div class="downloads" role="group" aria-label=format!("Download the {what}")>
            <span class="downloads-label">"Download"</span>
            {button(Format::Csv, "CSV")}
            {button(Format::Json, "JSON")}
        </div>
    }
}

/// Offers `file` to the person as a download.
pub fn save(file: &Download, mime: &str) -> Result<(), JsValue> {
    let parts = js_sys::Array::of1(&JsValue::from_str(&file.text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)?;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| JsValue::from_str("no document"))?;
    let link: web_sys::HtmlAnchorElement = document.create_element("a")?.unchecked_into();
    link.set_href(&url);
    link.set_download(&file.name);
    link.click();
    Timeout::new(KEEP_URL_MS, move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    })
    .forget();
    Ok(())
}
