//! `sparklet serve`: the dashboard and the demo feeds on one port, the way a
//! person tries Sparklet (`make run` builds the page, then runs this).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use sparklet::origin::AllowedOrigin;
use sparklet::source::{self, SourceSpec};
use sparklet::ServerConfig;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address to listen on; port 0 picks a free port (the line printed on
    /// start shows the real one).
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// A web page origin allowed to use the feeds besides pages from this
    /// host (an IP address or localhost), e.g. http://myhost.lan:8080, or
    /// http://myhost.lan:* for any port; repeatable.
    #[arg(long = "allow-origin", value_name = "ORIGIN")]
    allow_origin: Vec<AllowedOrigin>,
    /// Directory of the built dashboard, served at `/`.
    #[arg(long, default_value = "dist")]
    dist: PathBuf,
    /// Your own data as a feed at /feed/NAME: tcp://HOST:PORT (a line
    /// server), file:PATH (followed like tail -F; file:PATH?from=end skips
    /// what is there), dir:PATH (each new file), stdin: or - (standard
    /// input); repeatable. The first is the dashboard's default feed.
    #[arg(long = "source", value_name = "NAME=URI")]
    sources: Vec<SourceSpec>,
    /// Store each batch's output, as the page sends it, in DIR: one file
    /// per batch, DIR/NAME-<batch time in ms>.jsonl (NAME: the dashboard
    /// URL's sink_name=, default sparklet), each batch once. DIR is created
    /// if missing.
    #[arg(long, value_name = "DIR")]
    sink: Option<PathBuf>,
    /// A Spark driver's UI, e.g. http://127.0.0.1:4040: its REST API is
    /// relayed at /spark/api/v1/, and the dashboard's ?spark=1 watches
    /// its streaming application.
    #[arg(long, value_name = "URL", value_parser = sparklet::spark_relay::check_url)]
    spark: Option<String>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    source::check_all(&args.sources)?;
    let sink = match args.sink {
        Some(dir) => {
            let dir = sparklet::sink::prepare(&dir).context("--sink")?;
            eprintln!(
                "Sparklet sink: each batch's output goes to {}",
                dir.join("NAME-<batch time in ms>.jsonl").display()
            );
            Some(dir)
        }
        None => None,
    };
    let listed = args.sources.clone();
    let config = ServerConfig {
        allowed_origins: args.allow_origin,
        sources: args.sources,
        sink,
        spark: args.spark.clone(),
        ..ServerConfig::default()
    };
    super::serve_on(args.addr, Some(args.dist), config, |addr| {
        // The one stdout line stays the URL; the sources go to stderr.
        for spec in &listed {
            eprintln!(
                "source {}: {} at ws://{addr}/feed/{}",
                spec.name, spec.uri, spec.name
            );
        }
        if let Some(spark) = &args.spark {
            eprintln!("watching Spark at {spark}: http://{addr}/?spark=1");
        }
        format!("Sparklet dashboard: http://{addr}/")
    })
}
