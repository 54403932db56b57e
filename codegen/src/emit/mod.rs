//! From the model to Rust: one token stream per generated source file, plus the crate's
//! manifest. This room knows Rust and the runtime's helpers; it never reads the OpenAPI document.

use std::ops::Range;

use proc_macro2::{Delimiter, Ident, Span, TokenStream, TokenTree};
use quote::quote;

use crate::docs::rustdoc_text;
use crate::model::{
    ApiModel, Auth, BodyEncoding, ErrorShape, FieldModel, FormModel, FormWriter, Gate, Nullable,
    OperationModel, ParamLocation, ParamModel, PathPart, ResponseBody, ScalarText, SchemeKind,
    SendAs, SessionAction, StatusMatch, TypeDef, TypeKind, TypeRef, UnionModel, FULL_FEATURE,
    SERDE_ALL_FEATURE,
};
use crate::names::display_ident;
use crate::scope::RUNTIME_SOURCES;

mod krate;
mod operation_doc;
mod operations;
mod record;
mod responses;
mod types;

use krate::{crate_doc, lib_rs, manifest, runtime_modules};
use operation_doc::{constant_query_text, operation_doc, path_with_query};
use operations::{operation_method, operations_prelude};
pub use record::Record;
use responses::response_enums;
use types::{type_def, unnamed_error_bodies};

