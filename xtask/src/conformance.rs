//! `cargo xtask normalize` and `cargo xtask conformance`: the spec's normalized copy, and the
//! independent judges run against the generated client and the simulator. This file only
//! starts processes and bounds their time; what they check lives in the `client-tests` package (`tests/client/`)
//! (`conformance` binary, `e2e` tests, `tests::prism`).

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

/// The `conformance` binary of the `client-tests` package, which drives the client and schemathesis.
const DRIVER: [&str; 7] = [
    "run",
    "--quiet",
    "-p",
    "client-tests",
    "--bin",
    "conformance",
    "--",
];

/// Where the normalized copy of `spec/vcenter.yaml` goes.
const NORMALIZED: &str = "target/conformance/vcenter.normalized.yaml";

/// Each stage's time limit (a cold build of the driver is part of the first); the environment
/// variable `CONFORMANCE_STAGE_LIMIT` (seconds) sets another.
const STAGE_LIMIT: Duration = Duration::from_secs(20 * 60);

/// schemathesis: the fixed seed and the cases per operation and phase.
const SCHEMATHESIS_SEED: &str = "20261123";
const SCHEMATHESIS_EXAMPLES: &str = "100";

/// `--spec` and `--out` of `cargo xtask normalize`, as given.
#[derive(Debug, Default, PartialEq)]
pub struct NormalizeArgs {
    pub spec: Option<PathBuf>,
    pub out: Option<PathBuf>,
}

pub fn normalize_command(args: NormalizeArgs, root: &Path) -> ExitCode {
    let cwd = std::env::current_dir().unwrap_or_else(|_| root.to_path_buf());
    let spec = cwd.join(args.spec.unwrap_or_else(|| root.join("spec/vcenter.yaml")));
    let out = cwd.join(args.out.unwrap_or_else(|| root.join(NORMALIZED)));
    match normalize(&spec, &out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

fn normalize(spec: &Path, out: &Path) -> Result<(), String> {
    match codegen::normalize::normalize_file(spec, out) {
        Ok(normalized) => {
            println!(
                "{}: {} path keys with a query string, {} query parameters added -> {}",
                crate::shown(spec),
                normalized.keys_rewritten,
                normalized.parameters_added,
                crate::shown(out)
            );
            Ok(())
        }
        // A write error says itself what it left on disk; any other came before writing.
        Err(err @ codegen::Error::Write(_)) => Err(err.to_string()),
        Err(err) => Err(format!(
            "{err}\nnothing was written to {}",
            crate::shown(out)
        )),
    }
}

/// The three judges, each optional with `--only`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Mock,
    Proxy,
    Schemathesis,
}

impl Stage {
    const ALL: [Stage; 3] = [Stage::Mock, Stage::Proxy, Stage::Schemathesis];

    fn name(self) -> &'static str {
        match self {
            Stage::Mock => "mock",
            Stage::Proxy => "proxy",
            Stage::Schemathesis => "schemathesis",
        }
    }

    /// The stage `--only NAME` names.
    pub fn named(name: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|stage| stage.name() == name)
    }
}

