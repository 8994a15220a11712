//! Casebook's integration tests: one binary (mdBook's `tests/testsuite/`
//! shape) that builds fixture archives through the library and drives the
//! real `casebook` binary for command-line behaviour.

mod build;
mod cli;
mod corpora;
mod determinism;
mod diagnostics;
mod hostile;
mod incremental;
mod init;
mod output;
mod snapshots;
mod support;
