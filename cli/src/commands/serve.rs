//! `sparklet serve`: the dashboard and the demo feeds on one port, the way a
//! person tries Sparklet (`make run` builds the page, then runs this).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address to listen on; port 0 picks a free port (the line printed on
    /// start shows the real one).
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Directory of the built dashboard, served at `/`.
    #[arg(long, default_value = "dist")]
    dist: PathBuf,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    super::serve_on(args.addr, Some(args.dist), |addr| {
        format!("Sparklet dashboard: http://{addr}/")
    })
}
