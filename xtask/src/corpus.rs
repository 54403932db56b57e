//! `cargo xtask corpus`: every OpenAPI document in a folder (one level of subfolders too)
//! through the generator, and with `--check` every generated crate through `cargo check` and
//! `cargo doc` with warnings denied, in one shared target directory; prints one markdown table.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

/// What `cargo xtask corpus` was asked for.
#[derive(Debug, Default, PartialEq)]
pub struct Args {
    /// The folder of specs (default: `../shared/specs/corpus` beside the workspace).
    pub dir: Option<PathBuf>,
    /// Whether to compile the generated crates.
    pub check: bool,
}

/// One spec's row.
struct Row {
    spec: String,
    operations: String,
    lines: String,
    generated: String,
    compiled: String,
}

/// The spec files under `dir`, sorted.
fn spec_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let is_spec = |path: &Path| {
        matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("json" | "yaml" | "yml")
        )
    };
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            for inner in std::fs::read_dir(&path)? {
                let inner = inner?.path();
                if is_spec(&inner) {
                    files.push(inner);
                }
            }
        } else if is_spec(&path) {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// `cargo check` and `cargo doc` of one generated crate, warnings denied: "ok", or the first
/// error line.
fn compile(out: &Path, target_dir: &Path) -> String {
    for (command, flags_var) in [("check", "RUSTFLAGS"), ("doc", "RUSTDOCFLAGS")] {
        let mut cargo = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
        cargo
            .arg(command)
            .arg("--quiet")
            .arg("--manifest-path")
            .arg(out.join("Cargo.toml"))
            .env("CARGO_TARGET_DIR", target_dir)
            .env(flags_var, "-D warnings");
        if command == "doc" {
            cargo.arg("--no-deps");
        }
        match cargo.output() {
            Ok(output) if output.status.success() => {}
            Ok(output) => {
                let stderr = String::from_utf8_lossy(&output.stderr);
                let first = stderr
                    .lines()
                    .find(|line| line.starts_with("error"))
                    .unwrap_or("failed");
                return format!("`cargo {command}`: {}", first.replace('|', "\\|"));
            }
            Err(err) => return format!("`cargo {command}` did not start: {err}"),
        }
    }
    "ok".to_string()
}

/// Makes `out_root` a workspace of the crates generated so far, with the repository's
/// `Cargo.lock` (copied once) for the same dependency versions: a crate under `target/` is
/// inside this repository's workspace directory, and cargo refuses to build a package that a
/// workspace above it does not list.
fn own_workspace(out_root: &Path, root: &Path, members: &[String]) -> std::io::Result<()> {
    std::fs::create_dir_all(out_root)?;
    let lock = out_root.join("Cargo.lock");
    if !lock.exists() {
        std::fs::copy(root.join("Cargo.lock"), &lock)?;
    }
    let list: Vec<String> = members.iter().map(|m| format!("{m:?}")).collect();
    std::fs::write(
        out_root.join("Cargo.toml"),
        format!(
            "# Written by `cargo xtask corpus --check`.\n[workspace]\nresolver = \"2\"\nmembers = [{}]\n",
            list.join(", ")
        ),
    )
}

/// Runs the corpus and prints the table; fails when a crate that generated does not compile.
pub fn run(args: Args, root: &Path) -> ExitCode {
    let dir = args
        .dir
        .unwrap_or_else(|| root.join("../shared/specs/corpus"));
    let files = match spec_files(&dir) {
        Ok(files) if !files.is_empty() => files,
        Ok(_) => {
            eprintln!("no .json or .yaml spec under {}", dir.display());
            return ExitCode::FAILURE;
        }
        Err(err) => {
            eprintln!("cannot read {}: {err}", dir.display());
            return ExitCode::FAILURE;
        }
    };
    let out_root = root.join("target/corpus");
    let target_dir = root.join("target/generated-crates");
    let mut rows = Vec::new();
    let mut failed = false;
    let mut members = Vec::new();
    for spec in &files {
        let label = spec
            .strip_prefix(&dir)
            .unwrap_or(spec)
            .to_string_lossy()
            .replace('\\', "/");
        let crate_name = format!("corpus-{label}")
            .to_ascii_lowercase()
            .replace(|c: char| !c.is_ascii_alphanumeric(), "-");
        let crate_dir = crate_name.clone();
        let out = out_root.join(&crate_name);
        let options = codegen::Options {
            crate_name,
            spec_label: label.clone(),
            selection: Default::default(),
            strict: false,
        };
        let started = Instant::now();
        let mut row = Row {
            spec: label,
            operations: "-".into(),
            lines: "-".into(),
            generated: String::new(),
            compiled: "-".into(),
        };
        match codegen::regenerate(spec, &out, &options) {
            Ok((generated, _)) => {
                let lines: usize = generated
                    .files
                    .iter()
                    .map(|file| file.contents.lines().count())
                    .sum();
                row.operations = generated.operations.to_string();
                row.lines = lines.to_string();
                row.generated = format!("yes ({:.0} ms)", started.elapsed().as_secs_f64() * 1e3);
                if args.check {
                    members.push(crate_dir.clone());
                    if let Err(err) = own_workspace(&out_root, root, &members) {
                        eprintln!("cannot write {}: {err}", out_root.display());
                        return ExitCode::FAILURE;
                    }
                    row.compiled = compile(&out, &target_dir);
                    failed |= row.compiled != "ok";
                }
            }
            Err(codegen::Error::Spec(diagnostics)) => {
                let first = diagnostics
                    .to_string()
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .replace('|', "\\|");
                row.generated = format!("refused, {} diagnostic(s): {first}", diagnostics.total);
            }
            Err(other) => {
                row.generated = format!("error: {other}");
                failed = true;
            }
        }
        println!(
            "{}: {} {}",
            row.spec,
            row.generated,
            if args.check { &row.compiled } else { "" }
        );
        rows.push(row);
    }
    println!("\n| spec | operations | lines | generated | cargo check + doc |");
    println!("|---|---:|---:|---|---|");
    for row in &rows {
        println!(
            "| {} | {} | {} | {} | {} |",
            row.spec, row.operations, row.lines, row.generated, row.compiled
        );
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
