//! `certhelp convert` (SPEC §5). Being built.

use super::{Report, Ui};
use crate::error::{Error, Result};

pub fn run(_args: &crate::cli::ConvertArgs, _ui: Ui) -> Result<Report> {
    Err(Error::new("`certhelp convert` is being built", "follow the walkthrough: certhelp \"convert my certificate\""))
}
