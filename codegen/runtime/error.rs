//! The error every operation returns, and the trait that lets an error body describe itself.
//! This file is part of the generator's runtime: it does not depend on the spec.

use std::fmt;
use std::time::Duration;

/// How many bytes of an unexpected or undecodable body an error keeps (see
/// [`ErrorKind::excerpt`]).
pub const EXCERPT_LIMIT: usize = 512;

/// How many characters of a body or a server's message an error's `Display` shows, on one
/// line; the whole excerpt is [`ErrorKind::excerpt`].
pub const DISPLAY_LIMIT: usize = 200;

/// What the excerpt of a session-creation answer says instead of its text: such a body may hold
/// a session id, so it is never copied into an error.
pub const WITHHELD: &str = "(withheld: the body of a session-creation answer is never shown)";

/// What went wrong in a call: the [`ErrorKind`], and the call's request id, how many times it
/// was sent and how long it took, which `Display` shows after the cause.
///
/// `Error` dereferences to its [`ErrorKind`], so `err.status()` and the other methods of the
/// kind are called on the error itself; match on [`kind`](Error::kind) for the cases.
pub struct Error<E> {
    kind: ErrorKind<E>,
    call: Option<Box<CallInfo>>,
}

/// What the client knows of a failed call beside its error: filled in for every error an
/// operation returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallInfo {
    /// The request id the call sent in its `X-Request-ID` header (see
    /// `ClientBuilder::request_id` and `CallOptions::request_id`): the one to search the
    /// server's logs for.
    pub request_id: String,
    /// How many times the client tried to send the request (1 when it was not retried; a
    /// connection that could not be opened counts; 0 when the request could not even be
    /// built).
    pub attempts: u32,
    /// How long the whole call took, retries and waits included.
    pub elapsed: Duration,
}

/// What can go wrong when calling an operation: the cases of an [`Error`].
///
/// `E` is the operation's documented error body. Nothing secret is ever part of an error's
/// text: not the request body nor its URL, and not the client's session id or password, the
/// basic authentication header or a credential of a security scheme the call sent, even when
/// the server echoes them (every excerpt and every decoded error body is scrubbed of them
/// first). The text of an answer to a session-creation call is never copied into an error:
/// only an error body of the documented shape is kept, decoded and scrubbed, in
/// [`ErrorKind::Api`], and the message of a session-limit refusal, scrubbed and cut to one
/// line, in [`ErrorKind::SessionLimit`].
#[derive(Debug)]
#[non_exhaustive]
pub enum ErrorKind<E> {
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
    /// one that expired). [`status`](ErrorKind::status) and
    /// [`error_type_name`](ErrorKind::error_type_name) give the login's own, and
    /// [`is_session_limit`](ErrorKind::is_session_limit) whether the user has too many sessions.
    Login {
        /// HTTP status of the login's answer, when there was one.
        status: Option<u16>,
        /// The `error_type` of the login's error, when it had one.
        error_type: Option<String>,
        /// Whether the login was refused because the user has as many sessions as the server
        /// allows (see [`ErrorKind::SessionLimit`]).
        session_limit: bool,
        /// The login's error.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A login was refused because the user already has as many sessions as the server allows
    /// (vCenter: HTTP 503, message `com.vmware.vapi.endpoint.failedToLoginMaxUserSessionCountReached`,
    /// "User session count is limited to 550"). It is never retried: waiting does not help
    /// until sessions end (vCenter ends an idle one after 30 minutes). End the sessions that
    /// are no longer used (`session_delete`), and reuse one session across runs instead of
    /// logging in each time (`ClientBuilder::session_cache`).
    SessionLimit {
        /// HTTP status of the login's answer (503 from vCenter).
        status: u16,
        /// The server's message, scrubbed, e.g. `User session count is limited to 550.`
        message: String,
    },
}

/// The message id with which vCenter refuses a login beyond the user's session limit.
pub(crate) const SESSION_LIMIT_MESSAGE_ID: &str =
    "com.vmware.vapi.endpoint.failedToLoginMaxUserSessionCountReached";

/// The filled-in message of a session-limit refusal in `json`, an error body: `Some` when one
/// of its `messages` has vCenter's session-limit id.
pub(crate) fn session_limit_message(json: &serde_json::Value) -> Option<String> {
    let message = json
        .get("messages")?
        .as_array()?
        .iter()
        .find(|m| m.get("id").and_then(|id| id.as_str()) == Some(SESSION_LIMIT_MESSAGE_ID))?;
    let text = message
        .get("default_message")
        .and_then(|m| m.as_str())
        .unwrap_or("User session count is limited");
    let args: Vec<String> = message
        .get("args")
        .and_then(|a| a.as_array())
        .map(|args| {
            args.iter()
                .map(|a| a.as_str().map_or_else(|| a.to_string(), str::to_string))
                .collect()
        })
        .unwrap_or_default();
    // One pass: an argument is put in as it is, never read again for placeholders (a server
    // could otherwise make the text double with each argument). Cut to a line's length.
    let mut filled = String::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        filled.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let index = after
            .find('}')
            .and_then(|close| Some((after[..close].parse::<usize>().ok()?, close)));
        match index.and_then(|(index, close)| Some((args.get(index)?, close))) {
            Some((arg, close)) => {
                filled.push_str(arg);
                rest = &after[close + 1..];
            }
            None => {
                filled.push('{');
                rest = after;
            }
        }
        if filled.len() > DISPLAY_LIMIT * 4 {
            break;
        }
    }
    filled.push_str(rest);
    Some(bounded_line(&filled, DISPLAY_LIMIT))
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

impl<E> ErrorKind<E> {
    /// The HTTP status of the response, when there was one (for [`ErrorKind::Login`], the
    /// login's).
    pub fn status(&self) -> Option<u16> {
        match self {
            ErrorKind::Api { status, .. }
            | ErrorKind::UnexpectedStatus { status, .. }
            | ErrorKind::Decode { status, .. }
            | ErrorKind::BodyTooLarge { status, .. }
            | ErrorKind::TruncatedBody { status, .. }
            | ErrorKind::SessionLimit { status, .. }
            | ErrorKind::Redirect { status, .. } => Some(*status),
            ErrorKind::Timeout { status, .. } | ErrorKind::Login { status, .. } => *status,
            ErrorKind::Transport(err) => err.status().map(|s| s.as_u16()),
            ErrorKind::Encode(_) | ErrorKind::InvalidArgument { .. } | ErrorKind::NoSession => {
                None
            }
        }
    }

