//! vCenter in production: request ids and the user agent, the session limit, riding out a
//! restart under a retry budget, and a disconnect the guest holds locked given its own timeout.
//! Each against the project's simulator (or wiremock, where the request itself is checked).

use std::time::Duration;

use vcenter_client::types::{CdromId, IsoImageMountRequestBody, LibraryItemId, VmId};
use vcenter_client::{
    CallOptions, Client, ErrorKind, RetryPolicy, TimeoutPhase, DEFAULT_USER_AGENT,
    REQUEST_ID_HEADER,
};
use vcenter_simulator::{Simulator, World};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

const ADMIN: (&str, &str) = ("administrator@vsphere.local", "VMware1!");
const ISO: &str = "ubuntu-24.04-iso";

fn mount_body(vm: &str) -> IsoImageMountRequestBody {
    IsoImageMountRequestBody {
        library_item: LibraryItemId::new(ISO),
        vm: VmId::new(vm),
    }
}

async fn start(world: World) -> Simulator {
    match Simulator::start(world).await {
        Ok(simulator) => simulator,
        Err(err) => panic!("the simulator must start on 127.0.0.1: {err}"),
    }
}

/// A wiremock server answering every call with vCenter's NOT_FOUND.
async fn not_found_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(404).set_body_json(serde_json::json!({
            "error_type": "NOT_FOUND",
            "messages": [{"id": "vm.not_found", "default_message": "Not found.", "args": []}]
        })))
        .mount(&server)
        .await;
    server
}

fn sent_header(request: &wiremock::Request, name: &str) -> String {
    request
        .headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_else(|| panic!("the request has no {name} header"))
        .to_string()
}

#[tokio::test]
async fn every_call_sends_a_fresh_request_id_and_the_agent_and_its_error_carries_the_id() {
    let server = not_found_server().await;
    let client = Client::builder(&server.uri())
        .session(vcenter_client::SessionId::new("s-1").expect("session id"))
        .build()
        .expect("client");
    let first = client
        .vm_hardware_cdrom_disconnect(&VmId::new("vm-1"), &CdromId::new("3000"))
        .await
        .expect_err("404");
    let second = client
        .vm_hardware_cdrom_disconnect(&VmId::new("vm-1"), &CdromId::new("3000"))
        .await
        .expect_err("404");
    let requests = server.received_requests().await.expect("recorded");
    assert_eq!(requests.len(), 2);
    let ids: Vec<String> = requests
        .iter()
        .map(|r| sent_header(r, REQUEST_ID_HEADER))
        .collect();
    assert_ne!(ids[0], ids[1], "a fresh id per call");
    assert_eq!(first.request_id(), Some(ids[0].as_str()));
    assert_eq!(second.request_id(), Some(ids[1].as_str()));
    assert_eq!(first.attempts(), Some(1));
    let shown = first.to_string();
    assert!(
        shown.ends_with(&format!("(request id {})", ids[0])),
        "Display names the request id: {shown}"
    );
    assert!(first.is_not_found(), "the error keeps its type: {shown}");
    assert!(DEFAULT_USER_AGENT.starts_with("vcenter-client/"));
    for request in &requests {
        assert_eq!(sent_header(request, "user-agent"), DEFAULT_USER_AGENT);
    }
}

#[tokio::test]
async fn the_caller_can_give_the_request_id_per_client_and_per_call_and_name_its_product() {
    let server = not_found_server().await;
    let client = Client::builder(&server.uri())
        .session(vcenter_client::SessionId::new("s-1").expect("session id"))
        .request_id("job-2026-12-07")
        .user_agent_product("my-tool/1.2")
        .build()
        .expect("client");
    let disconnect = |client: Client| async move {
        client
            .vm_hardware_cdrom_disconnect(&VmId::new("vm-1"), &CdromId::new("3000"))
            .await
            .expect_err("404")
    };
    let by_client = disconnect(client.clone()).await;
    let by_call = disconnect(client.with_options(CallOptions::new().request_id("step-3"))).await;
    // An id that cannot be a header value is replaced, not sent.
    let refused = disconnect(client.with_options(CallOptions::new().request_id("bad\nid"))).await;
    let requests = server.received_requests().await.expect("recorded");
    let ids: Vec<String> = requests
        .iter()
        .map(|r| sent_header(r, REQUEST_ID_HEADER))
        .collect();
    assert_eq!(ids[0], "job-2026-12-07");
    assert_eq!(ids[1], "step-3");
    assert_eq!(
        ids[2], "job-2026-12-07",
        "the client's id replaces a bad one"
    );
    assert_eq!(by_client.request_id(), Some("job-2026-12-07"));
    assert_eq!(by_call.request_id(), Some("step-3"));
    assert_eq!(refused.request_id(), Some("job-2026-12-07"));
    assert_eq!(
        sent_header(&requests[0], "user-agent"),
        format!("my-tool/1.2 {DEFAULT_USER_AGENT}")
    );
}

