//! The README's pipeline-language reference is executable: every `replay`
//! block is run through the real `sparklet replay` and must print exactly
//! its `out` lines; and every operator of the language has an example.

use std::io::Write;
use std::process::{Command, Stdio};

struct Example {
    line: usize,
    args: Vec<String>,
    input: String,
    output: Vec<String>,
}

/// Reads the ```replay blocks: `--flag 'value'` lines, `in` and `out`.
fn examples(readme: &str) -> Vec<Example> {
    let mut found = Vec::new();
    let mut current: Option<Example> = None;
    for (n, line) in readme.lines().enumerate() {
        match (&mut current, line) {
            (None, "```replay") => {
                current = Some(Example {
                    line: n + 1,
                    args: Vec::new(),
                    input: String::new(),
                    output: Vec::new(),
                })
            }
            (Some(_), "```") => found.extend(current.take()),
            (Some(ex), l) if l.starts_with("--") => {
                let (flag, value) = l.split_once(' ').expect("`--flag value`");
                ex.args.push(flag.to_string());
                ex.args.push(value.trim().trim_matches('\'').to_string());
            }
            (Some(ex), l) if l.starts_with("in  ") => {
                ex.input.push_str(&l[4..]);
                ex.input.push('\n');
            }
            (Some(ex), l) if l.starts_with("out ") => ex.output.push(l[4..].to_string()),
            (Some(_), l) => panic!(
                "README line {}: unexpected line in a replay block: {l:?}",
                n + 1
            ),
            (None, _) => {}
        }
    }
    found
}

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"))
        .expect("README.md")
}

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
