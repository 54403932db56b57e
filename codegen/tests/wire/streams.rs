//! Streamed responses (README, "Streamed responses"): server-sent events parsed as the HTML
//! standard says and JSON Lines / JSON text sequences, read from a local server that cuts the
//! body at every byte boundary, sends comments, `retry`, multi-line data, an oversized event
//! and a cut connection.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use wire_streams::types::{ExportGetResponse, LogLine, LogLineLevel, Progress};
use wire_streams::{Client, StreamError};

/// How the server sends one answer's body.
#[derive(Clone)]
struct Answer {
    status: &'static str,
    content_type: &'static str,
    /// The body in the HTTP chunks it is sent as.
    chunks: Vec<Vec<u8>>,
    /// Whether the connection is closed before the body's end (no last chunk).
    cut: bool,
}

/// A server on 127.0.0.1 that answers each connection with the next answer, in order.
async fn serve(answers: Vec<Answer>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move {
        for answer in answers {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") {
                match socket.read(&mut byte).await {
                    Ok(1) => head.push(byte[0]),
                    _ => return,
                }
            }
            let mut out = format!(
                "HTTP/1.1 {}\r\nContent-Type: {}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
                answer.status, answer.content_type
            )
            .into_bytes();
            for chunk in answer.chunks.iter().filter(|c| !c.is_empty()) {
                out.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
                out.extend_from_slice(chunk);
                out.extend_from_slice(b"\r\n");
            }
            if !answer.cut {
                out.extend_from_slice(b"0\r\n\r\n");
            }
            let _ = socket.write_all(&out).await;
            let _ = socket.shutdown().await;
        }
    });
    addr
}

fn client(addr: SocketAddr) -> Client {
    Client::builder(&format!("http://{addr}"))
        .timeout(Duration::from_secs(10))
        .build()
        .expect("a client")
}

/// The body cut into chunks at every byte: one chunk per byte, then every split in two.
fn splits(body: &[u8]) -> Vec<Vec<Vec<u8>>> {
    let mut all = vec![body.iter().map(|b| vec![*b]).collect::<Vec<_>>()];
    for at in 0..=body.len() {
        all.push(vec![body[..at].to_vec(), body[at..].to_vec()]);
    }
    all
}

fn answers(content_type: &'static str, body: &[u8]) -> Vec<Answer> {
    splits(body)
        .into_iter()
        .map(|chunks| Answer {
            status: "200 OK",
            content_type,
            chunks,
            cut: false,
        })
        .collect()
}

/// A stream of events with every construct the HTML standard's parser handles: a byte order
/// mark, comments, `retry`, an `id` kept across events and cleared by an empty one, data over
/// several lines, CR LF, LF and CR line ends, an event without data (not dispatched), data
/// that is not JSON (an error for that event only) and an event the body ends in the middle of
/// (not dispatched).
const EVENTS: &str = "\u{feff}: a comment first\r\nretry: 1500\r\nevent: step\r\nid: 7\r\ndata: {\"step\":1,\r\ndata:\"note\":\"two lines\"}\r\n\r\ndata: {\"step\":2}\n\n: keep-alive\rdata: not json\r\r\nid\ndata: {\"step\":3}\n\nevent: ping\n\ndata: {\"step\":4}";

#[tokio::test]
async fn events_are_parsed_exactly_wherever_the_body_is_cut() {
    let answers = answers("text/event-stream", EVENTS.as_bytes());
    let count = answers.len();
    let addr = serve(answers).await;
    let client = client(addr);
    for split in 0..count {
        let mut stream = client.job_progress("j1").await.expect("the stream");
        let mut seen = Vec::new();
        while let Some(item) = stream.next().await {
            seen.push(match item {
                Ok(event) => format!("{} {:?} {:?}", event.event, event.data, event.id),
                Err(StreamError::Decode { index, excerpt, .. }) => {
                    format!("error at {index}: {excerpt}")
                }
                Err(other) => format!("ends: {other}"),
            });
        }
        let first = Progress {
            step: 1,
            note: Some("two lines".into()),
        };
        let second = Progress {
            step: 2,
            note: None,
        };
        let third = Progress {
            step: 3,
            note: None,
        };
        assert_eq!(
            seen,
            vec![
                format!("step {first:?} Some(\"7\")"),
                format!("message {second:?} Some(\"7\")"),
                "error at 2: not json".to_string(),
                format!("message {third:?} None"),
            ],
            "cut number {split} of {count}"
        );
        assert_eq!(stream.retry(), Some(Duration::from_millis(1500)));
        assert_eq!(stream.last_event_id(), None);
    }
}

