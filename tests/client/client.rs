//! End-to-end tests of the generated client against a real HTTP server on 127.0.0.1
//! (wiremock): sessions, both operations, every documented error, hostile answers and
//! path injection.

use std::time::Duration;

use serde_json::json;
use vcenter_client::types::{
    CdromId, IsoImageMountRequestBody, LibraryItemId, StdErrorsError, StdErrorsErrorType, VmId,
};
use vcenter_client::{Client, Error, ErrorKind, RetryPolicy, SessionId, TimeoutPhase};
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const SESSION_HEADER: &str = "vmware-api-session-id";

/// A client of `server` that already holds the session `sess-1`.
fn client_with_session(server: &MockServer) -> Client {
    let session = SessionId::new("sess-1").expect("a valid session id");
    Client::builder(&server.uri())
        .session(session)
        .build()
        .expect("the mock server's URL is a valid base URL")
}

fn mount_body() -> IsoImageMountRequestBody {
    IsoImageMountRequestBody {
        library_item: LibraryItemId::new("lib-item-7"),
        vm: VmId::new("vm-42"),
    }
}

/// A standard error body as vCenter sends it.
fn error_body(error_type: &str, message: &str) -> serde_json::Value {
    json!({
        "error_type": error_type,
        "messages": [
            {
                "id": "vapi.std.errors.example",
                "default_message": message,
                "args": ["vm-42"],
                "params": {"vm": {"s": "vm-42"}}
            },
            {
                "id": "vapi.std.errors.cause",
                "default_message": "The cause.",
                "args": []
            }
        ]
    })
}

/// The API error inside `err`, or a failure naming what came instead.
fn api_error(err: &Error<StdErrorsError>) -> (u16, &StdErrorsError) {
    match err.kind() {
        ErrorKind::Api {
            status,
            body,
            raw: None,
        } => (*status, body),
        other => panic!("expected a documented API error, got {other:?}"),
    }
}

