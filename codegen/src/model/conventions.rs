//! Which of vCenter's conventions a spec follows, read from the spec's own shape: nothing here
//! is assumed of a spec that does not show it.

use std::collections::BTreeMap;

use super::ir::{Conventions, OperationModel, TypeDef, TypeRef};
use super::passes::error_shape;

/// vCenter's error conventions are on when some operation's error body has vCenter's
/// `error_type` enum field (its standard error also has localizable `messages`, which are
/// summarised when present).
pub(super) fn detect(
    types: &BTreeMap<String, TypeDef>,
    operations: &[OperationModel],
) -> Conventions {
    let vcenter_errors = operations.iter().any(|op| match &op.error_body {
        Some(TypeRef::Named(name)) => {
            error_shape(types, name).is_some_and(|shape| shape.error_type.is_some())
        }
        _ => false,
    });
    Conventions { vcenter_errors }
}