    /// The decoded body of an API error.
    pub fn api_body(&self) -> Option<&E> {
        match self {
            ErrorKind::Api { body, .. } => Some(body),
            _ => None,
        }
    }

    /// The JSON of an API error body that did not have the documented shape, as received
    /// (secrets scrubbed).
    pub fn raw_body(&self) -> Option<&serde_json::Value> {
        match self {
            ErrorKind::Api { raw, .. } => raw.as_ref(),
            _ => None,
        }
    }

    /// The whole excerpt of an unexpected or undecodable body (up to [`EXCERPT_LIMIT`] bytes,
    /// secrets scrubbed); `Display` shows its first [`DISPLAY_LIMIT`] characters on one line.
    pub fn excerpt(&self) -> Option<&str> {
        match self {
            ErrorKind::UnexpectedStatus { excerpt, .. } | ErrorKind::Decode { excerpt, .. } => {
                Some(excerpt)
            }
            _ => None,
        }
    }

    /// Whether a login was refused because the user has as many sessions as the server allows:
    /// [`ErrorKind::SessionLimit`], or a failed login of the client's own for that reason.
    pub fn is_session_limit(&self) -> bool {
        matches!(
            self,
            ErrorKind::SessionLimit { .. }
                | ErrorKind::Login {
                    session_limit: true,
                    ..
                }
        )
    }
}

impl<E: ErrorBody> ErrorKind<E> {
    /// The messages of an API error, first the error itself, then each cause, with their
    /// arguments filled in; empty for any other error.
    pub fn messages(&self) -> Vec<String> {
        match self {
            ErrorKind::SessionLimit { message, .. } => vec![message.clone()],
            _ => self.api_body().map(ErrorBody::messages).unwrap_or_default(),
        }
    }

    /// The `error_type` of an API error, or of a failed login, as sent on the wire (e.g.
    /// `NOT_FOUND`).
    pub fn error_type_name(&self) -> Option<&str> {
        match self {
            ErrorKind::Login { error_type, .. } => error_type.as_deref(),
            _ => self.api_body()?.error_type_name(),
        }
    }
}

impl<E> Error<E> {
    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind<E> {
        &self.kind
    }

    /// What went wrong, taken out of the error.
    pub fn into_kind(self) -> ErrorKind<E> {
        self.kind
    }

    /// The call's request id, its attempts and its duration (`None` only for an error made
    /// outside a call, e.g. with `From<ErrorKind>`).
    pub fn call(&self) -> Option<&CallInfo> {
        self.call.as_deref()
    }

