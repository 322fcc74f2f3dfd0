//! The Stages view: the pipeline drawn as its stages, left to right, each
//! with the records it took in and gave out and the time it took in the
//! last batch, and the slowest one highlighted: where a person looks first
//! when a pipeline falls behind (Spark's DAG view, Flink's operator
//! metrics). Stages the engine runs fused show as one, named after them.

use leptos::prelude::*;
use sparklet_engine::dstream::StageFigures;

use crate::listener::Listener;
use crate::ui::board::Board;
use crate::ui::format;

/// The batches a stage's average time is taken over: enough to steady the
/// highlight, few enough to follow a change.
pub const RECENT: usize = 20;

/// One stage as the view shows it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StageRow {
    pub figures: StageFigures,
    /// Its mean time over the last [`RECENT`] batches of this pipeline.
    pub avg_ms: f64,
    /// Its share of the last batch's stage time, 0 to 1.
    pub share: f64,
    /// Whether its average time is the largest.
    pub slowest: bool,
}

/// The last batch's number and its stages, as shown.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Snapshot {
    pub batch: u64,
    pub rows: Vec<StageRow>,
}

impl Snapshot {
    /// What the view shows of `l`: the last batch's stages, averaged over
    /// the recent batches that ran the same stages.
    pub fn of(l: &Listener) -> Snapshot {
        let Some(last) = l.last() else {
            return Snapshot::default();
        };
        let same = |b: &&crate::listener::BatchRecord| {
            b.stages.len() == last.stages.len()
                && b.stages
                    .iter()
                    .zip(&last.stages)
                    .all(|(a, b)| a.name == b.name)
        };
        let recent: Vec<_> = l.batches().iter().rev().take(RECENT).filter(same).collect();
        let total: f64 = last.stages.iter().map(|s| s.ms).sum();
        let mut rows: Vec<StageRow> = last
            .stages
            .iter()
            .enumerate()
            .map(|(i, s)| StageRow {
                figures: s.clone(),
                avg_ms: recent.iter().map(|b| b.stages[i].ms).sum::<f64>()
                    / recent.len().max(1) as f64,
                share: if total > 0.0 { s.ms / total } else { 0.0 },
                slowest: false,
            })
            .collect();
        let slowest = rows
            .iter()
            .enumerate()
            .filter(|(_, r)| r.avg_ms > 0.0)
            .max_by(|a, b| a.1.avg_ms.total_cmp(&b.1.avg_ms))
            .map(|(i, _)| i);
        if let (Some(i), true) = (slowest, rows.len() > 1) {
            rows[i].slowest = true;
        }
        Snapshot {
            batch: last.info.batch,
            rows,
        }
    }
}

/// The pipeline's stages with their figures, updated per batch.
#[component]
pub fn Stages(
    /// The run's listener, read once per redraw.
    board: Board,
) -> impl IntoView {
    let snapshot = Memo::new(move |_| board.read(Snapshot::of));
    // Keyed by place and name: a new batch updates the boxes in place; a
    // new pipeline replaces them.
    let keys = move || {
        snapshot.with(|s| {
            s.rows
                .iter()
                .enumerate()
                .map(|(i, r)| (i, r.figures.name.clone()))
                .collect::<Vec<_>>()
        })
    };
    let hint = move || {
        snapshot.with(|s| match s.batch {
            0 => "No batch has run yet.".to_string(),
            n => format!(
                "Batch {n}: records in and out and time of each stage, in pipeline order; \
                 the slowest over the last {RECENT} batches is marked. Stages joined by | run fused."
            ),
        })
    };
    view! {
        <section class="card wide" data-testid="stages">
            <h2>"Stages"</h2>
            <p class="hint" data-testid="stages-hint">{hint}</p>
            <ol class="dag">
                <For each=keys key=|k| k.clone() let:key>
                    <StageBox snapshot index=key.0 />
                </For>
            </ol>
        </section>
    }
}

/// One stage's box: its name, figures and share of the batch's time.
#[component]
fn StageBox(
    /// What every box reads.
    snapshot: Memo<Snapshot>,
    /// Its place in the pipeline.
    index: usize,
) -> impl IntoView {
    let row = move || snapshot.with(|s| s.rows.get(index).cloned().unwrap_or_default());
    let slowest = move || row().slowest;
    view! {
        <li class="stage" class:slowest=slowest data-testid="stage" data-slowest=move || slowest().to_string()>
            <span class="stage-name" data-testid="stage-name">{move || row().figures.name}</span>
            <dl>
                <dt>"Records in"</dt>
                <dd data-testid="stage-in">{move || format::count(row().figures.records_in)}</dd>
                <dt>"Records out"</dt>
                <dd data-testid="stage-out">{move || format::count(row().figures.records_out)}</dd>
                <dt>"Time"</dt>
                <dd data-testid="stage-ms">{move || format::millis(row().figures.ms)}</dd>
                <dt>{format!("Avg ({RECENT})")}</dt>
                <dd data-testid="stage-avg">{move || format::millis(row().avg_ms)}</dd>
            </dl>
            <span class="stage-share" title="share of the batch's time">
                <span style=move || format!("width: {:.1}%", row().share * 100.0)></span>
            </span>
            {move || slowest().then(|| view! { <span class="slowest-label">"slowest"</span> })}
        </li>
    }
}
