//! The operating system: name, version, kernel and architecture through
//! sysinfo's static calls (about 1 ms; no process listing, which costs
//! 6-87 ms). Must not do anything else.

use crate::env::{Os, OsInfo};

pub fn collect() -> OsInfo {
    use sysinfo::System;
    OsInfo {
        id: Os::current(),
        name: System::name().ok(),
        version: System::os_version().ok(),
        arch: Some(System::cpu_arch()).filter(|a| !a.is_empty()),
        kernel: System::kernel_version().ok(),
    }
}