    /// The request id the call sent in its `X-Request-ID` header: what to search the server's
    /// logs for.
    pub fn request_id(&self) -> Option<&str> {
        self.call().map(|call| call.request_id.as_str())
    }

    /// How many times the request was sent (1 when it was not retried; 0 when it failed before
    /// it was sent).
    pub fn attempts(&self) -> Option<u32> {
        self.call().map(|call| call.attempts)
    }

    /// How long the whole call took, retries and waits included.
    pub fn elapsed(&self) -> Option<Duration> {
        self.call().map(|call| call.elapsed)
    }

    /// The error with the call's facts (those of an inner call, e.g. a login made for it, are
    /// replaced by the outer call's own).
    pub(crate) fn with_call(mut self, call: CallInfo) -> Self {
        self.call = Some(Box::new(call));
        self
    }
}

impl<E> From<ErrorKind<E>> for Error<E> {
    fn from(kind: ErrorKind<E>) -> Self {
        Error { kind, call: None }
    }
}

impl<E> std::ops::Deref for Error<E> {
    type Target = ErrorKind<E>;

    fn deref(&self) -> &ErrorKind<E> {
        &self.kind
    }
}

impl<E: fmt::Debug> fmt::Debug for Error<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.kind)
            .field("call", &self.call)
            .finish()
    }
}

/// Why the client's own login failed: the status, the error type and the error of the call
/// that creates a session, kept for [`ErrorKind::Login`].
#[derive(Debug)]
pub(crate) struct LoginFailure {
    pub(crate) status: Option<u16>,
    pub(crate) error_type: Option<String>,
    pub(crate) session_limit: bool,
    pub(crate) source: Box<dyn std::error::Error + Send + Sync>,
}

impl<L: ErrorBody + Send + Sync + 'static> From<Error<L>> for LoginFailure {
    fn from(err: Error<L>) -> Self {
        LoginFailure {
            status: err.status(),
            error_type: err.error_type_name().map(str::to_string),
            session_limit: err.is_session_limit(),
            // The login's own request id and attempts are not the call's: the call's error
            // says its own.
            source: Box::new(err.into_kind()),
        }
    }
}

impl<E> From<LoginFailure> for Error<E> {
    fn from(failure: LoginFailure) -> Self {
        ErrorKind::Login {
            status: failure.status,
            error_type: failure.error_type,
            session_limit: failure.session_limit,
            source: failure.source,
        }
        .into()
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
    /// The cause, then the call's request id, and how many attempts it made in how long when
    /// it made more than one: `HTTP 404: NOT_FOUND: ... (request id 5f0c..)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.kind, f)?;
        if let Some(call) = &self.call {
            write!(f, " (request id {}", one_line(&call.request_id))?;
            if call.attempts > 1 {
                write!(
                    f,
                    "; {} attempts in {:.1?}",
                    call.attempts,
                    call.elapsed
                )?;
            }
            f.write_str(")")?;
        }
        Ok(())
    }
}

