//! Client overhead, interleaved: the generated client's mount and disconnect calls against
//! hand-written `reqwest` code sending byte-identical requests to a canned server on
//! 127.0.0.1, at concurrency 1 and 64.
//!
//! Criterion measures one side after the other, so whatever else the shared machine does
//! falls on one side. Here the two sides alternate within one run: every round runs one batch
//! of calls with each side (which goes first is drawn per round), times both, and keeps the
//! ratio of their throughputs (generated / hand-written). A row's figure is the median of its
//! rounds' ratios, with the quartiles as its spread.
//!
//! `cargo bench -p benchmarks --bench client_ab` measures and writes
//! `bench-results/client_ab.json` for `cargo xtask bench`; `-- --check` only checks that both
//! sides send byte-identical requests (CI runs it; no timing). `CLIENT_AB_ROUNDS` (default
//! 200) and `CLIENT_AB_BATCH_MS` (default 10) set the rounds per row and a batch's length.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use benchmarks::server::{CannedServer, CDROM_ID};
use futures_util::future::join_all;
use vcenter_client::types::{CdromId, IsoImageMountRequestBody, LibraryItemId, VmId};
use vcenter_client::{Client, SessionId};

const SESSION: &str = "b6e1e9a2c6d4f0a8b2c4d6e8f0a2b4c6";
/// The request id both sides send: the generated client is given it (`ClientBuilder::request_id`),
/// so that the requests are byte-identical; a fresh random id per call would differ.
const REQUEST_ID: &str = "bench-request-0001";
const VM: &str = "vm-1042";
const LIBRARY_ITEM: &str = "6e4e9e8a-1b2c-4d5e-8f90-123456789abc";

/// What a careful hand-written client would do, request for request.
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
            .header(
                reqwest::header::USER_AGENT,
                vcenter_client::DEFAULT_USER_AGENT,
            )
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body)
            .header("vmware-api-session-id", SESSION)
            .header(vcenter_client::REQUEST_ID_HEADER, REQUEST_ID)
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
            .header(
                reqwest::header::USER_AGENT,
                vcenter_client::DEFAULT_USER_AGENT,
            )
            .header("vmware-api-session-id", SESSION)
            .header(vcenter_client::REQUEST_ID_HEADER, REQUEST_ID)
            .send()
            .await?;
        if response.status() != 204 {
            return Err(format!("status {}", response.status()).into());
        }
        Ok(())
    }
}

/// The benchmarked operations' arguments, made once, as a caller holding them would.
struct Arguments {
    mount: IsoImageMountRequestBody,
    vm: VmId,
    cdrom: CdromId,
}

/// Both sides, and what they call.
struct Sides {
    ours: Client,
    theirs: HandWritten,
    arguments: Arguments,
}

#[derive(Clone, Copy, PartialEq)]
enum Call {
    Mount,
    Disconnect,
}

