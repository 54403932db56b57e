//! Cargo features: the generated crate can be compiled one part at a time, a feature per tag.
//! This pass decides which features compile each operation and each type (the types an
//! operation reaches come with it); `emit` only reads the gates it leaves in the IR.

use std::collections::{BTreeMap, BTreeSet};

use super::ir::{FeatureModel, Gate, OperationModel, PartKind, TypeDef, TypeKind, TypeRef};
use crate::names::feature_names;

/// Names a feature must not take: cargo's own `default`, `serde-all`, the `full` feature that turns every part
/// on, and the generated crate's dependencies (cargo refuses a feature named like one).
const RESERVED: &[&str] = &[
    SERDE_ALL_FEATURE,
    "default",
    "full",
    "base64",
    "bytes",
    "fastrand",
    "futures-core",
    "http",
    "http-body",
    "percent-encoding",
    "reqwest",
    "serde",
    "serde_json",
    "tokio",
    "tracing",
];

/// The feature that compiles every part, and the types no operation reaches.
pub const FULL_FEATURE: &str = "full";

/// The feature that gives every type both serde impls (see `SerdeUse`).
pub const SERDE_ALL_FEATURE: &str = "serde-all";

/// The named types `ty` mentions directly (inside lists and maps too).
fn named(ty: &TypeRef, out: &mut Vec<String>) {
    match ty {
        TypeRef::Named(name) => out.push(name.clone()),
        TypeRef::Vec(inner) | TypeRef::Map(inner) | TypeRef::Nullable(inner) => named(inner, out),
        TypeRef::Tuple(items) => {
            for item in items {
                named(item, out);
            }
        }
        _ => {}
    }
}

/// The named types an operation uses itself: parameters, request body (and multipart parts),
/// success and error bodies.
pub(super) fn operation_roots(op: &OperationModel) -> Vec<String> {
    let mut roots = sent_roots(op);
    roots.extend(received_roots(op));
    roots
}

/// The named types an operation sends: parameters, request body (and multipart parts).
pub(super) fn sent_roots(op: &OperationModel) -> Vec<String> {
    let mut roots = Vec::new();
    for param in &op.params {
        named(&param.ty, &mut roots);
    }
    if let Some(body) = &op.body {
        named(&body.ty, &mut roots);
        for field in body.multipart.iter().flat_map(|form| &form.fields) {
            if let PartKind::Value(ty) = &field.kind {
                named(ty, &mut roots);
            }
        }
    }
    roots
}

/// The named types an operation receives: success and error bodies.
pub(super) fn received_roots(op: &OperationModel) -> Vec<String> {
    let mut roots = Vec::new();
    for ty in op.success_json_types() {
        named(ty, &mut roots);
    }
    for ty in op.error_body_types() {
        named(&ty, &mut roots);
    }
    roots
}

/// Every type reachable from `roots`: through fields, union members, aliases, list and map items.
pub(super) fn reach(types: &BTreeMap<String, TypeDef>, roots: Vec<String>) -> BTreeSet<String> {
    let mut pending = roots;
    let mut reached = BTreeSet::new();
    while let Some(name) = pending.pop() {
        if reached.contains(&name) {
            continue;
        }
        match types.get(&name).map(|def| &def.kind) {
            Some(TypeKind::Struct { fields }) => {
                for field in fields {
                    named(&field.ty, &mut pending);
                }
            }
            Some(TypeKind::Alias(target)) => named(target, &mut pending),
            Some(TypeKind::Union(union)) => {
                for variant in &union.variants {
                    named(&variant.ty, &mut pending);
                }
            }
            _ => {}
        }
        reached.insert(name);
    }
    reached
}

/// One of the document's `tags`: its description, and the tag it is nested in (3.2's
/// `parent`).
#[derive(Debug, Clone)]
pub(super) struct TagDoc {
    pub(super) name: String,
    pub(super) doc: Option<String>,
    pub(super) parent: Option<String>,
}

