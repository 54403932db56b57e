//! Encoding a JSON request body.
//! This file is part of the generator's runtime: it does not depend on the spec, and it is
//! copied only into crates whose operations use it.

use super::error::{Error, ErrorKind};

/// Adds a JSON body to a request.
pub(crate) fn json_body<T: serde::Serialize, E>(
    request: reqwest::RequestBuilder,
    body: &T,
) -> Result<reqwest::RequestBuilder, Error<E>> {
    let bytes = serde_json::to_vec(body).map_err(|err| Error::from(ErrorKind::Encode(err)))?;
    Ok(request
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(bytes))
}
