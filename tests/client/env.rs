//! `ClientBuilder::from_env`: the variables govc users set, with the crate's prefix (`VCENTER_`).
//! One test, alone in its binary, since it changes the process's environment.

use vcenter_client::{ClientBuildError, ClientBuilder};

const VARIABLES: &[&str] = &[
    "VCENTER_URL",
    "VCENTER_USER",
    "VCENTER_PASSWORD",
    "VCENTER_CA_FILE",
    "VCENTER_THUMBPRINT",
    "VCENTER_INSECURE",
    "VCENTER_REQUEST_ID",
];

fn set(pairs: &[(&str, &str)]) {
    for name in VARIABLES {
        std::env::remove_var(name);
    }
    for (name, value) in pairs {
        std::env::set_var(name, value);
    }
}

fn environment_error(result: Result<ClientBuilder, ClientBuildError>) -> (String, String) {
    match result {
        Err(ClientBuildError::Environment { variable, reason }) => (variable, reason),
        other => panic!("expected an environment error, got {other:?}"),
    }
}

#[test]
fn from_env_reads_the_variables_and_never_shows_a_value() {
    set(&[]);
    let (variable, reason) = environment_error(ClientBuilder::from_env());
    assert_eq!(
        (variable.as_str(), reason.as_str()),
        ("VCENTER_URL", "not set")
    );

    set(&[
        ("VCENTER_URL", "https://vc.example.com"),
        ("VCENTER_USER", "ann"),
    ]);
    let (variable, _) = environment_error(ClientBuilder::from_env());
    assert_eq!(variable, "VCENTER_USER and VCENTER_PASSWORD");

    set(&[
        ("VCENTER_URL", "https://vc.example.com"),
        ("VCENTER_INSECURE", "yes-please"),
    ]);
    let (variable, reason) = environment_error(ClientBuilder::from_env());
    assert_eq!(variable, "VCENTER_INSECURE");
    assert!(!reason.contains("yes-please"), "no value shown: {reason}");

    set(&[
        ("VCENTER_URL", "https://vc.example.com"),
        ("VCENTER_CA_FILE", "/nonexistent/vmca.pem"),
    ]);
    let (variable, _) = environment_error(ClientBuilder::from_env());
    assert_eq!(variable, "VCENTER_CA_FILE");

    let fingerprint =
        "71:3A:9F:B9:59:E2:36:FD:26:31:95:D4:30:1E:1A:83:D2:31:19:1A:10:53:E4:D5:BC:CA:E7:ED:FC:99:87:78";
    set(&[
        ("VCENTER_URL", "https://vc.example.com"),
        ("VCENTER_USER", "administrator@vsphere.local"),
        ("VCENTER_PASSWORD", "pw-env-canary-7f3e"),
        ("VCENTER_THUMBPRINT", fingerprint),
        ("VCENTER_REQUEST_ID", "job-9"),
    ]);
    let builder = ClientBuilder::from_env().expect("a complete environment");
    let debug = format!("{builder:?}");
    assert!(!debug.contains("pw-env-canary-7f3e"), "{debug}");
    assert!(debug.contains("administrator@vsphere.local"), "{debug}");
    assert!(debug.contains("job-9"), "{debug}");
    let client = builder
        .build()
        .expect("builds, with the fingerprint pinned");
    assert_eq!(client.base_url(), "https://vc.example.com");
    assert!(!format!("{client:?}").contains("pw-env-canary-7f3e"));

    set(&[
        ("VCENTER_URL", "https://vc.example.com"),
        ("VCENTER_THUMBPRINT", "AB:CD"),
    ]);
    match ClientBuilder::from_env().expect("read").build() {
        Err(ClientBuildError::InvalidFingerprint { fingerprint }) => {
            assert_eq!(fingerprint, "AB:CD")
        }
        other => panic!("expected InvalidFingerprint, got {other:?}"),
    }
    set(&[]);
}
