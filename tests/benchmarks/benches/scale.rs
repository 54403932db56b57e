//! Scale: generation time and peak memory for synthetic specs of 10 to 10,000 operations, and
//! the growth exponents fitted to them. Its own harness (criterion measures time only, and a
//! 10,000-operation spec takes seconds per run): one warm-up run, then the median of several
//! timed runs, and the allocator's peak during one run. Writes `bench-results/scale.json`.

use std::path::Path;
use std::time::{Duration, Instant};

use benchmarks::memory::{peak_during, CountingAlloc};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

const SIZES: [usize; 4] = [10, 100, 1_000, 10_000];

struct Row {
    operations: usize,
    types: usize,
    spec_bytes: usize,
    median: Duration,
    peak_bytes: usize,
}

fn generate(text: &str) -> codegen::GeneratedCrate {
    let options = codegen::Options {
        crate_name: "synthetic".to_string(),
        spec_label: "synthetic.json".to_string(),
        selection: Default::default(),
        strict: false,
    };
    codegen::generate_from_text(Path::new("synthetic.json"), text.to_string(), &options)
        .unwrap_or_else(|err| panic!("a synthetic spec does not generate: {err}"))
}

/// Least-squares slope of log(y) against log(x).
fn exponent(points: &[(f64, f64)]) -> f64 {
    let n = points.len() as f64;
    let logs: Vec<(f64, f64)> = points.iter().map(|(x, y)| (x.ln(), y.ln())).collect();
    let mean_x = logs.iter().map(|p| p.0).sum::<f64>() / n;
    let mean_y = logs.iter().map(|p| p.1).sum::<f64>() / n;
    let covariance: f64 = logs.iter().map(|(x, y)| (x - mean_x) * (y - mean_y)).sum();
    let variance: f64 = logs.iter().map(|(x, _)| (x - mean_x).powi(2)).sum();
    covariance / variance
}

fn main() {
    // Arguments (`--bench` from `cargo bench`, filters) are ignored: every size always runs.
    let mut rows = Vec::new();
    for operations in SIZES {
        let text = benchmarks::synthetic::spec(operations);
        let (generated, peak_bytes) = peak_during(|| generate(&text));
        let runs = if operations >= 10_000 {
            3
        } else if operations >= 1_000 {
            7
        } else {
            25
        };
        let mut times: Vec<Duration> = (0..runs)
            .map(|_| {
                let started = Instant::now();
                std::hint::black_box(generate(&text));
                started.elapsed()
            })
            .collect();
        times.sort();
        let median = times[times.len() / 2];
        let row = Row {
            operations,
            types: generated.types,
            spec_bytes: text.len(),
            median,
            peak_bytes,
        };
        println!(
            "scale/{operations:>6} operations: {} types, spec {:.1} KiB, median {:.2} ms of {runs} runs, peak {:.1} MiB",
            row.types,
            row.spec_bytes as f64 / 1024.0,
            row.median.as_secs_f64() * 1000.0,
            row.peak_bytes as f64 / (1024.0 * 1024.0)
        );
        rows.push(row);
    }
    let time_points: Vec<(f64, f64)> = rows
        .iter()
        .map(|r| (r.operations as f64, r.median.as_secs_f64()))
        .collect();
    let memory_points: Vec<(f64, f64)> = rows
        .iter()
        .map(|r| (r.operations as f64, r.peak_bytes as f64))
        .collect();
    let upper = |points: &[(f64, f64)]| exponent(&points[points.len() - 2..]);
    let fits = serde_json::json!({
        "time_exponent_all": exponent(&time_points),
        "time_exponent_1000_to_10000": upper(&time_points),
        "memory_exponent_all": exponent(&memory_points),
        "memory_exponent_1000_to_10000": upper(&memory_points),
    });
    println!("scale/fit: {fits}");
    let json = serde_json::json!({
        "rows": rows.iter().map(|r| serde_json::json!({
            "operations": r.operations,
            "types": r.types,
            "spec_bytes": r.spec_bytes,
            "median_seconds": r.median.as_secs_f64(),
            "peak_bytes": r.peak_bytes,
        })).collect::<Vec<_>>(),
        "fit": fits,
    });
    let path = benchmarks::results_dir().join("scale.json");
    if let Err(err) = std::fs::write(
        &path,
        serde_json::to_string_pretty(&json).unwrap_or_default(),
    ) {
        eprintln!("cannot write {}: {err}", path.display());
        std::process::exit(1);
    }
}
