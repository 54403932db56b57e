//! Project commands, a thin shell over the `codegen` library:
//! `cargo xtask regenerate` writes `generated-client/` from `spec/vcenter.yaml`;
//! `cargo xtask check` fails when the checked-in output is stale;
//! `cargo xtask bench`, `normalize` and `conformance` live in their own files.
//! This file reads the command line (lexopt: no dependencies, and the xtask is compiled on
//! every call) and prints what the library returns.

mod bench;
mod conformance;
mod corpus;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use lexopt::ValueExt;

/// One command: its name, its usage, and how its arguments are read (`None` for `--help`).
struct Subcommand {
    name: &'static str,
    usage: &'static str,
    parse: fn(&mut lexopt::Parser) -> Result<Option<Invocation>, lexopt::Error>,
}

/// Every command, in the order `--help` lists them.
const SUBCOMMANDS: [Subcommand; 6] = [
    Subcommand {
        name: "regenerate",
        usage: "  cargo xtask regenerate [--spec PATH] [--out DIR] [--crate-name NAME] [--include P]... [--exclude P]... [--strict] [--report FILE]
      Generate the client crate (default: spec/vcenter.yaml -> generated-client/, vcenter-client;
      without options, every checked-in crate: also tests/shapes/shapes.yaml -> tests/shapes/client/
      and codegen/tests/fixtures/compile/bodies.yaml -> tests/bodies-client/).
      A pattern P is `tag:NAME`, `path:PREFIX` (or `/PREFIX`), or `op:GLOB` (operationId, `*` wildcard);
      with --include only matching operations are generated, --exclude leaves matching ones out.
      A node that cannot be typed becomes any JSON value (an operation that cannot be sent is
      left out), with a warning; the first 20 are printed. --report FILE writes every one (a
      table of positions and pointers, then each in full); --strict makes warnings errors and
      writes nothing then.",
        parse: |parser| Ok(parse_target(parser)?.map(Invocation::Regenerate)),
    },
    Subcommand {
        name: "check",
        usage: "  cargo xtask check [--spec PATH] [--out DIR] [--crate-name NAME] [--include P]... [--exclude P]...
      Exit non-zero, naming every stale file, when the output differs from what the spec produces
      (without options: every checked-in crate, as for regenerate).",
        parse: |parser| Ok(parse_target(parser)?.map(Invocation::Check)),
    },
    Subcommand {
        name: "bench",
        usage: "  cargo xtask bench [--no-build-cost] [--record] [--nexus]
      Run the benchmarks (package `benchmarks`) and print one markdown table of figures, ratios
      and targets; --record also writes it into BENCHMARKS.md. The build-cost rows (two cold
      release builds, minutes) are left out with --no-build-cost. --nexus runs only the head to
      head with progenitor on nexus.json (generation, lines, builds, dependencies).",
        parse: |parser| Ok(parse_bench(parser)?.map(Invocation::Bench)),
    },
    Subcommand {
        name: "normalize",
        usage: "  cargo xtask normalize [--spec PATH] [--out FILE]
      Write the spec's normalized copy for other tools: `?action=x` moved out of the path keys
      into a required single-value enum query parameter (default: spec/vcenter.yaml ->
      target/conformance/vcenter.normalized.yaml).",
        parse: |parser| Ok(parse_normalize(parser)?.map(Invocation::Normalize)),
    },
    Subcommand {
        name: "corpus",
        usage: "  cargo xtask corpus [--dir DIR] [--check]
      Run every spec (.json, .yaml) in DIR and its subfolders through the generator into
      target/corpus/ and print a table (default DIR: ../shared/specs/corpus); --check also runs
      `cargo check` and `cargo doc` on each generated crate with warnings denied, in one shared
      target directory (target/generated-crates), and fails when one does not compile.",
        parse: |parser| Ok(parse_corpus(parser)?.map(Invocation::Corpus)),
    },
    Subcommand {
        name: "conformance",
        usage: "  cargo xtask conformance [--only mock|proxy|schemathesis]...
      Independent judges: the generated client against `prism mock --errors`, the end-to-end
      tests through `prism proxy --errors` in front of the simulator, and schemathesis against
      the simulator. Installs nothing: it uses the tools `.ci/run` installs under target/
      (or the paths in $PRISM and $SCHEMATHESIS).",
        parse: |parser| Ok(parse_conformance(parser)?.map(Invocation::Conformance)),
    },
];

