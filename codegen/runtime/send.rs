//! Sending one call: the session header, logging in again when the session expired, retries
//! under the client's policy, and the `tracing` span around it all.
//! This file is part of the generator's runtime: it does not depend on the spec.

use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Instant;

use reqwest::header::HeaderValue;
use tracing::Instrument;

use super::client::{Client, Received, SessionId};
use super::error::{CallInfo, Error, ErrorBody, ErrorKind};
use super::redact::Secrets;
use super::retry::RetryPolicy;

/// What the runtime needs to know of an operation to send it.
#[derive(Debug)]
pub(crate) struct Call {
    /// The method's name, e.g. `iso_image_mount`.
    pub(crate) operation: &'static str,
    /// The HTTP method, e.g. `POST`.
    pub(crate) method: &'static str,
    /// The path template, e.g. `/api/vcenter/vm/{vm}/hardware/cdrom/{cdrom}?action=disconnect`.
    pub(crate) path: &'static str,
    /// The header that carries the session id, for calls that send one.
    pub(crate) session_header: Option<&'static str>,
    /// Whether the call fails with [`ErrorKind::NoSession`] when there is no session.
    pub(crate) session_required: bool,
    /// Whether an HTTP 401 makes the client log in again and repeat the call (not for the
    /// calls that create or end a session).
    pub(crate) renews_session: bool,
    /// Whether the call creates a session: no error ever copies its answer's body, which may
    /// hold a session id.
    pub(crate) creates_session: bool,
}

/// A request ready to send, with the secrets it carries that the client cannot see in its
/// sensitive headers (e.g. an API key in the query, a token a `TokenSource` gave).
#[derive(Debug)]
pub(crate) struct Outgoing {
    pub(crate) request: reqwest::RequestBuilder,
    pub(crate) secrets: Secrets,
}

impl From<reqwest::RequestBuilder> for Outgoing {
    fn from(request: reqwest::RequestBuilder) -> Self {
        Outgoing {
            request,
            secrets: Secrets::default(),
        }
    }
}

tokio::task_local! {
    /// The call being made on this task: set by [`Client::traced`] around a whole call, read
    /// by [`Client::send`] for each request it sends.
    pub(crate) static CALL: Arc<CallState>;
}

/// What one call keeps while it runs: its request id and how many requests it sent.
#[derive(Debug)]
pub(crate) struct CallState {
    /// The request id, sent in [`REQUEST_ID_HEADER`] with every request of the call (a login
    /// made for the call included).
    request_id: HeaderValue,
    /// How many requests the call sent.
    attempts: AtomicU32,
    /// When the call started, for its budget and its error.
    started: Instant,
    /// The session the call's last request carried (a logout forgets only that one).
    pub(crate) sent_session: std::sync::Mutex<Option<SessionId>>,
}


/// The header that carries a call's request id.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

impl Client {
    /// Runs `work`, the whole call, inside a `tracing` span named `api_call` with the fields
    /// `operation`, `method`, `path` (the template, never the ids in it), `request_id`,
    /// `status`, `error_type` and `attempt`. Neither the session id, the password nor a body
    /// is recorded. An error it returns carries the request id, the number of attempts and
    /// the call's duration ([`Error::call`]).
    ///
    /// `work` is boxed: the state of a whole call takes several KiB, and without the box every
    /// generated method's future would hold it (twice: as the argument and as the future
    /// awaited), so that a caller that moves or collects many calls copies it each time.
    pub(crate) fn traced<T, E, F>(
        &self,
        call: &Call,
        work: F,
    ) -> impl Future<Output = Result<T, Error<E>>>
    where
        E: ErrorBody,
        F: Future<Output = Result<T, Error<E>>>,
    {
        // A call made for another (the login a call needs) shares its request id, so that the
        // server's log shows them together.
        let request_id = CALL
            .try_with(|outer| outer.request_id.clone())
            .unwrap_or_else(|_| self.next_request_id());
        let shown = request_id.to_str().unwrap_or_default().to_string();
        let span = tracing::info_span!(
            "api_call",
            operation = call.operation,
            method = call.method,
            path = call.path,
            request_id = shown.as_str(),
            status = tracing::field::Empty,
            error_type = tracing::field::Empty,
            attempt = tracing::field::Empty,
        );
        let state = Arc::new(CallState {
            request_id,
            attempts: AtomicU32::new(0),
            started: Instant::now(),
            sent_session: std::sync::Mutex::new(None),
        });
        let work = Box::pin(CALL.scope(Arc::clone(&state), work.instrument(span.clone())));
        async move {
            let result = work.await;
            result.map_err(|err| {
                if let Some(error_type) = err.api_body().and_then(ErrorBody::error_type_name) {
                    span.record("error_type", error_type);
                }
                let err = err.with_call(CallInfo {
                    request_id: shown,
                    attempts: state.attempts.load(Ordering::Relaxed),
                    elapsed: state.started.elapsed(),
                });
                span.in_scope(|| tracing::debug!(error = %err, "call failed"));
                err
            })
        }
    }

