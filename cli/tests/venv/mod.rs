//! The project's Python (`.venv`, which `make test` fills: kafka-python,
//! PySpark) and the processes tests start with it or beside it.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Child;

/// `.venv/bin/python`; a missing one says how to make it.
pub fn python() -> PathBuf {
    let python = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/python");
    assert!(
        python.is_file(),
        "no {}: `make test-tools` makes it (a venv with kafka-python and pyspark)",
        python.display()
    );
    python
}

/// A child process killed however the test ends (a Spark job's JVM exits
/// with its Python driver).
pub struct Process(pub Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
