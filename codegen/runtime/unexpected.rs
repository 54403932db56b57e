//! The error for a status an operation does not document.
//! This file is part of the generator's runtime: it does not depend on the spec, and it is
//! copied only into crates whose operations use it.

use super::client::Client;
use super::error::{excerpt, Error};

impl Client {
    /// The error for a status the operation does not document.
    pub(crate) async fn unexpected_status<E>(&self, response: reqwest::Response) -> Error<E> {
        let status = response.status().as_u16();
        match self.read_body(response).await {
            Ok(body) => Error::UnexpectedStatus {
                status,
                excerpt: excerpt(&body),
            },
            Err(err) => err,
        }
    }
}
