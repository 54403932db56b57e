//! Compiled golden outputs: every fixture the generator accepts, and VMware's full vCenter
//! spec, is generated and compiled (`cargo check` and `cargo doc`, warnings denied) in one
//! shared target directory. A snapshot that is never compiled can lock in code that does not
//! build; this test cannot.

mod common;

use std::path::Path;

use common::{compile_generated, shared_file, GoldenSpec};

/// The fixture folders whose every spec must generate a crate that compiles.
const ACCEPTED: &[&str] = &["compile", "forms", "real-world"];

#[test]
fn every_accepted_fixture_and_the_full_vcenter_spec_compile() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut specs = Vec::new();
    for folder in ACCEPTED {
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
            specs.push(GoldenSpec {
                crate_name: format!("{folder}-{stem}"),
                spec,
            });
        }
    }
    assert!(specs.len() >= 8, "the fixture folders are missing");
    if let Some(full) = shared_file("specs/vcenter-7.0.3.json") {
        specs.push(GoldenSpec {
            crate_name: "vcenter-full".to_string(),
            spec: full,
        });
    }
    compile_generated("golden", &specs);
}
