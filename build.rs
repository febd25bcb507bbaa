//! Embeds the knowledge base (kb/*.md) and the templates into the binary.
//!
//! Generates `$OUT_DIR/embedded.rs` with two static tables of
//! `(file name, contents)`; nothing else happens at build time (the search
//! index is built lazily at run time and cached, see src/search.rs).

use std::env;
use std::fs;
use std::path::Path;

fn main() {
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
