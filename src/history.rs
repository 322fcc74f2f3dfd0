//! What the dashboard remembers of a run: the last 1000 batch reports'
//! figures, the latest output, and running totals. Bounded by design: a
//! stream that runs for days holds the same memory as one that ran a minute.

use std::collections::VecDeque;

use sparklet_engine::{BatchInfo, BatchReport, Value};

pub const HISTORY_LIMIT: usize = 1000;

#[derive(Clone, Debug, Default)]
pub struct History {
    batches: VecDeque<BatchInfo>,
    /// The latest emitted output and the batch time it came at.
    latest: Option<(u64, Vec<Value>)>,
    total_batches: u64,
    total_records: u64,
}

impl History {
    pub fn push(&mut self, report: BatchReport) {
        self.total_batches += 1;
        self.total_records += report.info.records;
        if let Some(output) = report.output {
            self.latest = Some((report.info.time_ms, output));
        }
        if self.batches.len() == HISTORY_LIMIT {
            self.batches.pop_front();
        }
        self.batches.push_back(report.info);
    }

    pub fn batches(&self) -> &VecDeque<BatchInfo> {
        &self.batches
    }

    pub fn last(&self) -> Option<&BatchInfo> {
        self.batches.back()
    }

    pub fn latest_output(&self) -> Option<&(u64, Vec<Value>)> {
        self.latest.as_ref()
    }

    pub fn total_batches(&self) -> u64 {
        self.total_batches
    }

    pub fn total_records(&self) -> u64 {
        self.total_records
    }
}
