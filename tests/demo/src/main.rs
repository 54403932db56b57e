//! The demo: log in -> mount an ISO image -> disconnect the CD-ROM -> disconnect it again
//! (already disconnected, handled) -> log out, printing each step.
//!
//! By default it starts the embedded vCenter simulator on 127.0.0.1. With `VCENTER_URL`,
//! `VCENTER_USER` and `VCENTER_PASSWORD` set it runs against that vCenter instead, configured by
//! `ClientBuilder::from_env` (so `VCENTER_CA_FILE`, a PEM file of the vCenter's root
//! certificate, `VCENTER_THUMBPRINT`, its certificate's SHA-256 fingerprint, and
//! `VCENTER_INSECURE=1`, certificate verification off, unsafe, apply too); then `VCENTER_VM` and
//! `VCENTER_LIBRARY_ITEM` name the vm and the library item holding the ISO image.
//!
//! With `VCENTER_SESSION_CACHE=1` the client keeps its session in the user's cache directory
//! (`ClientBuilder::session_cache`) and does not log out: a second run reuses the session (its
//! `created_time` is the first run's). Against the embedded simulator, which lives as long as
//! one run, the demo makes the second run itself and counts the logins.

use std::process::ExitCode;

use vcenter_client::types::{IsoImageMountRequestBody, LibraryItemId, VmId};
use vcenter_client::{Client, ClientBuilder, Error, ResultExt};
use vcenter_simulator::{Simulator, World};

/// Where the demo runs, and with what.
struct Target {
    url: String,
    user: String,
    password: String,
    vm: String,
    library_item: String,
    /// The client's settings: from the environment for a real vCenter.
    builder: ClientBuilder,
    /// Kept alive for the run when the demo uses the embedded simulator.
    _simulator: Option<Simulator>,
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("demo failed: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn target() -> Result<Target, Box<dyn std::error::Error>> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    if let (Some(url), Some(user), Some(password)) = (
        env("VCENTER_URL"),
        env("VCENTER_USER"),
        env("VCENTER_PASSWORD"),
    ) {
        let (Some(vm), Some(library_item)) = (env("VCENTER_VM"), env("VCENTER_LIBRARY_ITEM"))
        else {
            return Err(
                "against a real vCenter, set VCENTER_VM and VCENTER_LIBRARY_ITEM too".into(),
            );
        };
        println!("Using the vCenter at {url} as {user}.");
        if matches!(env("VCENTER_INSECURE").as_deref(), Some("1" | "true")) {
            println!("Certificate verification is OFF (VCENTER_INSECURE).");
        }
        return Ok(Target {
            url,
            user,
            password,
            vm,
            library_item,
            builder: ClientBuilder::from_env()?,
            _simulator: None,
        });
    }
    let simulator = Simulator::start(World::demo()).await?;
    println!(
        "Started the embedded vCenter simulator at {} (set VCENTER_URL, VCENTER_USER and \
         VCENTER_PASSWORD to use a real vCenter).",
        simulator.base_url()
    );
    Ok(Target {
        url: simulator.base_url(),
        user: "administrator@vsphere.local".to_string(),
        password: "VMware1!".to_string(),
        vm: "vm-42".to_string(),
        library_item: "ubuntu-24.04-iso".to_string(),
        builder: Client::builder(&simulator.base_url()),
        _simulator: Some(simulator),
    })
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut target = target().await?;
    let mut builder = std::mem::replace(&mut target.builder, Client::builder(&target.url));
    let cached = std::env::var("VCENTER_SESSION_CACHE").as_deref() == Ok("1");
    // The embedded simulator's sessions end with the run: its cache is the run's own.
    let cache_dir = target
        ._simulator
        .as_ref()
        .map(|_| std::env::temp_dir().join(format!("vcenter-demo-cache-{}", std::process::id())));
    if cached {
        builder = builder.credentials(&target.user, &target.password);
        builder = match &cache_dir {
            Some(dir) => builder.session_cache_dir(dir),
            None => builder.session_cache(),
        };
    }
    let client = builder.build()?;

    if cached {
        // The first call that needs a session logs in, or takes the cached one.
        let info = client.session_get().await?;
        println!(
            "1. Session of {} created at {} (before this run: reused from the cache; the id \
             is a secret: not shown).",
            info.user, info.created_time
        );
    } else {
        client
            .session_create(&target.user, &target.password)
            .await?;
        println!(
            "1. Logged in as {} (the session id is a secret: not shown).",
            target.user
        );
    }

    let vm = VmId::new(&target.vm);
    let mount = IsoImageMountRequestBody {
        library_item: LibraryItemId::new(&target.library_item),
        vm: vm.clone(),
    };
    let cdrom = client.iso_image_mount(&mount).await?;
    println!(
        "2. Mounted library item {} on {vm}: new CD-ROM {cdrom}.",
        mount.library_item
    );

    client.vm_hardware_cdrom_disconnect(&vm, &cdrom).await?;
    println!("3. Disconnected CD-ROM {cdrom}.");

    let again = client
        .vm_hardware_cdrom_disconnect(&vm, &cdrom)
        .await
        .ok_if(Error::is_already_in_desired_state)?;
    match again {
        Some(()) => println!("4. Disconnected CD-ROM {cdrom} again."),
        None => println!(
            "4. Disconnected CD-ROM {cdrom} again: already disconnected \
             (ALREADY_IN_DESIRED_STATE), which is what we wanted."
        ),
    }

    if !cached {
        client.session_delete().await?;
        println!("5. Logged out.");
        return Ok(());
    }
    println!("5. Kept the session in the cache for the next run (not logged out).");
    if let (Some(simulator), Some(dir)) = (&target._simulator, &cache_dir) {
        // A second run, as another process would make it: a new client, the same cache.
        let second = Client::builder(&target.url)
            .credentials(&target.user, &target.password)
            .session_cache_dir(dir)
            .build()?;
        let info = second.session_get().await?;
        let logins = simulator.world().calls("session_create");
        println!(
            "6. A second run reused the session created at {}: {logins} login(s) for both runs.",
            info.created_time
        );
        second.session_delete().await?;
        println!("7. Logged out (which removes the cached session).");
        let _ = std::fs::remove_dir_all(dir);
    }
    Ok(())
}
