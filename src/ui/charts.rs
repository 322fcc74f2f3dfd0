//! Light charts: an HTML bar list for keyed results and small SVG
//! timelines with labelled axes. Drawn from a snapshot once per batch.

use leptos::prelude::*;

use crate::ui::format;

/// Horizontal bars, largest first; keys are untrusted feed data and are
/// only ever text nodes.
pub fn bar_chart(bars: Vec<(String, f64)>) -> impl IntoView {
    let max = bars
        .iter()
        .map(|b| b.1)
        .fold(0.0_f64, f64::max)
        .max(f64::MIN_POSITIVE);
    let rows = bars
        .into_iter()
        .map(|(key, value)| {
            let width = format!("width: {:.1}%", (value / max * 100.0).clamp(0.0, 100.0));
            let shown = if value.fract() == 0.0 && value.abs() < 1e15 {
                format::count(value.abs() as u64)
            } else {
                format!("{value:.2}")
            };
            let shown = if value < 0.0 {
                format!("-{shown}")
            } else {
                shown
            };
            let title = key.clone();
            view! {
                <li class="bar" data-testid="bar">
                    <span class="bar-key" title=title>{key}</span>
                    <span class="bar-track"><span class="bar-fill" style=width></span></span>
                    <span class="bar-value">{shown}</span>
                </li>
            }
        })
        .collect_view();
    view! { <ol class="bars" data-testid="top-bars">{rows}</ol> }
}

/// A timeline of per-batch values with a y axis in `unit` (named in the
/// card's title and the chart's accessible title), and an optional dashed
/// reference line (the batch interval on the processing chart).
pub struct Timeline<'a> {
    pub points: Vec<(f64, f64)>,
    pub unit: &'a str,
    pub reference: Option<(f64, String)>,
    pub testid: &'static str,
}

const W: f64 = 420.0;
const H: f64 = 170.0;
const LEFT: f64 = 46.0;
const RIGHT: f64 = 10.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 30.0;

impl Timeline<'_> {
    pub fn view(self) -> impl IntoView {
        let ymax_data = self.points.iter().map(|p| p.1).fold(0.0_f64, f64::max);
        let ref_y = self.reference.as_ref().map_or(0.0, |r| r.0);
        let ymax = nice_ceiling(ymax_data.max(ref_y * 1.1));
        let (x0, x1) = match (self.points.first(), self.points.last()) {
            (Some(a), Some(b)) if b.0 > a.0 => (a.0, b.0),
            (Some(a), _) => (a.0 - 1.0, a.0),
            _ => (0.0, 1.0),
        };
        let sx = move |x: f64| LEFT + (x - x0) / (x1 - x0) * (W - LEFT - RIGHT);
        let sy = move |y: f64| TOP + (1.0 - y / ymax) * (H - TOP - BOTTOM);
        let line: String = self
            .points
            .iter()
            .map(|&(x, y)| format!("{:.1},{:.1} ", sx(x), sy(y)))
            .collect();
        let area = match (self.points.first(), self.points.last()) {
            (Some(a), Some(b)) => format!(
                "{:.1},{:.1} {line}{:.1},{:.1}",
                sx(a.0),
                sy(0.0),
                sx(b.0),
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
        let x_labels = view! {
            <text class="tick" x=LEFT y=H - 12.0 text-anchor="start">{format!("{x0:.1} s")}</text>
            <text class="tick" x=W - RIGHT y=H - 12.0 text-anchor="end">{format!("{x1:.1} s")}</text>
            <text class="axis-label" x=(LEFT + W) / 2.0 y=H - 2.0 text-anchor="middle">"batch time"</text>
        };
        let unit = self.unit.to_string();
        view! {
            <svg class="timeline" viewBox=format!("0 0 {W} {H}") role="img" data-testid=self.testid>
                <title>{format!("per batch, in {unit}")}</title>
                {ticks}
                <polygon class="area" points=area></polygon>
                <polyline class="series" points=line></polyline>
                {reference}
                {x_labels}
            </svg>
        }
    }
}

/// 1, 2 or 5 times a power of ten, at or above `v`.
fn nice_ceiling(v: f64) -> f64 {
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

fn tick_label(v: f64) -> String {
    if v >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if v >= 1e4 {
        format!("{:.0}k", v / 1e3)
    } else if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}
