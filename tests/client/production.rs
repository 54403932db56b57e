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

// The session cache.

/// A fresh cache directory under the target directory (removed first).
fn cache_dir(name: &str) -> std::path::PathBuf {
    let dir =
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("session-cache-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn cached_client(simulator: &Simulator, dir: &std::path::Path) -> Client {
    Client::builder(&simulator.base_url())
        .credentials(ADMIN.0, ADMIN.1)
        .session_cache_dir(dir)
        .build()
        .expect("client")
}

/// The one cache file in `dir`.
fn cache_file(dir: &std::path::Path) -> std::path::PathBuf {
    let files: Vec<_> = std::fs::read_dir(dir)
        .expect("the cache directory exists")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    files[0].clone()
}

#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::symlink_metadata(path)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o777
}

#[tokio::test]
async fn a_cached_session_is_reused_by_the_next_client_and_logout_removes_it() {
    let simulator = start(World::demo()).await;
    let dir = cache_dir("reuse");
    cached_client(&simulator, &dir)
        .iso_image_mount(&mount_body("vm-42"))
        .await
        .expect("first run: logs in");
    let file = cache_file(&dir);
    #[cfg(unix)]
    {
        assert_eq!(mode(&dir), 0o700, "the directory is the user's alone");
        assert_eq!(mode(&file), 0o600, "the file is the user's alone");
    }
    let text = std::fs::read_to_string(&file).expect("readable");
    assert!(!text.contains(ADMIN.1), "never the password: {text}");

    let second = cached_client(&simulator, &dir);
    second
        .iso_image_mount(&mount_body("vm-42"))
        .await
        .expect("second run: reuses the session");
    assert_eq!(
        simulator.world().calls("session_create"),
        1,
        "one login for two runs"
    );
    assert_eq!(simulator.world().sessions_of(ADMIN.0), 1);

    // Other TLS settings are another key: no session crosses them.
    let pinned = Client::builder(&simulator.base_url())
        .credentials(ADMIN.0, ADMIN.1)
        .danger_accept_invalid_certs(true)
        .session_cache_dir(&dir)
        .build()
        .expect("client");
    pinned
        .iso_image_mount(&mount_body("vm-42"))
        .await
        .expect("logs in for its own key");
    assert_eq!(simulator.world().calls("session_create"), 2);
    pinned.session_delete().await.expect("logout");

    // An expired cached session is replaced.
    simulator.world().expire_sessions();
    second
        .iso_image_mount(&mount_body("vm-42"))
        .await
        .expect("a 401 logs in again");
    let third = cached_client(&simulator, &dir);
    third
        .iso_image_mount(&mount_body("vm-42"))
        .await
        .expect("uses the replaced session");
    assert_eq!(simulator.world().calls("session_create"), 3);

    third.session_delete().await.expect("logout");
    assert!(!file.exists(), "logout removes the cached session");
}

