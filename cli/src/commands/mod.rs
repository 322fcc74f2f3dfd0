//! The subcommands, one module each. Adding one is a variant here, an arm in
//! `run`, and a file.

mod bench;
mod export;
mod feed;
mod replay;
mod serve;

use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the dashboard at `/` and the demo feeds on the same port.
    Serve(serve::Args),
    /// Serve the demo feeds alone.
    Feed(feed::Args),
    /// Run a pipeline natively over recorded batches (JSON lines in and out).
    Replay(replay::Args),
    /// Performance figures in one table (`--engine`: the native engine).
    Bench(bench::Args),
    /// Write a pipeline as a runnable PySpark job with the same results.
    Export(export::Args),
}

/// Runs `command`; the exit code is the command's to choose (`replay`
/// reports bad input with 2).
pub fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Serve(args) => serve::run(args),
        Command::Feed(args) => feed::run(args),
        Command::Replay(args) => replay::run(args),
        Command::Bench(args) => bench::run(args),
        Command::Export(args) => export::run(args),
    }
}

/// Binds `addr` and serves until Ctrl-C, after printing `banner(actual
/// address)` as the one line on stdout that scripts and tests wait for.
fn serve_on(
    addr: SocketAddr,
    dist: Option<std::path::PathBuf>,
    config: sparklet::ServerConfig,
    banner: impl FnOnce(SocketAddr) -> String,
) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr}"))?;
        let bound = listener.local_addr().context("reading the bound address")?;
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "{}", banner(bound)).context("writing to stdout")?;
        // Flushed now: a pipe would otherwise hold the line until exit.
        stdout.flush().context("writing to stdout")?;
        drop(stdout);
        let shutdown = async {
            // If Ctrl-C cannot be watched, serve until killed instead.
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        };
        sparklet::serve_until(listener, dist, config, shutdown)
            .await
            .context("serving")?;
        Ok(ExitCode::SUCCESS)
    })
}
