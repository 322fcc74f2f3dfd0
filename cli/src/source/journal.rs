//! The Kafka source's journal: which offsets of which partition became
//! which records of the source, in order, written before the records are
//! served. A topic's partitions interleave differently on every read, so
//! after a restart of the server the journal is what makes the source's
//! record K the same record as before: the reader fetches the journaled
//! ranges again, in the same order, and only then reads on. Spark's
//! Kafka stream keeps the offset ranges of each batch in its checkpoint for
//! the same reason; here the page checkpoints only its record count, so
//! the server keeps the ranges.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, ErrorKind, Write};
use std::path::{Path, PathBuf};

/// Offsets `[from, to)` of `partition`, served as one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    pub partition: i32,
    pub from: i64,
    pub to: i64,
}

/// The ranges served so far, and the file they are appended to.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    file: Option<File>,
    pub ranges: Vec<Range>,
}

/// Why the journal cannot be used (the source then resumes only within
/// one run of the server, and says so).
#[derive(Debug, thiserror::Error)]
#[error("the Kafka journal {path} cannot be used ({why})")]
pub struct JournalError {
    path: String,
    why: String,
}

impl Journal {
    /// Opens (or creates) the journal at `path`; lines it cannot read end
    /// it there (a write cut short by a crash).
    pub fn open(path: &Path) -> Result<Journal, JournalError> {
        let fail = |why: String| JournalError {
            path: path.display().to_string(),
            why,
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| fail(e.to_string()))?;
        }
        let mut ranges = Vec::new();
        match File::open(path) {
            Ok(file) => {
                for line in BufReader::new(file).lines() {
                    match line.ok().as_deref().and_then(parse) {
                        Some(range) => merge(&mut ranges, range),
                        None => break,
                    }
                }
            }
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => return Err(fail(e.to_string())),
        }
        let mut journal = Journal {
            path: path.into(),
            file: None,
            ranges,
        };
        // Rewritten whole, so a torn last line is gone before appending.
        journal.rewrite().map_err(|e| fail(e.to_string()))?;
        Ok(journal)
    }

    /// A journal that keeps nothing on disk.
    pub fn in_memory() -> Journal {
        Journal {
            path: PathBuf::new(),
            file: None,
            ranges: Vec::new(),
        }
    }

    /// Forgets every range (the topic no longer holds them).
    pub fn reset(&mut self) -> std::io::Result<()> {
        self.ranges.clear();
        self.rewrite()
    }

    /// Records that `range` is served next; on disk before it is served.
    pub fn append(&mut self, range: Range) -> std::io::Result<()> {
        merge(&mut self.ranges, range);
        if let Some(file) = &mut self.file {
            writeln!(file, "{} {} {}", range.partition, range.from, range.to)?;
            file.flush()?;
        }
        Ok(())
    }

    /// Where each partition's journaled reading ends.
    pub fn ends(&self) -> std::collections::BTreeMap<i32, i64> {
        let mut ends = std::collections::BTreeMap::new();
        for r in &self.ranges {
            ends.insert(r.partition, r.to);
        }
        ends
    }

    fn rewrite(&mut self) -> std::io::Result<()> {
        if self.path.as_os_str().is_empty() {
            return Ok(());
        }
        let tmp = self.path.with_extension("journal.tmp");
        let mut out = File::create(&tmp)?;
        for r in &self.ranges {
            writeln!(out, "{} {} {}", r.partition, r.from, r.to)?;
        }
        out.sync_all()?;
        std::fs::rename(&tmp, &self.path)?;
        self.file = Some(OpenOptions::new().append(true).open(&self.path)?);
        Ok(())
    }
}

/// Appends `range`, one partition read on and on staying one range.
fn merge(ranges: &mut Vec<Range>, range: Range) {
    match ranges.last_mut() {
        Some(last) if last.partition == range.partition && last.to == range.from => {
            last.to = range.to;
        }
        _ => ranges.push(range),
    }
}

fn parse(line: &str) -> Option<Range> {
    let mut parts = line.split(' ');
    let range = Range {
        partition: parts.next()?.parse().ok()?,
        from: parts.next()?.parse().ok()?,
        to: parts.next()?.parse().ok()?,
    };
    (parts.next().is_none() && range.from < range.to && range.partition >= 0).then_some(range)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_survive_a_reopen_and_a_torn_last_line_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.journal");
        let mut j = Journal::open(&path).unwrap();
        for (partition, from, to) in [(0, 0, 5), (0, 5, 9), (2, 3, 4), (0, 9, 10)] {
            j.append(Range {
                partition,
                from,
                to,
            })
            .unwrap();
        }
        let mut text = std::fs::read_to_string(&path).unwrap();
        text.push_str("1 7");
        std::fs::write(&path, text).unwrap();
        let again = Journal::open(&path).unwrap();
        assert_eq!(again.ranges, j.ranges);
        assert_eq!(j.ranges.len(), 3, "contiguous reads of one partition merge");
        assert_eq!(again.ends().get(&0), Some(&10));
        assert_eq!(again.ends().get(&2), Some(&4));
    }
}
