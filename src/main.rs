//! The doorman: parse arguments, hand over to the library, turn the outcome into an exit code.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = tally::cli::Cli::parse();
    ExitCode::from(tally::dispatch(&cli.command).code())
}
