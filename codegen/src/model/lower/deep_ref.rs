//! `$ref`s to a node inside another (`#/components/schemas/Disk/properties/filesystem`,
//! `#/paths/~1vms/get/parameters/0`): the node is found by its JSON pointer in the document and
//! read as what the reference must name; a schema is lowered once per pointer. Chains of such
//! references are followed through the one resolver's rules (`refs.rs`: RFC 6901, percent
//! decoding, cycles and dangling links refused).

use std::collections::BTreeSet;

use openapiv3::Schema;
use serde::de::DeserializeOwned;

use super::{child, ModelBuilder};
use crate::diagnostic::{Diagnostic, DiagnosticKind};
use crate::model::refs::{self, RefError};
use crate::names::pascal_ident;

/// Words of a pointer that say where a node sits rather than what it is; left out of the name
/// of its type.
const STRUCTURAL: &[&str] = &[
    "components",
    "schemas",
    "properties",
    "paths",
    "content",
    "schema",
    "application/json",
];

impl ModelBuilder<'_> {
    /// The document as a JSON tree, to find nodes by pointer; made on the first deep reference.
    fn document_tree(&self) -> &serde_json::Value {
        self.document_tree
            .get_or_init(|| serde_json::to_value(self.document).unwrap_or_default())
    }

    /// The node a local reference names, following references to other inner nodes; stops at a
    /// reference to a whole component of `section`, which it returns instead.
    pub(super) fn deep_node<T: DeserializeOwned>(
        &self,
        reference: &str,
        section: &str,
        ref_pointer: &str,
    ) -> Result<DeepNode<T>, Diagnostic> {
        let mut seen = BTreeSet::new();
        let mut current = reference.to_string();
        loop {
            let pointer = refs::local_pointer(&current)
                .map_err(|err| self.ref_error(err, &current, ref_pointer))?;
            if !seen.insert(pointer.clone()) {
                return Err(self.ref_error(RefError::Cycle, reference, ref_pointer));
            }
            let Some(node) = self.document_tree().pointer(&pointer) else {
                return Err(self.ref_error(RefError::Dangling, &current, ref_pointer));
            };
            if let Some(next) = node.get("$ref").and_then(serde_json::Value::as_str) {
                if refs::component_key(next, section).is_ok() {
                    return Ok(DeepNode::Component(next.to_string()));
                }
                current = next.to_string();
                continue;
            }
            let item = serde_json::from_value(node.clone()).map_err(|err| {
                self.error(
                    &pointer,
                    DiagnosticKind::Invalid {
                        what: format!(
                            "the reference {reference:?} names this node, which is not a valid \
                             {} object: {err}",
                            singular(section)
                        ),
                    },
                )
            })?;
            return Ok(DeepNode::Item { pointer, item });
        }
    }

    /// The Rust type of the schema a reference to an inner node names: one named type per
    /// pointer, named from the pointer (`Disk/properties/filesystem` -> `DiskFilesystem`).
    /// `at` is the pointer of the node that holds the `$ref`.
    pub(super) fn deep_schema_ref(
        &mut self,
        reference: &str,
        at: &str,
    ) -> Result<String, Diagnostic> {
        let ref_pointer = child(at, "$ref");
        // A whole component of another kind (a response, a parameter, ...) reads as a schema
        // with no type, and would silently be any value: say what it is.
        if let Ok(pointer) = refs::local_pointer(reference) {
            if let [components, kind, _] = crate::diagnostic::pointer_tokens(&pointer).as_slice() {
                if components == "components" && kind != "schemas" {
                    return Err(self.error(
                        &ref_pointer,
                        DiagnosticKind::Invalid {
                            what: format!(
                                "the schema's `$ref` {reference:?} points at a component of \
                                 `{kind}`, not at a schema"
                            ),
                        },
                    ));
                }
            }
        }
        let typed = refs::local_pointer(reference)
            .ok()
            .and_then(|pointer| Some((typed_schema(self.document, &pointer)?.clone(), pointer)));
        let (pointer, schema) = match typed {
            // Read from the typed document where it can be: properties keep their order.
            Some((schema, pointer)) => (pointer, schema),
            None => match self.deep_node::<Schema>(reference, "schemas", &ref_pointer)? {
                DeepNode::Component(component) => return self.resolve_schema_ref(&component, at),
                DeepNode::Item { pointer, item } => (pointer, item),
            },
        };
        if let Some(name) = self
            .deep_types
            .get(&pointer)
            .or_else(|| self.inline_types.get(&pointer))
        {
            return Ok(name.clone());
        }
        let words: Vec<String> = pointer
            .split('/')
            .map(refs::unescape)
            .filter(|word| !word.is_empty() && !STRUCTURAL.contains(&word.as_str()))
            .collect();
        let name = self.type_names.claim(&pascal_ident(&words.join("_")));
        // Claimed before lowering, so that a node that refers to itself ends here.
        self.deep_types.insert(pointer.clone(), name.clone());
        let def = self.named_type(&name, &name, &schema, &pointer)?;
        self.types.insert(name.clone(), def);
        Ok(name)
    }
}
/// What a chain of references to inner nodes ends at.
pub(super) enum DeepNode<T> {
    /// A reference to a whole component, for the component resolver.
    Component(String),
    /// The node, read.
    Item { pointer: String, item: T },
}

fn singular(section: &str) -> &str {
    match section {
        "schemas" => "schema",
        "parameters" => "parameter",
        "requestBodies" => "request body",
        "responses" => "response",
        other => other,
    }
}

/// The schema at `pointer` when it is reached from a component schema through `properties`,
/// `items` and `additionalProperties` alone, without a `$ref` on the way (the common case,
/// `#/components/schemas/Disk/properties/filesystem`); `None` otherwise.
fn typed_schema<'d>(document: &'d openapiv3::OpenAPI, pointer: &str) -> Option<&'d Schema> {
    use openapiv3::{AdditionalProperties, SchemaKind, Type};
    let mut tokens = pointer.split('/').skip(1).map(refs::unescape);
    if tokens.next()? != "components" || tokens.next()? != "schemas" {
        return None;
    }
    let key = tokens.next()?;
    let mut current: &Schema = document.components.as_ref()?.schemas.get(&key)?.as_item()?;
    while let Some(token) = tokens.next() {
        let next = match (token.as_str(), &current.schema_kind) {
            ("properties", SchemaKind::Type(Type::Object(object))) => {
                object.properties.get(&tokens.next()?)?.as_item()?.as_ref()
            }
            ("items", SchemaKind::Type(Type::Array(array))) => {
                array.items.as_ref()?.as_item()?.as_ref()
            }
            (
                "additionalProperties",
                SchemaKind::Type(Type::Object(openapiv3::ObjectType {
                    additional_properties: Some(AdditionalProperties::Schema(schema)),
                    ..
                })),
            ) => schema.as_item()?,
            _ => return None,
        };
        current = next;
    }
    Some(current)
}
