//! The client, its builder, the session it keeps, and the core request helpers the generated
//! operations call. This file is part of the generator's runtime: it does not depend on the spec.

use std::fmt;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use reqwest::header::HeaderValue;

use super::error::{Error, ErrorKind, TimeoutPhase, MAX_REDIRECTS};
use super::redact::{without_userinfo, Secrets};
use super::retry::RetryPolicy;

/// The largest response body read by default: 32 MiB.
pub const DEFAULT_MAX_RESPONSE_BODY: usize = 32 * 1024 * 1024;

/// The request timeout used when none is set: 60 seconds.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// The connect timeout used when none is set: 10 seconds.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The `User-Agent` every request carries: this crate's name and version, e.g.
/// `vcenter-client/0.1.0`, after the caller's product when one is given
/// ([`ClientBuilder::user_agent_product`]).
pub const DEFAULT_USER_AGENT: &str = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));

/// Settings of one call, or of the calls made through one view of a client: see
/// [`Client::with_options`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallOptions {
    /// The timeout of each request of the call, from sending to the end of the body, instead
    /// of the client's.
    pub timeout: Option<Duration>,
    /// The request id sent in the `X-Request-ID` header, instead of a fresh random one.
    pub request_id: Option<String>,
}

impl CallOptions {
    /// No option set: the client's settings.
    pub fn new() -> Self {
        CallOptions::default()
    }

    /// The timeout of each request of the call, instead of the client's (e.g. a short one for
    /// a call that may block, or a long one for a slow operation).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The request id to send in the `X-Request-ID` header: one the caller already logs, to
    /// find the call in the server's logs. It must be visible ASCII (at most 128 bytes);
    /// another is replaced by a fresh random id.
    pub fn request_id(mut self, id: impl Into<String>) -> Self {
        self.request_id = Some(id.into());
        self
    }
}

/// `id` as a request id header value, when it is one: 1 to 128 bytes of visible ASCII.
fn request_id_value(id: &str) -> Option<HeaderValue> {
    if id.is_empty() || id.len() > 128 || !id.bytes().all(|b| b.is_ascii_graphic()) {
        return None;
    }
    HeaderValue::from_str(id).ok()
}

/// An API session id: a secret. Its `Debug` output is redacted and it has no `Display`.
///
/// Cloning it is cheap (the text and the header value that carries it are shared), so every
/// call takes the client's current session without copying it.
#[derive(Clone)]
pub struct SessionId {
    text: Arc<str>,
    /// The header value that carries it, made once and marked sensitive.
    header: HeaderValue,
}

impl SessionId {
    /// Wraps a session id obtained elsewhere, e.g. from an earlier run.
    ///
    /// Returns `None` when the text cannot be sent in an HTTP header (it is empty or has
    /// characters other than visible ASCII).
    pub fn new(id: impl Into<String>) -> Option<Self> {
        let id = id.into();
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_graphic()) {
            return None;
        }
        let mut header = HeaderValue::from_str(&id).ok()?;
        header.set_sensitive(true);
        Some(SessionId {
            text: id.into(),
            header,
        })
    }

    /// The session id itself, to store it or hand it to another program.
    pub fn expose_secret(&self) -> &str {
        &self.text
    }

    /// The session id, shared.
    pub(crate) fn shared(&self) -> Arc<str> {
        Arc::clone(&self.text)
    }

    /// The session id as a header value marked sensitive (kept out of HTTP logs).
    pub(crate) fn header_value(&self) -> &HeaderValue {
        &self.header
    }
}

impl PartialEq for SessionId {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Eq for SessionId {}

impl fmt::Debug for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionId(<redacted>)")
    }
}

