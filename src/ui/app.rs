//! The page: the header, the pipeline editor, and the views as tabs
//! (results, event time, statistics, stages, batches, latency, errors), with a batch's detail
//! opening beside whichever is shown. The open tab lives in the URL with
//! the settings, so a view can be shared and reloaded.

use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::*;

use crate::api;
use crate::checkpoint;
use crate::listener::Listener;
use crate::page_config::PageConfig;
use crate::settings::{default_feed, feed_base, Settings};
use crate::spark::SparkMonitor;
use crate::stream::{Command, Stream};
use crate::ui::batches::Batches;
use crate::ui::board::Board;
use crate::ui::controls::{Form, FormError, SettingsForm};
use crate::ui::detail::Detail;
use crate::ui::errors::Errors;
use crate::ui::event_time::EventTime;
use crate::ui::header::Header;
use crate::ui::hooks::{keep_until_cleanup, use_event_listener};
use crate::ui::latency::Latency;
use crate::ui::results::Results;
use crate::ui::stages::Stages;
use crate::ui::statistics::Statistics;

/// The tabs: (URL name, label).
pub const VIEWS: [(&str, &str); 7] = [
    ("results", "Results"),
    ("event-time", "Event time"),
    ("statistics", "Statistics"),
    ("stages", "Stages"),
    ("batches", "Batches"),
    ("latency", "Latency"),
    ("errors", "Errors"),
];

/// The whole page. Everything it starts (the stream, the JS API, the page
/// listeners) is owned by it and stops when it unmounts.
#[component]
pub fn App() -> impl IntoView {
    let location = window().location();
    let search = location.search().unwrap_or_default();
    let config = PageConfig::read();
    let (initial, mut problems) = Settings::from_query(&search, &default_feed(&location, &config));
    let params = web_sys::UrlSearchParams::new_with_str(&search).ok();
    let view_param = params.as_ref().and_then(|p| p.get("view"));
    if config.sink.is_none() && params.as_ref().is_some_and(|p| p.has("sink_name")) {
        problems.push(
            "sink_name= is set but this server has no sink, so no output is stored \
             (start it with `sparklet serve --sink DIR`)"
                .to_string(),
        );
    }
    let tab = RwSignal::new(
        VIEWS
            .iter()
            .map(|v| v.0)
            .find(|v| Some(*v) == view_param.as_deref())
            .unwrap_or("results")
            .to_string(),
    );
    let form = Form::new(&initial);
    if !problems.is_empty() {
        form.notice.set(Some(problems.join("; ")));
    }
    let listener = Rc::new(RefCell::new(Listener::default()));
    let board = Board::new(listener.clone());
    if let Some(api) = api::install(listener.clone()) {
        keep_until_cleanup(api);
    }
    // `?spark=1` (or an application id) watches a Spark job instead of
    // running a stream: the same views, Spark's batches.
    let spark = params
        .as_ref()
        .and_then(|p| p.get("spark"))
        .filter(|v| !v.is_empty() && v != "0");
    let watching_spark = spark.is_some();
    let stream = match spark {
        Some(wanted) => {
            let wanted = (wanted != "1").then_some(wanted);
            keep_until_cleanup(SparkMonitor::start(
                wanted,
                listener,
                Rc::new(move || board.notify()),
            ));
            None
        }
        None => {
            let failed = move |why: String| crate::panic::show(&why);
            match Stream::spawn(listener, Rc::new(move || board.notify()), Rc::new(failed)) {
                Ok(stream) => Some(Rc::new(stream)),
                Err(why) => {
                    crate::panic::show(&why);
                    None
                }
            }
        }
    };
    let settings_now = {
        let stream = stream.clone();
        move || stream.as_ref().and_then(|s| s.settings())
    };

    let write_url = move |s: &Settings| {
        let query = format!("{}&view={}", s.to_query(), tab.get_untracked());
        let _ = window()
            .history()
            .and_then(|h| h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&query)));
    };
    // A reload of the same view continues from its checkpoint, if any; a
    // fresh visit starts fresh, at once.
    let reloaded = checkpoint::page_was_reloaded();
    let start = {
        let stream = stream.clone();
        move |settings: Settings| {
            // Checked here too, so the form can say what is wrong at once.
            if let Err(e) = sparklet_engine::Pipeline::new(&settings.pipeline, settings.batch) {
                form.error.set(Some(FormError::Pipeline(e)));
                return;
            }
            if let Some(stream) = &stream {
                stream.run(settings.clone(), reloaded, config.sink.clone());
            }
            form.error.set(None);
            board.selected.set(None);
            write_url(&settings);
        }
    };
    match form.settings() {
        Ok(_) if watching_spark => {}
        Ok(s) => start(s.clone()),
        Err(e) => form.error.set(Some(e)),
    }
    if let Some(stream) = stream.clone() {
        save_when_hidden(stream);
    }
    let apply = move |s: Settings| {
        form.notice.set(None);
        start(s)
    };
    let clear = {
        let stream = stream.clone();
        move || {
            if let Some(stream) = &stream {
                stream.send(&Command::Clear);
                board.selected.set(None);
            }
        }
    };
    let feed_base = feed_base(&location);
    let tabs = VIEWS
        .iter()
        .map(|(name, label)| {
            let settings_now = settings_now.clone();
            let selected = move || tab.get() == *name;
            let badge = move || {
                (*name == "errors").then(|| board.read(|l| {
                    let s = &l.status;
                    let sink = s.sink.as_ref().map_or(0, |k| k.failed + k.dropped);
                    s.malformed + s.dropped + s.gap_count + s.evicted + sink
                })).filter(|n| *n > 0)
            };
            view! {
                <button type="button" role="tab" class="tab" aria-selected=move || selected().to_string()
                    data-testid=format!("tab-{name}")
                    on:click=move |_| {
                        tab.set(name.to_string());
                        if let Some(settings) = settings_now() {
                            write_url(&settings);
                        }
                    }>
                    {*label}
                    {move || badge().map(|n| view! { <span class="badge">{crate::ui::format::count(n)}</span> })}
                </button>
            }
        })
        .collect_view();
    let shown = move || match tab.get().as_str() {
        "statistics" => view! { <Statistics board /> }.into_any(),
        "event-time" => view! { <EventTime board /> }.into_any(),
        "stages" => view! { <Stages board /> }.into_any(),
        "batches" => view! { <Batches board /> }.into_any(),
        "latency" => view! { <Latency board /> }.into_any(),
        "errors" => view! { <Errors board /> }.into_any(),
        _ => view! { <Results board /> }.into_any(),
    };
    view! {
        <Header board on_clear=clear can_clear=!watching_spark />
        {(!watching_spark).then(|| view! { <SettingsForm form feed_base on_apply=apply /> })}
        <nav class="tabs" role="tablist">{tabs}</nav>
        <div class="views" class:with-detail=move || board.selected.get().is_some()>
            <main class="view">{shown}</main>
            <Detail board />
        </div>
    }
}

/// Saves a checkpoint when the page is hidden or left (a reload, a closed
/// tab, a phone switching apps), as Spark checkpoints on shutdown, for as
/// long as the app is mounted. The stream's worker writes it.
fn save_when_hidden(stream: Rc<Stream>) {
    let on_hidden = stream.clone();
    use_event_listener(&document(), "visibilitychange", move |_| {
        if document().visibility_state() == web_sys::VisibilityState::Hidden {
            on_hidden.send(&Command::Save);
        }
    });
    use_event_listener(&window(), "pagehide", move |_| stream.send(&Command::Save));
}
