//! Light charts, drawn as SVG from the listener once per frame: timelines
//! (clickable: a click opens the nearest batch), histograms, and an HTML
//! bar list for keyed results. Every chart has a title, units and labelled
//! axes. Feed data only ever becomes text nodes. This module holds what
//! they share: the drawing area, its scale, and tick labels.

mod bars;
mod bins;
mod timeline;

pub use bars::BarChart;
pub use bins::{BinsChart, Histogram};
pub use timeline::{Points, Timeline};

use leptos::prelude::*;

const W: f64 = 600.0;
const H: f64 = 160.0;
const LEFT: f64 = 46.0;
const RIGHT: f64 = 10.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 30.0;
/// Histograms sit beside timelines in a narrower column.
const HW: f64 = 400.0;

/// The y of `v` on a timeline scaled to `ymax`.
fn y_of(v: f64, ymax: f64) -> f64 {
    TOP + (1.0 - (v / ymax).clamp(0.0, 1.0)) * (H - TOP - BOTTOM)
}

/// A timeline's grid lines with y ticks at 0, half and full scale, and x
/// end labels.
#[component]
fn Axes(
    /// The top of the y scale.
    ymax: f64,
    /// The x range, in s.
    x0: f64,
    x1: f64,
    /// What the x axis measures.
    x_label: &'static str,
) -> impl IntoView {
    let ticks = [0.0, ymax / 2.0, ymax]
        .into_iter()
        .map(|v| {
            let y = y_of(v, ymax);
            view! {
                <line class="grid" x1=LEFT x2=W - RIGHT y1=y y2=y></line>
                <text class="tick" x=LEFT - 6.0 y=y + 4.0 text-anchor="end">{tick_label(v)}</text>
            }
        })
        .collect_view();
    view! {
        {ticks}
        <text class="tick" x=LEFT y=H - 12.0 text-anchor="start">{format!("{x0:.1} s")}</text>
        <text class="tick" x=W - RIGHT y=H - 12.0 text-anchor="end">{format!("{x1:.1} s")}</text>
        <text class="axis-label" x=(LEFT + W) / 2.0 y=H - 2.0 text-anchor="middle">{x_label}</text>
    }
}

/// 1, 2 or 5 times a power of ten, at or above `v`.
pub fn nice_ceiling(v: f64) -> f64 {
    if v <= 0.0 || !v.is_finite() {
        return 1.0;
    }
    let p = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * p)
        .find(|c| *c >= v)
        .unwrap_or(10.0 * p)
}

pub fn tick_label(v: f64) -> String {
    if v >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if v >= 1e4 {
        format!("{:.0}k", v / 1e3)
    } else if v.fract() == 0.0 || v >= 10.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}
