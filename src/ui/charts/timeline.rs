//! A series over batch times, as Spark's Streaming tab draws each metric:
//! an area under a line, a reference line, the selected batch marked. A
//! click picks the nearest batch.

use leptos::prelude::*;

use super::{nice_ceiling, y_of, Axes, H, LEFT, RIGHT, W};

/// Points of a series: `(batch number, time in s, value)`.
pub type Points = Vec<(u64, f64, f64)>;

/// A timeline of the retained batches.
#[component]
pub fn Timeline(
    /// The series drawn filled.
    points: Points,
    /// What the y axis measures, e.g. "ms" or "records/s".
    unit: &'static str,
    /// A dashed line and its label (the batch interval).
    reference: Option<(f64, String)>,
    /// The batch to mark.
    selected: Option<u64>,
    /// More series on the same axes: a CSS class and the points.
    #[prop(optional)]
    extra: Vec<(&'static str, Points)>,
    /// The chart's `data-testid`.
    #[prop(into)]
    testid: String,
    /// What the x axis measures (default: batch time).
    #[prop(optional)]
    x_label: Option<&'static str>,
    /// Gets the batch nearest a click.
    on_pick: impl Fn(u64) + 'static,
) -> impl IntoView {
    let all = points.iter().chain(extra.iter().flat_map(|e| e.1.iter()));
    let ymax = nice_ceiling(
        all.map(|p| p.2)
            .fold(0.0_f64, f64::max)
            .max(reference.as_ref().map_or(0.0, |r| r.0 * 1.1)),
    );
    let (x0, x1) = x_range(&points);
    let sx = move |x: f64| LEFT + (x - x0) / (x1 - x0) * (W - LEFT - RIGHT);
    let sy = move |y: f64| y_of(y, ymax);
    let polyline = |pts: &Points| -> String {
        pts.iter()
            .map(|&(_, x, y)| format!("{:.1},{:.1} ", sx(x), sy(y)))
            .collect()
    };
    let line = polyline(&points);
    let area = match (points.first(), points.last()) {
        (Some(a), Some(b)) => format!(
            "{:.1},{:.1} {line}{:.1},{:.1}",
            sx(a.1),
            sy(0.0),
            sx(b.1),
            sy(0.0)
        ),
        _ => String::new(),
    };
    let reference = reference.map(|(y, label)| {
        let yy = sy(y);
        view! {
            <line class="ref-line" x1=LEFT x2=W - RIGHT y1=yy y2=yy></line>
            <text class="ref-label" x=W - RIGHT - 4.0 y=yy - 4.0 text-anchor="end">{label}</text>
        }
    });
    let extra = extra
        .iter()
        .map(|(class, pts)| {
            view! { <polyline class=format!("series {class}") points=polyline(pts)></polyline> }
        })
        .collect_view();
    let marker = selected
        .and_then(|b| points.iter().find(|p| p.0 == b))
        .map(|&(_, x, y)| {
            view! { <circle class="marker" cx=sx(x) cy=sy(y) r="4"></circle> }
        });
    let batches: Vec<(u64, f64)> = points.iter().map(|p| (p.0, sx(p.1))).collect();
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
    view! {
        <svg class="timeline" viewBox=format!("0 0 {W} {H}") role="img" data-testid=testid
            data-x0=x0 data-x1=x1 data-left=LEFT data-right=RIGHT data-width=W on:click=pick>
            <title>{format!("per batch, in {unit}; click a point to open its batch")}</title>
            <Axes ymax x0 x1 x_label=x_label.unwrap_or("batch time") />
            <polygon class="area" points=area></polygon>
            <polyline class="series" points=line></polyline>
            {extra}
            {reference}
            {marker}
        </svg>
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