/// Why a client could not be built.
#[derive(Debug)]
#[non_exhaustive]
pub enum ClientBuildError {
    /// The base URL is not an absolute `http` or `https` URL.
    InvalidBaseUrl {
        /// The URL as given, with any user name and password replaced by `[redacted]`.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The base URL holds a user name or password (`https://user:password@host`). They are
    /// not sent from there, and a URL is shown in errors and logs: give them to
    /// [`ClientBuilder::credentials`] instead.
    CredentialsInBaseUrl {
        /// The URL as given, with the user name and password replaced by `[redacted]`.
        url: String,
    },
    /// A certificate given to [`ClientBuilder::add_root_certificate`] is not PEM, or holds no
    /// certificate.
    InvalidCertificate {
        /// What is wrong with it.
        reason: String,
    },
    /// A certificate fingerprint given to [`ClientBuilder::pin_certificate_sha256`] is not
    /// a SHA-256 fingerprint (64 hexadecimal digits, alone or in `:`-separated pairs).
    InvalidFingerprint {
        /// The fingerprint as given.
        fingerprint: String,
    },
    /// [`ClientBuilder::from_env`] found a variable missing or unusable.
    Environment {
        /// The variable's name, e.g. `VCENTER_URL`.
        variable: String,
        /// What is wrong with it (its value is never shown: it may be a password).
        reason: String,
    },
    /// The HTTP client could not be created.
    Http(reqwest::Error),
}

impl fmt::Display for ClientBuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientBuildError::InvalidBaseUrl { url, reason } => {
                write!(f, "invalid base URL {url:?}: {reason}")
            }
            ClientBuildError::CredentialsInBaseUrl { url } => write!(
                f,
                "invalid base URL {url:?}: it holds a user name or password; give them to \
                 ClientBuilder::credentials instead"
            ),
            ClientBuildError::InvalidCertificate { reason } => {
                write!(f, "invalid root certificate: {reason}")
            }
            ClientBuildError::InvalidFingerprint { fingerprint } => write!(
                f,
                "invalid certificate fingerprint {:?}: a SHA-256 fingerprint is 64 hexadecimal \
                 digits, alone or in pairs separated by `:`",
                super::error::one_line(fingerprint)
            ),
            ClientBuildError::Environment { variable, reason } => {
                write!(f, "environment variable {variable}: {reason}")
            }
            ClientBuildError::Http(err) => write!(
                f,
                "cannot create the HTTP client{}",
                super::error::causes(err)
            ),
        }
    }
}

impl std::error::Error for ClientBuildError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ClientBuildError::Http(err) => Some(err),
            ClientBuildError::InvalidBaseUrl { .. }
            | ClientBuildError::CredentialsInBaseUrl { .. }
            | ClientBuildError::InvalidCertificate { .. }
            | ClientBuildError::InvalidFingerprint { .. }
            | ClientBuildError::Environment { .. } => None,
        }
    }
}

/// The user name and password a client logs in with again when its session expires.
#[derive(Clone)]
pub(crate) struct Credentials {
    pub(crate) username: String,
    pub(crate) password: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// Builds a [`Client`] with non-default settings.
///
/// TLS uses rustls and the platform's certificate verifier with its trust roots (on Linux the
/// system's CA certificates, or those of `SSL_CERT_FILE` and `SSL_CERT_DIR`). A vCenter whose
/// certificate is signed by its own VMCA is trusted with
/// [`add_root_certificate`](Self::add_root_certificate).
///
/// Redirects are followed only within the base URL's origin (scheme, host and port); one to
/// another origin is not followed and the call fails with [`ErrorKind::Redirect`], so the session
/// id, the credentials and the request body never reach another server.
pub struct ClientBuilder {
    base_url: String,
    timeout: Duration,
    connect_timeout: Duration,
    http: Option<reqwest::Client>,
    pub(crate) max_response_body: usize,
    session: Option<SessionId>,
    credentials: Option<Credentials>,
    retry: Option<RetryPolicy>,
    root_certificates: Vec<Vec<u8>>,
    accept_invalid_certs: bool,
    pinned: Vec<String>,
    request_id: Option<String>,
    user_agent_product: Option<String>,
    session_cache: Option<std::path::PathBuf>,
    /// Credentials per security scheme (`credentials.rs`, in crates whose API has schemes).
    pub(crate) security: Option<Arc<dyn std::any::Any + Send + Sync>>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &without_userinfo(&self.base_url))
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("http", &self.http)
            .field("max_response_body", &self.max_response_body)
            .field("session", &self.session)
            .field("credentials", &self.credentials)
            .field("retry", &self.retry)
            .field("root_certificates", &self.root_certificates.len())
            .field("accept_invalid_certs", &self.accept_invalid_certs)
            .field("pinned", &self.pinned)
            .field("request_id", &self.request_id)
            .field("user_agent_product", &self.user_agent_product)
            .field("session_cache", &self.session_cache)
            .finish()
    }
}

