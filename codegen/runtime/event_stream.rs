//! A `text/event-stream` response (server-sent events), read event by event as it arrives and
//! parsed as the HTML standard says, each event's data decoded into the documented type.
//! This file is part of the generator's runtime: it does not depend on the spec, and it is
//! copied only into crates whose operations use it.

use std::time::Duration;

use super::client::{Client, Received};
use super::sequence::{Frames, StreamError};

/// One server-sent event.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Event<T> {
    /// The event's type (its `event` field), `message` when the server gave none.
    pub event: String,
    /// The event's data (its `data` lines joined by line feeds), decoded.
    pub data: T,
    /// The last event id the server set (`id`), this event's or an earlier one's; `None`
    /// while none has been set (or after the server set an empty one).
    pub id: Option<String>,
}

/// A response of server-sent events (`text/event-stream`), read as the events arrive.
///
/// [`EventStream::next`] gives the events one by one; memory stays bounded by one event,
/// whose size the client's body-size limit (`ClientBuilder::max_response_body`) bounds. An
/// event whose data is not of the documented type is an error for that event only, and the
/// stream goes on; a broken connection or an oversized event ends it with an error. The
/// stream ends (`None`) when the server ends the body; an event the body ends in the middle
/// of is not given, as the HTML standard says. The client's timeout
/// (`ClientBuilder::timeout`) bounds the whole call, stream included.
pub struct EventStream<T> {
    frames: Frames,
    decode: fn(&str) -> Result<T, serde_json::Error>,
    event: String,
    data: String,
    last_id: String,
    retry: Option<Duration>,
    first_line: bool,
    index: usize,
}

impl<T> std::fmt::Debug for EventStream<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventStream")
            .field("status", &self.frames.status())
            .field("events", &self.index)
            .finish_non_exhaustive()
    }
}

impl<T> EventStream<T> {
    /// The HTTP status of the response.
    pub fn status(&self) -> u16 {
        self.frames.status()
    }

    /// The reconnection time the server asked for last (its `retry` field), if any: how long
    /// to wait before calling again with [`EventStream::last_event_id`] once the stream ended.
    pub fn retry(&self) -> Option<Duration> {
        self.retry
    }

    /// The last event id the server set, to resume from (vendors take it in a
    /// `Last-Event-ID` header or a parameter of their own).
    pub fn last_event_id(&self) -> Option<&str> {
        (!self.last_id.is_empty()).then_some(self.last_id.as_str())
    }

    /// The next event; `None` once the server has ended the stream (or after an error that
    /// ends it).
    pub async fn next(&mut self) -> Option<Result<Event<T>, StreamError>> {
        loop {
            let line = match self.frames.next().await? {
                Ok(line) => line,
                Err(err) => return Some(Err(err)),
            };
            let mut line = String::from_utf8_lossy(&line).into_owned();
            if std::mem::take(&mut self.first_line) && line.starts_with('\u{feff}') {
                line.remove(0);
            }
            if line.is_empty() {
                if let Some(event) = self.dispatch() {
                    return Some(event);
                }
                continue;
            }
            let (field, value) = match line.split_once(':') {
                Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
                None => (line.as_str(), ""),
            };
            match field {
                // A comment (`: keep-alive`).
                "" => {}
                "event" => value.clone_into(&mut self.event),
                "data" => {
                    if self.data.len() + value.len() + 1 > self.frames.limit {
                        let limit = self.frames.limit;
                        self.frames.stop();
                        return Some(Err(StreamError::TooLarge { limit }));
                    }
                    self.data.push_str(value);
                    self.data.push('\n');
                }
                "id" if !value.contains('\0') => value.clone_into(&mut self.last_id),
                "retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                    if let Ok(millis) = value.parse::<u64>() {
                        self.retry = Some(Duration::from_millis(millis));
                    }
                }
                _ => {}
            }
        }
    }

    /// The event a blank line ends; `None` when it has no data (it is not dispatched).
    fn dispatch(&mut self) -> Option<Result<Event<T>, StreamError>> {
        let event = std::mem::take(&mut self.event);
        if self.data.is_empty() {
            return None;
        }
        let mut data = std::mem::take(&mut self.data);
        data.pop();
        let index = self.index;
        self.index += 1;
        Some(match (self.decode)(&data) {
            Ok(decoded) => Ok(Event {
                event: if event.is_empty() {
                    String::from("message")
                } else {
                    event
                },
                data: decoded,
                id: self.last_event_id().map(str::to_owned),
            }),
            Err(source) => Err(StreamError::Decode {
                index,
                excerpt: self.frames.excerpt(data.as_bytes()),
                source,
            }),
        })
    }
}

impl Client {
    /// Hands a success body over as a stream of events whose data `decode` reads.
    pub(crate) fn event_stream<T>(
        &self,
        received: Received,
        decode: fn(&str) -> Result<T, serde_json::Error>,
    ) -> EventStream<T> {
        EventStream {
            // A line the body ends in the middle of belongs to an event never ended: dropped.
            frames: Frames::new(received, self.inner.max_response_body, false, false),
            decode,
            event: String::new(),
            data: String::new(),
            last_id: String::new(),
            retry: None,
            first_line: true,
            index: 0,
        }
    }
}
