//! The `casebook` command line: parses arguments, dispatches to the
//! library, prints diagnostics and the whole error chain, and returns an
//! exit code CI can act on (0 ok, 1 problems in the archive, 2 usage or
//! internal failure).

mod cli;

use std::process::ExitCode;

use clap::Parser;

/// mimalloc: a build allocates millions of short strings (template
/// contexts, rendered fragments) on every core, where glibc's allocator
/// took a fifth of the build's time. Its v2 line (Cargo.toml), because v3
/// holds freed memory for a second before returning it: 10k postmortems
/// peaked at about 305–320 MB with v3 and 291 MB with v2, in the same time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args = cli::Args::parse();
    match cli::run(args) {
        Ok(code) => code,
        Err(error) => {
            let mut message = format!("{error}");
            for cause in error.chain().skip(1) {
                message.push_str(&format!("\n  caused by: {cause}"));
            }
            cli::print_line(&format!(
                "{}: {message}",
                cli::paint("error", cli::Style::Error)
            ));
            ExitCode::from(2)
        }
    }
}
