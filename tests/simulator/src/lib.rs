//! A small stateful simulator of the vCenter API that the generated client covers: sessions
//! (`POST`/`DELETE /api/session`), mounting an ISO image and disconnecting a CD-ROM. It keeps
//! users with passwords and privileges, sessions that expire, virtual machines and their power
//! state, content library items with or without an .iso file, and the CD-ROMs mount creates;
//! it answers with the statuses and `error_type`s of `spec/vcenter.yaml`, and messages with
//! `id`, `default_message` and `args`, as vCenter does.
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

pub use server::Simulator;
pub use world::{
    Cdrom, PowerState, Reply, World, ADD_REMOVE_DEVICE, ALL_PRIVILEGES, DEFAULT_SESSION_TIMEOUT,
    DEVICE_CONNECTION, DOWNLOAD_SESSION, SESSION_HEADER, SYSTEM_READ,
};
