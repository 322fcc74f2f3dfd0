//! `sparklet`: the command line. One module per subcommand in `commands/`;
//! this file only parses arguments and turns errors into an exit status.

mod commands;

use std::process::ExitCode;

use clap::Parser;

use commands::Command;

#[derive(Debug, Parser)]
#[command(
    name = "sparklet",
    version,
    about = "Spark Streaming's micro-batch model in a browser tab"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match commands::run(cli.command) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("sparklet: {err:#}");
            ExitCode::FAILURE
        }
    }
}
