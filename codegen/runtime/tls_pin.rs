//! Trusting a server's certificate by its SHA-256 fingerprint (pinning), for a vCenter whose
//! self-signed or VMCA-signed certificate cannot be verified against a root the client has.
//! This file is part of the generator's runtime: it does not depend on the spec.

use std::fmt;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, OtherError, SignatureScheme};

/// A SHA-256 certificate fingerprint: 32 bytes.
pub(crate) type Fingerprint = [u8; 32];

/// Reads a SHA-256 fingerprint written as 64 hexadecimal digits, in either case, alone or in
/// pairs separated by `:` (govc's and OpenSSL's form, `AB:CD:...`), ` ` or `-`. `None` for
/// anything else, a SHA-1 fingerprint (20 bytes) included: it is not accepted, since SHA-1
/// collisions can be made.
pub(crate) fn parse_fingerprint(text: &str) -> Option<Fingerprint> {
    let digits: Vec<u8> = text
        .trim()
        .bytes()
        .filter(|b| !matches!(b, b':' | b' ' | b'-'))
        .collect();
    if digits.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (index, pair) in digits.chunks(2).enumerate() {
        let text = std::str::from_utf8(pair).ok()?;
        out[index] = u8::from_str_radix(text, 16).ok()?;
    }
    Some(out)
}

/// A fingerprint in govc's form: upper-case hexadecimal pairs separated by `:`.
pub(crate) fn show_fingerprint(fingerprint: &Fingerprint) -> String {
    let pairs: Vec<String> = fingerprint.iter().map(|b| format!("{b:02X}")).collect();
    pairs.join(":")
}

/// The certificate verifier that accepts exactly the server certificates whose SHA-256
/// fingerprint is pinned, whatever signed them and whatever names they hold (as govc's
/// known-hosts thumbprints do). The handshake's signatures are still verified, so only the
/// holder of the certificate's private key can answer.
pub(crate) struct PinnedVerifier {
    pins: Vec<Fingerprint>,
    provider: Arc<CryptoProvider>,
}

impl fmt::Debug for PinnedVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PinnedVerifier")
            .field("pins", &self.pins.iter().map(show_fingerprint).collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

/// A certificate whose fingerprint is not pinned: the TLS error names both. Its `Debug` is its
/// `Display`, since the TLS library's message shows it with `Debug`.
struct FingerprintMismatch {
    expected: Vec<Fingerprint>,
    actual: Fingerprint,
}

impl fmt::Debug for FingerprintMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for FingerprintMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let expected: Vec<String> = self.expected.iter().map(show_fingerprint).collect();
        write!(
            f,
            "the server's certificate has SHA-256 fingerprint {}, not the pinned {}",
            show_fingerprint(&self.actual),
            expected.join(" or ")
        )
    }
}

impl std::error::Error for FingerprintMismatch {}

/// SHA-256 of `data`, with the TLS library's own implementation.
pub(crate) fn sha256(data: &[u8]) -> Option<Fingerprint> {
    let suite = rustls::crypto::aws_lc_rs::cipher_suite::TLS13_AES_128_GCM_SHA256;
    let rustls::SupportedCipherSuite::Tls13(suite) = suite else {
        return None;
    };
    suite.common.hash_provider.hash(data).as_ref().try_into().ok()
}

/// A TLS configuration that trusts exactly the certificates with these fingerprints.
pub(crate) fn pinned_config(pins: Vec<Fingerprint>) -> Result<rustls::ClientConfig, String> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let verifier = PinnedVerifier {
        pins,
        provider: Arc::clone(&provider),
    };
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|err| err.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    Ok(config)
}

impl ServerCertVerifier for PinnedVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let Some(actual) = sha256(end_entity.as_ref()) else {
            return Err(rustls::Error::General(
                "SHA-256 is not available to check the certificate's fingerprint".to_string(),
            ));
        };
        if self.pins.contains(&actual) {
            return Ok(ServerCertVerified::assertion());
        }
        Err(rustls::Error::InvalidCertificate(CertificateError::Other(
            OtherError(Arc::new(FingerprintMismatch {
                expected: self.pins.clone(),
                actual,
            })),
        )))
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}