/// The parent of each tag, where following parents from it never comes back to it (a cycle
/// is broken where it closes: the tag that would close it keeps no parent).
fn tag_parents(tag_docs: &[TagDoc]) -> BTreeMap<&str, &str> {
    let mut parents: BTreeMap<&str, &str> = BTreeMap::new();
    for tag in tag_docs {
        let Some(parent) = tag.parent.as_deref() else {
            continue;
        };
        if !tag_docs.iter().any(|t| t.name == parent) {
            continue;
        }
        let mut at = Some(parent);
        let mut closes = false;
        for _ in 0..=tag_docs.len() {
            match at {
                Some(name) if name == tag.name => {
                    closes = true;
                    break;
                }
                Some(name) => at = parents.get(name).copied(),
                None => break,
            }
        }
        if !closes {
            parents.insert(&tag.name, parent);
        }
    }
    parents
}

/// Gives every operation and type its gate and returns the crate's features (sorted by name).
/// `tag_docs` are the document's `tags` with their descriptions and parents: a tag that holds
/// others (3.2's nested tags) is a feature that turns theirs on, even with no operation of
/// its own.
///
/// An operation is compiled by the features of its tags (`untagged` without one); the session's
/// operations, which the runtime calls itself, always. A type is compiled by the features whose
/// operations reach it, always when every feature or an always-compiled operation reaches it,
/// and by `full` alone when no operation does. With fewer than two features to choose from
/// there are none: everything is always compiled.
pub(super) fn assign_features(
    tag_docs: &[TagDoc],
    types: &mut BTreeMap<String, TypeDef>,
    operations: &mut [OperationModel],
) -> Vec<FeatureModel> {
    let always = |op: &OperationModel| op.session_action.is_some();
    // Tags in the order operations first name them, so suffixes do not depend on sorting.
    let mut tags: Vec<Option<String>> = Vec::new();
    for op in operations.iter().filter(|op| !always(op)) {
        let own: Vec<Option<String>> = if op.tags.is_empty() {
            vec![None]
        } else {
            op.tags.iter().cloned().map(Some).collect()
        };
        for tag in own {
            if !tags.contains(&tag) {
                tags.push(tag);
            }
        }
    }
    let parents = tag_parents(tag_docs);
    let mut ancestor = 0;
    while ancestor < tags.len() {
        let parent = tags[ancestor]
            .as_deref()
            .and_then(|tag| parents.get(tag))
            .map(|parent| Some(parent.to_string()));
        if let Some(parent) = parent {
            if !tags.contains(&parent) {
                tags.push(parent);
            }
        }
        ancestor += 1;
    }
    if tags.len() < 2 {
        return Vec::new();
    }
    let tag_refs: Vec<Option<&str>> = tags.iter().map(Option::as_deref).collect();
    let names = feature_names(&tag_refs, RESERVED);
    let feature_of: BTreeMap<Option<&str>, &str> = tag_refs
        .iter()
        .copied()
        .zip(names.iter().map(String::as_str))
        .collect();
    let gates: Vec<Gate> = operations
        .iter()
        .map(|op| {
            if always(op) {
                return Gate::Always;
            }
            let mut features: BTreeSet<String> = op
                .tags
                .iter()
                .filter_map(|t| feature_of.get(&Some(t.as_str())))
                .map(|f| f.to_string())
                .collect();
            if op.tags.is_empty() {
                features.extend(feature_of.get(&None).map(|f| f.to_string()));
            }
            Gate::Features(features.into_iter().collect())
        })
        .collect();
    for (op, gate) in operations.iter_mut().zip(gates) {
        op.gate = gate;
    }
    let type_gates = type_gates(types, operations, &names);
    for (name, def) in types.iter_mut() {
        def.gate = type_gates.get(name).cloned().unwrap_or_default();
    }
    let mut features: Vec<FeatureModel> = tags
        .iter()
        .cloned()
        .zip(names.iter().cloned())
        .map(|(tag, name)| {
            let mut children: Vec<String> = tag_refs
                .iter()
                .filter(|child| {
                    child.and_then(|child| parents.get(child)).copied() == tag.as_deref()
                        && tag.is_some()
                })
                .filter_map(|child| feature_of.get(child).map(|f| f.to_string()))
                .collect();
            children.sort();
            FeatureModel {
                name,
                doc: tag.as_ref().and_then(|tag| {
                    tag_docs
                        .iter()
                        .find(|t| &t.name == tag)
                        .and_then(|t| t.doc.clone())
                }),
                tag,
                children,
            }
        })
        .collect();
    features.sort_by(|a, b| a.name.cmp(&b.name));
    features
}

