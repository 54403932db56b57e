//! The generated client against hostile and odd servers on 127.0.0.1: redirects to other
//! origins, servers that echo secrets, 401s without a JSON body, off-spec error bodies,
//! timeouts and cut bodies, long and multi-line bodies, expired logouts, byte order marks and
//! empty 200s. Each test asserts the exact error variant.

mod support;

use std::time::Duration;

use serde_json::json;
use support::{raw_server, Script};
use vcenter_client::types::{
    CdromId, IsoImageMountRequestBody, LibraryItemId, StdErrorsError, StdErrorsErrorType, VmId,
};
use vcenter_client::{
    Client, ClientBuildError, Error, ErrorKind, ResultExt, SessionId, TimeoutPhase,
};
use wiremock::matchers::{any, header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const SESSION_HEADER: &str = "vmware-api-session-id";
const SESSION: &str = "sess-canary-51e7";
const PASSWORD: &str = "pw-canary-9c2d";

fn client_with_session(base_url: &str) -> Client {
    Client::builder(base_url)
        .session(SessionId::new(SESSION).expect("a valid session id"))
        .build()
        .expect("a valid base URL")
}

fn mount_body() -> IsoImageMountRequestBody {
    IsoImageMountRequestBody {
        library_item: LibraryItemId::new("lib-item-7"),
        vm: VmId::new("vm-42"),
    }
}

async fn disconnect(client: &Client) -> Result<(), Error<StdErrorsError>> {
    client
        .vm_hardware_cdrom_disconnect(&VmId::new("vm-42"), &CdromId::new("3000"))
        .await
}

/// The origin of a wiremock server, as `ErrorKind::Redirect` names it.
fn origin(server: &MockServer) -> String {
    server.uri().trim_end_matches('/').to_string()
}

/// Every text a caller or a log could show of `err`.
fn shown(err: &Error<StdErrorsError>) -> String {
    let mut text = format!("{err}\n{err:?}\n{err:#?}");
    let mut source = std::error::Error::source(err);
    while let Some(inner) = source {
        text.push_str(&format!("\n{inner}\n{inner:?}"));
        source = inner.source();
    }
    text
}

// 1. Redirects.

#[tokio::test]
async fn a_redirect_to_another_origin_is_not_followed_and_nothing_reaches_it() {
    let other = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json("3001"))
        .expect(0)
        .mount(&other)
        .await;
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(307).insert_header(
            "location",
            format!("{}/api/vcenter/iso/image?action=mount", other.uri()).as_str(),
        ))
        .mount(&server)
        .await;
    let err = client_with_session(&server.uri())
        .iso_image_mount(&mount_body())
        .await
        .expect_err("the redirect is not followed");
    match err.kind() {
        ErrorKind::Redirect {
            status: 307,
            target_origin: Some(target),
            same_origin: false,
        } => assert_eq!(target, &origin(&other)),
        other => panic!("expected Redirect, got {other:?}"),
    }
    assert_eq!(err.status(), Some(307));
    assert!(!err.to_string().contains('\n'), "{err}");
    // `expect(0)` on `other`, checked when it drops: neither the session header nor the
    // body reached it.
}

#[tokio::test]
async fn a_login_answered_from_another_origin_is_refused_never_adopted() {
    let other = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(201).set_body_json("sess-from-elsewhere"))
        .expect(0)
        .mount(&other)
        .await;
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/session"))
        .respond_with(
            ResponseTemplate::new(308)
                .insert_header("location", format!("{}/api/session", other.uri()).as_str()),
        )
        .mount(&server)
        .await;
    let client = Client::new(&server.uri()).expect("client");
    match client
        .session_create("ops", PASSWORD)
        .await
        .map_err(|e| e.into_kind())
    {
        Err(ErrorKind::Redirect {
            status: 308,
            target_origin: Some(target),
            same_origin: false,
        }) => assert_eq!(target, origin(&other)),
        other => panic!("expected Redirect, got {other:?}"),
    }
    assert_eq!(client.session(), None);
}

