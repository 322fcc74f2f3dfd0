//! The README's ```replay blocks, read once for every test that runs them:
//! `readme.rs` checks each prints what the README says, `spark.rs` that
//! each exported to PySpark prints the same on real Spark.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

pub struct Example {
    /// The README line the block starts on, for messages.
    pub line: usize,
    /// `--flag value` pairs, in order.
    pub args: Vec<String>,
    /// One JSON array per line: a batch each.
    pub input: String,
    pub output: Vec<String>,
}

impl Example {
    /// The value of `--flag`, if the block gives it.
    pub fn arg(&self, flag: &str) -> Option<&str> {
        self.args
            .chunks(2)
            .find(|kv| kv[0] == flag)
            .map(|kv| kv[1].as_str())
    }
}

/// Reads the ```replay blocks: `--flag 'value'` lines, `in` and `out`.
pub fn examples(readme: &str) -> Vec<Example> {
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

pub fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"))
        .expect("README.md")
}
