//! One integration test binary (ripgrep's layout): every module runs the
//! real certhelp binary against real files it makes itself.

mod actions;
mod associate;
mod backup;
mod browser;
mod chain;
mod cli;
mod convert;
mod errors;
mod eval;
mod fixtures;
mod fuzz;
mod golden;
mod hostile;
mod html_pdf;
mod interrupted;
mod kb;
mod killed;
mod ledger;
mod nss_core;
mod package;
mod pkcs12;
mod probe;
mod progress;
mod removed;
mod schemas;
mod search;
mod secrets;
mod tailor;
mod target;
mod token;
mod token_import;
mod util;
