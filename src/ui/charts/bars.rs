//! Horizontal bars for keyed results, largest first: a keyed list, so a
//! batch that changes one key's value redraws that bar (and the widths,
//! when the largest moves).

use leptos::prelude::*;

use crate::ui::format;
use crate::ui::keyed::keyed;

/// The bars of `bars`, in the order given.
#[component]
pub fn BarChart(
    /// `(key, value)` pairs, largest first.
    #[prop(into)]
    bars: Signal<Vec<(String, f64)>>,
) -> impl IntoView {
    let max = Memo::new(move |_| {
        bars.with(|b| b.iter().map(|b| b.1.abs()).fold(0.0_f64, f64::max))
            .max(f64::MIN_POSITIVE)
    });
    let rows = move || bars.with(|b| keyed(b.iter().cloned(), |(k, v)| (k.clone(), v.to_bits())));
    view! {
        <ol class="bars" data-testid="top-bars">
            <For each=rows key=|r| r.key.clone() children=move |r| {
                let (key, value) = r.row;
                let width = move || {
                    format!("width: {:.1}%", (value.abs() / max.get() * 100.0).clamp(0.0, 100.0))
                };
                let title = key.clone();
                view! {
                    <li class="bar" data-testid="bar">
                        <span class="bar-key" title=title>{key}</span>
                        <span class="bar-track"><span class="bar-fill" style=width></span></span>
                        <span class="bar-value">{format::number(value)}</span>
                    </li>
                }
            } />
        </ol>
    }
}
