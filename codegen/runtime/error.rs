//! The error every operation returns, and the trait that lets an error body describe itself.
//! This file is part of the generator's runtime: it does not depend on the spec.

use std::fmt;

/// How many bytes of an unexpected or undecodable body an error keeps.
pub const EXCERPT_LIMIT: usize = 512;

/// What can go wrong when calling an operation.
///
/// `E` is the operation's documented error body. Nothing secret (session id, password, request
/// body) is ever part of an error's text.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error<E> {
    /// The server answered with a documented error status and a body of the documented shape.
    Api {
        /// HTTP status.
        status: u16,
        /// The decoded error body.
        body: E,
    },
    /// The server answered with a status the operation does not document, or with a documented
    /// error status but an empty body.
    UnexpectedStatus {
        /// HTTP status.
        status: u16,
        /// The start of the body, lossily decoded as UTF-8.
        excerpt: String,
    },
    /// The body of a response could not be decoded as the documented type.
    Decode {
        /// HTTP status.
        status: u16,
        /// The start of the body, lossily decoded as UTF-8.
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
    /// one that expired).
    Login(Box<dyn std::error::Error + Send + Sync>),
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
}

impl ErrorBody for serde_json::Value {}

impl<E> Error<E> {
    /// The HTTP status of the response, when there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. }
            | Error::UnexpectedStatus { status, .. }
            | Error::Decode { status, .. }
            | Error::BodyTooLarge { status, .. } => Some(*status),
            Error::Transport(err) => err.status().map(|s| s.as_u16()),
            Error::Encode(_)
            | Error::InvalidArgument { .. }
            | Error::NoSession
            | Error::Login(_) => None,
        }
    }

    /// The decoded body of a documented API error.
    pub fn api_body(&self) -> Option<&E> {
        match self {
            Error::Api { body, .. } => Some(body),
            _ => None,
        }
    }
}

impl<E: ErrorBody> Error<E> {
    /// The messages of a documented API error, first the error itself, then each cause, with
    /// their arguments filled in; empty for any other error.
    pub fn messages(&self) -> Vec<String> {
        self.api_body().map(ErrorBody::messages).unwrap_or_default()
    }

    /// The `error_type` of a documented API error as sent on the wire (e.g. `NOT_FOUND`).
    pub fn error_type_name(&self) -> Option<&str> {
        self.api_body()?.error_type_name()
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
            Error::Api { status, body } => match body.summary() {
                Some(summary) => write!(f, "HTTP {status}: {summary}"),
                None => write!(f, "HTTP {status}: documented error"),
            },
            Error::UnexpectedStatus { status, excerpt } if excerpt.is_empty() => {
                write!(f, "unexpected HTTP {status} with an empty body")
            }
            Error::UnexpectedStatus { status, excerpt } => {
                write!(f, "unexpected HTTP {status}: {excerpt}")
            }
            Error::Decode {
                status,
                excerpt,
                source,
            } => write!(
                f,
                "HTTP {status}: the body does not have the documented shape ({source}): {excerpt}"
            ),
            Error::BodyTooLarge { status, limit } => {
                write!(
                    f,
                    "HTTP {status}: the body is larger than the limit of {limit} bytes"
                )
            }
            Error::Transport(err) => write!(f, "transport error: {err}"),
            Error::Encode(err) => write!(f, "cannot encode the request body: {err}"),
            Error::InvalidArgument { name, reason } => {
                write!(f, "invalid argument `{name}`: {reason}")
            }
            Error::NoSession => write!(f, "the operation needs a session; create one first"),
            Error::Login(err) => write!(f, "cannot log in with the client's credentials: {err}"),
        }
    }
}

impl<E: ErrorBody> std::error::Error for Error<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Decode { source, .. } | Error::Encode(source) => Some(source),
            Error::Transport(err) => Some(err),
            Error::Login(err) => Some(err.as_ref()),
            _ => None,
        }
    }
}

/// The first [`EXCERPT_LIMIT`] bytes of a body, as text, cut at a character boundary.
pub(crate) fn excerpt(body: &[u8]) -> String {
    let head = body.get(..EXCERPT_LIMIT).unwrap_or(body);
    let mut text = String::from_utf8_lossy(head).into_owned();
    if body.len() > EXCERPT_LIMIT {
        // A multi-byte character cut at the limit decodes as U+FFFD; drop it.
        if text.ends_with('\u{FFFD}') {
            text.pop();
        }
        text.push('…');
    }
    text
}
