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
mod responses;
mod types;

use krate::{crate_doc, lib_rs, manifest, runtime_modules};
use operation_doc::{constant_query_text, operation_doc, path_with_query};
use operations::{operation_method, operations_prelude};
use responses::{response_enums, response_helpers, ResponseHelpers};
use types::{type_def, unnamed_error_bodies};

/// A spec-independent source file copied into generated crates.
pub struct RuntimeFile {
    /// Module name; the file is `src/{module}.rs` and its text is in
    /// [`RUNTIME_SOURCES`].
    pub module: &'static str,
    /// Whether the crate's operations use it (a file nothing uses would be dead code).
    pub needed: fn(&ApiModel) -> bool,
}

/// Whether some operation of `model` reads its responses with a helper.
fn uses(model: &ApiModel, helper: fn(&ResponseHelpers) -> bool) -> bool {
    model
        .operations
        .iter()
        .any(|op| helper(&response_helpers(op)))
}

/// Whether some operation of `model` sends a body encoded as `encoding`.
fn sends(model: &ApiModel, encoding: BodyEncoding) -> bool {
    model
        .operations
        .iter()
        .any(|op| op.body.as_ref().is_some_and(|b| b.encoding == encoding))
}

/// Whether some operation sends a form body through the runtime's pair writer.
fn sends_form_pairs(model: &ApiModel) -> bool {
    model.operations.iter().any(|op| {
        op.body
            .as_ref()
            .and_then(|b| b.form.as_ref())
            .is_some_and(|form| form.writer == FormWriter::Pairs)
    })
}

/// The runtime files, in the order they are declared.
pub const RUNTIME_FILES: &[RuntimeFile] = &[
    RuntimeFile {
        module: "api_error",
        needed: |model| uses(model, |h| h.api_error),
    },
    RuntimeFile {
        module: "byte_stream",
        needed: |model| uses(model, |h| h.byte_stream),
    },
    RuntimeFile {
        module: "client",
        needed: |_| true,
    },
    RuntimeFile {
        module: "credentials",
        needed: uses_scheme_credentials,
    },
    RuntimeFile {
        module: "decode",
        needed: |model| uses(model, |h| h.read_json),
    },
    RuntimeFile {
        module: "error",
        needed: |_| true,
    },
    RuntimeFile {
        module: "error_text",
        needed: |model| uses(model, |h| h.error_text),
    },
    RuntimeFile {
        module: "error_variant",
        needed: |model| uses(model, |h| h.error_variant),
    },
    RuntimeFile {
        module: "form",
        needed: sends_form_pairs,
    },
    RuntimeFile {
        module: "header",
        needed: |model| {
            model.operations.iter().any(|op| {
                op.params
                    .iter()
                    .any(|p| p.send == SendAs::Object && p.location == ParamLocation::Header)
            })
        },
    },
    RuntimeFile {
        module: "json_body",
        needed: |model| sends(model, BodyEncoding::Json),
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
        module: "no_content",
        needed: |model| {
            model
                .operations
                .iter()
                .any(operations::accepts_empty_success)
        },
    },
    RuntimeFile {
        module: "nullable",
        needed: |model| {
            model
                .types
                .iter()
                .any(|def| reads_absent_or_null(def, true))
        },
    },
    RuntimeFile {
        module: "off_spec",
        needed: |model| model.types.iter().any(types::has_off_spec_impl),
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
            model.operations.iter().any(|op| {
                op.params
                    .iter()
                    .any(|p| p.send == SendAs::Object && p.location == ParamLocation::Query)
            })
                // The form writer writes each member as a query object is written.
                || sends_form_pairs(model)
        },
    },
    RuntimeFile {
        module: "redact",
        needed: |_| true,
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
        module: "tagged",
        needed: |model| {
            model
                .types
                .iter()
                .any(|def| matches!(&def.kind, TypeKind::Union(union) if union.tag.is_some()))
        },
    },
    RuntimeFile {
        module: "text_body",
        needed: |model| uses(model, |h| h.read_text),
    },
    RuntimeFile {
        module: "unexpected",
        needed: |model| uses(model, |h| h.unexpected),
    },
    RuntimeFile {
        module: "union",
        needed: |model| {
            model
                .types
                .iter()
                .any(|def| matches!(&def.kind, TypeKind::Union(union) if union.tag.is_none()))
        },
    },
];

/// Whether `def` is a struct with a field that may be absent or `null`, which its
/// `Deserialize` reads with `runtime::nullable` (only a type that derives `Deserialize` calls
/// it; with `one_way`, also one that derives it only under `serde-all`).
pub(crate) fn reads_absent_or_null(def: &crate::model::TypeDef, one_way: bool) -> bool {
    let TypeKind::Struct { fields } = &def.kind else {
        return false;
    };
    (def.serde.deserialize || one_way)
        && fields
            .iter()
            .any(|f| !f.required && f.nullable == Nullable::Optional)
}

/// Whether `runtime::nullable` is called only by types that derive `Deserialize` under
/// `serde-all` (types the API only sends): then the file is compiled with that feature alone.
pub(crate) fn nullable_only_with_serde_all(model: &ApiModel) -> bool {
    !model
        .types
        .iter()
        .any(|def| reads_absent_or_null(def, false))
}

/// Whether an operation sends credentials the user gives per security scheme.
pub(crate) fn uses_scheme_credentials(model: &ApiModel) -> bool {
    model
        .operations
        .iter()
        .any(|op| matches!(op.auth, Auth::Schemes { .. }))
}

/// The model as a build with only `feature` on sees it (`None`: no feature at all): the
/// operations and types that build compiles.
fn compiled_part(model: &ApiModel, feature: Option<&str>) -> ApiModel {
    ApiModel {
        title: String::new(),
        version: String::new(),
        description: None,
        types: model
            .types
            .iter()
            .filter(|def| def.gate.compiled_with(feature))
            .cloned()
            .collect(),
        operations: model
            .operations
            .iter()
            .filter(|op| op.gate.compiled_with(feature))
            .cloned()
            .collect(),
        conventions: model.conventions.clone(),
        features: Vec::new(),
    }
}

/// The runtime files the crate has, each with the features that compile it: the same
/// `needed` predicates, asked of what each feature alone compiles. A file the build without
/// features needs is always compiled; one that only the types of `full` need, by `full`.
fn runtime_gates(model: &ApiModel) -> Vec<(&'static str, Gate)> {
    let needed = RUNTIME_FILES.iter().filter(|r| (r.needed)(model));
    if model.features.is_empty() {
        return needed.map(|r| (r.module, Gate::Always)).collect();
    }
    let base = compiled_part(model, None);
    let parts: Vec<(&str, ApiModel)> = model
        .features
        .iter()
        .map(|f| (f.name.as_str(), compiled_part(model, Some(&f.name))))
        .collect();
    needed
        .map(|runtime| {
            if (runtime.needed)(&base) {
                return (runtime.module, Gate::Always);
            }
            let mut features: Vec<String> = parts
                .iter()
                .filter(|(_, part)| (runtime.needed)(part))
                .map(|(name, _)| name.to_string())
                .collect();
            if features.is_empty() {
                features.push(FULL_FEATURE.to_string());
            }
            features.sort();
            (runtime.module, Gate::Features(features))
        })
        .collect()
}

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
fn unused_without_features(model: &ApiModel) -> TokenStream {
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

/// Whether the crate has the runtime file `module`.
fn has_runtime(model: &ApiModel, module: &str) -> bool {
    RUNTIME_FILES
        .iter()
        .any(|runtime| runtime.module == module && (runtime.needed)(model))
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
