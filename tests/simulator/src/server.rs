//! HTTP/1.1 on 127.0.0.1 in front of a [`World`]: each request becomes one call of
//! [`World::handle`] under a lock.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::world::World;

/// The largest request body the simulator reads.
const MAX_REQUEST_BODY: usize = 1024 * 1024;

/// A running simulator. It stops accepting connections when dropped.
pub struct Simulator {
    addr: SocketAddr,
    world: Arc<Mutex<World>>,
    _stop: oneshot::Sender<()>,
}

impl Simulator {
    /// Starts a simulator of `world` on a free port of 127.0.0.1, on the current tokio runtime.
    pub async fn start(world: World) -> std::io::Result<Self> {
        Simulator::start_on(world, 0).await
    }

    /// Starts a simulator of `world` on `port` of 127.0.0.1 (0: any free port).
    pub async fn start_on(world: World, port: u16) -> std::io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
        let addr = listener.local_addr()?;
        let world = Arc::new(Mutex::new(world));
        let (stop, stopped) = oneshot::channel();
        tokio::spawn(serve(listener, Arc::clone(&world), stopped));
        Ok(Simulator {
            addr,
            world,
            _stop: stop,
        })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The simulated vCenter, to look at or change between calls.
    pub fn world(&self) -> MutexGuard<'_, World> {
        match self.world.lock() {
            Ok(world) => world,
            Err(poisoned) => poisoned.into_inner(),
        }
    }
}

async fn serve(
    listener: TcpListener,
    world: Arc<Mutex<World>>,
    mut stopped: oneshot::Receiver<()>,
) {
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = &mut stopped => return,
        };
        let Ok((stream, _)) = accepted else {
            continue;
        };
        let world = Arc::clone(&world);
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                let world = Arc::clone(&world);
                async move { Ok::<_, Infallible>(answer(&world, request).await) }
            });
            // A connection the client drops midway is not the simulator's concern.
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn answer(world: &Mutex<World>, request: Request<Incoming>) -> Response<Full<Bytes>> {
    let (parts, body) = request.into_parts();
    let body = match Limited::new(body, MAX_REQUEST_BODY).collect().await {
        Ok(body) => body.to_bytes(),
        Err(_) => return respond(413, None, None),
    };
    let target = parts.uri.path_and_query().map_or_else(
        || parts.uri.path().to_string(),
        |pq| pq.as_str().to_string(),
    );
    let header = |name: &str| {
        parts
            .headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_string)
    };
    let reply = {
        let mut world = match world.lock() {
            Ok(world) => world,
            Err(poisoned) => poisoned.into_inner(),
        };
        world.handle(
            parts.method.as_str(),
            &target,
            &header,
            &body,
            Instant::now(),
        )
    };
    respond(reply.status, reply.body, reply.allow)
}

fn respond(
    status: u16,
    body: Option<serde_json::Value>,
    allow: Option<&'static str>,
) -> Response<Full<Bytes>> {
    let has_body = body.is_some();
    let text = body.map(|b| b.to_string()).unwrap_or_default();
    let mut response = Response::new(Full::new(Bytes::from(text)));
    *response.status_mut() =
        hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    if has_body {
        response.headers_mut().insert(
            hyper::header::CONTENT_TYPE,
            hyper::header::HeaderValue::from_static("application/json"),
        );
    }
    if let Some(allow) = allow {
        response.headers_mut().insert(
            hyper::header::ALLOW,
            hyper::header::HeaderValue::from_static(allow),
        );
    }
    response
}
