//! `cargo run --release -p codegen --example fuzz -- [--cases N] [--seed S] [--limit-ms MS]`:
//! feeds mutated and random documents to the generator and reports panics and slow cases.
//!
//! `FUZZ_TRACE=1` prints each case's size to stderr before it runs (to find a hang);
//! `FUZZ_TRACE=<case number>` also prints that case's document.

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "../tests/fuzz/mod.rs"]
mod fuzz;

use std::process::ExitCode;
use std::time::{Duration, Instant};

fn main() -> ExitCode {
    let mut cases: u64 = 100_000;
    let mut seed: u64 = 1;
    let mut limit_ms: u64 = 1_000;
    let mut compile: u64 = 0;
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut iter = args.iter();
    while let Some(flag) = iter.next() {
        let value = iter.next().and_then(|v| v.parse::<u64>().ok());
        match (flag.as_str(), value) {
            ("--cases", Some(v)) => cases = v,
            ("--seed", Some(v)) => seed = v,
            ("--limit-ms", Some(v)) => limit_ms = v,
            ("--compile", Some(v)) => compile = v,
            _ => {
                eprintln!("usage: fuzz [--cases N] [--seed S] [--limit-ms MS] [--compile K]");
                return ExitCode::from(2);
            }
        }
    }
    // Panics are counted and reported below; the default hook would print each one.
    std::panic::set_hook(Box::new(|_| {}));
    let started = Instant::now();
    let sample = usize::try_from(compile).unwrap_or(usize::MAX);
    let report = fuzz::run_sampling(seed, cases, Duration::from_millis(limit_ms), sample);
    let _ = std::panic::take_hook();
    println!(
        "fuzz: {} cases from seed {seed} in {:.1} s: {} accepted, {} rejected with a diagnostic, \
         slowest case {:.1} ms, {} findings",
        report.cases,
        started.elapsed().as_secs_f64(),
        report.accepted,
        report.rejected,
        report.slowest.as_secs_f64() * 1000.0,
        report.findings.len()
    );
    for finding in report.findings.iter().take(5) {
        println!(
            "case {}: {}\n--- input ---\n{}\n---",
            finding.case, finding.what, finding.input
        );
    }
    if !report.accepted_sample.is_empty() {
        compile_sample(&report.accepted_sample);
    }
    if report.findings.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Accepted is not enough: a sample of the accepted documents is generated and compiled
/// (`cargo check` and `cargo doc`, warnings denied); a crate that does not build panics here
/// with the compiler's output.
fn compile_sample(sample: &[(&str, String)]) {
    let dir = common::workspace_root().join("target/fuzz-accepted");
    if let Err(err) = std::fs::create_dir_all(&dir) {
        panic!("cannot create {}: {err}", dir.display());
    }
    let specs: Vec<common::GoldenSpec> = sample
        .iter()
        .enumerate()
        .map(|(index, (file, text))| {
            let extension = if file.ends_with(".json") {
                "json"
            } else {
                "yaml"
            };
            let spec = dir.join(format!("case-{index}.{extension}"));
            if let Err(err) = std::fs::write(&spec, text) {
                panic!("cannot write {}: {err}", spec.display());
            }
            common::GoldenSpec {
                spec,
                crate_name: format!("fuzz-case-{index}"),
                warnings: common::ExpectedWarnings::Any,
            }
        })
        .collect();
    common::compile_generated("fuzz-crates", &specs);
    println!(
        "fuzz: {} accepted documents (degraded ones too), generated and compiled (cargo check, cargo doc) without compiler warnings",
        specs.len()
    );
}
