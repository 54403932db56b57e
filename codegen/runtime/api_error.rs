//! Decoding a documented error body.
//! This file is part of the generator's runtime: it does not depend on the spec, and it is
//! copied only into crates whose operations use it.

use super::client::Client;
use super::error::{excerpt, Error};

impl Client {
    /// The error for a documented error status.
    pub(crate) async fn api_error<E>(&self, response: reqwest::Response) -> Error<E>
    where
        E: serde::de::DeserializeOwned,
    {
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
        match serde_json::from_slice(&body) {
            Ok(body) => Error::Api { status, body },
            Err(source) => Error::Decode {
                status,
                excerpt: excerpt(&body),
                source,
            },
        }
    }
}
