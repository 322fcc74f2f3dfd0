//! Results: what the pipeline emitted last, drawn for its shape. Keyed
//! numbers get a top-10 bar chart and a searchable table of every key; one
//! number per batch (`count`, `reduce`) a line over time; groups their
//! members; anything else its rows. Keyed numbers arrive ranked (see
//! [`crate::ranking`]): the view takes them in order and never sorts.

use leptos::prelude::*;
use sparklet_engine::Value;

use crate::export;
use crate::ranking::{is_keyed_numbers, number_pair};
use crate::ui::board::Board;
use crate::ui::charts::{BarChart, Timeline};
use crate::ui::download::DownloadButtons;
use crate::ui::format;
use crate::ui::keyed::keyed;

/// Rows a table or list shows at most.
const ROWS: usize = 100;
/// Bars in the chart of the largest keys.
const BARS: usize = 10;

/// How the latest output is drawn.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Shape {
    Nothing,
    Keyed,
    Groups,
    Scalar,
    Rows,
}

fn shape_of(out: &[Value]) -> Shape {
    if let [single] = out {
        if single.as_f64().is_some() {
            return Shape::Scalar;
        }
    }
    let groups = !out.is_empty()
        && out.iter().all(|v| {
            v.as_pair()
                .is_some_and(|(_, m)| matches!(m, Value::List(_)))
        });
    if is_keyed_numbers(out) {
        Shape::Keyed
    } else if groups {
        Shape::Groups
    } else {
        Shape::Rows
    }
}

fn key_text(k: &Value) -> String {
    k.as_str().map_or_else(|| k.to_string(), str::to_string)
}

/// Whether `text` matches a lowercased search (empty matches everything).
fn matches(text: &str, query: &str) -> bool {
    query.is_empty() || text.to_lowercase().contains(query)
}

/// The latest output, drawn for its shape, with a search over its keys.
#[component]
pub fn Results(
    /// The listener the view reads, redrawn at most once per frame.
    board: Board,
) -> impl IntoView {
    let search = RwSignal::new(String::new());
    // The shape alone decides which view is mounted: a new batch of the
    // same shape updates that view's rows instead of rebuilding it.
    let shape = Memo::new(move |_| {
        board.read(|l| {
            l.latest_output()
                .map_or(Shape::Nothing, |(_, out)| shape_of(out))
        })
    });
    let title = move || {
        board.read(|l| {
            l.latest_output().map(|(t, out)| {
                format!(
                    "Results at {:.1} s ({} rows)",
                    *t as f64 / 1000.0,
                    format::count(out.len() as u64)
                )
            })
        })
    };
    let pipeline = move || board.read(|l| l.status.settings.as_ref().map(|s| s.pipeline.clone()));
    // An event-time batch emits only what the watermark closed in it.
    let event_hint = move || {
        board.read(|l| {
            l.event_totals.as_ref().map(|t| {
                let n = format::count(t.windows.len() as u64);
                view! {
                    <p class="hint" data-testid="results-event-hint">
                        {format!("An event-time pipeline: each batch emits the windows its watermark \
                            closed (append), changed (update) or holds (complete); {n} windows so far, \
                            the newest in the Event time tab.")}
                    </p>
                }
            })
        })
    };
    let body = move || match shape.get() {
        Shape::Nothing => {
            view! { <p class="empty">"No output yet: waiting for the first batch."</p> }.into_any()
        }
        Shape::Keyed => view! { <KeyedResults board search /> }.into_any(),
        Shape::Groups => view! { <GroupResults board search /> }.into_any(),
        Shape::Scalar => view! { <ScalarResult board /> }.into_any(),
        Shape::Rows => view! { <RowResults board search /> }.into_any(),
    };
    view! {
        <section class="card wide results" data-testid="results">
            <div class="view-tools">
                <label class="search">
                    <span>"Search keys"</span>
                    <input type="search" data-testid="results-search" prop:value=move || search.get()
                        on:input=move |ev| search.set(event_target_value(&ev)) />
                </label>
                <DownloadButtons board what="results" file=export::results
                    ready=|l| l.latest_output().is_some() />
            </div>
            <Show when=move || shape.get() != Shape::Nothing>
                <h2 data-testid="results-title">{title}</h2>
                <p class="pipeline-text mono">{pipeline}</p>
            </Show>
            {event_hint}
            {body}
        </section>
    }
}

/// Runs `f` over the latest output (empty before the first).
fn with_latest<R>(board: Board, f: impl FnOnce(&[Value]) -> R) -> R {
    board.read(|l| f(l.latest_output().map_or(&[][..], |(_, out)| out.as_slice())))
}

/// `rows` of the latest output for the lowercased search, as a memo: the
/// keyed list it feeds hears of a batch only when its rows changed.
fn searched<R: PartialEq + Send + Sync + 'static>(
    board: Board,
    search: RwSignal<String>,
    rows: fn(&[Value], &str) -> R,
) -> Memo<R> {
    Memo::new(move |_| {
        let query = search.get().to_lowercase();
        with_latest(board, |out| rows(out, &query))
    })
}