#[tokio::test]
async fn a_given_http_client_that_follows_a_redirect_never_gets_its_answer_used() {
    // reqwest's default policy follows the redirect; the client cannot stop that, but it
    // never adopts the session the other server issues.
    let other = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_body_json("sess-from-elsewhere"))
        .mount(&other)
        .await;
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/session"))
        .respond_with(
            ResponseTemplate::new(307)
                .insert_header("location", format!("{}/api/session", other.uri()).as_str()),
        )
        .mount(&server)
        .await;
    let client = Client::builder(&server.uri())
        .http_client(reqwest::Client::new())
        .build()
        .expect("client");
    match client
        .session_create("ops", PASSWORD)
        .await
        .map_err(|e| e.into_kind())
    {
        Err(ErrorKind::Redirect {
            status: 201,
            target_origin: Some(target),
            same_origin: false,
        }) => assert_eq!(target, origin(&other)),
        other => panic!("expected Redirect, got {other:?}"),
    }
    assert_eq!(
        client.session(),
        None,
        "the other origin's session is not adopted"
    );
}

#[tokio::test]
async fn a_redirect_within_the_origin_is_followed_with_the_session() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/vcenter/vm/vm-42/hardware/cdrom/3000"))
        .respond_with(ResponseTemplate::new(307).insert_header("location", "/moved"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/moved"))
        .and(header(SESSION_HEADER, SESSION))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    disconnect(&client_with_session(&server.uri()))
        .await
        .expect("the same-origin redirect is followed");
}

#[tokio::test]
async fn a_redirect_within_the_origin_that_is_not_followed_is_not_called_another_origin() {
    // One redirect too many: the client follows 10 within the origin, then stops.
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(307).insert_header("location", "/again"))
        .mount(&server)
        .await;
    let looping = disconnect(&client_with_session(&server.uri()))
        .await
        .expect_err("an endless redirect is not followed forever");
    // A given HTTP client that follows no redirect at all.
    let not_following = Client::builder(&server.uri())
        .http_client(
            reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("an HTTP client"),
        )
        .session(SessionId::new(SESSION).expect("a valid session id"))
        .build()
        .expect("client");
    let unfollowed = disconnect(&not_following)
        .await
        .expect_err("the HTTP client does not follow");
    let received = server.received_requests().await.map_or(0, |r| r.len());
    assert!(
        received > 10,
        "the loop was not followed: {received} requests"
    );
    for err in [looping, unfollowed] {
        match err.kind() {
            ErrorKind::Redirect {
                status: 307,
                target_origin: Some(target),
                same_origin: true,
            } => assert_eq!(target, &origin(&server)),
            other => panic!("expected a same-origin Redirect, got {other:?}"),
        }
        let text = err.to_string();
        assert!(!text.contains("another origin"), "{text}");
        assert!(text.contains("within the base URL's origin"), "{text}");
    }
}

#[tokio::test]
async fn transport_and_timeout_errors_never_show_the_url_with_its_ids_and_query_key() {
    const KEY: &str = "query-key-canary-40d1";
    // A port nobody listens on: the connection is refused.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
        format!("http://{}", listener.local_addr().expect("its address"))
    };
    let silent = raw_server(Script::Silent).await;
    let refused = disconnect(&client_with_session(&closed))
        .await
        .expect_err("nobody listens");
    assert!(
        matches!(refused.kind(), ErrorKind::Transport(_)),
        "{refused:?}"
    );
    let text = shown(&refused);
    assert!(!text.contains("vm-42") && !text.contains("/api/"), "{text}");
    for (base_url, timeout) in [(&closed, false), (&silent, true)] {
        let client = shapes_client::Client::builder(base_url)
            .credential("bearer", "bearer-canary")
            .credential("headerKey", "header-canary")
            .credential("queryKey", KEY)
            .credential("cookieKey", "cookie-canary")
            .timeout(Duration::from_millis(300))
            .build()
            .expect("client");
        let err = client
            .get_secured("pet-id-canary")
            .await
            .expect_err("no answer");
        match (err.kind(), timeout) {
            (shapes_client::ErrorKind::Timeout { .. }, true)
            | (shapes_client::ErrorKind::Transport(_), false) => {}
            (other, _) => panic!("expected a timeout or a transport error, got {other:?}"),
        }
        let mut text = format!("{err}\n{err:?}\n{err:#?}");
        let mut source = std::error::Error::source(&err);
        while let Some(inner) = source {
            text.push_str(&format!("\n{inner}\n{inner:?}"));
            source = inner.source();
        }
        for secret in [KEY, "pet-id-canary", "api_key"] {
            assert!(!text.contains(secret), "{secret} in\n{text}");
        }
    }
}

