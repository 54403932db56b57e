//! `conformance`: the generated client and the simulator before judges no one here wrote, as
//! `cargo xtask conformance` runs them.
//!
//! - `conformance mock --prism PATH --spec PATH`: every operation of the generated client
//!   against `prism mock --errors`: the documented success without `Prefer`, then every
//!   documented status and example asked for with `Prefer: code=NNN, example=NAME`, each of
//!   which must decode to exactly the example (the typed error for error statuses). Any
//!   violation Prism logs (what it sends in `sl-violations`) fails the run.
//! - `conformance schemathesis --st PATH --spec PATH --seed N --max-examples N`: schemathesis
//!   against the simulator (demo world) with every check; it must find nothing.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use client_tests::prism::{Mode, Prism};
use serde_json::Value;
use vcenter_client::types::{
    CdromId, IsoImageMountRequestBody, LibraryItemId, StdErrorsError, VmId,
};
use vcenter_client::{Client, Error, ErrorKind, SessionId};
use vcenter_simulator::{Simulator, World};

const USER: &str = "administrator@vsphere.local";
const PASSWORD: &str = "VMware1!";
/// The session id the driver sends to Prism when it asks for a particular answer.
const SESSION: &str = "b00db39f948d13ea1e59b4d6fce56389";
/// How long schemathesis may run.
const SCHEMATHESIS_LIMIT: Duration = Duration::from_secs(8 * 60);
/// The operations the driver can call; the spec must have exactly these.
const OPERATIONS: [&str; 5] = [
    "session_create",
    "session_delete",
    "session_get",
    "iso_image_mount",
    "vm_hardware_cdrom_disconnect",
];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: no tokio runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = match args.split_first() {
        Some((mode, rest)) if mode == "mock" => {
            options(rest, &["--prism", "--spec"]).and_then(|o| runtime.block_on(mock(&o[0], &o[1])))
        }
        Some((mode, rest)) if mode == "schemathesis" => {
            options(rest, &["--st", "--spec", "--seed", "--max-examples"]).and_then(|o| {
                runtime.block_on(schemathesis(
                    Path::new(&o[0]),
                    Path::new(&o[1]),
                    &o[2],
                    &o[3],
                ))
            })
        }
        _ => Err("usage: conformance mock --prism PATH --spec PATH\n       \
                  conformance schemathesis --st PATH --spec PATH --seed N --max-examples N"
            .to_string()),
    };
    match outcome {
        Ok(summary) => {
            println!("{summary}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

/// The values of `names`, each given once as `--name value`, in that order.
fn options(args: &[String], names: &[&str]) -> Result<Vec<String>, String> {
    let mut values = vec![None; names.len()];
    let mut iter = args.iter();
    while let Some(flag) = iter.next() {
        let index = names
            .iter()
            .position(|name| name == flag)
            .ok_or_else(|| format!("unknown option {flag:?}; expected {}", names.join(", ")))?;
        let value = iter.next().ok_or_else(|| format!("{flag} needs a value"))?;
        values[index] = Some(value.clone());
    }
    names
        .iter()
        .zip(values)
        .map(|(name, value)| value.ok_or_else(|| format!("{name} is required")))
        .collect()
}

fn logs_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/conformance/logs")
}

/// One answer to ask Prism for: an operation, a documented status, and one of its examples.
#[derive(Debug)]
struct Case {
    operation: String,
    /// As the spec writes it: `200`, `404`, `default`.
    status: String,
    /// The status Prism is asked for (for `default`, the one vCenter uses for the example's
    /// `error_type`).
    code: u16,
    /// The example's name and value; `None` for a response without a body.
    example: Option<(String, Value)>,
}

impl Case {
    fn label(&self) -> String {
        match &self.example {
            Some((name, _)) => format!("{} {} ({name})", self.operation, self.status),
            None => format!("{} {}", self.operation, self.status),
        }
    }

    fn prefer(&self) -> String {
        match &self.example {
            Some((name, _)) => format!("code={}, example={name}", self.code),
            None => format!("code={}", self.code),
        }
    }
}

/// Every documented response of every operation, one case per example. A response with a
/// body but no examples is an error: Prism would invent a body, and the spec is meant to show
/// realistic ones.
fn cases(spec: &Value) -> Result<Vec<Case>, String> {
    let paths = spec
        .get("paths")
        .and_then(Value::as_object)
        .ok_or("the spec has no paths")?;
    let mut cases = Vec::new();
    for (path, item) in paths {
        for method in [
            "get", "put", "post", "delete", "options", "head", "patch", "trace",
        ] {
            let Some(operation) = item.get(method) else {
                continue;
            };
            let id = operation
                .get("operationId")
                .and_then(Value::as_str)
                .ok_or_else(|| format!("{method} {path} has no operationId"))?;
            let responses = operation
                .get("responses")
                .and_then(Value::as_object)
                .ok_or_else(|| format!("{id} has no responses"))?;
            for (status, response) in responses {
                let content = response.pointer("/content/application~1json");
                let examples = content
                    .and_then(|c| c.get("examples"))
                    .and_then(Value::as_object);
                match (content, examples) {
                    (None, _) => cases.push(Case {
                        operation: id.to_string(),
                        status: status.clone(),
                        code: code_of(status, None)?,
                        example: None,
                    }),
                    (Some(_), None) => {
                        return Err(format!(
                            "{id} {status}: the response has a body but no `examples`"
                        ))
                    }
                    (Some(_), Some(examples)) => {
                        for (name, example) in examples {
                            let value = example.get("value").ok_or_else(|| {
                                format!("{id} {status}: the example {name:?} has no `value`")
                            })?;
                            cases.push(Case {
                                operation: id.to_string(),
                                status: status.clone(),
                                code: code_of(status, Some(value))?,
                                example: Some((name.clone(), value.clone())),
                            });
                        }
                    }
                }
            }
        }
    }
    Ok(cases)
}

/// The status to ask for: the documented one, or for `default` the status vCenter answers the
/// example's `error_type` with.
fn code_of(status: &str, example: Option<&Value>) -> Result<u16, String> {
    if status != "default" {
        return status
            .parse()
            .map_err(|_| format!("the status {status:?} is not a number"));
    }
    let error_type = example
        .and_then(|e| e.get("error_type"))
        .and_then(Value::as_str)
        .ok_or("a `default` example needs an `error_type`")?;
    let code = match error_type {
        "ALREADY_EXISTS"
        | "ALREADY_IN_DESIRED_STATE"
        | "FEATURE_IN_USE"
        | "INVALID_ARGUMENT"
        | "INVALID_ELEMENT_CONFIGURATION"
        | "INVALID_ELEMENT_TYPE"
        | "INVALID_REQUEST"
        | "NOT_ALLOWED_IN_CURRENT_STATE"
        | "RESOURCE_IN_USE"
        | "UNEXPECTED_INPUT" => 400,
        "UNAUTHENTICATED" => 401,
        "UNAUTHORIZED" => 403,
        "NOT_FOUND" => 404,
        "CONCURRENT_CHANGE" => 409,
        "SERVICE_UNAVAILABLE" => 503,
        "TIMED_OUT" => 504,
        _ => 500,
    };
    Ok(code)
}

fn mount_body() -> IsoImageMountRequestBody {
    IsoImageMountRequestBody {
        library_item: LibraryItemId::new("ubuntu-24.04-iso"),
        vm: VmId::new("vm-42"),
    }
}

/// Calls `operation` with valid arguments; its value, as text, on success.
async fn call(client: &Client, operation: &str) -> Option<Result<String, Error<StdErrorsError>>> {
    let result = match operation {
        "session_create" => client
            .session_create(USER, PASSWORD)
            .await
            .map(|session| session.expose_secret().to_string()),
        "session_delete" => client.session_delete().await.map(|()| String::new()),
        "session_get" => client.session_get().await.map(|info| {
            serde_json::json!({
                "user": info.user,
                "created_time": info.created_time,
                "last_accessed_time": info.last_accessed_time,
            })
            .to_string()
        }),
        "iso_image_mount" => client
            .iso_image_mount(&mount_body())
            .await
            .map(|cdrom| cdrom.to_string()),
        "vm_hardware_cdrom_disconnect" => client
            .vm_hardware_cdrom_disconnect(&VmId::new("vm-42"), &CdromId::new("3000"))
            .await
            .map(|()| String::new()),
        _ => return None,
    };
    Some(result)
}

/// A client that asks Prism for one particular answer and already has a session.
fn client_for(base_url: &str, case: &Case) -> Result<Client, String> {
    let mut headers = reqwest::header::HeaderMap::new();
    let prefer = reqwest::header::HeaderValue::from_str(&case.prefer())
        .map_err(|err| format!("{}: bad Prefer header: {err}", case.label()))?;
    headers.insert("prefer", prefer);
    let http = reqwest::Client::builder()
        .default_headers(headers)
        .timeout(Duration::from_secs(30))
        .build()
        .map_err(|err| format!("no HTTP client: {err}"))?;
    let session = SessionId::new(SESSION).ok_or("the mock session id is not a header value")?;
    Client::builder(base_url)
        .http_client(http)
        .session(session)
        .build()
        .map_err(|err| format!("no client: {err}"))
}

/// Whether the client's result is exactly the case's documented answer.
fn judge(case: &Case, result: Result<String, Error<StdErrorsError>>) -> Result<String, String> {
    // Logging out of a session that already expired (401) is done, by design.
    let expired_logout = case.operation == "session_delete" && case.code == 401;
    let success = (200..300).contains(&case.code) || expired_logout;
    match (success, result) {
        (true, Ok(value)) if expired_logout => Ok(format!("expired logout is done {value:?}")),
        (true, Ok(value)) => match &case.example {
            // A string example is the value itself; an object one is compared as JSON.
            Some((_, example))
                if example.as_str() != Some(value.as_str())
                    && serde_json::from_str::<Value>(&value).ok().as_ref() != Some(example) =>
            {
                Err(format!(
                    "expected the example's value {example}, got {value:?}"
                ))
            }
            _ => Ok(format!("success {value:?}")),
        },
        (true, Err(err)) => Err(format!(
            "expected success ({}), got the error: {err}",
            case.code
        )),
        (false, Ok(value)) => Err(format!(
            "expected the documented error {}, got success {value:?}",
            case.code
        )),
        (false, Err(err)) => {
            let Some((_, example)) = &case.example else {
                return match err.status() {
                    Some(status) if status == case.code => Ok(format!("error {status}: {err}")),
                    _ => Err(format!("expected the error {}, got: {err}", case.code)),
                };
            };
            let expected: StdErrorsError = serde_json::from_value(example.clone())
                .map_err(|e| format!("the example is not a Std_Errors_Error: {e}"))?;
            match err.kind() {
                ErrorKind::Api {
                    status,
                    body,
                    raw: None,
                } if *status == case.code && *body == expected => Ok(format!(
                    "typed error {status} {}",
                    err.error_type_name().unwrap_or("?")
                )),
                _ => Err(format!(
                    "expected the typed error {} {:?}, got: {err}",
                    case.code,
                    example.get("error_type")
                )),
            }
        }
    }
}

/// Reads the violations Prism logged for the call just made.
fn violations(prism: &mut Prism, settle: Duration) -> Vec<String> {
    std::thread::sleep(settle);
    prism.new_violations()
}

async fn mock(prism_path: &str, spec_path: &str) -> Result<String, String> {
    let spec_text = std::fs::read_to_string(spec_path)
        .map_err(|err| format!("cannot read {spec_path}: {err}"))?;
    let spec: Value = serde_yaml::from_str(&spec_text)
        .map_err(|err| format!("{spec_path} is not YAML: {err}"))?;
    let cases = cases(&spec)?;
    let in_spec: BTreeSet<&str> = cases.iter().map(|c| c.operation.as_str()).collect();
    let known: BTreeSet<&str> = OPERATIONS.into_iter().collect();
    if in_spec != known {
        return Err(format!(
            "the spec's operations {in_spec:?} differ from the ones this driver calls {known:?}: \
             add a call for each new operation"
        ));
    }

    let mut prism = Prism::start(
        Path::new(prism_path),
        Path::new(spec_path),
        Mode::Mock,
        &logs_dir(),
    )?;
    println!(
        "prism mock --errors listening on {} (pid {})",
        prism.base_url(),
        prism.pid()
    );
    let settle = Duration::from_millis(100);
    let mut failures = Vec::new();
    let mut passed = 0;

    // Valid calls without `Prefer`: each documented success, the session made by logging in
    // through Prism.
    let client = Client::builder(&prism.base_url())
        .credentials(USER, PASSWORD)
        .build()
        .map_err(|err| format!("no client: {err}"))?;
    for operation in [
        "iso_image_mount",
        "vm_hardware_cdrom_disconnect",
        "session_get",
        "session_delete",
        "session_create",
    ] {
        let label = format!("{operation} (valid call, no Prefer)");
        let outcome = match call(&client, operation).await {
            Some(Ok(value)) => Ok(format!("success {value:?}")),
            Some(Err(err)) => Err(format!("expected success, got: {err}")),
            None => Err("no call for this operation".to_string()),
        };
        record(
            &label,
            outcome,
            violations(&mut prism, settle),
            &mut passed,
            &mut failures,
        );
    }

    for case in &cases {
        let outcome = match client_for(&prism.base_url(), case) {
            Ok(client) => match call(&client, &case.operation).await {
                Some(result) => judge(case, result),
                None => Err("no call for this operation".to_string()),
            },
            Err(err) => Err(err),
        };
        record(
            &case.label(),
            outcome,
            violations(&mut prism, settle),
            &mut passed,
            &mut failures,
        );
    }

    let late = violations(&mut prism, Duration::from_millis(300));
    if !late.is_empty() {
        println!(
            "FAIL  after the last call, Prism logged: {}",
            late.join(" | ")
        );
        failures.push("after the last call".to_string());
    }
    let total = passed + failures.len();
    if failures.is_empty() {
        Ok(format!(
            "mock: {total} calls against prism mock, {passed} passed, 0 failed (operations: {})",
            OPERATIONS.join(", ")
        ))
    } else {
        Err(format!(
            "mock: {passed} passed, {} failed (each FAIL line above says why): {}\n(Prism's log: {})",
            failures.len(),
            failures.join("; "),
            prism.log_path().display()
        ))
    }
}

fn record(
    label: &str,
    outcome: Result<String, String>,
    violations: Vec<String>,
    passed: &mut usize,
    failures: &mut Vec<String>,
) {
    match (outcome, violations.is_empty()) {
        (Ok(what), true) => {
            *passed += 1;
            println!("ok    {label}: {what}");
        }
        (outcome, _) => {
            let mut why = Vec::new();
            if let Err(err) = outcome {
                why.push(err);
            }
            why.extend(violations.into_iter().map(|v| format!("Prism: {v}")));
            println!("FAIL  {label}: {}", why.join(" | "));
            failures.push(label.to_string());
        }
    }
}

async fn schemathesis(
    st: &Path,
    spec: &Path,
    seed: &str,
    max_examples: &str,
) -> Result<String, String> {
    let simulator = Simulator::start(World::demo())
        .await
        .map_err(|err| format!("the simulator must start: {err}"))?;
    let login = Client::new(&simulator.base_url()).map_err(|err| format!("no client: {err}"))?;
    let session = login
        .session_create(USER, PASSWORD)
        .await
        .map_err(|err| format!("cannot log in to the simulator: {err}"))?;
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("conformance/schemathesis.toml");
    // schemathesis keeps its caches in the working directory: under target/, not in the tree.
    let work_dir = logs_dir().join("..");
    let mut command = Command::new(st);
    command
        .current_dir(&work_dir)
        .arg("--config-file")
        .arg(&config)
        .arg("--no-color")
        .arg("run")
        .arg(spec)
        .args(["--url", &simulator.base_url()])
        .args([
            "--header",
            &format!("vmware-api-session-id: {}", session.expose_secret()),
        ])
        .args(["--auth", &format!("{USER}:{PASSWORD}")])
        .args([
            "--checks",
            "all",
            "--seed",
            seed,
            "--max-examples",
            max_examples,
        ])
        .args(["--workers", "1", "--request-timeout", "10"]);
    let mut child = command
        .spawn()
        .map_err(|err| format!("cannot start {}: {err}", st.display()))?;
    println!(
        "schemathesis (pid {}) against the simulator on {}",
        child.id(),
        simulator.base_url()
    );
    let deadline = Instant::now() + SCHEMATHESIS_LIMIT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "schemathesis still ran after {} s and was stopped",
                    SCHEMATHESIS_LIMIT.as_secs()
                ));
            }
            Err(err) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("cannot wait for schemathesis: {err}"));
            }
        }
    };
    if status.success() {
        Ok(format!(
            "schemathesis: seed {seed}, up to {max_examples} cases per operation and phase, no failure"
        ))
    } else {
        Err(format!(
            "schemathesis found answers of the simulator that break the spec, or server errors ({status}); \
             its report is above"
        ))
    }
}
