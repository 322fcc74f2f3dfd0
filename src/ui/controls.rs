//! The settings form: feed URL, pipeline (checked as one types, with the
//! parser's message and a caret under the place it points at) and batch
//! interval. Applying keeps the connection unless the feed URL changed.

use leptos::prelude::*;
use sparklet_engine::{Pipeline, PipelineError};

use crate::settings::{parse_batch, Settings, BATCH_CHOICES};

/// The form's fields, as signals the page and the URL share.
#[derive(Clone, Copy)]
pub struct Form {
    pub feed: RwSignal<String>,
    pub pipeline: RwSignal<String>,
    pub batch: RwSignal<String>,
    /// Kept from the URL; no field edits these.
    pub event_time: RwSignal<String>,
    pub resume: RwSignal<Option<bool>>,
    pub backpressure: RwSignal<bool>,
    pub max_keys: RwSignal<usize>,
    pub checkpoint_every: RwSignal<Option<u64>>,
    pub buffer_mib: RwSignal<usize>,
    pub sink_name: RwSignal<String>,
    /// The problem with the current input, if any.
    pub error: RwSignal<Option<FormError>>,
    /// What the page's URL asked for and did not get (a value out of
    /// range), until the next Apply.
    pub notice: RwSignal<Option<String>>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum FormError {
    Pipeline(PipelineError),
    Other(String),
}

impl Form {
    pub fn new(s: &Settings) -> Form {
        Form {
            feed: RwSignal::new(s.feed.clone()),
            pipeline: RwSignal::new(s.pipeline.clone()),
            batch: RwSignal::new(s.batch.to_string()),
            event_time: RwSignal::new(s.event_time.clone()),
            resume: RwSignal::new(s.resume),
            backpressure: RwSignal::new(s.backpressure),
            max_keys: RwSignal::new(s.max_keys),
            checkpoint_every: RwSignal::new(s.checkpoint_every),
            buffer_mib: RwSignal::new(s.buffer_mib),
            sink_name: RwSignal::new(s.sink_name.clone()),
            error: RwSignal::new(None),
            notice: RwSignal::new(None),
        }
    }

    /// The settings the form holds, or what is wrong with them.
    pub fn settings(&self) -> Result<Settings, FormError> {
        let batch = parse_batch(&self.batch.get_untracked())
            .map_err(|e| FormError::Other(e.to_string()))?;
        let pipeline = self.pipeline.get_untracked();
        Pipeline::new(&pipeline, batch).map_err(FormError::Pipeline)?;
        Ok(Settings {
            feed: self.feed.get_untracked().trim().to_string(),
            pipeline,
            batch,
            event_time: self.event_time.get_untracked(),
            resume: self.resume.get_untracked(),
            backpressure: self.backpressure.get_untracked(),
            max_keys: self.max_keys.get_untracked(),
            checkpoint_every: self.checkpoint_every.get_untracked(),
            buffer_mib: self.buffer_mib.get_untracked(),
            sink_name: self.sink_name.get_untracked(),
        })
    }

