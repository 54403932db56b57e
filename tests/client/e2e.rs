//! End-to-end: the generated client against the project's vCenter simulator on 127.0.0.1,
//! through whole flows (sessions that expire, power states, privileges, unknown ids, busy
//! vms under the retry policy, many tasks at once).
//!
//! With `VCENTER_E2E_PRISM` (Prism's path) and `VCENTER_E2E_SPEC` (the normalized spec) set, as
//! `cargo xtask conformance` sets them, each test's simulator sits behind `prism proxy
//! --errors`: every request the client sends and every answer the simulator gives is checked
//! against the spec, and a violation fails the test.

use std::time::Duration;

use client_tests::prism::{Mode, Prism};
use vcenter_client::types::{CdromId, IsoImageMountRequestBody, LibraryItemId, VmId};
use vcenter_client::{Client, Error, ErrorKind, ResultExt, RetryPolicy};
use vcenter_simulator::{PowerState, Simulator, World};

const ADMIN: (&str, &str) = ("administrator@vsphere.local", "VMware1!");
const READONLY: (&str, &str) = ("readonly@vsphere.local", "ReadOnly1!");
const ISO: &str = "ubuntu-24.04-iso";

/// A simulator, with Prism in front of it when the environment asks for it.
struct Served {
    simulator: Simulator,
    proxy: Option<Prism>,
}

impl Served {
    /// Where clients connect: Prism when it is in front, else the simulator.
    fn base_url(&self) -> String {
        match &self.proxy {
            Some(prism) => prism.base_url(),
            None => self.simulator.base_url(),
        }
    }

    fn world(&self) -> std::sync::MutexGuard<'_, World> {
        self.simulator.world()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let Some(prism) = &mut self.proxy else { return };
        // Prism writes its log a moment after it answers.
        std::thread::sleep(Duration::from_millis(200));
        let violations = prism.new_violations();
        if !violations.is_empty() && !std::thread::panicking() {
            panic!(
                "Prism found requests or answers that break the spec:\n  {}\n(log: {})",
                violations.join("\n  "),
                prism.log_path().display()
            );
        }
    }
}

async fn simulator(world: World) -> Served {
    let simulator = match Simulator::start(world).await {
        Ok(simulator) => simulator,
        Err(err) => panic!("the simulator must start on 127.0.0.1: {err}"),
    };
    let proxy = match (
        std::env::var_os("VCENTER_E2E_PRISM"),
        std::env::var_os("VCENTER_E2E_SPEC"),
    ) {
        (Some(prism), Some(spec)) => {
            let upstream = simulator.base_url();
            let logs = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../target/conformance/logs");
            let started = Prism::start(
                prism.as_ref(),
                spec.as_ref(),
                Mode::Proxy {
                    upstream: &upstream,
                },
                &logs,
            );
            Some(started.unwrap_or_else(|err| panic!("prism proxy must start: {err}")))
        }
        _ => None,
    };
    Served { simulator, proxy }
}

fn mount_body(library_item: &str, vm: &str) -> IsoImageMountRequestBody {
    IsoImageMountRequestBody {
        library_item: LibraryItemId::new(library_item),
        vm: VmId::new(vm),
    }
}

/// A client of `simulator`, logged in as `user`.
async fn logged_in(simulator: &Served, (user, password): (&str, &str)) -> Client {
    let client = Client::new(&simulator.base_url()).expect("a valid base URL");
    client
        .session_create(user, password)
        .await
        .unwrap_or_else(|err| panic!("{user} must be able to log in: {err}"));
    client
}

/// A client of `simulator` that logs in (again) by itself.
fn with_credentials(simulator: &Served, policy: Option<RetryPolicy>) -> Client {
    let mut builder = Client::builder(&simulator.base_url()).credentials(ADMIN.0, ADMIN.1);
    if let Some(policy) = policy {
        builder = builder.retry(policy);
    }
    builder.build().expect("a valid base URL")
}

fn fast_retries(attempts: u32) -> RetryPolicy {
    RetryPolicy::new()
        .max_attempts(attempts)
        .initial_backoff(Duration::from_millis(1))
        .max_backoff(Duration::from_millis(20))
}

/// Asserts an API error with this status and `error_type`, and returns its messages.
fn expect_api_error<T: std::fmt::Debug>(
    result: Result<T, Error<vcenter_client::types::StdErrorsError>>,
    status: u16,
    error_type: &str,
) -> Vec<String> {
    match result {
        Err(err) => {
            assert_eq!(err.status(), Some(status), "status of {err}");
            assert_eq!(
                err.error_type_name(),
                Some(error_type),
                "error_type of {err}"
            );
            err.messages()
        }
        Ok(value) => panic!("expected HTTP {status} {error_type}, got Ok({value:?})"),
    }
}