/// The usage of one command, or of all of them for `None`.
fn usage(command: Option<&str>) -> String {
    let sections: Vec<&str> = SUBCOMMANDS
        .iter()
        .filter(|subcommand| command.is_none_or(|wanted| wanted == subcommand.name))
        .map(|subcommand| subcommand.usage)
        .collect();
    format!(
        "usage:\n{}\n\nEvery command takes --help.",
        sections.join("\n")
    )
}

/// What the command line asks for, before anything is resolved against the disk.
#[derive(Debug, PartialEq)]
enum Invocation {
    /// `--help`: print the usage of this command (of all for `None`) and succeed.
    Help(Option<&'static str>),
    Regenerate(TargetArgs),
    Check(TargetArgs),
    Bench(bench::Flags),
    Normalize(conformance::NormalizeArgs),
    Conformance(Vec<conformance::Stage>),
    Corpus(corpus::Args),
}

/// `--spec`, `--out`, `--crate-name` and the selection, as given (unset ones take defaults later).
#[derive(Debug, Default, PartialEq)]
struct TargetArgs {
    spec: Option<PathBuf>,
    out: Option<PathBuf>,
    crate_name: Option<String>,
    selection: codegen::model::Selection,
    strict: bool,
    report: Option<PathBuf>,
}

/// A command line that cannot be understood; shown with the usage of the command it was for.
#[derive(Debug)]
struct UsageError {
    command: Option<&'static str>,
    error: lexopt::Error,
}

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "error: {}\n\n{}", self.error, usage(self.command))
    }
}

/// The arguments after `cargo xtask`.
fn parse<I>(args: I) -> Result<Invocation, UsageError>
where
    I: IntoIterator,
    I::Item: Into<std::ffi::OsString>,
{
    let mut parser = lexopt::Parser::from_args(args);
    let subcommand = match subcommand(&mut parser) {
        Ok(Some(subcommand)) => subcommand,
        Ok(None) => return Ok(Invocation::Help(None)),
        Err(error) => {
            return Err(UsageError {
                command: None,
                error,
            })
        }
    };
    match (subcommand.parse)(&mut parser) {
        Ok(Some(invocation)) => Ok(invocation),
        Ok(None) => Ok(Invocation::Help(Some(subcommand.name))),
        Err(error) => Err(UsageError {
            command: Some(subcommand.name),
            error,
        }),
    }
}

/// The command named by the first argument; `None` when that asks for help instead.
fn subcommand(parser: &mut lexopt::Parser) -> Result<Option<&'static Subcommand>, lexopt::Error> {
    let name = match parser.next()? {
        Some(lexopt::Arg::Value(name)) => name,
        Some(lexopt::Arg::Short('h') | lexopt::Arg::Long("help")) => return Ok(None),
        Some(other) => return Err(other.unexpected()),
        None => return Err("missing command".into()),
    };
    if name == "help" {
        return Ok(None);
    }
    match SUBCOMMANDS
        .iter()
        .find(|subcommand| name == subcommand.name)
    {
        Some(subcommand) => Ok(Some(subcommand)),
        None => Err(format!("unknown command {name:?}").into()),
    }
}

fn parse_target(parser: &mut lexopt::Parser) -> Result<Option<TargetArgs>, lexopt::Error> {
    use lexopt::Arg::{Long, Short};
    let mut args = TargetArgs::default();
    while let Some(arg) = parser.next()? {
        match arg {
            Short('h') | Long("help") => return Ok(None),
            Long("spec") => args.spec = Some(parser.value()?.into()),
            Long("out") => args.out = Some(parser.value()?.into()),
            Long("crate-name") => args.crate_name = Some(parser.value()?.string()?),
            Long("include") => args.selection.include.push(parser.value()?.string()?),
            Long("exclude") => args.selection.exclude.push(parser.value()?.string()?),
            Long("strict") => args.strict = true,
            Long("report") => args.report = Some(parser.value()?.into()),
            other => return Err(other.unexpected()),
        }
    }
    Ok(Some(args))
}