    /// Sends the request, with the session header when the call uses one, and returns the
    /// first answer that is not retried. An answer from another origin than the base URL's,
    /// or a redirect the HTTP client did not follow, is [`ErrorKind::Redirect`].
    pub(crate) async fn send<E>(
        &self,
        call: &Call,
        request: impl Into<Outgoing>,
    ) -> Result<Received, Error<E>> {
        let Outgoing {
            request,
            secrets: sent,
        } = request.into();
        let state = CALL.try_with(Arc::clone).ok();
        let started = state.as_ref().map_or_else(Instant::now, |s| s.started);
        let span = tracing::Span::current();
        let policy = self.inner.retry.as_ref();
        let max_attempts = policy.map_or(1, RetryPolicy::attempts);
        let mut attempt: u32 = 0;
        let mut renewed = false;
        loop {
            attempt += 1;
            span.record("attempt", attempt);
            let session = self.session_for(call).await?;
            if let Some(state) = &state {
                match state.sent_session.lock() {
                    Ok(mut sent) => sent.clone_from(&session),
                    Err(poisoned) => poisoned.into_inner().clone_from(&session),
                }
            }
            // A call that may be sent again keeps a copy of its request (every body this client
            // sends is in memory, so it can be copied); any other is sent once, as it is.
            let may_repeat = max_attempts > 1
                || (call.renews_session && session.is_some() && self.inner.credentials.is_some());
            let copy = if may_repeat { request.try_clone() } else { None };
            let Some(this_try) = copy else {
                let request = self
                    .prepare(call, request, session.as_ref(), state.as_deref())
                    .build()
                    .map_err(|err| Error::from(ErrorKind::Transport(err.without_url())))?;
                let secrets = self.secrets_of(&request, sent);
                if let Some(state) = &state {
                    state.attempts.fetch_add(1, Ordering::Relaxed);
                }
                let response = self
                    .inner
                    .http
                    .execute(request)
                    .await
                    .map_err(|err| self.send_error(err))?;
                span.record("status", response.status().as_u16());
                return self.answer(call, response, secrets);
            };
            let this_try = self
                .prepare(call, this_try, session.as_ref(), state.as_deref())
                .build()
                .map_err(|err| Error::from(ErrorKind::Transport(err.without_url())))?;
            let secrets = self.secrets_of(&this_try, sent.clone());
            if let Some(state) = &state {
                state.attempts.fetch_add(1, Ordering::Relaxed);
            }
            let outcome = self.inner.http.execute(this_try).await;
            let response = match outcome {
                Ok(response) => response,
                // Not connected (refused, or no TLS handshake within the connect timeout):
                // nothing was sent, so the call cannot have taken effect.
                // (The URL is left out of the log: it holds the path's ids and the query.)
                Err(err) if err.is_connect() && !is_certificate_failure(&err) => {
                    let wait = policy
                        .filter(|_| attempt < max_attempts)
                        .and_then(|p| p.wait(attempt, None, started.elapsed()));
                    let Some(wait) = wait else {
                        return Err(self.send_error(err));
                    };
                    let err = err.without_url();
                    tracing::debug!(attempt, error = %err, ?wait, "connection failed; trying again");
                    tokio::time::sleep(wait).await;
                    continue;
                }
                Err(err) => return Err(self.send_error(err)),
            };
            let status = response.status().as_u16();
            span.record("status", status);
            let received = self.answer(call, response, secrets)?;
            if status == 401 && call.renews_session && !renewed {
                if let (Some(sent), Some(_)) = (&session, &self.inner.credentials) {
                    tracing::debug!("HTTP 401: logging in again");
                    renewed = true;
                    self.renew::<E>(Some(sent)).await?;
                    if self.session().is_none() {
                        // The session was ended meanwhile (a logout): the 401 stands, and no
                        // new session is started for it.
                        return Ok(received);
                    }
                    continue;
                }
            }
            let Some(policy) = policy.filter(|_| attempt < max_attempts) else {
                return Ok(received);
            };
            if status < 400 {
                return Ok(received);
            }
            let retry_after = super::retry::retry_after(received.response.headers());
            let (received, peeked) = self.peek_error(received).await?;
            // A login refused for the user's session limit is not "try again later": waiting
            // does not end sessions.
            let not_done = !peeked.session_limit
                && (status == 503
                    || peeked.is_transient
                    || peeked
                        .error_type
                        .as_deref()
                        .is_some_and(|t| policy.retries_error_type(t)));
            if !not_done {
                return Ok(received);
            }
            match policy.wait(attempt, retry_after, started.elapsed()) {
                Some(delay) => {
                    tracing::debug!(attempt, status, ?delay, "not done; trying again");
                    tokio::time::sleep(delay).await;
                }
                None => return Ok(received),
            }
        }
    }

