//! Reading a documented error body that is text (or any media type other than JSON).
//! This file is part of the generator's runtime: it does not depend on the spec, and it is
//! copied only into crates whose operations use it.

use super::client::{Client, Received};
use super::error::{Error, ErrorKind};

impl Client {
    /// The error for a documented error status whose body is text, scrubbed of the call's
    /// secrets (bytes that are not UTF-8 become U+FFFD; withheld for a session-creation
    /// answer) and wrapped by `wrap`.
    pub(crate) async fn api_error_text<E>(
        &self,
        received: Received,
        wrap: fn(String) -> E,
    ) -> Error<E> {
        let body = match self.read_body(received).await {
            Ok(body) => body,
            Err(err) => return err,
        };
        let status = body.status;
        if body.bytes.iter().all(u8::is_ascii_whitespace) {
            return ErrorKind::UnexpectedStatus {
                status,
                excerpt: String::new(),
            }.into();
        }
        let text = if body.withhold {
            super::error::WITHHELD.to_string()
        } else {
            body.secrets.scrub(&String::from_utf8_lossy(&body.bytes))
        };
        ErrorKind::Api {
            status,
            body: wrap(text),
            raw: None,
        }.into()
    }
}
