//! `stdin:` (or `-`): this process's standard input, so that
//! `tail -F app.log | sparklet serve --source app=-` works. When the input
//! closes the source ends, and each connection closes normally after the
//! last record.

use std::io::{ErrorKind, Read};
use std::sync::Arc;

use super::log::RecordLog;
use super::reader::Reader;

/// Reads standard input to its end.
pub fn run(log: Arc<RecordLog>) {
    log.caught_up();
    log.set_status("reading standard input");
    let mut reader = Reader::new(log.clone());
    let mut input = std::io::stdin().lock();
    let mut buf = vec![0u8; 64 * 1024];
    let why = loop {
        match input.read(&mut buf) {
            Ok(0) => break "standard input closed".to_string(),
            Ok(n) => {
                reader.push(&buf[..n]);
                reader.flush();
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => break format!("cannot read standard input ({e})"),
        }
    };
    reader.finish();
    log.set_status(why.clone());
    log.end(why);
}
