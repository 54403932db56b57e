//! Which of vCenter's conventions a spec follows, read from the spec's own shape: nothing here
//! is assumed of a spec that does not show it.

use std::collections::{BTreeMap, BTreeSet};

use super::ir::{Conventions, OperationModel, TypeDef, TypeKind, TypeRef};
use super::passes::error_shape;

/// vCenter's error types that say an operation was not carried out and may be tried again.
const VCENTER_TRY_AGAIN: &[&str] = &["RESOURCE_BUSY", "SERVICE_UNAVAILABLE"];

/// vCenter's error conventions are on when some operation's error body has vCenter's
/// `error_type` enum field (its standard error also has localizable `messages`, which are
/// summarised when present). The retry policy's default error types are vCenter's "try again"
/// ones that those enums list.
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