#[tokio::test]
async fn create_session_then_the_header_is_on_later_calls() {
    let server = MockServer::start().await;
    // "administrator@vsphere.local:secret" in base64.
    Mock::given(method("POST"))
        .and(path("/api/session"))
        .and(header(
            "authorization",
            "Basic YWRtaW5pc3RyYXRvckB2c3BoZXJlLmxvY2FsOnNlY3JldA==",
        ))
        .respond_with(ResponseTemplate::new(201).set_body_json("sess-abc"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/vcenter/vm/vm-42/hardware/cdrom/3000"))
        .and(query_param("action", "disconnect"))
        .and(header(SESSION_HEADER, "sess-abc"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/api/session"))
        .and(header(SESSION_HEADER, "sess-abc"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;

    let client = Client::new(&server.uri()).expect("valid base URL");
    let session = client
        .session_create("administrator@vsphere.local", "secret")
        .await
        .expect("the session is created");
    assert_eq!(session.expose_secret(), "sess-abc");
    assert_eq!(client.session(), Some(session));

    client
        .vm_hardware_cdrom_disconnect(&VmId::new("vm-42"), &CdromId::new("3000"))
        .await
        .expect("the CD-ROM is disconnected");

    client.session_delete().await.expect("the session ends");
    assert_eq!(
        client.session(),
        None,
        "the client forgets an ended session"
    );
    match client
        .vm_hardware_cdrom_disconnect(&VmId::new("vm-42"), &CdromId::new("3000"))
        .await
        .map_err(|e| e.into_kind())
    {
        Err(ErrorKind::NoSession) => {}
        other => panic!("after logging out a call needs a new session, got {other:?}"),
    }
}

#[tokio::test]
async fn mount_sends_the_body_and_returns_the_new_cdrom_id() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/vcenter/iso/image"))
        .and(query_param("action", "mount"))
        .and(header(SESSION_HEADER, "sess-1"))
        .and(header("content-type", "application/json"))
        .and(body_json(
            json!({"library_item": "lib-item-7", "vm": "vm-42"}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json("3001"))
        .expect(1)
        .mount(&server)
        .await;

    let cdrom = client_with_session(&server)
        .iso_image_mount(&mount_body())
        .await
        .expect("the ISO image is mounted");
    assert_eq!(cdrom, CdromId::new("3001"));
}

#[tokio::test]
async fn calls_that_need_a_session_are_not_sent_without_one() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;
    let client = Client::new(&server.uri()).expect("valid base URL");
    match client
        .iso_image_mount(&mount_body())
        .await
        .map_err(|e| e.into_kind())
    {
        Err(ErrorKind::NoSession) => {}
        other => panic!("expected NoSession, got {other:?}"),
    }
}

/// `check` for one documented error: the status and body the server sends, and what the
/// caller must see.
async fn check_mount_error(status: u16, error_type: &str, expected: StdErrorsErrorType) {
    let server = MockServer::start().await;
    let message = format!("{error_type} happened.");
    Mock::given(method("POST"))
        .and(path("/api/vcenter/iso/image"))
        .respond_with(ResponseTemplate::new(status).set_body_json(error_body(error_type, &message)))
        .mount(&server)
        .await;
    let err = client_with_session(&server)
        .iso_image_mount(&mount_body())
        .await
        .expect_err("the server answers with an error");
    check_error(&err, status, &expected, &message, error_type);
}

async fn check_disconnect_error(status: u16, error_type: &str, expected: StdErrorsErrorType) {
    let server = MockServer::start().await;
    let message = format!("{error_type} happened.");
    Mock::given(method("POST"))
        .and(path("/api/vcenter/vm/vm-42/hardware/cdrom/3000"))
        .respond_with(ResponseTemplate::new(status).set_body_json(error_body(error_type, &message)))
        .mount(&server)
        .await;
    let err = client_with_session(&server)
        .vm_hardware_cdrom_disconnect(&VmId::new("vm-42"), &CdromId::new("3000"))
        .await
        .expect_err("the server answers with an error");
    check_error(&err, status, &expected, &message, error_type);
}

fn check_error(
    err: &Error<StdErrorsError>,
    status: u16,
    expected: &StdErrorsErrorType,
    message: &str,
    error_type: &str,
) {
    let (got_status, body) = api_error(err);
    assert_eq!(got_status, status);
    assert_eq!(err.status(), Some(status));
    assert_eq!(
        err.error_type(),
        Some(expected),
        "HTTP {status} {error_type}"
    );
    assert_eq!(body.messages.len(), 2, "the whole message stack is decoded");
    assert_eq!(body.messages[0].default_message, message);
    assert_eq!(body.messages[0].args, ["vm-42"]);
    let param = &body.messages[0].params.as_ref().expect("params decoded")["vm"];
    assert_eq!(param.s.as_deref(), Some("vm-42"));
    assert_eq!(body.messages[1].default_message, "The cause.");
    assert_eq!(
        err.kind().to_string(),
        format!("HTTP {status}: {error_type}: {message}")
    );
}

#[tokio::test]
async fn every_documented_mount_error_decodes_to_its_error_type() {
    use StdErrorsErrorType as T;
    check_mount_error(400, "INVALID_ARGUMENT", T::InvalidArgument).await;
    check_mount_error(
        400,
        "NOT_ALLOWED_IN_CURRENT_STATE",
        T::NotAllowedInCurrentState,
    )
    .await;
    check_mount_error(404, "NOT_FOUND", T::NotFound).await;
    check_mount_error(500, "RESOURCE_INACCESSIBLE", T::ResourceInaccessible).await;
    // `default`: any other status still carries the standard error.
    check_mount_error(401, "UNAUTHENTICATED", T::Unauthenticated).await;
    check_mount_error(409, "CONCURRENT_CHANGE", T::ConcurrentChange).await;
}

#[tokio::test]
async fn every_documented_disconnect_error_decodes_to_its_error_type() {
    use StdErrorsErrorType as T;
    check_disconnect_error(400, "ALREADY_IN_DESIRED_STATE", T::AlreadyInDesiredState).await;
    check_disconnect_error(
        400,
        "NOT_ALLOWED_IN_CURRENT_STATE",
        T::NotAllowedInCurrentState,
    )
    .await;
    check_disconnect_error(401, "UNAUTHENTICATED", T::Unauthenticated).await;
    check_disconnect_error(403, "UNAUTHORIZED", T::Unauthorized).await;
    check_disconnect_error(404, "NOT_FOUND", T::NotFound).await;
    check_disconnect_error(500, "ERROR", T::Error).await;
    check_disconnect_error(500, "RESOURCE_BUSY", T::ResourceBusy).await;
    check_disconnect_error(500, "RESOURCE_INACCESSIBLE", T::ResourceInaccessible).await;
    check_disconnect_error(503, "SERVICE_UNAVAILABLE", T::ServiceUnavailable).await;
}

#[tokio::test]
async fn an_unknown_error_type_is_kept_not_rejected() {
    check_disconnect_error(
        400,
        "QUOTA_EXCEEDED",
        StdErrorsErrorType::Unknown("QUOTA_EXCEEDED".to_string()),
    )
    .await;
}

#[tokio::test]
async fn a_non_json_500_is_a_decode_error_with_an_excerpt() {
    let server = MockServer::start().await;
    let html = format!(
        "<html><body>Internal error{}</body></html>",
        "!".repeat(2000)
    );
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500).set_body_string(html.clone()))
        .mount(&server)
        .await;
    let err = client_with_session(&server)
        .vm_hardware_cdrom_disconnect(&VmId::new("vm-42"), &CdromId::new("3000"))
        .await
        .expect_err("a 500 is an error");
    match err.kind() {
        ErrorKind::Decode {
            status, excerpt, ..
        } => {
            assert_eq!(*status, 500);
            assert!(
                excerpt.starts_with("<html><body>Internal error!!!"),
                "{excerpt}"
            );
            assert_eq!(
                excerpt.chars().count(),
                vcenter_client::EXCERPT_LIMIT + 1,
                "bounded, with an ellipsis"
            );
        }
        other => panic!("expected Decode, got {other:?}"),
    }
    assert_eq!(err.error_type(), None);
}

#[tokio::test]
async fn a_200_with_a_malformed_body_is_a_decode_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{\"not\": \"a string\"}"))
        .mount(&server)
        .await;
    match client_with_session(&server)
        .iso_image_mount(&mount_body())
        .await
        .map_err(|e| e.into_kind())
    {
        Err(ErrorKind::Decode {
            status, excerpt, ..
        }) => {
            assert_eq!(status, 200);
            assert_eq!(excerpt, "{\"not\": \"a string\"}");
        }
        other => panic!("expected Decode, got {other:?}"),
    }
}

#[tokio::test]
async fn an_undocumented_status_is_unexpected() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(502).set_body_string("Bad Gateway"))
        .mount(&server)
        .await;
    match client_with_session(&server)
        .vm_hardware_cdrom_disconnect(&VmId::new("vm-42"), &CdromId::new("3000"))
        .await
        .map_err(|e| e.into_kind())
    {
        Err(ErrorKind::UnexpectedStatus { status, excerpt }) => {
            assert_eq!(status, 502);
            assert_eq!(excerpt, "Bad Gateway");
        }
        other => panic!("expected UnexpectedStatus, got {other:?}"),
    }
}

