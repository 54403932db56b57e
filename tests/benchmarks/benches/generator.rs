//! Generation against the parse floor: the time to generate a client (load, model, emit,
//! render; nothing written) next to the time to only parse the same text into
//! `openapiv3::OpenAPI`, for the project's spec and VMware's full spec, and the time to build
//! the position index that locates a diagnostic. And against
//! progenitor: both generators, text in and formatted Rust out, on the variant of the project's
//! spec that progenitor accepts (see [`progenitor_variant`]). This benchmark also writes the
//! progenitor-generated crate to `bench-results/progenitor-client/` for the build-cost row of
//! `cargo xtask bench`. And head to head on progenitor's flagship, Oxide's `nexus.json` (from
//! `../shared/specs/corpus/progenitor/`, when present): both generators' times, and both crates
//! written to `bench-results/nexus-{ours,progenitor}/` for the build rows.

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use codegen::position::{PositionIndex, SourceFormat};
use criterion::{criterion_group, criterion_main, Criterion};

fn options() -> codegen::Options {
    codegen::Options {
        crate_name: "bench-client".to_string(),
        spec_label: "bench.yaml".to_string(),
        selection: Default::default(),
        strict: false,
    }
}

fn parse(file: &Path, text: &str) -> openapiv3::OpenAPI {
    let parsed = if file.extension().is_some_and(|ext| ext == "json") {
        serde_json::from_str(text).map_err(|e| e.to_string())
    } else {
        serde_yaml::from_str(text).map_err(|e| e.to_string())
    };
    parsed.unwrap_or_else(|err| panic!("{} does not parse: {err}", file.display()))
}

fn generate(file: &Path, text: &str) -> codegen::GeneratedCrate {
    codegen::generate_from_text(file, text.to_string(), &options())
        .unwrap_or_else(|err| panic!("{} does not generate: {err}", file.display()))
}

fn bench_spec(c: &mut Criterion, label: &str, file: &Path, samples: usize) {
    let text = std::fs::read_to_string(file)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", file.display()));
    let mut group = c.benchmark_group(format!("generate/{label}"));
    group.sample_size(samples);
    if samples < 50 {
        group.measurement_time(Duration::from_secs(15));
    }
    group.bench_function("parse", |b| b.iter(|| parse(file, black_box(&text))));
    group.bench_function("generate", |b| b.iter(|| generate(file, black_box(&text))));
    // The floor the rendering step sets: the generated Rust files (the runtime is copied, not
    // formatted) read by `syn` and printed by `prettyplease`, on one thread, as the generator
    // does for each part from its tokens.
    let emitted: Vec<String> = generate(file, &text)
        .files
        .into_iter()
        .filter(|f| f.path.ends_with(".rs") && !f.path.starts_with("src/runtime/"))
        .map(|f| f.contents)
        .collect();
    group.bench_function("format", |b| {
        b.iter(|| {
            for contents in &emitted {
                let parsed = syn::parse_file(black_box(contents)).expect("generated Rust parses");
                black_box(prettyplease::unparse(&parsed));
            }
        })
    });
    // Paid only by a spec that is rejected: the index is built on the first diagnostic.
    let format = if file.extension().is_some_and(|ext| ext == "json") {
        SourceFormat::Json
    } else {
        SourceFormat::Yaml
    };
    group.bench_function("positions", |b| {
        b.iter(|| PositionIndex::build(black_box(&text), format))
    });
    group.finish();
}

/// The project's spec as progenitor 0.15.1 accepts it: with the `default` responses removed
/// (mount's `default`, the standard error for any other status, makes progenitor panic with
/// `assertion failed: response_types.len() <= 1`, as it counts `default` among the success
/// types). Nothing else changes. Returned as JSON text, given to both generators.
fn progenitor_variant(spec_yaml: &str) -> String {
    let mut document: serde_json::Value =
        serde_yaml::from_str(spec_yaml).unwrap_or_else(|err| panic!("spec/vcenter.yaml: {err}"));
    let mut removed = 0;
    if let Some(paths) = document.get_mut("paths").and_then(|p| p.as_object_mut()) {
        for item in paths.values_mut().filter_map(|item| item.as_object_mut()) {
            for operation in item.values_mut() {
                if let Some(responses) = operation
                    .get_mut("responses")
                    .and_then(|r| r.as_object_mut())
                {
                    removed += usize::from(responses.remove("default").is_some());
                }
            }
        }
    }
    assert!(
        removed > 0,
        "the variant no longer differs from the spec: update this function"
    );
    document.to_string()
}