/// The keys that match and the first `take` of them, in the order they
/// came (ranked): no sort, and no key text made without a search.
fn keyed_numbers(out: &[Value], query: &str, take: usize) -> (usize, Vec<(String, f64)>) {
    if query.is_empty() {
        let rows = out.iter().take(take).map(number_pair);
        return (out.len(), rows.map(|(k, n)| (key_text(k), n)).collect());
    }
    let mut rows = Vec::new();
    let mut total = 0;
    for (k, n) in out.iter().map(number_pair) {
        let text = key_text(k);
        if matches(&text, query) {
            total += 1;
            if rows.len() < take {
                rows.push((text, n));
            }
        }
    }
    (total, rows)
}

/// Groups whose key matches: the key, its size and its first members.
fn group_rows(out: &[Value], query: &str) -> Vec<(String, usize, String)> {
    out.iter()
        .filter_map(Value::as_pair)
        .map(|(k, members)| (key_text(k), members))
        .filter(|(k, _)| matches(k, query))
        .take(ROWS)
        .map(|(k, members)| {
            let items = if let Value::List(items) = members {
                &items[..]
            } else {
                &[]
            };
            let shown = items
                .iter()
                .take(20)
                .map(Value::to_string)
                .collect::<Vec<_>>();
            (k, items.len(), shown.join(", "))
        })
        .collect()
}

/// Rows whose text matches.
fn text_rows(out: &[Value], query: &str) -> Vec<String> {
    out.iter()
        .map(Value::to_string)
        .filter(|r| matches(r, query))
        .take(ROWS)
        .collect()
}

/// Keyed numbers: bars of the largest and a table of the keys that match.
#[component]
fn KeyedResults(
    /// The listener the view reads.
    board: Board,
    /// What the table's keys must contain.
    search: RwSignal<String>,
) -> impl IntoView {
    let bars = Memo::new(move |_| with_latest(board, |out| keyed_numbers(out, "", BARS).1));
    let table = searched(board, search, |out, query| keyed_numbers(out, query, ROWS));
    let rows =
        move || table.with(|t| keyed(t.1.iter().cloned(), |(k, v)| (k.clone(), v.to_bits())));
    view! {
        <BarChart bars />
        <h3>{move || format!("All keys: {} match", format::count(table.with(|t| t.0) as u64))}</h3>
        <table class="keys" data-testid="keys-table">
            <thead><tr><th scope="col">"Key"</th><th scope="col" class="num">"Value"</th></tr></thead>
            <tbody>
                <For each=rows key=|r| r.key.clone() children=|r| {
                    let (key, value) = r.row;
                    view! { <tr><td><code>{key}</code></td><td class="num">{format::number(value)}</td></tr> }
                } />
            </tbody>
        </table>
    }
}

/// Groups (`group_by_key`): each key with its first members.
#[component]
fn GroupResults(
    /// The listener the view reads.
    board: Board,
    /// What the keys must contain.
    search: RwSignal<String>,
) -> impl IntoView {
    let groups = searched(board, search, group_rows);
    let rows = move || groups.with(|g| keyed(g.iter().cloned(), Clone::clone));
    view! {
        <ul class="groups" data-testid="groups">
            <For each=rows key=|r| r.key.clone() children=|r| {
                let (k, n, shown) = r.row;
                view! { <li><code class="group-key">{k}</code>" (" {n} "): " <code>{shown}</code></li> }
            } />
        </ul>
    }
}

/// One number per batch: the latest, and a line of every batch's.
#[component]
fn ScalarResult(
    /// The listener the view reads.
    board: Board,
) -> impl IntoView {
    move || {
        let selected = board.selected.get();
        board.read(|l| {
            let x = l
                .latest_output()
                .and_then(|(_, out)| out.first()?.as_f64())
                .unwrap_or(0.0);
            let points: Vec<(u64, f64, f64)> = l
                .batches()
                .iter()
                .filter_map(|b| {
                    b.scalar
                        .map(|v| (b.info.batch, b.info.time_ms as f64 / 1000.0, v))
                })
                .collect();
            view! {
                <p class="big-number" data-testid="scalar">{format::number(x)}</p>
                <Timeline points unit="value" reference=None selected testid="scalar-chart"
                    on_pick=move |b| board.selected.set(Some(b)) />
            }
        })
    }
}

/// Anything else: the output's rows as text.
#[component]
fn RowResults(
    /// The listener the view reads.
    board: Board,
    /// What the rows must contain.
    search: RwSignal<String>,
) -> impl IntoView {
    let shown = searched(board, search, text_rows);
    let rows = move || shown.with(|s| keyed(s.iter().cloned(), Clone::clone));
    view! {
        <ol class="rows" data-testid="output-rows">
            <For each=rows key=|r| r.key.clone() children=|r| view! { <li><code>{r.row}</code></li> } />
        </ol>
    }
}
