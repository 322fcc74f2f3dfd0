//! The README's pipeline-language reference is executable: every `replay`
//! block is run through the real `sparklet replay` and must print exactly
//! its `out` lines; and every operator of the language has an example.

use std::io::Write;
use std::process::{Command, Stdio};

mod readme_examples;

use readme_examples::{examples, readme};

#[test]
fn every_replay_example_prints_what_the_readme_says() {
    let all = examples(&readme());
    assert!(all.len() >= 20, "found only {} examples", all.len());
    for ex in all {
        let mut child = Command::new(env!("CARGO_BIN_EXE_sparklet"))
            .arg("replay")
            .args(&ex.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("sparklet runs");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(ex.input.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "README line {}: {}",
            ex.line,
            String::from_utf8_lossy(&out.stderr)
        );
        let printed: Vec<String> = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(String::from)
            .collect();
        assert_eq!(printed, ex.output, "README line {}: {:?}", ex.line, ex.args);
    }
}

#[test]
fn every_operator_has_an_example() {
    let text = readme();
    let pipelines: Vec<String> = examples(&text)
        .into_iter()
        .map(|e| e.args[1].clone())
        .collect();
    for (op, _) in sparklet_engine::pipeline::OPERATORS {
        if *op == "union" {
            continue; // several sources: the Rust API's, said so in the README
        }
        let used = pipelines.iter().any(|p| {
            p.split('|')
                .any(|stage| stage.split_whitespace().next() == Some(op))
        });
        assert!(used, "no README example uses `{op}`");
    }
}
