//! Lowering: the OpenAPI document to the IR. Operations are lowered first (only the selected
//! ones), and a component schema only when something lowered refers to it, so a construct in a
//! component that no selected operation reaches never stops generation. Problems are collected,
//! not thrown: a broken operation or component is skipped and lowering goes on, so one run
//! reports every problem of the spec.

mod auth;
mod body;
mod compose;
mod deep_ref;
mod operation;
mod parameters;
mod schema;

use std::collections::{BTreeMap, BTreeSet};

use openapiv3::{OpenAPI, ReferenceOr};

use super::ir::{OperationModel, TypeDef, ID_TYPES_EXTENSION, NAME_EXTENSION};
use super::refs::RefError;
use super::select::Selection;
use crate::diagnostic::{push_pointer, Diagnostic, DiagnosticKind, Fallback};
use crate::load::LoadedSpec;
use crate::names::{pascal_ident, Namespace};
use crate::scope::TYPES_SCOPE_NAMES;

/// What lowering produces: the operations and every named type they reach.
pub struct Lowered {
    /// Rust type name -> definition.
    pub types: BTreeMap<String, TypeDef>,
    /// Operations, in document order.
    pub operations: Vec<OperationModel>,
    /// Every problem that stops generation, in the order found.
    pub diagnostics: Vec<Diagnostic>,
    /// Every node that degraded (an untyped value, an operation left out), in the order found.
    pub warnings: Vec<Diagnostic>,
    /// The type names handed out, for the passes that add a type (`conventions`).
    pub type_names: Namespace,
}

/// Who a `$ref` was followed for: an operation (by its index among the selected ones) or a
/// component schema (by key). Kept to name the operations that reach a broken component.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Owner {
    Operation(usize),
    Component(String),
}

struct ModelBuilder<'a> {
    spec: &'a LoadedSpec,
    document: &'a OpenAPI,
    /// Component schema key -> Rust type name, for every component (so that names do not
    /// depend on the selection).
    component_names: BTreeMap<String, String>,
    type_names: Namespace,
    /// Rust type name -> definition.
    types: BTreeMap<String, TypeDef>,
    /// Components referred to but not lowered yet.
    pending: BTreeSet<String>,
    /// Components lowered (or being lowered).
    lowered: BTreeSet<String>,
    /// What is being lowered now, and the components each owner refers to.
    owner: Owner,
    uses: BTreeMap<Owner, BTreeSet<String>>,
    /// The `--exclude` pattern of each selected operation, by index.
    selectors: Vec<String>,
    /// How many inline schemas deep the builder is.
    depth: usize,
    /// Resource type -> Rust name wanted for its id type (`x-codegen-id-types`).
    id_names: BTreeMap<String, String>,
    /// Resource type -> Rust name of its id type, once claimed.
    id_types: BTreeMap<String, String>,
    /// Whether the document's operationIds are unique, as OpenAPI requires: then a method is
    /// named from its operationId alone (README, "Method names").
    ids_unique: bool,
    /// The document as a JSON tree, for references to inner nodes (made on the first one).
    document_tree: std::cell::OnceCell<serde_json::Value>,
    /// JSON pointer of a schema inside another node -> the Rust type lowered from it.
    deep_types: BTreeMap<String, String>,
    /// JSON pointer of an inline object or enum -> its Rust type (the first lowering of it),
    /// for references to it.
    inline_types: BTreeMap<String, String>,
    diagnostics: Vec<Diagnostic>,
    warnings: Vec<Diagnostic>,
}

/// Lowers the selected operations of `spec` and the types they reach.
pub fn lower(spec: &LoadedSpec, selection: &Selection) -> Lowered {
    let mut builder = ModelBuilder::new(spec);
    let operations = builder.operations(selection);
    builder.drain_components();
    Lowered {
        types: builder.types,
        operations,
        diagnostics: builder.diagnostics,
        warnings: builder.warnings,
        type_names: builder.type_names,
    }
}

