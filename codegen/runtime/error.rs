//! The error every operation returns, and the trait that lets an error body describe itself.
//! This file is part of the generator's runtime: it does not depend on the spec.

use std::fmt;
use std::time::Duration;

/// How many bytes of an unexpected or undecodable body an error keeps (see
/// [`Error::excerpt`]).
pub const EXCERPT_LIMIT: usize = 512;

/// How many characters of a body or a server's message an error's `Display` shows, on one
/// line; the whole excerpt is [`Error::excerpt`].
pub const DISPLAY_LIMIT: usize = 200;

/// What the excerpt of a session-creation answer says instead of its text: such a body may hold
/// a session id, so it is never copied into an error.
pub const WITHHELD: &str = "(withheld: the body of a session-creation answer is never shown)";

/// What can go wrong when calling an operation.
///
/// `E` is the operation's documented error body. Nothing secret is ever part of an error's
/// text: not the request body nor its URL, and not the client's session id or password, the
/// basic authentication header or a credential of a security scheme the call sent, even when
/// the server echoes them (every excerpt and every decoded error body is scrubbed of them
/// first). The text of an answer to a session-creation call is never copied into an error:
/// only an error body of the documented shape is kept, decoded and scrubbed, in
/// [`Error::Api`].
#[derive(Debug)]
#[non_exhaustive]
pub enum Error<E> {
    /// The server answered with an error status and a JSON error body: one of the documented
    /// shape, or one that names an `error_type` though other fields are off-spec (then `body`
    /// holds what could be read, and `raw` the JSON as received).
    Api {
        /// HTTP status.
        status: u16,
        /// The decoded error body.
        body: E,
        /// The JSON as received (secrets scrubbed), when it did not have the documented shape
        /// and `body` was read leniently from it; `None` for a body of the documented shape,
        /// and always for the answer to a session-creation call.
        raw: Option<serde_json::Value>,
    },
    /// The server answered with a status the operation does not document, a documented error
    /// status with an empty body, or a success status with a body where none is documented.
    UnexpectedStatus {
        /// HTTP status.
        status: u16,
        /// The start of the body, lossily decoded as UTF-8, secrets scrubbed.
        excerpt: String,
    },
    /// The body of a response could not be decoded as the documented type.
    Decode {
        /// HTTP status.
        status: u16,
        /// The start of the body, lossily decoded as UTF-8, secrets scrubbed.
        excerpt: String,
        /// What the decoder found wrong.
        source: serde_json::Error,
    },
    /// The response body is larger than the client's limit; it was not read to the end.
    BodyTooLarge {
        /// HTTP status.
        status: u16,
        /// The limit in bytes (see `ClientBuilder::max_response_body`).
        limit: usize,
    },
    /// The body ended before it was complete: the connection closed (or broke) after the
    /// status and some of the body had arrived.
    TruncatedBody {
        /// HTTP status.
        status: u16,
        /// How many bytes of the body arrived.
        received: usize,
        /// What the HTTP client reported.
        source: reqwest::Error,
    },
    /// The call took longer than the client's timeout. The server may have carried it out.
    Timeout {
        /// What the client was waiting for.
        phase: TimeoutPhase,
        /// The timeout that ran out (`None` for an HTTP client given with
        /// `ClientBuilder::http_client`, whose timeouts this client does not know).
        after: Option<Duration>,
        /// The HTTP status, when the answer had started to arrive.
        status: Option<u16>,
        /// What the HTTP client reported.
        source: reqwest::Error,
    },
    /// The server redirected the call and the client did not follow. Most often the redirect
    /// goes to another origin (scheme, host and port) than the base URL's: the session id,
    /// the credentials and the body never leave the base URL's origin. One within the origin
    /// is followed, unless it is one too many (more than 10 in a row) or the HTTP client given
    /// with `ClientBuilder::http_client` does not follow redirects (`same_origin` is `true`).
    Redirect {
        /// HTTP status of the redirect (or, when a client given with
        /// `ClientBuilder::http_client` followed it, of the other origin's answer, which is not
        /// used).
        status: u16,
        /// The origin of the redirect's target, e.g. `https://other.example.com:8443`; `None`
        /// when its `Location` is not a URL.
        target_origin: Option<String>,
        /// Whether the target is within the base URL's origin.
        same_origin: bool,
    },
    /// The request could not be sent, or the response could not be received.
    Transport(reqwest::Error),
    /// The request body could not be encoded as JSON.
    Encode(serde_json::Error),
    /// An argument cannot be sent as it is (for example a path parameter that is empty, `.` or
    /// `..`, which would change the request's path).
    InvalidArgument {
        /// The parameter's name in the API.
        name: &'static str,
        /// Why it was refused.
        reason: &'static str,
    },
    /// The operation needs a session and the client has none: create one first, or build the
    /// client with credentials.
    NoSession,
    /// The client could not log in with its credentials (to start a session, or to replace
    /// one that expired). [`status`](Error::status) and
    /// [`error_type_name`](Error::error_type_name) give the login's own.
    Login {
        /// HTTP status of the login's answer, when there was one.
        status: Option<u16>,
        /// The `error_type` of the login's error, when it had one.
        error_type: Option<String>,
        /// The login's error.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// What a call was waiting for when its timeout ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeoutPhase {
    /// Opening the connection, TLS handshake included (the connect timeout).
    Connect,
    /// The answer's status and headers, after the request was sent (the request timeout).
    Response,
    /// The rest of the body, after the status arrived (the request timeout).
    Body,
}

impl fmt::Display for TimeoutPhase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimeoutPhase::Connect => "connecting",
            TimeoutPhase::Response => "waiting for the response",
            TimeoutPhase::Body => "reading the response body",
        })
    }
}