#[tokio::test]
async fn a_documented_error_with_an_empty_body_is_reported_with_its_status() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    match client_with_session(&server)
        .vm_hardware_cdrom_disconnect(&VmId::new("vm-42"), &CdromId::new("3000"))
        .await
        .map_err(|e| e.into_kind())
    {
        Err(ErrorKind::UnexpectedStatus { status, excerpt }) => {
            assert_eq!(status, 401);
            assert_eq!(excerpt, "");
        }
        other => panic!("expected UnexpectedStatus, got {other:?}"),
    }
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json("x".repeat(4096)))
        .mount(&server)
        .await;
    let client = Client::builder(&server.uri())
        .session(SessionId::new("sess-1").expect("valid"))
        .max_response_body(1024)
        .build()
        .expect("valid base URL");
    match client
        .iso_image_mount(&mount_body())
        .await
        .map_err(|e| e.into_kind())
    {
        Err(ErrorKind::BodyTooLarge { status, limit }) => {
            assert_eq!((status, limit), (200, 1024));
        }
        other => panic!("expected BodyTooLarge, got {other:?}"),
    }
}

#[tokio::test]
async fn path_arguments_cannot_change_the_path_or_query() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let client = client_with_session(&server);
    client
        .vm_hardware_cdrom_disconnect(
            &VmId::new("../../session?action=x#frag"),
            &CdromId::new("a/b%2F.."),
        )
        .await
        .expect("the request is sent with the ids encoded");

    let requests: Vec<Request> = server.received_requests().await.expect("recording is on");
    assert_eq!(requests.len(), 1);
    let url = &requests[0].url;
    assert_eq!(
        url.path(),
        "/api/vcenter/vm/..%2F..%2Fsession%3Faction%3Dx%23frag/hardware/cdrom/a%2Fb%252F.."
    );
    assert_eq!(url.query(), Some("action=disconnect"));
    assert_eq!(url.fragment(), None);

    for bad in ["..", ".", ""] {
        match client
            .vm_hardware_cdrom_disconnect(&VmId::new(bad), &CdromId::new("3000"))
            .await
            .map_err(|e| e.into_kind())
        {
            Err(ErrorKind::InvalidArgument { name, .. }) => assert_eq!(name, "vm"),
            other => panic!("{bad:?} must be refused before sending, got {other:?}"),
        }
    }
    assert_eq!(
        server.received_requests().await.map(|r| r.len()),
        Some(1),
        "refused ids send nothing"
    );
}