impl Call {
    fn name(self) -> &'static str {
        match self {
            Call::Mount => "mount",
            Call::Disconnect => "disconnect",
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Side {
    Generated,
    HandWritten,
}

impl Sides {
    /// One call; panics on any failure (the server always answers as documented).
    async fn one(&self, side: Side, call: Call) {
        match (side, call) {
            (Side::Generated, Call::Mount) => {
                let id = self
                    .ours
                    .iso_image_mount(&self.arguments.mount)
                    .await
                    .expect("generated mount");
                assert_eq!(id.as_str(), CDROM_ID);
            }
            (Side::Generated, Call::Disconnect) => self
                .ours
                .vm_hardware_cdrom_disconnect(&self.arguments.vm, &self.arguments.cdrom)
                .await
                .expect("generated disconnect"),
            (Side::HandWritten, Call::Mount) => {
                let id = self.theirs.mount().await.expect("hand-written mount");
                assert_eq!(id, CDROM_ID);
            }
            (Side::HandWritten, Call::Disconnect) => self
                .theirs
                .disconnect()
                .await
                .expect("hand-written disconnect"),
        }
    }

    /// `iterations` times `concurrency` calls at once; how long they took.
    fn batch(
        &self,
        runtime: &tokio::runtime::Runtime,
        side: Side,
        call: Call,
        concurrency: usize,
        iterations: usize,
    ) -> Duration {
        let start = Instant::now();
        runtime.block_on(async {
            for _ in 0..iterations {
                if concurrency == 1 {
                    self.one(side, call).await;
                } else {
                    join_all((0..concurrency).map(|_| self.one(side, call))).await;
                }
            }
        });
        start.elapsed()
    }
}

/// Sends one mount and one disconnect from each side and returns what differs between the
/// requests the server received (method, target, headers in order, body); empty when nothing.
fn differences(
    runtime: &tokio::runtime::Runtime,
    server: &CannedServer,
    sides: &Sides,
) -> Vec<String> {
    server.clear();
    runtime.block_on(async {
        for call in [Call::Mount, Call::Disconnect] {
            sides.one(Side::Generated, call).await;
            sides.one(Side::HandWritten, call).await;
        }
    });
    let seen = server.seen();
    server.clear();
    if seen.len() != 4 {
        return vec![format!(
            "the server saw {} requests, not 4: {seen:#?}",
            seen.len()
        )];
    }
    let mut differences = Vec::new();
    for (at, call) in [(0, Call::Mount), (2, Call::Disconnect)] {
        let (ours, theirs) = (&seen[at], &seen[at + 1]);
        if ours != theirs {
            differences.push(format!(
                "{} requests differ:\n  generated:    {ours:?}\n  hand-written: {theirs:?}",
                call.name()
            ));
        }
    }
    differences
}

/// A small deterministic generator for the order of the sides in each round.
struct XorShift(u64);

impl XorShift {
    fn coin(&mut self) -> bool {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 & 1 == 1
    }
}

/// One row's result.
struct Row {
    call: Call,
    concurrency: usize,
    /// Calls per batch.
    calls_per_batch: usize,
    /// Generated throughput / hand-written throughput, per round, sorted.
    ratios: Vec<f64>,
    /// Calls per second of each side, per round, sorted.
    generated: Vec<f64>,
    hand_written: Vec<f64>,
}

/// The value at fraction `q` of sorted `values` (nearest rank).
fn quantile(values: &[f64], q: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let at = ((values.len() - 1) as f64 * q).round() as usize;
    values[at.min(values.len() - 1)]
}

fn sorted(mut values: Vec<f64>) -> Vec<f64> {
    values.sort_by(f64::total_cmp);
    values
}

fn measure(
    runtime: &tokio::runtime::Runtime,
    sides: &Sides,
    call: Call,
    concurrency: usize,
    rounds: usize,
    batch_length: Duration,
    order: &mut XorShift,
) -> Row {
    // Warm up both sides (connections open, caches warm), then size a batch to about
    // `batch_length` on the hand-written side.
    for side in [Side::Generated, Side::HandWritten] {
        sides.batch(runtime, side, call, concurrency, 20);
    }
    let probe = 50;
    let took = sides.batch(runtime, Side::HandWritten, call, concurrency, probe);
    let per_iteration = took.as_secs_f64() / probe as f64;
    let iterations = ((batch_length.as_secs_f64() / per_iteration).round() as usize).max(1);
    let calls = iterations * concurrency;
    let (mut ratios, mut generated, mut hand_written) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..rounds {
        let first = if order.coin() {
            Side::Generated
        } else {
            Side::HandWritten
        };
        let second = if first == Side::Generated {
            Side::HandWritten
        } else {
            Side::Generated
        };
        let a = sides.batch(runtime, first, call, concurrency, iterations);
        let b = sides.batch(runtime, second, call, concurrency, iterations);
        let (ours, theirs) = if first == Side::Generated {
            (a, b)
        } else {
            (b, a)
        };
        let (ours, theirs) = (ours.as_secs_f64(), theirs.as_secs_f64());
        ratios.push(theirs / ours);
        generated.push(calls as f64 / ours);
        hand_written.push(calls as f64 / theirs);
    }
    Row {
        call,
        concurrency,
        calls_per_batch: calls,
        ratios: sorted(ratios),
        generated: sorted(generated),
        hand_written: sorted(hand_written),
    }
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

fn main() -> ExitCode {
    let check_only = std::env::args().any(|arg| arg == "--check");
    let server = CannedServer::start().expect("start the canned server");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("client runtime");
    let sides = Sides {
        ours: Client::builder(&server.base_url())
            .session(SessionId::new(SESSION).expect("session id"))
            .request_id(REQUEST_ID)
            .build()
            .expect("generated client"),
        theirs: HandWritten {
            http: reqwest::Client::builder()
                .timeout(vcenter_client::DEFAULT_TIMEOUT)
                .build()
                .expect("reqwest client"),
            base: server.base_url(),
        },
        arguments: Arguments {
            mount: IsoImageMountRequestBody {
                library_item: LibraryItemId::new(LIBRARY_ITEM),
                vm: VmId::new(VM),
            },
            vm: VmId::new(VM),
            cdrom: CdromId::new(CDROM_ID),
        },
    };
    let differences = differences(&runtime, &server, &sides);
    if !differences.is_empty() {
        for difference in &differences {
            eprintln!("error: {difference}");
        }
        eprintln!("error: the two sides must send byte-identical requests to be compared");
        return ExitCode::FAILURE;
    }
    println!(
        "requests byte-identical: mount and disconnect (method, target, headers in order, body)"
    );
    if check_only {
        return ExitCode::SUCCESS;
    }

    let rounds = env_number("CLIENT_AB_ROUNDS", 200).max(1);
    let batch_length = Duration::from_millis(env_number("CLIENT_AB_BATCH_MS", 10).max(1) as u64);
    let mut order = XorShift(0x9E37_79B9_7F4A_7C15);
    let mut rows = Vec::new();
    println!(
        "{rounds} rounds per row, batches of about {} ms per side, order drawn per round",
        batch_length.as_millis()
    );
    println!("row                      calls/batch  ratio (median)  IQR            generated   hand-written");
    for concurrency in [1usize, 64] {
        for call in [Call::Mount, Call::Disconnect] {
            let row = measure(
                &runtime,
                &sides,
                call,
                concurrency,
                rounds,
                batch_length,
                &mut order,
            );
            println!(
                "{:<24} {:>11}  {:>14.3}  {:.3} to {:.3}  {:>7.0}/s  {:>9.0}/s",
                format!("{} at concurrency {}", call.name(), concurrency),
                row.calls_per_batch,
                quantile(&row.ratios, 0.5),
                quantile(&row.ratios, 0.25),
                quantile(&row.ratios, 0.75),
                quantile(&row.generated, 0.5),
                quantile(&row.hand_written, 0.5),
            );
            rows.push(row);
        }
    }
    // Checked again after measuring: the comparison holds only for identical requests.
    if !self::differences(&runtime, &server, &sides).is_empty() {
        eprintln!("error: the requests differ after measuring");
        return ExitCode::FAILURE;
    }
    let json = serde_json::json!({
        "rounds": rounds,
        "batch_ms": batch_length.as_millis() as u64,
        "rows": rows.iter().map(|row| serde_json::json!({
            "call": row.call.name(),
            "concurrency": row.concurrency,
            "calls_per_batch": row.calls_per_batch,
            "ratio_median": quantile(&row.ratios, 0.5),
            "ratio_q1": quantile(&row.ratios, 0.25),
            "ratio_q3": quantile(&row.ratios, 0.75),
            "generated_per_second": quantile(&row.generated, 0.5),
            "hand_written_per_second": quantile(&row.hand_written, 0.5),
        })).collect::<Vec<_>>(),
    });
    let file = benchmarks::results_dir().join("client_ab.json");
    if let Err(err) = std::fs::write(&file, json.to_string()) {
        eprintln!("error: cannot write {}: {err}", file.display());
        return ExitCode::FAILURE;
    }
    println!("written: {}", file.display());
    ExitCode::SUCCESS
}
