//! `sparklet serve`: the dashboard and the demo feeds on one port, the way a
//! person tries Sparklet (`make run` builds the page, then runs this).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use sparklet::origin::AllowedOrigin;
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
    /// Store each batch's output, as the page sends it, in DIR: one file
    /// per batch, DIR/NAME-<batch time in ms>.jsonl (NAME: the dashboard
    /// URL's sink_name=, default sparklet), each batch once. DIR is created
    /// if missing.
    #[arg(long, value_name = "DIR")]
    sink: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
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
    let config = ServerConfig {
        allowed_origins: args.allow_origin,
        sink,
        ..ServerConfig::default()
    };
    super::serve_on(args.addr, Some(args.dist), config, |addr| {
        format!("Sparklet dashboard: http://{addr}/")
    })
}
