//! certhelp: a troubleshooting assistant for personal certificates.
//!
//! Data flows one way (see README, "Architecture"): the question is read by
//! `intent`, planned by `plan` against the knowledge base (`kb`, `search`)
//! and the machine (`probe` -> `env::Env`), and printed by `render`. The
//! store-changing verbs (`action`) resolve a store and a selection, then go
//! through the store layer (`store`), which backs up, journals, writes and
//! verifies. `main.rs` is the only place that prints results; `prompt`
//! (questions and secrets on the terminal), `timing` (bench phases on
//! stderr) and `verbose` (`-v` lines on stderr) are the only other places
//! that touch the terminal.

pub mod action;
pub mod answer;
pub mod apps;
pub mod cert;
pub mod chain;
pub mod cli;
pub mod config;
pub mod dirs;
pub mod doctor;
pub mod env;
pub mod errcodes;
pub mod error;
pub mod fault;
pub mod fsutil;
pub mod generate;
pub mod harden;
pub mod intent;
pub mod kb;
pub mod markdown;
pub mod plan;
pub mod probe;
pub mod progress;
pub mod prompt;
pub mod render;
pub mod schema;
pub mod search;
pub mod secret;
pub mod store;
pub mod timing;
pub mod verbose;

/// The knowledge base and templates compiled into the binary (build.rs).
pub(crate) mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}
