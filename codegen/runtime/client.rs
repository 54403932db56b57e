//! The client, its builder, the session it keeps, and the request helpers the generated
//! operations call. This file is part of the generator's runtime: it does not depend on the spec.

use std::fmt;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use reqwest::header::HeaderValue;

use crate::error::{excerpt, Error};

/// The largest response body read by default: 32 MiB.
pub const DEFAULT_MAX_RESPONSE_BODY: usize = 32 * 1024 * 1024;

/// The request timeout used when none is set: 60 seconds.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// An API session id: a secret. Its `Debug` output is redacted and it has no `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionId(String);

impl SessionId {
    /// Wraps a session id obtained elsewhere, e.g. from an earlier run.
    ///
    /// Returns `None` when the text cannot be sent in an HTTP header (it is empty or has
    /// characters other than visible ASCII).
    pub fn new(id: impl Into<String>) -> Option<Self> {
        let id = id.into();
        let valid = !id.is_empty() && id.bytes().all(|b| b.is_ascii_graphic());
        valid.then_some(SessionId(id))
    }

    /// The session id itself, to store it or hand it to another program.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }

    fn header_value(&self) -> Option<HeaderValue> {
        let mut value = HeaderValue::from_str(&self.0).ok()?;
        value.set_sensitive(true);
        Some(value)
    }
}

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
        /// The URL as given.
        url: String,
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
            ClientBuildError::Http(err) => write!(f, "cannot create the HTTP client: {err}"),
        }
    }
}

impl std::error::Error for ClientBuildError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ClientBuildError::Http(err) => Some(err),
            ClientBuildError::InvalidBaseUrl { .. } => None,
        }
    }
}

/// Builds a [`Client`] with non-default settings.
#[derive(Debug)]
pub struct ClientBuilder {
    base_url: String,
    timeout: Duration,
    http: Option<reqwest::Client>,
    max_response_body: usize,
    session: Option<SessionId>,
}

impl ClientBuilder {
    /// The timeout of each request, from sending to the end of the body (default
    /// [`DEFAULT_TIMEOUT`]). Ignored when an existing `reqwest::Client` is given.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sends requests through an existing `reqwest::Client` (its pool, TLS and proxy settings).
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

    /// Builds the client.
    pub fn build(self) -> Result<Client, ClientBuildError> {
        let base_url = parse_base_url(&self.base_url)?;
        let http = match self.http {
            Some(http) => http,
            None => reqwest::Client::builder()
                .timeout(self.timeout)
                .build()
                .map_err(ClientBuildError::Http)?,
        };
        Ok(Client {
            inner: Arc::new(ClientInner {
                http,
                base_url,
                max_response_body: self.max_response_body,
                session: RwLock::new(self.session),
            }),
        })
    }
}

