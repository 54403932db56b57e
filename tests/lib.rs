//! The workspace's tests live in `generator.rs` and `client.rs`. This library only compiles the
//! README's Rust examples as doctests, so that the usage shown there keeps building.
#![doc = include_str!("../README.md")]
