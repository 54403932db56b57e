//! HTTP/1.1 on 127.0.0.1 in front of a [`World`]: each request becomes one call of
//! [`World::handle`] under a lock. It also plays what only the network shows: answers held
//! while the guest is asked a question, and a restart (connections refused, then 503 pages).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot, watch};

use crate::world::{Reply, World};

/// The largest request body the simulator reads.
const MAX_REQUEST_BODY: usize = 1024 * 1024;

/// How long a restart waits before it tries again to listen on its port, when another socket
/// holds it.
const REBIND_RETRY: Duration = Duration::from_millis(50);

/// The page a restarting vCenter's reverse proxy answers with while its services start.
const UNAVAILABLE_PAGE: &str = "<html><body><h1>503 Service Unavailable</h1></body></html>";

/// Where a simulator is in a [`Simulator::restart`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServicePhase {
    /// Answering calls: the state before any restart and after each one.
    Serving,
    /// Not listening: new connections are refused, open ones are closed unanswered.
    Refusing,
    /// Listening again, answering every request 503 with an HTML page.
    Unavailable,
}

/// One [`Simulator::restart`]: how long each phase lasts, and whom to tell it has begun.
struct RestartOrder {
    refuse: Duration,
    unavailable: Duration,
    begun: oneshot::Sender<()>,
}

/// A running simulator. It stops accepting connections when dropped.
pub struct Simulator {
    addr: SocketAddr,
    world: Arc<Mutex<World>>,
    /// Restarts to play; dropping it stops the accept loop.
    restarts: mpsc::UnboundedSender<RestartOrder>,
    phase: watch::Receiver<ServicePhase>,
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
        let (restarts, orders) = mpsc::unbounded_channel();
        let (phase_sender, phase) = watch::channel(ServicePhase::Serving);
        tokio::spawn(serve(
            listener,
            addr,
            Arc::clone(&world),
            orders,
            phase_sender,
        ));
        Ok(Simulator {
            addr,
            world,
            restarts,
            phase,
        })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The simulated vCenter, to look at or change between calls.
    pub fn world(&self) -> MutexGuard<'_, World> {
        lock(&self.world)
    }

    /// Restarts the simulated vCenter, as while vpxd restarts: every session ends; for
    /// `refuse` the port is closed (new connections are refused, open ones are closed without
    /// an answer); then for `unavailable` every request is answered 503 with an HTML page; then
    /// calls are served again, on the same port.
    ///
    /// Returns once the port is closed and the sessions ended, so a connection tried after it
    /// returns is refused; the later phases run on their own, `refuse` counted from then and
    /// `unavailable` from when the port is open again. [`Simulator::phase`] tells the phase and
    /// [`Simulator::wait_until_serving`] waits for the end. A restart asked during another
    /// starts over with the new durations.
    pub async fn restart(&self, refuse: Duration, unavailable: Duration) {
        let (begun, has_begun) = oneshot::channel();
        let order = RestartOrder {
            refuse,
            unavailable,
            begun,
        };
        if self.restarts.send(order).is_ok() {
            // An error means the accept loop is gone: there is nothing left to restart.
            let _ = has_begun.await;
        }
    }

    /// Where the simulator is in a restart ([`ServicePhase::Serving`] when there is none).
    pub fn phase(&self) -> ServicePhase {
        *self.phase.borrow()
    }

    /// Waits until the simulator serves calls again after [`Simulator::restart`]; returns at
    /// once when it is serving.
    pub async fn wait_until_serving(&self) {
        let mut phase = self.phase.clone();
        // An error means the accept loop is gone, and nothing will change any more.
        let _ = phase
            .wait_for(|phase| *phase == ServicePhase::Serving)
            .await;
    }
}

fn lock(world: &Mutex<World>) -> MutexGuard<'_, World> {
    match world.lock() {
        Ok(world) => world,
        Err(poisoned) => poisoned.into_inner(),
    }
}