fn parse_bench(parser: &mut lexopt::Parser) -> Result<Option<bench::Flags>, lexopt::Error> {
    use lexopt::Arg::{Long, Short};
    let mut flags = bench::Flags {
        build_cost: true,
        record: false,
        nexus_only: false,
    };
    while let Some(arg) = parser.next()? {
        match arg {
            Short('h') | Long("help") => return Ok(None),
            Long("no-build-cost") => flags.build_cost = false,
            Long("record") => flags.record = true,
            Long("nexus") => flags.nexus_only = true,
            other => return Err(other.unexpected()),
        }
    }
    Ok(Some(flags))
}

fn parse_corpus(parser: &mut lexopt::Parser) -> Result<Option<corpus::Args>, lexopt::Error> {
    use lexopt::Arg::{Long, Short};
    let mut args = corpus::Args::default();
    while let Some(arg) = parser.next()? {
        match arg {
            Short('h') | Long("help") => return Ok(None),
            Long("dir") => args.dir = Some(parser.value()?.into()),
            Long("check") => args.check = true,
            other => return Err(other.unexpected()),
        }
    }
    Ok(Some(args))
}

fn parse_normalize(
    parser: &mut lexopt::Parser,
) -> Result<Option<conformance::NormalizeArgs>, lexopt::Error> {
    use lexopt::Arg::{Long, Short};
    let mut args = conformance::NormalizeArgs::default();
    while let Some(arg) = parser.next()? {
        match arg {
            Short('h') | Long("help") => return Ok(None),
            Long("spec") => args.spec = Some(parser.value()?.into()),
            Long("out") => args.out = Some(parser.value()?.into()),
            other => return Err(other.unexpected()),
        }
    }
    Ok(Some(args))
}

fn parse_conformance(
    parser: &mut lexopt::Parser,
) -> Result<Option<Vec<conformance::Stage>>, lexopt::Error> {
    use lexopt::Arg::{Long, Short};
    let mut stages = Vec::new();
    while let Some(arg) = parser.next()? {
        match arg {
            Short('h') | Long("help") => return Ok(None),
            Long("only") => {
                let name = parser.value()?.string()?;
                let stage = conformance::Stage::named(&name).ok_or_else(|| {
                    format!("unknown stage {name:?} for --only (mock, proxy or schemathesis)")
                })?;
                stages.push(stage);
            }
            other => return Err(other.unexpected()),
        }
    }
    Ok(Some(stages))
}

/// The spec and output given on the command line, resolved.
struct Target {
    spec: PathBuf,
    out: PathBuf,
    options: codegen::Options,
    /// Where `--report` writes every warning.
    report: Option<PathBuf>,
}

fn main() -> ExitCode {
    let invocation = match parse(std::env::args_os().skip(1)) {
        Ok(invocation) => invocation,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::from(2);
        }
    };
    let root = workspace_root();
    match invocation {
        Invocation::Help(command) => {
            // A closed pipe (`cargo xtask --help | head`) is not an error worth a panic.
            let _ = writeln!(std::io::stdout(), "{}", usage(command));
            ExitCode::SUCCESS
        }
        Invocation::Regenerate(args) => each_target(args, &root, regenerate),
        Invocation::Check(args) => each_target(args, &root, check),
        Invocation::Bench(flags) => bench::run(&flags, &root),
        Invocation::Normalize(args) => conformance::normalize_command(args, &root),
        Invocation::Conformance(stages) => conformance::run(stages, &root),
        Invocation::Corpus(args) => corpus::run(args, &root),
    }
}

fn workspace_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir.parent().unwrap_or(manifest_dir).to_path_buf()
}