#[tokio::test]
async fn userinfo_in_the_base_url_is_refused_and_never_shown() {
    match Client::new("https://admin:hunter2-canary@vc.example.com") {
        Err(err @ ClientBuildError::CredentialsInBaseUrl { .. }) => {
            let text = format!("{err} {err:?}");
            assert!(!text.contains("hunter2-canary"), "{text}");
            assert!(text.contains("[redacted]@vc.example.com"), "{text}");
        }
        other => panic!("expected CredentialsInBaseUrl, got {other:?}"),
    }
    // Not even a URL that does not parse shows its password.
    match Client::new("https://admin:hunter2-canary@vc.example.com:99999") {
        Err(err @ ClientBuildError::InvalidBaseUrl { .. }) => {
            let text = format!("{err} {err:?}");
            assert!(!text.contains("hunter2-canary"), "{text}");
        }
        other => panic!("expected InvalidBaseUrl, got {other:?}"),
    }
    let builder = Client::builder("https://admin:hunter2-canary@vc.example.com");
    assert!(
        !format!("{builder:?}").contains("hunter2-canary"),
        "{builder:?}"
    );
}

// 2. No secret in any output.

#[tokio::test]
async fn no_body_of_a_session_creation_answer_is_copied_into_an_error() {
    let token = "tok-issued-canary-77";
    let answers = [
        ResponseTemplate::new(201).set_body_string(token),
        ResponseTemplate::new(201).set_body_json(json!({ "value": token })),
        ResponseTemplate::new(201).set_body_string("12345678901"),
        ResponseTemplate::new(200).set_body_json(token),
        ResponseTemplate::new(401).set_body_string(format!("<html>{token}</html>")),
        ResponseTemplate::new(502).set_body_string(token),
    ];
    for answer in answers {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(answer)
            .mount(&server)
            .await;
        let client = Client::new(&server.uri()).expect("client");
        let err = client
            .session_create("ops", PASSWORD)
            .await
            .expect_err("no session");
        match err.kind() {
            ErrorKind::Decode { excerpt, .. } | ErrorKind::UnexpectedStatus { excerpt, .. } => {
                assert_eq!(excerpt, vcenter_client::WITHHELD)
            }
            other => panic!("expected Decode or UnexpectedStatus, got {other:?}"),
        }
        let text = shown(&err);
        for secret in [token, "12345678901", PASSWORD] {
            assert!(!text.contains(secret), "{secret} shown:\n{text}");
        }
        assert_eq!(client.session(), None);
    }
}

/// An answer that echoes the request's headers and body, and the client's password and
/// session id besides (as a server that logged them might), in the body's text.
fn echo(request: &Request) -> String {
    let mut text = String::new();
    for (name, value) in &request.headers {
        text.push_str(&format!("{name}: {}\n", value.to_str().unwrap_or("?")));
    }
    text.push_str(&String::from_utf8_lossy(&request.body));
    text.push_str(&format!("\nremembered {PASSWORD} and {SESSION}"));
    text
}

#[tokio::test]
async fn secrets_a_server_echoes_are_scrubbed_from_every_excerpt_and_body() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/vcenter/vm/vm-42/hardware/cdrom/3000"))
        .respond_with(|request: &Request| ResponseTemplate::new(502).set_body_string(echo(request)))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/vcenter/iso/image"))
        .respond_with(|request: &Request| {
            ResponseTemplate::new(400).set_body_json(json!({
                "error_type": "INVALID_ARGUMENT",
                "messages": [{
                    "id": "echo",
                    "default_message": format!("You sent {{0}}: {}", echo(request)),
                    "args": [SESSION],
                    "params": {"session": {"s": SESSION}}
                }],
                "data": {"password": PASSWORD, SESSION: "as a key"}
            }))
        })
        .mount(&server)
        .await;
    let client = Client::builder(&server.uri())
        .session(SessionId::new(SESSION).expect("a valid session id"))
        .credentials("ops", PASSWORD)
        .build()
        .expect("client");

    let err = disconnect(&client).await.expect_err("502");
    match err.kind() {
        ErrorKind::UnexpectedStatus {
            status: 502,
            excerpt,
        } => {
            assert!(excerpt.contains("[redacted]"), "{excerpt}")
        }
        other => panic!("expected UnexpectedStatus, got {other:?}"),
    }
    assert!(!shown(&err).contains(SESSION), "{}", shown(&err));

    let err = client
        .iso_image_mount(&mount_body())
        .await
        .expect_err("400");
    assert!(err.is_invalid_argument(), "{err}");
    let text = format!("{}\n{:?}", shown(&err), err.messages());
    for secret in [SESSION, PASSWORD] {
        assert!(!text.contains(secret), "{secret} shown:\n{text}");
    }
    assert!(
        err.messages()[0].starts_with("You sent [redacted]: "),
        "{:?}",
        err.messages()
    );
}

