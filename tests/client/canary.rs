//! Canary secrets through every error path: a client with a canary password and session id
//! calls servers on 127.0.0.1 that echo everything they receive (headers, body, and the
//! secrets besides) in every shape an answer can take, and that issue a canary session id
//! in answers the client refuses. No canary may appear in any error's `Display`, `Debug`
//! (plain and pretty), source chain, messages, excerpt or raw body, nor in any line of the
//! TRACE log. The same for the credentials of security schemes (a bearer token, one a token
//! source gave, API keys in a header, the query and a cookie, a basic password), sent by the
//! shapes client to servers that echo them, the URL included. In a test binary of its own
//! because it installs the global subscriber.

mod support;

use std::time::Duration;

use serde_json::json;
use support::{raw_server, Script};
use vcenter_client::types::{
    CdromId, IsoImageMountRequestBody, LibraryItemId, StdErrorsError, VmId,
};
use vcenter_client::{Client, Error, RetryPolicy, SessionId};
use wiremock::matchers::{any, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const USER: &str = "canary-user";
const PASSWORD: &str = "CANARY-pw-3f81";
const SESSION: &str = "CANARY-session-a9d0";
/// `canary-user:CANARY-pw-3f81` in base64, as the basic authentication header carries it.
const BASIC: &str = "Y2FuYXJ5LXVzZXI6Q0FOQVJZLXB3LTNmODE=";
/// A session id a hostile server issues in an answer the client refuses.
const ISSUED: &str = "CANARY-issued-6b2c";
const CANARIES: [&str; 4] = [PASSWORD, SESSION, BASIC, ISSUED];

const BEARER: &str = "CANARY-bearer-71c4";
/// What a token source gives, for the bearer scheme.
const SOURCED: &str = "CANARY-sourced-2e95";
const HEADER_KEY: &str = "CANARY-hkey-5a10";
/// An API key in the query, with characters a URL encodes.
const QUERY_KEY: &str = "CANARY-qkey 8d/3";
const COOKIE_KEY: &str = "CANARY-ckey-0b77";
const BASIC_PASSWORD: &str = "CANARY-basicpw-c3e1";
/// The credentials of security schemes, and the query key as URLs carry it.
const SCHEME_CANARIES: [&str; 8] = [
    BEARER,
    SOURCED,
    HEADER_KEY,
    QUERY_KEY,
    "CANARY-qkey+8d%2F3",
    "CANARY-qkey%208d%2F3",
    COOKIE_KEY,
    BASIC_PASSWORD,
];

/// A `tracing` writer that keeps everything written to it.
#[derive(Clone, Default)]
struct CapturedLog(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for CapturedLog {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut log) = self.0.lock() {
            log.extend_from_slice(bytes);
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Everything a server received, and the secrets besides, as text.
fn echo(request: &Request) -> String {
    let mut text = String::new();
    for (name, value) in &request.headers {
        text.push_str(&format!("{name}: {}\n", value.to_str().unwrap_or("?")));
    }
    text.push_str(&String::from_utf8_lossy(&request.body));
    text.push_str(&format!(
        "\nremembered {PASSWORD} {SESSION} Basic {BASIC} {USER}:{PASSWORD}"
    ));
    text
}

/// The shapes of an answer that carries the echo.
#[derive(Clone, Copy, Debug)]
enum Shape {
    Text,
    Html,
    StandardError,
    OffSpecError,
    JsonWithoutErrorType,
    EscapedJson,
    Empty,
}

fn answer(request: &Request, status: u16, shape: Shape) -> ResponseTemplate {
    let echoed = echo(request);
    let template = ResponseTemplate::new(status);
    match shape {
        Shape::Text => template.set_body_string(echoed),
        Shape::Html => template.set_body_raw(
            format!("<html><body><pre>{echoed}</pre></body></html>"),
            "text/html",
        ),
        Shape::StandardError => template.set_body_json(json!({
            "error_type": "INVALID_ARGUMENT",
            "messages": [{
                "id": "echo",
                "default_message": format!("{{0}} {{who}} {echoed}"),
                "args": [echoed.clone()],
                "params": {"who": {"s": echoed.clone()}},
                "localized": echoed.clone()
            }],
            "data": {echoed.clone(): echoed}
        })),
        Shape::OffSpecError => template.set_body_json(json!({
            "error_type": "ALREADY_IN_DESIRED_STATE",
            "messages": [{"id": "echo", "default_message": "{0}", "args": [7, echoed.clone()],
                          "params": {"x": echoed.clone()}}],
            "data": echoed
        })),
        Shape::JsonWithoutErrorType => template.set_body_json(json!({ "echo": echoed, "n": 1 })),
        // Every character of the echo escaped as `\uXXXX`: only a decoder sees the secrets.
        Shape::EscapedJson => {
            let escaped: String = echoed
                .encode_utf16()
                .map(|unit| format!("\\u{unit:04x}"))
                .collect();
            template.set_body_raw(
                format!("{{\"error_type\": \"ERROR\", \"messages\": [], \"data\": {{\"x\": \"{escaped}\"}}, \"extra\": \"{escaped}\"}}"),
                "application/json",
            )
        }
        Shape::Empty => template,
    }
}

/// A request body that carries the session id's text, so that an echo of the body must be
/// scrubbed too.
fn mount_body() -> IsoImageMountRequestBody {
    IsoImageMountRequestBody {
        library_item: LibraryItemId::new(format!("lib-{SESSION}")),
        vm: VmId::new("vm-42"),
    }
}

fn client(base_url: &str) -> Client {
    Client::builder(base_url)
        .session(SessionId::new(SESSION).expect("a valid session id"))
        .credentials(USER, PASSWORD)
        .timeout(Duration::from_millis(400))
        .build()
        .expect("a valid base URL")
}

#[derive(Clone, Copy, Debug)]
enum Call {
    Login,
    Logout,
    Mount,
    Disconnect,
}

async fn call(client: &Client, which: Call) -> Option<Error<StdErrorsError>> {
    match which {
        Call::Login => client.session_create(USER, PASSWORD).await.err(),
        Call::Logout => client.session_delete().await.err(),
        Call::Mount => client.iso_image_mount(&mount_body()).await.err(),
        Call::Disconnect => client
            .vm_hardware_cdrom_disconnect(&VmId::new("vm-42"), &CdromId::new("3000"))
            .await
            .err(),
    }
}

/// Every text a caller or a log could show of `err`.
fn shown(err: &Error<StdErrorsError>) -> String {
    let mut text = format!("{err}\n{err:?}\n{err:#?}\n{:?}", err.messages());
    text.push_str(&format!("\n{:?}\n{:?}", err.excerpt(), err.raw_body()));
    let mut source = std::error::Error::source(err);
    while let Some(inner) = source {
        text.push_str(&format!("\n{inner}\n{inner:?}"));
        source = inner.source();
    }
    text
}

#[tokio::test]
async fn no_canary_secret_appears_in_any_error_or_log_line() {
    let log = CapturedLog::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::FULL)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");

    let mut errors: Vec<(String, Error<StdErrorsError>)> = Vec::new();
    let shapes = [
        Shape::Text,
        Shape::Html,
        Shape::StandardError,
        Shape::OffSpecError,
        Shape::JsonWithoutErrorType,
        Shape::EscapedJson,
        Shape::Empty,
    ];
    // Every call, every error status class, every shape, echoing.
    for status in [200, 201, 400, 401, 404, 500, 502, 503] {
        for shape in shapes {
            let server = MockServer::start().await;
            Mock::given(any())
                .respond_with(move |request: &Request| answer(request, status, shape))
                .mount(&server)
                .await;
            for which in [Call::Login, Call::Logout, Call::Mount, Call::Disconnect] {
                let client = client(&server.uri());
                if let Some(err) = call(&client, which).await {
                    errors.push((format!("{which:?} {status} {shape:?}"), err));
                }
            }
        }
    }

    // Logins whose answers carry a new session id the client refuses.
    for answer in [
        ResponseTemplate::new(201).set_body_string(ISSUED),
        ResponseTemplate::new(201).set_body_json(json!({ "value": ISSUED })),
        ResponseTemplate::new(200).set_body_json(ISSUED),
        ResponseTemplate::new(201).set_body_json(json!([ISSUED])),
        ResponseTemplate::new(201).set_body_json(format!("{ISSUED}\r\n")),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/api/session"))
            .respond_with(answer)
            .mount(&server)
            .await;
        Mock::given(any())
            .respond_with(ResponseTemplate::new(401))
            .mount(&server)
            .await;
        for which in [Call::Login, Call::Disconnect] {
            if let Some(err) = call(&client(&server.uri()), which).await {
                errors.push((format!("{which:?} issuing a session"), err));
            }
        }
    }

    // A redirect to another origin, with retries on.
    let other = MockServer::start().await;
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(307)
                .insert_header("location", format!("{}/x", other.uri()).as_str()),
        )
        .mount(&server)
        .await;
    let retrying = Client::builder(&server.uri())
        .session(SessionId::new(SESSION).expect("valid"))
        .credentials(USER, PASSWORD)
        .retry(RetryPolicy::new().initial_backoff(Duration::from_millis(1)))
        .build()
        .expect("client");
    for which in [Call::Login, Call::Logout, Call::Mount, Call::Disconnect] {
        if let Some(err) = call(&retrying, which).await {
            errors.push((format!("{which:?} redirected"), err));
        }
    }
    assert_eq!(other.received_requests().await.map(|r| r.len()), Some(0));

    // Timeouts, a cut body, a body over the limit, no session, a bad argument.
    for script in [
        Script::Silent,
        Script::StallBody {
            announced: 100,
            sent: 10,
        },
        Script::CutBody {
            announced: 100,
            sent: 10,
        },
    ] {
        let base_url = raw_server(script).await;
        for which in [Call::Login, Call::Mount] {
            if let Some(err) = call(&client(&base_url), which).await {
                errors.push((format!("{which:?} {script:?}"), err));
            }
        }
    }
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(|request: &Request| {
            ResponseTemplate::new(500).set_body_string(echo(request).repeat(50))
        })
        .mount(&server)
        .await;
    let small = Client::builder(&server.uri())
        .session(SessionId::new(SESSION).expect("valid"))
        .max_response_body(64)
        .build()
        .expect("client");
    if let Some(err) = call(&small, Call::Mount).await {
        errors.push(("body over the limit".to_string(), err));
    }
    let without_session = Client::new(&server.uri()).expect("client");
    if let Some(err) = call(&without_session, Call::Disconnect).await {
        errors.push(("no session".to_string(), err));
    }
    if let Err(err) = client(&server.uri())
        .vm_hardware_cdrom_disconnect(&VmId::new(".."), &CdromId::new("3000"))
        .await
    {
        errors.push(("invalid argument".to_string(), err));
    }

    let scheme_errors = scheme_errors().await;

    // The test must see the error paths it exists for.
    assert!(errors.len() > 200, "only {} errors", errors.len());
    for (what, variant) in [
        ("Api", "Api {"),
        ("Decode", "Decode {"),
        ("UnexpectedStatus", "UnexpectedStatus {"),
        ("Login", "Login {"),
        ("Redirect", "Redirect {"),
        ("Timeout", "Timeout {"),
        ("TruncatedBody", "TruncatedBody {"),
        ("BodyTooLarge", "BodyTooLarge {"),
        ("NoSession", "NoSession"),
        ("InvalidArgument", "InvalidArgument {"),
    ] {
        assert!(
            errors
                .iter()
                .any(|(_, err)| format!("{:?}", err.kind()).starts_with(variant)),
            "no {what} error among the cases"
        );
    }
    assert!(
        errors
            .iter()
            .any(|(_, err)| err.raw_body().is_some() && err.messages().len() == 1),
        "no lenient API error among the cases"
    );
    assert!(
        errors
            .iter()
            .any(|(_, err)| shown(err).contains("[redacted]")),
        "nothing was scrubbed: the echo did not reach an error"
    );

    assert!(
        scheme_errors.len() > 60,
        "only {} errors with scheme credentials",
        scheme_errors.len()
    );
    for variant in [
        "Api {",
        "Decode {",
        "UnexpectedStatus {",
        "Timeout {",
        "TruncatedBody {",
        "Transport(",
    ] {
        assert!(
            scheme_errors
                .iter()
                .any(|(_, debug, _)| debug.starts_with(variant)),
            "no {variant} error among the cases with scheme credentials"
        );
    }
    assert!(
        scheme_errors
            .iter()
            .any(|(_, _, text)| text.contains("[redacted]")),
        "nothing was scrubbed: the echo of the scheme credentials did not reach an error"
    );

    let all_canaries: Vec<&str> = CANARIES.iter().chain(&SCHEME_CANARIES).copied().collect();
    let mut leaks = Vec::new();
    let texts = errors
        .iter()
        .map(|(what, err)| (what.clone(), shown(err)))
        .chain(
            scheme_errors
                .into_iter()
                .map(|(what, _, text)| (what, text)),
        );
    for (what, text) in texts {
        for canary in &all_canaries {
            if text.contains(canary) {
                leaks.push(format!("{what}: {canary} in\n{text}"));
            }
        }
    }
    let log =
        String::from_utf8_lossy(&log.0.lock().map(|l| l.clone()).unwrap_or_default()).into_owned();
    assert!(log.contains("call failed"), "the log captured no error");
    for line in log.lines() {
        for canary in &all_canaries {
            if line.contains(canary) {
                leaks.push(format!("log: {canary} in {line}"));
            }
        }
    }
    assert!(
        leaks.is_empty(),
        "{} leaks:\n{}",
        leaks.len(),
        leaks.join("\n\n")
    );
}

/// Gives the same token on every call.
struct FixedToken(&'static str);

impl shapes_client::TokenSource for FixedToken {
    fn token(&self) -> shapes_client::TokenFuture<'_> {
        Box::pin(async move { Ok(self.0.to_string()) })
    }
}

/// Everything a server received, the URL included, and each credential it received besides,
/// alone and decoded.
fn echo_with_url(request: &Request) -> (String, Vec<String>) {
    let mut text = format!("{} {}\n", request.method, request.url);
    let mut alone = Vec::new();
    for (name, value) in &request.headers {
        let value = value.to_str().unwrap_or("?");
        text.push_str(&format!("{name}: {value}\n"));
        match name.as_str() {
            "authorization" if value.starts_with("Basic ") => alone.push(BASIC_PASSWORD.into()),
            "authorization" => alone.push(value.trim_start_matches("Bearer ").to_string()),
            "x-api-key" => alone.push(value.to_string()),
            "cookie" => alone.push(value.trim_start_matches("token=").to_string()),
            _ => {}
        }
    }
    alone.extend(
        request
            .url
            .query_pairs()
            .filter(|(name, _)| name == "api_key")
            .map(|(_, value)| value.into_owned()),
    );
    text.push_str(&format!("\nreceived {}", alone.join(" ")));
    (text, alone)
}

/// The answers of a server that echoes scheme credentials: (status, body, content type).
fn scheme_answer(request: &Request, status: u16, shape: Shape) -> ResponseTemplate {
    let (echoed, alone) = echo_with_url(request);
    let first = alone.first().cloned().unwrap_or_default();
    let last = alone.last().cloned().unwrap_or_default();
    let template = ResponseTemplate::new(status);
    match shape {
        Shape::Text => template.set_body_string(echoed),
        Shape::Html => template.set_body_raw(
            format!("<html><body><h1>Not found</h1><p>{echoed}</p></body></html>"),
            "text/html",
        ),
        // The documented error body (`Problem`), or at a success status an object that is no
        // pet.
        Shape::StandardError => {
            template.set_body_json(json!({ "message": echoed.clone(), "detail": first }))
        }
        Shape::OffSpecError => template.set_body_json(json!({ "message": 7, "detail": echoed })),
        Shape::JsonWithoutErrorType => template.set_body_json(json!(last)),
        Shape::EscapedJson => {
            let escaped: String = echoed
                .encode_utf16()
                .map(|unit| format!("\\u{unit:04x}"))
                .collect();
            template.set_body_raw(
                format!("{{\"message\": \"{escaped}\", \"detail\": 3}}"),
                "application/json",
            )
        }
        Shape::Empty => template,
    }
}

/// The clients that send scheme credentials: fixed ones, ones from token sources, HTTP basic.
fn scheme_clients(base_url: &str) -> Vec<(&'static str, shapes_client::Client)> {
    let fixed = shapes_client::Client::builder(base_url)
        .credential("bearer", BEARER)
        .credential("headerKey", HEADER_KEY)
        .credential("queryKey", QUERY_KEY)
        .credential("cookieKey", COOKIE_KEY);
    let sourced = shapes_client::Client::builder(base_url)
        .token_source("bearer", FixedToken(SOURCED))
        .credential("headerKey", HEADER_KEY)
        .token_source("queryKey", FixedToken(QUERY_KEY))
        .credential("cookieKey", COOKIE_KEY);
    let basic =
        shapes_client::Client::builder(base_url).basic_credentials("basic", USER, BASIC_PASSWORD);
    [("fixed", fixed), ("sourced", sourced), ("basic", basic)]
        .into_iter()
        .map(|(what, builder)| {
            let client = builder
                .timeout(Duration::from_millis(400))
                .build()
                .expect("a valid base URL");
            (what, client)
        })
        .collect()
}

/// Every text a caller or a log could show of `err`.
fn shown_scheme_error(err: &shapes_client::Error<shapes_client::types::Problem>) -> String {
    let mut text = format!("{err}\n{err:?}\n{err:#?}");
    text.push_str(&format!("\n{:?}\n{:?}", err.excerpt(), err.raw_body()));
    let mut source = std::error::Error::source(err);
    while let Some(inner) = source {
        text.push_str(&format!("\n{inner}\n{inner:?}"));
        source = inner.source();
    }
    text
}

/// The errors of calls with scheme credentials to servers that echo them, or that time out,
/// cut the body short or refuse the connection: (case, `Debug`, every text shown).
async fn scheme_errors() -> Vec<(String, String, String)> {
    let mut errors = Vec::new();
    let mut record = |what: String, err: shapes_client::Error<shapes_client::types::Problem>| {
        errors.push((what, format!("{:?}", err.kind()), shown_scheme_error(&err)));
    };
    let shapes = [
        Shape::Text,
        Shape::Html,
        Shape::StandardError,
        Shape::OffSpecError,
        Shape::JsonWithoutErrorType,
        Shape::EscapedJson,
        Shape::Empty,
    ];
    for status in [200, 400, 401, 404, 500] {
        for shape in shapes {
            let server = MockServer::start().await;
            Mock::given(any())
                .respond_with(move |request: &Request| scheme_answer(request, status, shape))
                .mount(&server)
                .await;
            for (which, client) in scheme_clients(&server.uri()) {
                if let Err(err) = client.get_secured("pet-1").await {
                    record(format!("{which} {status} {shape:?}"), err);
                }
            }
        }
    }
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
        format!("http://{}", listener.local_addr().expect("its address"))
    };
    let mut base_urls = vec![("refused".to_string(), closed)];
    for script in [
        Script::Silent,
        Script::StallBody {
            announced: 100,
            sent: 10,
        },
        Script::CutBody {
            announced: 100,
            sent: 10,
        },
    ] {
        base_urls.push((format!("{script:?}"), raw_server(script).await));
    }
    for (what, base_url) in base_urls {
        for (which, client) in scheme_clients(&base_url) {
            if let Err(err) = client.get_secured("pet-1").await {
                record(format!("{which} {what}"), err);
            }
        }
    }
    errors
}
