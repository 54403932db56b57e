//! A response of JSON values one after another (JSON Lines, `application/jsonl`,
//! `application/x-ndjson`; JSON text sequences, `application/json-seq`), read value by value
//! as it arrives, each decoded into the documented type.
//! This file is part of the generator's runtime: it does not depend on the spec, and it is
//! copied only into crates whose operations use it.

use super::client::{Client, Received};
use super::sequence::{Frames, StreamError};

/// A response of JSON values one after another, read as they arrive: JSON Lines (one value a
/// line; blank lines are skipped) or a JSON text sequence (RFC 7464: each value after a record
/// separator); a leading byte order mark is skipped.
///
/// [`JsonLines::next`] gives the values one by one; memory stays bounded by one value, whose
/// size the client's body-size limit (`ClientBuilder::max_response_body`) bounds. A value that
/// is not of the documented type is an error for that value only, and the stream goes on; a
/// broken connection or an oversized value ends it with an error. The stream ends (`None`)
/// when the server ends the body; a last line without its line feed is read as a value. The
/// client's timeout (`ClientBuilder::timeout`) bounds the whole call, stream included.
pub struct JsonLines<T> {
    frames: Frames,
    index: usize,
    /// No frame has been read yet (a leading byte order mark is skipped).
    first: bool,
    item: std::marker::PhantomData<fn() -> T>,
}

impl<T> std::fmt::Debug for JsonLines<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JsonLines")
            .field("status", &self.frames.status())
            .field("items", &self.index)
            .finish_non_exhaustive()
    }
}

impl<T: serde::de::DeserializeOwned> JsonLines<T> {
    /// The HTTP status of the response.
    pub fn status(&self) -> u16 {
        self.frames.status()
    }

    /// The next value; `None` once the server has ended the stream (or after an error that
    /// ends it).
    pub async fn next(&mut self) -> Option<Result<T, StreamError>> {
        loop {
            let mut item = match self.frames.next().await? {
                Ok(item) => item,
                Err(err) => return Some(Err(err)),
            };
            if std::mem::take(&mut self.first) && item.starts_with(b"\xEF\xBB\xBF") {
                item.drain(..3);
            }
            if item.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let index = self.index;
            self.index += 1;
            return Some(serde_json::from_slice(&item).map_err(|source| StreamError::Decode {
                index,
                excerpt: self.frames.excerpt(&item),
                source,
            }));
        }
    }
}

impl Client {
    /// Hands a success body over as a stream of JSON values: lines, or with
    /// `record_separator` a JSON text sequence.
    pub(crate) fn json_lines<T>(&self, received: Received, record_separator: bool) -> JsonLines<T> {
        JsonLines {
            // A last line without its line feed is a value.
            frames: Frames::new(received, self.inner.max_response_body, record_separator, true),
            index: 0,
            first: true,
            item: std::marker::PhantomData,
        }
    }
}