#[tokio::test]
async fn the_login_password_is_scrubbed_even_when_the_server_echoes_the_basic_header() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/session"))
        .respond_with(|request: &Request| {
            ResponseTemplate::new(401).set_body_json(json!({
                "error_type": "UNAUTHENTICATED",
                "messages": [{"id": "x", "default_message": echo(request), "args": []}]
            }))
        })
        .mount(&server)
        .await;
    let client = Client::new(&server.uri()).expect("client");
    let err = client
        .session_create("ops@vsphere.local", PASSWORD)
        .await
        .expect_err("401");
    assert!(err.is_unauthenticated(), "{err}");
    let basic = "b3BzQHZzcGhlcmUubG9jYWw6cHctY2FuYXJ5LTljMmQ="; // ops@vsphere.local:pw-canary-9c2d
    let text = format!("{}\n{:?}", shown(&err), err.messages());
    for secret in [PASSWORD, basic] {
        assert!(!text.contains(secret), "{secret} shown:\n{text}");
    }
    assert!(text.contains("authorization: [redacted]"), "{text}");
}

// 3. 401 is 401.

#[tokio::test]
async fn every_401_is_unauthenticated_whatever_its_body() {
    let bodies: [(&str, Option<&str>); 5] = [
        ("", None),
        (
            "<html><body>Session expired</body></html>",
            Some("text/html"),
        ),
        ("Unauthorized", Some("text/plain")),
        ("{\"message\": \"no\"}", Some("application/json")),
        (
            "{\"error_type\": \"UNAUTHENTICATED\", \"messages\": []}",
            Some("application/json"),
        ),
    ];
    for (body, content_type) in bodies {
        let server = MockServer::start().await;
        let mut answer = ResponseTemplate::new(401).set_body_string(body);
        if let Some(content_type) = content_type {
            answer = answer.insert_header("content-type", content_type);
        }
        Mock::given(method("POST"))
            .respond_with(answer)
            .mount(&server)
            .await;
        let err = disconnect(&client_with_session(&server.uri()))
            .await
            .expect_err("401");
        assert!(err.is_unauthenticated(), "{body:?}: {err:?}");
        assert_eq!(err.status(), Some(401), "{body:?}");
        assert_eq!(
            err.error_type(),
            Some(&StdErrorsErrorType::Unauthenticated),
            "{body:?}"
        );
    }
}

