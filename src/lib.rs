//! Casebook turns a Git repository of Markdown postmortems into a fast,
//! themed, searchable static site.
//!
//! The library holds every stage; `main.rs` is a thin command line over it.
//! Data flows one way: [`config`] → [`content`] (with [`markdown`]) →
//! [`archive`] → [`render`] → [`output`], orchestrated by [`site::build`].

pub mod archive;
pub mod cache;
pub mod check;
pub mod config;
pub mod content;
pub mod dashboards;
pub mod diagnostics;
pub mod digest;
pub mod history;
pub mod incident;
pub mod init;
pub mod io_pool;
pub mod markdown;
pub mod new;
pub mod output;
pub mod render;
pub mod search;
#[cfg(feature = "serve")]
pub mod serve;
pub mod site;
pub mod slug;
pub mod templates;
pub mod timings;
