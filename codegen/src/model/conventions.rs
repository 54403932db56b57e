//! Which of vCenter's conventions a spec follows, read from the spec's own shape: nothing here
//! is assumed of a spec that does not show it.

use std::collections::{BTreeMap, BTreeSet};

use super::ir::{
    Conventions, Gate, OperationModel, ResponseBody, SerdeUse, TypeDef, TypeKind, TypeRef,
};
use super::passes::{error_shape, resolve_alias, shape_field, ERROR_TYPE};
use crate::names::Namespace;

/// vCenter's error types that say an operation was not carried out and may be tried again.
const VCENTER_TRY_AGAIN: &[&str] = &["RESOURCE_BUSY", "SERVICE_UNAVAILABLE"];

/// Makes the `error_type` of each error body an open enum where the spec writes it as a plain
/// string whose values a `discriminator` maps (VMware's newer specs: the standard error's
/// `discriminator` maps each error type to a subtype), the enum vCenter's other specs spell
/// out. Error bodies that share the discriminator (the base, and subtypes that add properties
/// of their own) share the enum. Runs before error bodies are unified, so that they compare
/// with it; any other field keeps its `String`.
pub(super) fn type_mapped_error_types(
    types: &mut BTreeMap<String, TypeDef>,
    operations: &[OperationModel],
    type_names: &mut Namespace,
) {
    let error_bodies: BTreeSet<String> = operations
        .iter()
        .flat_map(|op| &op.errors)
        .filter_map(|case| match &case.body {
            Some(ResponseBody::Json(ty)) => match resolve_alias(types, ty) {
                TypeRef::Named(name) => Some(name),
                _ => None,
            },
            _ => None,
        })
        .collect();
    // (wanted name, values) -> the enum's name: one enum per discriminator.
    let mut enums: BTreeMap<(String, Vec<String>), String> = BTreeMap::new();
    for body in error_bodies {
        let Some(TypeKind::Struct { fields }) = types.get(&body).map(|def| &def.kind) else {
            continue;
        };
        let Some(index) = fields.iter().position(|field| {
            field.wire_name == ERROR_TYPE
                && field.ty == TypeRef::String
                && field.mapped_values.is_some()
                && shape_field(field)
        }) else {
            continue;
        };
        let Some(mapped) = fields.get(index).and_then(|f| f.mapped_values.clone()) else {
            continue;
        };
        let wires: Vec<String> = mapped.values.iter().map(|v| v.wire.clone()).collect();
        let enum_name = match enums.get(&(mapped.enum_name.clone(), wires.clone())) {
            Some(name) => name.clone(),
            None => {
                let name = type_names.claim(&mapped.enum_name);
                types.insert(
                    name.clone(),
                    TypeDef {
                        name: name.clone(),
                        origin: name.clone(),
                        doc: Some(mapped.doc.clone()),
                        kind: TypeKind::Enum {
                            values: mapped.values.clone(),
                            catch_all: mapped.catch_all.clone(),
                        },
                        error_shape: None,
                        serde: SerdeUse::BOTH,
                        gate: Gate::Always,
                    },
                );
                enums.insert((mapped.enum_name.clone(), wires), name.clone());
                name
            }
        };
        if let Some(TypeKind::Struct { fields }) = types.get_mut(&body).map(|def| &mut def.kind) {
            if let Some(field) = fields.get_mut(index) {
                field.ty = TypeRef::Named(enum_name);
                // The values are the enum's now.
                field.mapped_values = None;
            }
        }
    }
}

/// vCenter's error conventions are on when some operation's error body has vCenter's
/// `error_type` enum field (its standard error also has localizable `messages`, which are
/// summarised when present), whether the spec writes the enum or a `discriminator` gives its
/// values ([`type_mapped_error_types`]). The retry policy's default error types are vCenter's
/// "try again" ones that those enums list.
pub(super) fn detect(
    types: &BTreeMap<String, TypeDef>,
    operations: &[OperationModel],
) -> Conventions {
    let error_type_enums: BTreeSet<String> = operations
        .iter()
        .flat_map(OperationModel::error_body_types)
        .filter_map(|ty| match ty {
            TypeRef::Named(name) => error_shape(types, &name)?.error_type,
            _ => None,
        })
        .map(|(_, enum_name)| enum_name)
        .collect();
    let retry_error_types: BTreeSet<String> = error_type_enums
        .iter()
        .filter_map(|name| match types.get(name).map(|def| &def.kind) {
            Some(TypeKind::Enum { values, .. }) => Some(values),
            _ => None,
        })
        .flatten()
        .filter(|value| VCENTER_TRY_AGAIN.contains(&value.wire.as_str()))
        .map(|value| value.wire.clone())
        .collect();
    Conventions {
        vcenter_errors: !error_type_enums.is_empty(),
        retry_error_types: retry_error_types.into_iter().collect(),
    }
}
