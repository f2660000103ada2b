//! The `rmq` binary: parses flags, runs the command, prints errors as one line with their
//! causes. Exit codes: 0 success, 1 error, 2 usage error.

use std::process::ExitCode;

use clap::Parser;

mod cli;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    if !args.is_daemon() {
        // Like other Unix tools, die quietly when the reader of our output goes away
        // (`rmq ... | head`). Daemons keep Rust's default (ignore SIGPIPE): a client closing its
        // socket must never kill a broker.
        // SAFETY: setting a signal disposition before any thread is started.
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        }
    }
    cli::init_logging(args.verbose);
    match cli::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("rmq: error: {err:#}");
            ExitCode::from(1)
        }
    }
}