/// Only the unreserved bytes stay as they are: sub-delimiters, `:`, `@`, a space and non-ASCII
/// text are escaped too (a path-segment set such as the URL standard's would keep some).
#[tokio::test]
async fn path_arguments_keep_only_unreserved_bytes_unescaped() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let client = client_with_session(&server);
    client
        .vm_hardware_cdrom_disconnect(
            &VmId::new("Az09-._~ !$&'()*+,;=:@"),
            &CdromId::new("é\u{1F4BF}\"<>[]^`{|}\\"),
        )
        .await
        .expect("the request is sent with the ids encoded");

    let requests: Vec<Request> = server.received_requests().await.expect("recording is on");
    assert_eq!(requests.len(), 1);
    assert_eq!(
        requests[0].url.path(),
        "/api/vcenter/vm/Az09-._~%20%21%24%26%27%28%29%2A%2B%2C%3B%3D%3A%40/hardware/cdrom/\
         %C3%A9%F0%9F%92%BF%22%3C%3E%5B%5D%5E%60%7B%7C%7D%5C"
    );
}

#[tokio::test]
async fn secrets_never_appear_in_debug_display_or_errors() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/session"))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(error_body("UNAUTHENTICATED", "Bad login.")),
        )
        .mount(&server)
        .await;
    let client = client_with_session(&server);
    let err = client
        .session_create("administrator@vsphere.local", "hunter2-password")
        .await
        .expect_err("the login is refused");
    assert_eq!(err.error_type(), Some(&StdErrorsErrorType::Unauthenticated));
    for text in [err.to_string(), format!("{err:?}"), format!("{client:?}")] {
        assert!(!text.contains("hunter2"), "the password leaked: {text}");
        assert!(!text.contains("sess-1"), "the session id leaked: {text}");
    }
    let session = SessionId::new("sess-1").expect("valid");
    assert_eq!(format!("{session:?}"), "SessionId(<redacted>)");
}

#[tokio::test]
async fn a_hostile_session_id_is_refused() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/session"))
        .respond_with(ResponseTemplate::new(201).set_body_json("abc\r\nX-Injected: 1"))
        .mount(&server)
        .await;
    let client = Client::new(&server.uri()).expect("valid base URL");
    match client
        .session_create("user", "password")
        .await
        .map_err(|e| e.into_kind())
    {
        Err(ErrorKind::Decode {
            status, excerpt, ..
        }) => {
            assert_eq!(status, 201);
            assert!(
                !excerpt.contains("abc"),
                "the refused id is not echoed: {excerpt}"
            );
        }
        other => panic!("expected Decode, got {other:?}"),
    }
    assert_eq!(client.session(), None);
}

#[test]
fn a_bad_base_url_is_a_build_error() {
    for url in [
        "not a url",
        "ftp://vcenter.example.com",
        "https://vc.example.com/?x=1",
    ] {
        match Client::new(url) {
            Err(vcenter_client::ClientBuildError::InvalidBaseUrl { url: given, .. }) => {
                assert_eq!(given, url)
            }
            other => panic!("{url:?} must be refused, got {other:?}"),
        }
    }
}

/// A client of `server` with the session `sess-1`, a request timeout and a retry policy.
fn retrying_client(server: &MockServer, timeout: Duration, max_backoff: Duration) -> Client {
    Client::builder(&server.uri())
        .session(SessionId::new("sess-1").expect("a valid session id"))
        .timeout(timeout)
        .retry(
            RetryPolicy::new()
                .max_attempts(4)
                .initial_backoff(Duration::from_millis(1))
                .max_backoff(max_backoff),
        )
        .build()
        .expect("client")
}

