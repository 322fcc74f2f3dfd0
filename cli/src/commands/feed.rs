//! `sparklet feed`: the demo feeds alone, for a dashboard served elsewhere
//! or for any other WebSocket client.

use std::net::SocketAddr;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address to listen on; port 0 picks a free port (the line printed on
    /// start shows the real one).
    #[arg(long, default_value = "127.0.0.1:8081")]
    addr: SocketAddr,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    super::serve_on(args.addr, None, |addr| {
        format!("Sparklet feeds: ws://{addr}/feed/words")
    })
}
