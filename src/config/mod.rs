//! App configuration files certhelp edits (not certificate stores).

pub mod prefs;
