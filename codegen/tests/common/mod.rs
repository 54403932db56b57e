//! Helpers shared by the generator's test binaries: where the workspace and `../shared` are,
//! and how a set of generated crates is compiled in one shared target directory.

// Each test binary uses its own subset of these helpers.
#![allow(dead_code)]

pub mod sampler;
pub mod samples;

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

/// The public descriptions of `../shared/specs/next/` this generator now serves, each under the
/// folder it has there. The shared folder is read-only data: a file stays in `next/` until its
/// README moves it into `corpus/`, so [`served_spec`] looks in both, and the compile test
/// requires each of these as it requires the corpus.
pub const SERVED_FROM_NEXT: &[&str] = &[
    "oai-examples/v3.1-non-oauth-scopes.yaml",
    "oai-examples/v3.1-tictactoe.yaml",
    "oai-examples/v3.1-webhook-example.yaml",
    "oai-examples/v3.2-tags-example.yaml",
    "public/discord-3.1.json",
    "public/jira-cloud.json",
    "public/linode.yaml",
    "public/okta-management.yaml",
    "public/plaid-2020-09-14.yaml",
    "public/swagger-petstore3.yaml",
];

/// A public description the generator serves, `folder/file`: in `../shared/specs/corpus/` once
/// it has moved there, else still in `../shared/specs/next/`. `None` (a note) when neither is
/// beside the checkout on a developer's machine; under `CI=true` the absence fails the test.
pub fn served_spec(relative: &str) -> Option<PathBuf> {
    let shared = workspace_root().join("../shared/specs");
    let places = [
        shared.join("corpus").join(relative),
        shared.join("next").join(relative),
    ];
    if let Some(found) = places.iter().find(|path| path.is_file()) {
        return Some(found.clone());
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!(
            "{relative} is in neither {} nor {}, and CI=true requires it: CI runs with ../shared \
             beside the checkout",
            places[0].display(),
            places[1].display()
        );
    }
    eprintln!("note: {relative} is absent from ../shared/specs; this check is skipped");
    None
}

/// The fixtures of some folders of `codegen/tests/fixtures/`, each folder sorted: `(folder,
/// crate name, file)`, the crate named `<folder>-<stem>`.
pub fn fixture_files<'a>(
    folders: impl IntoIterator<Item = &'a str>,
) -> Vec<(&'a str, String, PathBuf)> {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut specs = Vec::new();
    for folder in folders {
        let mut files: Vec<_> = std::fs::read_dir(fixtures.join(folder))
            .expect("read the fixture folder")
            .map(|entry| entry.expect("read a fixture entry").path())
            .collect();
        files.sort();
        for spec in files {
            let stem = spec
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            specs.push((folder, format!("{folder}-{stem}"), spec));
        }
    }
    specs
}

/// Every public spec of `../shared/specs/corpus/`, and those of `../shared/specs/next/` the
/// generator serves ([`SERVED_FROM_NEXT`]), sorted by folder and file; empty (a note) when
/// `../shared` is absent on a developer's machine.
pub fn public_specs() -> Vec<PathBuf> {
    let Some(readme) = shared_file("specs/corpus/README.md") else {
        return Vec::new();
    };
    let corpus = readme.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut files = Vec::new();
    for folder in std::fs::read_dir(&corpus).expect("read the corpus") {
        let folder = folder.expect("read a corpus entry").path();
        if folder.is_dir() {
            for file in std::fs::read_dir(&folder).expect("read a corpus folder") {
                files.push(file.expect("read a corpus file").path());
            }
        }
    }
    for relative in SERVED_FROM_NEXT {
        if let Some(spec) = served_spec(relative) {
            if !files.contains(&spec) {
                files.push(spec);
            }
        }
    }
    files.sort_by_key(|spec| {
        (
            spec.parent()
                .and_then(Path::file_name)
                .map(ToOwned::to_owned),
            spec.file_name().map(ToOwned::to_owned),
        )
    });
    files
}

