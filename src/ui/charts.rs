//! Light charts, drawn as SVG from the listener once per frame: timelines
//! (clickable: a click opens the nearest batch), histograms, and an HTML
//! bar list for keyed results. Every chart has a title, units and labelled
//! axes. Feed data only ever becomes text nodes.

use leptos::prelude::*;

use crate::ui::format;

const W: f64 = 600.0;
const H: f64 = 160.0;
const LEFT: f64 = 46.0;
const RIGHT: f64 = 10.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 30.0;
/// Histograms sit beside timelines in a narrower column.
const HW: f64 = 400.0;

/// Points of a series: `(batch number, time in s, value)`.
pub type Points = Vec<(u64, f64, f64)>;

/// A series over batch times.
pub struct Timeline {
    pub points: Points,
    /// What the y axis measures, e.g. "ms" or "records/s".
    pub unit: &'static str,
    /// A dashed line and its label (the batch interval).
    pub reference: Option<(f64, String)>,
    /// The batch to mark.
    pub selected: Option<u64>,
    /// More series on the same axes: a CSS class and the points.
    pub extra: Vec<(&'static str, Points)>,
    pub testid: String,
}

impl Timeline {
    /// Draws the timeline; `on_pick` gets the batch nearest a click.
    pub fn view(self, on_pick: impl Fn(u64) + 'static) -> impl IntoView {
        let all = self
            .points
            .iter()
            .chain(self.extra.iter().flat_map(|e| e.1.iter()));
        let ymax = nice_ceiling(
            all.map(|p| p.2)
                .fold(0.0_f64, f64::max)
                .max(self.reference.as_ref().map_or(0.0, |r| r.0 * 1.1)),
        );
        let (x0, x1) = x_range(&self.points);
        let sx = move |x: f64| LEFT + (x - x0) / (x1 - x0) * (W - LEFT - RIGHT);
        let sy = move |y: f64| TOP + (1.0 - (y / ymax).clamp(0.0, 1.0)) * (H - TOP - BOTTOM);
        let line: String = self
            .points
            .iter()
            .map(|&(_, x, y)| format!("{:.1},{:.1} ", sx(x), sy(y)))
            .collect();
        let area = match (self.points.first(), self.points.last()) {
            (Some(a), Some(b)) => format!(
                "{:.1},{:.1} {line}{:.1},{:.1}",
                sx(a.1),
                sy(0.0),
                sx(b.1),
                sy(0.0)
            ),
            _ => String::new(),
        };
        let reference = self.reference.map(|(y, label)| {
            let yy = sy(y);
            view! {
                <line class="ref-line" x1=LEFT x2=W - RIGHT y1=yy y2=yy></line>
                <text class="ref-label" x=W - RIGHT - 4.0 y=yy - 4.0 text-anchor="end">{label}</text>
            }
        });
        let extra = self
            .extra
            .iter()
            .map(|(class, pts)| {
                let line: String = pts
                    .iter()
                    .map(|&(_, x, y)| format!("{:.1},{:.1} ", sx(x), sy(y)))
                    .collect();
                view! { <polyline class=format!("series {class}") points=line></polyline> }
            })
            .collect_view();
        let marker = self
            .selected
            .and_then(|b| self.points.iter().find(|p| p.0 == b))
            .map(|&(_, x, y)| {
                view! { <circle class="marker" cx=sx(x) cy=sy(y) r="4"></circle> }
            });
        let batches: Vec<(u64, f64)> = self.points.iter().map(|p| (p.0, sx(p.1))).collect();
        let pick = move |ev: leptos::ev::MouseEvent| {
            // The click's x in the chart's own units, then the nearest batch.
            let Some(svg) = ev
                .current_target()
                .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
            else {
                return;
            };
            let rect = svg.get_bounding_client_rect();
            if rect.width() <= 0.0 {
                return;
            }
            let x = (ev.client_x() as f64 - rect.left()) / rect.width() * W;
            if let Some(&(b, _)) = batches
                .iter()
                .min_by(|a, b| (a.1 - x).abs().total_cmp(&(b.1 - x).abs()))
            {
                on_pick(b);
            }
        };
        let unit = self.unit;
        view! {
            <svg class="timeline" viewBox=format!("0 0 {W} {H}") role="img" data-testid=self.testid
                data-x0=x0 data-x1=x1 data-left=LEFT data-right=RIGHT data-width=W on:click=pick>
                <title>{format!("per batch, in {unit}; click a point to open its batch")}</title>
                {axes(ymax, sy, x0, x1, "batch time")}
                <polygon class="area" points=area></polygon>
                <polyline class="series" points=line></polyline>
                {extra}
                {reference}
                {marker}
            </svg>
        }
    }
}

/// The x range of a series, never empty.
fn x_range(points: &[(u64, f64, f64)]) -> (f64, f64) {
    match (points.first(), points.last()) {
        (Some(a), Some(b)) if b.1 > a.1 => (a.1, b.1),
        (Some(a), _) => (a.1 - 1.0, a.1),
        _ => (0.0, 1.0),
    }
}

/// Grid lines with y ticks at 0, half and full scale, and x end labels.
fn axes(
    ymax: f64,
    sy: impl Fn(f64) -> f64,
    x0: f64,
    x1: f64,
    x_label: &'static str,
) -> impl IntoView {
    let ticks = [0.0, ymax / 2.0, ymax]
        .into_iter()
        .map(|v| {
            let y = sy(v);
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

/// A histogram of `values` in `bins` equal bins from 0 to the maximum, as
/// Spark's Streaming tab draws beside each timeline.
pub fn histogram(values: &[f64], unit: &'static str, testid: String) -> impl IntoView {
    const BINS: usize = 10;
    let max = nice_ceiling(values.iter().copied().fold(0.0_f64, f64::max));
    let mut counts = [0u64; BINS];
    for v in values {
        let i = ((v / max) * BINS as f64)
            .floor()
            .clamp(0.0, (BINS - 1) as f64) as usize;
        counts[i] += 1;
    }
    let labels: Vec<String> = (0..=BINS)
        .map(|i| tick_label(max * i as f64 / BINS as f64))
        .collect();
    bins_chart(&counts, &labels, unit, testid)
}

/// Vertical bars of `counts` over bins whose edges are `edges` (one more
/// label than bins), labelled at both ends and the middle.
pub fn bins_chart(counts: &[u64], edges: &[String], unit: &str, testid: String) -> impl IntoView {
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
                    <title>{format!("{} to {} {unit}: {c} batches", edges[i], edges[i + 1])}</title>
                </rect>
            }
        })
        .collect_view();
    let mid = n / 2;
    view! {
        <svg class="histogram" viewBox=format!("0 0 {HW} {H}") role="img" data-testid=testid>
            <title>{format!("how many batches fall in each range of {unit}")}</title>
            <line class="grid" x1=LEFT x2=HW - RIGHT y1=H - BOTTOM y2=H - BOTTOM></line>
            <text class="tick" x=LEFT - 6.0 y=TOP + 4.0 text-anchor="end">{tick_label(top)}</text>
            <text class="tick" x=LEFT - 6.0 y=H - BOTTOM + 4.0 text-anchor="end">"0"</text>
            {bars}
            <text class="tick" x=LEFT y=H - 12.0 text-anchor="start">{edges[0].clone()}</text>
            <text class="tick" x=LEFT + mid as f64 * band y=H - 12.0 text-anchor="middle">{edges[mid].clone()}</text>
            <text class="tick" x=HW - RIGHT y=H - 12.0 text-anchor="end">{edges[n].clone()}</text>
            <text class="axis-label" x=(LEFT + HW) / 2.0 y=H - 2.0 text-anchor="middle">{unit.to_string()}</text>
        </svg>
    }
}

/// Horizontal bars, largest first.
pub fn bar_chart(bars: Vec<(String, f64)>) -> impl IntoView {
    let max = bars
        .iter()
        .map(|b| b.1.abs())
        .fold(0.0_f64, f64::max)
        .max(f64::MIN_POSITIVE);
    let rows = bars
        .into_iter()
        .map(|(key, value)| {
            let width = format!(
                "width: {:.1}%",
                (value.abs() / max * 100.0).clamp(0.0, 100.0)
            );
            let title = key.clone();
            view! {
                <li class="bar" data-testid="bar">
                    <span class="bar-key" title=title>{key}</span>
                    <span class="bar-track"><span class="bar-fill" style=width></span></span>
                    <span class="bar-value">{format::number(value)}</span>
                </li>
            }
        })
        .collect_view();
    view! { <ol class="bars" data-testid="top-bars">{rows}</ol> }
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
