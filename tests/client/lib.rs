//! Support for the workspace's client tests: Prism as a child process (`prism`), shared by the
//! `conformance` binary and the end-to-end tests. The README's Rust examples are compiled here
//! as doctests, so that the usage shown there keeps building.
#![doc = include_str!("../../README.md")]

pub mod prism;
