//! Sending the session id with the calls that need one.
//! This file is part of the generator's runtime: it does not depend on the spec, and it is
//! copied only into crates whose operations use it.

use reqwest::header::HeaderValue;

use crate::client::{Client, SessionId};
use crate::error::Error;

impl Client {
    /// Adds the session header; fails with [`Error::NoSession`] when `required` and there is none.
    pub(crate) fn with_session<E>(
        &self,
        request: reqwest::RequestBuilder,
        header: &'static str,
        required: bool,
    ) -> Result<reqwest::RequestBuilder, Error<E>> {
        match self.session().and_then(|s| header_value(&s)) {
            Some(value) => Ok(request.header(header, value)),
            None if required => Err(Error::NoSession),
            None => Ok(request),
        }
    }
}

/// The session id as a header value marked sensitive (kept out of HTTP logs).
fn header_value(session: &SessionId) -> Option<HeaderValue> {
    let mut value = HeaderValue::from_str(session.expose_secret()).ok()?;
    value.set_sensitive(true);
    Some(value)
}
