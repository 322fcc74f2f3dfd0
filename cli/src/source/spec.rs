//! `NAME=URI` as given to `--source`: checked when the command line is
//! read, so a typo stops the server with a message naming it rather than a
//! feed that never sends anything.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

/// Longest source name: it is a URL path segment and a label in the page.
pub const MAX_NAME: usize = 64;

/// The demo feeds' names, which a source cannot take.
const RESERVED: &[&str] = &["words", "events"];

/// One `--source NAME=URI`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceSpec {
    /// Served at `/feed/NAME`.
    pub name: String,
    pub uri: SourceUri,
}

/// Where a source's records come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceUri {
    /// `tcp://HOST:PORT`: a line server, as Spark's `socketTextStream`.
    Tcp { host: String, port: u16 },
    /// `file:PATH[?from=end]`: a file followed as `tail -F` follows it.
    File { path: PathBuf, from_end: bool },
    /// `dir:PATH`: each new file in a directory, as Spark's `textFileStream`.
    Dir { path: PathBuf },
    /// `stdin:` or `-`: this process's standard input.
    Stdin,
    /// `kafka://HOST:PORT[,HOST:PORT...]/TOPIC`: every partition of a topic.
    Kafka { brokers: Vec<String>, topic: String },
}

/// Why a `--source` cannot be used; each names the part that is wrong and
/// what would do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    #[error("`{0}`: a source is NAME=URI, e.g. logs=file:/var/log/syslog")]
    NoName(String),
    #[error(
        "source name `{0}`: use 1 to {MAX_NAME} letters, digits, `_` or `-` (it becomes /feed/NAME)"
    )]
    BadName(String),
    #[error("source name `{0}` is a demo feed's; pick another")]
    Reserved(String),
    #[error("`{uri}`: {why}")]
    BadUri { uri: String, why: String },
    #[error(
        "`{0}`: unknown kind of source; use tcp://HOST:PORT, file:PATH, dir:PATH, stdin: (or -) \
         or kafka://HOST:PORT/TOPIC"
    )]
    UnknownScheme(String),
    #[error("source name `{0}` is given twice")]
    Repeated(String),
    #[error("only one source can read standard input (`{0}` is the second)")]
    StdinTwice(String),
}

impl FromStr for SourceSpec {
    type Err = SpecError;

    fn from_str(text: &str) -> Result<Self, SpecError> {
        let (name, uri) = text
            .split_once('=')
            .ok_or_else(|| SpecError::NoName(text.into()))?;
        check_name(name)?;
        Ok(SourceSpec {
            name: name.into(),
            uri: uri.parse()?,
        })
    }
}

fn check_name(name: &str) -> Result<(), SpecError> {
    let valid = !name.is_empty()
        && name.len() <= MAX_NAME
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if !valid {
        return Err(SpecError::BadName(name.into()));
    }
    if RESERVED.contains(&name) {
        return Err(SpecError::Reserved(name.into()));
    }
    Ok(())
}

impl FromStr for SourceUri {
    type Err = SpecError;

    fn from_str(uri: &str) -> Result<Self, SpecError> {
        let bad = |why: &str| SpecError::BadUri {
            uri: uri.into(),
            why: why.into(),
        };
        if uri == "-" || uri == "stdin:" {
            return Ok(SourceUri::Stdin);
        }
        if let Some(rest) = uri.strip_prefix("tcp://") {
            let rest = rest.trim_end_matches('/');
            let (host, port) = rest
                .rsplit_once(':')
                .ok_or_else(|| bad("expected tcp://HOST:PORT"))?;
            let host = host.trim_start_matches('[').trim_end_matches(']');
            if host.is_empty() {
                return Err(bad("no host; expected tcp://HOST:PORT"));
            }
            let port = port
                .parse::<u16>()
                .ok()
                .filter(|p| *p != 0)
                .ok_or_else(|| bad("the port must be a number from 1 to 65535"))?;
            return Ok(SourceUri::Tcp {
                host: host.into(),
                port,
            });
        }
        if let Some(rest) = uri.strip_prefix("file:") {
            let rest = rest.strip_prefix("//").unwrap_or(rest);
            let (path, from_end) = match rest.split_once('?') {
                None => (rest, false),
                Some((path, "from=end")) => (path, true),
                Some((path, "from=start")) => (path, false),
                Some(_) => return Err(bad("the only option is ?from=end (or ?from=start)")),
            };
            if path.is_empty() {
                return Err(bad("no path; expected file:PATH"));
            }
            return Ok(SourceUri::File {
                path: path.into(),
                from_end,
            });
        }
        if let Some(path) = uri.strip_prefix("dir:") {
            let path = path.strip_prefix("//").unwrap_or(path);
            if path.is_empty() {
                return Err(bad("no path; expected dir:PATH"));
            }
            return Ok(SourceUri::Dir { path: path.into() });
        }
        if let Some(rest) = uri.strip_prefix("kafka://") {
            let (brokers, topic) = rest
                .split_once('/')
                .ok_or_else(|| bad("expected kafka://HOST:PORT/TOPIC"))?;
            let brokers: Vec<String> = brokers.split(',').map(str::to_owned).collect();
            if brokers.iter().any(|b| {
                b.rsplit_once(':')
                    .is_none_or(|(host, port)| host.is_empty() || port.parse::<u16>().is_err())
            }) {
                return Err(bad(
                    "each broker is HOST:PORT; expected kafka://HOST:PORT/TOPIC",
                ));
            }
            // Kafka's own rule for topic names.
            let valid_topic = !topic.is_empty()
                && topic.len() <= 249
                && topic
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
            if !valid_topic {
                return Err(bad(
                    "a topic is 1 to 249 of letters, digits, `.`, `_` and `-`",
                ));
            }
            return Ok(SourceUri::Kafka {
                brokers,
                topic: topic.into(),
            });
        }
        Err(SpecError::UnknownScheme(uri.into()))
    }
}

