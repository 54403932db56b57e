//! Sending one call: the session header, logging in again when the session expired, retries
//! under the client's policy, and the `tracing` span around it all.
//! This file is part of the generator's runtime: it does not depend on the spec.

use std::future::Future;

use tracing::Instrument;

use super::client::{Client, Received, SessionId};
use super::error::{Error, ErrorBody};
use super::redact::Secrets;

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
    /// Whether the call fails with [`Error::NoSession`] when there is no session.
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

impl Client {
    /// Runs `work`, the whole call, inside a `tracing` span named `api_call` with the fields
    /// `operation`, `method`, `path` (the template, never the ids in it), `status`,
    /// `error_type` and `attempt`. Neither the session id, the password nor a body is recorded.
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
        let span = tracing::info_span!(
            "api_call",
            operation = call.operation,
            method = call.method,
            path = call.path,
            status = tracing::field::Empty,
            error_type = tracing::field::Empty,
            attempt = tracing::field::Empty,
        );
        let work = Box::pin(work.instrument(span.clone()));
        async move {
            let result = work.await;
            if let Err(err) = &result {
                if let Some(error_type) = err.api_body().and_then(ErrorBody::error_type_name) {
                    span.record("error_type", error_type);
                }
                span.in_scope(|| tracing::debug!(error = %err, "call failed"));
            }
            result
        }
    }

    /// Sends the request, with the session header when the call uses one, and returns the
    /// first answer that is not retried. An answer from another origin than the base URL's,
    /// or a redirect the HTTP client did not follow, is [`Error::Redirect`].
    pub(crate) async fn send<E>(
        &self,
        call: &Call,
        request: impl Into<Outgoing>,
    ) -> Result<Received, Error<E>> {
        let Outgoing {
            request,
            secrets: sent,
        } = request.into();
        let span = tracing::Span::current();
        let max_attempts = self.inner.retry.as_ref().map_or(1, |p| p.attempts());
        let mut attempt: u32 = 0;
        let mut renewed = false;
        loop {
            attempt += 1;
            span.record("attempt", attempt);
            let session = self.session_for(call).await?;
            // A call that may be sent again keeps a copy of its request (every body this client
            // sends is in memory, so it can be copied); any other is sent once, as it is.
            let may_repeat = max_attempts > 1
                || (call.renews_session && session.is_some() && self.inner.credentials.is_some());
            let copy = if may_repeat { request.try_clone() } else { None };
            let Some(this_try) = copy else {
                let request = self
                    .with_session_header(call, request, session.as_ref())
                    .build()
                    .map_err(|err| Error::Transport(err.without_url()))?;
                let secrets = self.secrets_of(&request, sent);
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
                .with_session_header(call, this_try, session.as_ref())
                .build()
                .map_err(|err| Error::Transport(err.without_url()))?;
            let secrets = self.secrets_of(&this_try, sent.clone());
            let response = match self.inner.http.execute(this_try).await {
                Ok(response) => response,
                // Not connected: the request was never sent, so it cannot have taken effect.
                // (The URL is left out of the log: it holds the path's ids and the query.)
                Err(err) if err.is_connect() && attempt < max_attempts => {
                    let err = err.without_url();
                    tracing::debug!(attempt, error = %err, "connection failed; trying again");
                    self.wait(attempt).await;
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
                    continue;
                }
            }
            let Some(policy) = self.inner.retry.as_ref().filter(|_| attempt < max_attempts) else {
                return Ok(received);
            };
            let retry_after = super::retry::retry_after(received.response.headers());
            let (received, not_done) = if status == 503 {
                (received, true)
            } else if status >= 400 && policy.checks_error_types() {
                let (received, error_type) = self.peek_error_type::<E>(received).await?;
                let not_done = error_type.is_some_and(|t| policy.retries_error_type(&t));
                (received, not_done)
            } else {
                (received, false)
            };
            if !not_done {
                return Ok(received);
            }
            match policy.delay(attempt, retry_after) {
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
    /// followed: both are [`Error::Redirect`], so that nothing from another server is used.
    fn answer<E>(
        &self,
        call: &Call,
        response: reqwest::Response,
        secrets: Secrets,
    ) -> Result<Received, Error<E>> {
        let status = response.status().as_u16();
        if !self.is_own_origin(response.url()) {
            return Err(Error::Redirect {
                status,
                target_origin: Some(response.url().origin().ascii_serialization()),
                same_origin: false,
            });
        }
        if matches!(status, 301 | 302 | 303 | 307 | 308) {
            if let Some(location) = response.headers().get(reqwest::header::LOCATION) {
                let target = location
                    .to_str()
                    .ok()
                    .and_then(|location| response.url().join(location).ok());
                return Err(Error::Redirect {
                    status,
                    same_origin: target.as_ref().is_some_and(|url| self.is_own_origin(url)),
                    target_origin: target.map(|url| url.origin().ascii_serialization()),
                });
            }
        }
        Ok(Received {
            response,
            secrets,
            withhold: call.creates_session,
        })
    }

    /// The backoff after a failed connection (no answer, so no `Retry-After`).
    async fn wait(&self, attempt: u32) {
        let delay = self
            .inner
            .retry
            .as_ref()
            .and_then(|policy| policy.delay(attempt, None));
        if let Some(delay) = delay {
            tokio::time::sleep(delay).await;
        }
    }

    /// The `error_type` of an error answer, and the answer itself, rebuilt from its body.
    async fn peek_error_type<E>(
        &self,
        received: Received,
    ) -> Result<(Received, Option<String>), Error<E>> {
        #[derive(serde::Deserialize)]
        struct ErrorTypeOnly {
            error_type: Option<String>,
        }
        let status = received.response.status();
        let version = received.response.version();
        let headers = received.response.headers().clone();
        let body = self.read_body(received).await?;
        let error_type = body
            .decode::<ErrorTypeOnly>()
            .ok()
            .and_then(|e| e.error_type);
        let mut rebuilt = http::Response::new(body.bytes);
        *rebuilt.status_mut() = status;
        *rebuilt.version_mut() = version;
        *rebuilt.headers_mut() = headers;
        let received = Received {
            response: reqwest::Response::from(rebuilt),
            secrets: body.secrets,
            withhold: body.withhold,
        };
        Ok((received, error_type))
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
            None if call.session_required => Err(Error::NoSession),
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
        self.renew_session(&credentials.username, &credentials.password)
            .await
            .map_err(Error::from)
    }

    fn with_session_header(
        &self,
        call: &Call,
        request: reqwest::RequestBuilder,
        session: Option<&SessionId>,
    ) -> reqwest::RequestBuilder {
        match (call.session_header, session) {
            (Some(header), Some(session)) => request.header(header, session.header_value().clone()),
            _ => request,
        }
    }
}