impl ClientBuilder {
    /// The timeout of each request, from sending to the end of the body (default
    /// [`DEFAULT_TIMEOUT`]). Ignored when an existing `reqwest::Client` is given.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The timeout of opening a connection, TLS handshake included (default
    /// [`DEFAULT_CONNECT_TIMEOUT`]). Ignored when an existing `reqwest::Client` is given.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Trusts the certificate(s) in `pem` as roots, besides the platform's: for a vCenter
    /// whose certificate is signed by its own certificate authority (VMCA), whose root
    /// certificate can be downloaded from `https://<vcenter>/certs/download.zip`.
    ///
    /// The PEM text is checked by [`build`](Self::build). Ignored when an existing
    /// `reqwest::Client` is given.
    pub fn add_root_certificate(mut self, pem: impl AsRef<[u8]>) -> Self {
        self.root_certificates.push(pem.as_ref().to_vec());
        self
    }

    /// **Unsafe: turns off certificate verification.** With `true`, the client accepts any
    /// certificate, including one for another host or one an attacker made, so anyone on the
    /// network path can read the password and session id and change what is sent. Use it only
    /// against a test vCenter on a network you trust; prefer
    /// [`add_root_certificate`](Self::add_root_certificate). Off by default.
    pub fn danger_accept_invalid_certs(mut self, accept: bool) -> Self {
        self.accept_invalid_certs = accept;
        self
    }

    /// Sends requests through an existing `reqwest::Client` (its pool, TLS and proxy settings).
    ///
    /// This client cannot change the redirect policy of a given one: build it with
    /// `.redirect(reqwest::redirect::Policy::none())`, or reqwest's default policy follows a
    /// redirect to another server with the session header and the body. Whatever it does,
    /// an answer that comes from another origin than the base URL's is never used (it is
    /// [`ErrorKind::Redirect`]; a session it creates is not adopted).
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// The largest response body the client reads (default [`DEFAULT_MAX_RESPONSE_BODY`]);
    /// a larger one is [`ErrorKind::BodyTooLarge`].
    pub fn max_response_body(mut self, bytes: usize) -> Self {
        self.max_response_body = bytes;
        self
    }

    /// Starts with a session obtained earlier.
    pub fn session(mut self, session: SessionId) -> Self {
        self.session = Some(session);
        self
    }

    /// Logs in with these credentials when a call needs a session and the client has none,
    /// and again, once per call, when a call is answered with HTTP 401 (the session expired
    /// or was ended elsewhere); the call is then repeated once with the new session.
    ///
    /// Without credentials a 401 is returned to the caller as it is. The password is kept in
    /// memory for this purpose and is never logged or shown by `Debug`.
    pub fn credentials(mut self, username: &str, password: &str) -> Self {
        self.credentials = Some(Credentials {
            username: username.to_string(),
            password: password.to_string(),
        });
        self
    }

    /// Retries calls that certainly did not take effect; see [`RetryPolicy`]. Off by default.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// Shares the session this client logs in to with other processes, through a file in the
    /// user's cache directory (`$XDG_CACHE_HOME` or `~/.cache`, then `<crate name>/sessions`),
    /// so that a program run many times (a CI loop, a cron job) reuses one session instead of
    /// leaving one behind per run until vCenter ends it 30 minutes later, and never reaches
    /// the user's session limit. Needs [`credentials`](Self::credentials), and is off for a
    /// client given with [`http_client`](Self::http_client), whose TLS settings it cannot
    /// know; see [`session_cache_dir`](Self::session_cache_dir) for how the files are kept.
    pub fn session_cache(mut self) -> Self {
        self.session_cache = super::session_cache::default_dir();
        self
    }

    /// Like [`session_cache`](Self::session_cache), in the directory `dir`.
    ///
    /// The cache holds one file per base URL, user name, password and TLS settings (trusted
    /// roots, pinned fingerprints, verification off or on), named by their SHA-256; it holds
    /// the session id, never the password. A cached session is used only by a client with the same
    /// three. The directory is created readable by the user alone (mode 0700) and each file is
    /// written whole (to a new file of mode 0600, then renamed); a directory or file that
    /// belongs to another user, that others can read or write, or that is a link, is not used
    /// (a warning is logged and the client logs in as without a cache). These checks are made
    /// on Unix; elsewhere the directory is trusted as the user's own. Processes that log in
    /// at the same time take turns, so that they share one new session. A 401 on a cached
    /// session logs in again and replaces it; `session_delete` removes it.
    pub fn session_cache_dir(mut self, dir: impl Into<std::path::PathBuf>) -> Self {
        self.session_cache = Some(dir.into());
        self
    }

