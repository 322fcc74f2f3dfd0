//! `file:PATH`: a file followed as `tail -F` follows it. Lines already in
//! the file are read first (unless `?from=end`), then lines as they are
//! appended. When the file is renamed away and a new one created at the
//! path (log rotation), the old file is read to its end and the new one
//! from its start; when it is truncated in place (copytruncate), reading
//! starts over at its start; when it is deleted, the source waits for it
//! to come back. Each of these is shown in the page as the source's status.
//!
//! A record's offset counts lines since the server started, across
//! rotations, so after a restart of the server the same file gives the
//! same offsets and a page resumes exactly.

use std::fs::{File, Metadata};
use std::io::{ErrorKind, Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use super::log::RecordLog;
use super::reader::{orphaned, Reader};

/// How often an idle file is looked at: soon after data arrived, then
/// less often, so a busy file has low latency and a quiet one costs little.
const POLL_SOONEST: Duration = Duration::from_millis(10);
const POLL_LATEST: Duration = Duration::from_millis(250);

/// Which file a descriptor is, to notice another file at the same path.
fn identity(meta: &Metadata) -> (u64, u64) {
    (meta.dev(), meta.ino())
}

/// Follows `path` until the server that owns `log` stops.
pub fn run(log: Arc<RecordLog>, path: &Path, from_end: bool) {
    let shown = path.display().to_string();
    let mut skip_existing = from_end;
    // What the status says after "following PATH": why this is a new file.
    let mut note = "";
    while !orphaned(&log) {
        let file = match File::open(path) {
            Ok(file) => file,
            Err(e) => {
                log.set_status(format!("waiting for {shown} ({e})"));
                log.caught_up();
                std::thread::sleep(POLL_LATEST);
                continue;
            }
        };
        let from_end = std::mem::take(&mut skip_existing);
        note = follow(&log, file, path, &shown, from_end, note);
    }
}

/// Reads one file at `path` until another replaces it; returns the note
/// for the status of the next one.
fn follow(
    log: &Arc<RecordLog>,
    mut file: File,
    path: &Path,
    shown: &str,
    from_end: bool,
    note: &str,
) -> &'static str {
    let Ok(meta) = file.metadata() else {
        return "";
    };
    let id = identity(&meta);
    let mut position = 0;
    if from_end {
        position = file.seek(SeekFrom::End(0)).unwrap_or(0);
    }
    log.set_status(format!("following {shown}{note}"));
    let mut reader = Reader::new(log.clone());
    let mut buf = vec![0u8; 256 * 1024];
    let mut idle = POLL_SOONEST;
    let mut deleted = false;
    while !orphaned(log) {
        match file.read(&mut buf) {
            Ok(0) => {}
            Ok(n) => {
                reader.push(&buf[..n]);
                position += n as u64;
                idle = POLL_SOONEST;
                continue;
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => {
                reader.finish();
                log.set_status(format!("cannot read {shown} ({e}); opening it again"));
                std::thread::sleep(POLL_LATEST);
                return " (opened again after a read error)";
            }
        }
        // At the end of what is there.
        reader.flush();
        log.caught_up();
        match std::fs::metadata(path) {
            Err(_) if !deleted => {
                deleted = true;
                log.set_status(format!("{shown} was deleted; waiting for it to come back"));
            }
            Err(_) => {}
            Ok(now) if identity(&now) != id => {
                // Rotated: whatever the old file got before the switch is
                // read, then the new file from its start.
                drain(&mut file, &mut reader);
                reader.finish();
                return " (a new file at the path: the last one was rotated or replaced)";
            }
            Ok(now) if now.len() < position => {
                reader.finish();
                position = file.seek(SeekFrom::Start(0)).unwrap_or(0);
                log.set_status(format!(
                    "following {shown} (read again from its start: it was truncated)"
                ));
                continue;
            }
            Ok(_) if deleted => {
                deleted = false;
                log.set_status(format!("following {shown} (it is back)"));
            }
            Ok(_) => {}
        }
        std::thread::sleep(idle);
        idle = (idle * 2).min(POLL_LATEST);
    }
    ""
}

/// Reads `file` to its current end.
fn drain(file: &mut File, reader: &mut Reader) {
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        match file.read(&mut buf) {
            Ok(0) => return,
            Ok(n) => reader.push(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(_) => return,
        }
    }
}
