//! Client overhead: the generated client's mount and disconnect calls against hand-written
//! `reqwest` code sending byte-identical requests (checked before measuring) to a canned server
//! on 127.0.0.1, at concurrency 1 and 64; and the decoding of a `Std_Errors_Error` body with
//! three messages, typed, against decoding it into an untyped `serde_json::Value`.

use std::hint::black_box;

use benchmarks::server::{CannedServer, CDROM_ID};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use futures_util::future::join_all;
use vcenter_client::types::{
    CdromId, IsoImageMountRequestBody, LibraryItemId, StdErrorsError, VmId,
};
use vcenter_client::{Client, SessionId};

const SESSION: &str = "b6e1e9a2c6d4f0a8b2c4d6e8f0a2b4c6";
const VM: &str = "vm-1042";
const LIBRARY_ITEM: &str = "6e4e9e8a-1b2c-4d5e-8f90-123456789abc";

/// What a careful hand-written client would do, request for request.
#[derive(Clone)]
struct HandWritten {
    http: reqwest::Client,
    base: String,
}

#[derive(serde::Serialize)]
struct MountBody<'a> {
    library_item: &'a str,
    vm: &'a str,
}

impl HandWritten {
    async fn mount(&self) -> Result<String, Box<dyn std::error::Error>> {
        let body = serde_json::to_vec(&MountBody {
            library_item: LIBRARY_ITEM,
            vm: VM,
        })?;
        let response = self
            .http
            .post(format!("{}/api/vcenter/iso/image?action=mount", self.base))
            .header(reqwest::header::ACCEPT, "application/json")
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body)
            .header("vmware-api-session-id", SESSION)
            .send()
            .await?;
        if response.status() != 200 {
            return Err(format!("status {}", response.status()).into());
        }
        Ok(serde_json::from_slice(&response.bytes().await?)?)
    }

    async fn disconnect(&self) -> Result<(), Box<dyn std::error::Error>> {
        let response = self
            .http
            .post(format!(
                "{}/api/vcenter/vm/{VM}/hardware/cdrom/{CDROM_ID}?action=disconnect",
                self.base
            ))
            .header(reqwest::header::ACCEPT, "application/json")
            .header("vmware-api-session-id", SESSION)
            .send()
            .await?;
        if response.status() != 204 {
            return Err(format!("status {}", response.status()).into());
        }
        Ok(())
    }
}

fn mount_body() -> IsoImageMountRequestBody {
    IsoImageMountRequestBody {
        library_item: LibraryItemId::new(LIBRARY_ITEM),
        vm: VmId::new(VM),
    }
}

async fn generated_mount(client: &Client) {
    let id = client
        .iso_image_mount(&mount_body())
        .await
        .expect("generated mount");
    assert_eq!(id.as_str(), CDROM_ID);
}

/// The ids of the disconnect call, made once, as a caller holding them would.
static DISCONNECT_IDS: std::sync::LazyLock<(VmId, CdromId)> =
    std::sync::LazyLock::new(|| (VmId::new(VM), CdromId::new(CDROM_ID)));

async fn generated_disconnect(client: &Client) {
    client
        .vm_hardware_cdrom_disconnect(&DISCONNECT_IDS.0, &DISCONNECT_IDS.1)
        .await
        .expect("generated disconnect");
}

/// Sends one mount and one disconnect with each client and fails unless the server saw the
/// same bytes from both: the comparison is only fair for identical requests.
fn check_identical(
    runtime: &tokio::runtime::Runtime,
    server: &CannedServer,
    ours: &Client,
    theirs: &HandWritten,
) {
    server.clear();
    runtime.block_on(async {
        generated_mount(ours).await;
        generated_disconnect(ours).await;
        assert_eq!(theirs.mount().await.expect("hand-written mount"), CDROM_ID);
        theirs.disconnect().await.expect("hand-written disconnect");
    });
    let seen = server.seen();
    assert_eq!(seen.len(), 4, "the server saw {seen:#?}");
    assert_eq!(seen[0], seen[2], "mount requests differ");
    assert_eq!(seen[1], seen[3], "disconnect requests differ");
    server.clear();
}

fn client_overhead(c: &mut Criterion) {
    let server = CannedServer::start().expect("start the canned server");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("client runtime");
    let ours = Client::builder(&server.base_url())
        .session(SessionId::new(SESSION).expect("session id"))
        .build()
        .expect("generated client");
    let theirs = HandWritten {
        http: reqwest::Client::builder()
            .timeout(vcenter_client::DEFAULT_TIMEOUT)
            .build()
            .expect("reqwest client"),
        base: server.base_url(),
    };
    check_identical(&runtime, &server, &ours, &theirs);

    for concurrency in [1usize, 64] {
        let mut group = c.benchmark_group(format!("client/concurrency-{concurrency}"));
        group.throughput(Throughput::Elements(concurrency as u64));
        group.bench_function("mount/generated", |b| {
            b.to_async(&runtime)
                .iter(|| join_all((0..concurrency).map(|_| generated_mount(&ours))))
        });
        group.bench_function("mount/hand-written", |b| {
            b.to_async(&runtime).iter(|| {
                join_all((0..concurrency).map(|_| async {
                    assert_eq!(theirs.mount().await.expect("hand-written mount"), CDROM_ID)
                }))
            })
        });
        group.bench_function("disconnect/generated", |b| {
            b.to_async(&runtime)
                .iter(|| join_all((0..concurrency).map(|_| generated_disconnect(&ours))))
        });
        group.bench_function("disconnect/hand-written", |b| {
            b.to_async(&runtime).iter(|| {
                join_all(
                    (0..concurrency).map(|_| async {
                        theirs.disconnect().await.expect("hand-written disconnect")
                    }),
                )
            })
        });
        group.finish();
    }
}

/// A `Std_Errors_Error` as vCenter sends it, with three messages.
const ERROR_BODY: &str = r#"{
  "error_type": "NOT_ALLOWED_IN_CURRENT_STATE",
  "messages": [
    {"id": "com.vmware.api.vcenter.vm.hardware.cdrom.not_powered_on",
     "default_message": "Virtual machine {0} is not powered on.", "args": ["vm-1042"]},
    {"id": "vmsg.InvalidPowerState.summary",
     "default_message": "The attempted operation cannot be performed in the current state ({0}).",
     "args": ["Powered off"],
     "params": {"state": {"s": "poweredOff"}}},
    {"id": "com.vmware.vapi.std.errors.not_allowed_in_current_state",
     "default_message": "Operation not allowed in the current state.", "args": []}
  ]
}"#;

fn error_decoding(c: &mut Criterion) {
    let typed: StdErrorsError = serde_json::from_str(ERROR_BODY).expect("typed decode");
    assert_eq!(typed.messages.len(), 3);
    let mut group = c.benchmark_group("decode/std-errors-error-3-messages");
    group.bench_function("generated", |b| {
        b.iter(|| {
            serde_json::from_slice::<StdErrorsError>(black_box(ERROR_BODY.as_bytes()))
                .expect("decode")
        })
    });
    group.bench_function("untyped-value", |b| {
        b.iter(|| {
            serde_json::from_slice::<serde_json::Value>(black_box(ERROR_BODY.as_bytes()))
                .expect("decode")
        })
    });
    group.finish();
}

criterion_group!(benches, client_overhead, error_decoding);
criterion_main!(benches);