    /// Trusts the server certificate whose SHA-256 fingerprint is `fingerprint`, and only it
    /// (with several calls, any of them), instead of verifying the certificate against trust
    /// roots: for a vCenter whose self-signed or VMCA-signed certificate cannot be verified,
    /// without turning verification off. The fingerprint is 64 hexadecimal digits, alone or
    /// in pairs separated by `:` as govc prints it (`govc about.cert -thumbprint`, or
    /// `openssl x509 -noout -fingerprint -sha256`).
    ///
    /// The certificate's names and signer are not checked, as with govc's known hosts; the
    /// handshake still proves the server holds the certificate's private key. A certificate
    /// with another fingerprint fails the call with a TLS error naming both fingerprints.
    /// Pinning replaces [`add_root_certificate`](Self::add_root_certificate) and
    /// [`danger_accept_invalid_certs`](Self::danger_accept_invalid_certs); it is ignored when an
    /// existing `reqwest::Client` is given. A SHA-1 thumbprint is refused by
    /// [`build`](Self::build).
    pub fn pin_certificate_sha256(mut self, fingerprint: &str) -> Self {
        self.pinned.push(fingerprint.to_string());
        self
    }

    /// Sends `id` as the request id (`X-Request-ID`) of every call, instead of a fresh random
    /// id per call: e.g. one id for a whole job, as govc's `GOVC_OPERATION_ID`. It must be
    /// 1 to 128 bytes of visible ASCII, or [`build`](Self::build) ignores it. A call's own
    /// ([`CallOptions::request_id`]) takes precedence.
    pub fn request_id(mut self, id: &str) -> Self {
        self.request_id = Some(id.to_string());
        self
    }

    /// Names the caller's product in the `User-Agent` header, before this crate's own: with
    /// `"my-tool/1.2"`, `my-tool/1.2 vcenter-client/0.1.0` ([`DEFAULT_USER_AGENT`]). Ignored
    /// when it cannot be sent in a header.
    pub fn user_agent_product(mut self, product: &str) -> Self {
        self.user_agent_product = Some(product.to_string());
        self
    }

    /// A builder configured from environment variables named after this crate (for
    /// `vcenter-client`, the prefix is `VCENTER`), as govc reads its own:
    ///
    /// - `<PREFIX>_URL` (required): the base URL, e.g. `https://vcenter.example.com`;
    /// - `<PREFIX>_USER` and `<PREFIX>_PASSWORD`: the credentials to log in with (both or
    ///   neither);
    /// - `<PREFIX>_CA_FILE`: a PEM file of root certificates to trust (the vCenter's VMCA root);
    /// - `<PREFIX>_THUMBPRINT`: the SHA-256 fingerprint of the server's certificate to trust
    ///   ([`pin_certificate_sha256`](Self::pin_certificate_sha256));
    /// - `<PREFIX>_INSECURE`: `1` or `true` turns certificate verification off (unsafe; see
    ///   [`danger_accept_invalid_certs`](Self::danger_accept_invalid_certs));
    /// - `<PREFIX>_REQUEST_ID`: the request id of every call ([`request_id`](Self::request_id)).
    ///
    /// Empty variables count as unset. The password is never shown, in an error or by `Debug`;
    /// an error names the variable, and the value only where it is not a secret (a URL, a
    /// path, a fingerprint).
    pub fn from_env() -> Result<ClientBuilder, ClientBuildError> {
        let prefix = env_prefix();
        let var = |name: &str| {
            let variable = format!("{prefix}_{name}");
            match std::env::var(&variable) {
                Ok(value) if !value.is_empty() => Ok(Some(value)),
                Ok(_) | Err(std::env::VarError::NotPresent) => Ok(None),
                Err(std::env::VarError::NotUnicode(_)) => Err(ClientBuildError::Environment {
                    variable,
                    reason: "the value is not Unicode".to_string(),
                }),
            }
        };
        let Some(url) = var("URL")? else {
            return Err(ClientBuildError::Environment {
                variable: format!("{prefix}_URL"),
                reason: "not set".to_string(),
            });
        };
        let mut builder = Client::builder(&url);
        match (var("USER")?, var("PASSWORD")?) {
            (Some(user), Some(password)) => builder = builder.credentials(&user, &password),
            (None, None) => {}
            (Some(_), None) | (None, Some(_)) => {
                return Err(ClientBuildError::Environment {
                    variable: format!("{prefix}_USER and {prefix}_PASSWORD"),
                    reason: "set one without the other".to_string(),
                })
            }
        }
        if let Some(path) = var("CA_FILE")? {
            let pem = std::fs::read(&path).map_err(|err| ClientBuildError::Environment {
                variable: format!("{prefix}_CA_FILE"),
                reason: format!("cannot read {path:?}: {err}"),
            })?;
            builder = builder.add_root_certificate(pem);
        }
        if let Some(fingerprint) = var("THUMBPRINT")? {
            builder = builder.pin_certificate_sha256(&fingerprint);
        }
        match var("INSECURE")?.as_deref() {
            None | Some("0") | Some("false") => {}
            Some("1") | Some("true") => builder = builder.danger_accept_invalid_certs(true),
            Some(_) => {
                return Err(ClientBuildError::Environment {
                    variable: format!("{prefix}_INSECURE"),
                    reason: "expected 1, true, 0 or false".to_string(),
                })
            }
        }
        if let Some(id) = var("REQUEST_ID")? {
            builder = builder.request_id(&id);
        }
        Ok(builder)
    }