pub fn run(mut stages: Vec<Stage>, root: &Path) -> ExitCode {
    if stages.is_empty() {
        stages = Stage::ALL.to_vec();
    }
    match run_stages(&stages, root) {
        Ok(()) => {
            println!("\nconformance: every judge agreed");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("\nconformance FAILED: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run_stages(stages: &[Stage], root: &Path) -> Result<(), String> {
    let prism = tool(
        root,
        "PRISM",
        "target/ci-node/node_modules/.bin/prism",
        "@stoplight/prism-cli",
    )?;
    let schemathesis = tool(
        root,
        "SCHEMATHESIS",
        "target/ci-venv/bin/st",
        "schemathesis",
    )?;
    let spec = root.join(NORMALIZED);
    normalize(&root.join("spec/vcenter.yaml"), &spec)?;
    // Each Prism writes its own log here; the ones of earlier runs would only confuse.
    let logs = root.join("target/conformance/logs");
    if logs.exists() {
        std::fs::remove_dir_all(&logs)
            .map_err(|err| format!("cannot clear {}: {err}", logs.display()))?;
    }
    let spec = spec.to_string_lossy().into_owned();
    let prism = prism.to_string_lossy().into_owned();

    let limit = std::env::var("CONFORMANCE_STAGE_LIMIT")
        .ok()
        .and_then(|secs| secs.parse().ok())
        .map_or(STAGE_LIMIT, Duration::from_secs);
    let mut failed = Vec::new();
    for &stage in stages {
        let started = Instant::now();
        println!("\n== conformance: {}", stage.name());
        let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
        command.current_dir(root);
        match stage {
            Stage::Mock => {
                command.args(DRIVER);
                command.args(["mock", "--prism", &prism, "--spec", &spec]);
            }
            Stage::Proxy => {
                command.args(["test", "--quiet", "-p", "client-tests", "--test", "e2e"]);
                command.env("VCENTER_E2E_PRISM", &prism);
                command.env("VCENTER_E2E_SPEC", &spec);
            }
            Stage::Schemathesis => {
                command.args(DRIVER);
                command.args(["schemathesis", "--st"]);
                command.arg(&schemathesis);
                command.args(["--spec", &spec, "--seed", SCHEMATHESIS_SEED]);
                command.args(["--max-examples", SCHEMATHESIS_EXAMPLES]);
            }
        }
        let outcome = run_bounded(&mut command, limit);
        let took = started.elapsed().as_secs_f64();
        match outcome {
            Ok(()) => println!("== conformance: {} passed in {took:.1} s", stage.name()),
            Err(why) => {
                println!(
                    "== conformance: {} FAILED in {took:.1} s: {why}",
                    stage.name()
                );
                failed.push(format!("{} ({why})", stage.name()));
            }
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(failed.join("; "))
    }
}

/// The path of an installed tool: `$VAR` when set, else `default` under the workspace.
fn tool(root: &Path, var: &str, default: &str, package: &str) -> Result<PathBuf, String> {
    let path = match std::env::var_os(var) {
        Some(path) => PathBuf::from(path),
        None => root.join(default),
    };
    if path.is_file() {
        Ok(path)
    } else {
        Err(format!(
            "{} not found; `.ci/run` installs {package} (pinned) there, or set ${var} to its path",
            path.display()
        ))
    }
}

/// Runs `command` and waits at most `limit`; past it, the command and every process it started
/// (cargo, the test binary, Prism, schemathesis) are killed. They stay in the terminal's
/// process group, so Ctrl-C stops them all.
fn run_bounded(command: &mut Command, limit: Duration) -> Result<(), String> {
    let mut child = command
        .spawn()
        .map_err(|err| format!("cannot start {command:?}: {err}"))?;
    let deadline = Instant::now() + limit;
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => return Ok(()),
            Ok(Some(status)) => return Err(format!("exited with {status}")),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(100)),
            Ok(None) => {
                let killed = kill_descendants(child.id());
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "still running after {} s: killed it and {killed} processes it started",
                    limit.as_secs()
                ));
            }
            Err(err) => {
                let _ = child.kill();
                return Err(format!("cannot wait for the child: {err}"));
            }
        }
    }
}

/// Kills every descendant of `pid` (found in /proc, Linux), deepest first; returns how many.
fn kill_descendants(pid: u32) -> usize {
    let mut parents: Vec<(u32, u32)> = Vec::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let Some(child) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<u32>().ok())
            else {
                continue;
            };
            // /proc/PID/stat: "PID (name) STATE PPID ..."; the name may hold spaces and ')'.
            let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
                continue;
            };
            let parent = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(1))
                .and_then(|ppid| ppid.parse::<u32>().ok());
            if let Some(parent) = parent {
                parents.push((child, parent));
            }
        }
    }
    let mut found = vec![pid];
    let mut index = 0;
    while let Some(&parent) = found.get(index) {
        found.extend(
            parents
                .iter()
                .filter(|(_, p)| *p == parent)
                .map(|(c, _)| *c),
        );
        index += 1;
    }
    let descendants = found.get(1..).unwrap_or_default();
    for pid in descendants.iter().rev() {
        let _ = Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status();
    }
    descendants.len()
}
