//! Casebook's integration tests: one binary (mdBook's `tests/testsuite/`
//! shape) that builds fixture archives through the library and drives the
//! real `casebook` binary for command-line behaviour.

mod accessibility;
mod build;
mod check_cli;
mod cli;
mod common;
mod corpora;
mod dashboards;
mod determinism;
mod diagnostics;
mod digest;
mod fuzz_regressions;
mod hostile;
mod incremental;
mod init;
mod kill;
mod output;
mod properties;
mod quick_update;
mod search;
mod serve;
mod snapshots;
mod support;
