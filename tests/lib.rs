//! Support for the workspace's tests: the generator fuzzer (`fuzz`), shared by the `fuzz`
//! binary and the bounded run in `generator.rs`; Prism as a child process (`prism`), shared by
//! the `conformance` binary and the end-to-end tests. The README's Rust examples are compiled here
//! as doctests, so that the usage shown there keeps building.
#![doc = include_str!("../README.md")]

pub mod fuzz;
pub mod prism;
