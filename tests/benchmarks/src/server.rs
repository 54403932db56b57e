//! A minimal HTTP/1.1 server on 127.0.0.1 answering the two benchmarked calls with canned
//! responses, so that client overhead is measured against a server that does almost nothing.
//! It records the first request of each kind it sees, so a benchmark can check that two
//! clients send byte-identical requests. It stops when dropped.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::sync::oneshot;

/// The id the canned mount answer returns.
pub const CDROM_ID: &str = "3002";

/// One request as the server saw it: method, target, headers in order (lowercase names) and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeenRequest {
    /// `POST`, ...
    pub method: String,
    /// Path and query.
    pub target: String,
    /// Header names and values, in the order sent.
    pub headers: Vec<(String, String)>,
    /// The body's bytes.
    pub body: Vec<u8>,
}

/// The running server.
pub struct CannedServer {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<SeenRequest>>>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl CannedServer {
    /// Starts the server on its own thread and runtime, so it does not compete with the
    /// client's runtime for scheduling.
    pub fn start() -> std::io::Result<Self> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (stop, stopped) = oneshot::channel();
        let record = Arc::clone(&seen);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let thread = std::thread::spawn(move || {
            runtime.block_on(serve(listener, record, stopped));
        });
        Ok(CannedServer {
            addr,
            seen,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The requests recorded since the start or the last [`CannedServer::clear`] (at most the
    /// first 16: benchmarks send far more).
    pub fn seen(&self) -> Vec<SeenRequest> {
        self.seen
            .lock()
            .map(|seen| seen.clone())
            .unwrap_or_default()
    }

    /// Forgets the recorded requests.
    pub fn clear(&self) {
        if let Ok(mut seen) = self.seen.lock() {
            seen.clear();
        }
    }
}

impl Drop for CannedServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Requests kept for comparison; beyond this the server stops recording (benchmarks send
/// hundreds of thousands).
const RECORD_LIMIT: usize = 16;

async fn serve(
    listener: std::net::TcpListener,
    seen: Arc<Mutex<Vec<SeenRequest>>>,
    mut stopped: oneshot::Receiver<()>,
) {
    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
        return;
    };
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = &mut stopped => return,
        };
        let Ok((stream, _)) = accepted else { continue };
        let _ = stream.set_nodelay(true);
        let seen = Arc::clone(&seen);
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                let seen = Arc::clone(&seen);
                async move { Ok::<_, Infallible>(answer(request, &seen).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn answer(
    request: Request<Incoming>,
    seen: &Mutex<Vec<SeenRequest>>,
) -> Response<Full<Bytes>> {
    let (parts, body) = request.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    if let Ok(mut seen) = seen.lock() {
        if seen.len() < RECORD_LIMIT {
            seen.push(SeenRequest {
                method: parts.method.to_string(),
                target: parts.uri.to_string(),
                headers: parts
                    .headers
                    .iter()
                    .map(|(name, value)| {
                        (
                            name.to_string(),
                            String::from_utf8_lossy(value.as_bytes()).into_owned(),
                        )
                    })
                    .collect(),
                body: body.to_vec(),
            });
        }
    }
    let (status, payload) = match parts.uri.query() {
        Some("action=mount") => (200, format!("\"{CDROM_ID}\"")),
        Some("action=disconnect") => (204, String::new()),
        _ => (404, String::new()),
    };
    let mut response = Response::new(Full::new(Bytes::from(payload)));
    *response.status_mut() = hyper::StatusCode::from_u16(status).unwrap_or_default();
    if status == 200 {
        response.headers_mut().insert(
            hyper::header::CONTENT_TYPE,
            hyper::header::HeaderValue::from_static("application/json"),
        );
    }
    response
}