impl fmt::Display for SourceUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SourceUri::Tcp { host, port } if host.contains(':') => {
                write!(f, "tcp://[{host}]:{port}")
            }
            SourceUri::Tcp { host, port } => write!(f, "tcp://{host}:{port}"),
            SourceUri::File { path, from_end } => {
                write!(f, "file:{}", path.display())?;
                if *from_end {
                    f.write_str("?from=end")?;
                }
                Ok(())
            }
            SourceUri::Dir { path } => write!(f, "dir:{}", path.display()),
            SourceUri::Stdin => f.write_str("stdin:"),
            SourceUri::Kafka { brokers, topic } => {
                write!(f, "kafka://{}/{topic}", brokers.join(","))
            }
        }
    }
}

/// Checks a whole command line's sources together: names unique, stdin
/// read by one source at most.
pub fn check_all(specs: &[SourceSpec]) -> Result<(), SpecError> {
    for (i, spec) in specs.iter().enumerate() {
        if specs[..i].iter().any(|s| s.name == spec.name) {
            return Err(SpecError::Repeated(spec.name.clone()));
        }
        if spec.uri == SourceUri::Stdin && specs[..i].iter().any(|s| s.uri == SourceUri::Stdin) {
            return Err(SpecError::StdinTwice(spec.name.clone()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<SourceSpec, String> {
        text.parse::<SourceSpec>().map_err(|e| e.to_string())
    }

    #[test]
    fn each_kind_of_uri_reads() {
        let tcp = parse("seed=tcp://localhost:9999").unwrap();
        assert_eq!(tcp.name, "seed");
        assert_eq!(
            tcp.uri,
            SourceUri::Tcp {
                host: "localhost".into(),
                port: 9999
            }
        );
        assert_eq!(
            parse("logs=file:/var/log/syslog?from=end").unwrap().uri,
            SourceUri::File {
                path: "/var/log/syslog".into(),
                from_end: true
            }
        );
        assert_eq!(
            parse("in=dir:/tmp/in").unwrap().uri,
            SourceUri::Dir {
                path: "/tmp/in".into()
            }
        );
        assert_eq!(parse("app=-").unwrap().uri, SourceUri::Stdin);
        assert_eq!(
            parse("k=kafka://b1:9092,b2:9093/clicks.v1").unwrap().uri,
            SourceUri::Kafka {
                brokers: vec!["b1:9092".into(), "b2:9093".into()],
                topic: "clicks.v1".into()
            }
        );
        assert!(parse("k=kafka://b1/t").unwrap_err().contains("HOST:PORT"));
        assert!(parse("k=kafka://b1:9/a b").unwrap_err().contains("topic"));
        assert_eq!(parse("app=stdin:").unwrap().uri, SourceUri::Stdin);
        assert_eq!(
            parse("v6=tcp://[::1]:7").unwrap().uri.to_string(),
            "tcp://[::1]:7"
        );
    }

    #[test]
    fn mistakes_name_what_is_wrong() {
        assert!(parse("file:/x").unwrap_err().contains("NAME=URI"));
        assert!(parse("a b=-").unwrap_err().contains("letters, digits"));
        assert!(parse("words=-").unwrap_err().contains("demo feed"));
        assert!(parse("s=tcp://host").unwrap_err().contains("HOST:PORT"));
        assert!(parse("s=tcp://host:0").unwrap_err().contains("1 to 65535"));
        assert!(parse("s=http://x").unwrap_err().contains("unknown kind"));
        assert!(parse("s=file:/x?from=middle")
            .unwrap_err()
            .contains("?from=end"));
        let twice = ["a=-", "b=stdin:"].map(|s| s.parse::<SourceSpec>().unwrap());
        assert!(check_all(&twice).is_err());
        let same = ["a=-", "a=dir:/x"].map(|s| s.parse::<SourceSpec>().unwrap());
        assert_eq!(
            check_all(&same).unwrap_err().to_string(),
            "source name `a` is given twice"
        );
    }
}
