//! Compiled golden outputs: every fixture the generator accepts, the public corpus and VMware's
//! full vCenter spec are generated and built (and documented, warnings denied) in one shared
//! target directory; crates with features are also checked one feature at a time. A snapshot
//! that is never compiled can lock in code that does not build; this test cannot. The same
//! build decodes schema-valid values into every generated type and encodes them back
//! (`common/samples.rs`, README's "Every valid value decodes").

mod common;

use std::path::Path;

use common::{
    cargo_in_set, check_feature_builds, check_generated, fixture_files, generate_set,
    public_crate_name, public_specs, samples, shared_file, ExpectedWarnings, GoldenSpec,
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
fn every_accepted_spec_compiles_and_every_valid_value_decodes() {
    let mut specs: Vec<GoldenSpec> = fixture_files(ACCEPTED.iter().map(|(folder, _)| *folder))
        .into_iter()
        .map(|(folder, crate_name, spec)| GoldenSpec {
            crate_name,
            spec,
            warnings: ACCEPTED
                .iter()
                .find(|(name, _)| *name == folder)
                .map_or(ExpectedWarnings::Any, |(_, warnings)| *warnings),
        })
        .collect();
    assert!(specs.len() >= 8, "the fixture folders are missing");
    if let Some(full) = shared_file("specs/vcenter-7.0.3.json") {
        specs.push(GoldenSpec {
            crate_name: "vcenter-full".to_string(),
            spec: full,
            warnings: ExpectedWarnings::None,
        });
    }
    specs.extend(accepted_corpus_specs());
    // A developer's shortcut, refused under CI: `GOLDEN_ONLY=nexus,compile-` keeps the crates
    // whose names contain one of these.
    if let Ok(only) = std::env::var("GOLDEN_ONLY") {
        assert!(
            !std::env::var("CI").is_ok_and(|v| v == "true"),
            "GOLDEN_ONLY is for a developer's machine; CI compiles every crate"
        );
        specs.retain(|spec| only.split(',').any(|part| spec.crate_name.contains(part)));
    }
    let full_spec = specs.iter().any(|s| s.crate_name == "vcenter-full");
    generate_set("golden", &specs);
    // Every crate is built whole, with `serde-all`, by the sample test's program, which then
    // decodes schema-valid values into every type (README, "Every valid value decodes").
    // Without the validator (a developer's machine without `.ci/run`'s judges), a check.
    match samples::run("golden", &specs) {
        Some(counts) => samples::assert_all_came_back("golden", &counts),
        None => cargo_in_set("golden", "cargo check", &["check", "--workspace"]),
    }
    cargo_in_set("golden", "cargo doc", &["doc", "--workspace", "--no-deps"]);
    // The fixtures also without `serde-all` (each type only the way the API moves it), and with
    // every feature: the rules are the same for every crate, and the fixtures are quick.
    let fixtures: Vec<String> = specs
        .iter()
        .map(|golden| golden.crate_name.clone())
        .filter(|name| {
            ACCEPTED
                .iter()
                .any(|(folder, _)| name.starts_with(&format!("{folder}-")))
        })
        .collect();
    check_generated("golden", &fixtures, &[]);
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
    let files = public_specs();
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
        let crate_name = public_crate_name(&spec);
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
