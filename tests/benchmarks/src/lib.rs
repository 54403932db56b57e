//! Support for `cargo xtask bench`: a synthetic spec generator for the scale benchmark, a
//! counting allocator for peak memory, and a canned HTTP server on 127.0.0.1 for the client
//! overhead benchmark. The benchmarks themselves are in `benches/`; the table is assembled by
//! `cargo xtask bench` from what they record.

pub mod memory;
pub mod server;
pub mod synthetic;

use std::path::{Path, PathBuf};

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.ancestors().nth(2).unwrap_or(here).to_path_buf()
}

/// VMware's full vCenter spec, when `../shared/specs` is beside the clone.
pub fn full_spec() -> Option<PathBuf> {
    shared_file("specs/vcenter-7.0.3.json")
}

/// A file of `../shared/` beside the clone, when it is there.
pub fn shared_file(relative: &str) -> Option<PathBuf> {
    let path = workspace_root().join("../shared").join(relative);
    path.is_file().then_some(path)
}

/// Where the benchmarks leave figures that criterion does not record (peak memory, counts).
pub fn results_dir() -> PathBuf {
    let dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"))
        .join("bench-results");
    let _ = std::fs::create_dir_all(&dir);
    dir
}