    /// Builds the client.
    ///
    /// The trust roots are loaded here, whatever the URL's scheme: on a system without CA
    /// certificates this is [`ClientBuildError::Http`] unless a root was added with
    /// [`add_root_certificate`](Self::add_root_certificate) or verification is off.
    pub fn build(self) -> Result<Client, ClientBuildError> {
        let origin = parse_base_url(&self.base_url)?;
        let base_url = origin.as_str().trim_end_matches('/').to_string();
        let given_http_client = self.http.is_some();
        let (http, timeouts) = match self.http {
            Some(http) => (http, None),
            None => {
                let same_origin = origin.clone();
                // `previous` holds the URLs already requested, the first included: after the
                // n-th redirect it holds n of them.
                let redirects = reqwest::redirect::Policy::custom(move |attempt| {
                    if attempt.previous().len() > MAX_REDIRECTS
                        || attempt.url().origin() != same_origin.origin()
                    {
                        attempt.stop()
                    } else {
                        attempt.follow()
                    }
                });
                let mut http = reqwest::Client::builder()
                    .timeout(self.timeout)
                    .connect_timeout(self.connect_timeout)
                    .redirect(redirects);
                for pem in &self.root_certificates {
                    let invalid = |reason: String| ClientBuildError::InvalidCertificate { reason };
                    let certificates = reqwest::Certificate::from_pem_bundle(pem)
                        .map_err(|err| invalid(err.to_string()))?;
                    if certificates.is_empty() {
                        return Err(invalid("the PEM text holds no certificate".to_string()));
                    }
                    http = http.tls_certs_merge(certificates);
                }
                if !self.pinned.is_empty() {
                    let pins = self
                        .pinned
                        .iter()
                        .map(|text| {
                            super::tls_pin::parse_fingerprint(text).ok_or_else(|| {
                                ClientBuildError::InvalidFingerprint {
                                    fingerprint: text.clone(),
                                }
                            })
                        })
                        .collect::<Result<Vec<_>, _>>()?;
                    let config = super::tls_pin::pinned_config(pins)
                        .map_err(|reason| ClientBuildError::InvalidCertificate { reason })?;
                    http = http.tls_backend_preconfigured(config);
                } else if self.accept_invalid_certs {
                    http = http.tls_danger_accept_invalid_certs(true);
                }
                let timeouts = Timeouts {
                    connect: self.connect_timeout,
                    request: self.timeout,
                };
                (http.build().map_err(ClientBuildError::Http)?, Some(timeouts))
            }
        };
        // The TLS settings a cached session is kept for: a session obtained while trusting one
        // set of servers is not sent while trusting another.
        let tls = format!(
            "roots={:?};pins={:?};insecure={};given_http_client={}",
            self.root_certificates
                .iter()
                .map(|pem| super::tls_pin::sha256(pem).map(|d| super::tls_pin::show_fingerprint(&d)))
                .collect::<Vec<_>>(),
            self.pinned
                .iter()
                .map(|pin| super::tls_pin::parse_fingerprint(pin).map(|d| super::tls_pin::show_fingerprint(&d)))
                .collect::<Vec<_>>(),
            self.accept_invalid_certs,
            given_http_client,
        );
        // A given HTTP client's TLS settings are unknown: a session cached by a client that
        // verifies certificates must not be sent through one that may not, so such a client
        // has no cache.
        let session_cache = match (self.session_cache, &self.credentials, given_http_client) {
            (Some(dir), Some(credentials), false) => super::session_cache::SessionCache::new(
                dir,
                &base_url,
                &credentials.username,
                &credentials.password,
                &tls,
            ),
            _ => None,
        };
        let user_agent = self
            .user_agent_product
            .as_deref()
            .and_then(|product| HeaderValue::from_str(&format!("{product} {DEFAULT_USER_AGENT}")).ok())
            .unwrap_or_else(|| HeaderValue::from_static(DEFAULT_USER_AGENT));
        Ok(Client {
            options: None,
            inner: Arc::new(ClientInner {
                user_agent,
                request_id: self.request_id.as_deref().and_then(request_id_value),
                session_cache,
                keep_alive: std::sync::atomic::AtomicBool::new(false),
                http,
                base_url,
                origin,
                timeouts,
                max_response_body: self.max_response_body,
                session: RwLock::new(self.session),
                credentials: self.credentials,
                retry: self.retry,
                renewal: tokio::sync::Mutex::new(()),
                security: self.security,
            }),
        })
    }
}

