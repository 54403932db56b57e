//! Servers on 127.0.0.1 that misbehave below HTTP's surface, which wiremock cannot play: one that
//! never answers, one that stops in the middle of a body. Shared by the test binaries that
//! need them.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the raw server does after reading a request.
#[derive(Clone, Copy, Debug)]
pub enum Script {
    /// Accepts the connection and never writes a byte (not even a TLS handshake).
    Silent,
    /// Sends the status line and headers announcing `announced` bytes of body, then `sent`
    /// bytes, then keeps the connection open without sending more.
    StallBody { announced: usize, sent: usize },
    /// Like `StallBody`, but closes the connection after the bytes it sent.
    CutBody { announced: usize, sent: usize },
    /// Reads the request, answers these bytes as they are (a broken answer), and closes.
    /// (Used by `hostile.rs`; this module is compiled into each test that names it.)
    #[allow(dead_code)]
    Raw(&'static [u8]),
}

/// A raw HTTP server on 127.0.0.1 playing `script` on every connection; returns its base URL
/// (`http://127.0.0.1:PORT`). Its connections live until the test's runtime ends.
pub async fn raw_server(script: Script) -> String {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port on 127.0.0.1");
    let address = listener.local_addr().expect("the listener's address");
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            let stream = play(stream, script).await;
            // Kept, so that the connection stays open until the runtime ends.
            held.extend(stream);
        }
    });
    format!("http://{address}")
}

async fn play(mut stream: TcpStream, script: Script) -> Option<TcpStream> {
    let (announced, sent, close) = match script {
        Script::Silent => return Some(stream),
        Script::Raw(bytes) => {
            read_request(&mut stream).await;
            stream.write_all(bytes).await.ok()?;
            stream.flush().await.ok()?;
            stream.shutdown().await.ok()?;
            return None;
        }
        Script::StallBody { announced, sent } => (announced, sent, false),
        Script::CutBody { announced, sent } => (announced, sent, true),
    };
    read_request(&mut stream).await;
    let head = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {announced}\r\n\r\n"
    );
    let mut bytes = head.into_bytes();
    bytes.extend(vec![b' '; sent]);
    stream.write_all(&bytes).await.ok()?;
    stream.flush().await.ok()?;
    if close {
        stream.shutdown().await.ok()?;
        return None;
    }
    Some(stream)
}

/// Reads one request, headers and `content-length` bytes of body, so that closing the
/// connection afterwards is an orderly end and not a reset.
async fn read_request(stream: &mut TcpStream) {
    let mut request = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        let Ok(read) = stream.read(&mut buffer).await else {
            return;
        };
        if read == 0 {
            return;
        }
        request.extend_from_slice(&buffer[..read]);
        let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&request[..end]).to_ascii_lowercase();
        let length = head
            .lines()
            .find_map(|line| line.strip_prefix("content-length:"))
            .and_then(|value| value.trim().parse::<usize>().ok())
            .unwrap_or(0);
        if request.len() >= end + 4 + length {
            return;
        }
    }
}
