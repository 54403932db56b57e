//! The rows of `cargo xtask bench` that measure what users feel outside the generator's own
//! benchmarks: how long `cargo xtask regenerate` takes in the dev profile against a release
//! build of the same generator (whole processes), what the dev profile's optimized generator
//! adds to a cold build of the xtask, and what the crate generated from VMware's full spec
//! costs to compile: lines per operation, `cargo check` and a debug `cargo build` of the crate
//! alone with all features and with one tag's feature, against the crate the generator wrote
//! at [`BASELINE`] (built from that commit's source in the same run).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use super::{cargo, rust_lines, status};

/// The commit whose generator writes the "before" crate: the last one before issue 14.
const BASELINE: &str = "55dffbbeebb5256957ccfbaac30d99726c366eef";

/// The tag whose feature is compiled alone (14 operations of VMware's full spec).
const ONE_TAG: &str = "vm-hardware-cdrom";

/// Timed rounds of each measurement, interleaved so drift falls on every side alike.
const ROUNDS: usize = 2;

/// Rounds of the regenerate comparison (seconds each).
const REGENERATE_ROUNDS: usize = 5;

/// One markdown row: measure, ours, baseline, ratio, target, met.
pub type Row = [String; 6];

/// All the rows; a part that could not be measured is one row saying why, so that the rest of
/// a long run is kept.
pub fn rows(root: &Path, target: &Path, full_spec: &Path) -> Vec<Row> {
    let results = target.join("bench-results");
    let parts: [(&str, Result<Vec<Row>, String>); 3] = [
        (
            "regenerate, dev vs release",
            regenerate_rows(root, full_spec, &results),
        ),
        ("first build", first_build_row(root, &results)),
        (
            "full spec crate",
            crate_rows(root, target, full_spec, &results),
        ),
    ];
    parts
        .into_iter()
        .flat_map(|(what, result)| {
            result.unwrap_or_else(|err| {
                eprintln!("error: {what}: {err}");
                vec![row(
                    what,
                    "failed".into(),
                    "-".into(),
                    "-".into(),
                    &err.replace(['\n', '|'], " "),
                    "-",
                )]
            })
        })
        .collect()
}

fn row(what: &str, ours: String, baseline: String, ratio: String, target: &str, met: &str) -> Row {
    [
        what.to_string(),
        ours,
        baseline,
        ratio,
        target.to_string(),
        met.to_string(),
    ]
}

fn seconds(value: f64) -> String {
    format!("{value:.2} s")
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

fn verdict(met: bool) -> &'static str {
    if met {
        "yes"
    } else {
        "**no**"
    }
}

/// Runs a command to completion and returns its wall time, with its output discarded.
fn timed(command: &mut Command, what: &str) -> Result<f64, String> {
    let started = Instant::now();
    status(command.stdout(Stdio::null()), what)?;
    Ok(started.elapsed().as_secs_f64())
}

/// `cargo xtask regenerate` of the full spec (dev profile) against the same command run by a
/// release build of the xtask, whole processes (cargo's own start included), alternating.
fn regenerate_rows(root: &Path, full_spec: &Path, results: &Path) -> Result<Vec<Row>, String> {
    status(
        cargo()
            .current_dir(root)
            .args(["build", "--quiet", "--locked", "-p", "xtask"]),
        "cargo build -p xtask",
    )?;
    status(
        cargo().current_dir(root).args([
            "build",
            "--quiet",
            "--locked",
            "--release",
            "-p",
            "xtask",
        ]),
        "cargo build --release -p xtask",
    )?;
    let out = results.join("regenerate-full");
    let spec = full_spec.display().to_string();
    let out_text = out.display().to_string();
    let run = |release: bool| -> Result<f64, String> {
        let mut command = cargo();
        command
            .current_dir(root)
            .args(["run", "--quiet", "--locked"]);
        if release {
            command.arg("--release");
        }
        command.args([
            "-p",
            "xtask",
            "--",
            "regenerate",
            "--spec",
            &spec,
            "--out",
            &out_text,
            "--crate-name",
            "vcenter-full",
        ]);
        timed(&mut command, "cargo xtask regenerate")
    };
    println!("== cargo xtask regenerate of the full spec: dev profile vs release, {REGENERATE_ROUNDS} rounds");
    // One untimed run each so that both binaries and the spec are in the page cache.
    run(false)?;
    run(true)?;
    let (mut dev, mut release) = (Vec::new(), Vec::new());
    for round in 0..REGENERATE_ROUNDS {
        // Alternate which side goes first.
        let order = if round % 2 == 0 {
            [false, true]
        } else {
            [true, false]
        };
        for is_release in order {
            let took = run(is_release)?;
            if is_release {
                release.push(took);
            } else {
                dev.push(took);
            }
        }
    }
    let (dev, release) = (median(&mut dev), median(&mut release));
    let ratio = dev / release;
    Ok(vec![row(
        "`cargo xtask regenerate` of the full spec: dev profile vs release build (whole process)",
        seconds(dev),
        seconds(release),
        format!("{ratio:.2}x"),
        "<= 1.3x",
        verdict(ratio <= 1.3),
    )])
}

