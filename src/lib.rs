//! aivenguard: finds leaked Aiven credentials in working trees, git history, staged changes and
//! stdin. The binary (`src/main.rs`) is a thin wrapper around [`app::run`].

pub mod app;
pub mod baseline;
pub mod cli;
pub mod config;
pub mod engine;
pub mod error;
pub mod finding;
pub mod hooks;
pub mod report;
pub mod rules;
pub mod scan;
pub mod source;
