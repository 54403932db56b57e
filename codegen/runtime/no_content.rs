//! Success without a body: a `2xx` answer with an empty body, for operations that document none.
//! This file is part of the generator's runtime: it does not depend on the spec, and it is
//! copied only into crates whose operations use it.

use super::client::{Client, Received};
use super::error::{Error, ErrorKind};

impl Client {
    /// Success for an operation that documents no body: any 2xx answer whose body is empty
    /// (a `200` where `204` is documented, as some servers and proxies send); a body is
    /// [`ErrorKind::UnexpectedStatus`], since it may be a proxy's page rather than the API's answer.
    pub(crate) async fn empty_success<E>(&self, received: Received) -> Result<(), Error<E>> {
        let body = self.read_body(received).await?;
        if body.bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(());
        }
        Err(ErrorKind::UnexpectedStatus {
            status: body.status,
            excerpt: body.excerpt(),
        }.into())
    }
}
