//! `cargo xtask bench`: runs the criterion benchmarks, the interleaved client harness and the
//! scale benchmark of the `benchmarks` package, times cold release builds of the generated crate and of progenitor's
//! client of the same operations, and prints one markdown table of figures, ratios and targets.
//! With `--record` it also writes the table into BENCHMARKS.md between its markers.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use serde_json::Value;

mod crate_cost;

const BEGIN: &str = "<!-- bench:begin -->";
const END: &str = "<!-- bench:end -->";

/// `--no-build-cost`, `--record` and `--nexus`.
#[derive(Debug, PartialEq)]
pub struct Flags {
    /// Time the two cold release builds (minutes).
    pub build_cost: bool,
    /// Write the table into BENCHMARKS.md.
    pub record: bool,
    /// Only the head to head on `nexus.json`: its generation benchmark and its build rows.
    pub nexus_only: bool,
}

pub fn run(flags: &Flags, root: &Path) -> ExitCode {
    let result = if flags.nexus_only {
        nexus_only(root)
    } else {
        bench(root, flags)
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
}

fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

fn status(command: &mut Command, what: &str) -> Result<(), String> {
    let status = command
        .status()
        .map_err(|err| format!("cannot run {what}: {err}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{what} failed ({status})"))
    }
}

fn bench(root: &Path, flags: &Flags) -> Result<(), String> {
    let target = target_dir(root);
    let full_spec = root.join("../shared/specs/vcenter-7.0.3.json");
    // Criterion keeps earlier results; remove them so that a skipped row cannot show old figures.
    let _ = std::fs::remove_dir_all(target.join("criterion"));
    let _ = std::fs::remove_dir_all(target.join("bench-results"));
    for bench in ["generator", "client", "client_ab", "scale"] {
        println!("== cargo bench -p benchmarks --bench {bench}");
        status(
            cargo().current_dir(root).args([
                "bench",
                "--locked",
                "-p",
                "benchmarks",
                "--bench",
                bench,
            ]),
            &format!("the {bench} benchmark"),
        )?;
    }
    let estimates = criterion_medians(&target.join("criterion"))?;
    let scale: Value = read_json(&target.join("bench-results/scale.json"))?;
    let client_ab: Value = read_json(&target.join("bench-results/client_ab.json"))?;
    let builds = if flags.build_cost {
        Some(build_costs(root, &target)?)
    } else {
        None
    };
    let nexus = if flags.build_cost {
        nexus_costs(&target)?
    } else {
        None
    };
    let mut table = table(
        &estimates,
        &scale,
        &client_ab,
        builds.as_ref(),
        full_spec.is_file(),
    )?;
    if flags.build_cost && full_spec.is_file() {
        for cells in crate_cost::rows(root, &target, &full_spec) {
            table.push_str(&format!("| {} |\n", cells.join(" | ")));
        }
    }
    if let Some(nexus) = nexus_table(&estimates, nexus.as_ref()) {
        table.push_str(&nexus);
    }
    println!("\n{table}");
    let table_file = target.join("bench-results/table.md");
    std::fs::write(&table_file, &table)
        .map_err(|err| format!("cannot write {}: {err}", table_file.display()))?;
    if flags.record {
        record(root, &table)?;
    }
    Ok(())
}

/// The head to head on `nexus.json` alone: the generator benchmark filtered to its group, then
/// the build rows of both crates; prints the table.
fn nexus_only(root: &Path) -> Result<(), String> {
    let target = target_dir(root);
    let _ = std::fs::remove_dir_all(target.join("criterion/progenitor_nexus.json"));
    println!("== cargo bench -p benchmarks --bench generator -- progenitor/nexus.json");
    status(
        cargo().current_dir(root).args([
            "bench",
            "--locked",
            "-p",
            "benchmarks",
            "--bench",
            "generator",
            "--",
            "progenitor/nexus.json",
        ]),
        "the generator benchmark",
    )?;
    let estimates = criterion_medians(&target.join("criterion"))?;
    let costs = nexus_costs(&target)?;
    let table = nexus_table(&estimates, costs.as_ref()).ok_or_else(|| {
        "no nexus.json figures: is ../shared/specs/corpus/progenitor/nexus.json there?".to_string()
    })?;
    println!("{table}");
    Ok(())
}