#[tokio::test]
async fn the_demo_flow_mounts_disconnects_twice_and_logs_out() {
    let simulator = simulator(World::demo()).await;
    let client = logged_in(&simulator, ADMIN).await;
    let vm = VmId::new("vm-42");
    let cdrom = client
        .iso_image_mount(&mount_body(ISO, "vm-42"))
        .await
        .expect("mount on a powered-on vm");
    assert_eq!(
        simulator
            .world()
            .cdroms("vm-42")
            .get(cdrom.as_str())
            .map(|c| c.connected),
        Some(true),
        "a CD-ROM mounted on a powered-on vm starts connected"
    );
    client
        .vm_hardware_cdrom_disconnect(&vm, &cdrom)
        .await
        .expect("disconnect");
    assert_eq!(
        simulator
            .world()
            .cdroms("vm-42")
            .get(cdrom.as_str())
            .map(|c| c.connected),
        Some(false)
    );
    let again = client
        .vm_hardware_cdrom_disconnect(&vm, &cdrom)
        .await
        .ok_if(Error::is_already_in_desired_state)
        .expect("already disconnected counts as done");
    assert_eq!(again, None);
    let err = client
        .vm_hardware_cdrom_disconnect(&vm, &cdrom)
        .await
        .expect_err("disconnecting a disconnected CD-ROM is an error without ok_if");
    assert!(err.is_already_in_desired_state(), "{err}");
    assert_eq!(err.status(), Some(400));
    client.session_delete().await.expect("log out");
    assert_eq!(simulator.world().session_count(), 0);
    assert!(client.session().is_none(), "the client forgets its session");
}

#[tokio::test]
async fn an_expired_session_is_renewed_once_when_the_client_has_credentials() {
    let simulator = simulator(World::demo()).await;
    let client = with_credentials(&simulator, None);
    let cdrom = client
        .iso_image_mount(&mount_body(ISO, "vm-42"))
        .await
        .expect("the first call logs in by itself");
    assert_eq!(simulator.world().calls("session_create"), 1);
    let before = client.session().expect("a session after the first call");

    simulator.world().expire_sessions();
    client
        .vm_hardware_cdrom_disconnect(&VmId::new("vm-42"), &cdrom)
        .await
        .expect("the client logs in again and repeats the call");
    assert_eq!(simulator.world().calls("session_create"), 2);
    assert_eq!(simulator.world().calls("vm_hardware_cdrom_disconnect"), 2);
    assert_ne!(
        client.session(),
        Some(before),
        "a new session replaced the expired one"
    );
}

#[tokio::test]
async fn without_credentials_an_expired_session_is_a_401() {
    let simulator = simulator(World::demo()).await;
    let client = logged_in(&simulator, ADMIN).await;
    let cdrom = client
        .iso_image_mount(&mount_body(ISO, "vm-42"))
        .await
        .expect("mount");
    simulator.world().expire_sessions();
    let result = client
        .vm_hardware_cdrom_disconnect(&VmId::new("vm-42"), &cdrom)
        .await;
    expect_api_error(result, 401, "UNAUTHENTICATED");
    assert_eq!(simulator.world().calls("session_create"), 1, "no new login");
    assert_eq!(
        simulator.world().calls("vm_hardware_cdrom_disconnect"),
        1,
        "no repeat"
    );
}