    fn check(&self) {
        self.error.set(self.settings().err());
    }
}

/// Example pipelines to start from: (name, feed path on this server,
/// pipeline, batch interval).
pub const EXAMPLES: [(&str, &str, &str, &str); 5] = [
    (
        "Word count (words feed)",
        "/feed/words",
        "split | lower | count_by_value_and_window 10s | top 10",
        "1s",
    ),
    (
        "Error rate by service (events feed)",
        "/feed/events?rate=2000",
        "json | map (.path, .level == \"error\") | reduce_by_key_and_window mean 10s 1s inverse",
        "1s",
    ),
    (
        "Sliding top users (events feed)",
        "/feed/events?rate=2000",
        "json | map .user | count_by_value_and_window 30s 5s | top 10",
        "1s",
    ),
    (
        "Requests per path by event time, out of order (events feed)",
        "/feed/events?rate=2000&disorder=2000",
        "json | with_watermark .ts 2s | map (.path, 1) | event_window 5s count",
        "1s",
    ),
    (
        "Running totals (words feed)",
        "/feed/words",
        "split | lower | count_by_value | update_state_by_key sum",
        "1s",
    ),
];

/// The settings form, checked as one types.
#[component]
pub fn SettingsForm(
    /// The fields, shared with the page and its URL.
    form: Form,
    /// This server's address (`ws://host:port`), for the examples' feeds.
    feed_base: String,
    /// Runs the settings: Apply, or an example picked.
    on_apply: impl Fn(Settings) + Clone + 'static,
) -> impl IntoView {
    let apply = on_apply.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match form.settings() {
            Ok(s) => apply(s),
            Err(e) => form.error.set(Some(e)),
        }
    };
    let pick = move |ev: leptos::ev::Event| {
        let Ok(i) = event_target_value(&ev).parse::<usize>() else {
            return;
        };
        let Some((_, path, pipeline, batch)) = EXAMPLES.get(i) else {
            return;
        };
        form.feed.set(format!("{feed_base}{path}"));
        form.pipeline.set(pipeline.to_string());
        form.batch.set(batch.to_string());
        match form.settings() {
            Ok(s) => on_apply(s),
            Err(e) => form.error.set(Some(e)),
        }
    };
    let examples = EXAMPLES
        .iter()
        .enumerate()
        .map(|(i, (name, ..))| view! { <option value=i.to_string()>{*name}</option> })
        .collect_view();
    // The URL may ask for an interval the list lacks (`batch=300ms`).
    let mut choices: Vec<String> = BATCH_CHOICES.iter().map(|c| c.to_string()).collect();
    let current = form.batch.get_untracked();
    if !choices.contains(&current) {
        choices.push(current);
    }
    let options = choices
        .into_iter()
        .map(|c| view! { <option value=c.clone()>{c.clone()}</option> })
        .collect_view();
    let pipeline_error = move || match form.error.get() {
        Some(FormError::Pipeline(p)) => {
            let caret = format!(
                "{}{}",
                " ".repeat(p.span.0),
                "^".repeat((p.span.1 - p.span.0).max(1))
            );
            view! {
                <div class="form-error" role="alert" data-testid="pipeline-error">
                    <pre class="caret" aria-hidden="true">{caret}</pre>
                    <span>{p.to_string()}</span>
                </div>
            }
            .into_any()
        }
        _ => ().into_any(),
    };
    let other_error = move || match form.error.get() {
        Some(FormError::Other(m)) => view! {
            <div class="form-error" role="alert" data-testid="form-error"><span>{m}</span></div>
        }
        .into_any(),
        _ => ().into_any(),
    };
    let notice = move || {
        form.notice.get().map(|m| {
            view! { <div class="form-error" role="alert" data-testid="settings-notice"><span>{m}</span></div> }
        })
    };
    view! {
        <form class="controls" on:submit=submit data-testid="settings">
            <label class="field feed">
                <span>"Feed"</span>
                <input type="text" spellcheck="false" data-testid="feed-input"
                    prop:value=move || form.feed.get()
                    on:input=move |ev| form.feed.set(event_target_value(&ev)) />
            </label>
            <label class="field batch">
                <span>"Batch interval"</span>
                <select data-testid="batch-select"
                    prop:value=move || form.batch.get()
                    on:change=move |ev| { form.batch.set(event_target_value(&ev)); form.check(); }>
                    {options}
                </select>
            </label>
            <label class="field pipeline">
                <span>"Pipeline"</span>
                <input type="text" spellcheck="false" class="mono" data-testid="pipeline-input"
                    prop:value=move || form.pipeline.get()
                    on:input=move |ev| { form.pipeline.set(event_target_value(&ev)); form.check(); } />
                {pipeline_error}
            </label>
            <label class="field examples">
                <span>"Examples"</span>
                <select data-testid="examples" on:change=pick>
                    <option value="" selected>"Pick an example…"</option>
                    {examples}
                </select>
            </label>
            <button type="submit" data-testid="apply">"Apply"</button>
            {other_error}
            {notice}
        </form>
    }
}
