//! How generated clients behave on the wire, for constructs the vCenter spec does not have:
//! fixtures generated into crates, and the tests in `tests/wire/` run against them with
//! wiremock on 127.0.0.1.

mod common;

use std::path::Path;

use common::{ExpectedWarnings, GoldenSpec};

#[test]
fn generated_clients_send_what_the_spec_says() {
    let here = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let specs = [
        ("compile/nested-forms.yaml", "wire-forms"),
        ("compile/object-parameters.yaml", "wire-objects"),
        ("compile/security-schemes.yaml", "wire-security"),
        ("compile/streams.yaml", "wire-streams"),
    ];
    let specs: Vec<GoldenSpec> = specs
        .iter()
        .map(|(spec, crate_name)| GoldenSpec {
            spec: here.join("fixtures").join(spec),
            crate_name: crate_name.to_string(),
            warnings: ExpectedWarnings::None,
        })
        .collect();
    let mut tests: Vec<_> = std::fs::read_dir(here.join("wire"))
        .expect("read tests/wire")
        .map(|entry| entry.expect("read a wire test").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "rs"))
        .collect();
    tests.sort();
    common::test_generated("wire", &specs, &tests);
}
