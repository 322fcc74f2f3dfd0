//! `dir:PATH`: each new file that appears in a directory, read whole, as
//! Spark's `textFileStream` reads them. As in Spark, files already there
//! when the server starts are not read, and names starting with `.` or `_`
//! are ignored (editors' and writers' temporary files). A file is read
//! once its size and modification time have held still for one look, so a
//! file still being copied in is not read half-written (Spark asks for
//! files to be moved in atomically; this also forgives a plain copy).

use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::fs::File;
use std::io::{ErrorKind, Read};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use super::log::RecordLog;
use super::reader::{orphaned, Reader};

/// How often the directory is listed.
const POLL: Duration = Duration::from_millis(200);

/// What a file looked like at the last listing.
type Look = (u64, Option<SystemTime>);

/// Watches `dir` until the server that owns `log` stops.
pub fn run(log: Arc<RecordLog>, dir: &Path) {
    let shown = dir.display().to_string();
    log.caught_up();
    let mut seen: HashSet<OsString> = match listing(dir) {
        Ok(files) => files.into_keys().collect(),
        Err(_) => HashSet::new(),
    };
    let mut watching: HashMap<OsString, Look> = HashMap::new();
    let mut read = 0u64;
    let mut listed_ok = None;
    while !orphaned(&log) {
        let files = match listing(dir) {
            Ok(files) => files,
            Err(e) => {
                if listed_ok != Some(false) {
                    log.set_status(format!("cannot list {shown} ({e}); looking again"));
                    listed_ok = Some(false);
                }
                std::thread::sleep(POLL);
                continue;
            }
        };
        if listed_ok != Some(true) {
            log.set_status(status(&shown, read, seen.len()));
            listed_ok = Some(true);
        }
        // A name that left and comes back is a new file.
        seen.retain(|name| files.contains_key(name));
        watching.retain(|name, _| files.contains_key(name));
        let mut ready: Vec<(Option<SystemTime>, OsString)> = Vec::new();
        for (name, look) in &files {
            if seen.contains(name) {
                continue;
            }
            match watching.insert(name.clone(), *look) {
                Some(before) if before == *look => ready.push((look.1, name.clone())),
                _ => {}
            }
        }
        ready.sort();
        for (_, name) in ready {
            watching.remove(&name);
            seen.insert(name.clone());
            let path = dir.join(&name);
            match read_whole(&log, &path) {
                Ok(()) => {
                    read += 1;
                    log.set_status(status(&shown, read, 0));
                }
                Err(e) => log.set_status(format!("cannot read {} ({e}); skipped", path.display())),
            }
        }
        std::thread::sleep(POLL);
    }
}

fn status(dir: &str, read: u64, ignored_at_start: usize) -> String {
    if read == 0 {
        format!(
            "watching {dir} for new files ({ignored_at_start} already there are not read, as in Spark)"
        )
    } else {
        format!("watching {dir}: {read} new files read")
    }
}

/// The regular files of `dir` that a source reads, by name.
fn listing(dir: &Path) -> std::io::Result<HashMap<OsString, Look>> {
    let mut files = HashMap::new();
    for entry in std::fs::read_dir(dir)? {
        let Ok(entry) = entry else { continue };
        let name = entry.file_name();
        let bytes = name.as_encoded_bytes();
        if bytes.starts_with(b".") || bytes.starts_with(b"_") {
            continue;
        }
        let Ok(meta) = entry.metadata() else { continue };
        if meta.is_file() {
            files.insert(name, (meta.len(), meta.modified().ok()));
        }
    }
    Ok(files)
}

fn read_whole(log: &Arc<RecordLog>, path: &Path) -> std::io::Result<()> {
    let mut file = File::open(path)?;
    let mut reader = Reader::new(log.clone());
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => reader.push(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => {
                reader.finish();
                return Err(e);
            }
        }
    }
    // Each file's last line ends with the file.
    reader.finish();
    Ok(())
}