/// The package name a public spec's crate gets: `corpus-<folder>-<file>`, kebab-case.
pub fn public_crate_name(spec: &Path) -> String {
    let part = |path: Option<&std::ffi::OsStr>| {
        path.map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    format!(
        "corpus-{}-{}",
        part(spec.parent().and_then(Path::file_name)),
        part(spec.file_name())
    )
    .to_ascii_lowercase()
    .replace(|c: char| !c.is_ascii_alphanumeric(), "-")
}

/// One crate to generate and compile.
pub struct GoldenSpec {
    /// The spec file.
    pub spec: PathBuf,
    /// The package name of the generated crate (unique among the set).
    pub crate_name: String,
    /// How many warnings the generator must give for it.
    pub warnings: ExpectedWarnings,
}

/// What a compiled spec must warn about: a clean spec nothing (a warning that appears in one
/// fails the test), a degraded fixture something, a public spec its documented count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpectedWarnings {
    /// Not one warning.
    None,
    /// At least one (a fixture about degrading).
    Some,
    /// Exactly this many (a public spec; its README says which).
    Exactly(usize),
    /// Any number (a document the fuzzer made: only that it compiles is asked).
    Any,
}

/// Generates every spec into `<workspace>/target/<set>/<crate name>/`, makes the directory a
/// workspace of all of them (with the root's `Cargo.lock`, so dependency versions are the
/// project's), and runs `cargo check` with `-D warnings` and `cargo doc --no-deps` with
/// rustdoc's `-D warnings` once over all of them, in one shared target directory so the
/// dependencies build once. Panics with the compiler's output when anything fails.
pub fn compile_generated(set: &str, specs: &[GoldenSpec]) {
    generate_set(set, specs);
    cargo_in_set(set, "cargo check", &["check", "--workspace"]);
    cargo_in_set(set, "cargo doc", &["doc", "--workspace", "--no-deps"]);
}

/// Runs cargo in the workspace of a set `generate_set` wrote, in the shared target directory,
/// warnings denied; panics with the compiler's output when it fails.
pub fn cargo_in_set(set: &str, what: &str, args: &[&str]) {
    let root = workspace_root();
    let dir = root.join("target").join(set);
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let output = Command::new(&cargo)
        .args(args)
        .arg("--quiet")
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", root.join("target/generated-crates"))
        // Both flags on every run: the same RUSTFLAGS let `doc` reuse `check`'s dependencies.
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

/// Generates every spec into `<workspace>/target/<set>/<crate name>/` with the warnings it
/// must give, and makes the directory a workspace of them all (with the root's `Cargo.lock`).
/// Returns the directory.
pub fn generate_set(set: &str, specs: &[GoldenSpec]) -> PathBuf {
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
            strict: false,
        };
        let warnings = match codegen::regenerate(&golden.spec, &out, &options) {
            Ok((generated, _)) => generated.warnings,
            Err(err) => panic!(
                "{} is a fixture the generator must accept, but:\n{err}",
                golden.spec.display()
            ),
        };
        let expected = match golden.warnings {
            ExpectedWarnings::None => warnings.is_empty(),
            ExpectedWarnings::Some => !warnings.is_empty(),
            ExpectedWarnings::Exactly(count) => warnings.len() == count,
            ExpectedWarnings::Any => true,
        };
        assert!(
            expected,
            "{} must give {:?} warnings, but gave {}:\n{}",
            golden.spec.display(),
            golden.warnings,
            warnings.len(),
            warnings
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n\n")
        );
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
    dir
}

/// `cargo check` with `-D warnings` of some crates `compile_generated` wrote into
/// `<workspace>/target/<set>/`, with more arguments (features): a build the default one does
/// not cover. Panics with the compiler's output when it fails.
pub fn check_generated(set: &str, crates: &[String], args: &[&str]) {
    let mut command = vec!["check"];
    command.extend_from_slice(args);
    for name in crates {
        command.extend(["-p", name.as_str()]);
    }
    let what = format!("cargo check {} of {crates:?}", args.join(" "));
    cargo_in_set(set, &what, &command);
}

/// After [`compile_generated`] of `set`: `cargo check` of the crate `crate_name` with its
/// default features off and each of `builds` on instead (a build is a comma-separated feature
/// list; `""` is none at all), warnings denied, in the same target directory (the
/// dependencies are already checked). Panics with the compiler's output naming the build.
pub fn check_feature_builds(set: &str, crate_name: &str, builds: &[&str]) {
    for features in builds {
        let what = format!(
            "cargo check -p {crate_name} --no-default-features --features {features:?} (each \
             feature must compile alone, and no feature at all)"
        );
        cargo_in_set(
            set,
            &what,
            &[
                "check",
                "-p",
                crate_name,
                "--no-default-features",
                "--features",
                features,
            ],
        );
    }
}