fn read_json(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|err| format!("cannot read {}: {err}", path.display()))?;
    serde_json::from_str(&text).map_err(|err| format!("{}: {err}", path.display()))
}

/// Every criterion benchmark's median, in seconds, by its full id (`group/function`).
fn criterion_medians(dir: &Path) -> Result<BTreeMap<String, f64>, String> {
    let mut medians = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.ends_with("new/benchmark.json") {
                let benchmark = read_json(&path)?;
                let estimates = read_json(&path.with_file_name("estimates.json"))?;
                let id = benchmark["full_id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                let median = estimates["median"]["point_estimate"]
                    .as_f64()
                    .unwrap_or(f64::NAN);
                medians.insert(id, median / 1e9);
            }
        }
    }
    if medians.is_empty() {
        return Err(format!("no criterion results under {}", dir.display()));
    }
    Ok(medians)
}

struct Build {
    seconds: f64,
    dependencies: usize,
}

/// Cold release builds, each in a fresh target directory, after fetching (downloads are not
/// build time).
fn build_costs(root: &Path, target: &Path) -> Result<[Build; 2], String> {
    let ours = build_cost(
        root,
        &["-p", "vcenter-client", "--locked"],
        &target.join("bench-results/build-ours"),
    )?;
    let progenitor_dir = target.join("bench-results/progenitor-client");
    if !progenitor_dir.join("Cargo.toml").is_file() {
        return Err(
            "the generator benchmark did not write bench-results/progenitor-client".to_string(),
        );
    }
    let theirs = build_cost(
        &progenitor_dir,
        &[],
        &target.join("bench-results/build-progenitor"),
    )?;
    Ok([ours, theirs])
}

/// What one generated crate of `nexus.json` costs.
struct NexusCost {
    /// Lines of Rust written.
    lines: usize,
    /// A cold `cargo build` (dev profile) from an empty target directory.
    cold_build: f64,
    /// `cargo check` of the crate alone, its dependencies already checked.
    check: f64,
    /// Distinct packages it depends on.
    dependencies: usize,
}

/// The build costs of both generators' crates of `nexus.json`, when the generator benchmark
/// wrote them (it does when `../shared` is beside the clone).
fn nexus_costs(target: &Path) -> Result<Option<[NexusCost; 2]>, String> {
    let results = target.join("bench-results");
    let ours = results.join("nexus-ours");
    let theirs = results.join("nexus-progenitor");
    if !ours.join("Cargo.toml").is_file() || !theirs.join("Cargo.toml").is_file() {
        return Ok(None);
    }
    let mut costs = Vec::new();
    for dir in [ours, theirs] {
        let build_dir = results.join("nexus-build");
        let _ = std::fs::remove_dir_all(&build_dir);
        status(
            cargo().current_dir(&dir).arg("fetch").stdout(Stdio::null()),
            "cargo fetch",
        )?;
        println!("== cold cargo build in {}", dir.display());
        let started = Instant::now();
        status(
            cargo()
                .current_dir(&dir)
                .env("CARGO_TARGET_DIR", &build_dir)
                .args(["build", "--quiet"]),
            "cargo build",
        )?;
        let cold_build = started.elapsed().as_secs_f64();
        // Dependencies checked first; then the crate alone, as after an edit of its source.
        status(
            cargo()
                .current_dir(&dir)
                .env("CARGO_TARGET_DIR", &build_dir)
                .args(["check", "--quiet"]),
            "cargo check",
        )?;
        let lib = dir.join("src/lib.rs");
        let text = std::fs::read_to_string(&lib)
            .map_err(|err| format!("cannot read {}: {err}", lib.display()))?;
        std::fs::write(&lib, text)
            .map_err(|err| format!("cannot touch {}: {err}", lib.display()))?;
        println!("== cargo check (crate alone) in {}", dir.display());
        let started = Instant::now();
        status(
            cargo()
                .current_dir(&dir)
                .env("CARGO_TARGET_DIR", &build_dir)
                .args(["check", "--quiet"]),
            "cargo check",
        )?;
        let check = started.elapsed().as_secs_f64();
        let _ = std::fs::remove_dir_all(&build_dir);
        costs.push(NexusCost {
            lines: rust_lines(&dir.join("src")),
            cold_build,
            check,
            dependencies: dependency_count(&dir, &[])?,
        });
    }
    match <[NexusCost; 2]>::try_from(costs) {
        Ok(pair) => Ok(Some(pair)),
        Err(_) => Err("expected two nexus crates".to_string()),
    }
}

