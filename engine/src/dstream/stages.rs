//! Per-stage figures, as Spark's batch page and Flink's operator metrics
//! show them: for each stage of a batch, the records it took in, the
//! records it gave out, and the time it took, excluding its parents'. Each
//! operator registers itself by name when it is built ([`DStream::unary`]
//! does it for all of them); a pipeline then gathers the operators one of
//! its stages compiled to under that stage's name, so a person sees the
//! stages they typed.
//!
//! [`DStream::unary`]: super::DStream::unary

use serde::Serialize;

use crate::clock::Clock;

/// An operator's place in its graph's list of stages.
pub type StageId = usize;

/// What one operator did in one batch.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Figures {
    pub records_in: u64,
    pub records_out: u64,
    pub ms: f64,
}

/// One stage's figures for a batch, as the page and the JS API show them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct StageFigures {
    /// The stage as the person wrote it: a pipeline stage's text, or an
    /// operator's Spark name in the typed API.
    pub name: String,
    /// Records it took in: its first operator's input.
    pub records_in: u64,
    /// Records it gave out: its last operator's output (0 when it did not
    /// emit, as a window between slides).
    pub records_out: u64,
    /// Its operators' time, excluding what their parents took.
    pub ms: f64,
}

/// The stages of a graph: operators by id, and the named groups they form.
#[derive(Default)]
pub struct Stages {
    /// For each operator, the group it belongs to.
    group_of: Vec<usize>,
    /// Each group's name, and its operators' ids (in build order, so the
    /// first is upstream of the rest).
    groups: Vec<(String, Vec<StageId>)>,
}

impl Stages {
    /// Registers an operator as a stage of its own.
    pub fn add(&mut self, name: &str) -> StageId {
        let id = self.group_of.len();
        self.group_of.push(self.groups.len());
        self.groups.push((name.to_string(), vec![id]));
        id
    }

    /// How many operators were registered.
    pub fn len(&self) -> usize {
        self.group_of.len()
    }

    /// Gathers the operators registered from `first` on into one stage
    /// named `name` (what a pipeline stage compiled to). Nothing happens
    /// when none were.
    pub fn group_from(&mut self, first: StageId, name: &str) {
        if first >= self.len() {
            return;
        }
        let group = self.group_of[first];
        let (old_name, old_ids) = self.groups[group].clone();
        self.groups.truncate(group);
        // Operators of the same earlier group before `first` stay together.
        let before: Vec<StageId> = old_ids.into_iter().filter(|&id| id < first).collect();
        if !before.is_empty() {
            self.groups.push((old_name, before));
        }
        let ids: Vec<StageId> = (first..self.len()).collect();
        for &id in &ids {
            self.group_of[id] = self.groups.len();
        }
        self.groups.push((name.to_string(), ids));
    }

    /// The stages' figures, in build order, from each operator's.
    pub fn figures(&self, ops: &[Figures]) -> Vec<StageFigures> {
        let op = |id: &StageId| ops.get(*id).copied().unwrap_or_default();
        self.groups
            .iter()
            .map(|(name, ids)| StageFigures {
                name: name.clone(),
                records_in: ids.first().map_or(0, |id| op(id).records_in),
                records_out: ids.last().map_or(0, |id| op(id).records_out),
                ms: ids.iter().map(|id| op(id).ms).sum(),
            })
            .collect()
    }
}

/// The per-batch side: where operators put their figures as they run.
pub struct Timing<'a> {
    /// Each operator's figures for this batch, by id.
    pub ops: &'a mut [Figures],
    /// What stages are timed by; without one, times are 0.
    pub clock: Option<&'a dyn Clock>,
}

impl Timing<'_> {
    pub fn now(&self) -> f64 {
        self.clock.map_or(0.0, |c| c.now_ms())
    }

    /// Adds an operator's run to its figures.
    pub fn add(&mut self, id: StageId, records_in: usize, records_out: usize, ms: f64) {
        if let Some(f) = self.ops.get_mut(id) {
            f.records_in += records_in as u64;
            f.records_out += records_out as u64;
            f.ms += ms.max(0.0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_group_reports_its_first_input_last_output_and_total_time() {
        let mut stages = Stages::default();
        stages.add("input");
        let first = stages.add("map");
        stages.add("reduce_by_key");
        stages.group_from(first, "count_by_value");
        stages.add("top");
        let ops = [
            Figures {
                records_in: 5,
                records_out: 5,
                ms: 1.0,
            },
            Figures {
                records_in: 5,
                records_out: 5,
                ms: 2.0,
            },
            Figures {
                records_in: 5,
                records_out: 3,
                ms: 4.0,
            },
            Figures {
                records_in: 3,
                records_out: 2,
                ms: 0.5,
            },
        ];
        let got: Vec<(String, u64, u64, f64)> = stages
            .figures(&ops)
            .into_iter()
            .map(|s| (s.name, s.records_in, s.records_out, s.ms))
            .collect();
        assert_eq!(
            got,
            vec![
                ("input".into(), 5, 5, 1.0),
                ("count_by_value".into(), 5, 3, 6.0),
                ("top".into(), 3, 2, 0.5),
            ]
        );
    }

    #[test]
    fn grouping_nothing_leaves_the_stages_alone() {
        let mut stages = Stages::default();
        stages.add("input");
        stages.group_from(1, "nothing");
        assert_eq!(stages.figures(&[Figures::default()]).len(), 1);
    }
}
