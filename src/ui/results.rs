//! Results: what the pipeline emitted last, drawn for its shape. Keyed
//! numbers get a top-10 bar chart and a searchable table of every key; one
//! number per batch (`count`, `reduce`) a line over time; groups their
//! members; anything else its rows.

use leptos::prelude::*;
use sparklet_engine::Value;

use crate::ui::board::Board;
use crate::ui::charts::{bar_chart, Timeline};
use crate::ui::format;

/// Rows a table or list shows at most.
const ROWS: usize = 100;

enum Shape<'a> {
    /// Keys by reference: a state of 100,000 keys is ranked, not copied.
    Keyed(Vec<(&'a Value, f64)>),
    Groups(Vec<(String, Vec<String>)>),
    Scalar(f64),
    Rows(Vec<String>),
}

fn key_text(k: &Value) -> String {
    k.as_str().map_or_else(|| k.to_string(), str::to_string)
}

fn shape_of(out: &[Value]) -> Shape<'_> {
    if let [single] = out {
        if let Some(x) = single.as_f64() {
            return Shape::Scalar(x);
        }
    }
    let pairs: Option<Vec<(&Value, &Value)>> = out.iter().map(Value::as_pair).collect();
    match pairs {
        Some(p) if !p.is_empty() && p.iter().all(|(_, v)| v.as_f64().is_some()) => Shape::Keyed(
            p.into_iter()
                .map(|(k, v)| (k, v.as_f64().unwrap_or(0.0)))
                .collect(),
        ),
        Some(p) if !p.is_empty() && p.iter().all(|(_, v)| matches!(v, Value::List(_))) => {
            Shape::Groups(
                p.into_iter()
                    .map(|(k, v)| {
                        let Value::List(items) = v else {
                            unreachable!("checked above")
                        };
                        (key_text(k), items.iter().map(Value::to_string).collect())
                    })
                    .collect(),
            )
        }
        _ => Shape::Rows(out.iter().map(Value::to_string).collect()),
    }
}

/// The `n` largest, largest first, ties by key (the order of `top`):
/// a selection, then a sort of `n`, whatever the number of keys.
fn top(mut keyed: Vec<(&Value, f64)>, n: usize) -> Vec<(String, f64)> {
    let rank =
        |a: &(&Value, f64), b: &(&Value, f64)| b.1.total_cmp(&a.1).then_with(|| a.0.total_cmp(b.0));
    if keyed.len() > n {
        keyed.select_nth_unstable_by(n, rank);
        keyed.truncate(n);
    }
    keyed.sort_by(rank);
    keyed.into_iter().map(|(k, v)| (key_text(k), v)).collect()
}

pub fn results(board: Board) -> impl IntoView {
    let search = RwSignal::new(String::new());
    let body = move || {
        let query = search.get().to_lowercase();
        let selected = board.selected.get();
        board.read(|l| {
            let Some((t, out)) = l.latest_output() else {
                return view! { <p class="empty">"No output yet: waiting for the first batch."</p> }.into_any();
            };
            let title = format!("Results at {:.1} s ({} rows)", *t as f64 / 1000.0, format::count(out.len() as u64));
            let pipeline = l.status.settings.as_ref().map(|s| s.pipeline.clone()).unwrap_or_default();
            let shown = match shape_of(out) {
                Shape::Keyed(keyed) => {
                    let bars = top(keyed.clone(), 10);
                    let matches: Vec<_> = if query.is_empty() {
                        keyed
                    } else {
                        keyed.into_iter().filter(|(k, _)| key_text(k).to_lowercase().contains(&query)).collect()
                    };
                    let total = matches.len();
                    let rows = top(matches, ROWS)
                        .into_iter()
                        .map(|(k, v)| view! { <tr><td><code>{k}</code></td><td class="num">{format::number(v)}</td></tr> })
                        .collect_view();
                    view! {
                        {bar_chart(bars)}
                        <h3>{format!("All keys: {} match", format::count(total as u64))}</h3>
                        <table class="keys" data-testid="keys-table">
                            <thead><tr><th scope="col">"Key"</th><th scope="col" class="num">"Value"</th></tr></thead>
                            <tbody>{rows}</tbody>
                        </table>
                    }
                    .into_any()
                }
                Shape::Groups(groups) => {
                    let items = groups
                        .into_iter()
                        .filter(|(k, _)| k.to_lowercase().contains(&query))
                        .take(ROWS)
                        .map(|(k, members)| {
                            let n = members.len();
                            let shown = members.into_iter().take(20).collect::<Vec<_>>().join(", ");
                            view! { <li><code class="group-key">{k}</code>" (" {n} "): " <code>{shown}</code></li> }
                        })
                        .collect_view();
                    view! { <ul class="groups" data-testid="groups">{items}</ul> }.into_any()
                }
                Shape::Scalar(x) => {
                    let points: Vec<(u64, f64, f64)> = l
                        .batches()
                        .iter()
                        .filter_map(|b| b.scalar.map(|v| (b.info.batch, b.info.time_ms as f64 / 1000.0, v)))
                        .collect();
                    let line = Timeline { points, unit: "value", reference: None, selected, extra: Vec::new(), testid: "scalar-chart".into() };
                    view! {
                        <p class="big-number" data-testid="scalar">{format::number(x)}</p>
                        {line.view(move |b| board.selected.set(Some(b)))}
                    }
                    .into_any()
                }
                Shape::Rows(rows) => {
                    let items = rows
                        .into_iter()
                        .filter(|r| r.to_lowercase().contains(&query))
                        .take(ROWS)
                        .map(|r| view! { <li><code>{r}</code></li> })
                        .collect_view();
                    view! { <ol class="rows" data-testid="output-rows">{items}</ol> }.into_any()
                }
            };
            view! {
                <h2 data-testid="results-title">{title}</h2>
                <p class="pipeline-text mono">{pipeline}</p>
                {shown}
            }
            .into_any()
        })
    };
    view! {
        <section class="card wide results" data-testid="results">
            <label class="search">
                <span>"Search keys"</span>
                <input type="search" data-testid="results-search" prop:value=move || search.get()
                    on:input=move |ev| search.set(event_target_value(&ev)) />
            </label>
            {body}
        </section>
    }
}
