//! A small stateful simulator of the vCenter API that the generated client covers: sessions
//! (`POST`/`DELETE /api/session`), mounting an ISO image and disconnecting a CD-ROM. It keeps
//! users with passwords and privileges, sessions that expire, virtual machines and their power
//! state, content library items with or without an .iso file, and the CD-ROMs mount creates;
//! it answers with the statuses and `error_type`s of `spec/vcenter.yaml`, and messages with
//! `id`, `default_message` and `args`, as vCenter does. `GET /api/session` (Get Session: the
//! user, `created_time` and `last_accessed_time`) is served by [`World::demo`]
//! ([`World::serve_session_get`]).
//!
//! Some behaviours of a real vCenter are off by default, so that [`World::demo`] answers exactly
//! what the spec documents, and each is turned on for the tests that need it:
//! - a limit of live sessions per user, past which a login answers 503
//!   (`failedToLoginMaxUserSessionCountReached`), with [`World::max_sessions_per_user`];
//! - a CD-ROM whose tray the guest holds locked, whose disconnect is answered 500
//!   `msg.cdromdisconnect.locked` after a delay (other calls are served meanwhile), with
//!   [`World::lock_cdrom_in_guest`];
//! - a restart, as while vpxd restarts: sessions end, connections are refused, then requests
//!   are answered 503 with an HTML page, then service resumes, with [`Simulator::restart`].
//!
//! It listens on 127.0.0.1 only, and stops when its [`Simulator`] handle is dropped.
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! use vcenter_simulator::{Simulator, World};
//! let simulator = Simulator::start(World::demo()).await?;
//! println!("a vCenter at {}", simulator.base_url());
//! # Ok(()) }
//! ```

mod server;
mod world;

pub use server::{ServicePhase, Simulator};
pub use world::{
    Cdrom, PowerState, Reply, World, ADD_REMOVE_DEVICE, ALL_PRIVILEGES, DEFAULT_SESSION_TIMEOUT,
    DEVICE_CONNECTION, DOWNLOAD_SESSION, SESSION_HEADER, SYSTEM_READ,
};