#[tokio::test]
async fn a_401_without_a_json_body_still_renews_the_session() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/vcenter/vm/vm-42/hardware/cdrom/3000"))
        .and(header(SESSION_HEADER, SESSION))
        .respond_with(ResponseTemplate::new(401).set_body_string("<html>expired</html>"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/session"))
        .respond_with(ResponseTemplate::new(201).set_body_json("sess-2"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/vcenter/vm/vm-42/hardware/cdrom/3000"))
        .and(header(SESSION_HEADER, "sess-2"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let client = Client::builder(&server.uri())
        .session(SessionId::new(SESSION).expect("valid"))
        .credentials("ops", PASSWORD)
        .build()
        .expect("client");
    disconnect(&client).await.expect("renewed and repeated");
}

#[tokio::test]
async fn a_failed_login_exposes_its_status_and_error_type() {
    let cases = [
        (
            ResponseTemplate::new(401).set_body_string("<html>denied</html>"),
            401,
            None,
        ),
        (
            ResponseTemplate::new(503).set_body_json(json!({
                "error_type": "SERVICE_UNAVAILABLE",
                "messages": [{"id": "x", "default_message": "Later.", "args": []}]
            })),
            503,
            Some("SERVICE_UNAVAILABLE"),
        ),
    ];
    for (answer, status, error_type) in cases {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/api/session"))
            .respond_with(answer)
            .mount(&server)
            .await;
        let client = Client::builder(&server.uri())
            .credentials("ops", PASSWORD)
            .build()
            .expect("client");
        let err = disconnect(&client).await.expect_err("no login");
        match err.kind() {
            ErrorKind::Login {
                status: got_status,
                error_type: got_type,
                ..
            } => {
                assert_eq!(*got_status, Some(status));
                assert_eq!(got_type.as_deref(), error_type);
            }
            other => panic!("expected Login, got {other:?}"),
        }
        assert_eq!(err.status(), Some(status));
        assert_eq!(err.is_unauthenticated(), status == 401, "{err}");
        assert_eq!(err.is_service_unavailable(), status == 503, "{err}");
    }
}

// 4. Lenient error decoding.

#[tokio::test]
async fn an_off_spec_error_body_keeps_its_error_type_and_what_decodes() {
    let message = |extra: serde_json::Value| {
        let mut message = json!({"id": "m", "default_message": "CD-ROM {0} is {state}."});
        if let (Some(message), Some(extra)) = (message.as_object_mut(), extra.as_object()) {
            message.extend(extra.clone());
        }
        message
    };
    let bodies = [
        // `data` that is not an object.
        json!({"error_type": "ALREADY_IN_DESIRED_STATE", "data": "oops",
               "messages": [message(json!({"args": ["3000"], "params": {"state": {"s": "off"}}}))]}),
        // A message without `args`, a bare-string param.
        json!({"error_type": "ALREADY_IN_DESIRED_STATE",
               "messages": [message(json!({"params": {"state": "off"}}))]}),
        // A numeric arg.
        json!({"error_type": "ALREADY_IN_DESIRED_STATE",
               "messages": [message(json!({"args": [3000], "params": {"state": {"s": "off"}}}))]}),
    ];
    let expected = [
        "CD-ROM 3000 is off.",
        "CD-ROM {0} is off.",
        "CD-ROM 3000 is off.",
    ];
    for (body, expected) in bodies.into_iter().zip(expected) {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(400).set_body_json(body.clone()))
            .mount(&server)
            .await;
        let client = client_with_session(&server.uri());
        let err = disconnect(&client).await.expect_err("400");
        match err.kind() {
            ErrorKind::Api {
                status: 400,
                raw: Some(raw),
                ..
            } => assert_eq!(raw, &body),
            other => panic!("expected a lenient Api error, got {other:?}"),
        }
        assert!(err.is_already_in_desired_state(), "{body}");
        assert_eq!(err.messages(), [expected], "{body}");
        assert_eq!(err.raw_body(), Some(&body));
        assert_eq!(
            disconnect(&client)
                .await
                .ok_if(Error::is_already_in_desired_state)
                .expect("already done counts as done"),
            None
        );
    }
}

#[tokio::test]
async fn an_error_body_with_messages_that_are_not_a_list_or_an_unknown_type_is_still_typed() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500).set_body_json(
            json!({"error_type": "QUOTA_EXCEEDED", "messages": "not a list", "data": 7}),
        ))
        .mount(&server)
        .await;
    let err = disconnect(&client_with_session(&server.uri()))
        .await
        .expect_err("500");
    assert_eq!(
        err.error_type(),
        Some(&StdErrorsErrorType::Unknown("QUOTA_EXCEEDED".to_string()))
    );
    assert!(err.messages().is_empty());
    assert_eq!(
        err.kind().to_string(),
        "HTTP 500: QUOTA_EXCEEDED (the error body is not of the documented shape)"
    );
}

#[tokio::test]
async fn json_without_an_error_type_is_a_decode_error_and_success_bodies_stay_strict() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/vcenter/vm/vm-42/hardware/cdrom/3000"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({"error_type": 7})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/vcenter/iso/image"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": "3001"})))
        .mount(&server)
        .await;
    let client = client_with_session(&server.uri());
    match disconnect(&client).await.map_err(|e| e.into_kind()) {
        Err(ErrorKind::Decode { status: 400, .. }) => {}
        other => panic!("expected Decode, got {other:?}"),
    }
    match client
        .iso_image_mount(&mount_body())
        .await
        .map_err(|e| e.into_kind())
    {
        Err(ErrorKind::Decode { status: 200, .. }) => {}
        other => panic!("expected Decode, got {other:?}"),
    }
}

// 5. Clear messages.

#[tokio::test]
async fn a_timeout_waiting_for_the_response_says_so_and_how_long() {
    let base_url = raw_server(Script::Silent).await;
    let client = Client::builder(&base_url)
        .session(SessionId::new(SESSION).expect("valid"))
        .timeout(Duration::from_millis(300))
        .build()
        .expect("client");
    let err = disconnect(&client).await.expect_err("no answer");
    match err.kind() {
        ErrorKind::Timeout {
            phase: TimeoutPhase::Response,
            after: Some(after),
            status: None,
            ..
        } => assert_eq!(*after, Duration::from_millis(300)),
        other => panic!("expected a response timeout, got {other:?}"),
    }
    assert_eq!(
        err.kind().to_string(),
        "timed out after 300ms waiting for the response"
    );
}