/// The gate of every type, from the operations' gates: see [`assign_features`].
pub(super) fn type_gates(
    types: &BTreeMap<String, TypeDef>,
    operations: &[OperationModel],
    features: &[String],
) -> BTreeMap<String, Gate> {
    let always_roots = operations
        .iter()
        .filter(|op| op.gate == Gate::Always)
        .flat_map(operation_roots)
        .collect();
    let always = reach(types, always_roots);
    let mut reached_by: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for feature in features {
        let roots = operations
            .iter()
            .filter(|op| op.gate != Gate::Always && op.gate.compiled_with(Some(feature)))
            .flat_map(operation_roots)
            .collect();
        for name in reach(types, roots) {
            if let Some((key, _)) = types.get_key_value(&name) {
                reached_by.entry(key).or_default().insert(feature);
            }
        }
    }
    types
        .keys()
        .map(|name| {
            let by = reached_by.get(name.as_str());
            let gate = if always.contains(name) || by.is_some_and(|by| by.len() == features.len()) {
                Gate::Always
            } else {
                match by {
                    Some(by) if !by.is_empty() => {
                        Gate::Features(by.iter().map(|f| f.to_string()).collect())
                    }
                    _ => Gate::Features(vec![FULL_FEATURE.to_string()]),
                }
            };
            (name.clone(), gate)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ir::{
        Auth, FieldModel, Nullable, ParamLocation, ParamModel, ScalarText, SendAs, SessionAction,
        SuccessModel,
    };

    fn struct_type(name: &str, fields: &[&str]) -> (String, TypeDef) {
        let fields = fields
            .iter()
            .map(|target| FieldModel {
                ident: target.to_lowercase(),
                wire_name: target.to_lowercase(),
                doc: None,
                ty: TypeRef::Vec(Box::new(TypeRef::Named(target.to_string()))),
                required: true,
                nullable: Nullable::No,
                flatten: false,
                boxed: false,
                resource_type: None,
                mapped_values: None,
            })
            .collect();
        (
            name.to_string(),
            TypeDef {
                name: name.to_string(),
                origin: name.to_string(),
                doc: None,
                kind: TypeKind::Struct { fields },
                error_shape: None,
                gate: Gate::Always,
                serde: crate::model::SerdeUse::BOTH,
            },
        )
    }

    /// An operation with `tags` whose one query parameter has the type `param`.
    fn operation(name: &str, tags: &[&str], param: &str) -> OperationModel {
        OperationModel {
            method_name: name.to_string(),
            http_method: "GET".to_string(),
            path_template: "/".to_string(),
            path: Vec::new(),
            constant_query: Vec::new(),
            params: vec![ParamModel {
                ident: "p".to_string(),
                wire_name: "p".to_string(),
                location: ParamLocation::Query,
                ty: TypeRef::Named(param.to_string()),
                required: true,
                doc: None,
                resource_type: None,
                send: SendAs::Scalar(ScalarText::AsStr),
                explode: true,
                deep_object: false,
                pointer: String::new(),
            }],
            body: None,
            auth: Auth::None,
            session_action: None,
            success: SuccessModel {
                statuses: Vec::new(),
                body: None,
                responses: None,
                accept: None,
                doc: None,
                resource_type: None,
            },
            errors: Vec::new(),
            error_body: None,
            error_enum: None,
            notes: Vec::new(),
            alternative_of: None,
            pointer: String::new(),
            selector: String::new(),
            summary: None,
            description: None,
            deprecated: false,
            tags: tags.iter().map(|t| t.to_string()).collect(),
            gate: Gate::Always,
        }
    }

    fn gate(features: &[&str]) -> Gate {
        Gate::Features(features.iter().map(|f| f.to_string()).collect())
    }

    #[test]
    fn types_are_compiled_by_the_features_whose_operations_reach_them() {
        let mut types: BTreeMap<String, TypeDef> = [
            struct_type("Vm", &["Disk"]),
            struct_type("Disk", &["Shared"]),
            struct_type("Host", &["Shared"]),
            struct_type("Shared", &[]),
            struct_type("Everywhere", &[]),
            struct_type("Login", &["Token"]),
            struct_type("Token", &[]),
            struct_type("Unreferenced", &[]),
        ]
        .into_iter()
        .collect();
        let mut login = operation("login", &["session"], "Login");
        login.session_action = Some(SessionAction::Create);
        let mut operations = vec![
            login,
            operation("vm_get", &["VM"], "Vm"),
            operation("host_get", &["host/list"], "Host"),
            operation("vm_ping", &["VM"], "Everywhere"),
            operation("host_ping", &["host/list"], "Everywhere"),
            operation("ping", &[], "Everywhere"),
        ];
        let features = assign_features(
            &[TagDoc {
                name: "VM".to_string(),
                doc: Some("Virtual machines.".to_string()),
                parent: None,
            }],
            &mut types,
            &mut operations,
        );
        let names: Vec<_> = features.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["host-list", "untagged", "vm"], "sorted by name");
        assert_eq!(features[2].doc.as_deref(), Some("Virtual machines."));
        assert_eq!(features[1].tag, None);
        let of = |name: &str| types[name].gate.clone();
        assert_eq!(of("Vm"), gate(&["vm"]), "reached by an operation");
        assert_eq!(of("Disk"), gate(&["vm"]), "reached through a field");
        assert_eq!(
            of("Shared"),
            gate(&["host-list", "vm"]),
            "shared by two tags"
        );
        assert_eq!(of("Everywhere"), Gate::Always, "reached by every feature");
        assert_eq!(
            of("Login"),
            Gate::Always,
            "reached by the session's operation"
        );
        assert_eq!(
            of("Token"),
            Gate::Always,
            "through a field of an always type"
        );
        assert_eq!(
            of("Unreferenced"),
            gate(&["full"]),
            "reached by no operation"
        );
        assert_eq!(
            operations[0].gate,
            Gate::Always,
            "the runtime calls the login"
        );
        assert_eq!(operations[1].gate, gate(&["vm"]));
        assert_eq!(operations[5].gate, gate(&["untagged"]));
    }

    #[test]
    fn a_parent_tag_turns_on_the_features_nested_in_it() {
        let tag = |name: &str, parent: Option<&str>| TagDoc {
            name: name.to_string(),
            doc: None,
            parent: parent.map(str::to_string),
        };
        let mut types: BTreeMap<String, TypeDef> = [struct_type("Vm", &[])].into_iter().collect();
        let mut operations = vec![
            operation("a", &["vm"], "Vm"),
            operation("b", &["disk"], "Vm"),
            operation("c", &["loop-a"], "Vm"),
            operation("d", &["loop-b"], "Vm"),
        ];
        let tags = [
            tag("vm", Some("infra")),
            tag("disk", Some("vm")),
            // A parent with no operation of its own still becomes a feature.
            tag("infra", None),
            // A cycle is broken where it closes (`loop-b`'s parent would close it); a parent
            // that is no tag is no parent.
            tag("loop-a", Some("loop-b")),
            tag("loop-b", Some("loop-a")),
            tag("orphan", Some("missing")),
        ];
        let features = assign_features(&tags, &mut types, &mut operations);
        let children: Vec<(&str, Vec<&str>)> = features
            .iter()
            .map(|f| {
                let children = f.children.iter().map(String::as_str).collect();
                (f.name.as_str(), children)
            })
            .collect();
        assert_eq!(
            children,
            [
                ("disk", vec![]),
                ("infra", vec!["vm"]),
                ("loop-a", vec![]),
                ("loop-b", vec!["loop-a"]),
                ("vm", vec!["disk"]),
            ]
        );
        assert_eq!(operations[1].gate, gate(&["disk"]), "a child's own feature");
    }

    #[test]
    fn one_part_alone_gets_no_features() {
        let mut types: BTreeMap<String, TypeDef> = [struct_type("Vm", &[])].into_iter().collect();
        let mut operations = vec![operation("a", &["vm"], "Vm"), operation("b", &["vm"], "Vm")];
        assert!(assign_features(&[], &mut types, &mut operations).is_empty());
        assert_eq!(operations[0].gate, Gate::Always);
        assert_eq!(types["Vm"].gate, Gate::Always);
    }
}