impl<'a> ModelBuilder<'a> {
    fn new(spec: &'a LoadedSpec) -> Self {
        let document = &spec.document;
        let mut type_names = Namespace::with_reserved(TYPES_SCOPE_NAMES);
        let mut component_names = BTreeMap::new();
        let diagnostics = Vec::new();
        let mut warnings = Vec::new();
        let mut id_names = BTreeMap::new();
        if let Some(components) = &document.components {
            let keys: BTreeSet<&String> = components.schemas.keys().collect();
            for key in keys {
                let wanted = match components.schemas.get(key) {
                    Some(ReferenceOr::Item(schema)) => {
                        schema::name_override(&schema.schema_data.extensions)
                            .map_or_else(|| pascal_ident(key), |name| pascal_ident(&name))
                    }
                    _ => pascal_ident(key),
                };
                let name = type_names.claim(&wanted);
                component_names.insert(key.clone(), name);
            }
            match schema::id_names(spec, &components.extensions) {
                Ok(names) => id_names = names,
                Err(diagnostic) => warnings.push(diagnostic.degraded(Fallback::Assumed {
                    what: format!(
                        "`{ID_TYPES_EXTENSION}` is ignored: id types are named from their \
                         resource types"
                    ),
                })),
            }
        }
        ModelBuilder {
            spec,
            document,
            component_names,
            type_names,
            types: BTreeMap::new(),
            pending: BTreeSet::new(),
            lowered: BTreeSet::new(),
            owner: Owner::Operation(0),
            uses: BTreeMap::new(),
            selectors: Vec::new(),
            depth: 0,
            id_names,
            id_types: BTreeMap::new(),
            ids_unique: operation_ids_unique(document),
            document_tree: std::cell::OnceCell::new(),
            deep_types: BTreeMap::new(),
            inline_types: BTreeMap::new(),
            diagnostics,
            warnings,
        }
    }

    fn error(&self, pointer: &str, kind: DiagnosticKind) -> Diagnostic {
        self.spec.diagnostic(pointer, kind)
    }

    /// Records `problem` as a warning: the node it points at is replaced by what `lost` says.
    fn degrade(&mut self, problem: Diagnostic, lost: Fallback) {
        self.warnings.push(problem.degraded(lost));
    }

    /// The diagnostic for a reference that cannot be followed; `pointer` is the `$ref` node.
    fn ref_error(&self, error: RefError, reference: &str, pointer: &str) -> Diagnostic {
        let reference = reference.to_string();
        self.error(
            pointer,
            match error {
                RefError::Dangling => DiagnosticKind::UnresolvedRef { reference },
                RefError::Cycle => DiagnosticKind::CyclicRef { reference },
                RefError::External => DiagnosticKind::Unsupported {
                    what: format!(
                        "the reference {reference:?} points outside this document; only local \
                         `#/components/...` references are read"
                    ),
                },
                RefError::NotAComponent => DiagnosticKind::Unsupported {
                    what: format!(
                        "the reference {reference:?}: only references to a whole component of \
                         the expected kind are read"
                    ),
                },
            },
        )
    }

