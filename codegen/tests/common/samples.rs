//! The sample test: values drawn valid against the schemas of every compiled spec are decoded
//! into the generated types and encoded back. For every component schema and every JSON
//! request and response body, [`DRAWS`] values are drawn (seeded, see `sampler.rs`), an
//! independent validator (`tests/samples/judge.py`, openapi-schema-validator) keeps the valid
//! ones, one program decodes each into its Rust type (every crate with `serde-all`) and writes
//! it back, and the validator's side compares the two as JSON values (key order free).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use codegen::model::{ResponseBody, StatusMatch, TypeRef};
use serde_json::Value;

use super::sampler::{seed_of, Rng, Sample, Sampler};
use super::{workspace_root, GoldenSpec};

/// Values drawn per schema: enough that each member of a top-level union is drawn several times
/// and each optional field is, with near certainty, both present and absent.
pub const DRAWS: usize = 12;

/// One schema and the Rust type its values decode into.
struct Target {
    pointer: String,
    rust: String,
    values: Vec<Sample>,
    /// Whether every value of the type is read straight into typed fields: no union, untyped
    /// value or flattened field on the way, which all go through `serde_json::Value` (or
    /// serde's buffer), where an integer beyond 64 bits is the nearest double (README).
    exact: bool,
}

struct SpecSamples {
    label: String,
    path: PathBuf,
    targets: Vec<Target>,
}

/// What the test found for one spec.
#[derive(Debug, Default)]
pub struct Counts {
    pub schemas: usize,
    pub drawn: usize,
    pub valid: usize,
    pub passed: usize,
    /// Values that did not come back only as README documents: an integer beyond 64 bits
    /// where the type reads through `serde_json::Value`.
    pub documented: usize,
    pub failures: Vec<String>,
}

/// The Python of the judges' virtual environment (`.ci/run` makes it); `None` when absent on
/// a developer's machine (the test says so); under `CI=true` its absence fails.
fn judge_python() -> Option<PathBuf> {
    let python = workspace_root().join("target/ci-venv/bin/python");
    if python.is_file() {
        return Some(python);
    }
    assert!(
        !std::env::var("CI").is_ok_and(|v| v == "true"),
        "{} is missing; .ci/run installs it before the tests",
        python.display()
    );
    eprintln!(
        "note: {} is absent (make it as .ci/run does); the sample test is skipped",
        python.display()
    );
    None
}

/// Runs the sample test over the crates `generate_set` wrote into `target/<set>/` (building
/// each whole, with `serde-all`). Returns the counts per spec label; `None` when the validator
/// is absent on a developer's machine.
pub fn run(set: &str, specs: &[GoldenSpec]) -> Option<BTreeMap<String, Counts>> {
    let python = judge_python()?;
    let root = workspace_root();
    let dir = root.join("target").join(format!("{set}-samples"));
    std::fs::create_dir_all(&dir).expect("make the samples directory");
    let mut all = Vec::new();
    for golden in specs {
        all.push(draw_spec(golden));
    }
    // The validator keeps the valid values.
    let verdicts = judge(&python, &dir, "validate", &all, None);
    let mut counts: BTreeMap<String, Counts> = BTreeMap::new();
    for (spec, spec_verdicts) in all.iter_mut().zip(&verdicts) {
        let entry = counts.entry(spec.label.clone()).or_default();
        entry.schemas = spec.targets.len();
        for (target, row) in spec.targets.iter_mut().zip(spec_verdicts) {
            entry.drawn += target.values.len();
            let kept: Vec<Sample> = target
                .values
                .drain(..)
                .zip(row)
                .filter(|(_, verdict)| verdict.is_none())
                .map(|(value, _)| value)
                .collect();
            entry.valid += kept.len();
            target.values = kept;
        }
    }
    // One program decodes and re-encodes every kept value.
    let returned = roundtrip(&dir, set, specs, &all);
    let verdicts = judge(&python, &dir, "compare", &all, Some(&returned));
    for ((spec, spec_verdicts), golden) in all.iter().zip(&verdicts).zip(specs) {
        let entry = counts.entry(spec.label.clone()).or_default();
        for (target, row) in spec.targets.iter().zip(spec_verdicts) {
            for (value, verdict) in target.values.iter().zip(row) {
                match verdict {
                    None => entry.passed += 1,
                    Some(_) if !target.exact && value.has_wide_integer() => entry.documented += 1,
                    Some(why) => entry.failures.push(format!(
                        "{}: {} as {}: {}\n    sent: {}",
                        golden.crate_name,
                        target.pointer,
                        target.rust,
                        why,
                        excerpt(&value.to_json())
                    )),
                }
            }
        }
    }
    Some(counts)
}