/// The prefix of [`ClientBuilder::from_env`]'s variables: the crate's name without a
/// `-client` ending, upper case, `_` for `-` (`vcenter-client`: `VCENTER`).
fn env_prefix() -> String {
    let name = env!("CARGO_PKG_NAME");
    let name = name
        .strip_suffix("-client")
        .or_else(|| name.strip_suffix("_client"))
        .filter(|rest| !rest.is_empty())
        .unwrap_or(name);
    name.to_ascii_uppercase().replace('-', "_")
}

fn parse_base_url(url: &str) -> Result<reqwest::Url, ClientBuildError> {
    let invalid = |reason: String| ClientBuildError::InvalidBaseUrl {
        url: without_userinfo(url),
        reason,
    };
    let parsed = reqwest::Url::parse(url).map_err(|err| invalid(err.to_string()))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(invalid(format!(
            "the scheme is {:?}, not http or https",
            parsed.scheme()
        )));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(invalid("a base URL has no query or fragment".to_string()));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(ClientBuildError::CredentialsInBaseUrl {
            url: without_userinfo(url),
        });
    }
    Ok(parsed)
}

/// The timeouts of an HTTP client this client built itself.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timeouts {
    connect: Duration,
    request: Duration,
}

/// A client of the API: cheap to clone, `Send + Sync`; clones share one connection pool and
/// one session, and can be used from many tasks at once.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<ClientInner>,
    /// The options of the calls made through this view ([`Client::with_options`]).
    pub(crate) options: Option<Arc<CallOptions>>,
}