/// Generates every spec into `<workspace>/target/<set>/<crate name>/` and runs the test files
/// `tests` (paths of `.rs` files, each a test target) in one more crate of that workspace, which
/// depends on every generated crate, `tokio`, `serde_json`, `futures-core` (to give streams),
/// `wiremock` and `reqwest` (to build
/// multipart parts): how a generated
/// client behaves on the wire, for constructs the vCenter spec does not have. `cargo test` runs
/// once in the shared target directory. Panics with the output when anything fails.
pub fn test_generated(set: &str, specs: &[GoldenSpec], tests: &[PathBuf]) {
    let root = workspace_root();
    let dir = root.join("target").join(set);
    let mut members = Vec::new();
    let mut dependencies = String::new();
    for golden in specs {
        let out = dir.join(&golden.crate_name);
        let options = codegen::Options {
            crate_name: golden.crate_name.clone(),
            spec_label: golden
                .spec
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
            selection: Default::default(),
            strict: false,
        };
        let warnings = match codegen::regenerate(&golden.spec, &out, &options) {
            Ok((generated, _)) => generated.warnings,
            Err(err) => panic!(
                "{} is a fixture the generator must accept, but:\n{err}",
                golden.spec.display()
            ),
        };
        let expected = match golden.warnings {
            ExpectedWarnings::None => warnings.is_empty(),
            ExpectedWarnings::Some => !warnings.is_empty(),
            ExpectedWarnings::Exactly(count) => warnings.len() == count,
            ExpectedWarnings::Any => true,
        };
        assert!(
            expected,
            "{} must give {:?} warnings, but gave {}:\n{}",
            golden.spec.display(),
            golden.warnings,
            warnings.len(),
            warnings
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n\n")
        );
        members.push(format!("{:?}", golden.crate_name));
        dependencies.push_str(&format!(
            "{} = {{ path = \"../{}\" }}\n",
            golden.crate_name, golden.crate_name
        ));
    }
    let runner = dir.join("wire-tests");
    let _ = std::fs::remove_dir_all(&runner);
    std::fs::create_dir_all(runner.join("tests")).expect("create the test crate");
    std::fs::create_dir_all(runner.join("src")).expect("create the test crate");
    std::fs::write(
        runner.join("src/lib.rs"),
        "//! Wire tests of generated crates.\n",
    )
    .expect("write the test crate");
    let mut manifest = format!(
        "[package]\nname = \"wire-tests\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
         [dependencies]\n{dependencies}\
         reqwest = {{ version = \"0.13\", default-features = false, features = [\"multipart\"] }}\n\
         futures-core = \"0.3\"\nserde_json = \"1\"\ntokio = {{ version = \"1\", features = [\"macros\", \"rt-multi-thread\", \"net\", \"io-util\", \"sync\"] }}\n\
         wiremock = \"0.6\"\n"
    );
    for test in tests {
        let name = test
            .file_stem()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        std::fs::copy(test, runner.join("tests").join(format!("{name}.rs")))
            .expect("copy a wire test");
        manifest.push_str(&format!(
            "\n[[test]]\nname = {name:?}\npath = \"tests/{name}.rs\"\n"
        ));
    }
    std::fs::write(runner.join("Cargo.toml"), manifest).expect("write the test crate manifest");
    members.push("\"wire-tests\"".to_string());
    let workspace = format!(
        "# Written by codegen's wire tests: the generated crates and the crate that tests them.\n\
         [workspace]\nresolver = \"2\"\nmembers = [{}]\n",
        members.join(", ")
    );
    std::fs::write(dir.join("Cargo.toml"), workspace).expect("write the set's workspace manifest");
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock"))
        .expect("copy the root Cargo.lock");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let output = Command::new(&cargo)
        .args(["test", "--quiet", "--no-fail-fast", "-p", "wire-tests"])
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", root.join("target/generated-crates"))
        .output()
        .expect("run cargo");
    assert!(
        output.status.success(),
        "`cargo test` of the wire tests in {} failed:\n{}\n{}",
        dir.display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