    /// The answer to a call, unless it came from another origin than the base URL's (a
    /// redirect an HTTP client given by the caller followed) or is a redirect that was not
    /// followed: both are [`ErrorKind::Redirect`], so that nothing from another server is used.
    fn answer<E>(
        &self,
        call: &Call,
        response: reqwest::Response,
        secrets: Secrets,
    ) -> Result<Received, Error<E>> {
        let status = response.status().as_u16();
        if !self.is_own_origin(response.url()) {
            return Err(ErrorKind::Redirect {
                status,
                target_origin: Some(origin_text(response.url())),
                same_origin: false,
            }.into());
        }
        if matches!(status, 301 | 302 | 303 | 307 | 308) {
            if let Some(location) = response.headers().get(reqwest::header::LOCATION) {
                let target = location
                    .to_str()
                    .ok()
                    .and_then(|location| response.url().join(location).ok());
                return Err(ErrorKind::Redirect {
                    status,
                    same_origin: target.as_ref().is_some_and(|url| self.is_own_origin(url)),
                    target_origin: target.as_ref().map(origin_text),
                }.into());
            }
        }
        Ok(Received {
            response,
            secrets,
            withhold: call.creates_session,
        })
    }

    /// What an error answer says of itself (its `error_type`, whether its `data` says it is
    /// transient, whether it refuses a login for the session limit), and the answer itself,
    /// rebuilt from its body.
    async fn peek_error<E>(&self, received: Received) -> Result<(Received, Peeked), Error<E>> {
        let status = received.response.status();
        let version = received.response.version();
        let headers = received.response.headers().clone();
        let body = self.read_body(received).await?;
        let peeked = match body.json_value() {
            Ok(json) => Peeked {
                error_type: json
                    .get("error_type")
                    .and_then(|t| t.as_str())
                    .map(str::to_string),
                is_transient: json
                    .get("data")
                    .and_then(|d| d.get("is_transient"))
                    .and_then(serde_json::Value::as_bool)
                    == Some(true),
                session_limit: super::error::session_limit_message(&json).is_some(),
            },
            Err(_) => Peeked::default(),
        };
        let mut rebuilt = http::Response::new(body.bytes);
        *rebuilt.status_mut() = status;
        *rebuilt.version_mut() = version;
        *rebuilt.headers_mut() = headers;
        let received = Received {
            response: reqwest::Response::from(rebuilt),
            secrets: body.secrets,
            withhold: body.withhold,
        };
        Ok((received, peeked))
    }