    /// `node` itself with its pointer, or the component of `section` its `$ref` (or chain of
    /// them) leads to, with that component's pointer.
    fn item_or_component<'n, T: Clone + serde::de::DeserializeOwned>(
        &self,
        node: &'n ReferenceOr<T>,
        components: Option<&'n indexmap::IndexMap<String, ReferenceOr<T>>>,
        section: &str,
        pointer: &str,
    ) -> Result<(String, std::borrow::Cow<'n, T>), Diagnostic> {
        match node {
            ReferenceOr::Item(item) => Ok((pointer.to_string(), std::borrow::Cow::Borrowed(item))),
            ReferenceOr::Reference { reference } => {
                let ref_pointer = child(pointer, "$ref");
                let reference = match super::refs::resolve(components, section, reference) {
                    Ok((key, found)) => {
                        let at = child(&child("/components", section), &key);
                        return Ok((at, std::borrow::Cow::Borrowed(found)));
                    }
                    // A node inside another (`#/paths/~1vms/get/parameters/0`), or a chain
                    // through one.
                    Err(RefError::NotAComponent) => reference,
                    Err(err) => return Err(self.ref_error(err, reference, &ref_pointer)),
                };
                match self.deep_node::<T>(reference, section, &ref_pointer)? {
                    deep_ref::DeepNode::Component(component) => {
                        let (key, found) = super::refs::resolve(components, section, &component)
                            .map_err(|err| self.ref_error(err, &component, &ref_pointer))?;
                        let at = child(&child("/components", section), &key);
                        Ok((at, std::borrow::Cow::Borrowed(found)))
                    }
                    deep_ref::DeepNode::Item { pointer, item } => {
                        Ok((pointer, std::borrow::Cow::Owned(item)))
                    }
                }
            }
        }
    }

    /// Records that the current owner refers to the component `key`, and queues it.
    fn use_component(&mut self, key: &str) {
        self.uses
            .entry(self.owner.clone())
            .or_default()
            .insert(key.to_string());
        if !self.lowered.contains(key) {
            self.pending.insert(key.to_string());
        }
    }

    /// Lowers every component referred to, and what those refer to, until none is left.
    fn drain_components(&mut self) {
        while let Some(key) = self.pending.pop_first() {
            if !self.lowered.insert(key.clone()) {
                continue;
            }
            self.owner = Owner::Component(key.clone());
            if let Err(mut diagnostic) = self.component_type(&key) {
                self.add_exclude_hint(&mut diagnostic, &key);
                // The component's name stays: what refers to it holds any JSON value.
                if let Some(name) = self.component_names.get(&key).cloned() {
                    self.types
                        .insert(name.clone(), TypeDef::untyped(name, key.clone()));
                }
                self.degrade(diagnostic, Fallback::Untyped);
            }
        }
    }

    /// Names, in the warning about a component that cannot be typed, the `--exclude` patterns
    /// of the operations that reach it (leaving them out leaves the component unread).
    fn add_exclude_hint(&self, diagnostic: &mut Diagnostic, key: &str) {
        if !matches!(
            diagnostic.kind,
            DiagnosticKind::Unsupported { .. }
                | DiagnosticKind::UnresolvedRef { .. }
                | DiagnosticKind::CyclicRef { .. }
        ) {
            return;
        }
        let mut reaching = BTreeSet::new();
        let mut targets = BTreeSet::from([key.to_string()]);
        let mut grew = true;
        while grew {
            grew = false;
            for (owner, used) in &self.uses {
                if !used.iter().any(|u| targets.contains(u)) {
                    continue;
                }
                match owner {
                    Owner::Operation(index) => {
                        reaching.insert(*index);
                    }
                    Owner::Component(component) => grew |= targets.insert(component.clone()),
                }
            }
        }
        // A component many operations use would make a list longer than the message.
        const SHOWN: usize = 5;
        let patterns: Vec<String> = reaching
            .iter()
            .filter_map(|index| self.selectors.get(*index))
            .take(SHOWN)
            .map(|selector| format!("--exclude '{selector}'"))
            .collect();
        if !patterns.is_empty() {
            let more = match reaching.len().saturating_sub(SHOWN) {
                0 => String::new(),
                n => format!(" (and {n} more operations that use it)"),
            };
            diagnostic.note = Some(Box::new(format!("used by: {}{more}", patterns.join(" "))));
        }
    }
}

/// The Rust type name wanted for the id type of `resource` (see `x-codegen-id-types`).
fn id_type_wanted(id_names: &BTreeMap<String, String>, resource: &str) -> String {
    match id_names.get(resource) {
        Some(name) => pascal_ident(name),
        None => {
            let last = resource.rsplit(['.', '/', ':']).find(|s| !s.is_empty());
            pascal_ident(&format!("{}Id", last.unwrap_or("Resource")))
        }
    }
}

/// The `x-codegen-name` of an operation, schema or property, when it is a non-empty string.
fn name_extension(extensions: &indexmap::IndexMap<String, serde_json::Value>) -> Option<String> {
    match extensions.get(NAME_EXTENSION) {
        Some(serde_json::Value::String(name)) if !name.trim().is_empty() => Some(name.clone()),
        _ => None,
    }
}

/// `pointer` + `token`, for the many nested pointers lowering builds.
fn child(pointer: &str, token: &str) -> String {
    push_pointer(pointer, token)
}

/// Whether no operationId of the whole document (selected or not, so that the selection
/// renames nothing) is used twice.
fn operation_ids_unique(document: &OpenAPI) -> bool {
    let mut seen = BTreeSet::new();
    document
        .paths
        .paths
        .values()
        .filter_map(|item| match item {
            ReferenceOr::Item(item) => Some(item),
            ReferenceOr::Reference { .. } => None,
        })
        .flat_map(|item| item.iter())
        .filter_map(|(_, operation)| operation.operation_id.as_deref())
        .all(|id| seen.insert(id))
}