/// Lines of the `.rs` files under `dir`.
fn rust_lines(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .map(|path| {
            if path.is_dir() {
                rust_lines(&path)
            } else if path.extension().is_some_and(|e| e == "rs") {
                std::fs::read_to_string(&path).map_or(0, |text| text.lines().count())
            } else {
                0
            }
        })
        .sum()
}

/// The head-to-head table on `nexus.json`, when the generator benchmark ran it.
fn nexus_table(
    estimates: &BTreeMap<String, f64>,
    costs: Option<&[NexusCost; 2]>,
) -> Option<String> {
    let ours = estimates.get("progenitor/nexus.json/ours")?;
    let theirs = estimates.get("progenitor/nexus.json/progenitor")?;
    let mut out = String::from(
        "\nHead to head on progenitor's flagship, Oxide's `nexus.json` (193 operations):\n\n\
         | measure | ours | progenitor 0.15.1 | ratio |\n|---|---|---|---|\n",
    );
    out.push_str(&format!(
        "| generate (text in, formatted Rust out) | {} | {} | {:.2} |\n",
        ms(*ours),
        ms(*theirs),
        ours / theirs
    ));
    if let Some([a, b]) = costs {
        out.push_str(&format!(
            "| lines of Rust written | {} | {} | {:.2} |\n\
             | cold `cargo build` (dev profile, dependencies included) | {} | {} | {:.2} |\n\
             | `cargo check` of the crate alone (dependencies checked) | {} | {} | {:.2} |\n\
             | dependencies (distinct packages, normal edges) | {} | {} | {:.2} |\n",
            a.lines,
            b.lines,
            a.lines as f64 / b.lines as f64,
            ms(a.cold_build),
            ms(b.cold_build),
            a.cold_build / b.cold_build,
            ms(a.check),
            ms(b.check),
            a.check / b.check,
            a.dependencies,
            b.dependencies,
            a.dependencies as f64 / b.dependencies as f64,
        ));
    }
    Some(out)
}

/// Distinct packages `dir`'s crate depends on (normal edges), from `cargo tree`.
fn dependency_count(dir: &Path, args: &[&str]) -> Result<usize, String> {
    let tree = cargo()
        .current_dir(dir)
        .args(["tree", "-e", "normal", "--prefix", "none"])
        .args(args.iter().filter(|a| **a != "--locked"))
        .output()
        .map_err(|err| format!("cannot run cargo tree: {err}"))?;
    let text = String::from_utf8_lossy(&tree.stdout);
    let mut lines = text.lines();
    let _root = lines.next();
    let packages: std::collections::BTreeSet<&str> = lines
        .map(|line| line.trim_end_matches(" (*)"))
        .filter(|line| !line.is_empty())
        .collect();
    Ok(packages.len())
}

fn build_cost(dir: &Path, args: &[&str], target: &Path) -> Result<Build, String> {
    let _ = std::fs::remove_dir_all(target);
    status(
        cargo().current_dir(dir).arg("fetch").stdout(Stdio::null()),
        "cargo fetch",
    )?;
    println!(
        "== cold cargo build --release {} in {}",
        args.join(" "),
        dir.display()
    );
    let started = Instant::now();
    status(
        cargo()
            .current_dir(dir)
            .env("CARGO_TARGET_DIR", target)
            .args(["build", "--release", "--quiet"])
            .args(args),
        "cargo build --release",
    )?;
    let seconds = started.elapsed().as_secs_f64();
    let _ = std::fs::remove_dir_all(target);
    Ok(Build {
        seconds,
        dependencies: dependency_count(dir, args)?,
    })
}

fn ms(seconds: f64) -> String {
    if seconds >= 1.0 {
        format!("{seconds:.2} s")
    } else if seconds >= 1e-3 {
        format!("{:.2} ms", seconds * 1e3)
    } else {
        format!("{:.2} µs", seconds * 1e6)
    }
}

