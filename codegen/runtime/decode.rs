//! Decoding a success body.
//! This file is part of the generator's runtime: it does not depend on the spec, and it is
//! copied only into crates whose operations use it.

use super::client::{Body, Client, Received};
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

impl Body {
    /// The body decoded strictly as `T`. The decoder's message can quote a value of the body,
    /// so on failure it comes from decoding the scrubbed document, or, for a body that is
    /// withheld, says only what kind of problem it was.
    pub(crate) fn decode<T: serde::de::DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        let err = match serde_json::from_slice(self.json_text()) {
            Ok(value) => return Ok(value),
            Err(err) => err,
        };
        let shape_error = || {
            <serde_json::Error as serde::de::Error>::custom(
                "a value differs from the documented type",
            )
        };
        if self.withhold {
            return Err(match err.classify() {
                serde_json::error::Category::Data => <serde_json::Error as serde::de::Error>::custom(
                    "no detail: the decoder's message could quote the body, which is withheld",
                ),
                _ => <serde_json::Error as serde::de::Error>::custom("the body is not JSON"),
            });
        }
        match err.classify() {
            // A syntax error names only a line and column.
            serde_json::error::Category::Data => match self.json_value() {
                Ok(value) => Err(T::deserialize(&value).err().unwrap_or_else(shape_error)),
                Err(_) => Err(shape_error()),
            },
            _ => Err(err),
        }
    }
}