#[cfg(unix)]
#[tokio::test]
async fn a_tampered_or_foreign_cache_is_never_used() {
    use std::os::unix::fs::PermissionsExt;
    let simulator = start(World::demo()).await;
    let dir = cache_dir("tampered");
    let client = cached_client(&simulator, &dir);
    client
        .iso_image_mount(&mount_body("vm-42"))
        .await
        .expect("logs in");
    let file = cache_file(&dir);
    let logins = || simulator.world().calls("session_create");
    let reused = |expected_logins: usize| {
        let client = cached_client(&simulator, &dir);
        async move {
            client
                .iso_image_mount(&mount_body("vm-42"))
                .await
                .expect("the call succeeds either way");
            expected_logins
        }
    };

    // Readable by others: ignored, and replaced by a private one.
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let expected = reused(2).await;
    assert_eq!(logins(), expected, "a file others can read is not used");

    // A session written for another URL: ignored.
    let text = std::fs::read_to_string(&file).expect("read");
    let entry: serde_json::Value = serde_json::from_str(&text).expect("json");
    let mut forged = entry.clone();
    forged["url"] = serde_json::json!("https://attacker.example.com");
    std::fs::write(&file, forged.to_string()).expect("write");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let expected = reused(3).await;
    assert_eq!(logins(), expected, "a file for another URL is not used");

    // Garbage: ignored.
    std::fs::write(&file, b"\xff{not json").expect("write");
    let expected = reused(4).await;
    assert_eq!(logins(), expected);

    // A link in place of the file: not followed.
    let elsewhere = dir.with_extension("elsewhere.json");
    std::fs::write(&elsewhere, std::fs::read(&file).unwrap_or_default()).expect("write");
    std::fs::remove_file(&file).expect("remove");
    std::os::unix::fs::symlink(&elsewhere, &file).expect("symlink");
    let expected = reused(5).await;
    assert_eq!(logins(), expected, "a link is not followed");
    let _ = std::fs::remove_file(&file);

    // A directory others can write: not used at all.
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).expect("chmod");
    let expected = reused(6).await;
    assert_eq!(logins(), expected);
    let expected = reused(7).await;
    assert_eq!(
        logins(),
        expected,
        "nothing was cached in a directory others can write"
    );
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).expect("chmod");

    // Owned by another user (needs root to arrange; CI runs as root).
    if std::fs::metadata(&dir)
        .ok()
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m))
        == Some(0)
    {
        reused(8).await;
        let file = cache_file(&dir);
        std::os::unix::fs::chown(&file, Some(65534), Some(65534)).expect("chown");
        let expected = reused(9).await;
        assert_eq!(logins(), expected, "a file of another user is not used");
    }
}

#[tokio::test]
async fn processes_started_together_share_one_login_through_the_cache() {
    let simulator = start(World::demo()).await;
    let dir = cache_dir("processes");
    let children: Vec<_> = (0..6)
        .map(|_| {
            // Spawned now, all of them, before any is awaited.
            tokio::process::Command::new(env!("CARGO_BIN_EXE_session-cache-child"))
                .env("SESSION_CACHE_URL", simulator.base_url())
                .env("SESSION_CACHE_DIR", &dir)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("the child starts")
        })
        .collect();
    for child in children {
        let output = child.wait_with_output().await.expect("the child runs");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "ok");
    }
    assert_eq!(simulator.world().calls("iso_image_mount"), 6);
    assert_eq!(
        simulator.world().calls("session_create"),
        1,
        "six processes, one session"
    );
    let text = std::fs::read_to_string(cache_file(&dir)).expect("one whole file");
    serde_json::from_str::<serde_json::Value>(&text).expect("never half-written");
}

// Keep-alive and readiness, through `GET /api/session`.

#[tokio::test]
async fn the_keep_alive_keeps_an_idle_session_and_stops_with_the_client() {
    let simulator = start(World::demo().session_timeout(Duration::from_millis(900))).await;
    let client = Client::builder(&simulator.base_url())
        .credentials(ADMIN.0, ADMIN.1)
        .build()
        .expect("client");
    client
        .session_create(ADMIN.0, ADMIN.1)
        .await
        .expect("login");
    client.keep_alive(Duration::from_millis(300));
    client.keep_alive(Duration::from_millis(300)); // a second call starts nothing
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let info = client.session_get().await.expect("the session is alive");
    assert_eq!(info.user, ADMIN.0);
    assert_eq!(
        simulator.world().calls("session_create"),
        1,
        "no login was needed: the keep-alive kept the session"
    );
    let touched = simulator.world().calls("session_get");
    assert!(
        (3..=12).contains(&touched),
        "about one read per interval: {touched}"
    );

    drop(client);
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let after = simulator.world().calls("session_get");
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(
        simulator.world().calls("session_get"),
        after,
        "stopped with the client"
    );

    // Without it, the idle session expires and the client has to log in again.
    let idle = Client::builder(&simulator.base_url())
        .credentials(ADMIN.0, ADMIN.1)
        .build()
        .expect("client");
    idle.session_create(ADMIN.0, ADMIN.1).await.expect("login");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    idle.session_get().await.expect("logs in again");
    assert_eq!(simulator.world().calls("session_create"), 3);
}

