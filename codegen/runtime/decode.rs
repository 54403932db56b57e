//! Decoding a success body.
//! This file is part of the generator's runtime: it does not depend on the spec, and it is
//! copied only into crates whose operations use it.

use super::client::{Client, Received};
use super::error::{Error, ErrorKind};

impl Client {
    /// Decodes a success body, strictly (a leading UTF-8 byte order mark is skipped).
    pub(crate) async fn read_json<T, E>(&self, received: Received) -> Result<T, Error<E>>
    where
        T: serde::de::DeserializeOwned,
    {
        let body = self.read_body(received).await?;
        body.decode().map_err(|source| ErrorKind::Decode {
            status: body.status,
            excerpt: body.excerpt(),
            source,
        }.into())
    }
}
