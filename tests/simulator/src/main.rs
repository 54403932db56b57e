//! Runs the simulator with the demo world until interrupted:
//! `cargo run -p vcenter-simulator -- [PORT]` (default: a free port, printed).

use vcenter_simulator::{Simulator, World};

#[tokio::main]
async fn main() {
    let port = match std::env::args().nth(1).map(|p| p.parse::<u16>()) {
        None => 0,
        Some(Ok(port)) => port,
        Some(Err(err)) => {
            eprintln!("usage: vcenter-simulator [PORT]: {err}");
            std::process::exit(2);
        }
    };
    let simulator = match Simulator::start_on(World::demo(), port).await {
        Ok(simulator) => simulator,
        Err(err) => {
            eprintln!("cannot listen on 127.0.0.1:{port}: {err}");
            std::process::exit(1);
        }
    };
    println!("vCenter simulator listening on {}", simulator.base_url());
    println!("users: administrator@vsphere.local / VMware1!, readonly@vsphere.local / ReadOnly1!");
    if let Err(err) = tokio::signal::ctrl_c().await {
        eprintln!("cannot wait for Ctrl-C: {err}");
    }
}
