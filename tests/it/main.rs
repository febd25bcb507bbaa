//! One integration test binary (ripgrep's layout): every module runs the
//! real certhelp binary against real files it makes itself.

mod backup;
mod cli;
mod eval;
mod fixtures;
mod golden;
mod kb;
mod probe;
mod search;
mod tailor;
mod util;
