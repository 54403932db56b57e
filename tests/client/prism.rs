//! Prism (Stoplight's OpenAPI mock server and validating proxy) as a child process on
//! 127.0.0.1: started with `--errors` on a free port, waited for, its log read for the
//! violations it found, and stopped by its process id when dropped.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// How long Prism may take to load the spec and listen.
const STARTUP_LIMIT: Duration = Duration::from_secs(60);

/// What Prism does with a request.
#[derive(Debug, Clone, Copy)]
pub enum Mode<'a> {
    /// `prism mock`: answers from the spec's examples.
    Mock,
    /// `prism proxy`: forwards to `upstream` and checks its answers against the spec.
    Proxy {
        /// The server behind Prism, e.g. `http://127.0.0.1:8089`.
        upstream: &'a str,
    },
}

/// A running Prism. Dropping it kills the process (the `prism` executable itself runs Prism
/// under node; a wrapper script in its place would leave node running).
#[derive(Debug)]
pub struct Prism {
    child: Child,
    port: u16,
    log: PathBuf,
    /// How much of the log [`Prism::new_violations`] has read.
    read_to: u64,
}

impl Prism {
    /// Starts `prism mock|proxy --errors` for `spec` on a free port and waits until it listens.
    /// Its output goes to a log file under `log_dir`.
    pub fn start(
        prism: &Path,
        spec: &Path,
        mode: Mode<'_>,
        log_dir: &Path,
    ) -> Result<Prism, String> {
        std::fs::create_dir_all(log_dir)
            .map_err(|err| format!("cannot create {}: {err}", log_dir.display()))?;
        // A port found free can be taken before Prism binds it; then Prism exits and the next
        // port is tried.
        let mut last_error = String::new();
        for _ in 0..3 {
            let port = free_port()?;
            match Prism::start_on(prism, spec, mode, log_dir, port) {
                Ok(prism) => return Ok(prism),
                Err(err) => last_error = err,
            }
        }
        Err(last_error)
    }

    fn start_on(
        prism: &Path,
        spec: &Path,
        mode: Mode<'_>,
        log_dir: &Path,
        port: u16,
    ) -> Result<Prism, String> {
        let (name, upstream) = match mode {
            Mode::Mock => ("mock", None),
            Mode::Proxy { upstream } => ("proxy", Some(upstream)),
        };
        // Tests start Prisms in parallel, and two may draw the same port: each gets a log of
        // its own, so that one never reads the other's "listening".
        static STARTED: AtomicUsize = AtomicUsize::new(0);
        let serial = STARTED.fetch_add(1, Ordering::Relaxed);
        let log = log_dir.join(format!(
            "prism-{name}-{port}-{}-{serial}.log",
            std::process::id()
        ));
        let output =
            File::create(&log).map_err(|err| format!("cannot create {}: {err}", log.display()))?;
        let errors = output
            .try_clone()
            .map_err(|err| format!("cannot share {}: {err}", log.display()))?;
        let mut command = Command::new(prism);
        command
            .arg(name)
            .arg("--errors")
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .arg(spec)
            .args(upstream)
            .stdin(Stdio::null())
            .stdout(output)
            .stderr(errors);
        let child = command
            .spawn()
            .map_err(|err| format!("cannot start {}: {err}", prism.display()))?;
        let mut prism = Prism {
            child,
            port,
            log,
            read_to: 0,
        };
        prism.wait_until_listening()?;
        Ok(prism)
    }

    fn wait_until_listening(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + STARTUP_LIMIT;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!(
                    "prism exited ({status}) before listening on port {}:\n{}",
                    self.port,
                    self.log_text()
                ));
            }
            let listening = format!("Prism is listening on http://127.0.0.1:{}", self.port);
            if self.log_text().contains(&listening) {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "prism was not listening after {} s:\n{}",
                    STARTUP_LIMIT.as_secs(),
                    self.log_text()
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The process id (Prism is stopped by it when dropped).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The log file.
    pub fn log_path(&self) -> &Path {
        &self.log
    }

    /// Everything Prism printed so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The violations Prism logged since the last call: each request or response that did not
    /// match the spec (what it also puts in the `sl-violations` header), and each request it
    /// ended with an error of its own (`--errors`).
    pub fn new_violations(&mut self) -> Vec<String> {
        let Ok(mut file) = File::open(&self.log) else {
            return vec![format!("the log {} cannot be read", self.log.display())];
        };
        let mut text = String::new();
        if file.seek(SeekFrom::Start(self.read_to)).is_err()
            || file.read_to_string(&mut text).is_err()
        {
            return vec![format!("the log {} cannot be read", self.log.display())];
        }
        // Only whole lines; a line still being written is read next time.
        let complete = text.rfind('\n').map_or(0, |end| end + 1);
        self.read_to += complete as u64;
        violations_in(text.get(..complete).unwrap_or_default())
    }
}

/// The violation lines of a Prism log, without the time and the logger's prefix.
pub fn violations_in(log: &str) -> Vec<String> {
    log.lines()
        .filter_map(|line| {
            let at = line
                .find("Violation:")
                .or_else(|| line.find("Request terminated with error"))?;
            Some(line.get(at..).unwrap_or(line).trim().to_string())
        })
        .collect()
}

impl Drop for Prism {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port of 127.0.0.1 that was free a moment ago.
pub fn free_port() -> Result<u16, String> {
    TcpListener::bind(("127.0.0.1", 0))
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .map_err(|err| format!("no free port on 127.0.0.1: {err}"))
}

#[cfg(test)]
mod tests {
    use super::violations_in;

    #[test]
    fn violations_are_read_from_prisms_log_lines() {
        let log = "\
[3:39:06 PM] › [HTTP SERVER] post /api/vcenter/vm/vm-1/hardware/cdrom/3000 ℹ  info      Request received
[3:39:06 PM] ›     [VALIDATOR] ✖  error     Request header must have required property 'vmware-api-session-id'
[3:39:06 PM] ›     [NEGOTIATOR] ✔  success   Responding with the requested status code 401
[3:39:06 PM] ›     [VALIDATOR] ✖  error     Violation: request.header Request header must have required property 'vmware-api-session-id'
[3:40:00 PM] › [HTTP SERVER] post /api/vcenter/iso/image ✖  error     Request terminated with error: https://stoplight.io/prism/errors#VIOLATIONS: Request/Response not valid
";
        assert_eq!(
            violations_in(log),
            [
                "Violation: request.header Request header must have required property 'vmware-api-session-id'",
                "Request terminated with error: https://stoplight.io/prism/errors#VIOLATIONS: Request/Response not valid",
            ]
        );
        assert!(violations_in("[3:39:06 PM] › [CLI] ▶  start     Prism is listening").is_empty());
    }
}