#[tokio::test]
async fn a_timeout_reading_the_body_says_so() {
    let base_url = raw_server(Script::StallBody {
        announced: 100,
        sent: 10,
    })
    .await;
    let client = Client::builder(&base_url)
        .session(SessionId::new(SESSION).expect("valid"))
        .timeout(Duration::from_millis(300))
        .build()
        .expect("client");
    let err = client
        .iso_image_mount(&mount_body())
        .await
        .expect_err("the body never ends");
    match err.kind() {
        ErrorKind::Timeout {
            phase: TimeoutPhase::Body,
            after: Some(after),
            status: Some(200),
            ..
        } => assert_eq!(*after, Duration::from_millis(300)),
        other => panic!("expected a body timeout, got {other:?}"),
    }
    assert_eq!(
        err.kind().to_string(),
        "timed out after 300ms reading the response body"
    );
}

#[tokio::test]
async fn a_timeout_while_connecting_says_so() {
    // TLS to a server that accepts the connection and never answers the handshake: the
    // connect timeout, TLS handshake included, runs out.
    let base_url = raw_server(Script::Silent)
        .await
        .replace("http://", "https://");
    let client = Client::builder(&base_url)
        .session(SessionId::new(SESSION).expect("valid"))
        .danger_accept_invalid_certs(true)
        .connect_timeout(Duration::from_millis(300))
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client");
    let err = disconnect(&client).await.expect_err("no handshake");
    match err.kind() {
        ErrorKind::Timeout {
            phase: TimeoutPhase::Connect,
            after: Some(after),
            ..
        } => assert_eq!(*after, Duration::from_millis(300)),
        other => panic!("expected a connect timeout, got {other:?}"),
    }
    let display = err.kind().to_string();
    assert!(
        display.starts_with("timed out after 300ms connecting: "),
        "{display}"
    );
}

#[tokio::test]
async fn a_body_cut_short_says_so() {
    let base_url = raw_server(Script::CutBody {
        announced: 100,
        sent: 10,
    })
    .await;
    let err = client_with_session(&base_url)
        .iso_image_mount(&mount_body())
        .await
        .expect_err("the body is cut");
    match err.kind() {
        ErrorKind::TruncatedBody {
            status: 200,
            received: 10,
            ..
        } => {}
        other => panic!("expected TruncatedBody, got {other:?}"),
    }
    assert!(err.to_string().contains("cut short"), "{err}");
}

#[tokio::test]
async fn display_is_one_bounded_line_and_the_whole_excerpt_is_a_method_away() {
    let server = MockServer::start().await;
    let html = format!(
        "<html>\r\n<body>\n\tProxy error\u{1b}[31m{}</body></html>",
        "!".repeat(2000)
    );
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(502).set_body_string(html))
        .mount(&server)
        .await;
    let err = disconnect(&client_with_session(&server.uri()))
        .await
        .expect_err("502");
    let display = err.kind().to_string();
    assert!(
        !display.contains(['\n', '\r', '\t', '\u{1b}']),
        "{display:?}"
    );
    assert!(
        display
            .starts_with("unexpected HTTP 502: <html>\\r\\n<body>\\n\\tProxy error\\u{1b}[31m!!!"),
        "{display}"
    );
    assert_eq!(
        display.chars().count(),
        "unexpected HTTP 502: ".len() + vcenter_client::DISPLAY_LIMIT + 1,
        "bounded, with an ellipsis: {display}"
    );
    let excerpt = err.excerpt().expect("an excerpt");
    assert!(excerpt.starts_with("<html>\r\n<body>\n"), "{excerpt:?}");
    assert_eq!(
        excerpt.len(),
        vcenter_client::EXCERPT_LIMIT + '…'.len_utf8()
    );
}

#[tokio::test]
async fn display_fills_message_placeholders_as_messages_does() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "error_type": "NOT_FOUND",
            "messages": [{
                "id": "x",
                "default_message": "Virtual machine {0} ({name})\nwas not found.",
                "args": ["vm-42"],
                "params": {"name": {"s": "web-01"}}
            }]
        })))
        .mount(&server)
        .await;
    let err = disconnect(&client_with_session(&server.uri()))
        .await
        .expect_err("404");
    assert_eq!(
        err.kind().to_string(),
        "HTTP 404: NOT_FOUND: Virtual machine vm-42 (web-01)\\nwas not found."
    );
    assert_eq!(
        err.messages(),
        ["Virtual machine vm-42 (web-01)\nwas not found."]
    );
}

