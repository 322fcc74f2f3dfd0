//! `sparklet feed`: the demo feeds alone, for a dashboard served elsewhere
//! or for any other WebSocket client.

use std::net::SocketAddr;
use std::process::ExitCode;

use sparklet::origin::AllowedOrigin;
use sparklet::source::{self, SourceSpec};
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
    /// Your own data as a feed at /feed/NAME, as `sparklet serve --source`
    /// takes it; repeatable.
    #[arg(long = "source", value_name = "NAME=URI")]
    sources: Vec<SourceSpec>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    source::check_all(&args.sources)?;
    let listed = args.sources.clone();
    let config = ServerConfig {
        allowed_origins: args.allow_origin,
        sources: args.sources,
        ..ServerConfig::default()
    };
    super::serve_on(args.addr, None, config, |addr| {
        for spec in &listed {
            eprintln!(
                "source {}: {} at ws://{addr}/feed/{}",
                spec.name, spec.uri, spec.name
            );
        }
        format!("Sparklet feeds: ws://{addr}/feed/words")
    })
}
