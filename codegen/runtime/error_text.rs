//! Reading a documented error body that is text (or any media type other than JSON).
//! This file is part of the generator's runtime: it does not depend on the spec, and it is
//! copied only into crates whose operations use it.

use super::client::Client;
use super::error::Error;

impl Client {
    /// The error for a documented error status whose body is text, kept as it is (bytes that
    /// are not UTF-8 become U+FFFD) and wrapped by `wrap`.
    pub(crate) async fn api_error_text<E>(
        &self,
        response: reqwest::Response,
        wrap: fn(String) -> E,
    ) -> Error<E> {
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
        Error::Api {
            status,
            body: wrap(String::from_utf8_lossy(&body).into_owned()),
        }
    }
}

/// A text error body summarises itself with its first line.
impl super::error::ErrorBody for String {
    fn summary(&self) -> Option<String> {
        let line = self.lines().map(str::trim).find(|line| !line.is_empty())?;
        Some(super::error::excerpt(line.as_bytes()))
    }
}
