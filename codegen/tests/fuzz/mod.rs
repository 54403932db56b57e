//! A mutation fuzzer for the generator: seed specs, mutated as text and as document trees, plus
//! random documents, fed to `codegen::generate_from_text`. A panic, or a case that takes longer
//! than the time limit, is a finding. Deterministic for a given seed.

// The test binary and the `fuzz` example each use their own part of this module.
#![allow(dead_code)]

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Map, Value};

/// The documents mutations start from.
const SEEDS: &[(&str, &str)] = &[
    ("vcenter.yaml", include_str!("../../../spec/vcenter.yaml")),
    (
        "progenitor-failures.yaml",
        include_str!("../fixtures/real-world/progenitor-failures.yaml"),
    ),
    (
        "rust-keywords.yaml",
        include_str!("../fixtures/real-world/rust-keywords.yaml"),
    ),
    (
        "query-in-path-key.yaml",
        include_str!("../fixtures/forms/query-in-path-key.yaml"),
    ),
    (
        "cyclic-ref.yaml",
        include_str!("../fixtures/degraded/cyclic-ref.yaml"),
    ),
];

/// Words that mean something to the generator, used to build and mutate documents.
const KEYS: &[&str] = &[
    "openapi",
    "info",
    "title",
    "version",
    "paths",
    "components",
    "schemas",
    "parameters",
    "responses",
    "requestBody",
    "content",
    "application/json",
    "schema",
    "$ref",
    "type",
    "properties",
    "required",
    "items",
    "additionalProperties",
    "enum",
    "format",
    "allOf",
    "oneOf",
    "nullable",
    "in",
    "name",
    "security",
    "securitySchemes",
    "default",
    "200",
    "204",
    "4XX",
    "operationId",
    "tags",
    "x-codegen-name",
    "x-codegen-session",
    "description",
];

const SCALARS: &[&str] = &[
    "3.0.3",
    "3.1.0",
    "2.0",
    "object",
    "string",
    "integer",
    "array",
    "boolean",
    "number",
    "int64",
    "date-time",
    "path",
    "query",
    "header",
    "cookie",
    "#/components/schemas/Std_Errors_Error",
    "#/components/schemas/Nope",
    "#/components/schemas/",
    "#",
    "",
    "type",
    "self",
    "Self",
    "r#x",
    "/api/{vm}?action=x&",
    "{",
    "}",
    "?",
    "create",
    "delete",
    "é",
    "\u{0}",
    "a b",
    "../..",
];

/// splitmix64: small, fast, good enough to drive mutations reproducibly.
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        items.get(self.below(items.len()))
    }
}

/// One problem the fuzzer found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Which case.
    pub case: u64,
    /// What went wrong.
    pub what: String,
    /// The input, to reproduce it.
    pub input: String,
}

/// What a run saw.
#[derive(Debug, Default)]
pub struct Report {
    /// Cases run.
    pub cases: u64,
    /// Cases the generator accepted.
    pub accepted: u64,
    /// Cases the generator rejected with a diagnostic.
    pub rejected: u64,
    /// The slowest case.
    pub slowest: Duration,
    /// Panics and cases over the time limit.
    pub findings: Vec<Finding>,
    /// A uniform sample of the accepted cases (file name, text), for compiling.
    pub accepted_sample: Vec<(&'static str, String)>,
}

/// Runs `cases` cases from `seed`; a case slower than `limit` is a finding.
pub fn run(seed: u64, cases: u64, limit: Duration) -> Report {
    run_sampling(seed, cases, limit, 0)
}

/// [`run`], keeping a uniform sample of up to `sample` accepted cases (reservoir sampling,
/// with its own generator so the cases are the same as without a sample).
pub fn run_sampling(seed: u64, cases: u64, limit: Duration, sample: usize) -> Report {
    let mut sampler = Rng::new(seed ^ 0x5A4D_504C_4553);
    let seeds: Vec<(&str, Value)> = SEEDS
        .iter()
        .filter_map(|(name, text)| serde_yaml::from_str(text).ok().map(|tree| (*name, tree)))
        .collect();
    let mut rng = Rng::new(seed);
    let mut report = Report::default();
    let options = codegen::Options {
        crate_name: "fuzzed".to_string(),
        spec_label: "fuzzed.yaml".to_string(),
        selection: Default::default(),
        strict: false,
    };
    for case in 0..cases {
        let (file, input) = make_case(&mut rng, &seeds);
        if std::env::var_os("FUZZ_TRACE").is_some() {
            eprintln!("case {case}: {file}, {} bytes", input.len());
            if std::env::var("FUZZ_TRACE").ok().as_deref() == Some(case.to_string().as_str()) {
                eprintln!("{input}");
            }
        }
        let started = Instant::now();
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            codegen::generate_from_text(Path::new(file), input.clone(), &options)
        }));
        let elapsed = started.elapsed();
        report.cases += 1;
        report.slowest = report.slowest.max(elapsed);
        match outcome {
            Ok(Ok(_)) => {
                report.accepted += 1;
                let seen = usize::try_from(report.accepted).unwrap_or(usize::MAX);
                if report.accepted_sample.len() < sample {
                    report.accepted_sample.push((file, input.clone()));
                } else if let Some(slot) = report.accepted_sample.get_mut(sampler.below(seen)) {
                    *slot = (file, input.clone());
                }
            }
            Ok(Err(_)) => report.rejected += 1,
            Err(panic) => {
                let message = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "a panic".to_string());
                report.findings.push(Finding {
                    case,
                    what: format!("panic: {message}"),
                    input: input.clone(),
                });
            }
        }
        if elapsed > limit {
            report.findings.push(Finding {
                case,
                what: format!("took {elapsed:?}, over the limit of {limit:?}"),
                input,
            });
        }
    }
    report
}