/// `#[cfg(...)]` for an item compiled only with some features; nothing for one always compiled.
fn cfg_attr(gate: &Gate) -> TokenStream {
    match gate {
        Gate::Always => TokenStream::new(),
        Gate::Features(features) => match features.as_slice() {
            [one] => quote! { #[cfg(feature = #one)] },
            many => quote! { #[cfg(any(#(feature = #many),*))] },
        },
    }
}

/// `#![cfg_attr(not(any(<every feature>)), allow(dead_code))]`, for the modules of the client's
/// machinery (the runtime, the session renewal): a build with no feature on compiles no
/// operation that reads a response or renews a session, so that machinery is unused there by
/// design. Builds with any feature keep every dead-code warning. Nothing without features.
/// A model with no operations at all (the spec has none that can be generated) has a client
/// with no methods, and its machinery is unused in every build.
fn unused_without_features(model: &ApiModel) -> TokenStream {
    if model.operations.is_empty() {
        return quote! { #![allow(dead_code)] };
    }
    if model.features.is_empty() {
        return TokenStream::new();
    }
    let names = model.features.iter().map(|f| f.name.as_str());
    quote! { #![cfg_attr(not(any(#(feature = #names),*)), allow(dead_code))] }
}

/// `items` (a sequence of items, each with its attributes) with `gate`'s `#[cfg]` on each, after
/// its doc comment: an item ends at a `;` or a `{ ... }` block at its top level (and a `;` right
/// after the block). Applied outside the emitters, so that they need not know about features.
fn gated(gate: &Gate, items: TokenStream) -> TokenStream {
    let cfg = cfg_attr(gate);
    if cfg.is_empty() {
        return items;
    }
    let is_doc = |token: Option<&TokenTree>| match token {
        Some(TokenTree::Group(group)) if group.delimiter() == Delimiter::Bracket => matches!(
            group.stream().into_iter().next(),
            Some(TokenTree::Ident(name)) if name == "doc"
        ),
        _ => false,
    };
    let mut out = TokenStream::new();
    let mut at_start = true;
    let mut tokens = items.into_iter().peekable();
    while let Some(token) = tokens.next() {
        if at_start {
            let doc_attr = matches!(&token, TokenTree::Punct(p) if p.as_char() == '#')
                && is_doc(tokens.peek());
            if doc_attr {
                out.extend([token]);
                out.extend(tokens.next());
                continue;
            }
            out.extend(cfg.clone());
            at_start = false;
        }
        let ends = match &token {
            TokenTree::Punct(punct) => punct.as_char() == ';',
            TokenTree::Group(group) => group.delimiter() == Delimiter::Brace,
            _ => false,
        };
        let is_block = matches!(&token, TokenTree::Group(_));
        out.extend([token]);
        if ends {
            if is_block {
                if let Some(TokenTree::Punct(semi)) = tokens.peek() {
                    if semi.as_char() == ';' {
                        out.extend(tokens.next());
                    }
                }
            }
            at_start = true;
        }
    }
    out
}

/// The text of the runtime file `module`.
fn runtime_text(module: &str) -> &'static str {
    RUNTIME_SOURCES
        .iter()
        .find(|(name, _)| *name == module)
        .map_or("", |(_, text)| text)
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
    /// `Cargo.toml`, written from the record of what the code uses ([`manifest_text`]).
    Manifest,
    /// The runtime files the code uses, `src/runtime/<module>.rs` each ([`runtime_files`]).
    RuntimeFiles,
}

impl Part {
    /// Whether the part is written from the record of what every other part uses: `lib.rs`
    /// (its re-exports) and `runtime/mod.rs`.
    pub fn reads_the_record(&self) -> bool {
        matches!(self, Part::Lib | Part::RuntimeModules)
    }
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
    /// The operations' own types: response and error enums, multipart forms.
    ResponseEnums,
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
    /// The package name.
    pub crate_name: String,
    /// Every file, in a fixed order.
    pub files: Vec<EmittedFile>,
}

/// The tokens of one part. `record` is what the other parts use (see [`Record`]): only the
/// parts that [read it](Part::reads_the_record) look at it, and they are emitted last.
pub fn part_tokens(model: &ApiModel, part: &Part, record: &Record) -> TokenStream {
    match part {
        Part::Lib => lib_rs(record),
        Part::RuntimeModules => runtime_modules(model, record),
        Part::Types(range) => {
            let defs = model.types.get(range.clone()).unwrap_or_default();
            let items = defs.iter().map(|def| gated(&def.gate, type_def(def)));
            quote! { #(#items)* }
        }
        Part::UnnamedErrorBodies => unnamed_error_bodies(model),
        Part::ResponseEnums => response_enums(model),
        Part::OperationsPrelude => operations_prelude(model),
        Part::Methods(range) => {
            let ops = model.operations.get(range.clone()).unwrap_or_default();
            let methods = ops.iter().map(|op| gated(&op.gate, operation_method(op)));
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
    model.version = rustdoc_text(&model.version);
    fix(&mut model.description);
    for feature in &mut model.features {
        fix(&mut feature.doc);
    }
    for ty in &mut model.types {
        fix(&mut ty.doc);
        if let TypeKind::Struct { fields } = &mut ty.kind {
            for field in fields {
                fix(&mut field.doc);
            }
        }
        if let TypeKind::Union(union) = &mut ty.kind {
            for variant in &mut union.variants {
                fix(&mut variant.doc);
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
            for part in body
                .multipart
                .iter_mut()
                .flat_map(|form| form.fields.iter_mut())
            {
                fix(&mut part.doc);
            }
        }
        for case in &mut op.errors {
            fix(&mut case.doc);
        }
        for note in &mut op.notes {
            *note = rustdoc_text(note);
        }
        let enums = op
            .success
            .responses
            .iter_mut()
            .chain(op.error_enum.iter_mut());
        for variant in enums.flat_map(|e| e.variants.iter_mut()) {
            fix(&mut variant.doc);
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
    if model.operations.iter().any(responses::has_operation_types) {
        types.push(Part::ResponseEnums);
    }
    let mut files = vec![
        EmittedFile::Manifest,
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
    files.push(EmittedFile::RuntimeFiles);
    EmittedCrate {
        model,
        crate_name: settings.crate_name.to_string(),
        files,
    }
}

/// `Cargo.toml`: its `reqwest` features and optional dependencies are those the record holds.
pub fn manifest_text(model: &ApiModel, crate_name: &str, record: &Record) -> String {
    manifest(model, crate_name, record)
}

/// The runtime files the record holds: path, text and the generator file it is copied from.
pub fn runtime_files(record: &Record) -> Vec<(String, &'static str, String)> {
    record
        .runtime_files()
        .map(|(module, _)| {
            (
                format!("src/runtime/{module}.rs"),
                runtime_text(module),
                format!("codegen/runtime/{module}.rs"),
            )
        })
        .collect()
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
    // Every line end, a lone carriage return too, ends a `#[doc]` line (rustdoc refuses a bare
    // CR inside one).
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
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
        TypeRef::I128 => quote! { i128 },
        TypeRef::U32 => quote! { u32 },
        TypeRef::U64 => quote! { u64 },
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
        TypeRef::Nullable(inner) => {
            let inner = type_tokens(inner, scope);
            quote! { Option<#inner> }
        }
        TypeRef::Tuple(items) => {
            let items = items.iter().map(|item| type_tokens(item, scope));
            quote! { (#(#items,)*) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gated_puts_the_cfg_on_every_item_after_its_docs() {
        let gate = Gate::Features(vec!["a".to_string(), "b".to_string()]);
        let items = quote! {
            /// A thing.
            #[derive(Debug)]
            pub struct Thing(String);
            impl Thing { fn new() -> Self { Self(String::new()) } }
            const X: Thing = Thing { 0: String::new() };
            some::macro_call!(Thing);
        };
        let cfg = "# [cfg (any (feature = \"a\" , feature = \"b\"))]";
        let text = gated(&gate, items).to_string();
        assert_eq!(
            text,
            format!(
                "# [doc = r\" A thing.\"] {cfg} # [derive (Debug)] pub struct Thing (String) ; \
                 {cfg} impl Thing {{ fn new () -> Self {{ Self (String :: new ()) }} }} \
                 {cfg} const X : Thing = Thing {{ 0 : String :: new () }} ; \
                 {cfg} some :: macro_call ! (Thing) ;"
            )
        );
        assert_eq!(
            gated(&Gate::Always, quote! { struct A; }).to_string(),
            "struct A ;"
        );
    }
}
