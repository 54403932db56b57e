//! From the model to Rust: one token stream per generated source file, plus the crate's
//! manifest. This room knows Rust and the runtime's helpers; it never reads the OpenAPI document.

use std::collections::BTreeSet;
use std::ops::Range;

use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::quote;

use crate::docs::rustdoc_text;
use crate::model::{
    ApiModel, Auth, BodyEncoding, ErrorShape, FieldModel, OperationModel, ParamLocation,
    ParamModel, PathPart, ScalarText, SendAs, SessionAction, StatusMatch, TypeDef, TypeKind,
    TypeRef,
};
use crate::names::display_ident;
use crate::scope::RUNTIME_SOURCES;

/// A spec-independent source file copied into generated crates.
pub struct RuntimeFile {
    /// Module name; the file is `src/{module}.rs` and its text is in
    /// [`RUNTIME_SOURCES`].
    pub module: &'static str,
    /// Whether the crate's operations use it (a file nothing uses would be dead code).
    pub needed: fn(&ApiModel) -> bool,
}

/// The runtime files, in the order they are declared.
pub const RUNTIME_FILES: &[RuntimeFile] = &[
    RuntimeFile {
        module: "api_error",
        needed: |model| {
            model
                .operations
                .iter()
                .any(|op| response_helpers(op).api_error)
        },
    },
    RuntimeFile {
        module: "client",
        needed: |_| true,
    },
    RuntimeFile {
        module: "decode",
        needed: |model| model.operations.iter().any(|op| op.success.body.is_some()),
    },
    RuntimeFile {
        module: "error",
        needed: |_| true,
    },
    RuntimeFile {
        module: "json_body",
        needed: |model| {
            model.operations.iter().any(|op| {
                op.body
                    .as_ref()
                    .is_some_and(|b| b.encoding == BodyEncoding::Json)
            })
        },
    },
    RuntimeFile {
        module: "messages",
        needed: |model| {
            model.types.iter().any(|def| {
                def.error_shape
                    .as_ref()
                    .is_some_and(|shape| shape.messages.is_some())
            })
        },
    },
    RuntimeFile {
        module: "open_enum",
        needed: |model| {
            model
                .types
                .iter()
                .any(|def| matches!(def.kind, TypeKind::Enum { .. }))
        },
    },
    RuntimeFile {
        module: "path",
        needed: |model| {
            model
                .operations
                .iter()
                .any(|op| op.path.iter().any(|p| matches!(p, PathPart::Param(_))))
        },
    },
    RuntimeFile {
        module: "query",
        needed: |model| {
            model
                .operations
                .iter()
                .any(|op| op.params.iter().any(|p| p.send == SendAs::Object))
        },
    },
    RuntimeFile {
        module: "retry",
        needed: |_| true,
    },
    RuntimeFile {
        module: "send",
        needed: |_| true,
    },
    RuntimeFile {
        module: "unexpected",
        needed: |model| {
            model
                .operations
                .iter()
                .any(|op| response_helpers(op).unexpected)
        },
    },
];

/// The text of the runtime file `module`.
fn runtime_text(module: &str) -> &'static str {
    RUNTIME_SOURCES
        .iter()
        .find(|(name, _)| *name == module)
        .map_or("", |(_, text)| text)
}

/// Which response helpers an operation's `match` calls.
struct ResponseHelpers {
    api_error: bool,
    unexpected: bool,
}

fn response_helpers(op: &OperationModel) -> ResponseHelpers {
    let default = op.errors.iter().find(|case| case.status.is_none());
    let default_has_body = default.is_some_and(|d| d.has_body);
    ResponseHelpers {
        api_error: op.errors.iter().any(|case| case.has_body),
        unexpected: !default_has_body
            || op
                .errors
                .iter()
                .any(|case| case.status.is_some() && !case.has_body),
    }
}

/// One file of the generated crate, before rendering.
#[derive(Debug)]
pub enum EmittedFile {
    /// Rust source to format.
    Rust {
        /// Path inside the crate.
        path: &'static str,
        /// The file's parts, in order: each is emitted and formatted on its own (so the
        /// renderer can spread them over threads) and the file is their concatenation.
        parts: Vec<Part>,
        /// Inner doc (`//!`) lines that open the file.
        inner_doc: String,
    },
    /// Text written as it is (after the header).
    Text {
        /// Path inside the crate.
        path: String,
        /// The text.
        text: String,
        /// The comment marker for the header (`//` or `#`).
        comment: &'static str,
        /// What the header says the file is made from, when not the spec (a runtime file's
        /// source in the generator).
        source: Option<String>,
    },
}

/// One independently formatted piece of a Rust file. Tokens are not `Send`, so a part names
/// what to emit and [`part_tokens`] emits it on whichever thread formats it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// The whole of `lib.rs`.
    Lib,
    /// The whole of `runtime/mod.rs`: the runtime files the crate uses.
    RuntimeModules,
    /// The type definitions `model.types[range]`.
    Types(Range<usize>),
    /// `ErrorBody` impls for error bodies that are not named types.
    UnnamedErrorBodies,
    /// The `use` lines of `operations.rs` (and an empty `impl Client {}` without operations).
    OperationsPrelude,
    /// The methods for `model.operations[range]`, members of `impl Client`: consecutive
    /// `Methods` parts share one `impl Client { ... }` block.
    Methods(Range<usize>),
}