#[tokio::test]
async fn events_of_text_keep_their_data_as_text() {
    let body = "data: first line\ndata:  second, one space kept\n\nevent: done\ndata\n\n";
    let addr = serve(answers("text/event-stream; charset=utf-8", body.as_bytes())).await;
    let client = client(addr);
    let mut stream = client.job_console("j1").await.expect("the stream");
    let first = stream.next().await.expect("an event").expect("text");
    assert_eq!(first.data, "first line\n second, one space kept");
    assert_eq!(first.event, "message");
    // `data` alone is a data line with nothing in it: the event has data (an empty line).
    let second = stream.next().await.expect("an event").expect("text");
    assert_eq!((second.event.as_str(), second.data.as_str()), ("done", ""));
    assert!(stream.next().await.is_none());
}

#[tokio::test]
async fn an_event_larger_than_the_limit_ends_the_stream_with_an_error() {
    let big = format!("data: {{\"step\":1}}\n\ndata: {}\ndata: {}\n\ndata: {{\"step\":2}}\n\n", "x".repeat(40), "y".repeat(40));
    let line = format!("data: {{\"step\":1}}\n\ndata: {}", "z".repeat(500));
    let addr = serve(vec![
        Answer {
            status: "200 OK",
            content_type: "text/event-stream",
            chunks: vec![big.into_bytes()],
            cut: false,
        },
        Answer {
            status: "200 OK",
            content_type: "text/event-stream",
            chunks: vec![line.into_bytes()],
            cut: false,
        },
    ])
    .await;
    let client = Client::builder(&format!("http://{addr}"))
        .max_response_body(64)
        .build()
        .expect("a client");
    for what in ["an event over several lines", "one line without an end"] {
        let mut stream = client.job_progress("j1").await.expect("the stream");
        assert_eq!(
            stream.next().await.expect("an event").expect("step 1").data.step,
            1,
            "{what}"
        );
        match stream.next().await {
            Some(Err(StreamError::TooLarge { limit: 64 })) => {}
            other => panic!("{what}: expected TooLarge, got {other:?}"),
        }
        assert!(stream.next().await.is_none(), "{what}: the stream ended");
    }
}

#[tokio::test]
async fn a_cut_connection_is_an_error_after_the_events_that_arrived() {
    let addr = serve(vec![Answer {
        status: "200 OK",
        content_type: "text/event-stream",
        chunks: vec![b"data: {\"step\":1}\n\ndata: {\"st".to_vec()],
        cut: true,
    }])
    .await;
    let client = client(addr);
    let mut stream = client.job_progress("j1").await.expect("the stream");
    assert_eq!(stream.next().await.expect("event").expect("step").data.step, 1);
    match stream.next().await {
        Some(Err(err @ StreamError::Transport { .. })) => {
            assert!(err.to_string().contains("before the server ended it"), "{err}");
        }
        other => panic!("expected a transport error, got {other:?}"),
    }
    assert!(stream.next().await.is_none());
}

fn line(level: LogLineLevel, message: &str) -> LogLine {
    LogLine {
        level,
        message: message.into(),
    }
}

#[tokio::test]
async fn json_lines_are_read_line_by_line_wherever_the_body_is_cut() {
    let body = "\u{feff}{\"level\":\"info\",\"message\":\"a\"}\r\n\n   \n{\"level\":\"warn\",\"message\":\"b\"}\n{\"level\":\"info\"}\n{\"level\":\"error\",\"message\":\"c\"}";
    let answers = answers("application/x-ndjson", body.as_bytes());
    let count = answers.len();
    let addr = serve(answers).await;
    let client = client(addr);
    for split in 0..count {
        let mut stream = client.logs_tail().await.expect("the stream");
        let mut seen = Vec::new();
        while let Some(item) = stream.next().await {
            seen.push(match item {
                Ok(value) => format!("{value:?}"),
                Err(StreamError::Decode { index, .. }) => format!("error at {index}"),
                Err(other) => format!("ends: {other}"),
            });
        }
        assert_eq!(
            seen,
            vec![
                format!("{:?}", line(LogLineLevel::Info, "a")),
                format!("{:?}", line(LogLineLevel::Warn, "b")),
                "error at 2".to_string(),
                format!("{:?}", line(LogLineLevel::Error, "c")),
            ],
            "cut number {split} of {count}"
        );
    }
}