/// A documented error body that can describe itself.
pub trait ErrorBody: fmt::Debug {
    /// A one-line summary, e.g. `NOT_FOUND: Virtual machine vm-42 was not found.`
    fn summary(&self) -> Option<String> {
        None
    }

    /// The body's `error_type` as sent on the wire, e.g. `NOT_FOUND`.
    fn error_type_name(&self) -> Option<&str> {
        None
    }

    /// The body's messages, first the error itself, then each cause, with their arguments
    /// filled into `{0}`-style placeholders.
    fn messages(&self) -> Vec<String> {
        Vec::new()
    }

    /// The body read leniently from `json`, which does not have the documented shape: `Some`
    /// when it names an `error_type`, with every other field that decodes (and every message
    /// that decodes on its own); `None` otherwise.
    fn from_off_spec(json: &serde_json::Value) -> Option<Self>
    where
        Self: Sized,
    {
        let _ = json;
        None
    }
}

impl ErrorBody for serde_json::Value {}

/// A text error body summarises itself with its first line (already scrubbed).
impl ErrorBody for String {
    fn summary(&self) -> Option<String> {
        let line = self.lines().map(str::trim).find(|line| !line.is_empty())?;
        Some(excerpt(line.as_bytes(), &super::redact::Secrets::default()))
    }
}

impl<E> Error<E> {
    /// The HTTP status of the response, when there was one (for [`Error::Login`], the
    /// login's).
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. }
            | Error::UnexpectedStatus { status, .. }
            | Error::Decode { status, .. }
            | Error::BodyTooLarge { status, .. }
            | Error::TruncatedBody { status, .. }
            | Error::Redirect { status, .. } => Some(*status),
            Error::Timeout { status, .. } | Error::Login { status, .. } => *status,
            Error::Transport(err) => err.status().map(|s| s.as_u16()),
            Error::Encode(_) | Error::InvalidArgument { .. } | Error::NoSession => None,
        }
    }

    /// The decoded body of an API error.
    pub fn api_body(&self) -> Option<&E> {
        match self {
            Error::Api { body, .. } => Some(body),
            _ => None,
        }
    }

    /// The JSON of an API error body that did not have the documented shape, as received
    /// (secrets scrubbed).
    pub fn raw_body(&self) -> Option<&serde_json::Value> {
        match self {
            Error::Api { raw, .. } => raw.as_ref(),
            _ => None,
        }
    }

    /// The whole excerpt of an unexpected or undecodable body (up to [`EXCERPT_LIMIT`] bytes,
    /// secrets scrubbed); `Display` shows its first [`DISPLAY_LIMIT`] characters on one line.
    pub fn excerpt(&self) -> Option<&str> {
        match self {
            Error::UnexpectedStatus { excerpt, .. } | Error::Decode { excerpt, .. } => {
                Some(excerpt)
            }
            _ => None,
        }
    }
}

impl<E: ErrorBody> Error<E> {
    /// The messages of an API error, first the error itself, then each cause, with their
    /// arguments filled in; empty for any other error.
    pub fn messages(&self) -> Vec<String> {
        self.api_body().map(ErrorBody::messages).unwrap_or_default()
    }

    /// The `error_type` of an API error, or of a failed login, as sent on the wire (e.g.
    /// `NOT_FOUND`).
    pub fn error_type_name(&self) -> Option<&str> {
        match self {
            Error::Login { error_type, .. } => error_type.as_deref(),
            _ => self.api_body()?.error_type_name(),
        }
    }
}

/// Why the client's own login failed: the status, the error type and the error of the call
/// that creates a session, kept for [`Error::Login`].
#[derive(Debug)]
pub(crate) struct LoginFailure {
    pub(crate) status: Option<u16>,
    pub(crate) error_type: Option<String>,
    pub(crate) source: Box<dyn std::error::Error + Send + Sync>,
}

impl<L: ErrorBody + Send + Sync + 'static> From<Error<L>> for LoginFailure {
    fn from(err: Error<L>) -> Self {
        LoginFailure {
            status: err.status(),
            error_type: err.error_type_name().map(str::to_string),
            source: Box::new(err),
        }
    }
}

impl<E> From<LoginFailure> for Error<E> {
    fn from(failure: LoginFailure) -> Self {
        Error::Login {
            status: failure.status,
            error_type: failure.error_type,
            source: failure.source,
        }
    }
}

