//! Reading a text success body.
//! This file is part of the generator's runtime: it does not depend on the spec, and it is
//! copied only into crates whose operations use it.

use super::client::Client;
use super::error::{excerpt, Error};

impl Client {
    /// Reads a text success body (UTF-8), up to the client's limit.
    pub(crate) async fn read_text<E>(&self, response: reqwest::Response) -> Result<String, Error<E>> {
        let status = response.status().as_u16();
        let body = self.read_body(response).await?;
        String::from_utf8(body).map_err(|err| Error::Decode {
            status,
            excerpt: excerpt(err.as_bytes()),
            source: serde::de::Error::custom("the text body is not UTF-8"),
        })
    }
}