#[tokio::test]
async fn a_json_text_sequence_is_read_record_by_record() {
    let body = "\u{1e}{\"level\":\"info\",\n \"message\":\"a\"}\n\u{1e}{\"level\":\"warn\",\"message\":\"b\"}\n";
    let answers = answers("application/json-seq", body.as_bytes());
    let count = answers.len();
    let addr = serve(answers).await;
    let client = client(addr);
    for split in 0..count {
        let mut stream = client.logs_sequence().await.expect("the stream");
        let mut seen = Vec::new();
        while let Some(item) = stream.next().await {
            seen.push(item.expect("a record"));
        }
        assert_eq!(
            seen,
            vec![line(LogLineLevel::Info, "a"), line(LogLineLevel::Warn, "b")],
            "cut number {split} of {count}"
        );
    }
}

#[tokio::test]
async fn a_stream_among_other_success_bodies_is_its_variant() {
    let addr = serve(vec![
        Answer {
            status: "206 Partial Content",
            content_type: "application/x-ndjson",
            chunks: vec![b"{\"level\":\"info\",\"message\":\"a\"}\n".to_vec()],
            cut: false,
        },
        Answer {
            status: "200 OK",
            content_type: "application/json",
            chunks: vec![b"[{\"level\":\"info\",\"message\":\"a\"}]".to_vec()],
            cut: false,
        },
    ])
    .await;
    let client = client(addr);
    match client.export_get("e1").await.expect("an answer") {
        ExportGetResponse::PartialContent(mut lines) => {
            assert_eq!(lines.status(), 206);
            let first = lines.next().await.expect("a line").expect("decoded");
            assert_eq!(first, line(LogLineLevel::Info, "a"));
            assert!(lines.next().await.is_none());
        }
        other => panic!("expected the stream, got {other:?}"),
    }
    match client.export_get("e1").await.expect("an answer") {
        ExportGetResponse::Ok(lines) => assert_eq!(lines, vec![line(LogLineLevel::Info, "a")]),
        other => panic!("expected the whole export, got {other:?}"),
    }
}

/// The items a channel receives, as a stream.
struct Items(tokio::sync::mpsc::UnboundedReceiver<LogLine>);

impl futures_core::Stream for Items {
    type Item = LogLine;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<LogLine>> {
        self.0.poll_recv(cx)
    }
}

/// Reads a chunked request body from `socket` until `until` is in it (or it ends); what
/// arrived, chunk framing removed.
async fn read_body_until(socket: &mut tokio::net::TcpStream, seen: &mut Vec<u8>, until: &[u8]) {
    let mut buffer = [0u8; 1024];
    while !seen.windows(until.len()).any(|w| w == until) {
        match socket.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(n) => seen.extend_from_slice(&buffer[..n]),
        }
    }
}

#[tokio::test]
async fn a_request_stream_is_sent_item_by_item_as_the_stream_gives_them() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    let (first_seen, first_arrived) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.expect("a connection");
        let mut seen = Vec::new();
        read_body_until(&mut socket, &mut seen, b"\"message\":\"a\"}\n").await;
        // The first line arrived while the second does not exist yet: nothing waited for
        // the whole body.
        let _ = first_seen.send(());
        read_body_until(&mut socket, &mut seen, b"\r\n0\r\n\r\n").await;
        let _ = socket
            .write_all(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
            .await;
        String::from_utf8_lossy(&seen).into_owned()
    });
    let (sender, receiver) = tokio::sync::mpsc::unbounded_channel();
    sender
        .send(line(LogLineLevel::Info, "a"))
        .expect("the first item");
    let client = client(addr);
    let call = tokio::spawn(async move { client.logs_send(Items(receiver)).await });
    first_arrived.await.expect("the server saw the first line");
    sender
        .send(line(LogLineLevel::Warn, "b"))
        .expect("the second item");
    drop(sender);
    call.await.expect("the call").expect("204");
    let request = server.await.expect("the server");
    assert!(
        request.contains("content-type: application/x-ndjson\r\n"),
        "{request}"
    );
    assert!(request.contains("transfer-encoding: chunked\r\n"), "{request}");
    let body = request.split("\r\n\r\n").skip(1).collect::<Vec<_>>().join("\r\n\r\n");
    let lines: Vec<&str> = body
        .split("\r\n")
        .filter(|part| part.starts_with('{'))
        .collect();
    assert_eq!(
        lines,
        [
            "{\"level\":\"info\",\"message\":\"a\"}\n",
            "{\"level\":\"warn\",\"message\":\"b\"}\n"
        ]
    );
}
