//! One integration test binary (ripgrep's layout): every module runs the
//! real certhelp binary against real files it makes itself.

mod eval;
mod fixtures;
mod probe;
mod util;
