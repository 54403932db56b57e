//! Decoding an error body: strictly, or leniently when it names an `error_type` but other
//! fields are off-spec.
//! This file is part of the generator's runtime: it does not depend on the spec, and it is
//! copied only into crates whose operations use it.

use super::client::{Client, Received};
use super::error::{Error, ErrorBody, ErrorKind};

impl Client {
    /// The error for an error status with a documented body. A body of the documented shape is
    /// [`ErrorKind::Api`]; so is one that is JSON with an `error_type` though other fields are
    /// off-spec (read leniently, the JSON kept); anything else is [`ErrorKind::Decode`], and an
    /// empty body [`ErrorKind::UnexpectedStatus`].
    pub(crate) async fn api_error<E>(&self, received: Received) -> Error<E>
    where
        E: serde::de::DeserializeOwned + ErrorBody,
    {
        let body = match self.read_body(received).await {
            Ok(body) => body,
            Err(err) => return err,
        };
        let status = body.status;
        if let Some(err) = body.session_limit() {
            return err;
        }
        if body.bytes.iter().all(u8::is_ascii_whitespace) {
            return ErrorKind::UnexpectedStatus {
                status,
                excerpt: String::new(),
            }.into();
        }
        let value = match body.json_value_lenient() {
            Ok(value) => value,
            Err(source) => {
                return ErrorKind::Decode {
                    status,
                    excerpt: body.excerpt(),
                    source,
                }.into()
            }
        };
        let source = match E::deserialize(&value) {
            Ok(decoded) => {
                return ErrorKind::Api {
                    status,
                    body: decoded,
                    raw: None,
                }.into()
            }
            Err(source) => source,
        };
        match E::from_off_spec(&value) {
            Some(decoded) => ErrorKind::Api {
                status,
                body: decoded,
                raw: (!body.withhold).then_some(value),
            }.into(),
            None => ErrorKind::Decode {
                status,
                excerpt: body.excerpt(),
                source,
            }.into(),
        }
    }
}
