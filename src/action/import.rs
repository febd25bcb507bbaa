//! `certhelp import` (SPEC §5). Being built.

use super::{Report, Ui};
use crate::error::{Error, Result};

pub fn run(_args: &crate::cli::ImportArgs, _ui: Ui) -> Result<Report> {
    Err(Error::new("`certhelp import` is being built", "follow the walkthrough: certhelp \"import my certificate\""))
}
