//! Keeping the session alive while the client is in use, and waiting until the server answers
//! (after a restart or an upgrade), both through the operation that reads the session.
//! This file is part of the generator's runtime: it does not depend on the spec, and it is
//! copied only into crates whose API has an operation marked `x-codegen-session: info`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::client::Client;
use super::error::LoginFailure;

/// What `Client::touch_session` (generated) returns.
pub(crate) type Touch<'a> = Pin<Box<dyn Future<Output = Result<(), LoginFailure>> + Send + 'a>>;

/// The server did not answer within [`Client::wait_until_ready`]'s time.
#[derive(Debug)]
#[non_exhaustive]
pub struct NotReady {
    /// How long the client waited.
    pub waited: Duration,
    /// How many times it asked.
    pub attempts: u32,
    /// The last failure, e.g. `unexpected HTTP 503: <html>...` or a refused connection.
    pub last: String,
}

impl fmt::Display for NotReady {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the server was not ready after {:.1?} ({} attempts); last: {}",
            self.waited,
            self.attempts,
            super::error::one_line(&self.last)
        )
    }
}

impl std::error::Error for NotReady {}

impl Client {
    /// Starts keeping the session alive: every `interval`, while the client has a session, it
    /// reads the session (vCenter: `GET /api/session`), which resets the server's idle timer
    /// (vCenter ends a session idle for 30 minutes; an interval of 10 to 20 minutes is
    /// enough). It does not start a session; one that expired anyway (vCenter restarted) is
    /// renewed as any call renews it, when the client has credentials. The task stops when the
    /// last clone of the client is dropped; calling this again changes nothing while it runs.
    /// Call it inside a tokio runtime.
    pub fn keep_alive(&self, interval: Duration) {
        if self.inner.keep_alive.swap(true, Ordering::AcqRel) {
            return;
        }
        let weak = Arc::downgrade(&self.inner);
        let interval = interval.max(Duration::from_millis(100));
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(interval).await;
                let Some(inner) = weak.upgrade() else {
                    return;
                };
                let client = Client {
                    inner,
                    options: None,
                };
                if client.session().is_none() {
                    continue;
                }
                match client.touch_session().await {
                    Ok(()) => tracing::debug!("keep-alive: the session is alive"),
                    Err(failure) => {
                        tracing::debug!(error = %failure.source, "keep-alive: the session was not read")
                    }
                }
            }
        });
    }

    /// Waits until the server answers its API (after a restart or an upgrade, vCenter refuses
    /// connections, then answers 503 for minutes), for at most `timeout`. It asks with the
    /// request that reads the session, sent without one (nothing is logged in), every 250 ms
    /// at first, then less often (up to every 5 s). Any answer but a 5xx (vCenter's 401 to a
    /// request without a session included) means the API is up.
    pub async fn wait_until_ready(&self, timeout: Duration) -> Result<(), NotReady> {
        let started = Instant::now();
        let mut attempts = 0;
        let mut delay = Duration::from_millis(250);
        loop {
            attempts += 1;
            let left = timeout.saturating_sub(started.elapsed());
            let probe = self
                .session_probe()
                .timeout(left.max(Duration::from_millis(1)));
            let last = match probe.build() {
                Ok(request) => match self.inner.http.execute(request).await {
                    Ok(response) if response.status().is_server_error() => {
                        format!("HTTP {}", response.status().as_u16())
                    }
                    Ok(response) if self.is_own_origin(response.url()) => return Ok(()),
                    Ok(_) => "an answer from another origin".to_string(),
                    Err(err) => format!("transport error{}", super::error::causes(&err.without_url())),
                },
                Err(err) => format!("transport error{}", super::error::causes(&err.without_url())),
            };
            let left = timeout.saturating_sub(started.elapsed());
            if left.is_zero() {
                return Err(NotReady {
                    waited: started.elapsed(),
                    attempts,
                    last,
                });
            }
            tracing::debug!(attempts, error = %last, "not ready yet");
            tokio::time::sleep(delay.min(left)).await;
            delay = (delay * 2).min(Duration::from_secs(5));
        }
    }
}
