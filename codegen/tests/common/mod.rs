//! Helpers shared by the generator's test binaries: where the workspace and `../shared` are,
//! and how a set of generated crates is compiled in one shared target directory.

// Each test binary uses its own subset of these helpers.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace root (the parent of `codegen/`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("codegen lives inside the workspace")
        .to_path_buf()
}

/// A file under `../shared` beside the checkout. `None` when it is absent on a developer's
/// machine; under `CI=true` an absent file fails the test, so CI cannot pass without it.
pub fn shared_file(relative: &str) -> Option<PathBuf> {
    let path = workspace_root().join("../shared").join(relative);
    if path.is_file() {
        return Some(path);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!(
            "{} is missing, and CI=true requires it: CI runs with ../shared beside the checkout",
            path.display()
        );
    }
    eprintln!("note: {} is absent; this check is skipped", path.display());
    None
}

/// One crate to generate and compile.
pub struct GoldenSpec {
    /// The spec file.
    pub spec: PathBuf,
    /// The package name of the generated crate (unique among the set).
    pub crate_name: String,
}

/// Generates every spec into `<workspace>/target/<set>/<crate name>/`, makes the directory a
/// workspace of all of them (with the root's `Cargo.lock`, so dependency versions are the
/// project's), and runs `cargo check` with `-D warnings` and `cargo doc --no-deps` with
/// rustdoc's `-D warnings` once over all of them, in one shared target directory so the
/// dependencies build once. Panics with the compiler's output when anything fails.
pub fn compile_generated(set: &str, specs: &[GoldenSpec]) {
    let root = workspace_root();
    let dir = root.join("target").join(set);
    let mut members = Vec::new();
    for golden in specs {
        let out = dir.join(&golden.crate_name);
        let options = codegen::Options {
            crate_name: golden.crate_name.clone(),
            spec_label: golden
                .spec
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
            selection: Default::default(),
        };
        if let Err(err) = codegen::regenerate(&golden.spec, &out, &options) {
            panic!(
                "{} is a fixture the generator must accept, but:\n{err}",
                golden.spec.display()
            );
        }
        members.push(format!("{:?}", golden.crate_name));
    }
    let manifest = format!(
        "# Written by codegen's compile tests: every generated crate of this set.\n\
         [workspace]\nresolver = \"2\"\nmembers = [{}]\n",
        members.join(", ")
    );
    std::fs::write(dir.join("Cargo.toml"), manifest).expect("write the set's workspace manifest");
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock"))
        .expect("copy the root Cargo.lock");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let target = root.join("target/generated-crates");
    for (what, args) in [
        ("cargo check", &["check", "--workspace"][..]),
        ("cargo doc", &["doc", "--workspace", "--no-deps"][..]),
    ] {
        let output = Command::new(&cargo)
            .args(args)
            .arg("--quiet")
            .current_dir(&dir)
            .env("CARGO_TARGET_DIR", &target)
            // Both flags on both runs: the same RUSTFLAGS let `doc` reuse `check`'s dependencies.
            .env("RUSTFLAGS", "-D warnings")
            .env("RUSTDOCFLAGS", "-D warnings")
            .output()
            .expect("run cargo");
        assert!(
            output.status.success(),
            "`{what}` of the crates generated in {} failed:\n{}",
            dir.display(),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}