fn progenitor_generate(text: &str) -> String {
    let spec: openapiv3::OpenAPI = serde_json::from_str(text).expect("the spec parses");
    let mut generator =
        progenitor_impl::Generator::new(&progenitor_impl::GenerationSettings::default());
    let tokens = generator
        .generate_tokens(&spec)
        .expect("progenitor generates the variant");
    let file: syn::File = syn::parse2(tokens).expect("progenitor's output parses");
    prettyplease::unparse(&file)
}

/// Writes progenitor's client of `text` as the crate `folder` of the results, with the
/// dependencies progenitor's README asks for, TLS on rustls as ours has, and no other default
/// features; `extra` adds those the code of a larger spec uses (streams, random ids, byte
/// strings, patterns).
fn write_progenitor_crate(folder: &str, text: &str, extra: bool) {
    let dir = benchmarks::results_dir().join(folder);
    let futures = if extra {
        "base64 = \"0.22\"\nfutures = \"0.3\"\nrand = \"0.9\"\nregress = \"0.10\"\n"
    } else {
        ""
    };
    let manifest = format!(
        r#"[package]
name = "progenitor-{folder}"
version = "0.1.0"
edition = "2021"
publish = false

[dependencies]
bytes = "1"
chrono = {{ version = "0.4", default-features = false, features = ["serde"] }}
{futures}progenitor-client = "0.15.1"
reqwest = {{ version = "0.13", default-features = false, features = ["json", "query", "stream", "rustls"] }}
serde = {{ version = "1", features = ["derive"] }}
serde_json = "1"
uuid = {{ version = "1", features = ["serde"] }}

[workspace]
"#
    );
    let written = std::fs::create_dir_all(dir.join("src"))
        .and_then(|()| std::fs::write(dir.join("Cargo.toml"), manifest))
        .and_then(|()| std::fs::write(dir.join("src/lib.rs"), progenitor_generate(text)));
    if let Err(err) = written {
        panic!("cannot write {}: {err}", dir.display());
    }
}

/// Writes our client of `file` as the crate `folder` of the results, outside the workspace.
fn write_our_crate(folder: &str, file: &Path) {
    let dir = benchmarks::results_dir().join(folder);
    let options = codegen::Options {
        crate_name: format!("ours-{folder}"),
        ..options()
    };
    if let Err(err) = codegen::regenerate(file, &dir, &options) {
        panic!("cannot generate {}: {err}", file.display());
    }
    let manifest = dir.join("Cargo.toml");
    let appended = std::fs::read_to_string(&manifest)
        .and_then(|text| std::fs::write(&manifest, format!("{text}\n[workspace]\n")));
    if let Err(err) = appended {
        panic!("cannot write {}: {err}", manifest.display());
    }
}

/// Both generators on Oxide's `nexus.json`, progenitor's own flagship spec.
fn nexus_against_progenitor(c: &mut Criterion) {
    let Some(nexus) = benchmarks::shared_file("specs/corpus/progenitor/nexus.json") else {
        eprintln!(
            "note: ../shared/specs/corpus/progenitor/nexus.json is absent; its rows are skipped"
        );
        return;
    };
    let text = std::fs::read_to_string(&nexus).expect("read nexus.json");
    write_our_crate("nexus-ours", &nexus);
    write_progenitor_crate("nexus-progenitor", &text, true);
    let mut group = c.benchmark_group("progenitor/nexus.json");
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(20));
    group.bench_function("ours", |b| b.iter(|| generate(&nexus, black_box(&text))));
    group.bench_function("progenitor", |b| {
        b.iter(|| progenitor_generate(black_box(&text)))
    });
    group.finish();
}

fn against_progenitor(c: &mut Criterion) {
    let root = benchmarks::workspace_root();
    let spec = std::fs::read_to_string(root.join("spec/vcenter.yaml")).expect("spec/vcenter.yaml");
    let variant = progenitor_variant(&spec);
    write_progenitor_crate("progenitor-client", &variant, false);
    let file = Path::new("vcenter-progenitor-variant.json");
    let mut group = c.benchmark_group("progenitor/vcenter-variant.json");
    group.bench_function("ours", |b| b.iter(|| generate(file, black_box(&variant))));
    group.bench_function("progenitor", |b| {
        b.iter(|| progenitor_generate(black_box(&variant)))
    });
    group.finish();
}

fn generator(c: &mut Criterion) {
    let root = benchmarks::workspace_root();
    bench_spec(c, "vcenter.yaml", &root.join("spec/vcenter.yaml"), 100);
    match benchmarks::full_spec() {
        Some(full) => bench_spec(c, "vcenter-7.0.3.json", &full, 10),
        None => {
            eprintln!("note: ../shared/specs/vcenter-7.0.3.json is absent; its rows are skipped")
        }
    }
}

criterion_group!(
    benches,
    generator,
    against_progenitor,
    nexus_against_progenitor
);
criterion_main!(benches);
