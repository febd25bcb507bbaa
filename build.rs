//! Embeds the knowledge base (kb/*.md) and the templates into the binary,
//! and writes the man page and shell completions the Debian package installs.
//!
//! Generates `$OUT_DIR/embedded.rs` with two static tables of
//! `(file name, contents)`. The man page and completions come from the same
//! clap definitions and code as `certhelp generate` (src/cli.rs and
//! src/generate.rs, included here) and go to `target/assets/` of the source
//! tree, where `[package.metadata.deb]` in Cargo.toml takes them: cargo-deb
//! runs no hook of its own, and its `target/release/` assets are never
//! compressed, which Debian wants of man pages. Nothing else happens at
//! build time (the search index is built lazily at run time and cached, see
//! src/search.rs).

use std::env;
use std::fs;
use std::path::Path;

#[allow(dead_code)]
#[path = "src/cli.rs"]
mod cli;
#[allow(dead_code)]
#[path = "src/generate.rs"]
mod generate;

fn main() {
    embed();
    assets();
}

/// The man page and completions, into `target/assets/`.
fn assets() {
    for f in ["src/cli.rs", "src/generate.rs"] {
        println!("cargo:rerun-if-changed={f}");
    }
    let root = env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let dir = Path::new(&root).join("target").join("assets");
    fs::create_dir_all(&dir).expect("create target/assets");
    for what in generate::ALL {
        let mut buf = Vec::new();
        generate::write(what, &mut buf).expect("generate an asset");
        let path = dir.join(generate::file_name(what));
        // Unchanged files keep their times (cargo-deb and make-like tools).
        if fs::read(&path).ok().as_deref() != Some(&buf[..]) {
            fs::write(&path, &buf).expect("write an asset");
        }
    }
}

fn embed() {
    let root = env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let out = env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let mut code = String::new();
    for (name, dir, ext) in [("KB_FILES", "kb", ".md"), ("TEMPLATE_FILES", "templates", ".j2")] {
        let dir = Path::new(&root).join(dir);
        println!("cargo:rerun-if-changed={}", dir.display());
        let mut files: Vec<_> =
            fs::read_dir(&dir).map(|rd| rd.filter_map(|e| e.ok()).map(|e| e.path()).collect()).unwrap_or_default();
        files.retain(|p| {
            let n = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            n.ends_with(ext) && n != "README.md"
        });
        files.sort();
        code.push_str(&format!("pub static {name}: &[(&str, &str)] = &[\n"));
        for p in files {
            println!("cargo:rerun-if-changed={}", p.display());
            let file = p.file_name().unwrap().to_str().unwrap();
            code.push_str(&format!("    ({file:?}, include_str!({:?})),\n", p.display().to_string()));
        }
        code.push_str("];\n");
    }
    fs::write(Path::new(&out).join("embedded.rs"), code).expect("write embedded.rs");
}
