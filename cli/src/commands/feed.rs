//! `sparklet feed`: the demo feeds alone, for a dashboard served elsewhere
//! or for any other WebSocket client.

use std::net::SocketAddr;
use std::process::ExitCode;

use sparklet::origin::AllowedOrigin;
use sparklet::ServerConfig;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address to listen on; port 0 picks a free port (the line printed on
    /// start shows the real one).
    #[arg(long, default_value = "127.0.0.1:8081")]
    addr: SocketAddr,
    /// A web page origin allowed to use the feeds besides pages from this
    /// host (an IP address or localhost), e.g. http://myhost.lan:8080, or
    /// http://myhost.lan:* for any port; repeatable.
    #[arg(long = "allow-origin", value_name = "ORIGIN")]
    allow_origin: Vec<AllowedOrigin>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let config = ServerConfig {
        allowed_origins: args.allow_origin,
        ..ServerConfig::default()
    };
    super::serve_on(args.addr, None, config, |addr| {
        format!("Sparklet feeds: ws://{addr}/feed/words")
    })
}