/// The accept loop, and the restarts' timeline: a restart drops the listener, and a deadline
/// binds it again and another ends the 503 phase.
async fn serve(
    listener: TcpListener,
    addr: SocketAddr,
    world: Arc<Mutex<World>>,
    mut orders: mpsc::UnboundedReceiver<RestartOrder>,
    phase: watch::Sender<ServicePhase>,
) {
    let mut listener = Some(listener);
    let mut reopen_at: Option<tokio::time::Instant> = None;
    let mut unavailable = Duration::ZERO;
    let mut serving_at: Option<tokio::time::Instant> = None;
    loop {
        tokio::select! {
            order = orders.recv() => {
                let Some(order) = order else {
                    return;
                };
                listener = None;
                {
                    // Under the world's lock, so that no call is answered from the sessions
                    // of before the restart once the phase has changed.
                    let mut world = lock(&world);
                    phase.send_replace(ServicePhase::Refusing);
                    world.expire_sessions();
                }
                reopen_at = Some(tokio::time::Instant::now() + order.refuse);
                unavailable = order.unavailable;
                serving_at = None;
                // The caller may have stopped waiting; the restart goes on all the same.
                let _ = order.begun.send(());
            }
            accepted = accept(listener.as_ref()) => {
                if let Ok((stream, _)) = accepted {
                    tokio::spawn(connection(stream, Arc::clone(&world), phase.subscribe()));
                }
            }
            () = deadline(reopen_at) => {
                match TcpListener::bind(addr).await {
                    Ok(reopened) => {
                        listener = Some(reopened);
                        reopen_at = None;
                        if unavailable.is_zero() {
                            phase.send_replace(ServicePhase::Serving);
                        } else {
                            phase.send_replace(ServicePhase::Unavailable);
                            serving_at = Some(tokio::time::Instant::now() + unavailable);
                        }
                    }
                    Err(_) => reopen_at = Some(tokio::time::Instant::now() + REBIND_RETRY),
                }
            }
            () = deadline(serving_at) => {
                serving_at = None;
                phase.send_replace(ServicePhase::Serving);
            }
        }
    }
}

/// The next connection, or never while the port is closed.
async fn accept(listener: Option<&TcpListener>) -> std::io::Result<(TcpStream, SocketAddr)> {
    match listener {
        Some(listener) => listener.accept().await,
        None => std::future::pending().await,
    }
}

/// Completes at `at`, or never.
async fn deadline(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Serves one connection until it ends, or until a restart closes the port.
async fn connection(
    stream: TcpStream,
    world: Arc<Mutex<World>>,
    mut phase: watch::Receiver<ServicePhase>,
) {
    let service_phase = phase.clone();
    let service = hyper::service::service_fn(move |request| {
        let world = Arc::clone(&world);
        let phase = service_phase.clone();
        async move { Ok::<_, Infallible>(answer(&world, &phase, request).await) }
    });
    let served =
        hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    let restarted = async {
        // An error means the simulator stopped; its open connections are served to the end.
        if phase
            .wait_for(|phase| *phase == ServicePhase::Refusing)
            .await
            .is_err()
        {
            std::future::pending::<()>().await;
        }
    };
    // Dropping the connection closes it, with whatever call it was answering.
    tokio::select! {
        // A connection the client drops midway is not the simulator's concern.
        _ = served => {}
        () = restarted => {}
    }
}

async fn answer(
    world: &Mutex<World>,
    phase: &watch::Receiver<ServicePhase>,
    request: Request<Incoming>,
) -> Response<Full<Bytes>> {
    let (parts, body) = request.into_parts();
    let body = match Limited::new(body, MAX_REQUEST_BODY).collect().await {
        Ok(body) => body.to_bytes(),
        Err(_) => return respond(Reply::empty(413)),
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
        let mut world = lock(world);
        let current = *phase.borrow();
        match current {
            ServicePhase::Serving => Some(world.handle(
                parts.method.as_str(),
                &target,
                &header,
                &body,
                Instant::now(),
            )),
            ServicePhase::Refusing => None,
            ServicePhase::Unavailable => return unavailable_page(),
        }
    };
    let Some(reply) = reply else {
        // Its connection is being closed by the restart; this call gets no answer.
        return std::future::pending().await;
    };
    if let Some(hold) = reply.held_for {
        tokio::time::sleep(hold).await;
    }
    respond(reply)
}

/// The 503 of a vCenter whose services are still starting: an HTML page, not the API's JSON.
fn unavailable_page() -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from_static(UNAVAILABLE_PAGE.as_bytes())));
    *response.status_mut() = hyper::StatusCode::SERVICE_UNAVAILABLE;
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("text/html"),
    );
    response
}