#[tokio::test]
async fn a_wrong_password_on_renewal_is_a_login_error() {
    let simulator = simulator(World::demo()).await;
    let client = Client::builder(&simulator.base_url())
        .credentials(ADMIN.0, "not the password")
        .build()
        .expect("client");
    let err = client
        .iso_image_mount(&mount_body(ISO, "vm-42"))
        .await
        .expect_err("the login fails");
    assert!(
        matches!(
            err.kind(),
            ErrorKind::Login {
                status: Some(401),
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.status(), Some(401), "the login's own status");
    assert_eq!(err.error_type_name(), Some("UNAUTHENTICATED"));
    assert!(err.is_unauthenticated(), "{err}");
    assert!(err.to_string().contains("UNAUTHENTICATED"), "{err}");
    assert!(!err.to_string().contains("not the password"), "{err}");
    assert!(
        !format!("{client:?}").contains("not the password"),
        "{client:?}"
    );
    assert_eq!(simulator.world().calls("iso_image_mount"), 0);
}

#[tokio::test]
async fn a_powered_off_vm_takes_a_mount_but_not_a_disconnect() {
    let simulator = simulator(World::demo()).await;
    let client = logged_in(&simulator, ADMIN).await;
    let cdrom = client
        .iso_image_mount(&mount_body(ISO, "vm-43"))
        .await
        .expect("a powered-off vm can get a CD-ROM");
    assert_eq!(
        simulator
            .world()
            .cdroms("vm-43")
            .get(cdrom.as_str())
            .map(|c| c.connected),
        Some(false)
    );
    let result = client
        .vm_hardware_cdrom_disconnect(&VmId::new("vm-43"), &cdrom)
        .await;
    let messages = expect_api_error(result, 400, "NOT_ALLOWED_IN_CURRENT_STATE");
    assert_eq!(messages, ["Virtual machine 'vm-43' is not powered on."]);

    let suspended = client.iso_image_mount(&mount_body(ISO, "vm-44")).await;
    expect_api_error(suspended, 400, "NOT_ALLOWED_IN_CURRENT_STATE");
}

#[tokio::test]
async fn a_missing_privilege_is_a_403_unauthorized() {
    let simulator = simulator(World::demo()).await;
    let admin = logged_in(&simulator, ADMIN).await;
    let cdrom = admin
        .iso_image_mount(&mount_body(ISO, "vm-42"))
        .await
        .expect("mount as admin");
    let readonly = logged_in(&simulator, READONLY).await;
    let messages = expect_api_error(
        readonly.iso_image_mount(&mount_body(ISO, "vm-42")).await,
        403,
        "UNAUTHORIZED",
    );
    assert!(
        messages[0].contains("VirtualMachine.Config.AddRemoveDevice"),
        "{messages:?}"
    );
    let err = readonly
        .vm_hardware_cdrom_disconnect(&VmId::new("vm-42"), &cdrom)
        .await
        .expect_err("readonly cannot disconnect");
    assert!(err.is_unauthorized(), "{err}");
    assert_eq!(
        simulator.world().cdroms("vm-42").len(),
        1,
        "nothing was added"
    );
}

#[tokio::test]
async fn unknown_vm_cdrom_and_library_item_are_404_not_found() {
    let simulator = simulator(World::demo()).await;
    let client = logged_in(&simulator, ADMIN).await;
    let messages = expect_api_error(
        client.iso_image_mount(&mount_body(ISO, "vm-999")).await,
        404,
        "NOT_FOUND",
    );
    assert_eq!(
        messages,
        ["Virtual machine with identifier 'vm-999' does not exist."]
    );
    let messages = expect_api_error(
        client
            .iso_image_mount(&mount_body("no-such-item", "vm-42"))
            .await,
        404,
        "NOT_FOUND",
    );
    assert_eq!(
        messages,
        ["Library item with identifier 'no-such-item' does not exist."]
    );
    let result = client
        .vm_hardware_cdrom_disconnect(&VmId::new("vm-42"), &CdromId::new("3999"))
        .await;
    expect_api_error(result, 404, "NOT_FOUND");
    let result = client
        .vm_hardware_cdrom_disconnect(&VmId::new("vm-999"), &CdromId::new("3000"))
        .await;
    let err = result.expect_err("unknown vm");
    assert!(err.is_not_found(), "{err}");

    let no_iso = client
        .iso_image_mount(&mount_body("photon-ova", "vm-42"))
        .await;
    let messages = expect_api_error(no_iso, 400, "INVALID_ARGUMENT");
    assert_eq!(messages, ["Library item 'photon-ova' has no .iso file."]);
}

#[tokio::test]
async fn a_busy_vm_is_retried_under_the_policy_until_it_succeeds() {
    let simulator = simulator(World::demo()).await;
    let client = with_credentials(&simulator, Some(fast_retries(4)));
    let cdrom = client
        .iso_image_mount(&mount_body(ISO, "vm-42"))
        .await
        .expect("mount");
    simulator.world().make_busy("vm-42", 2);
    client
        .vm_hardware_cdrom_disconnect(&VmId::new("vm-42"), &cdrom)
        .await
        .expect("the third attempt succeeds");
    assert_eq!(simulator.world().calls("vm_hardware_cdrom_disconnect"), 3);

    // Mount is retried on RESOURCE_BUSY too: the server said it did not happen.
    simulator.world().make_busy("vm-42", 1);
    client
        .iso_image_mount(&mount_body(ISO, "vm-42"))
        .await
        .expect("mount after one busy answer");
    assert_eq!(simulator.world().calls("iso_image_mount"), 3);
    assert_eq!(
        simulator.world().cdroms("vm-42").len(),
        2,
        "exactly one CD-ROM per mount"
    );
}

#[tokio::test]
async fn retries_stop_after_max_attempts_and_without_a_policy_there_are_none() {
    let simulator = simulator(World::demo()).await;
    let retrying = with_credentials(&simulator, Some(fast_retries(3)));
    simulator.world().make_busy("vm-42", 10);
    let err = retrying
        .iso_image_mount(&mount_body(ISO, "vm-42"))
        .await
        .expect_err("still busy after three attempts");
    assert!(err.is_resource_busy(), "{err}");
    assert_eq!(simulator.world().calls("iso_image_mount"), 3);

    let plain = with_credentials(&simulator, None);
    let err = plain
        .iso_image_mount(&mount_body(ISO, "vm-42"))
        .await
        .expect_err("busy");
    assert!(err.is_resource_busy(), "{err}");
    assert_eq!(
        simulator.world().calls("iso_image_mount"),
        4,
        "one attempt only"
    );
}

#[tokio::test]
async fn a_503_service_unavailable_is_retried() {
    let simulator = simulator(World::demo()).await;
    let client = with_credentials(&simulator, Some(fast_retries(3)));
    client
        .iso_image_mount(&mount_body(ISO, "vm-42"))
        .await
        .expect("log in and mount");
    simulator.world().make_unavailable(2);
    client
        .iso_image_mount(&mount_body(ISO, "vm-42"))
        .await
        .expect("the third attempt succeeds");
    assert_eq!(simulator.world().calls("iso_image_mount"), 4);
}

#[tokio::test]
async fn many_tasks_mount_at_once_through_one_client_and_one_session() {
    const TASKS: usize = 32;
    let simulator = simulator(World::demo()).await;
    let client = with_credentials(&simulator, None);
    let tasks: Vec<_> = (0..TASKS)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.iso_image_mount(&mount_body(ISO, "vm-42")).await })
        })
        .collect();
    let mut ids = std::collections::BTreeSet::new();
    for task in tasks {
        let id = task.await.expect("task").expect("mount");
        ids.insert(id);
    }
    assert_eq!(ids.len(), TASKS, "every mount made its own CD-ROM");
    assert_eq!(simulator.world().cdroms("vm-42").len(), TASKS);
    assert_eq!(
        simulator.world().calls("session_create"),
        1,
        "the tasks waiting for a session share one login"
    );

    // All sessions expire; the tasks that see the 401 renew it once between them.
    simulator.world().expire_sessions();
    let tasks: Vec<_> = ids
        .into_iter()
        .map(|cdrom| {
            let client = client.clone();
            tokio::spawn(async move {
                client
                    .vm_hardware_cdrom_disconnect(&VmId::new("vm-42"), &cdrom)
                    .await
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("task").expect("disconnect");
    }
    assert_eq!(simulator.world().calls("session_create"), 2);
    assert_eq!(simulator.world().session_count(), 1);
}

#[tokio::test]
async fn a_refused_connection_is_retried_until_the_server_is_up() {
    // A free port with nothing listening yet.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let base_url = format!("http://127.0.0.1:{port}");

    let plain = Client::new(&base_url).expect("client");
    match plain
        .session_create(ADMIN.0, ADMIN.1)
        .await
        .map_err(|e| e.into_kind())
    {
        Err(ErrorKind::Transport(err)) => assert!(err.is_connect(), "{err}"),
        other => panic!("expected a connect error, got {other:?}"),
    }

    let client = Client::builder(&base_url)
        .retry(
            RetryPolicy::new()
                .max_attempts(40)
                .initial_backoff(Duration::from_millis(50))
                .max_backoff(Duration::from_millis(50)),
        )
        .build()
        .expect("client");
    let starter = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(150)).await;
        Simulator::start_on(World::demo(), port).await
    });
    let login = client.session_create(ADMIN.0, ADMIN.1).await;
    let simulator = starter
        .await
        .expect("task")
        .expect("the simulator takes the port");
    login.expect("the login is sent once the server listens");
    assert_eq!(simulator.world().calls("session_create"), 1);
}

#[tokio::test]
async fn a_world_can_be_built_with_its_own_users_and_vms() {
    let world = World::new()
        .user(
            "ops@lab.local",
            "secret!",
            vcenter_simulator::ALL_PRIVILEGES,
        )
        .vm("vm-7", PowerState::PoweredOn)
        .library_item("tools-iso", true);
    let simulator = simulator(world).await;
    let client = logged_in(&simulator, ("ops@lab.local", "secret!")).await;
    let cdrom = client
        .iso_image_mount(&mount_body("tools-iso", "vm-7"))
        .await
        .expect("mount");
    assert_eq!(
        cdrom.as_str(),
        "3000",
        "vCenter numbers CD-ROMs from device key 3000"
    );
    let err = Client::new(&simulator.base_url())
        .expect("client")
        .session_create("ops@lab.local", "wrong")
        .await
        .expect_err("a wrong password");
    assert!(err.is_unauthenticated(), "{err}");
}