pub(crate) struct ClientInner {
    pub(crate) http: reqwest::Client,
    /// Sent as `User-Agent` with every request.
    user_agent: HeaderValue,
    /// The request id of every call, when the builder was given one.
    request_id: Option<HeaderValue>,
    /// Where the session is shared with other processes.
    pub(crate) session_cache: Option<super::session_cache::SessionCache>,
    /// Whether a keep-alive task runs (read by `keep_alive.rs`, which a crate whose API cannot
    /// read its session does not have).
    #[allow(dead_code)]
    pub(crate) keep_alive: std::sync::atomic::AtomicBool,
    /// Without a trailing `/`; operation paths start with one.
    base_url: String,
    /// The base URL, parsed: only answers from its origin are used.
    origin: reqwest::Url,
    /// `None` for an HTTP client given by the caller.
    timeouts: Option<Timeouts>,
    pub(crate) max_response_body: usize,
    session: RwLock<Option<SessionId>>,
    pub(crate) credentials: Option<Credentials>,
    pub(crate) retry: Option<RetryPolicy>,
    /// Held while a session is created, so that tasks that all see an expired session log in
    /// once, not once each.
    pub(crate) renewal: tokio::sync::Mutex<()>,
    /// Credentials per security scheme (`credentials.rs`, in crates whose API has schemes).
    pub(crate) security: Option<Arc<dyn std::any::Any + Send + Sync>>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url)
            .field("has_session", &self.session().is_some())
            .field("has_credentials", &self.inner.credentials.is_some())
            .field("retry", &self.inner.retry)
            .field("has_scheme_credentials", &self.inner.security.is_some())
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client of the server at `base_url` (e.g. `https://vcenter.example.com`) with default
    /// settings.
    pub fn new(base_url: &str) -> Result<Self, ClientBuildError> {
        Client::builder(base_url).build()
    }

    /// A builder for a client of the server at `base_url`.
    pub fn builder(base_url: &str) -> ClientBuilder {
        ClientBuilder {
            base_url: base_url.to_string(),
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            http: None,
            max_response_body: DEFAULT_MAX_RESPONSE_BODY,
            session: None,
            credentials: None,
            retry: None,
            root_certificates: Vec::new(),
            accept_invalid_certs: false,
            pinned: Vec::new(),
            request_id: None,
            user_agent_product: None,
            session_cache: None,
            security: None,
        }
    }

    /// A view of this client whose calls use `options` (a timeout, a request id), sharing its
    /// connections and session: `client.with_options(CallOptions::new().timeout(t)).call(..)`
    /// gives one call its own timeout without building another client.
    pub fn with_options(&self, options: CallOptions) -> Client {
        Client {
            inner: Arc::clone(&self.inner),
            options: Some(Arc::new(options)),
        }
    }

    /// The request id of the next call: the view's, the client's, or a fresh random one
    /// (16 hexadecimal digits).
    pub(crate) fn next_request_id(&self) -> HeaderValue {
        if let Some(id) = self
            .options
            .as_ref()
            .and_then(|o| o.request_id.as_deref())
            .and_then(request_id_value)
        {
            return id;
        }
        if let Some(id) = &self.inner.request_id {
            return id.clone();
        }
        let id = format!("{:016x}", fastrand::u64(..));
        HeaderValue::from_str(&id).unwrap_or_else(|_| HeaderValue::from_static("0"))
    }

    /// The server's base URL, without a trailing `/`.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The current session, if any.
    pub fn session(&self) -> Option<SessionId> {
        match self.inner.session.read() {
            Ok(session) => session.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Uses `session` for the calls that need one.
    pub fn set_session(&self, session: SessionId) {
        self.store_session(Some(session));
    }

    /// Forgets the current session (without ending it on the server).
    pub fn clear_session(&self) {
        self.store_session(None);
    }

    pub(crate) fn store_session(&self, session: Option<SessionId>) {
        match self.inner.session.write() {
            Ok(mut slot) => *slot = session,
            Err(poisoned) => *poisoned.into_inner() = session,
        }
    }

    /// A request to `path` (already percent-encoded, starting with `/`).
    pub(crate) fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let url = format!("{}{}", self.inner.base_url, path);
        self.inner
            .http
            .request(method, url)
            .header(reqwest::header::ACCEPT, "application/json")
            .header(reqwest::header::USER_AGENT, self.inner.user_agent.clone())
    }

    /// The secrets an error about `request` must not show: the client's session id and
    /// password, every sensitive header of the request (the session header, the basic
    /// authentication header and the password inside it, a bearer token), and `sent`, the
    /// credentials the call carries elsewhere (an API key in the query).
    pub(crate) fn secrets_of(&self, request: &reqwest::Request, sent: Secrets) -> Secrets {
        let mut secrets = sent;
        if let Some(session) = self.session() {
            secrets.add_shared(session.shared());
        }
        if let Some(credentials) = &self.inner.credentials {
            secrets.add_basic_credentials(&credentials.username, &credentials.password);
        }
        for value in request.headers().values() {
            if value.is_sensitive() {
                secrets.add_header(value);
            }
        }
        secrets
    }

    /// Whether `url`, where an answer came from, has the base URL's origin: the same scheme,
    /// host and port (the base URL's scheme is `http` or `https`, so this is equality of
    /// their origins, compared without building them).
    pub(crate) fn is_own_origin(&self, url: &reqwest::Url) -> bool {
        let own = &self.inner.origin;
        url.scheme() == own.scheme()
            && url.host() == own.host()
            && url.port_or_known_default() == own.port_or_known_default()
    }

    /// The error for a failure of the HTTP client while the request was sent and its answer
    /// awaited: a timeout says which and how long, anything else is [`ErrorKind::Transport`].
    /// The request's URL is dropped from it: it holds the path's ids and the query (where an
    /// API key may be).
    pub(crate) fn send_error<E>(&self, err: reqwest::Error) -> Error<E> {
        let err = err.without_url();
        if !err.is_timeout() {
            return ErrorKind::Transport(err).into();
        }
        let (phase, after) = if err.is_connect() {
            (TimeoutPhase::Connect, self.inner.timeouts.map(|t| t.connect))
        } else {
            (TimeoutPhase::Response, self.request_timeout())
        };
        ErrorKind::Timeout {
            phase,
            after,
            status: None,
            source: err,
        }.into()
    }

    /// The request timeout of this view's calls: its own, or the client's.
    fn request_timeout(&self) -> Option<Duration> {
        self.options
            .as_ref()
            .and_then(|o| o.timeout)
            .or(self.inner.timeouts.map(|t| t.request))
    }

    /// Reads the whole body, up to the client's limit.
    pub(crate) async fn read_body<E>(&self, received: Received) -> Result<Body, Error<E>> {
        let Received {
            mut response,
            secrets,
            withhold,
        } = received;
        let status = response.status().as_u16();
        let limit = self.inner.max_response_body;
        let too_large = ErrorKind::BodyTooLarge { status, limit }.into();
        if response
            .content_length()
            .is_some_and(|length| length > limit as u64)
        {
            return Err(too_large);
        }
        let mut bytes = Vec::new();
        loop {
            let chunk = match response.chunk().await {
                Ok(Some(chunk)) => chunk,
                Ok(None) => break,
                Err(err) if err.is_timeout() => {
                    return Err(ErrorKind::Timeout {
                        phase: TimeoutPhase::Body,
                        after: self.request_timeout(),
                        status: Some(status),
                        source: err.without_url(),
                    }.into())
                }
                Err(err) => {
                    return Err(ErrorKind::TruncatedBody {
                        status,
                        received: bytes.len(),
                        source: err.without_url(),
                    }.into())
                }
            };
            if bytes.len() + chunk.len() > limit {
                return Err(too_large);
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Body {
            status,
            bytes,
            secrets,
            withhold,
        })
    }
}

/// An answer to a call, with what the client needs to turn it into a result or an error.
#[derive(Debug)]
pub(crate) struct Received {
    pub(crate) response: reqwest::Response,
    /// What no error about this answer may show.
    pub(crate) secrets: Secrets,
    /// Whether no error may copy the body: the answer to a session-creation call.
    pub(crate) withhold: bool,
}

impl Received {
    /// The answer's HTTP status.
    pub(crate) fn status(&self) -> reqwest::StatusCode {
        self.response.status()
    }
}

/// A whole response body, read.
#[derive(Debug)]
pub(crate) struct Body {
    pub(crate) status: u16,
    pub(crate) bytes: Vec<u8>,
    pub(crate) secrets: Secrets,
    pub(crate) withhold: bool,
}

impl Body {
    /// The body's start for an error: scrubbed of the call's secrets, or withheld.
    pub(crate) fn excerpt(&self) -> String {
        if self.withhold {
            return super::error::WITHHELD.to_string();
        }
        super::error::excerpt(&self.bytes, &self.secrets)
    }

    /// The JSON text: the body without a leading UTF-8 byte order mark.
    pub(crate) fn json_text(&self) -> &[u8] {
        self.bytes
            .strip_prefix(b"\xEF\xBB\xBF".as_slice())
            .unwrap_or(&self.bytes)
    }

    /// The body as a JSON document, every string scrubbed of the call's secrets.
    pub(crate) fn json_value(&self) -> Result<serde_json::Value, serde_json::Error> {
        let mut value: serde_json::Value = serde_json::from_slice(self.json_text())?;
        self.secrets.scrub_json(&mut value);
        Ok(value)
    }

    /// The body as a JSON document like [`json_value`](Self::json_value), but text that is
    /// not UTF-8 is read with U+FFFD in place of its bad bytes: for error bodies, whose
    /// `error_type` and messages are worth more than a bad byte in a message.
    pub(crate) fn json_value_lenient(&self) -> Result<serde_json::Value, serde_json::Error> {
        match self.json_value() {
            Ok(value) => Ok(value),
            Err(err) if std::str::from_utf8(self.json_text()).is_ok() => Err(err),
            Err(_) => {
                let text = String::from_utf8_lossy(self.json_text());
                let mut value: serde_json::Value = serde_json::from_str(&text)?;
                self.secrets.scrub_json(&mut value);
                Ok(value)
            }
        }
    }

    /// The error for an answer to a login that refuses it for the user's session limit.
    pub(crate) fn session_limit<E>(&self) -> Option<Error<E>> {
        if !self.withhold {
            return None;
        }
        let json = self.json_value_lenient().ok()?;
        let message = super::error::session_limit_message(&json)?;
        Some(
            ErrorKind::SessionLimit {
                status: self.status,
                message,
            }
            .into(),
        )
    }
}
