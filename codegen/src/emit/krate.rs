//! The crate around the code: `Cargo.toml`, the crate docs, `lib.rs` and `runtime/mod.rs`.

use proc_macro2::TokenStream;
use quote::quote;

use super::*;

pub(super) fn manifest(model: &ApiModel, crate_name: &str, record: &Record) -> String {
    let description = format!("Typed async client for {}", model.title.trim());
    let description = serde_json::Value::String(description).to_string();
    // `rustls` is reqwest's TLS with the platform's verifier and trust roots; `query`, `form`
    // and `multipart` only when the crate's code calls `RequestBuilder::query`, `form` or
    // `multipart` (the record holds the calls, the runtime's own among them).
    let reqwest_features = std::iter::once("rustls")
        .chain(record.reqwest_features())
        .map(|feature| format!("\"{feature}\""))
        .collect::<Vec<_>>()
        .join(", ");
    // The optional dependencies are those the runtime files the crate has name (the path
    // encoder's `percent-encoding`, `ByteStream::chunk`'s `bytes`).
    let optional = |name: &str| {
        record
            .optional_crates()
            .into_iter()
            .find(|line| line.starts_with(name))
            .map(|line| format!("{line}\n"))
            .unwrap_or_default()
    };
    let bytes = optional("bytes ");
    let futures_core = optional("futures-core ");
    let http_body = optional("http-body ");
    let percent_encoding = optional("percent-encoding ");
    format!(
        r#"[package]
name = "{name}"
version = "0.1.0"
edition = "2021"
rust-version = "1.85"
description = {description}
publish = false

[dependencies]
base64 = "0.23"
{bytes}fastrand = "2"
{futures_core}http = "1"
{http_body}{percent_encoding}reqwest = {{ version = "0.13", default-features = false, features = [{reqwest_features}] }}
rustls = {{ version = "0.23", default-features = false, features = ["std", "tls12", "aws-lc-rs"] }}
serde = {{ version = "1", features = ["derive"] }}
serde_json = {{ version = "1", features = ["float_roundtrip"] }}
tokio = {{ version = "1", features = ["rt", "sync", "time"] }}
tracing = {{ version = "0.1", default-features = false, features = ["std"] }}
{features}"#,
        name = crate_name,
        features = features_table(model),
    )
}

/// The `[features]` table: one feature per tag, `full` for all of them, on by default; and
/// `serde-all` when some type implements only one of `Serialize` and `Deserialize`.
fn features_table(model: &ApiModel) -> String {
    let serde_all = if super::types::has_one_way_types(model) {
        format!(
            "# Every type implements both `Serialize` and `Deserialize`, not only the way the API\n\
             # moves it (what is sent, what is received).\n\
             {SERDE_ALL_FEATURE} = []\n"
        )
    } else {
        String::new()
    };
    if model.features.is_empty() {
        return if serde_all.is_empty() {
            String::new()
        } else {
            format!("\n[features]\n{serde_all}")
        };
    }
    let mut table = format!(
        "\n# One feature per tag of the spec; `{FULL_FEATURE}` (the default) turns on all of them.\n\
         [features]\ndefault = [\"{FULL_FEATURE}\"]\n{serde_all}{FULL_FEATURE} = [{}]\n",
        model
            .features
            .iter()
            .map(|f| format!("\"{}\"", f.name))
            .collect::<Vec<_>>()
            .join(", ")
    );
    for feature in &model.features {
        let children: Vec<String> = feature
            .children
            .iter()
            .map(|c| format!("\"{c}\""))
            .collect();
        table.push_str(&format!("{} = [{}]\n", feature.name, children.join(", ")));
    }
    table
}

/// The crate docs' section on features: how to choose, and one line per feature.
fn features_doc(model: &ApiModel, settings: &CrateSettings<'_>) -> String {
    let Some(example) = model.features.first() else {
        return String::new();
    };
    let described = model.features.iter().any(|f| f.doc.is_some());
    let mut doc = format!(
        "\n\n## Features\n\n\
         Each tag of the spec is a cargo feature that compiles its operations and the types they\n\
         use; `{FULL_FEATURE}`, the default, turns on all of them (and compiles the types no operation\n\
         uses). To compile only the parts you call, turn the default off:\n\n\
         ```toml\n\
         [dependencies]\n\
         {name} = {{ version = \"0.1\", default-features = false, features = [\"{example}\"] }}\n\
         ```\n\n\
         The client, its errors and the operations the client calls by itself (creating and ending\n\
         a session) are always compiled.\n\n\
         | feature | tag |{what_head}\n| --- | --- |{what_rule}\n",
        name = settings.crate_name,
        example = example.name,
        what_head = if described { " what it is |" } else { "" },
        what_rule = if described { " --- |" } else { "" },
    );
    for feature in &model.features {
        let mut tag = match &feature.tag {
            Some(tag) => format!("`{}`", tag.replace('`', "'")),
            None => "(operations without a tag)".to_string(),
        };
        if !feature.children.is_empty() {
            let children: Vec<String> = feature.children.iter().map(|c| format!("`{c}`")).collect();
            tag.push_str(&format!(", and turns on {}", children.join(", ")));
        }
        let what = feature
            .doc
            .as_deref()
            .map(|d| {
                d.split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .replace('|', "\\|")
            })
            .unwrap_or_default();
        let what = if described {
            format!(" {what} |")
        } else {
            String::new()
        };
        doc.push_str(&format!("| `{}` | {tag} |{what}\n", feature.name));
    }
    doc.truncate(doc.trim_end().len());
    doc
}

