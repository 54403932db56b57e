//! Decoding a `Std_Errors_Error` body with three messages, typed, against decoding it into an
//! untyped `serde_json::Value`. (The client's calls against hand-written `reqwest` are measured
//! by the interleaved harness in `client_ab.rs`.)

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use vcenter_client::types::StdErrorsError;

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

criterion_group!(benches, error_decoding);
criterion_main!(benches);