/// A cold dev build of the xtask as the workspace sets it up (generator optimized) against
/// the same build with every `[profile.dev.package.*]` override of the root manifest undone.
fn first_build_row(root: &Path, results: &Path) -> Result<Vec<Row>, String> {
    let manifest = std::fs::read_to_string(root.join("Cargo.toml"))
        .map_err(|err| format!("cannot read Cargo.toml: {err}"))?;
    let overridden: Vec<&str> = manifest
        .lines()
        .filter_map(|line| line.trim().strip_prefix("[profile.dev.package."))
        .filter_map(|rest| rest.strip_suffix(']'))
        .collect();
    let dir = results.join("xtask-cold");
    let build = |undo: bool| -> Result<f64, String> {
        let _ = std::fs::remove_dir_all(&dir);
        let mut command = cargo();
        command
            .current_dir(root)
            .env("CARGO_TARGET_DIR", &dir)
            .args(["build", "--quiet", "--locked", "-p", "xtask"]);
        if undo {
            for package in &overridden {
                command.args([
                    "--config",
                    &format!("profile.dev.package.{package}.opt-level=0"),
                ]);
            }
        }
        println!(
            "== cold cargo build -p xtask ({})",
            if undo {
                "no optimized packages"
            } else {
                "as configured"
            }
        );
        let took = timed(&mut command, "cold cargo build -p xtask")?;
        let _ = std::fs::remove_dir_all(&dir);
        Ok(took)
    };
    status(
        cargo()
            .current_dir(root)
            .args(["fetch", "--locked"])
            .stdout(Stdio::null()),
        "cargo fetch",
    )?;
    let optimized = build(false)?;
    let plain = build(true)?;
    Ok(vec![row(
        "first build: cold `cargo build -p xtask`, generator optimized vs not (the price of the row above)",
        seconds(optimized),
        seconds(plain),
        format!("{:+.2} s", optimized - plain),
        "(stated)",
        "",
    )])
}

/// One generated crate of the full spec.
struct GeneratedCrate {
    dir: PathBuf,
    operations: usize,
}

