//! A request body of JSON values one after another (JSON Lines, or a JSON text sequence),
//! written value by value from a stream as the request is sent, never whole.
//! This file is part of the generator's runtime: it does not depend on the spec, and it is
//! copied only into crates whose operations use it.

use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll};

/// The items of a stream, each encoded as one JSON value (after a record separator for a
/// JSON text sequence) and a line feed, as the HTTP client asks for the body's next part.
pub(crate) struct JsonLinesBody<S> {
    // `reqwest::Body::wrap` asks for `Sync`; the stream is only ever polled through `&mut`.
    items: Mutex<Pin<Box<S>>>,
    record_separator: bool,
}

impl<S> JsonLinesBody<S> {
    /// The request body for `items`: lines, or with `record_separator` a JSON text sequence.
    pub(crate) fn body<T>(items: S, record_separator: bool) -> reqwest::Body
    where
        S: futures_core::Stream<Item = T> + Send + 'static,
        T: serde::Serialize,
    {
        reqwest::Body::wrap(JsonLinesBody {
            items: Mutex::new(Box::pin(items)),
            record_separator,
        })
    }
}

impl<S, T> http_body::Body for JsonLinesBody<S>
where
    S: futures_core::Stream<Item = T>,
    T: serde::Serialize,
{
    type Data = bytes::Bytes;
    type Error = serde_json::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<bytes::Bytes>, serde_json::Error>>> {
        let this = self.get_mut();
        let record_separator = this.record_separator;
        let items = this
            .items
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match items.as_mut().poll_next(cx) {
            Poll::Ready(Some(item)) => {
                let mut line = Vec::new();
                if record_separator {
                    line.push(0x1E);
                }
                if let Err(err) = serde_json::to_writer(&mut line, &item) {
                    return Poll::Ready(Some(Err(err)));
                }
                line.push(b'\n');
                Poll::Ready(Some(Ok(http_body::Frame::data(bytes::Bytes::from(line)))))
            }
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }
}
