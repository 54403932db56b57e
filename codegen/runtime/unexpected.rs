//! The error for a status an operation does not document, and success without a body.
//! This file is part of the generator's runtime: it does not depend on the spec, and it is
//! copied only into crates whose operations use it.

use super::client::{Client, Received};
use super::error::Error;

impl Client {
    /// The error for a status the operation does not document.
    pub(crate) async fn unexpected_status<E>(&self, received: Received) -> Error<E> {
        match self.read_body(received).await {
            Ok(body) => Error::UnexpectedStatus {
                status: body.status,
                excerpt: body.excerpt(),
            },
            Err(err) => err,
        }
    }

    /// Success for an operation that documents no body: any 2xx answer whose body is empty
    /// (a `200` where `204` is documented, as some servers and proxies send); a body is
    /// [`Error::UnexpectedStatus`], since it may be a proxy's page rather than the API's answer.
    pub(crate) async fn empty_success<E>(&self, received: Received) -> Result<(), Error<E>> {
        let body = self.read_body(received).await?;
        if body.is_blank() {
            return Ok(());
        }
        Err(Error::UnexpectedStatus {
            status: body.status,
            excerpt: body.excerpt(),
        })
    }
}