/// How many types, or methods, one part holds: small enough to spread a large spec evenly over
/// the cores, large enough that a part's overhead stays small. The output does not depend on it
/// (the determinism test varies it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartSizes {
    /// Types per part of `types.rs`.
    pub types: usize,
    /// Methods per part of `operations.rs`.
    pub methods: usize,
}

impl Default for PartSizes {
    fn default() -> Self {
        PartSizes {
            types: 24,
            methods: 12,
        }
    }
}

fn chunks(len: usize, size: usize) -> impl Iterator<Item = Range<usize>> {
    (0..len)
        .step_by(size)
        .map(move |start| start..(start + size).min(len))
}

/// What the renderer gets: the model with its texts made rustdoc-safe, and the files.
#[derive(Debug)]
pub struct EmittedCrate {
    /// The model the parts are emitted from.
    pub model: ApiModel,
    /// Every file, in a fixed order.
    pub files: Vec<EmittedFile>,
}

/// The tokens of one part.
pub fn part_tokens(model: &ApiModel, part: &Part) -> TokenStream {
    match part {
        Part::Lib => lib_rs(model),
        Part::RuntimeModules => runtime_modules(model),
        Part::Types(range) => {
            let defs = model.types.get(range.clone()).unwrap_or_default();
            let items = defs.iter().map(type_def);
            quote! { #(#items)* }
        }
        Part::UnnamedErrorBodies => unnamed_error_bodies(model),
        Part::OperationsPrelude => operations_prelude(model),
        Part::Methods(range) => {
            let ops = model.operations.get(range.clone()).unwrap_or_default();
            let methods = ops.iter().map(operation_method);
            quote! { #(#methods)* }
        }
    }
}

/// Settings of the emitted crate.
#[derive(Debug, Clone)]
pub struct CrateSettings<'a> {
    /// Package name.
    pub crate_name: &'a str,
    /// The spec's path, as shown in headers and docs.
    pub spec_label: &'a str,
}

/// The model with every text from the spec rewritten for rustdoc.
fn with_rustdoc_text(model: &ApiModel) -> ApiModel {
    let fix = |text: &mut Option<String>| {
        if let Some(t) = text {
            *t = rustdoc_text(t);
        }
    };
    let mut model = model.clone();
    model.title = rustdoc_text(&model.title);
    fix(&mut model.description);
    for ty in &mut model.types {
        fix(&mut ty.doc);
        if let TypeKind::Struct { fields } = &mut ty.kind {
            for field in fields {
                fix(&mut field.doc);
            }
        }
    }
    for op in &mut model.operations {
        fix(&mut op.summary);
        fix(&mut op.description);
        fix(&mut op.success.doc);
        for param in &mut op.params {
            fix(&mut param.doc);
        }
        if let Some(body) = &mut op.body {
            fix(&mut body.doc);
        }
        for case in &mut op.errors {
            fix(&mut case.doc);
        }
    }
    model
}

/// Emits every file of the crate, in parts of the given sizes.
pub fn emit_crate(
    model: &ApiModel,
    settings: &CrateSettings<'_>,
    sizes: PartSizes,
) -> EmittedCrate {
    let model = with_rustdoc_text(model);
    let mut operations = vec![Part::OperationsPrelude];
    operations.extend(chunks(model.operations.len(), sizes.methods.max(1)).map(Part::Methods));
    let mut types: Vec<Part> = chunks(model.types.len(), sizes.types.max(1))
        .map(Part::Types)
        .collect();
    types.push(Part::UnnamedErrorBodies);
    let mut files = vec![
        EmittedFile::Text {
            path: "Cargo.toml".to_string(),
            text: manifest(&model, settings),
            comment: "#",
            source: None,
        },
        EmittedFile::Rust {
            path: "src/lib.rs",
            parts: vec![Part::Lib],
            inner_doc: crate_doc(&model, settings),
        },
        EmittedFile::Rust {
            path: "src/types.rs",
            parts: types,
            inner_doc: format!(
                "The schemas of `{}`, as Rust types: objects are structs, string enums are\n\
                 open enums that keep values this client does not know.",
                settings.spec_label
            ),
        },
        EmittedFile::Rust {
            path: "src/operations.rs",
            parts: operations,
            inner_doc: format!(
                "One method on [`Client`](crate::Client) per operation of `{}`.",
                settings.spec_label
            ),
        },
    ];
    files.push(EmittedFile::Rust {
        path: "src/runtime/mod.rs",
        parts: vec![Part::RuntimeModules],
        inner_doc:
            "The client's runtime: the code that is the same for every spec (the HTTP client,\n\
                    errors, sessions, retries), copied from the generator's `codegen/runtime/`."
                .to_string(),
    });
    for runtime in RUNTIME_FILES.iter().filter(|r| (r.needed)(&model)) {
        files.push(EmittedFile::Text {
            path: format!("src/runtime/{}.rs", runtime.module),
            text: runtime_text(runtime.module).to_string(),
            comment: "//",
            source: Some(format!("codegen/runtime/{}.rs", runtime.module)),
        });
    }
    EmittedCrate { model, files }
}

fn manifest(model: &ApiModel, settings: &CrateSettings<'_>) -> String {
    let description = format!("Typed async client for {}", model.title.trim());
    let description = serde_json::Value::String(description).to_string();
    // `rustls` is reqwest's TLS with the platform's verifier and trust roots; `query` and
    // `form` only when an operation calls `RequestBuilder::query` or `RequestBuilder::form`.
    let mut reqwest_features = vec!["rustls"];
    let operations = &model.operations;
    if operations.iter().any(|op| {
        op.params
            .iter()
            .any(|param| param.location == ParamLocation::Query)
    }) {
        reqwest_features.push("query");
    }
    if operations.iter().any(|op| {
        op.body
            .as_ref()
            .is_some_and(|body| body.encoding == BodyEncoding::Form)
    }) {
        reqwest_features.push("form");
    }
    let reqwest_features = reqwest_features
        .iter()
        .map(|feature| format!("\"{feature}\""))
        .collect::<Vec<_>>()
        .join(", ");
    // The path module's encoder is the only user of `percent-encoding`.
    let uses_path_module = RUNTIME_FILES
        .iter()
        .any(|runtime| runtime.module == "path" && (runtime.needed)(model));
    let percent_encoding = if uses_path_module {
        "percent-encoding = \"2.3\"\n"
    } else {
        ""
    };
    format!(
        r#"[package]
name = "{name}"
version = "0.1.0"
edition = "2021"
rust-version = "1.85"
description = {description}
publish = false

[dependencies]
fastrand = "2"
http = "1"
{percent_encoding}reqwest = {{ version = "0.13", default-features = false, features = [{reqwest_features}] }}
serde = {{ version = "1", features = ["derive"] }}
serde_json = "1"
tokio = {{ version = "1", features = ["sync", "time"] }}
tracing = {{ version = "0.1", default-features = false, features = ["std"] }}
"#,
        name = settings.crate_name,
    )
}

fn crate_doc(model: &ApiModel, settings: &CrateSettings<'_>) -> String {
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
    doc
}

fn lib_rs(_model: &ApiModel) -> TokenStream {
    // The modules are formatted by the generator (prettyplease), not by rustfmt. `lib.rs`
    // itself is formatted by both, so its lines are short and in rustfmt's order.
    quote! {
        #![deny(missing_docs)]

        #[rustfmt::skip]
        mod operations;
        #[rustfmt::skip]
        mod runtime;
        #[rustfmt::skip]
        pub mod types;

        pub use runtime::client::DEFAULT_MAX_RESPONSE_BODY;
        pub use runtime::client::{Client, ClientBuildError, ClientBuilder, SessionId};
        pub use runtime::client::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT};
        pub use runtime::error::{Error, ErrorBody, ResultExt, EXCERPT_LIMIT};
        pub use runtime::retry::RetryPolicy;
    }
}