#[tokio::test]
async fn wait_until_ready_waits_out_a_restart_and_says_when_it_gave_up() {
    let simulator = start(World::demo()).await;
    let client = Client::builder(&simulator.base_url())
        .credentials(ADMIN.0, ADMIN.1)
        .build()
        .expect("client");
    client
        .wait_until_ready(Duration::from_secs(5))
        .await
        .expect("ready now");

    simulator
        .restart(Duration::from_millis(800), Duration::from_millis(800))
        .await;
    let err = client
        .wait_until_ready(Duration::from_millis(300))
        .await
        .expect_err("still refusing connections");
    assert!(err.attempts >= 2, "{err}");
    assert!(err.to_string().contains("not ready after"), "{err}");
    assert!(err.last.contains("transport error"), "{err}");

    client
        .wait_until_ready(Duration::from_secs(20))
        .await
        .expect("ready after the restart");
    assert!(
        matches!(simulator.phase(), vcenter_simulator::ServicePhase::Serving),
        "ready means serving, not the 503 phase"
    );
    assert_eq!(
        simulator.world().calls("session_create"),
        0,
        "nothing logged in to probe"
    );
    client
        .iso_image_mount(&mount_body("vm-42"))
        .await
        .expect("calls work again");
}

#[tokio::test]
async fn a_session_limit_message_built_to_explode_stays_one_short_line() {
    // Each argument names the next placeholder twice: filled again and again, the text would
    // double with each of them (2^40 characters).
    let mut args: Vec<String> = (1..=40).map(|i| format!("{{{i}}}{{{i}}}")).collect();
    args.push("x".to_string());
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503).set_body_json(serde_json::json!({
            "error_type": "SERVICE_UNAVAILABLE",
            "messages": [{
                "id": "com.vmware.vapi.endpoint.failedToLoginMaxUserSessionCountReached",
                "default_message": "{0}",
                "args": args
            }]
        })))
        .mount(&server)
        .await;
    let client = Client::builder(&server.uri())
        .retry(RetryPolicy::new())
        .build()
        .expect("client");
    let err = client
        .session_create(ADMIN.0, ADMIN.1)
        .await
        .expect_err("refused");
    match err.kind() {
        ErrorKind::SessionLimit { message, .. } => {
            assert!(
                message.chars().count() <= vcenter_client::DISPLAY_LIMIT + 1,
                "{message}"
            );
            assert!(message.starts_with("{1}{1}"), "filled once: {message}");
        }
        other => panic!("expected SessionLimit, got {other:?}"),
    }
    assert_eq!(err.attempts(), Some(1));
}

#[tokio::test]
async fn a_cached_session_is_not_given_to_another_password_or_a_given_http_client() {
    let simulator = start(World::demo()).await;
    let dir = cache_dir("password");
    cached_client(&simulator, &dir)
        .iso_image_mount(&mount_body("vm-42"))
        .await
        .expect("logs in and caches");
    let wrong = Client::builder(&simulator.base_url())
        .credentials(ADMIN.0, "not-the-password")
        .session_cache_dir(&dir)
        .build()
        .expect("client");
    let err = wrong
        .iso_image_mount(&mount_body("vm-42"))
        .await
        .expect_err("another password does not get the cached session");
    assert!(err.is_unauthenticated(), "{err}");
    let given = Client::builder(&simulator.base_url())
        .credentials(ADMIN.0, ADMIN.1)
        .http_client(reqwest::Client::new())
        .session_cache_dir(&dir)
        .build()
        .expect("client");
    given
        .iso_image_mount(&mount_body("vm-42"))
        .await
        .expect("logs in: no cache for a client whose TLS settings are unknown");
    assert_eq!(simulator.world().calls("session_create"), 3);
}