/// The checked-in generated crates: (spec, output, crate name). The first is the vCenter
/// client, the default of every option; the others exercise what vCenter's spec does not use.
const CHECKED_IN: &[(&str, &str, &str)] = &[
    ("spec/vcenter.yaml", "generated-client", "vcenter-client"),
    (
        "tests/shapes/shapes.yaml",
        "tests/shapes/client",
        "shapes-client",
    ),
    (
        "codegen/tests/fixtures/compile/bodies.yaml",
        "tests/bodies-client",
        "bodies-client",
    ),
];

/// Runs `command` on the target the options name, or on every checked-in crate when none
/// is given; fails when any run fails.
fn each_target(args: TargetArgs, root: &Path, command: fn(&Target) -> ExitCode) -> ExitCode {
    if args != TargetArgs::default() {
        return command(&resolve_target(args, root));
    }
    let mut result = ExitCode::SUCCESS;
    for (spec, out, crate_name) in CHECKED_IN {
        let args = TargetArgs {
            spec: Some(root.join(spec)),
            out: Some(root.join(out)),
            crate_name: Some(crate_name.to_string()),
            ..TargetArgs::default()
        };
        if command(&resolve_target(args, root)) != ExitCode::SUCCESS {
            result = ExitCode::FAILURE;
        }
    }
    result
}

fn resolve_target(args: TargetArgs, root: &Path) -> Target {
    let cwd = std::env::current_dir().unwrap_or_else(|_| root.to_path_buf());
    let spec = cwd.join(args.spec.unwrap_or_else(|| root.join("spec/vcenter.yaml")));
    let out = cwd.join(args.out.unwrap_or_else(|| root.join("generated-client")));
    let crate_name = args
        .crate_name
        .unwrap_or_else(|| "vcenter-client".to_string());
    // Relative to the current directory where possible, so diagnostics show a short path.
    let spec = spec
        .strip_prefix(&cwd)
        .map(Path::to_path_buf)
        .unwrap_or(spec);
    let spec_label = match normalize(&cwd.join(&spec)).strip_prefix(root) {
        Ok(relative) => relative.to_string_lossy().replace('\\', "/"),
        Err(_) => spec.to_string_lossy().into_owned(),
    };
    Target {
        spec,
        out,
        options: codegen::Options {
            crate_name,
            spec_label,
            selection: args.selection,
            strict: args.strict,
        },
        report: args.report.map(|report| cwd.join(report)),
    }
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
            let warnings = &generated.warnings;
            for warning in warnings.iter().take(codegen::Diagnostics::LIMIT) {
                eprintln!("{warning}\n");
            }
            if warnings.len() > codegen::Diagnostics::LIMIT && target.report.is_none() {
                eprintln!(
                    "... and {} more warnings: --report FILE lists every one\n",
                    warnings.len() - codegen::Diagnostics::LIMIT
                );
            }
            println!(
                "{} operations, {} types, {} files ({} changed), {} in {:.1} ms",
                generated.operations,
                generated.types,
                generated.files.len(),
                written,
                codegen::report::warning_summary(warnings),
                generated.elapsed.as_secs_f64() * 1000.0
            );
            write_report(target, warnings)
        }
        Err(err) => {
            eprintln!("{err}");
            // A write error says itself what it left on disk; any other came before writing.
            if !matches!(err, codegen::Error::Write(_)) {
                eprintln!("nothing was written to {}", shown(&target.out));
            }
            ExitCode::FAILURE
        }
    }
}