/// Treating some errors as success, for calls whose "error" says the work is already done.
pub trait ResultExt<T, E> {
    /// `Ok(Some(value))` on success, `Ok(None)` when `accept` says the error means the work is
    /// done, the error otherwise. For example, disconnecting a CD-ROM that is already
    /// disconnected: `.ok_if(Error::is_already_in_desired_state)?`.
    fn ok_if(self, accept: impl FnOnce(&Error<E>) -> bool) -> Result<Option<T>, Error<E>>;
}

impl<T, E> ResultExt<T, E> for Result<T, Error<E>> {
    fn ok_if(self, accept: impl FnOnce(&Error<E>) -> bool) -> Result<Option<T>, Error<E>> {
        match self {
            Ok(value) => Ok(Some(value)),
            Err(err) if accept(&err) => Ok(None),
            Err(err) => Err(err),
        }
    }
}

impl<E: ErrorBody> fmt::Display for Error<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api { status, body, raw } => {
                match body.summary() {
                    Some(summary) => write!(f, "HTTP {status}: {}", one_line(&summary))?,
                    None => write!(f, "HTTP {status}: API error")?,
                }
                if raw.is_some() {
                    f.write_str(" (the error body is not of the documented shape)")?;
                }
                Ok(())
            }
            Error::UnexpectedStatus { status, excerpt } if excerpt.is_empty() => {
                write!(f, "unexpected HTTP {status} with an empty body")
            }
            Error::UnexpectedStatus { status, excerpt } => {
                write!(f, "unexpected HTTP {status}: {}", one_line(excerpt))
            }
            Error::Decode {
                status,
                excerpt,
                source,
            } => write!(
                f,
                "HTTP {status}: the body does not have the documented shape ({}): {}",
                one_line(&source.to_string()),
                one_line(excerpt)
            ),
            Error::BodyTooLarge { status, limit } => {
                write!(
                    f,
                    "HTTP {status}: the body is larger than the limit of {limit} bytes"
                )
            }
            Error::TruncatedBody {
                status, received, ..
            } => write!(
                f,
                "HTTP {status}: the body was cut short: the connection ended after {received} \
                 bytes, before the end of the body"
            ),
            Error::Timeout { phase, after, .. } => match after {
                Some(after) => write!(f, "timed out after {after:?} {phase}"),
                None => write!(f, "timed out {phase} (the given HTTP client's timeout)"),
            },
            Error::Redirect {
                status,
                target_origin: Some(_),
                same_origin: true,
            } => write!(
                f,
                "HTTP {status}: a redirect within the base URL's origin was not followed (more \
                 than 10 in a row, or the HTTP client does not follow redirects)"
            ),
            Error::Redirect {
                status,
                target_origin,
                ..
            } => match target_origin {
                Some(origin) => write!(
                    f,
                    "HTTP {status}: redirected to another origin, {}, which the client does not \
                     follow",
                    one_line(origin)
                ),
                None => write!(
                    f,
                    "HTTP {status}: redirected to a location that is not a URL, which the \
                     client does not follow"
                ),
            },
            Error::Transport(err) => write!(f, "transport error: {}", one_line(&err.to_string())),
            Error::Encode(err) => write!(f, "cannot encode the request body: {err}"),
            Error::InvalidArgument { name, reason } => {
                write!(f, "invalid argument `{name}`: {reason}")
            }
            Error::NoSession => write!(f, "the operation needs a session; create one first"),
            Error::Login { source, .. } => write!(
                f,
                "cannot log in with the client's credentials: {}",
                one_line(&source.to_string())
            ),
        }
    }
}

impl<E: ErrorBody> std::error::Error for Error<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Decode { source, .. } | Error::Encode(source) => Some(source),
            Error::Transport(source)
            | Error::TruncatedBody { source, .. }
            | Error::Timeout { source, .. } => Some(source),
            Error::Login { source, .. } => Some(source.as_ref()),
            _ => None,
        }
    }
}

/// `text` on one line for `Display`: control characters escaped (`\n`, `\u{1b}`), at most
/// [`DISPLAY_LIMIT`] characters (escapes included), then `…` if there was more.
pub(crate) fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(DISPLAY_LIMIT * 2));
    let mut shown = 0;
    for c in text.chars() {
        let escaped: Vec<char> = if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') {
            c.escape_default().collect()
        } else {
            vec![c]
        };
        if shown + escaped.len() > DISPLAY_LIMIT {
            out.push('…');
            break;
        }
        shown += escaped.len();
        out.extend(escaped);
    }
    out
}

/// The first [`EXCERPT_LIMIT`] bytes of a body, as text, cut at a character boundary, scrubbed
/// of `secrets`. The whole body is scrubbed before it is cut, so that no part of a secret is
/// left at the cut.
pub(crate) fn excerpt(body: &[u8], secrets: &super::redact::Secrets) -> String {
    let text = secrets.scrub(&String::from_utf8_lossy(body));
    if text.len() <= EXCERPT_LIMIT {
        return text;
    }
    let mut end = EXCERPT_LIMIT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let mut cut = text.get(..end).unwrap_or_default().to_string();
    cut.push('…');
    cut
}
