//! The `tracing` span of each call, in a test binary of its own because it installs the
//! global subscriber.

use serde_json::json;
use vcenter_client::types::{CdromId, VmId};
use vcenter_client::Client;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

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

impl CapturedLog {
    fn text(&self) -> String {
        self.0
            .lock()
            .map(|log| String::from_utf8_lossy(&log).into_owned())
            .unwrap_or_default()
    }
}

#[tokio::test]
async fn each_call_has_a_span_with_its_outcome_and_no_secrets() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/session"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!("secret-session-7f3a")))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/vcenter/vm/vm-42/hardware/cdrom/3000"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "error_type": "NOT_FOUND",
            "messages": [{"id": "x", "default_message": "No such CD-ROM.", "args": []}]
        })))
        .mount(&server)
        .await;
    let log = CapturedLog::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    // The global subscriber, in a test binary of its own: with a thread-local one, other tests
    // hitting the same callsites on other threads at the same moment can leave them disabled.
    tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");

    let client = Client::new(&server.uri()).expect("client");
    client
        .session_create("ops@vsphere.local", "hunter2!")
        .await
        .expect("login");
    let err = client
        .vm_hardware_cdrom_disconnect(&VmId::new("vm-42"), &CdromId::new("3000"))
        .await
        .expect_err("404");
    assert!(err.is_not_found(), "{err}");

    let text = log.text();
    for expected in [
        "api_call",
        "operation=\"session_create\"",
        "operation=\"vm_hardware_cdrom_disconnect\"",
        "method=\"POST\"",
        "path=\"/api/vcenter/vm/{vm}/hardware/cdrom/{cdrom}?action=disconnect\"",
        "status=201",
        "status=404",
        "error_type=\"NOT_FOUND\"",
        "attempt=1",
    ] {
        assert!(text.contains(expected), "the log lacks {expected}:\n{text}");
    }
    for secret in ["secret-session-7f3a", "hunter2!", "ops@vsphere.local"] {
        assert!(!text.contains(secret), "the log shows {secret}:\n{text}");
    }
}