fn respond(reply: Reply) -> Response<Full<Bytes>> {
    let Reply {
        status,
        body,
        allow,
        ..
    } = reply;
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

#[cfg(test)]
mod tests {
    use std::io::ErrorKind;

    use serde_json::{json, Value};

    use super::*;
    use crate::world::SESSION_HEADER;

    /// Every wait of these tests ends within this, so that a broken simulator fails them
    /// instead of hanging them.
    const PATIENCE: Duration = Duration::from_secs(10);

    /// Longer than any test runs: a phase or a hold that does not end while it is looked at.
    const FOREVER: Duration = Duration::from_secs(3600);

    const ADMIN_BASIC: &str = "Basic YWRtaW5pc3RyYXRvckB2c3BoZXJlLmxvY2FsOlZNd2FyZTEh";

    /// A response as the client read it.
    #[derive(Debug)]
    struct Answer {
        status: u16,
        content_type: Option<String>,
        body: String,
    }

    impl Answer {
        fn json(&self) -> Value {
            serde_json::from_str(&self.body).unwrap_or(Value::Null)
        }
    }

    async fn write_all(stream: &TcpStream, mut bytes: &[u8]) -> std::io::Result<()> {
        while !bytes.is_empty() {
            stream.writable().await?;
            match stream.try_write(bytes) {
                Ok(written) => bytes = bytes.get(written..).unwrap_or_default(),
                Err(err) if err.kind() == ErrorKind::WouldBlock => {}
                Err(err) => return Err(err),
            }
        }
        Ok(())
    }

    /// Reads what has arrived into `received`: how many bytes, 0 at the end of the stream.
    async fn read_some(stream: &TcpStream, received: &mut Vec<u8>) -> std::io::Result<usize> {
        let mut chunk = [0; 4096];
        loop {
            stream.readable().await?;
            match stream.try_read(&mut chunk) {
                Ok(read) => {
                    received.extend(chunk.iter().take(read));
                    return Ok(read);
                }
                Err(err) if err.kind() == ErrorKind::WouldBlock => {}
                Err(err) => return Err(err),
            }
        }
    }

    /// One HTTP/1.1 request on `stream`, which stays open for the next.
    async fn request(
        stream: &TcpStream,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> std::io::Result<Answer> {
        let mut head = format!(
            "{method} {target} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-length: {}\r\n",
            body.len()
        );
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        head.push_str(body);
        write_all(stream, head.as_bytes()).await?;

        let unexpected_end = || std::io::Error::from(ErrorKind::UnexpectedEof);
        let mut received = Vec::new();
        let head_end = loop {
            if let Some(at) = received.windows(4).position(|w| w == b"\r\n\r\n") {
                break at;
            }
            if read_some(stream, &mut received).await? == 0 {
                return Err(unexpected_end());
            }
        };
        let head = String::from_utf8_lossy(received.get(..head_end).unwrap_or_default());
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .and_then(|line| line.split(' ').nth(1))
            .and_then(|code| code.parse().ok())
            .ok_or_else(|| std::io::Error::new(ErrorKind::InvalidData, head.to_string()))?;
        let header = |wanted: &str| {
            head.split("\r\n").skip(1).find_map(|line| {
                let (name, value) = line.split_once(':')?;
                name.eq_ignore_ascii_case(wanted)
                    .then(|| value.trim().to_string())
            })
        };
        let length: usize = header("content-length")
            .and_then(|length| length.parse().ok())
            .unwrap_or(0);
        let content_type = header("content-type");
        let body_start = head_end + 4;
        while received.len() < body_start + length {
            if read_some(stream, &mut received).await? == 0 {
                return Err(unexpected_end());
            }
        }
        let body = received
            .get(body_start..body_start + length)
            .unwrap_or_default();
        Ok(Answer {
            status,
            content_type,
            body: String::from_utf8_lossy(body).into_owned(),
        })
    }

    /// One request on a connection of its own.
    async fn call(
        addr: SocketAddr,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> std::io::Result<Answer> {
        let stream = TcpStream::connect(addr).await?;
        request(&stream, method, target, headers, body).await
    }

    async fn login(addr: SocketAddr) -> String {
        let answer = call(
            addr,
            "POST",
            "/api/session",
            &[("authorization", ADMIN_BASIC)],
            "",
        )
        .await;
        match answer {
            Ok(answer) if answer.status == 201 => {
                answer.json().as_str().unwrap_or_default().to_string()
            }
            other => panic!("login answered {other:?}"),
        }
    }

    async fn mount(addr: SocketAddr, session: &str) -> String {
        let body = json!({"library_item": "ubuntu-24.04-iso", "vm": "vm-42"}).to_string();
        let answer = call(
            addr,
            "POST",
            "/api/vcenter/iso/image?action=mount",
            &[(SESSION_HEADER, session)],
            &body,
        )
        .await;
        match answer {
            Ok(answer) if answer.status == 200 => {
                answer.json().as_str().unwrap_or_default().to_string()
            }
            other => panic!("mount answered {other:?}"),
        }
    }

    async fn disconnect(
        addr: SocketAddr,
        session: String,
        cdrom: String,
    ) -> std::io::Result<Answer> {
        let target = format!("/api/vcenter/vm/vm-42/hardware/cdrom/{cdrom}?action=disconnect");
        call(addr, "POST", &target, &[(SESSION_HEADER, &session)], "").await
    }

    /// Waits until `ready` holds, checking every few milliseconds.
    async fn eventually(what: &str, mut ready: impl FnMut() -> bool) {
        let waited = tokio::time::timeout(PATIENCE, async {
            while !ready() {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
        .await;
        assert!(
            waited.is_ok(),
            "still waiting after {PATIENCE:?} for {what}"
        );
    }

    async fn within_patience<T>(what: &str, future: impl std::future::Future<Output = T>) -> T {
        match tokio::time::timeout(PATIENCE, future).await {
            Ok(value) => value,
            Err(_) => panic!("still waiting after {PATIENCE:?} for {what}"),
        }
    }

    #[tokio::test]
    async fn a_held_disconnect_does_not_hold_up_other_calls() {
        let simulator = Simulator::start(World::demo()).await.expect("start");
        let addr = simulator.addr;
        let session = login(addr).await;
        let cdrom = mount(addr, &session).await;
        simulator
            .world()
            .lock_cdrom_in_guest("vm-42", &cdrom, FOREVER);

        let held = tokio::spawn(disconnect(addr, session.clone(), cdrom));
        eventually("the disconnect to meet the lock", || {
            simulator.world().locked_cdrom_disconnects() == 1
        })
        .await;
        let second = within_patience("a login while a disconnect is held", login(addr)).await;
        assert!(!second.is_empty());
        let cdrom =
            within_patience("a mount while a disconnect is held", mount(addr, &session)).await;
        assert_eq!(cdrom, "3001");
        assert!(
            !held.is_finished(),
            "the held disconnect was answered early"
        );
        held.abort();
    }

    #[tokio::test]
    async fn a_held_disconnect_fails_after_its_hold_and_leaves_the_cdrom_connected() {
        let simulator = Simulator::start(World::demo()).await.expect("start");
        let addr = simulator.addr;
        let session = login(addr).await;
        let cdrom = mount(addr, &session).await;
        let hold = Duration::from_millis(200);
        simulator.world().lock_cdrom_in_guest("vm-42", &cdrom, hold);

        let asked = Instant::now();
        let answer = within_patience("the held disconnect", disconnect(addr, session, cdrom))
            .await
            .expect("an answer");
        assert!(
            asked.elapsed() >= hold,
            "answered after {:?}, before the hold of {hold:?} ended",
            asked.elapsed()
        );
        assert_eq!(answer.status, 500, "{answer:?}");
        assert_eq!(answer.json()["error_type"], "ERROR");
        assert_eq!(
            answer.json()["messages"][0]["id"],
            "msg.cdromdisconnect.locked"
        );
        assert!(simulator
            .world()
            .cdroms("vm-42")
            .values()
            .all(|c| c.connected));
    }

    #[tokio::test]
    async fn a_restart_ends_sessions_refuses_connections_and_closes_open_ones() {
        let simulator = Simulator::start(World::demo()).await.expect("start");
        let addr = simulator.addr;
        login(addr).await;
        let kept = TcpStream::connect(addr).await.expect("connect");
        let first = request(&kept, "DELETE", "/api/session", &[], "").await;
        assert_eq!(first.map(|a| a.status).ok(), Some(401));

        simulator.restart(FOREVER, FOREVER).await;
        assert_eq!(simulator.phase(), ServicePhase::Refusing);
        assert_eq!(simulator.world().session_count(), 0);
        let refused = TcpStream::connect(addr).await;
        assert_eq!(
            refused.as_ref().map_err(std::io::Error::kind).err(),
            Some(ErrorKind::ConnectionRefused),
            "{refused:?}"
        );
        let mut received = Vec::new();
        let closed = within_patience(
            "the restart to close an open connection",
            read_some(&kept, &mut received),
        )
        .await;
        assert!(
            matches!(closed, Ok(0) | Err(_)),
            "the open connection got {received:?} instead of being closed"
        );
    }

    #[tokio::test]
    async fn a_restart_closes_a_call_it_interrupts_without_an_answer() {
        let simulator = Simulator::start(World::demo()).await.expect("start");
        let addr = simulator.addr;
        let session = login(addr).await;
        let cdrom = mount(addr, &session).await;
        simulator
            .world()
            .lock_cdrom_in_guest("vm-42", &cdrom, FOREVER);
        let held = tokio::spawn(disconnect(addr, session, cdrom));
        eventually("the disconnect to meet the lock", || {
            simulator.world().locked_cdrom_disconnects() == 1
        })
        .await;

        simulator.restart(FOREVER, FOREVER).await;
        let answer = within_patience("the restart to close the held call", held)
            .await
            .expect("the disconnect task");
        assert_eq!(
            answer.as_ref().map_err(std::io::Error::kind).err(),
            Some(ErrorKind::UnexpectedEof),
            "{answer:?}"
        );
    }

    #[tokio::test]
    async fn after_refusing_a_restart_answers_503_pages() {
        let simulator = Simulator::start(World::demo()).await.expect("start");
        let addr = simulator.addr;
        simulator.restart(Duration::ZERO, FOREVER).await;
        let stream = within_patience("the port to open again", async {
            loop {
                if let Ok(stream) = TcpStream::connect(addr).await {
                    break stream;
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
        .await;
        let answer = request(
            &stream,
            "POST",
            "/api/session",
            &[("authorization", ADMIN_BASIC)],
            "",
        )
        .await
        .expect("an answer");
        assert_eq!(answer.status, 503);
        assert_eq!(answer.content_type.as_deref(), Some("text/html"));
        assert_eq!(answer.body, UNAVAILABLE_PAGE);
        assert_eq!(simulator.phase(), ServicePhase::Unavailable);
        assert_eq!(
            simulator.world().calls("session_create"),
            0,
            "the API is not reached while it restarts"
        );
    }

    #[tokio::test]
    async fn after_a_restart_the_simulator_serves_again_on_the_same_port() {
        let simulator = Simulator::start(World::demo()).await.expect("start");
        let addr = simulator.addr;
        within_patience("no restart", simulator.wait_until_serving()).await;
        let before = login(addr).await;

        let phase = Duration::from_millis(50);
        simulator.restart(phase, phase).await;
        within_patience("the restart to end", simulator.wait_until_serving()).await;
        assert_eq!(simulator.phase(), ServicePhase::Serving);

        let old = call(
            addr,
            "DELETE",
            "/api/session",
            &[(SESSION_HEADER, &before)],
            "",
        )
        .await
        .expect("an answer");
        assert_eq!(
            old.status, 401,
            "sessions do not survive a restart: {old:?}"
        );
        let after = login(addr).await;
        assert_ne!(after, before);
    }
}
