//! Vertical bars over bins: the histogram Spark's Streaming tab draws
//! beside each timeline, and latency's fixed bins.

use leptos::prelude::*;

use super::{nice_ceiling, tick_label, BOTTOM, H, HW, LEFT, RIGHT, TOP};

/// A histogram of `values` in ten equal bins from 0 to the maximum.
#[component]
pub fn Histogram(
    /// One value per batch.
    values: Vec<f64>,
    /// What the values measure, under the x axis.
    unit: &'static str,
    /// The chart's `data-testid`.
    #[prop(into)]
    testid: String,
) -> impl IntoView {
    const BINS: usize = 10;
    let max = nice_ceiling(values.iter().copied().fold(0.0_f64, f64::max));
    let mut counts = vec![0u64; BINS];
    for v in &values {
        let i = ((v / max) * BINS as f64)
            .floor()
            .clamp(0.0, (BINS - 1) as f64) as usize;
        counts[i] += 1;
    }
    let edges: Vec<String> = (0..=BINS)
        .map(|i| tick_label(max * i as f64 / BINS as f64))
        .collect();
    view! { <BinsChart counts edges unit testid /> }
}

/// Vertical bars of `counts`, labelled at both ends and the middle.
#[component]
pub fn BinsChart(
    /// Batches (or records) in each bin.
    counts: Vec<u64>,
    /// The bins' edges: one more label than bins.
    edges: Vec<String>,
    /// What the bins measure, under the x axis.
    unit: &'static str,
    /// The chart's `data-testid`.
    #[prop(into)]
    testid: String,
    /// What is counted (default: batches).
    #[prop(optional)]
    items: Option<&'static str>,
) -> impl IntoView {
    let items = items.unwrap_or("batches");
    let n = counts.len().max(1);
    let top = counts.iter().copied().max().unwrap_or(0).max(1) as f64;
    let band = (HW - LEFT - RIGHT) / n as f64;
    let bars = counts
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let h = c as f64 / top * (H - TOP - BOTTOM);
            let x = LEFT + i as f64 * band;
            view! {
                <rect class="bin" x=x + 1.0 y=H - BOTTOM - h width=(band - 2.0).max(1.0) height=h>
                    <title>{format!("{} to {} {unit}: {c} {items}", edges[i], edges[i + 1])}</title>
                </rect>
            }
        })
        .collect_view();
    let mid = n / 2;
    view! {
        <svg class="histogram" viewBox=format!("0 0 {HW} {H}") role="img" data-testid=testid>
            <title>{format!("how many {items} fall in each range of {unit}")}</title>
            <line class="grid" x1=LEFT x2=HW - RIGHT y1=H - BOTTOM y2=H - BOTTOM></line>
            <text class="tick" x=LEFT - 6.0 y=TOP + 4.0 text-anchor="end">{tick_label(top)}</text>
            <text class="tick" x=LEFT - 6.0 y=H - BOTTOM + 4.0 text-anchor="end">"0"</text>
            {bars}
            <text class="tick" x=LEFT y=H - 12.0 text-anchor="start">{edges[0].clone()}</text>
            <text class="tick" x=LEFT + mid as f64 * band y=H - 12.0 text-anchor="middle">{edges[mid].clone()}</text>
            <text class="tick" x=HW - RIGHT y=H - 12.0 text-anchor="end">{edges[n].clone()}</text>
            <text class="axis-label" x=(LEFT + HW) / 2.0 y=H - 2.0 text-anchor="middle">{unit}</text>
        </svg>
    }
}