/// Writes every warning to the `--report` file, when one is asked for.
fn write_report(target: &Target, warnings: &[codegen::Diagnostic]) -> ExitCode {
    let Some(report) = &target.report else {
        return ExitCode::SUCCESS;
    };
    let text = codegen::report::warning_report(&target.options.spec_label, warnings);
    match std::fs::write(report, text) {
        Ok(()) => {
            println!("every warning: {}", shown(report));
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: cannot write the report {}: {err}", shown(report));
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses `args` and checks the error it gives: its text and the usage it is shown with.
    fn check_error(args: &[&str], message: &str, command: Option<&str>) {
        match parse(args.iter().copied()) {
            Err(error) => {
                assert_eq!(error.error.to_string(), message, "args {args:?}");
                assert_eq!(error.command, command, "usage shown for {args:?}");
            }
            Ok(invocation) => panic!("{args:?} should be rejected, got {invocation:?}"),
        }
    }

    fn check_ok(args: &[&str], expected: Invocation) {
        match parse(args.iter().copied()) {
            Ok(invocation) => assert_eq!(invocation, expected, "args {args:?}"),
            Err(error) => panic!("{args:?} should parse, got:\n{error}"),
        }
    }

    #[test]
    fn help_is_asked_for_everywhere() {
        check_ok(&["--help"], Invocation::Help(None));
        check_ok(&["-h"], Invocation::Help(None));
        check_ok(&["help"], Invocation::Help(None));
        for Subcommand { name, .. } in SUBCOMMANDS {
            check_ok(&[name, "--help"], Invocation::Help(Some(name)));
            check_ok(&[name, "-h"], Invocation::Help(Some(name)));
        }
        // Help wins over the flags before it, so a half-written command line still gets it.
        check_ok(
            &["regenerate", "--spec", "x.yaml", "--help"],
            Invocation::Help(Some("regenerate")),
        );
    }

    #[test]
    fn every_command_has_its_own_usage() {
        for Subcommand { name, .. } in SUBCOMMANDS {
            let text = usage(Some(name));
            assert!(text.contains(&format!("cargo xtask {name} ")), "{text}");
            let others = SUBCOMMANDS.iter().filter(|other| other.name != name);
            for Subcommand { name: other, .. } in others {
                assert!(!text.contains(&format!("cargo xtask {other} ")), "{text}");
            }
        }
    }

    #[test]
    fn bad_command_lines_are_errors_with_the_right_usage() {
        check_error(&[], "missing command", None);
        check_error(&["frobnicate"], "unknown command \"frobnicate\"", None);
        check_error(&["--record"], "invalid option '--record'", None);
        check_error(
            &["regenerate", "--bogus"],
            "invalid option '--bogus'",
            Some("regenerate"),
        );
        check_error(
            &["check", "--spec"],
            "missing argument for option '--spec'",
            Some("check"),
        );
        check_error(
            &["bench", "--record=yes"],
            "unexpected argument for option '--record': \"yes\"",
            Some("bench"),
        );
        check_error(
            &["normalize", "extra"],
            "unexpected argument \"extra\"",
            Some("normalize"),
        );
        check_error(
            &["conformance", "--only", "mocks"],
            "unknown stage \"mocks\" for --only (mock, proxy or schemathesis)",
            Some("conformance"),
        );
    }

    #[test]
    fn every_flag_is_kept() {
        check_ok(
            &[
                "regenerate",
                "--spec",
                "s.json",
                "--out=/tmp/out",
                "--crate-name",
                "vc",
                "--include",
                "tag:a",
                "--include",
                "op:b*",
                "--exclude",
                "/c",
                "--strict",
                "--report",
                "r.md",
            ],
            Invocation::Regenerate(TargetArgs {
                spec: Some("s.json".into()),
                out: Some("/tmp/out".into()),
                crate_name: Some("vc".into()),
                selection: codegen::model::Selection {
                    include: vec!["tag:a".into(), "op:b*".into()],
                    exclude: vec!["/c".into()],
                },
                strict: true,
                report: Some("r.md".into()),
            }),
        );
        check_ok(&["check"], Invocation::Check(TargetArgs::default()));
        check_ok(
            &["bench", "--record", "--no-build-cost"],
            Invocation::Bench(bench::Flags {
                build_cost: false,
                record: true,
                nexus_only: false,
            }),
        );
        check_ok(
            &["normalize", "--out", "n.yaml"],
            Invocation::Normalize(conformance::NormalizeArgs {
                spec: None,
                out: Some("n.yaml".into()),
            }),
        );
        check_ok(
            &["conformance", "--only", "mock", "--only", "schemathesis"],
            Invocation::Conformance(vec![
                conformance::Stage::Mock,
                conformance::Stage::Schemathesis,
            ]),
        );
    }
}
