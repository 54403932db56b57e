//! A process of the session-cache test (`tests/client/production.rs`): builds a client with the
//! session cache in `SESSION_CACHE_DIR` and credentials, against `SESSION_CACHE_URL`, makes one
//! call that needs a session, and prints `ok` (or the error, and exits 1).

use vcenter_client::types::{IsoImageMountRequestBody, LibraryItemId, VmId};
use vcenter_client::Client;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let (Some(url), Some(dir)) = (
        std::env::var_os("SESSION_CACHE_URL"),
        std::env::var_os("SESSION_CACHE_DIR"),
    ) else {
        eprintln!("set SESSION_CACHE_URL and SESSION_CACHE_DIR");
        std::process::exit(2);
    };
    let client = Client::builder(&url.to_string_lossy())
        .credentials("administrator@vsphere.local", "VMware1!")
        .session_cache_dir(dir)
        .build()
        .unwrap_or_else(|err| {
            eprintln!("{err}");
            std::process::exit(1)
        });
    let body = IsoImageMountRequestBody {
        library_item: LibraryItemId::new("ubuntu-24.04-iso"),
        vm: VmId::new("vm-42"),
    };
    match client.iso_image_mount(&body).await {
        Ok(_) => println!("ok"),
        Err(err) => {
            eprintln!("{err}");
            std::process::exit(1);
        }
    }
}