impl<E: ErrorBody> fmt::Display for ErrorKind<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::Api { status, body, raw } => {
                match body.summary() {
                    Some(summary) => write!(f, "HTTP {status}: {}", one_line(&summary))?,
                    None => write!(f, "HTTP {status}: API error")?,
                }
                if raw.is_some() {
                    f.write_str(" (the error body is not of the documented shape)")?;
                }
                Ok(())
            }
            ErrorKind::UnexpectedStatus { status, excerpt } if excerpt.is_empty() => {
                write!(f, "unexpected HTTP {status} with an empty body")
            }
            ErrorKind::UnexpectedStatus { status, excerpt } => {
                write!(f, "unexpected HTTP {status}: {}", one_line(excerpt))
            }
            ErrorKind::Decode {
                status,
                excerpt,
                source,
            } => write!(
                f,
                "HTTP {status}: the body does not have the documented shape ({}): {}",
                one_line(&source.to_string()),
                one_line(excerpt)
            ),
            ErrorKind::BodyTooLarge { status, limit } => {
                write!(
                    f,
                    "HTTP {status}: the body is larger than the limit of {limit} bytes"
                )
            }
            ErrorKind::TruncatedBody {
                status,
                received,
                source,
            } => write!(
                f,
                "HTTP {status}: the body was cut short: the connection ended after {received} \
                 bytes, before the end of the body{}",
                causes(source)
            ),
            ErrorKind::Timeout {
                phase,
                after,
                source,
                ..
            } => {
                match after {
                    Some(after) => write!(f, "timed out after {after:?} {phase}")?,
                    None => write!(f, "timed out {phase} (the given HTTP client's timeout)")?,
                }
                if *phase == TimeoutPhase::Connect {
                    f.write_str(&causes(source))?;
                }
                Ok(())
            }
            ErrorKind::Redirect {
                status,
                target_origin: Some(_),
                same_origin: true,
            } => write!(
                f,
                "HTTP {status}: a redirect within the base URL's origin was not followed (more \
                 than {MAX_REDIRECTS} in a row, or the HTTP client does not follow redirects)"
            ),
            ErrorKind::Redirect {
                status,
                target_origin,
                ..
            } => match target_origin {
                Some(origin) if origin.starts_with("http://") || origin.starts_with("https://") => {
                    write!(
                        f,
                        "HTTP {status}: redirected to another origin, {}, which the client does \
                         not follow",
                        one_line(origin)
                    )
                }
                Some(scheme) => write!(
                    f,
                    "HTTP {status}: redirected to a `{}` URL, which the client does not follow \
                     (only http and https within the base URL's origin)",
                    one_line(scheme)
                ),
                None => write!(
                    f,
                    "HTTP {status}: redirected to a location that is not a URL, which the \
                     client does not follow"
                ),
            },
            ErrorKind::Transport(err) => write!(f, "transport error{}", causes(err)),
            ErrorKind::Encode(err) => write!(f, "cannot encode the request body: {err}"),
            ErrorKind::InvalidArgument { name, reason } => {
                write!(f, "invalid argument `{name}`: {reason}")
            }
            ErrorKind::NoSession => write!(f, "the operation needs a session; create one first"),
            ErrorKind::Login { source, .. } => write!(
                f,
                "cannot log in with the client's credentials: {}",
                one_line(&source.to_string())
            ),
            ErrorKind::SessionLimit { status, message } => write!(
                f,
                "HTTP {status}: the login was refused: the user has as many sessions as the \
                 server allows ({}); end the sessions no longer used, or reuse one (a session \
                 cache); not retried",
                one_line(message)
            ),
        }
    }
}

impl<E: ErrorBody> std::error::Error for Error<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        std::error::Error::source(&self.kind)
    }
}

impl<E: ErrorBody> std::error::Error for ErrorKind<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ErrorKind::Decode { source, .. } | ErrorKind::Encode(source) => Some(source),
            ErrorKind::Transport(source)
            | ErrorKind::TruncatedBody { source, .. }
            | ErrorKind::Timeout { source, .. } => Some(source),
            ErrorKind::Login { source, .. } => Some(source.as_ref()),
            _ => None,
        }
    }
}

/// How many redirects within the base URL's origin one call follows.
pub(crate) const MAX_REDIRECTS: usize = 10;

/// `err`'s message and its innermost cause's, each after `: `, on one line: the HTTP client's
/// own message ("error sending request") says little, the cause (an unknown certificate
/// issuer, a fingerprint that is not the pinned one, a header block too large, a bad
/// `Content-Length`) is the last of its sources. Causes are the client's own text, not the
/// server's, so they get more room than [`DISPLAY_LIMIT`].
pub(crate) fn causes(err: &(dyn std::error::Error + 'static)) -> String {
    let first = err.to_string();
    let mut innermost = None;
    let mut next = err.source();
    let mut depth = 0;
    while let Some(cause) = next {
        let text = cause.to_string();
        if !text.is_empty() && !first.contains(&text) {
            innermost = Some(text);
        }
        next = cause.source();
        depth += 1;
        if depth > 16 {
            break;
        }
    }
    let mut out = format!(": {first}");
    if let Some(cause) = innermost {
        out.push_str(": ");
        out.push_str(&cause);
    }
    bounded_line(&out, 4 * DISPLAY_LIMIT)
}

/// `text` on one line for `Display`: control characters escaped (`\n`, `\u{1b}`), at most
/// [`DISPLAY_LIMIT`] characters (escapes included), then `…` if there was more.
pub(crate) fn one_line(text: &str) -> String {
    bounded_line(text, DISPLAY_LIMIT)
}

/// `text` on one line, control characters escaped, at most `limit` characters, then `…`.
fn bounded_line(text: &str, limit: usize) -> String {
    let mut out = String::with_capacity(text.len().min(limit * 2));
    let mut shown = 0;
    for c in text.chars() {
        let escaped: Vec<char> = if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') {
            c.escape_default().collect()
        } else {
            vec![c]
        };
        if shown + escaped.len() > limit {
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