fn verdict(met: bool) -> &'static str {
    if met {
        "yes"
    } else {
        "**no**"
    }
}

fn get(estimates: &BTreeMap<String, f64>, id: &str) -> Result<f64, String> {
    estimates
        .get(id)
        .copied()
        .ok_or_else(|| format!("no criterion result for {id}"))
}

fn table(
    estimates: &BTreeMap<String, f64>,
    scale: &Value,
    client_ab: &Value,
    builds: Option<&[Build; 2]>,
    full_spec: bool,
) -> Result<String, String> {
    let mut rows: Vec<[String; 6]> = Vec::new();
    let mut row =
        |what: &str, ours: String, baseline: String, ratio: String, target: &str, met: &str| {
            rows.push([
                what.to_string(),
                ours,
                baseline,
                ratio,
                target.to_string(),
                met.to_string(),
            ]);
        };
    // 1. Generation against the parse floor.
    let mut specs = vec![("spec/vcenter.yaml", "vcenter.yaml", 0.020)];
    if full_spec {
        specs.push((
            "VMware full spec (679 operations)",
            "vcenter-7.0.3.json",
            1.5,
        ));
    }
    for (label, id, limit) in &specs {
        let generate = get(estimates, &format!("generate/{id}/generate"))?;
        let parse = get(estimates, &format!("generate/{id}/parse"))?;
        let ratio = generate / parse;
        row(
            &format!("generate {label} vs parse only"),
            ms(generate),
            ms(parse),
            format!("{ratio:.2}x"),
            &format!("<= 3x and < {}", ms(*limit)),
            verdict(ratio <= 3.0 && generate < *limit),
        );
        // The floor of the rendering step alone (see BENCHMARKS.md, "Where targets are missed").
        if let Ok(format) = get(estimates, &format!("generate/{id}/format")) {
            row(
                &format!("floor of rendering {label}: syn + prettyplease of the output, one thread, vs parse only"),
                ms(format),
                ms(parse),
                format!("{:.2}x", format / parse),
                "(explains the row above)",
                "",
            );
        }
    }
    if !full_spec {
        row(
            "generate VMware full spec",
            "skipped".into(),
            "-".into(),
            "-".into(),
            "../shared/specs/vcenter-7.0.3.json is absent",
            "-",
        );
    }
    // 2. Scale.
    for entry in scale["rows"].as_array().into_iter().flatten() {
        row(
            &format!(
                "scale: {} operations, {} types",
                entry["operations"], entry["types"]
            ),
            ms(entry["median_seconds"].as_f64().unwrap_or(f64::NAN)),
            "-".into(),
            format!(
                "peak {:.1} MiB",
                entry["peak_bytes"].as_f64().unwrap_or(f64::NAN) / (1024.0 * 1024.0)
            ),
            "",
            "",
        );
    }
    let fit = &scale["fit"];
    let exponent = |key: &str| fit[key].as_f64().unwrap_or(f64::NAN);
    for (what, all, upper) in [
        ("time", "time_exponent_all", "time_exponent_1000_to_10000"),
        (
            "peak memory",
            "memory_exponent_all",
            "memory_exponent_1000_to_10000",
        ),
    ] {
        let (all, upper) = (exponent(all), exponent(upper));
        row(
            &format!("scale: growth exponent of {what}"),
            format!("{upper:.2} (1,000 to 10,000)"),
            "-".into(),
            format!("{all:.2} (fit over all sizes)"),
            "<= 1.1",
            verdict(all <= 1.1 && upper <= 1.1),
        );
    }
    // 3. Against progenitor.
    let ours = get(estimates, "progenitor/vcenter-variant.json/ours")?;
    let theirs = get(estimates, "progenitor/vcenter-variant.json/progenitor")?;
    row(
        "generate the progenitor variant: ours vs progenitor 0.15.1",
        ms(ours),
        ms(theirs),
        format!("{:.2}x faster", theirs / ours),
        "faster",
        verdict(ours < theirs),
    );
    // 4. Client overhead, from the interleaved harness: the median of the per-round ratios of
    // throughput (generated / hand-written), with their quartiles.
    for entry in client_ab["rows"].as_array().into_iter().flatten() {
        let number = |key: &str| entry[key].as_f64().unwrap_or(f64::NAN);
        let ratio = number("ratio_median");
        row(
            &format!(
                "{} at concurrency {}: generated vs hand-written reqwest (interleaved, {} rounds)",
                entry["call"].as_str().unwrap_or("?"),
                entry["concurrency"],
                client_ab["rounds"]
            ),
            format!("{:.0} req/s", number("generated_per_second")),
            format!("{:.0} req/s", number("hand_written_per_second")),
            format!(
                "{ratio:.3} (IQR {:.3} to {:.3})",
                number("ratio_q1"),
                number("ratio_q3")
            ),
            ">= 0.97",
            verdict(ratio >= 0.97),
        );
    }
    let typed = get(estimates, "decode/std-errors-error-3-messages/generated")?;
    let untyped = get(
        estimates,
        "decode/std-errors-error-3-messages/untyped-value",
    )?;
    row(
        "decode a Std_Errors_Error with 3 messages: typed vs serde_json::Value",
        ms(typed),
        ms(untyped),
        format!("{:.2}x", untyped / typed),
        "(no target)",
        "",
    );
    // 5. Build cost.
    match builds {
        Some([ours, theirs]) => {
            row(
                "cold release build of the generated crate vs progenitor's",
                ms(ours.seconds),
                ms(theirs.seconds),
                format!("{:.2}", ours.seconds / theirs.seconds),
                "<= 1",
                verdict(ours.seconds <= theirs.seconds),
            );
            row(
                "its dependencies (distinct packages, normal edges)",
                ours.dependencies.to_string(),
                theirs.dependencies.to_string(),
                format!(
                    "{:.2}",
                    ours.dependencies as f64 / theirs.dependencies as f64
                ),
                "<= 1",
                verdict(ours.dependencies <= theirs.dependencies),
            );
        }
        None => row(
            "build cost",
            "skipped (--no-build-cost)".into(),
            "-".into(),
            "-".into(),
            "",
            "",
        ),
    }
    let mut out = String::from(
        "| measure | ours | baseline | ratio | target | met |\n|---|---|---|---|---|---|\n",
    );
    for cells in rows {
        out.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    Ok(out)
}

/// Replaces the figures between the markers in BENCHMARKS.md with this run's, stamped with
/// the date and the machine.
fn record(root: &Path, table: &str) -> Result<(), String> {
    let path = root.join("BENCHMARKS.md");
    let text = std::fs::read_to_string(&path)
        .map_err(|err| format!("cannot read {}: {err}", path.display()))?;
    let (Some(begin), Some(end)) = (text.find(BEGIN), text.find(END)) else {
        return Err(format!(
            "{} has no {BEGIN} ... {END} markers",
            path.display()
        ));
    };
    if end < begin {
        return Err(format!("{}: {END} comes before {BEGIN}", path.display()));
    }
    let stamp = format!(
        "Recorded by `cargo xtask bench --record` on {} ({}).\n\n",
        today(),
        machine()
    );
    let updated = format!("{}{BEGIN}\n{stamp}{table}{}", &text[..begin], &text[end..]);
    std::fs::write(&path, updated).map_err(|err| format!("cannot write {}: {err}", path.display()))
}

/// Today's date (UTC), from the system clock.
fn today() -> String {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() / 86_400)
        .unwrap_or(0) as i64;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// CPU model, cores and memory, from /proc where there is one.
fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|line| line.strip_prefix("model name"))
        .map(|rest| rest.trim_start_matches([' ', '\t', ':']).trim().to_string())
        .unwrap_or_else(|| "unknown CPU".to_string());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let memory = std::fs::read_to_string("/proc/meminfo")
        .unwrap_or_default()
        .lines()
        .find_map(|line| line.strip_prefix("MemTotal:"))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<f64>()
                .ok()
        })
        .map_or_else(
            || "unknown memory".to_string(),
            |kb| format!("{:.0} GiB", kb / 1024.0 / 1024.0),
        );
    format!("{model}, {cores} cores, {memory}, {}", std::env::consts::OS)
}
