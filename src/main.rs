//! The `commune-sim` binary: parse the command line, run, report errors.

use std::process::ExitCode;

fn main() -> ExitCode {
    let command = commune_sim::cli::parse();
    match commune_sim::app::main(command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