pub(super) fn crate_doc(model: &ApiModel, settings: &CrateSettings<'_>) -> String {
    let mut doc = format!("# {}\n", model.title.trim());
    if let Some(description) = &model.description {
        doc.push('\n');
        doc.push_str(description.trim());
        doc.push('\n');
    }
    doc.push_str(&format!(
        "\nA typed async client generated from `{}` (API version {}).\n\n\
         Create a [`Client`] with [`Client::new`] or [`Client::builder`], then call one method\n\
         per operation. Every method returns [`Error`], whose `Api` variant carries the decoded\n\
         error body the API documents.",
        settings.spec_label,
        model.version.trim()
    ));
    if model.operations.is_empty() {
        doc.push_str(
            "\n\nThe document has no operation that could be generated, so the client has no \
             methods\n(the generator's warnings say why).",
        );
    }
    let ids: Vec<(&str, &str)> = model
        .types
        .iter()
        .filter_map(|def| match &def.kind {
            TypeKind::Id { resource_type } => Some((def.name.as_str(), resource_type.as_str())),
            _ => None,
        })
        .collect();
    if let [(first, first_resource), (second, _), ..] = ids.as_slice() {
        let krate = settings.crate_name.replace('-', "_");
        doc.push_str(&format!(
            "\n\n## Typed identifiers\n\n\
             Each resource type the spec marks with `x-vcenter-resource-type` has its own id type\n\
             (e.g. [`types::{first}`] for `{first_resource}`), a plain string on the wire. An id of\n\
             one type cannot be used where another is expected:\n\n\
             ```compile_fail\n\
             let id = {krate}::types::{first}::new(\"id-1\");\n\
             let other: {krate}::types::{second} = id; // error[E0308]: mismatched types\n\
             ```\n\n\
             ```\n\
             let id: {krate}::types::{first} = \"id-1\".parse().unwrap();\n\
             assert_eq!(id.to_string(), \"id-1\");\n\
             ```"
        ));
    }
    doc.push_str(&features_doc(model, settings));
    doc
}

pub(super) fn lib_rs(record: &Record) -> TokenStream {
    // A re-export is compiled with its runtime file, and only when the crate has it.
    let reexport = |module: &str, items: TokenStream| {
        record.runtime(module).map(|cond| {
            let cfg = cond.attr();
            quote! { #cfg pub use #items; }
        })
    };
    let credentials = reexport(
        "credentials",
        quote! { runtime::credentials::{TokenFuture, TokenSource} },
    );
    // The modules are formatted by the generator (prettyplease), not by rustfmt. `lib.rs`
    // itself is formatted by both, so its lines are short and in rustfmt's order.
    let byte_stream = reexport(
        "byte_stream",
        quote! { runtime::byte_stream::{ByteStream, ByteStreamError} },
    );
    let event_stream = reexport(
        "event_stream",
        quote! { runtime::event_stream::{Event, EventStream} },
    );
    let json_lines = reexport("json_lines", quote! { runtime::json_lines::JsonLines });
    let keep_alive = reexport("keep_alive", quote! { runtime::keep_alive::NotReady });
    let sequence = reexport("sequence", quote! { runtime::sequence::StreamError });
    quote! {
        #![deny(missing_docs)]

        #[rustfmt::skip]
        mod operations;
        #[rustfmt::skip]
        mod runtime;
        #[rustfmt::skip]
        pub mod types;

        #byte_stream
        pub use runtime::client::DEFAULT_MAX_RESPONSE_BODY;
        pub use runtime::client::{CallOptions, Client, ClientBuildError};
        pub use runtime::client::{ClientBuilder, SessionId};
        pub use runtime::client::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT, DEFAULT_USER_AGENT};
        #credentials
        pub use runtime::error::{CallInfo, Error, ErrorBody, ErrorKind, ResultExt, TimeoutPhase};
        pub use runtime::error::{DISPLAY_LIMIT, EXCERPT_LIMIT, WITHHELD};
        #event_stream
        #json_lines
        #keep_alive
        pub use runtime::retry::RetryPolicy;
        pub use runtime::send::REQUEST_ID_HEADER;
        #sequence
    }
}

pub(super) fn runtime_modules(model: &ApiModel, record: &Record) -> TokenStream {
    // A file every feature's build compiles is written without a `cfg`: the build with no
    // feature compiles it unused, which the `allow(dead_code)` below permits.
    let every_feature = |cond: &super::record::Cond| {
        !model.features.is_empty() && cond.covers(model.features.iter().map(|f| f.name.as_str()))
    };
    let runtime = record.runtime_files().map(|(module, cond)| {
        let cfg = if every_feature(cond) {
            TokenStream::new()
        } else {
            cond.attr()
        };
        let module = ident(module);
        quote! { #cfg pub(crate) mod #module; }
    });
    let retry = &model.conventions.retry_error_types;
    let unused = unused_without_features(model);
    quote! {
        #unused

        #(#runtime)*

        /// The `error_type` values the default [`RetryPolicy`](retry::RetryPolicy) repeats a
        /// call on: the "try again" error types this API's error bodies document.
        pub(crate) const DEFAULT_RETRY_ERROR_TYPES: &[&str] = &[#(#retry),*];
    }
}