/// One input: a mutated seed (as a tree or as text), or a random document.
fn make_case(rng: &mut Rng, seeds: &[(&str, Value)]) -> (&'static str, String) {
    let Some((_, seed)) = rng.pick(seeds) else {
        return ("empty.yaml", String::new());
    };
    match rng.below(10) {
        0..=4 => {
            let mut tree = seed.clone();
            for _ in 0..=rng.below(4) {
                mutate_tree(rng, &mut tree, 0);
            }
            render(rng, &tree)
        }
        5..=7 => {
            let (file, text) = render(rng, seed);
            (file, mutate_text(rng, &text))
        }
        _ => {
            let mut tree = Map::new();
            tree.insert("openapi".to_string(), Value::String("3.0.3".to_string()));
            tree.insert(
                "info".to_string(),
                serde_json::json!({"title": "x", "version": "1"}),
            );
            tree.insert("paths".to_string(), random_value(rng, 0));
            tree.insert(
                "components".to_string(),
                serde_json::json!({"schemas": random_value(rng, 0)}),
            );
            render(rng, &Value::Object(tree))
        }
    }
}

fn render(rng: &mut Rng, tree: &Value) -> (&'static str, String) {
    if rng.below(2) == 0 {
        ("fuzzed.json", tree.to_string())
    } else {
        (
            "fuzzed.yaml",
            serde_yaml::to_string(tree).unwrap_or_else(|_| tree.to_string()),
        )
    }
}

fn random_scalar(rng: &mut Rng) -> Value {
    match rng.below(5) {
        0 => Value::Bool(rng.below(2) == 0),
        1 => Value::from(rng.next() as i64 % 1000),
        2 => Value::Null,
        _ => Value::String(rng.pick(SCALARS).copied().unwrap_or("").to_string()),
    }
}

fn random_value(rng: &mut Rng, depth: usize) -> Value {
    if depth > 6 || rng.below(3) == 0 {
        return random_scalar(rng);
    }
    if rng.below(4) == 0 {
        return Value::Array(
            (0..rng.below(4))
                .map(|_| random_value(rng, depth + 1))
                .collect(),
        );
    }
    let mut map = Map::new();
    for _ in 0..rng.below(5) {
        let key = match rng.below(3) {
            0 => rng.pick(SCALARS).copied().unwrap_or("k").to_string(),
            _ => rng.pick(KEYS).copied().unwrap_or("k").to_string(),
        };
        map.insert(key, random_value(rng, depth + 1));
    }
    Value::Object(map)
}

/// Changes one node somewhere in the tree.
fn mutate_tree(rng: &mut Rng, tree: &mut Value, depth: usize) {
    let descend = depth < 12 && rng.below(4) != 0;
    match tree {
        Value::Object(map) if descend && !map.is_empty() => {
            let index = rng.below(map.len());
            if let Some(child) = map.values_mut().nth(index) {
                mutate_tree(rng, child, depth + 1);
            }
        }
        Value::Array(items) if descend && !items.is_empty() => {
            let index = rng.below(items.len());
            if let Some(child) = items.get_mut(index) {
                mutate_tree(rng, child, depth + 1);
            }
        }
        Value::Object(map) => match rng.below(5) {
            0 if !map.is_empty() => {
                let index = rng.below(map.len());
                if let Some(key) = map.keys().nth(index).cloned() {
                    map.remove(&key);
                }
            }
            1 if !map.is_empty() => {
                let index = rng.below(map.len());
                if let Some((key, value)) =
                    map.iter().nth(index).map(|(k, v)| (k.clone(), v.clone()))
                {
                    let renamed = match rng.below(3) {
                        0 => key.to_uppercase(),
                        1 => format!("{key}-"),
                        _ => rng.pick(SCALARS).copied().unwrap_or("x").to_string(),
                    };
                    map.insert(renamed, value);
                }
            }
            2 => {
                let key = rng.pick(KEYS).copied().unwrap_or("k").to_string();
                map.insert(key, random_value(rng, depth));
            }
            3 if !map.is_empty() => {
                // Nest the object inside itself: deep and repetitive structures.
                let copy = Value::Object(map.clone());
                let key = rng.pick(KEYS).copied().unwrap_or("k").to_string();
                map.insert(key, copy);
            }
            _ => *tree = random_value(rng, depth),
        },
        _ => *tree = random_value(rng, depth),
    }
}

/// Byte-level damage: cuts, copies, stray punctuation, truncation.
fn mutate_text(rng: &mut Rng, text: &str) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for _ in 0..=rng.below(3) {
        let len = chars.len();
        let at = rng.below(len + 1);
        match rng.below(5) {
            0 => {
                let end = (at + rng.below(40)).min(len);
                chars.drain(at..end);
            }
            1 => {
                let end = (at + rng.below(200)).min(len);
                let copy: Vec<char> = chars.get(at..end).unwrap_or_default().to_vec();
                let to = rng.below(chars.len() + 1);
                chars.splice(to..to, copy);
            }
            2 => {
                let stray = [
                    "{", "}", "[", "]", ":", "\n  - ", "\t", "\"", "'", "&a", "*a", "? ",
                    "\u{feff}",
                ];
                if let Some(s) = rng.pick(&stray) {
                    chars.splice(at..at, s.chars());
                }
            }
            3 => chars.truncate(at),
            _ => {
                if let Some(word) = rng.pick(SCALARS) {
                    chars.splice(at..at, word.chars());
                }
            }
        }
    }
    chars.into_iter().collect()
}
