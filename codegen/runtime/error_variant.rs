//! Decoding a documented error body into its variant of the operation's error enum.
//! This file is part of the generator's runtime: it does not depend on the spec, and it is
//! copied only into crates whose operations use it.

use super::client::{Client, Received};
use super::error::{Error, ErrorKind};

impl Client {
    /// The error for a documented error status whose JSON body is decoded as `B` (its strings
    /// scrubbed of the call's secrets) and wrapped into the operation's error enum by `wrap`.
    pub(crate) async fn api_error_as<B, E>(&self, received: Received, wrap: fn(B) -> E) -> Error<E>
    where
        B: serde::de::DeserializeOwned,
    {
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
        let decoded = body
            .json_value_lenient()
            .and_then(|value| B::deserialize(&value));
        match decoded {
            Ok(decoded) => ErrorKind::Api {
                status,
                body: wrap(decoded),
                raw: None,
            }.into(),
            Err(source) => ErrorKind::Decode {
                status,
                excerpt: body.excerpt(),
                source,
            }.into(),
        }
    }
}
