//! The client, its builder, the session it keeps, and the core request helpers the generated
//! operations call. This file is part of the generator's runtime: it does not depend on the spec.

use std::fmt;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use reqwest::header::HeaderValue;

use super::error::{Error, TimeoutPhase};
use super::redact::{without_userinfo, Secrets};
use super::retry::RetryPolicy;

/// The largest response body read by default: 32 MiB.
pub const DEFAULT_MAX_RESPONSE_BODY: usize = 32 * 1024 * 1024;

/// The request timeout used when none is set: 60 seconds.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// The connect timeout used when none is set: 10 seconds.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

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
            ClientBuildError::Http(err) => write!(f, "cannot create the HTTP client: {err}"),
        }
    }
}

impl std::error::Error for ClientBuildError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ClientBuildError::Http(err) => Some(err),
            ClientBuildError::InvalidBaseUrl { .. }
            | ClientBuildError::CredentialsInBaseUrl { .. }
            | ClientBuildError::InvalidCertificate { .. } => None,
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
/// another origin is not followed and the call fails with [`Error::Redirect`], so the session
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
    /// [`Error::Redirect`]; a session it creates is not adopted).
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// The largest response body the client reads (default [`DEFAULT_MAX_RESPONSE_BODY`]);
    /// a larger one is [`Error::BodyTooLarge`].
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

    /// Builds the client.
    ///
    /// The trust roots are loaded here, whatever the URL's scheme: on a system without CA
    /// certificates this is [`ClientBuildError::Http`] unless a root was added with
    /// [`add_root_certificate`](Self::add_root_certificate) or verification is off.
    pub fn build(self) -> Result<Client, ClientBuildError> {
        let origin = parse_base_url(&self.base_url)?;
        let base_url = origin.as_str().trim_end_matches('/').to_string();
        let (http, timeouts) = match self.http {
            Some(http) => (http, None),
            None => {
                let same_origin = origin.clone();
                let redirects = reqwest::redirect::Policy::custom(move |attempt| {
                    if attempt.previous().len() >= MAX_REDIRECTS
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
                if self.accept_invalid_certs {
                    http = http.tls_danger_accept_invalid_certs(true);
                }
                let timeouts = Timeouts {
                    connect: self.connect_timeout,
                    request: self.timeout,
                };
                (http.build().map_err(ClientBuildError::Http)?, Some(timeouts))
            }
        };
        Ok(Client {
            inner: Arc::new(ClientInner {
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

/// How many redirects within the base URL's origin one call follows.
const MAX_REDIRECTS: usize = 10;

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
}

pub(crate) struct ClientInner {
    pub(crate) http: reqwest::Client,
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
            security: None,
        }
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

    fn store_session(&self, session: Option<SessionId>) {
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
    /// awaited: a timeout says which and how long, anything else is [`Error::Transport`].
    /// The request's URL is dropped from it: it holds the path's ids and the query (where an
    /// API key may be).
    pub(crate) fn send_error<E>(&self, err: reqwest::Error) -> Error<E> {
        let err = err.without_url();
        if !err.is_timeout() {
            return Error::Transport(err);
        }
        let (phase, after) = if err.is_connect() {
            (TimeoutPhase::Connect, self.inner.timeouts.map(|t| t.connect))
        } else {
            (TimeoutPhase::Response, self.inner.timeouts.map(|t| t.request))
        };
        Error::Timeout {
            phase,
            after,
            status: None,
            source: err,
        }
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
        let too_large = Error::BodyTooLarge { status, limit };
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
                    return Err(Error::Timeout {
                        phase: TimeoutPhase::Body,
                        after: self.inner.timeouts.map(|t| t.request),
                        status: Some(status),
                        source: err.without_url(),
                    })
                }
                Err(err) => {
                    return Err(Error::TruncatedBody {
                        status,
                        received: bytes.len(),
                        source: err.without_url(),
                    })
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
    fn json_text(&self) -> &[u8] {
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

    /// The body decoded strictly as `T`. The decoder's message can quote a value of the body,
    /// so on failure it comes from decoding the scrubbed document, or, for a body that is
    /// withheld, says only what kind of problem it was.
    pub(crate) fn decode<T: serde::de::DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        let err = match serde_json::from_slice(self.json_text()) {
            Ok(value) => return Ok(value),
            Err(err) => err,
        };
        let shape_error = || {
            <serde_json::Error as serde::de::Error>::custom(
                "the body does not have the documented shape",
            )
        };
        if self.withhold {
            return Err(match err.classify() {
                serde_json::error::Category::Data => shape_error(),
                _ => <serde_json::Error as serde::de::Error>::custom("the body is not JSON"),
            });
        }
        match err.classify() {
            // A syntax error names only a line and column.
            serde_json::error::Category::Data => match self.json_value() {
                Ok(value) => Err(T::deserialize(&value).err().unwrap_or_else(shape_error)),
                Err(_) => Err(shape_error()),
            },
            _ => Err(err),
        }
    }
}
