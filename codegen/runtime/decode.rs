//! Decoding a success body.
//! This file is part of the generator's runtime: it does not depend on the spec, and it is
//! copied only into crates whose operations use it.

use super::client::Client;
use super::error::{excerpt, Error};

impl Client {
    /// Decodes a success body.
    pub(crate) async fn read_json<T, E>(&self, response: reqwest::Response) -> Result<T, Error<E>>
    where
        T: serde::de::DeserializeOwned,
    {
        let status = response.status().as_u16();
        let body = self.read_body(response).await?;
        serde_json::from_slice(&body).map_err(|source| Error::Decode {
            status,
            excerpt: excerpt(&body),
            source,
        })
    }
}
