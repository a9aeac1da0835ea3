//! The `w2v` command: a thin binary over the `w2v` library. Arguments become library calls,
//! progress goes to stderr, and any error becomes one line and an exit code.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::main()
}
