//! The `egov` binary's library: the command line, configuration, and the wiring that turns
//! settings into a running server. `main.rs` only calls [`cli::main`]; the integration tests
//! use [`config`] and [`server`] to start the same application the binary starts.
#![forbid(unsafe_code)]

pub mod admin;
pub mod cli;
pub mod config;
pub mod hub;
pub mod serve;
pub mod server;
pub mod telemetry;

pub use config::{redact_url, LogFormat, Settings};