fn parse_base_url(url: &str) -> Result<String, ClientBuildError> {
    let invalid = |reason: String| ClientBuildError::InvalidBaseUrl {
        url: url.to_string(),
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
    Ok(parsed.as_str().trim_end_matches('/').to_string())
}

/// A client of the API: cheap to clone, `Send + Sync`; clones share one connection pool and
/// one session.
#[derive(Clone)]
pub struct Client {
    inner: Arc<ClientInner>,
}

struct ClientInner {
    http: reqwest::Client,
    /// Without a trailing `/`; operation paths start with one.
    base_url: String,
    max_response_body: usize,
    session: RwLock<Option<SessionId>>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url)
            .field("has_session", &self.session().is_some())
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
            http: None,
            max_response_body: DEFAULT_MAX_RESPONSE_BODY,
            session: None,
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

    /// Adds the session header; fails with [`Error::NoSession`] when `required` and there is none.
    pub(crate) fn with_session<E>(
        &self,
        request: reqwest::RequestBuilder,
        header: &'static str,
        required: bool,
    ) -> Result<reqwest::RequestBuilder, Error<E>> {
        match self.session().and_then(|s| s.header_value()) {
            Some(value) => Ok(request.header(header, value)),
            None if required => Err(Error::NoSession),
            None => Ok(request),
        }
    }

    pub(crate) async fn send<E>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, Error<E>> {
        request.send().await.map_err(Error::Transport)
    }

    /// Reads the whole body, up to the client's limit.
    async fn read_body<E>(&self, mut response: reqwest::Response) -> Result<Vec<u8>, Error<E>> {
        let status = response.status().as_u16();
        let limit = self.inner.max_response_body;
        let too_large = Error::BodyTooLarge { status, limit };
        if response
            .content_length()
            .is_some_and(|length| length > limit as u64)
        {
            return Err(too_large);
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(Error::Transport)? {
            if body.len() + chunk.len() > limit {
                return Err(too_large);
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    /// Decodes a success body.
    pub(crate) async fn read_json<T, E>(&self, response: reqwest::Response) -> Result<T, Error<E>>
    where
        T: serde::de::DeserializeOwned,
    {
        let status = response.status().as_u16();
        let body = self.read_body(response).await?;
        serde_json::from_slice(&body).map_err(|source| Error::Decode {
            status,
            excerpt: excerpt(&body),
            source,
        })
    }

    /// Decodes a new session id and keeps it for later calls.
    pub(crate) async fn read_session<E>(
        &self,
        response: reqwest::Response,
    ) -> Result<SessionId, Error<E>> {
        let status = response.status().as_u16();
        let id: String = self.read_json(response).await?;
        let session = SessionId::new(id).ok_or_else(|| Error::Decode {
            status,
            excerpt: String::from("(the session id is withheld)"),
            source: serde::de::Error::custom(
                "the session id is empty or not visible ASCII, so it cannot be sent in a header",
            ),
        })?;
        self.set_session(session.clone());
        Ok(session)
    }

    /// The error for a documented error status.
    pub(crate) async fn api_error<E>(&self, response: reqwest::Response) -> Error<E>
    where
        E: serde::de::DeserializeOwned,
    {
        let status = response.status().as_u16();
        let body = match self.read_body(response).await {
            Ok(body) => body,
            Err(err) => return err,
        };
        if body.iter().all(u8::is_ascii_whitespace) {
            return Error::UnexpectedStatus {
                status,
                excerpt: String::new(),
            };
        }
        match serde_json::from_slice(&body) {
            Ok(body) => Error::Api { status, body },
            Err(source) => Error::Decode {
                status,
                excerpt: excerpt(&body),
                source,
            },
        }
    }

    /// The error for a status the operation does not document.
    pub(crate) async fn unexpected_status<E>(&self, response: reqwest::Response) -> Error<E> {
        let status = response.status().as_u16();
        match self.read_body(response).await {
            Ok(body) => Error::UnexpectedStatus {
                status,
                excerpt: excerpt(&body),
            },
            Err(err) => err,
        }
    }
}

/// Adds a JSON body to a request.
pub(crate) fn json_body<T: serde::Serialize, E>(
    request: reqwest::RequestBuilder,
    body: &T,
) -> Result<reqwest::RequestBuilder, Error<E>> {
    let bytes = serde_json::to_vec(body).map_err(Error::Encode)?;
    Ok(request
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(bytes))
}

/// Percent-encodes one path segment: every byte but the unreserved ones (`A-Z a-z 0-9 - . _ ~`)
/// is escaped, so `/`, `?`, `#` and `%` stay inside the segment. Empty, `.` and `..` are refused:
/// URL parsers would drop or resolve them and so change the path.
pub(crate) fn encode_path_segment<E>(name: &'static str, value: &str) -> Result<String, Error<E>> {
    if value.is_empty() || value == "." || value == ".." {
        return Err(Error::InvalidArgument {
            name,
            reason: "a path segment may not be empty, `.` or `..`",
        });
    }
    let mut encoded = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    Ok(encoded)
}