    /// The session to send with `call`, logging in first when the call needs one, the client
    /// has none and it has credentials.
    async fn session_for<E>(&self, call: &Call) -> Result<Option<SessionId>, Error<E>> {
        if call.session_header.is_none() {
            return Ok(None);
        }
        if let Some(session) = self.session() {
            return Ok(Some(session));
        }
        if call.renews_session && self.inner.credentials.is_some() {
            self.renew::<E>(None).await?;
        }
        match self.session() {
            Some(session) => Ok(Some(session)),
            None if call.session_required => Err(ErrorKind::NoSession.into()),
            None => Ok(None),
        }
    }

    /// Creates a new session with the client's credentials, unless another task already
    /// replaced `expired` while this one waited for its turn.
    async fn renew<E>(&self, expired: Option<&SessionId>) -> Result<(), Error<E>> {
        let Some(credentials) = &self.inner.credentials else {
            return Ok(());
        };
        let _turn = self.inner.renewal.lock().await;
        if self.session().as_ref() != expired {
            return Ok(());
        }
        let Some(cache) = &self.inner.session_cache else {
            return self
                .renew_session(&credentials.username, &credentials.password)
                .await
                .map_err(Error::from);
        };
        // Another process may have logged in already: wait for its turn to end, then use
        // what it stored, unless it is the session that just expired.
        let _process_turn = cache.turn().await;
        if let Some(cached) = cache.read().filter(|cached| Some(cached) != expired) {
            tracing::debug!("using the cached session");
            self.store_session(Some(cached));
            return Ok(());
        }
        self.renew_session(&credentials.username, &credentials.password)
            .await
            .map_err(Error::from)?;
        if let Some(session) = self.session() {
            cache.write(&session);
        }
        Ok(())
    }

    /// The request as sent: with the session header when the call uses one, the request id,
    /// and the call's own timeout when it has one.
    fn prepare(
        &self,
        call: &Call,
        request: reqwest::RequestBuilder,
        session: Option<&SessionId>,
        state: Option<&CallState>,
    ) -> reqwest::RequestBuilder {
        let mut request = match (call.session_header, session) {
            (Some(header), Some(session)) => request.header(header, session.header_value().clone()),
            _ => request,
        };
        if let Some(state) = state {
            request = request.header(REQUEST_ID_HEADER, state.request_id.clone());
        }
        if let Some(timeout) = self.options.as_ref().and_then(|o| o.timeout) {
            request = request.timeout(timeout);
        }
        request
    }
}

/// The origin of `url` for an error: `scheme://host:port`, or, for a URL without one (a
/// `file:` or `data:` URL, whose origin is opaque), its scheme and a colon.
fn origin_text(url: &reqwest::Url) -> String {
    let origin = url.origin();
    if origin.is_tuple() {
        origin.ascii_serialization()
    } else {
        format!("{}:", url.scheme())
    }
}

/// What the retry loop reads of an error answer.
#[derive(Debug, Default)]
struct Peeked {
    error_type: Option<String>,
    is_transient: bool,
    session_limit: bool,
}

/// Whether a connection failed because the server's certificate was refused: trying again
/// would meet the same certificate.
fn is_certificate_failure(err: &reqwest::Error) -> bool {
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(err) = next {
        // An I/O error hides what it wraps from `source()`: look inside each layer.
        let mut inner = err;
        while let Some(wrapped) = inner
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            inner = wrapped;
        }
        if matches!(
            inner.downcast_ref::<rustls::Error>(),
            Some(rustls::Error::InvalidCertificate(_) | rustls::Error::AlertReceived(_))
        ) {
            return true;
        }
        next = err.source();
    }
    false
}