#[tokio::test]
async fn mount_is_never_retried_after_a_timeout() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/vcenter/iso/image"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!("3001"))
                .set_delay(Duration::from_millis(800)),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = retrying_client(&server, Duration::from_millis(200), Duration::from_secs(1));
    match client
        .iso_image_mount(&mount_body())
        .await
        .map_err(|e| e.into_kind())
    {
        Err(ErrorKind::Timeout {
            phase: TimeoutPhase::Response,
            after: Some(after),
            status: None,
            ..
        }) => assert_eq!(after, Duration::from_millis(200)),
        other => panic!("expected a timeout, got {other:?}"),
    }
    // `expect(1)`, checked when the server drops: the mount was sent once, not repeated,
    // because the server may have created the CD-ROM before the client gave up.
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/vcenter/vm/vm-42/hardware/cdrom/3000"))
        .respond_with(
            ResponseTemplate::new(503)
                .insert_header("Retry-After", "1")
                .set_body_json(error_body("SERVICE_UNAVAILABLE", "Try later.")),
        )
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/vcenter/vm/vm-42/hardware/cdrom/3000"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let client = retrying_client(&server, Duration::from_secs(5), Duration::from_secs(2));
    let started = std::time::Instant::now();
    client
        .vm_hardware_cdrom_disconnect(&VmId::new("vm-42"), &CdromId::new("3000"))
        .await
        .expect("the second attempt succeeds");
    let waited = started.elapsed();
    // The backoff alone would be about a millisecond; the server asked for a second.
    assert!(waited >= Duration::from_secs(1), "waited only {waited:?}");
}

#[tokio::test]
async fn a_retry_after_longer_than_the_policy_allows_ends_the_retries() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/vcenter/vm/vm-42/hardware/cdrom/3000"))
        .respond_with(
            ResponseTemplate::new(503)
                .insert_header("Retry-After", "120")
                .set_body_json(error_body("SERVICE_UNAVAILABLE", "Down for maintenance.")),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = retrying_client(&server, Duration::from_secs(5), Duration::from_secs(2));
    let err = client
        .vm_hardware_cdrom_disconnect(&VmId::new("vm-42"), &CdromId::new("3000"))
        .await
        .expect_err("the client does not wait two minutes");
    assert!(err.is_service_unavailable(), "{err}");
    assert_eq!(
        err.messages(),
        ["Down for maintenance.", "The cause."],
        "the answer is decoded after being read for its error_type"
    );
}

#[tokio::test]
async fn messages_fill_in_positional_and_named_arguments_along_the_cause_chain() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/vcenter/iso/image"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error_type": "INVALID_ARGUMENT",
            "messages": [
                {
                    "id": "a",
                    "default_message": "Item {0} cannot be mounted on {vm} ({1}, {unknown}).",
                    "args": ["lib-item-7"],
                    "params": {"vm": {"s": "vm-42"}}
                },
                {
                    "id": "b",
                    "default_message": "{count} files, {size} MB, {when}, unclosed {",
                    "args": [],
                    "params": {
                        "count": {"i": 0},
                        "size": {"d": 1.5, "precision": 1},
                        "when": {"dt": "2026-11-23T10:00:00Z", "format": "SHORT_DATE"}
                    }
                }
            ]
        })))
        .mount(&server)
        .await;
    let err = client_with_session(&server)
        .iso_image_mount(&mount_body())
        .await
        .expect_err("400");
    assert!(err.is_invalid_argument(), "{err}");
    assert_eq!(
        err.messages(),
        [
            "Item lib-item-7 cannot be mounted on vm-42 ({1}, {unknown}).",
            "0 files, 1.5 MB, 2026-11-23T10:00:00Z, unclosed {",
        ]
    );
    assert_eq!(err.error_type_name(), Some("INVALID_ARGUMENT"));
    assert!(ErrorKind::<StdErrorsError>::NoSession.messages().is_empty());
}

#[test]
fn the_client_is_clone_send_and_sync() {
    fn shareable<T: Clone + Send + Sync + 'static>() {}
    fn sendable<T: Send + Sync + 'static>() {}
    shareable::<Client>();
    sendable::<Error<StdErrorsError>>();
}

#[test]
fn credentials_never_appear_in_debug() {
    let builder = Client::builder("https://vcenter.example.com").credentials("ops", "hunter2!");
    assert!(!format!("{builder:?}").contains("hunter2!"), "{builder:?}");
    let client = builder.build().expect("client");
    assert!(!format!("{client:?}").contains("hunter2!"), "{client:?}");
}

#[test]
fn a_pem_without_a_certificate_is_a_build_error() {
    let err = Client::builder("https://vcenter.example.com")
        .add_root_certificate("not a certificate")
        .build()
        .expect_err("nothing to trust");
    assert!(
        matches!(
            err,
            vcenter_client::ClientBuildError::InvalidCertificate { .. }
        ),
        "{err:?}"
    );
}