// 6. Logout, byte order marks, empty 200s.

#[tokio::test]
async fn logging_out_of_an_expired_session_is_done_and_forgets_it() {
    for answer in [
        ResponseTemplate::new(401),
        ResponseTemplate::new(401).set_body_json(json!({
            "error_type": "UNAUTHENTICATED",
            "messages": [{"id": "x", "default_message": "Expired.", "args": []}]
        })),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("DELETE"))
            .and(path("/api/session"))
            .respond_with(answer)
            .expect(1)
            .mount(&server)
            .await;
        let client = client_with_session(&server.uri());
        client
            .session_delete()
            .await
            .expect("an expired session is as good as ended");
        assert_eq!(client.session(), None);
    }
}

#[tokio::test]
async fn a_byte_order_mark_before_json_is_accepted() {
    let server = MockServer::start().await;
    let with_bom = |json: &str| {
        let mut body = b"\xEF\xBB\xBF".to_vec();
        body.extend_from_slice(json.as_bytes());
        body
    };
    Mock::given(method("POST"))
        .and(path("/api/vcenter/iso/image"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(with_bom("\"3001\""), "application/json"),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/vcenter/vm/vm-42/hardware/cdrom/3000"))
        .respond_with(ResponseTemplate::new(404).set_body_raw(
            with_bom("{\"error_type\": \"NOT_FOUND\", \"messages\": []}"),
            "application/json",
        ))
        .mount(&server)
        .await;
    let client = client_with_session(&server.uri());
    assert_eq!(
        client
            .iso_image_mount(&mount_body())
            .await
            .expect("mounted"),
        CdromId::new("3001")
    );
    let err = disconnect(&client).await.expect_err("404");
    assert!(
        matches!(
            err.kind(),
            ErrorKind::Api {
                status: 404,
                raw: None,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.is_not_found(), "{err}");
}

#[tokio::test]
async fn an_empty_200_where_204_is_documented_is_a_success() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/vcenter/vm/vm-42/hardware/cdrom/3000"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/vcenter/vm/vm-43/hardware/cdrom/3000"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>portal</html>"))
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/api/session"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let client = client_with_session(&server.uri());
    disconnect(&client)
        .await
        .expect("an empty 200 is a success");
    match client
        .vm_hardware_cdrom_disconnect(&VmId::new("vm-43"), &CdromId::new("3000"))
        .await
        .map_err(|e| e.into_kind())
    {
        Err(ErrorKind::UnexpectedStatus {
            status: 200,
            excerpt,
        }) => {
            assert_eq!(excerpt, "<html>portal</html>")
        }
        other => panic!("a 200 with a page is not the API's answer, got {other:?}"),
    }
    client
        .session_delete()
        .await
        .expect("an empty 200 logs out");
    assert_eq!(client.session(), None);
}

#[tokio::test]
async fn exactly_ten_redirects_within_the_origin_are_followed_as_readme_says() {
    for (redirects, followed) in [(10usize, true), (11, false)] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/api/vcenter/vm/vm-42/hardware/cdrom/3000"))
            .respond_with(ResponseTemplate::new(307).insert_header("location", "/hop/1"))
            .mount(&server)
            .await;
        for hop in 1..redirects {
            Mock::given(method("POST"))
                .and(path(format!("/hop/{hop}")))
                .respond_with(
                    ResponseTemplate::new(307)
                        .insert_header("location", format!("/hop/{}", hop + 1)),
                )
                .mount(&server)
                .await;
        }
        Mock::given(method("POST"))
            .and(path(format!("/hop/{redirects}")))
            .respond_with(ResponseTemplate::new(204))
            .mount(&server)
            .await;
        let result = disconnect(&client_with_session(&server.uri())).await;
        assert_eq!(
            result.is_ok(),
            followed,
            "{redirects} redirects: {result:?}"
        );
        let received = server.received_requests().await.map_or(0, |r| r.len());
        assert_eq!(received, if followed { redirects + 1 } else { redirects });
    }
}

#[tokio::test]
async fn a_redirect_to_a_file_url_names_its_scheme() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(302).insert_header("location", "file:///etc/passwd"))
        .mount(&server)
        .await;
    let err = disconnect(&client_with_session(&server.uri()))
        .await
        .expect_err("not followed");
    let text = err.kind().to_string();
    assert!(text.contains("`file:` URL"), "{text}");
    assert!(!text.contains("null"), "{text}");
}

