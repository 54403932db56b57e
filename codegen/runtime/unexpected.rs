//! The error for a status an operation does not document.
//! This file is part of the generator's runtime: it does not depend on the spec, and it is
//! copied only into crates whose operations use it.

use super::client::{Client, Received};
use super::error::{Error, ErrorKind};

impl Client {
    /// The error for a status the operation does not document.
    pub(crate) async fn unexpected_status<E>(&self, received: Received) -> Error<E> {
        match self.read_body(received).await {
            Ok(body) => body.session_limit().unwrap_or_else(|| {
                ErrorKind::UnexpectedStatus {
                    status: body.status,
                    excerpt: body.excerpt(),
                }
                .into()
            }),
            Err(err) => err,
        }
    }
}