/// Generates the full spec with the xtask in `workspace` (built in release, into `target`).
fn generate(
    workspace: &Path,
    target: &Path,
    full_spec: &Path,
    out: &Path,
    name: &str,
) -> Result<GeneratedCrate, String> {
    let output = cargo()
        .current_dir(workspace)
        .env("CARGO_TARGET_DIR", target)
        .args([
            "run",
            "--quiet",
            "--release",
            "-p",
            "xtask",
            "--",
            "regenerate",
            "--spec",
        ])
        .arg(full_spec)
        .arg("--out")
        .arg(out)
        .args(["--crate-name", name])
        .output()
        .map_err(|err| format!("cannot run the xtask in {}: {err}", workspace.display()))?;
    if !output.status.success() {
        return Err(format!(
            "regenerating the full spec in {} failed: {}",
            workspace.display(),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    // The crate is measured where it is, inside this workspace's target directory: it is a
    // workspace of its own.
    let manifest = out.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest)
        .map_err(|err| format!("cannot read {}: {err}", manifest.display()))?;
    std::fs::write(&manifest, format!("{text}\n[workspace]\n"))
        .map_err(|err| format!("cannot write {}: {err}", manifest.display()))?;
    // The summary line: "679 operations, 1654 types, ...".
    let stdout = String::from_utf8_lossy(&output.stdout);
    let operations = stdout
        .lines()
        .filter_map(|line| line.split_once(" operations,"))
        .filter_map(|(count, _)| count.trim().parse::<usize>().ok())
        .next_back()
        .ok_or_else(|| format!("no operation count in the regenerate output: {stdout}"))?;
    Ok(GeneratedCrate {
        dir: out.to_path_buf(),
        operations,
    })
}

/// The before crate: the generator's source at [`BASELINE`], unpacked from git and run.
fn baseline_crate(
    root: &Path,
    target: &Path,
    full_spec: &Path,
    results: &Path,
) -> Result<GeneratedCrate, String> {
    let source = results.join("baseline-source");
    let _ = std::fs::remove_dir_all(&source);
    std::fs::create_dir_all(&source)
        .map_err(|err| format!("cannot create {}: {err}", source.display()))?;
    println!("== the generator at {BASELINE} (git archive)");
    let archive = Command::new("git")
        .current_dir(root)
        .args(["archive", "--format=tar", BASELINE])
        .output()
        .map_err(|err| format!("cannot run git archive: {err}"))?;
    if !archive.status.success() {
        return Err(format!(
            "git archive {BASELINE} failed (a shallow clone?): {}",
            String::from_utf8_lossy(&archive.stderr)
        ));
    }
    let mut untar = Command::new("tar")
        .current_dir(&source)
        .args(["-xf", "-"])
        .stdin(Stdio::piped())
        .spawn()
        .map_err(|err| format!("cannot run tar: {err}"))?;
    if let Some(stdin) = untar.stdin.as_mut() {
        use std::io::Write;
        stdin
            .write_all(&archive.stdout)
            .map_err(|err| format!("cannot unpack the baseline: {err}"))?;
    }
    drop(untar.stdin.take());
    let unpacked = untar
        .wait()
        .map_err(|err| format!("cannot unpack the baseline: {err}"))?;
    if !unpacked.success() {
        return Err("tar failed to unpack the baseline".to_string());
    }
    generate(
        &source,
        target,
        full_spec,
        &results.join("full-before"),
        "vcenter-full-before",
    )
}

/// One timed compile: wall seconds and the peak resident memory of any process (KB), read with
/// `/usr/bin/time` when the machine has it.
struct Compile {
    seconds: f64,
    peak_kb: Option<u64>,
}

fn compile(dir: &Path, target: &Path, command: &str, features: &[&str]) -> Result<Compile, String> {
    // The crate alone: its dependencies are built, its own source is compiled afresh.
    let lib = dir.join("src/lib.rs");
    let text = std::fs::read_to_string(&lib)
        .map_err(|err| format!("cannot read {}: {err}", lib.display()))?;
    std::fs::write(&lib, text).map_err(|err| format!("cannot touch {}: {err}", lib.display()))?;
    let time = Path::new("/usr/bin/time");
    let peak_file = target.join("peak.txt");
    let mut run = if time.is_file() {
        let mut run = Command::new(time);
        run.arg("-f").arg("%M").arg("-o").arg(&peak_file);
        run.arg(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
        run
    } else {
        cargo()
    };
    run.current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        // A dependency is compiled without incremental state, as users get it.
        .env("CARGO_INCREMENTAL", "0")
        .args([command, "--quiet"])
        .args(features);
    let seconds = timed(&mut run, &format!("cargo {command} in {}", dir.display()))?;
    let peak_kb = std::fs::read_to_string(&peak_file)
        .ok()
        .and_then(|text| text.trim().parse().ok());
    let _ = std::fs::remove_file(&peak_file);
    Ok(Compile { seconds, peak_kb })
}

fn gigabytes(kb: Option<u64>) -> String {
    kb.map_or_else(
        || "-".to_string(),
        |kb| format!("{:.2} GB", kb as f64 / 1e6),
    )
}

/// The crate of the full spec, before and after: lines per operation; `cargo check` and a
/// debug `cargo build` of the crate alone with all features (and with one tag's feature),
/// peak memory.
fn crate_rows(
    root: &Path,
    target: &Path,
    full_spec: &Path,
    results: &Path,
) -> Result<Vec<Row>, String> {
    let now = generate(
        root,
        target,
        full_spec,
        &results.join("full-now"),
        "vcenter-full-now",
    )?;
    let before = baseline_crate(root, target, full_spec, results)?;
    let compile_target = results.join("crate-cost-target");
    let _ = std::fs::remove_dir_all(&compile_target);
    let manifest = std::fs::read_to_string(now.dir.join("Cargo.toml")).unwrap_or_default();
    let has_tag = manifest
        .lines()
        .any(|line| line.trim_start().starts_with(&format!("{ONE_TAG} =")));
    let one_tag: Vec<&str> = if has_tag {
        vec!["--no-default-features", "--features", ONE_TAG]
    } else {
        Vec::new()
    };
    let mut rows = Vec::new();
    let lines_now = rust_lines(&now.dir.join("src")) as f64 / now.operations.max(1) as f64;
    let lines_before = rust_lines(&before.dir.join("src")) as f64 / before.operations.max(1) as f64;
    rows.push(row(
        "full spec crate: lines of Rust per operation, now vs before",
        format!("{lines_now:.1}"),
        format!("{lines_before:.1}"),
        format!("{:.2}", lines_now / lines_before),
        "fewer",
        verdict(lines_now < lines_before),
    ));
    for command in ["check", "build"] {
        // Dependencies first, untimed.
        for (krate, features) in [(&before, &[][..]), (&now, &[][..]), (&now, &one_tag[..])] {
            status(
                cargo()
                    .current_dir(&krate.dir)
                    .env("CARGO_TARGET_DIR", &compile_target)
                    .env("CARGO_INCREMENTAL", "0")
                    .args([command, "--quiet"])
                    .args(features),
                &format!("cargo {command} (dependencies)"),
            )?;
        }
        println!("== cargo {command} of the full spec crate alone: before, now, one tag; {ROUNDS} rounds");
        let (mut before_runs, mut all_runs, mut tag_runs) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..ROUNDS {
            before_runs.push(compile(&before.dir, &compile_target, command, &[])?);
            all_runs.push(compile(&now.dir, &compile_target, command, &[])?);
            if has_tag {
                tag_runs.push(compile(&now.dir, &compile_target, command, &one_tag)?);
            }
        }
        let median_of =
            |runs: &[Compile]| median(&mut runs.iter().map(|r| r.seconds).collect::<Vec<_>>());
        let peak_of = |runs: &[Compile]| runs.iter().filter_map(|r| r.peak_kb).max();
        let (before_s, all_s) = (median_of(&before_runs), median_of(&all_runs));
        let what = if command == "check" {
            "`cargo check`"
        } else {
            "debug `cargo build`"
        };
        rows.push(row(
            &format!("full spec crate alone, {what}: all features now vs before"),
            seconds(all_s),
            seconds(before_s),
            format!("{:.2}", all_s / before_s),
            "<= 0.5",
            verdict(all_s / before_s <= 0.5),
        ));
        rows.push(row(
            &format!("full spec crate alone, {what}: peak memory now vs before"),
            gigabytes(peak_of(&all_runs)),
            gigabytes(peak_of(&before_runs)),
            match (peak_of(&all_runs), peak_of(&before_runs)) {
                (Some(now), Some(before)) => format!("{:.2}", now as f64 / before as f64),
                _ => "-".to_string(),
            },
            "(no target)",
            "",
        ));
        if has_tag {
            let tag_s = median_of(&tag_runs);
            rows.push(row(
                &format!(
                    "full spec crate alone, {what}: feature `{ONE_TAG}` alone vs all features"
                ),
                seconds(tag_s),
                seconds(all_s),
                format!("{:.2}", tag_s / all_s),
                "<= 0.15",
                verdict(tag_s / all_s <= 0.15),
            ));
        } else {
            rows.push(row(
                &format!("full spec crate alone, {what}: feature `{ONE_TAG}` alone"),
                "skipped".into(),
                "-".into(),
                "-".into(),
                "the crate has no such feature",
                "-",
            ));
        }
    }
    let _ = std::fs::remove_dir_all(&compile_target);
    Ok(rows)
}