fn excerpt(text: &str) -> String {
    if text.len() <= 400 {
        text.to_string()
    } else {
        let mut end = 400;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}...", &text[..end])
    }
}

/// Reads the spec as JSON, its model, and draws values for every schema that has a Rust type.
fn draw_spec(golden: &GoldenSpec) -> SpecSamples {
    let text = std::fs::read_to_string(&golden.spec).expect("read the spec");
    let document = codegen::load::json_tree(&golden.spec, &text).expect("the spec is JSON or YAML");
    let loaded = codegen::load::load_file(&golden.spec).expect("the spec loads");
    let modelled = codegen::model::build_model(&loaded, &Default::default())
        .unwrap_or_else(|err| panic!("{} models: {err}", golden.spec.display()));
    let model = modelled.model;
    let krate = golden.crate_name.replace('-', "_");
    let sampler = Sampler::new(&document);
    // Where each schema is, and the Rust type its values decode into.
    let mut wanted: Vec<(String, TypeRef)> = Vec::new();
    let schemas = document
        .pointer("/components/schemas")
        .and_then(Value::as_object);
    for def in &model.types {
        if schemas.is_some_and(|s| s.contains_key(&def.origin)) {
            let pointer = format!("/components/schemas/{}", escape(&def.origin));
            wanted.push((pointer, TypeRef::Named(def.name.clone())));
        }
    }
    for op in &model.operations {
        if let Some(body) = &op.body {
            if matches!(body.encoding, codegen::model::BodyEncoding::Json) {
                let content = format!("{}/requestBody/content", op.pointer);
                if let Some(media_type) = json_media(&sampler, &loaded, &content) {
                    let pointer = format!("{content}/{}/schema", escape(&media_type));
                    wanted.push((pointer, body.ty.clone()));
                }
            }
        }
        let mut bodies: Vec<(Option<StatusMatch>, TypeRef)> = Vec::new();
        if let Some(ResponseBody::Json(ty)) = &op.success.body {
            for status in &op.success.statuses {
                bodies.push((Some(*status), ty.clone()));
            }
        }
        for enumeration in op.success.responses.iter().chain(&op.error_enum) {
            for variant in &enumeration.variants {
                if let Some(ResponseBody::Json(ty)) = &variant.body {
                    bodies.push((variant.status, ty.clone()));
                }
            }
        }
        if op.error_enum.is_none() {
            if let Some(ty) = &op.error_body {
                for case in &op.errors {
                    bodies.push((case.status, ty.clone()));
                }
            }
        }
        let Some((_, responses)) = sampler.node(&format!("{}/responses", op.pointer)) else {
            continue;
        };
        let Some(responses) = responses.as_object() else {
            continue;
        };
        for (status, ty) in bodies {
            let key = match status {
                Some(StatusMatch::Code(code)) => code.to_string(),
                Some(StatusMatch::Range(digit)) => format!("{digit}XX"),
                None => "default".to_string(),
            };
            let key = responses
                .keys()
                .find(|k| k.eq_ignore_ascii_case(&key))
                .cloned()
                .unwrap_or(key);
            let content = format!("{}/responses/{}/content", op.pointer, escape(&key));
            if let Some(media_type) = json_media(&sampler, &loaded, &content) {
                let pointer = format!("{content}/{}/schema", escape(&media_type));
                wanted.push((pointer, ty.clone()));
            }
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    let mut targets = Vec::new();
    for (pointer, ty) in wanted {
        let Some((pointer, schema)) = sampler.node(&pointer) else {
            continue;
        };
        if !seen.insert(pointer.clone()) {
            continue;
        }
        let mut rust = rust_type(&ty, &krate);
        // `null`, for a schema that admits it, is `None` wherever the type is used.
        if sampler.admits_null(schema) && !matches!(ty, TypeRef::Json | TypeRef::Nullable(_)) {
            rust = format!("Option<{rust}>");
        }
        let mut rng = Rng::new(seed_of(&format!("{}#{pointer}", golden.crate_name)));
        let values = (0..DRAWS)
            .filter_map(|choice| sampler.draw(&pointer, choice, &mut rng))
            .collect();
        targets.push(Target {
            pointer,
            rust,
            values,
            exact: exact(&model.types, &ty),
        });
    }
    SpecSamples {
        label: golden.crate_name.clone(),
        path: golden.spec.clone(),
        targets,
    }
}

/// The JSON media type of a `content` map the generator decodes: the first in document order
/// (the client decodes every JSON answer with its schema's type).
fn json_media(
    sampler: &Sampler,
    loaded: &codegen::load::LoadedSpec,
    content: &str,
) -> Option<String> {
    let (at, media) = sampler.node(content)?;
    let line = |media_type: &str| {
        loaded
            .positions()
            .and_then(|index| index.locate(&format!("{at}/{}", escape(media_type))))
            .map(|position| (position.line, position.column))
    };
    media
        .as_object()?
        .keys()
        .filter(|media_type| {
            let essence = media_type
                .split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase();
            essence == "application/json" || essence.ends_with("+json")
        })
        .min_by_key(|media_type| line(media_type))
        .cloned()
}

/// Whether values of `ty` never go through `serde_json::Value` or serde's buffer (see
/// [`Target::exact`]).
fn exact(types: &[codegen::model::TypeDef], ty: &TypeRef) -> bool {
    use codegen::model::TypeKind;
    let mut pending = vec![ty.clone()];
    let mut seen = std::collections::BTreeSet::new();
    while let Some(ty) = pending.pop() {
        match ty {
            TypeRef::Json | TypeRef::JsonObject => return false,
            TypeRef::Vec(inner) | TypeRef::Map(inner) | TypeRef::Nullable(inner) => {
                pending.push(*inner)
            }
            TypeRef::Tuple(items) => pending.extend(items),
            TypeRef::Named(name) => {
                if !seen.insert(name.clone()) {
                    continue;
                }
                match types
                    .iter()
                    .find(|def| def.name == name)
                    .map(|def| &def.kind)
                {
                    Some(TypeKind::Struct { fields }) => {
                        if fields.iter().any(|field| field.flatten) {
                            return false;
                        }
                        pending.extend(fields.iter().map(|field| field.ty.clone()));
                    }
                    Some(TypeKind::Alias(inner)) => pending.push(inner.clone()),
                    Some(TypeKind::Union(_)) | None => return false,
                    Some(TypeKind::Enum { .. } | TypeKind::Id { .. }) => {}
                }
            }
            _ => {}
        }
    }
    true
}

fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// The Rust type of a `TypeRef`, named from outside the crate.
fn rust_type(ty: &TypeRef, krate: &str) -> String {
    match ty {
        TypeRef::String | TypeRef::DateTime => "String".into(),
        TypeRef::Bool => "bool".into(),
        TypeRef::I32 => "i32".into(),
        TypeRef::I64 => "i64".into(),
        TypeRef::I128 => "i128".into(),
        TypeRef::U32 => "u32".into(),
        TypeRef::U64 => "u64".into(),
        TypeRef::Nullable(inner) => format!("Option<{}>", rust_type(inner, krate)),
        TypeRef::F32 => "f32".into(),
        TypeRef::F64 => "f64".into(),
        TypeRef::Json => "serde_json::Value".into(),
        TypeRef::JsonObject => "serde_json::Map<String, serde_json::Value>".into(),
        TypeRef::Named(name) => format!("{krate}::types::{name}"),
        TypeRef::Vec(inner) => format!("Vec<{}>", rust_type(inner, krate)),
        TypeRef::Map(inner) => format!(
            "std::collections::BTreeMap<String, {}>",
            rust_type(inner, krate)
        ),
        TypeRef::Tuple(items) => format!(
            "({},)",
            items
                .iter()
                .map(|item| rust_type(item, krate))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// What the decoding program gave back, per spec, target and value: `(true, JSON)` or
/// `(false, why the type refused it)`.
type Returned = Vec<Vec<Vec<(bool, String)>>>;

/// Writes the request for `judge.py`, runs it, and reads its verdicts.
fn judge(
    python: &Path,
    dir: &Path,
    mode: &str,
    specs: &[SpecSamples],
    returned: Option<&Returned>,
) -> Vec<Vec<Vec<Option<String>>>> {
    let mut request = String::from("{\"specs\":[");
    for (i, spec) in specs.iter().enumerate() {
        if i > 0 {
            request.push(',');
        }
        let _ = write!(
            request,
            "{{\"path\":{},\"targets\":[",
            Value::String(spec.path.to_string_lossy().into_owned())
        );
        for (j, target) in spec.targets.iter().enumerate() {
            if j > 0 {
                request.push(',');
            }
            let values: Vec<String> = target.values.iter().map(Sample::to_json).collect();
            let _ = write!(
                request,
                "{{\"pointer\":{},\"values\":[{}]",
                Value::String(target.pointer.clone()),
                values.join(",")
            );
            if let Some(returned) = returned {
                let back: Vec<String> = returned[i][j]
                    .iter()
                    .map(|(ok, text)| serde_json::json!({ "ok": ok, "text": text }).to_string())
                    .collect();
                let _ = write!(request, ",\"returned\":[{}]", back.join(","));
            }
            request.push('}');
        }
        request.push_str("]}");
    }
    request.push_str("]}");
    let input = dir.join(format!("{mode}-request.json"));
    let output = dir.join(format!("{mode}-verdicts.json"));
    std::fs::write(&input, request).expect("write the judge's request");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/samples/judge.py");
    let status = Command::new(python)
        .arg(&script)
        .arg(mode)
        .arg(&input)
        .arg(&output)
        .status()
        .expect("run judge.py");
    assert!(status.success(), "judge.py {mode} failed");
    let text = std::fs::read_to_string(&output).expect("read the verdicts");
    serde_json::from_str(&text).expect("the verdicts are JSON")
}

/// Builds one program that decodes values into every target's type (a table of functions per
/// crate), runs it over every kept value, and returns what each gave back: `(true, JSON)` or
/// `(false, why it was refused)`.
fn roundtrip(dir: &Path, set: &str, golden: &[GoldenSpec], specs: &[SpecSamples]) -> Returned {
    let root = workspace_root();
    let harness = dir.join("harness");
    std::fs::create_dir_all(harness.join("src")).expect("make the harness");
    let mut manifest = String::from(
        "# Written by codegen's sample test: decodes and re-encodes values of every crate.\n\
         [package]\nname = \"sample-harness\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\
         publish = false\n\n[workspace]\n\n[dependencies]\nserde = \"1\"\nserde_json = \"1\"\n",
    );
    let mut main = String::from(
        "//! Written by codegen's sample test. Reads `crate target json` lines; writes one JSON\n\
         //! line per value: what the type gave back, or why it refused it.\n\n\
         type Trip = fn(&str) -> Result<String, String>;\n\n\
         /// `from_slice` and `to_vec`, as the client decodes and sends bodies: the crates' own\n\
         /// instances of the types' serde impls are shared, not compiled again.\n\
         fn trip<T: serde::de::DeserializeOwned + serde::Serialize>(text: &str) -> Result<String, String> {\n\
         \x20   let value: T = serde_json::from_slice(text.as_bytes()).map_err(|e| e.to_string())?;\n\
         \x20   let bytes = serde_json::to_vec(&value).map_err(|e| e.to_string())?;\n\
         \x20   String::from_utf8(bytes).map_err(|e| e.to_string())\n}\n\n",
    );
    let mut tables = Vec::new();
    for (i, (spec, golden)) in specs.iter().zip(golden).enumerate() {
        let crate_dir = root.join("target").join(set).join(&golden.crate_name);
        let manifest_text =
            std::fs::read_to_string(crate_dir.join("Cargo.toml")).unwrap_or_default();
        let features = if manifest_text.contains("\nserde-all = ") {
            ", features = [\"serde-all\"]"
        } else {
            ""
        };
        let _ = writeln!(
            manifest,
            "{} = {{ path = {:?}{features} }}",
            golden.crate_name,
            crate_dir.to_string_lossy()
        );
        let _ = writeln!(main, "const TABLE_{i}: &[Trip] = &[");
        for target in &spec.targets {
            let _ = writeln!(main, "    trip::<{}>,", target.rust);
        }
        main.push_str("];\n");
        tables.push(format!("TABLE_{i}"));
    }
    let _ = write!(
        main,
        "\nconst TABLES: &[&[Trip]] = &[{}];\n\n\
         fn main() {{\n\
         \x20   use std::io::{{BufRead, Write}};\n\
         \x20   let stdin = std::io::stdin();\n\
         \x20   let mut out = std::io::BufWriter::new(std::io::stdout());\n\
         \x20   for line in stdin.lock().lines() {{\n\
         \x20       let line = line.expect(\"read a line\");\n\
         \x20       let mut parts = line.splitn(3, ' ');\n\
         \x20       let spec: usize = parts.next().unwrap().parse().unwrap();\n\
         \x20       let target: usize = parts.next().unwrap().parse().unwrap();\n\
         \x20       let result = TABLES[spec][target](parts.next().unwrap());\n\
         \x20       let (ok, text) = match result {{ Ok(text) => (true, text), Err(why) => (false, why) }};\n\
         \x20       writeln!(out, \"{{}}\", serde_json::json!({{\"ok\": ok, \"text\": text}})).unwrap();\n\
         \x20   }}\n}}\n",
        tables.join(", ")
    );
    std::fs::write(harness.join("Cargo.toml"), manifest).expect("write the harness manifest");
    std::fs::write(harness.join("src/main.rs"), main).expect("write the harness");
    std::fs::copy(root.join("Cargo.lock"), harness.join("Cargo.lock"))
        .expect("copy the root Cargo.lock");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let output = Command::new(&cargo)
        .args(["build", "--quiet", "--bin", "sample-harness"])
        .current_dir(&harness)
        .env("CARGO_TARGET_DIR", root.join("target/generated-crates"))
        .env("RUSTFLAGS", "-D warnings")
        // No debug info: the program is run, never debugged, and it links faster.
        .env("CARGO_PROFILE_DEV_DEBUG", "false")
        .output()
        .expect("run cargo");
    assert!(
        output.status.success(),
        "the sample harness does not build:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut input = String::new();
    for (i, spec) in specs.iter().enumerate() {
        for (j, target) in spec.targets.iter().enumerate() {
            for value in &target.values {
                let _ = writeln!(input, "{i} {j} {}", value.to_json());
            }
        }
    }
    let lines = dir.join("roundtrip-input.txt");
    std::fs::write(&lines, input).expect("write the harness input");
    let binary = root.join("target/generated-crates/debug/sample-harness");
    let output = Command::new(binary)
        .stdin(std::fs::File::open(&lines).expect("open the harness input"))
        .output()
        .expect("run the harness");
    assert!(
        output.status.success(),
        "the sample harness failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut answers = output.stdout.split(|b| *b == b'\n');
    let mut returned = Vec::new();
    for spec in specs {
        let mut per_spec = Vec::new();
        for target in &spec.targets {
            let mut per_target = Vec::new();
            for _ in &target.values {
                let line = answers.next().expect("one answer per value");
                let answer: Value = serde_json::from_slice(line).expect("an answer is JSON");
                per_target.push((
                    answer["ok"].as_bool().unwrap_or(false),
                    answer["text"].as_str().unwrap_or_default().to_string(),
                ));
            }
            per_spec.push(per_target);
        }
        returned.push(per_spec);
    }
    returned
}

/// Prints the counts per spec and fails on any value refused or changed (the first 200 shown).
pub fn assert_all_came_back(set: &str, counts: &BTreeMap<String, Counts>) {
    let mut failures = Vec::new();
    let (mut drawn, mut valid, mut passed, mut documented) = (0, 0, 0, 0);
    let mut table = format!(
        "{:<52} {:>7} {:>7} {:>7} {:>7} {:>5}\n",
        "spec", "schemas", "drawn", "valid", "equal", "doc."
    );
    for (label, count) in counts {
        let _ = writeln!(
            table,
            "{label:<52} {:>7} {:>7} {:>7} {:>7} {:>5}",
            count.schemas, count.drawn, count.valid, count.passed, count.documented
        );
        drawn += count.drawn;
        valid += count.valid;
        passed += count.passed;
        documented += count.documented;
        failures.extend(count.failures.iter().cloned());
    }
    let _ = writeln!(
        table,
        "all: {drawn} drawn, {valid} valid, {passed} came back equal, {documented} as README \
         documents (an integer beyond 64 bits read through serde_json::Value), {} not",
        failures.len()
    );
    eprint!("{table}");
    // The table, for `.ci/run` to print whether the test passes or not.
    let path = workspace_root()
        .join("target")
        .join(format!("{set}-samples"))
        .join("counts.txt");
    std::fs::write(&path, &table).expect("write the counts");
    assert!(
        failures.is_empty(),
        "{} of {valid} valid values did not come back:\n{}",
        failures.len(),
        failures
            .iter()
            .take(200)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