#[tokio::test]
async fn a_login_refused_for_the_session_limit_is_its_own_error_and_never_retried() {
    let simulator = start(World::demo().max_sessions_per_user(1)).await;
    let first = Client::new(&simulator.base_url()).expect("client");
    first
        .session_create(ADMIN.0, ADMIN.1)
        .await
        .expect("the first session fits");
    // A client that logs in by itself, with the default retry policy (which retries 503s).
    let second = Client::builder(&simulator.base_url())
        .credentials(ADMIN.0, ADMIN.1)
        .retry(RetryPolicy::new().initial_backoff(Duration::from_millis(10)))
        .build()
        .expect("client");
    let err = second
        .iso_image_mount(&mount_body("vm-42"))
        .await
        .expect_err("the login is refused");
    assert!(err.is_session_limit(), "{err}");
    assert!(
        matches!(
            err.kind(),
            ErrorKind::Login {
                status: Some(503),
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        simulator.world().calls("session_create"),
        2,
        "one login each: the refused one is not retried"
    );
    assert_eq!(simulator.world().calls("iso_image_mount"), 0);
    // The login called directly says why and what to do.
    let direct = second
        .session_create(ADMIN.0, ADMIN.1)
        .await
        .expect_err("refused again");
    match direct.kind() {
        ErrorKind::SessionLimit { status, message } => {
            assert_eq!(*status, 503);
            assert_eq!(message, "User session count is limited to 1.");
        }
        other => panic!("expected SessionLimit, got {other:?}"),
    }
    let shown = direct.to_string();
    assert!(
        shown.contains("User session count is limited to 1."),
        "{shown}"
    );
    assert!(shown.contains("end the sessions no longer used"), "{shown}");
    assert_eq!(direct.attempts(), Some(1), "not retried: {shown}");
    // Logging out frees the slot.
    first.session_delete().await.expect("logout");
    second
        .session_create(ADMIN.0, ADMIN.1)
        .await
        .expect("a slot is free again");
}

#[tokio::test]
async fn a_retry_budget_rides_out_a_restart_and_the_default_policy_says_how_long_it_tried() {
    let simulator = start(World::demo()).await;
    let policy = RetryPolicy::new()
        .initial_backoff(Duration::from_millis(50))
        .max_backoff(Duration::from_millis(200));
    let patient = Client::builder(&simulator.base_url())
        .credentials(ADMIN.0, ADMIN.1)
        .retry(policy.clone().budget(Duration::from_secs(30)))
        .build()
        .expect("client");
    let impatient = Client::builder(&simulator.base_url())
        .credentials(ADMIN.0, ADMIN.1)
        .retry(policy)
        .build()
        .expect("client");
    let cdrom = patient
        .iso_image_mount(&mount_body("vm-42"))
        .await
        .expect("mount before the restart");
    impatient
        .session_create(ADMIN.0, ADMIN.1)
        .await
        .expect("login before the restart");

    // Refused connections for 1.5 s, then HTML 503 answers for 1.5 s.
    simulator
        .restart(Duration::from_millis(1500), Duration::from_millis(1500))
        .await;
    let err = impatient
        .vm_hardware_cdrom_disconnect(&VmId::new("vm-42"), &cdrom)
        .await
        .expect_err("4 attempts do not last through the restart");
    assert_eq!(err.attempts(), Some(4), "{err}");
    let shown = err.to_string();
    assert!(shown.contains("; 4 attempts in "), "{shown}");
    assert!(shown.starts_with("transport error"), "{shown}");

    patient
        .vm_hardware_cdrom_disconnect(&VmId::new("vm-42"), &cdrom)
        .await
        .expect("the budget outlasts the restart; the session it ended is renewed");
    assert_eq!(
        simulator
            .world()
            .cdroms("vm-42")
            .get(cdrom.as_str())
            .map(|c| c.connected),
        Some(false)
    );
}

#[tokio::test]
async fn a_disconnect_the_guest_holds_locked_times_out_with_its_own_timeout_and_is_not_retried() {
    let simulator = start(World::demo()).await;
    let client = Client::builder(&simulator.base_url())
        .credentials(ADMIN.0, ADMIN.1)
        .retry(RetryPolicy::new())
        .build()
        .expect("client");
    let cdrom = client
        .iso_image_mount(&mount_body("vm-42"))
        .await
        .expect("mount");
    simulator
        .world()
        .lock_cdrom_in_guest("vm-42", cdrom.as_str(), Duration::from_secs(30));
    let err = client
        .with_options(CallOptions::new().timeout(Duration::from_millis(400)))
        .vm_hardware_cdrom_disconnect(&VmId::new("vm-42"), &cdrom)
        .await
        .expect_err("the question is pending");
    match err.kind() {
        ErrorKind::Timeout {
            phase: TimeoutPhase::Response,
            after: Some(after),
            ..
        } => assert_eq!(*after, Duration::from_millis(400)),
        other => panic!("expected a response timeout, got {other:?}"),
    }
    assert_eq!(
        err.attempts(),
        Some(1),
        "never retried after a timeout: {err}"
    );
    assert!(err
        .to_string()
        .starts_with("timed out after 400ms waiting for the response"));
    assert_eq!(simulator.world().locked_cdrom_disconnects(), 1);
    // The client's other calls keep the client's own timeout.
    client
        .iso_image_mount(&mount_body("vm-42"))
        .await
        .expect("another call on the same client");
}
