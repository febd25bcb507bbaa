//! One integration test binary (ripgrep's layout): every module runs the
//! real certhelp binary against real files it makes itself.

mod actions;
mod cli;
mod convert;
mod eval;
mod fixtures;
mod golden;
mod kb;
mod nss_core;
mod pkcs12;
mod probe;
mod search;
mod tailor;
mod target;
mod util;
