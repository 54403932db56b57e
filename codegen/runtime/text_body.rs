//! Reading a text success body.
//! This file is part of the generator's runtime: it does not depend on the spec, and it is
//! copied only into crates whose operations use it.

use super::client::{Client, Received};
use super::error::{Error, ErrorKind};

impl Client {
    /// Reads a text success body (UTF-8), up to the client's limit.
    pub(crate) async fn read_text<E>(&self, received: Received) -> Result<String, Error<E>> {
        let body = self.read_body(received).await?;
        String::from_utf8(body.bytes.clone()).map_err(|_| ErrorKind::Decode {
            status: body.status,
            excerpt: body.excerpt(),
            source: serde::de::Error::custom("the text body is not UTF-8"),
        }.into())
    }
}