#[tokio::test]
async fn an_error_body_with_bad_utf8_in_a_message_keeps_its_error_type() {
    let server = MockServer::start().await;
    let mut body =
        br#"{"error_type":"NOT_FOUND","messages":[{"id":"x","default_message":"vm "#.to_vec();
    body.extend_from_slice(b"\xff\xfe");
    body.extend_from_slice(br#" not found","args":[]}]}"#);
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(404)
                .insert_header("content-type", "application/json")
                .set_body_bytes(body),
        )
        .mount(&server)
        .await;
    let client = client_with_session(&server.uri());
    let err = disconnect(&client).await.expect_err("404");
    assert!(err.is_not_found(), "{err}");
    assert!(
        err.messages()[0].contains('\u{fffd}'),
        "{:?}",
        err.messages()
    );
    let done = disconnect(&client)
        .await
        .ok_if(Error::is_not_found)
        .expect("ok_if sees the error type");
    assert_eq!(done, None);
}

#[tokio::test]
async fn a_connect_timeout_is_retried_and_the_error_says_how_often_and_how_long() {
    // Nothing was sent when the handshake never finished, so the policy tries again, and the
    // error says so: the timeout of one attempt, and the attempts and duration of the call.
    let base_url = raw_server(Script::Silent)
        .await
        .replace("http://", "https://");
    let client = Client::builder(&base_url)
        .session(SessionId::new(SESSION).expect("valid"))
        .danger_accept_invalid_certs(true)
        .connect_timeout(Duration::from_millis(200))
        .retry(
            vcenter_client::RetryPolicy::new()
                .initial_backoff(Duration::from_millis(10))
                .max_backoff(Duration::from_millis(20)),
        )
        .build()
        .expect("client");
    let err = disconnect(&client).await.expect_err("no handshake");
    assert!(
        matches!(
            err.kind(),
            ErrorKind::Timeout {
                phase: TimeoutPhase::Connect,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.attempts(), Some(4));
    assert!(
        err.elapsed()
            .is_some_and(|d| d >= Duration::from_millis(800)),
        "{err:?}"
    );
    let display = err.to_string();
    assert!(
        display.starts_with("timed out after 200ms connecting"),
        "{display}"
    );
    assert!(display.contains("; 4 attempts in "), "{display}");
}

#[tokio::test]
async fn broken_framing_and_header_bombs_name_their_cause_in_display() {
    static BOMB: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    let bomb = BOMB.get_or_init(|| {
        let mut answer = b"HTTP/1.1 200 OK\r\n".to_vec();
        for index in 0..20_000 {
            answer.extend_from_slice(format!("x-bomb-{index}: {}\r\n", "b".repeat(40)).as_bytes());
        }
        answer.extend_from_slice(b"\r\n");
        answer
    });
    for (answer, cause) in [
        (
            &b"HTTP/1.1 200 OK\r\ncontent-length: abc\r\n\r\n{}"[..],
            "content-length",
        ),
        (&bomb[..], "too large"),
    ] {
        let client = client_with_session(&raw_server(Script::Raw(answer)).await);
        let err = disconnect(&client).await.expect_err("a broken answer");
        assert!(matches!(err.kind(), ErrorKind::Transport(_)), "{err:?}");
        let display = err.to_string();
        assert!(
            display.to_lowercase().contains(cause),
            "Display names the cause ({cause}): {display}"
        );
    }
}

#[tokio::test]
async fn an_error_whose_data_says_transient_is_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500).set_body_json(json!({
            "error_type": "ERROR",
            "messages": [],
            "data": {"is_transient": true}
        })))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(204))
        .with_priority(2)
        .mount(&server)
        .await;
    let client = Client::builder(&server.uri())
        .session(SessionId::new(SESSION).expect("valid"))
        .retry(vcenter_client::RetryPolicy::new().initial_backoff(Duration::from_millis(10)))
        .build()
        .expect("client");
    disconnect(&client)
        .await
        .expect("the third attempt succeeds");
    assert_eq!(server.received_requests().await.map_or(0, |r| r.len()), 3);
}
