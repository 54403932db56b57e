//! TLS: the generated client against an HTTPS server on 127.0.0.1 whose certificate is signed
//! by a private CA (as a vCenter's is by its VMCA). Refused by default, trusted with
//! `add_root_certificate`, accepted with `danger_accept_invalid_certs(true)`, and trusted by its
//! SHA-256 fingerprint with `pin_certificate_sha256` (a self-signed one for another name too),
//! where another fingerprint is an error naming both and is not retried.

use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::{self, ServerConfig};
use tokio_rustls::TlsAcceptor;
use vcenter_client::{Client, ErrorKind};

const CA_PEM: &[u8] = include_bytes!("fixtures/tls/ca.pem");
const SERVER_PEM: &[u8] = include_bytes!("fixtures/tls/server.pem");
const SERVER_KEY: &[u8] = include_bytes!("fixtures/tls/server.key");

/// An HTTPS server on 127.0.0.1 that answers every request with a new session id; it stops
/// when the test's runtime ends. Returns its base URL.
async fn https_server() -> String {
    https_server_with(SERVER_PEM, SERVER_KEY).await
}

/// Like [`https_server`], with this certificate and key.
async fn https_server_with(pem: &[u8], key: &[u8]) -> String {
    let certificates: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<_, _>>()
        .expect("the fixture certificate is PEM");
    let key = PrivateKeyDer::from_pem_slice(key).expect("the fixture key is PEM");
    // aws-lc-rs: the provider reqwest's `rustls` feature builds already, so no second one.
    let config = ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("TLS versions")
    .with_no_client_auth()
    .with_single_cert(certificates, key)
    .expect("a certificate and its key");
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("address").port();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // A client that refuses the certificate ends the handshake: not an error here.
                let Ok(stream) = acceptor.accept(stream).await else {
                    return;
                };
                let service = hyper::service::service_fn(|_request| async {
                    let mut response =
                        Response::new(Full::new(Bytes::from_static(b"\"tls-session\"")));
                    *response.status_mut() = StatusCode::CREATED;
                    Ok::<_, std::convert::Infallible>(response)
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    format!("https://127.0.0.1:{port}")
}

#[tokio::test]
async fn a_certificate_from_an_unknown_ca_is_refused_by_default() {
    let url = https_server().await;
    let client = Client::new(&url).expect("client");
    match client
        .session_create("user", "password")
        .await
        .map_err(|e| e.into_kind())
    {
        Err(ErrorKind::Transport(err)) => {
            let chain = std::iter::successors(Some(&err as &dyn std::error::Error), |e| e.source())
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(": ");
            assert!(chain.to_lowercase().contains("certificate"), "{chain}");
        }
        other => panic!("expected a TLS error, got {other:?}"),
    }
}

#[tokio::test]
async fn the_vmca_root_added_with_add_root_certificate_is_trusted() {
    let url = https_server().await;
    let client = Client::builder(&url)
        .add_root_certificate(CA_PEM)
        .build()
        .expect("client");
    let session = client
        .session_create("user", "password")
        .await
        .expect("the certificate chains to the added root");
    assert_eq!(session.expose_secret(), "tls-session");
}

#[tokio::test]
async fn danger_accept_invalid_certs_accepts_any_certificate() {
    let url = https_server().await;
    let client = Client::builder(&url)
        .danger_accept_invalid_certs(true)
        .build()
        .expect("client");
    client
        .session_create("user", "password")
        .await
        .expect("verification is off");
}

/// The fixture server certificate's SHA-256 fingerprint, as
/// `openssl x509 -in fixtures/tls/server.pem -noout -fingerprint -sha256` prints it.
const SERVER_FINGERPRINT: &str =
    "71:3A:9F:B9:59:E2:36:FD:26:31:95:D4:30:1E:1A:83:D2:31:19:1A:10:53:E4:D5:BC:CA:E7:ED:FC:99:87:78";

#[tokio::test]
async fn a_pinned_fingerprint_trusts_that_certificate_in_govc_or_plain_form() {
    let url = https_server().await;
    for pin in [
        SERVER_FINGERPRINT.to_string(),
        SERVER_FINGERPRINT.replace(':', "").to_lowercase(),
    ] {
        let client = Client::builder(&url)
            .pin_certificate_sha256(&pin)
            .build()
            .expect("client");
        let session = client
            .session_create("user", "password")
            .await
            .expect("the pinned certificate is trusted without its CA");
        assert_eq!(session.expose_secret(), "tls-session");
    }
}

#[tokio::test]
async fn another_fingerprint_is_a_tls_error_naming_both_and_is_not_retried() {
    let url = https_server().await;
    let pinned = "AA:".repeat(31) + "AA";
    let client = Client::builder(&url)
        .pin_certificate_sha256(&pinned)
        .retry(vcenter_client::RetryPolicy::new())
        .build()
        .expect("client");
    let err = client
        .session_create("user", "password")
        .await
        .expect_err("another certificate");
    assert!(matches!(err.kind(), ErrorKind::Transport(_)), "{err:?}");
    let shown = err.to_string();
    assert!(shown.contains(SERVER_FINGERPRINT), "{shown}");
    assert!(shown.contains(&pinned), "{shown}");
    assert_eq!(
        err.attempts(),
        Some(1),
        "a refused certificate is not retried: {shown}"
    );
}

#[tokio::test]
async fn a_certificate_refused_by_default_says_why_in_display() {
    let url = https_server().await;
    let err = Client::new(&url)
        .expect("client")
        .session_create("user", "password")
        .await
        .expect_err("unknown issuer");
    let shown = err.to_string().to_lowercase();
    assert!(shown.contains("certificate"), "{shown}");
    assert!(
        shown.contains("unknown"),
        "the cause, not just 'error sending request': {shown}"
    );
}

#[test]
fn a_sha1_or_malformed_fingerprint_is_refused_when_the_client_is_built() {
    for bad in ["AB:CD", &"AB:".repeat(19).to_string(), &"G".repeat(64)] {
        let bad = bad.trim_end_matches(':');
        match Client::builder("https://vcenter.example.com")
            .pin_certificate_sha256(bad)
            .build()
        {
            Err(vcenter_client::ClientBuildError::InvalidFingerprint { fingerprint }) => {
                assert_eq!(fingerprint, bad)
            }
            other => panic!("expected InvalidFingerprint for {bad:?}, got {other:?}"),
        }
    }
}

/// A self-signed certificate for another name (`fixtures/tls/README.md`), and its fingerprint.
const SELF_SIGNED_PEM: &[u8] = include_bytes!("fixtures/tls/self-signed.pem");
const SELF_SIGNED_KEY: &[u8] = include_bytes!("fixtures/tls/self-signed.key");
const SELF_SIGNED_FINGERPRINT: &str =
    "F9:CA:B7:A0:5C:18:72:FC:49:BA:FC:D4:B6:49:E9:84:5E:3C:D2:C2:90:1B:BE:7C:F2:41:88:13:B2:4F:7C:76";

#[tokio::test]
async fn a_self_signed_certificate_is_trusted_by_its_pinned_fingerprint_alone() {
    let url = https_server_with(SELF_SIGNED_PEM, SELF_SIGNED_KEY).await;
    Client::new(&url)
        .expect("client")
        .session_create("user", "password")
        .await
        .expect_err("self-signed, for another name: refused without the pin");
    let pinned = Client::builder(&url)
        .pin_certificate_sha256(SELF_SIGNED_FINGERPRINT)
        .build()
        .expect("client");
    pinned
        .session_create("user", "password")
        .await
        .expect("pinned: trusted whatever its signer and name");
    // The other server's fingerprint does not open this one.
    let other = Client::builder(&url)
        .pin_certificate_sha256(SERVER_FINGERPRINT)
        .build()
        .expect("client");
    let err = other
        .session_create("user", "password")
        .await
        .expect_err("another fingerprint");
    assert!(err.to_string().contains(SELF_SIGNED_FINGERPRINT), "{err}");
}
