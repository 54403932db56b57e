//! Decoding a documented error body into its variant of the operation's error enum.
//! This file is part of the generator's runtime: it does not depend on the spec, and it is
//! copied only into crates whose operations use it.

use super::client::Client;
use super::error::{excerpt, Error};

impl Client {
    /// The error for a documented error status whose JSON body is decoded as `B` and wrapped
    /// into the operation's error enum by `wrap`.
    pub(crate) async fn api_error_as<B, E>(
        &self,
        response: reqwest::Response,
        wrap: fn(B) -> E,
    ) -> Error<E>
    where
        B: serde::de::DeserializeOwned,
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
            Ok(body) => Error::Api {
                status,
                body: wrap(body),
            },
            Err(source) => Error::Decode {
                status,
                excerpt: excerpt(&body),
                source,
            },
        }
    }
}
