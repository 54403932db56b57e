//! A response body that is neither JSON nor text (a file, an image, a stream of output), handed
//! to the caller unread, to be read in chunks.
//! This file is part of the generator's runtime: it does not depend on the spec, and it is
//! copied only into crates whose operations use it.

use std::fmt;

use super::client::Client;

/// A response body of a media type that is neither JSON nor text, not yet read.
///
/// Read it as it arrives with [`ByteStream::chunk`] (memory stays bounded by one chunk, however
/// large the body), or whole with [`ByteStream::bytes`], which stops at the client's body-size
/// limit (`ClientBuilder::max_response_body`). [`ByteStream::into_response`] hands over the
/// underlying `reqwest::Response` for anything else.
#[derive(Debug)]
pub struct ByteStream {
    response: reqwest::Response,
    limit: usize,
}

/// Why a [`ByteStream`] could not be read.
#[derive(Debug)]
#[non_exhaustive]
pub enum ByteStreamError {
    /// The connection failed while the body was read.
    Transport(reqwest::Error),
    /// [`ByteStream::bytes`] found the body larger than the client's limit; it was not read
    /// to the end.
    TooLarge {
        /// The limit in bytes.
        limit: usize,
    },
}

impl fmt::Display for ByteStreamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ByteStreamError::Transport(err) => write!(f, "cannot read the body: {err}"),
            ByteStreamError::TooLarge { limit } => {
                write!(f, "the body is larger than the limit of {limit} bytes")
            }
        }
    }
}

impl std::error::Error for ByteStreamError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ByteStreamError::Transport(err) => Some(err),
            ByteStreamError::TooLarge { .. } => None,
        }
    }
}

impl ByteStream {
    /// The HTTP status of the response.
    pub fn status(&self) -> u16 {
        self.response.status().as_u16()
    }

    /// The `Content-Type` the server sent, when it is text.
    pub fn content_type(&self) -> Option<&str> {
        self.response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)?
            .to_str()
            .ok()
    }

    /// The body's length, when the server announced it.
    pub fn content_length(&self) -> Option<u64> {
        self.response.content_length()
    }

    /// The next chunk of the body as it arrives; `None` at the end.
    pub async fn chunk(&mut self) -> Result<Option<bytes::Bytes>, ByteStreamError> {
        self.response
            .chunk()
            .await
            .map_err(ByteStreamError::Transport)
    }

    /// The whole body, up to the client's body-size limit.
    pub async fn bytes(mut self) -> Result<Vec<u8>, ByteStreamError> {
        let too_large = ByteStreamError::TooLarge { limit: self.limit };
        if self
            .response
            .content_length()
            .is_some_and(|length| length > self.limit as u64)
        {
            return Err(too_large);
        }
        let mut body = Vec::new();
        while let Some(chunk) = self.chunk().await? {
            if body.len() + chunk.len() > self.limit {
                return Err(too_large);
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    /// The underlying response, to be read without the client's limit.
    pub fn into_response(self) -> reqwest::Response {
        self.response
    }
}

impl Client {
    /// Hands a success body over unread.
    pub(crate) fn byte_stream(&self, received: super::client::Received) -> ByteStream {
        ByteStream {
            response: received.response,
            limit: self.inner.max_response_body,
        }
    }
}
