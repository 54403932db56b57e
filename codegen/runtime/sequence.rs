//! Response bodies that are sequences of items, read one item at a time as they arrive
//! (server-sent events, JSON Lines, JSON text sequences): the framing `event_stream.rs` and
//! `json_lines.rs` share, and the error of one item or of the stream.
//! This file is part of the generator's runtime: it does not depend on the spec, and it is
//! copied only into crates whose operations use it.

use std::fmt;

use super::client::Received;
use super::redact::Secrets;

/// How many bytes of an item that cannot be decoded its error shows.
const EXCERPT_BYTES: usize = 256;

/// Why an item of a streamed body could not be read.
///
/// [`StreamError::Decode`] costs one item: the stream goes on with the next. The others end
/// the stream (the next call returns `None`).
#[derive(Debug)]
#[non_exhaustive]
pub enum StreamError {
    /// One item is not of the documented type; the stream goes on with the next item.
    Decode {
        /// The item's place in the stream, counted from 0 (items the server ended, decoded or
        /// not).
        index: usize,
        /// The start of the item, lossily decoded as UTF-8, secrets scrubbed.
        excerpt: String,
        /// What the decoder found wrong.
        source: serde_json::Error,
    },
    /// One item (an event, or a line) is larger than the client's limit
    /// (`ClientBuilder::max_response_body`); it was not read to its end, and the stream ends.
    TooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The connection broke, or the server cut it, before the body ended; the stream ends.
    Transport {
        /// How many bytes of the body had arrived.
        received: usize,
        /// What the HTTP client reported (a timeout: `source.is_timeout()`).
        source: reqwest::Error,
    },
}

impl fmt::Display for StreamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StreamError::Decode {
                index,
                excerpt,
                source,
            } => write!(
                f,
                "item {index} of the stream is not of the documented type: {source}; it begins: {excerpt}"
            ),
            StreamError::TooLarge { limit } => write!(
                f,
                "an item of the stream is larger than the limit of {limit} bytes; the stream ends"
            ),
            StreamError::Transport { received, source } if source.is_timeout() => write!(
                f,
                "the stream timed out after {received} bytes of the body had arrived"
            ),
            StreamError::Transport { received, .. } => write!(
                f,
                "the connection broke after {received} bytes of the stream had arrived, before \
                 the server ended it"
            ),
        }
    }
}

impl std::error::Error for StreamError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StreamError::Decode { source, .. } => Some(source),
            StreamError::Transport { source, .. } => Some(source),
            StreamError::TooLarge { .. } => None,
        }
    }
}

/// A body cut into frames as it arrives: lines (ended by CR, LF or CR LF) or JSON text
/// sequence records (begun by the record separator, RFC 7464). A chunk may end anywhere, even
/// between the CR and LF of one line end; a frame longer than the limit ends the stream.
pub(crate) struct Frames {
    response: reqwest::Response,
    /// The client's limit on one item.
    pub(crate) limit: usize,
    secrets: Secrets,
    /// Arrived bytes not yet handed out, from `start`.
    buffer: Vec<u8>,
    start: usize,
    /// Where the search for the next delimiter goes on.
    searched: usize,
    /// A line ended with CR: a LF right after it belongs to that line end.
    after_cr: bool,
    record_separator: bool,
    /// Whether what follows the last delimiter when the body ends is a frame too (a last line
    /// without its line feed), or is dropped (an event the body ends in the middle of).
    keep_rest: bool,
    received: usize,
    /// The body has ended (or the stream failed): nothing more is read.
    ended: bool,
}

impl Frames {
    pub(crate) fn new(
        received: Received,
        limit: usize,
        record_separator: bool,
        keep_rest: bool,
    ) -> Self {
        Frames {
            response: received.response,
            limit,
            secrets: received.secrets,
            buffer: Vec::new(),
            start: 0,
            searched: 0,
            after_cr: false,
            record_separator,
            keep_rest,
            received: 0,
            ended: false,
        }
    }

    /// The HTTP status of the response.
    pub(crate) fn status(&self) -> u16 {
        self.response.status().as_u16()
    }

    /// The start of an item for an error, secrets scrubbed.
    pub(crate) fn excerpt(&self, item: &[u8]) -> String {
        let mut end = item.len().min(EXCERPT_BYTES);
        while end < item.len() && end > 0 && (item[end] & 0xC0) == 0x80 {
            end -= 1;
        }
        let mut text = String::from_utf8_lossy(&item[..end]).into_owned();
        if end < item.len() {
            text.push_str("...");
        }
        self.secrets.scrub(&text)
    }

    /// The stream ends here: nothing more is read.
    pub(crate) fn stop(&mut self) {
        self.ended = true;
        self.buffer = Vec::new();
        self.start = 0;
        self.searched = 0;
    }

    /// The next frame, without its delimiter; `None` once the body has ended (or the stream
    /// failed).
    pub(crate) async fn next(&mut self) -> Option<Result<Vec<u8>, StreamError>> {
        loop {
            if self.after_cr && self.start < self.buffer.len() {
                if self.buffer[self.start] == b'\n' {
                    self.start += 1;
                    self.searched = self.searched.max(self.start);
                }
                self.after_cr = false;
            }
            if !self.after_cr {
                let pending = &self.buffer[self.searched..];
                let found = if self.record_separator {
                    pending.iter().position(|&b| b == 0x1E)
                } else {
                    pending.iter().position(|&b| b == b'\n' || b == b'\r')
                };
                if let Some(at) = found {
                    let end = self.searched + at;
                    let frame = self.buffer[self.start..end].to_vec();
                    self.after_cr = self.buffer[end] == b'\r';
                    self.start = end + 1;
                    self.searched = self.start;
                    return Some(Ok(frame));
                }
                self.searched = self.buffer.len();
                if self.buffer.len() - self.start > self.limit {
                    self.stop();
                    return Some(Err(StreamError::TooLarge { limit: self.limit }));
                }
            }
            if self.ended {
                let rest = self.buffer.split_off(self.start);
                self.stop();
                return (self.keep_rest && !rest.is_empty()).then_some(Ok(rest));
            }
            match self.response.chunk().await {
                Ok(Some(chunk)) => {
                    self.received += chunk.len();
                    self.buffer.drain(..self.start);
                    self.searched -= self.start;
                    self.start = 0;
                    self.buffer.extend_from_slice(&chunk);
                }
                Ok(None) => {
                    self.ended = true;
                    self.after_cr = false;
                }
                Err(err) => {
                    let received = self.received;
                    self.stop();
                    return Some(Err(StreamError::Transport {
                        received,
                        source: err.without_url(),
                    }));
                }
            }
        }
    }
}
