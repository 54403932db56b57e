//! Compiled golden outputs: every fixture the generator accepts, and VMware's full vCenter
//! spec, is generated and compiled (`cargo check` and `cargo doc`, warnings denied) in one
//! shared target directory; crates with features are also checked one feature at a time. A snapshot that is never compiled can lock in code that does not
//! build; this test cannot.

mod common;

use std::path::Path;

use common::{
    check_feature_builds, check_generated, compile_generated, served_spec, shared_file,
    ExpectedWarnings, GoldenSpec, SERVED_FROM_NEXT,
};

/// The fixture folders whose every spec must generate a crate that compiles, and whether
/// their specs are about degrading (each must warn) or clean (none may).
const ACCEPTED: &[(&str, ExpectedWarnings)] = &[
    ("compile", ExpectedWarnings::None),
    ("forms", ExpectedWarnings::None),
    ("real-world", ExpectedWarnings::None),
    ("v31", ExpectedWarnings::None),
    ("degraded", ExpectedWarnings::Some),
];

#[test]
fn every_accepted_fixture_and_the_full_vcenter_spec_compile() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut specs = Vec::new();
    for (folder, warnings) in ACCEPTED {
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
                warnings: *warnings,
            });
        }
    }
    assert!(specs.len() >= 8, "the fixture folders are missing");
    if let Some(full) = shared_file("specs/vcenter-7.0.3.json") {
        specs.push(GoldenSpec {
            crate_name: "vcenter-full".to_string(),
            spec: full,
            warnings: ExpectedWarnings::None,
        });
    }
    specs.extend(accepted_corpus_specs());
    let full_spec = specs.iter().any(|s| s.crate_name == "vcenter-full");
    compile_generated("golden", &specs);
    // Every feature on: `serde-all` gives each type both serde impls, which must compile too
    // (the fixtures are enough: the rule is the same for every crate, and they are quick).
    let fixtures: Vec<String> = specs
        .iter()
        .map(|golden| golden.crate_name.clone())
        .filter(|name| {
            ACCEPTED
                .iter()
                .any(|(folder, _)| name.starts_with(&format!("{folder}-")))
        })
        .collect();
    check_generated("golden", &fixtures, &["--all-features"]);
    // One part at a time: every feature of the features fixture alone, and none at all.
    check_feature_builds(
        "golden",
        "compile-features",
        &["", "full-2", "host", "untagged", "vm-hardware"],
    );
    // A tag whose operations use several types of their own, and one whose types other tags
    // share.
    if full_spec {
        check_feature_builds("golden", "vcenter-full", &["vm-hardware-cdrom", "vm"]);
    }
}

/// The corpus files that generate with warnings (see the corpus README): the file, and one
/// text per warning, in file order, that the warning must hold. Every other file must generate
/// without one.
const EXPECTED_WARNINGS: &[(&str, &[&str])] = &[
    (
        "oai-examples/v3.1-webhook-example.yaml",
        &["the document has no operations under `paths`"],
    ),
    // Ten multipart bodies that are an `allOf` of an `anyOf`: their JSON methods send them.
    ("public/discord-3.1.json", &[DISCORD_MULTIPART; 10]),
    (
        "public/jira-cloud.json",
        &["/paths/~1rest~1api~13~1issue~1{issueIdOrKey}~1attachments/post/requestBody"],
    ),
    ("public/linode.yaml", &["the header parameter \"X-Filter\""]),
    (
        "vmware-7.0.3/contentinternal.json",
        &[
            "\"#/components/schemas/vcenter.task.result_data\" points at nothing",
            "\"#/components/schemas/vcenter.task.task_info\" points at nothing",
        ],
    ),
];

const DISCORD_MULTIPART: &str = "a multipart body whose schema is not an object with properties";

/// Every public spec of `../shared/specs/corpus/`, and those of `../shared/specs/next/` the
/// generator now serves ([`SERVED_FROM_NEXT`], wherever they are): each must generate (and is
/// compiled like the fixtures), with exactly the warnings the table above gives it.
fn accepted_corpus_specs() -> Vec<GoldenSpec> {
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
    let mut accepted = Vec::new();
    let mut wrong = Vec::new();
    for spec in files {
        let folder = spec
            .parent()
            .and_then(Path::file_name)
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let file = spec
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let stem = spec
            .file_stem()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let label = format!("{folder}/{file}");
        let crate_name = format!("corpus-{folder}-{file}")
            .to_ascii_lowercase()
            .replace(|c: char| !c.is_ascii_alphanumeric(), "-");
        let options = codegen::Options {
            crate_name: crate_name.clone(),
            spec_label: stem.clone(),
            selection: Default::default(),
            strict: false,
        };
        let expected: &[&str] = EXPECTED_WARNINGS
            .iter()
            .find(|(name, _)| *name == label)
            .map_or(&[], |(_, texts)| texts);
        match codegen::generate(&spec, &options) {
            Ok(generated) => {
                let text: Vec<String> =
                    generated.warnings.iter().map(ToString::to_string).collect();
                let matches = text.len() == expected.len()
                    && text
                        .iter()
                        .zip(expected)
                        .all(|(warning, want)| warning.contains(want));
                if !matches {
                    wrong.push(format!(
                        "{label} must give {} warnings holding {expected:?}, but gave {}:\n{}",
                        expected.len(),
                        text.len(),
                        text.join("\n\n")
                    ));
                }
                accepted.push(GoldenSpec {
                    spec,
                    crate_name,
                    warnings: ExpectedWarnings::Exactly(expected.len()),
                });
            }
            Err(err) => wrong.push(format!("{label} must generate, but:\n{err}")),
        }
    }
    assert!(wrong.is_empty(), "the corpus:\n{}", wrong.join("\n\n"));
    eprintln!(
        "corpus: {} generated (compiled below), {} of them with the warnings the README lists",
        accepted.len(),
        EXPECTED_WARNINGS.len()
    );
    accepted
}
