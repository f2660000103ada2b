//! The `rmq` binary: parses flags, runs the command, prints errors as one line with their
//! causes. Exit codes: 0 success, 1 error, 2 usage error.

use std::process::ExitCode;

use clap::Parser;

mod cli;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    cli::init_logging(args.verbose);
    match cli::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("rmq: error: {err:#}");
            ExitCode::from(1)
        }
    }
}
