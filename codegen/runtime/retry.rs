//! When a call is tried again, and how long the client waits before it does.
//! This file is part of the generator's runtime: it does not depend on the spec.

use std::time::Duration;

/// Which failed calls the client tries again, how often, and how long it waits in between.
///
/// A call is repeated only when it certainly did not take effect:
/// - the connection could not be opened (refused, unreachable, or no TCP or TLS handshake
///   within the connect timeout), so the request was never sent; a server certificate that is
///   refused is not tried again;
/// - the server answered HTTP 503 (with any body: a proxy's HTML page while vCenter restarts
///   too), an error whose `error_type` is one of [`error_types`](Self::error_types), or an
///   error whose `data` says `is_transient: true` (VMware's `TransientIndication`), all of
///   which say the operation was not carried out. By default the error types are the "try
///   again" ones the API documents: vCenter's `RESOURCE_BUSY` and `SERVICE_UNAVAILABLE`, when
///   its errors carry them, and none otherwise (see
///   [`default_error_types`](Self::default_error_types)).
///
/// A call is **never** repeated after a timeout waiting for the answer or a connection lost
/// while waiting for it: the server may have carried it out. This matters for operations that
/// are not idempotent, such as mounting an ISO image, which would create a second CD-ROM. A
/// login refused for the user's session limit is not repeated either (waiting does not end
/// sessions).
///
/// Between attempts the client waits an exponential backoff with jitter (half the delay fixed,
/// half random), or the number of seconds of the server's `Retry-After` header. When the
/// server asks for a longer wait than [`max_backoff`](Self::max_backoff) (or, with a
/// [`budget`](Self::budget), than what is left of it), the client stops and returns the answer
/// it got.
///
/// To ride out a restart of vCenter (connections refused, then 503 answers, for minutes),
/// give the policy a [`budget`](Self::budget): it then tries again for up to that long since
/// the call started, however many attempts that takes. A failed call's error says how many
/// attempts it made and how long it took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    budget: Option<Duration>,
    error_types: Vec<String>,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(10),
            budget: None,
            error_types: super::DEFAULT_RETRY_ERROR_TYPES
                .iter()
                .map(|error_type| error_type.to_string())
                .collect(),
        }
    }
}

impl RetryPolicy {
    /// The default policy: at most 4 attempts, waits from 250 ms doubling up to 10 s, on
    /// connection failures, 503 and the API's "try again" error types.
    pub fn new() -> Self {
        RetryPolicy::default()
    }

    /// The `error_type` values the default policy repeats a call on: the "try again" error
    /// types this API's error bodies document (vCenter's `RESOURCE_BUSY` and
    /// `SERVICE_UNAVAILABLE`), empty for an API without them.
    pub fn default_error_types() -> &'static [&'static str] {
        super::DEFAULT_RETRY_ERROR_TYPES
    }

    /// How many times a call is sent at most, the first time included (at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Keeps trying what is safe to try again for up to `total` since the call started, and
    /// lifts the limit on attempts (call [`max_attempts`](Self::max_attempts) after this to
    /// have both). Waits are capped by [`max_backoff`](Self::max_backoff) and by what is left
    /// of the budget; a `Retry-After` is honoured when it fits in what is left. Each attempt
    /// still has the client's timeout, so a call may end up to one timeout after the budget.
    pub fn budget(mut self, total: Duration) -> Self {
        self.budget = Some(total);
        self.max_attempts = u32::MAX;
        self
    }

    /// The wait before the second attempt; it doubles with each further attempt.
    pub fn initial_backoff(mut self, delay: Duration) -> Self {
        self.initial_backoff = delay;
        self
    }

    /// The longest wait between two attempts, and, without a [`budget`](Self::budget), the
    /// longest `Retry-After` honoured.
    pub fn max_backoff(mut self, delay: Duration) -> Self {
        self.max_backoff = delay;
        self
    }

    /// The `error_type` values that mean "not done, try again later" (replacing the default
    /// ones).
    pub fn error_types<I, S>(mut self, error_types: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.error_types = error_types.into_iter().map(Into::into).collect();
        self
    }

    pub(crate) fn attempts(&self) -> u32 {
        self.max_attempts
    }

    pub(crate) fn retries_error_type(&self, error_type: &str) -> bool {
        self.error_types.iter().any(|known| known == error_type)
    }

    /// The wait before attempt `attempt + 1` of a call that has run for `elapsed`, or `None`
    /// when there is none: the server asked for a longer wait than the policy allows, or the
    /// budget is spent.
    pub(crate) fn wait(
        &self,
        attempt: u32,
        retry_after: Option<Duration>,
        elapsed: Duration,
    ) -> Option<Duration> {
        let left = match self.budget {
            Some(budget) => Some(budget.checked_sub(elapsed).filter(|left| !left.is_zero())?),
            None => None,
        };
        if let Some(wait) = retry_after {
            let allowed = left.unwrap_or(self.max_backoff);
            // Under a budget the attempts are not counted: a `Retry-After: 0` must not make
            // the client ask again at once, for the whole budget.
            let wait = match left {
                Some(_) => wait.max(self.delay(attempt).unwrap_or_default()),
                None => wait,
            };
            return (wait <= allowed).then_some(wait);
        }
        let delay = self.delay(attempt)?;
        Some(left.map_or(delay, |left| delay.min(left)))
    }

    /// The backoff before attempt `attempt + 1`: doubling from the initial backoff, capped,
    /// with jitter.
    fn delay(&self, attempt: u32) -> Option<Duration> {
        let doubling = 2u32.saturating_pow(attempt.saturating_sub(1));
        let full = self
            .initial_backoff
            .saturating_mul(doubling)
            .min(self.max_backoff);
        let half = full / 2;
        // `fastrand`: a fast generator, seeded per thread; jitter needs no secrecy.
        Some(half + half.mul_f64(fastrand::f64()))
    }
}

/// The seconds of a `Retry-After` header (its HTTP-date form is not used by vCenter and is
/// ignored, falling back to the backoff).
pub(crate) fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}