fn runtime_modules(model: &ApiModel) -> TokenStream {
    let runtime = RUNTIME_FILES
        .iter()
        .filter(|r| (r.needed)(model))
        .map(|r| ident(r.module));
    let retry = &model.conventions.retry_error_types;
    quote! {
        #(pub(crate) mod #runtime;)*

        /// The `error_type` values the default [`RetryPolicy`](retry::RetryPolicy) repeats a
        /// call on: the "try again" error types this API's error bodies document.
        pub(crate) const DEFAULT_RETRY_ERROR_TYPES: &[&str] = &[#(#retry),*];
    }
}

/// An identifier token; the names module only hands out valid identifiers.
fn ident(name: &str) -> Ident {
    match name.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => Ident::new(name, Span::call_site()),
    }
}

/// `#[doc = "..."]` attributes, one per line, so they render as `///` comments.
fn doc_attrs(text: &str) -> TokenStream {
    let lines: Vec<TokenStream> = text
        .trim()
        .lines()
        .map(|line| {
            let line = line.trim_end();
            let line = if line.is_empty() {
                String::new()
            } else {
                format!(" {line}")
            };
            quote! { #[doc = #line] }
        })
        .collect();
    quote! { #(#lines)* }
}

/// Where a type is referred to from: inside `types.rs` or from another module.
#[derive(Clone, Copy)]
enum Scope {
    Types,
    Crate,
}

fn type_tokens(ty: &TypeRef, scope: Scope) -> TokenStream {
    match ty {
        TypeRef::String | TypeRef::DateTime => quote! { String },
        TypeRef::Bool => quote! { bool },
        TypeRef::I32 => quote! { i32 },
        TypeRef::I64 => quote! { i64 },
        TypeRef::F32 => quote! { f32 },
        TypeRef::F64 => quote! { f64 },
        TypeRef::Json => quote! { serde_json::Value },
        TypeRef::JsonObject => quote! { serde_json::Map<String, serde_json::Value> },
        TypeRef::Named(name) => {
            let name = ident(name);
            match scope {
                Scope::Types => quote! { #name },
                Scope::Crate => quote! { crate::types::#name },
            }
        }
        TypeRef::Vec(inner) => {
            let inner = type_tokens(inner, scope);
            quote! { Vec<#inner> }
        }
        TypeRef::Map(inner) => {
            let inner = type_tokens(inner, scope);
            quote! { std::collections::BTreeMap<String, #inner> }
        }
    }
}

fn unnamed_error_bodies(model: &ApiModel) -> TokenStream {
    // Error bodies that are not named types of their own get their `ErrorBody` impl here.
    let unnamed: BTreeSet<&TypeRef> = model
        .operations
        .iter()
        .filter_map(|op| op.error_body.as_ref())
        .filter(|ty| !matches!(ty, TypeRef::Named(_) | TypeRef::Json))
        .collect();
    let items = unnamed.into_iter().map(|ty| {
        let ty = type_tokens(ty, Scope::Types);
        quote! { impl crate::runtime::error::ErrorBody for #ty {} }
    });
    quote! { #(#items)* }
}

fn type_def(def: &TypeDef) -> TokenStream {
    let name = ident(&def.name);
    let doc = doc_attrs(
        def.doc
            .as_deref()
            .filter(|d| !d.trim().is_empty())
            .unwrap_or(&format!("The `{}` schema.", def.origin)),
    );
    let body = match &def.kind {
        TypeKind::Struct { fields } => {
            let fields = fields.iter().map(field_tokens);
            quote! {
                #doc
                #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
                pub struct #name {
                    #(#fields)*
                }
            }
        }
        TypeKind::Enum { values, catch_all } => {
            let catch_all = ident(catch_all);
            let variants: Vec<Ident> = values.iter().map(|v| ident(&v.variant)).collect();
            let wires: Vec<&str> = values.iter().map(|v| v.wire.as_str()).collect();
            let variant_docs: Vec<String> = values
                .iter()
                .map(|v| format!(" The value `{}`.", v.wire.replace('`', "'")))
                .collect();
            // Without known values the catch-all arm is the only one (another would be
            // unreachable).
            let known_arm = (!values.is_empty()).then(|| quote! { _ => None, });
            quote! {
                #doc
                ///
                /// The enum is open: a value this client does not know is kept in the catch-all
                /// variant instead of failing to decode.
                #[derive(Debug, Clone, PartialEq, Eq, Hash)]
                pub enum #name {
                    #(
                        #[doc = #variant_docs]
                        #variants,
                    )*
                    /// A value this client does not know, as the server sent it.
                    #catch_all(String),
                }

                impl crate::runtime::open_enum::OpenEnum for #name {
                    const KNOWN: &'static [(Self, &'static str)] = &[
                        #((Self::#variants, #wires),)*
                    ];

                    fn unknown(value: String) -> Self {
                        Self::#catch_all(value)
                    }

                    fn as_unknown(&self) -> Option<&str> {
                        match self {
                            Self::#catch_all(value) => Some(value),
                            #known_arm
                        }
                    }
                }

                crate::runtime::open_enum::open_enum_impls!(#name);
            }
        }
        TypeKind::Alias(target) => {
            let target = type_tokens(target, Scope::Types);
            quote! {
                #doc
                pub type #name = #target;
            }
        }
        TypeKind::Id { resource_type } => id_type(&name, resource_type),
    };
    let error_impls = error_body_impls(def);
    quote! { #body #error_impls }
}

/// A newtype for the identifiers of one resource type: a string on the wire, its own type in Rust.
fn id_type(name: &Ident, resource_type: &str) -> TokenStream {
    let doc = doc_attrs(&format!(
        "An identifier of the resource type `{}`.\n\n\
         On the wire it is a plain string. Make one from text with [`{name}::new`] or\n\
         [`str::parse`]; ids returned by the API already have this type.",
        resource_type.replace('`', "'")
    ));
    quote! {
        #doc
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct #name(String);

        impl #name {
            /// Wraps an identifier, e.g. one read from a configuration file.
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            /// The identifier as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The identifier as an owned `String`.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl std::fmt::Display for #name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::str::FromStr for #name {
            type Err = std::convert::Infallible;

            fn from_str(id: &str) -> Result<Self, Self::Err> {
                Ok(Self(id.to_string()))
            }
        }

        impl AsRef<str> for #name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    }
}

fn field_tokens(field: &FieldModel) -> TokenStream {
    let name = ident(&field.ident);
    let mut doc_text = field
        .doc
        .clone()
        .filter(|d| !d.trim().is_empty())
        .unwrap_or_else(|| match &field.ty {
            TypeRef::Named(target) => format!("The `{}` field: see [`{target}`].", field.wire_name),
            _ => format!("The `{}` field.", field.wire_name),
        });
    if let Some(resource) = &field.resource_type {
        if !doc_text.contains(resource.as_str()) {
            doc_text.push_str(&format!(
                "\n\nAn identifier of the resource type `{resource}`."
            ));
        }
    }
    let doc = doc_attrs(&doc_text);
    let mut ty = type_tokens(&field.ty, Scope::Types);
    if field.boxed {
        ty = quote! { Box<#ty> };
    }
    let wire = &field.wire_name;
    let rename = (display_ident(&field.ident) != field.wire_name)
        .then(|| quote! { #[serde(rename = #wire)] });
    if field.required {
        quote! {
            #doc
            #rename
            pub #name: #ty,
        }
    } else {
        quote! {
            #doc
            #rename
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub #name: Option<#ty>,
        }
    }
}

/// `ErrorBody` for a type used as an error body, and the `error_type()` shortcuts on `Error`.
fn error_body_impls(def: &TypeDef) -> TokenStream {
    let Some(shape) = &def.error_shape else {
        return TokenStream::new();
    };
    let name = ident(&def.name);
    let ErrorShape {
        error_type,
        error_type_required,
        error_type_values,
        messages,
    } = shape;
    if error_type.is_none() && messages.is_none() {
        return quote! { impl crate::runtime::error::ErrorBody for #name {} };
    }
    let kind = match error_type {
        Some((field, _)) if *error_type_required => {
            let field = ident(field);
            quote! { Some(self.#field.as_str()) }
        }
        Some((field, _)) => {
            let field = ident(field);
            quote! { self.#field.as_ref().map(|kind| kind.as_str()) }
        }
        None => quote! { None::<&str> },
    };
    let (message, all_messages) = match messages {
        Some(messages) => {
            let field = ident(&messages.ident);
            let text = ident(&messages.default_message);
            let (list, iter) = if messages.required {
                (
                    quote! { self.#field.first() },
                    quote! { self.#field.iter() },
                )
            } else {
                (
                    quote! { self.#field.as_ref().and_then(|list| list.first()) },
                    quote! { self.#field.iter().flatten() },
                )
            };
            let (first, template) = if messages.default_message_required {
                (
                    quote! { #list.map(|message| message.#text.as_str()) },
                    quote! { message.#text.as_str() },
                )
            } else {
                (
                    quote! { #list.and_then(|message| message.#text.as_deref()) },
                    quote! { message.#text.as_deref().unwrap_or_default() },
                )
            };
            let args = match &messages.args {
                Some((args, true)) => {
                    let args = ident(args);
                    quote! { message.#args.as_slice() }
                }
                Some((args, false)) => {
                    let args = ident(args);
                    quote! { message.#args.as_deref().unwrap_or_default() }
                }
                None => quote! { &[] },
            };
            let param = match &messages.params {
                Some((params, required)) => {
                    let params = ident(params);
                    let map = if *required {
                        quote! { Some(&message.#params) }
                    } else {
                        quote! { message.#params.as_ref() }
                    };
                    quote! { |name: &str| #map.and_then(|params| params.get(name)) }
                }
                None => quote! { |_: &str| None::<&serde_json::Value> },
            };
            let all = quote! {
                fn messages(&self) -> Vec<String> {
                    #iter
                        .map(|message| {
                            crate::runtime::messages::fill_placeholders(#template, #args, #param)
                        })
                        .collect()
                }
            };
            (first, all)
        }
        None => (quote! { None::<&str> }, TokenStream::new()),
    };
    let accessors = error_type.as_ref().map(|(field, enum_name)| {
        let field = ident(field);
        let error_type = if *error_type_required {
            quote! { Some(&self.api_body()?.#field) }
        } else {
            quote! { self.api_body()?.#field.as_ref() }
        };
        let enum_ident = ident(enum_name);
        let checks = error_type_values.iter().map(|(method, value)| {
            let variant = ident(&value.variant);
            let method = ident(method);
            let doc = format!(
                " Whether this is a documented API error whose `error_type` is `{}`.",
                value.wire.replace('`', "'")
            );
            quote! {
                #[doc = #doc]
                pub fn #method(&self) -> bool {
                    matches!(self.error_type(), Some(#enum_ident::#variant))
                }
            }
        });
        quote! {
            impl crate::runtime::error::Error<#name> {
                /// The `error_type` of a documented API error; `None` for any other error, or
                /// when the server sent none.
                pub fn error_type(&self) -> Option<&#enum_ident> {
                    #error_type
                }

                #(#checks)*
            }
        }
    });
    quote! {
        impl crate::runtime::error::ErrorBody for #name {
            fn summary(&self) -> Option<String> {
                match (#kind, #message) {
                    (Some(kind), Some(message)) => Some(format!("{kind}: {message}")),
                    (Some(kind), None) => Some(kind.to_string()),
                    (None, Some(message)) => Some(message.to_string()),
                    (None, None) => None,
                }
            }

            fn error_type_name(&self) -> Option<&str> {
                #kind
            }

            #all_messages
        }
        #accessors
    }
}

fn operations_prelude(model: &ApiModel) -> TokenStream {
    // The runtime logs in again through the operation that creates a session with a user name
    // and password, when the API has one that needs nothing else.
    let login = model.operations.iter().find(|op| {
        op.session_action == Some(SessionAction::Create)
            && op.auth == Auth::Basic
            && op.params.iter().all(|p| !p.required)
            && op.body.as_ref().is_none_or(|b| !b.required)
    });
    let body = match login {
        Some(op) => {
            let name = ident(&op.method_name);
            let nones = op
                .params
                .iter()
                .map(|_| quote! { None, })
                .chain(op.body.iter().map(|_| quote! { None, }));
            let allow = op.deprecated.then(|| quote! { #[allow(deprecated)] });
            quote! {
                Box::pin(async move {
                    #allow
                    self.#name(#(#nones)* username, password).await?;
                    Ok(())
                })
            }
        }
        None => quote! {
            let _ = (username, password);
            Box::pin(std::future::ready(Err(
                "the API has no operation that creates a session with a user name and password".into(),
            )))
        },
    };
    quote! {
        use crate::runtime::client::Client;
        use crate::runtime::error::Error;

        /// What [`Client::renew_session`] returns.
        type Renewal<'a> = std::pin::Pin<
            Box<dyn std::future::Future<Output = Result<(), Box<dyn std::error::Error + Send + Sync>>> + Send + 'a>,
        >;

        impl Client {
            /// Creates a new session with `username` and `password`; called by the runtime when
            /// the session expired. Boxed, because it is called from inside the operations.
            pub(crate) fn renew_session<'a>(&'a self, username: &'a str, password: &'a str) -> Renewal<'a> {
                #body
            }
        }
    }
}

/// `?name=value&...` for the operation's constant query pairs (empty without any), encoded
/// as `application/x-www-form-urlencoded` by `form_urlencoded`, the encoder behind
/// `reqwest`'s `query`.
fn constant_query_text(op: &OperationModel) -> String {
    if op.constant_query.is_empty() {
        return String::new();
    }
    let pairs = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&op.constant_query)
        .finish();
    format!("?{pairs}")
}

/// The request path with query, as shown in docs: `POST /api/x?action=y`.
fn display_path(op: &OperationModel) -> String {
    format!("{} {}", op.http_method, path_with_query(op))
}

/// The path template with the constant query pairs, e.g. `/api/vcenter/iso/image?action=mount`.
fn path_with_query(op: &OperationModel) -> String {
    let mut path = op.path_template.clone();
    for (i, (name, value)) in op.constant_query.iter().enumerate() {
        path.push(if i == 0 { '?' } else { '&' });
        path.push_str(name);
        if !value.is_empty() {
            path.push('=');
            path.push_str(value);
        }
    }
    path
}

fn status_label(status: Option<StatusMatch>) -> String {
    match status {
        Some(StatusMatch::Code(code)) => code.to_string(),
        Some(StatusMatch::Range(digit)) => format!("{digit}XX"),
        None => "any other status".to_string(),
    }
}

fn operation_doc(op: &OperationModel) -> String {
    let mut doc = String::new();
    if let Some(summary) = &op.summary {
        doc.push_str(summary.trim());
        doc.push_str("\n\n");
    }
    if let Some(description) = &op.description {
        doc.push_str(description.trim());
        doc.push_str("\n\n");
    }
    doc.push_str(&format!("`{}`\n", display_path(op)));
    let documented_params: Vec<&ParamModel> = op.params.iter().collect();
    if !documented_params.is_empty() || op.body.is_some() || op.auth == Auth::Basic {
        doc.push_str("\n# Arguments\n\n");
        for param in documented_params {
            let text = param.doc.as_deref().unwrap_or("").trim().replace('\n', " ");
            let mut line = format!("- `{}`: {text}", display_ident(&param.ident));
            if let Some(resource) = &param.resource_type {
                if !text.contains(resource.as_str()) {
                    line.push_str(&format!(
                        " An identifier of the resource type `{resource}`."
                    ));
                }
            }
            doc.push_str(line.trim_end());
            doc.push('\n');
        }
        if let Some(body) = &op.body {
            let text = body.doc.as_deref().unwrap_or("The request body.").trim();
            doc.push_str(&format!("- `body`: {}\n", text.replace('\n', " ")));
        }
        if op.auth == Auth::Basic {
            doc.push_str("- `username`, `password`: sent with HTTP basic authentication.\n");
        }
    }
    doc.push_str("\n# Returns\n\n");
    match (&op.session_action, &op.success.body) {
        (Some(SessionAction::Create), _) => doc.push_str(
            "The new session id, which the client also keeps and sends with every later call \
             that needs a session.",
        ),
        (_, None) => doc.push_str("Nothing, on success."),
        (_, Some(_)) => {
            let text = op
                .success
                .doc
                .as_deref()
                .unwrap_or("The response body.")
                .trim();
            doc.push_str(text);
            if let Some(resource) = &op.success.resource_type {
                if !text.contains(resource.as_str()) {
                    doc.push_str(&format!(
                        " An identifier of the resource type `{resource}`."
                    ));
                }
            }
        }
    }
    if op.session_action == Some(SessionAction::Delete) {
        doc.push_str(" The client forgets its session.");
    }
    doc.push_str("\n\n# Errors\n\n");
    for case in &op.errors {
        let text = case.doc.as_deref().unwrap_or("").trim();
        let what = if case.has_body {
            "[`Error::Api`]"
        } else {
            "[`Error::UnexpectedStatus`]"
        };
        let mut line = format!("- {}: {what}", status_label(case.status));
        let text_lines: Vec<&str> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        match text_lines.as_slice() {
            [] => {}
            [one] => line.push_str(&format!(". {one}")),
            many => {
                for l in many {
                    line.push_str(&format!("\n  - {l}"));
                }
            }
        }
        doc.push_str(&line);
        doc.push('\n');
    }
    if !op.errors.iter().any(|case| case.status.is_none()) {
        doc.push_str("- any other status: [`Error::UnexpectedStatus`]\n");
    }
    if let Auth::Session { required: true, .. } = op.auth {
        doc.push_str("- [`Error::NoSession`] when the client has no session.\n");
    }
    if op.params.iter().any(|p| p.location == ParamLocation::Path) {
        doc.push_str("- [`Error::InvalidArgument`] when a path argument is empty, `.` or `..`.\n");
    }
    doc.push_str("- [`Error::Transport`], [`Error::Decode`] and [`Error::BodyTooLarge`] as for every call.\n");
    doc
}

/// The type a parameter has in the method's signature.
fn param_type(param: &ParamModel) -> TokenStream {
    let inner = match &param.ty {
        TypeRef::String | TypeRef::DateTime => quote! { &str },
        TypeRef::Vec(item) => {
            let item = type_tokens(item, Scope::Crate);
            quote! { &[#item] }
        }
        ty @ (TypeRef::Named(_) | TypeRef::Map(_) | TypeRef::JsonObject | TypeRef::Json) => {
            let ty = type_tokens(ty, Scope::Crate);
            quote! { &#ty }
        }
        other => type_tokens(other, Scope::Crate),
    };
    if param.required {
        inner
    } else {
        quote! { Option<#inner> }
    }
}

/// An expression for one scalar value as text (`&str` or `String`). `value` is the argument
/// itself (a `&str` for text) or, with `item`, a reference to an element of a list argument.
fn value_text(kind: ScalarText, value: TokenStream, item: bool) -> TokenStream {
    match kind {
        ScalarText::Str if !item => value,
        ScalarText::Str | ScalarText::AsStr => quote! { #value.as_str() },
        ScalarText::Display => quote! { #value.to_string() },
    }
}

/// The comma-separated text of a list argument (`simple` style, or `form` not exploded).
fn joined_text(kind: ScalarText, list: TokenStream) -> TokenStream {
    let each = value_text(kind, quote! { value }, true);
    quote! { #list.iter().map(|value| #each).collect::<Vec<_>>().join(",") }
}

/// The path segment text of a path argument, percent-encoded (each element of a list on its
/// own, joined by literal commas).
fn path_piece(param: &ParamModel) -> TokenStream {
    let arg = ident(&param.ident);
    let wire = &param.wire_name;
    match param.send {
        SendAs::List(kind) => {
            let each = match value_text(kind, quote! { value }, true) {
                text if kind == ScalarText::Display => quote! { &#text },
                text => text,
            };
            quote! {
                &#arg
                    .iter()
                    .map(|value| crate::runtime::path::encode_path_segment(#wire, #each))
                    .collect::<Result<Vec<_>, _>>()?
                    .join(",")
            }
        }
        SendAs::Scalar(kind) => {
            let text = match value_text(kind, quote! { #arg }, false) {
                text if kind == ScalarText::Display => quote! { &#text },
                text => text,
            };
            quote! { &crate::runtime::path::encode_path_segment(#wire, #text)? }
        }
        // The check pass keeps objects out of the path.
        SendAs::Object => quote! { "" },
    }
}

/// The statement that adds a query or header argument to `request`.
fn add_param(param: &ParamModel) -> TokenStream {
    let arg = ident(&param.ident);
    let wire = &param.wire_name;
    let add = |value: TokenStream| match param.location {
        ParamLocation::Query => quote! { request = request.query(&[(#wire, #value)]); },
        _ => quote! { request = request.header(#wire, #value); },
    };
    let value = if param.required {
        quote! { #arg }
    } else {
        quote! { value }
    };
    let statement = match param.send {
        SendAs::Scalar(kind) => add(value_text(kind, value.clone(), false)),
        SendAs::List(kind) if param.explode && param.location == ParamLocation::Query => {
            let each = add(value_text(kind, quote! { item }, true));
            quote! {
                for item in #value {
                    #each
                }
            }
        }
        SendAs::List(kind) => add(joined_text(kind, value.clone())),
        SendAs::Object => {
            let explode = param.explode;
            let deep = param.deep_object;
            quote! {
                for (name, text) in crate::runtime::query::object_pairs(#wire, #value, #explode, #deep)? {
                    request = request.query(&[(name, text)]);
                }
            }
        }
    };
    if param.required {
        statement
    } else {
        quote! {
            if let Some(value) = #arg {
                #statement
            }
        }
    }
}

fn status_patterns(statuses: &[StatusMatch]) -> TokenStream {
    let patterns = statuses.iter().map(|status| match status {
        StatusMatch::Code(code) => {
            let code = Literal::u16_unsuffixed(*code);
            quote! { #code }
        }
        StatusMatch::Range(digit) => {
            let low = Literal::u16_unsuffixed(digit.saturating_mul(100));
            let high = Literal::u16_unsuffixed(digit.saturating_mul(100).saturating_add(99));
            quote! { #low..=#high }
        }
    });
    quote! { #(#patterns)|* }
}

fn operation_method(op: &OperationModel) -> TokenStream {
    let doc = doc_attrs(&operation_doc(op));
    let name = ident(&op.method_name);
    let deprecated = op.deprecated.then(|| quote! { #[deprecated] });

    // Signature.
    let mut args: Vec<TokenStream> = op
        .params
        .iter()
        .map(|param| {
            let name = ident(&param.ident);
            let ty = param_type(param);
            quote! { #name: #ty }
        })
        .collect();
    if let Some(body) = &op.body {
        let ty = type_tokens(&body.ty, Scope::Crate);
        args.push(if body.required {
            quote! { body: &#ty }
        } else {
            quote! { body: Option<&#ty> }
        });
    }
    if op.auth == Auth::Basic {
        args.push(quote! { username: &str });
        args.push(quote! { password: &str });
    }
    let error_body = match &op.error_body {
        Some(ty) => type_tokens(ty, Scope::Crate),
        None => quote! { serde_json::Value },
    };
    let success_type = match (&op.session_action, &op.success.body) {
        (Some(SessionAction::Create), _) => quote! { crate::runtime::client::SessionId },
        (_, Some(ty)) => type_tokens(ty, Scope::Crate),
        (_, None) => quote! { () },
    };

    // The path: a literal, or the concatenation of its pieces with each parameter
    // percent-encoded. Constant query pairs (`?action=mount`) are part of it, encoded here
    // once rather than by `reqwest` on every call.
    let constant_query = constant_query_text(op);
    let has_path_params = op.path.iter().any(|p| matches!(p, PathPart::Param(_)));
    let path_stmt = if has_path_params {
        let query_piece = (!constant_query.is_empty()).then(|| quote! { #constant_query });
        let pieces = op.path.iter().filter_map(|part| match part {
            PathPart::Literal(text) => Some(quote! { #text }),
            PathPart::Param(index) => op.params.get(*index).map(path_piece),
        });
        let pieces = pieces.chain(query_piece);
        quote! { let path = [#(#pieces),*].concat(); }
    } else {
        let path = format!("{}{constant_query}", op.path_template);
        quote! { let path = #path; }
    };
    let path_arg = if has_path_params {
        quote! { &path }
    } else {
        quote! { path }
    };

    let method = ident(&op.http_method);
    let mut chain = vec![quote! { self.request(reqwest::Method::#method, #path_arg) }];
    let added: Vec<TokenStream> = op
        .params
        .iter()
        .filter(|param| param.location != ParamLocation::Path)
        .map(add_param)
        .collect();
    if op.auth == Auth::Basic {
        chain.push(quote! { .basic_auth(username, Some(password)) });
    }
    let build = if added.is_empty() {
        quote! { let request = #(#chain)*; }
    } else {
        quote! {
            let mut request = #(#chain)*;
            #(#added)*
        }
    };
    let (session_header, session_required) = match &op.auth {
        Auth::Session { header, required } => (quote! { Some(#header) }, *required),
        _ => (quote! { None }, false),
    };
    let operation_name = display_ident(&op.method_name);
    let http_method = op.http_method.as_str();
    let path_template = path_with_query(op);
    let renews_session = op.session_action.is_none();
    let body = match &op.body {
        Some(body) => {
            let encode = match body.encoding {
                BodyEncoding::Json => {
                    quote! { crate::runtime::json_body::json_body(request, body)? }
                }
                BodyEncoding::Form => quote! { request.form(body) },
            };
            if body.required {
                quote! { let request = #encode; }
            } else {
                quote! {
                    let request = match body {
                        Some(body) => #encode,
                        None => request,
                    };
                }
            }
        }
        None => TokenStream::new(),
    };

    // The answer.
    let success_patterns = status_patterns(&op.success.statuses);
    let success_arm = match (&op.session_action, &op.success.body) {
        (Some(SessionAction::Create), _) => quote! {
            {
                let status = response.status().as_u16();
                let id: String = self.read_json(response).await?;
                match crate::runtime::client::SessionId::new(id) {
                    Some(session) => {
                        self.set_session(session.clone());
                        Ok(session)
                    }
                    None => Err(Error::Decode {
                        status,
                        excerpt: String::from("(the session id is withheld)"),
                        source: serde::de::Error::custom(
                            "the session id is empty or not visible ASCII, so it cannot be sent in a header",
                        ),
                    }),
                }
            }
        },
        (Some(SessionAction::Delete), _) => quote! {
            {
                self.clear_session();
                Ok(())
            }
        },
        (None, Some(_)) => quote! { self.read_json(response).await },
        (None, None) => quote! { Ok(()) },
    };
    let mut arms = vec![quote! { #success_patterns => #success_arm, }];
    let mut codes: Vec<(StatusMatch, bool)> = op
        .errors
        .iter()
        .filter_map(|case| case.status.map(|status| (status, case.has_body)))
        .collect();
    // Single codes before ranges, so that `404` wins over `4XX`.
    codes.sort_by_key(|(status, _)| matches!(status, StatusMatch::Range(_)));
    let default = op.errors.iter().find(|case| case.status.is_none());
    for has_body in [true, false] {
        let statuses: Vec<StatusMatch> = codes
            .iter()
            .filter(|(_, body)| *body == has_body)
            .map(|(status, _)| *status)
            .collect();
        let falls_through = default.map_or(!has_body, |d| d.has_body == has_body);
        if statuses.is_empty() || falls_through {
            continue;
        }
        let patterns = status_patterns(&statuses);
        arms.push(if has_body {
            quote! { #patterns => Err(self.api_error(response).await), }
        } else {
            quote! { #patterns => Err(self.unexpected_status(response).await), }
        });
    }
    let fallback = match default {
        Some(case) if case.has_body => quote! { _ => Err(self.api_error(response).await), },
        _ => quote! { _ => Err(self.unexpected_status(response).await), },
    };
    // Documented codes with a body, when `default` has a body too, share its arm.
    arms.push(fallback);

    quote! {
        #doc
        #deprecated
        pub async fn #name(&self, #(#args),*) -> Result<#success_type, Error<#error_body>> {
            const CALL: crate::runtime::send::Call = crate::runtime::send::Call {
                operation: #operation_name,
                method: #http_method,
                path: #path_template,
                session_header: #session_header,
                session_required: #session_required,
                renews_session: #renews_session,
            };
            self.traced(&CALL, async {
                #path_stmt
                #build
                #body
                let response = self.send(&CALL, request).await?;
                match response.status().as_u16() {
                    #(#arms)*
                }
            })
            .await
        }
    }
}
