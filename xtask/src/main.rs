//! Project commands, a thin shell over the `codegen` library:
//! `cargo xtask regenerate` writes `generated-client/` from `spec/vcenter.yaml`;
//! `cargo xtask check` fails when the checked-in output is stale;
//! `cargo xtask bench` runs the benchmarks and prints their table.

mod bench;
mod conformance;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "\
usage:
  cargo xtask regenerate [--spec PATH] [--out DIR] [--crate-name NAME] [--include P]... [--exclude P]...
      Generate the client crate (default: spec/vcenter.yaml -> generated-client/, vcenter-client).
      A pattern P is `tag:NAME`, `path:PREFIX` (or `/PREFIX`), or `op:GLOB` (operationId, `*` wildcard);
      with --include only matching operations are generated, --exclude leaves matching ones out.
  cargo xtask check [--spec PATH] [--out DIR] [--crate-name NAME] [--include P]... [--exclude P]...
      Exit non-zero, naming every stale file, when the output differs from what the spec produces.
  cargo xtask bench [--no-build-cost] [--record]
      Run the benchmarks (package `benchmarks`) and print one markdown table of figures, ratios
      and targets; --record also writes it into BENCHMARKS.md. The build-cost rows (two cold
      release builds, minutes) are left out with --no-build-cost.
  cargo xtask normalize [--spec PATH] [--out FILE]
      Write the spec's normalized copy for other tools: `?action=x` moved out of the path keys
      into a required single-value enum query parameter (default: spec/vcenter.yaml ->
      target/conformance/vcenter.normalized.yaml).
  cargo xtask conformance [--only mock|proxy|schemathesis]...
      Independent judges: the generated client against `prism mock --errors`, the end-to-end
      tests through `prism proxy --errors` in front of the simulator, and schemathesis against
      the simulator. Installs nothing: it uses the tools `.ci/run` installs under target/
      (or the paths in $PRISM and $SCHEMATHESIS).";

/// The spec and output given on the command line, resolved.
struct Target {
    spec: PathBuf,
    out: PathBuf,
    options: codegen::Options,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = args.split_first() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    match command.as_str() {
        "bench" => return bench::run(rest, &workspace_root()),
        "normalize" => return conformance::normalize_command(rest, &workspace_root()),
        "conformance" => return conformance::run(rest, &workspace_root()),
        _ => {}
    }
    let target = match parse_target(rest) {
        Ok(target) => target,
        Err(message) => {
            eprintln!("error: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match command.as_str() {
        "regenerate" => regenerate(&target),
        "check" => check(&target),
        "help" | "--help" | "-h" => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        other => {
            eprintln!("error: unknown command {other:?}\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn workspace_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir.parent().unwrap_or(manifest_dir).to_path_buf()
}

fn parse_target(args: &[String]) -> Result<Target, String> {
    let root = workspace_root();
    let cwd = std::env::current_dir().unwrap_or_else(|_| root.clone());
    let mut spec = root.join("spec/vcenter.yaml");
    let mut out = root.join("generated-client");
    let mut crate_name = "vcenter-client".to_string();
    let mut selection = codegen::model::Selection::default();
    let mut iter = args.iter();
    while let Some(flag) = iter.next() {
        let mut value = || {
            iter.next()
                .cloned()
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match flag.as_str() {
            "--spec" => spec = cwd.join(value()?),
            "--out" => out = cwd.join(value()?),
            "--crate-name" => crate_name = value()?,
            "--include" => selection.include.push(value()?),
            "--exclude" => selection.exclude.push(value()?),
            other => return Err(format!("unknown option {other:?}")),
        }
    }
    // Relative to the current directory where possible, so diagnostics show a short path.
    let spec = spec
        .strip_prefix(&cwd)
        .map(Path::to_path_buf)
        .unwrap_or(spec);
    let spec_label = match normalize(&cwd.join(&spec)).strip_prefix(&root) {
        Ok(relative) => relative.to_string_lossy().replace('\\', "/"),
        Err(_) => spec.to_string_lossy().into_owned(),
    };
    Ok(Target {
        spec,
        out,
        options: codegen::Options {
            crate_name,
            spec_label,
            selection,
        },
    })
}

/// Removes `.` and `..` components without touching the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut normal = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                normal.pop();
            }
            other => normal.push(other),
        }
    }
    normal
}

fn shown(path: &Path) -> String {
    let root = workspace_root();
    path.strip_prefix(&root)
        .unwrap_or(path)
        .to_string_lossy()
        .into_owned()
}

fn regenerate(target: &Target) -> ExitCode {
    match codegen::regenerate(&target.spec, &target.out, &target.options) {
        Ok((generated, changes)) => {
            for change in &changes {
                println!(
                    "{:>9}  {}/{}",
                    change.status.to_string(),
                    shown(&target.out),
                    change.path
                );
            }
            let written = changes
                .iter()
                .filter(|c| c.status != codegen::FileStatus::Unchanged)
                .count();
            println!(
                "{} operations, {} types, {} files ({} changed) in {:.1} ms",
                generated.operations,
                generated.types,
                generated.files.len(),
                written,
                generated.elapsed.as_secs_f64() * 1000.0
            );
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("{err}");
            eprintln!("nothing was written to {}", shown(&target.out));
            ExitCode::FAILURE
        }
    }
}

fn check(target: &Target) -> ExitCode {
    match codegen::stale_files(&target.spec, &target.out, &target.options) {
        Ok(stale) if stale.is_empty() => {
            println!(
                "{} is up to date with {}",
                shown(&target.out),
                target.options.spec_label
            );
            ExitCode::SUCCESS
        }
        Ok(stale) => {
            for change in &stale {
                let why = match change.status {
                    codegen::FileStatus::Created => "missing",
                    codegen::FileStatus::Removed => "no longer generated",
                    _ => "differs from what the spec produces",
                };
                eprintln!("stale: {}/{} ({why})", shown(&target.out), change.path);
            }
            eprintln!(
                "run `cargo xtask regenerate` and review the snapshots (`cargo insta review`)"
            );
            ExitCode::FAILURE
        }
        Err(err) => {
            eprintln!("{err}");
            ExitCode::FAILURE
        }
    }
}
