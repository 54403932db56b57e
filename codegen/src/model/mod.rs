//! The model: what the client will contain, decided from the OpenAPI document and nothing
//! else. `lower` reads the document into the IR (`ir`), the passes refine it, and `check` proves
//! every name free and every parameter sendable before `emit` writes a line. Nothing after this
//! module looks at the document.

mod check;
mod conventions;
mod features;
pub mod ir;
mod lower;
mod passes;
pub mod refs;
mod select;

pub use features::{FULL_FEATURE, SERDE_ALL_FEATURE};
pub use ir::*;
pub use select::Selection;

use crate::diagnostic::DiagnosticKind;
use crate::load::LoadedSpec;
use crate::report::Diagnostics;

/// Builds the model of a loaded spec, or every problem found in it.
pub fn build_model(spec: &LoadedSpec, selection: &Selection) -> Result<ApiModel, Diagnostics> {
    let lower::Lowered {
        mut types,
        mut operations,
        mut diagnostics,
    } = lower::lower(spec, selection);
    if operations.is_empty() && diagnostics.is_empty() {
        // A client without a single operation would be nothing but unused runtime.
        let what = if selection.is_empty() {
            "the document has no operations under `paths`, so there is no client to generate"
        } else {
            "the --include/--exclude selection leaves no operation"
        };
        diagnostics.push(spec.diagnostic(
            "/paths",
            DiagnosticKind::Invalid {
                what: what.to_string(),
            },
        ));
    }
    passes::unify_error_bodies(&types, &mut operations);
    passes::keep_used_types(&mut types, &operations);
    passes::mark_boxed_fields(&mut types);
    passes::mark_text_unions(&mut types);
    passes::mark_member_kinds(&mut types);
    let conventions = conventions::detect(&types, &operations);
    passes::summarise_error_bodies(&mut types, &operations, &conventions);
    passes::mark_serde_use(&mut types, &operations);
    diagnostics.extend(check::check(spec, &types, &mut operations));
    if !diagnostics.is_empty() {
        return Err(Diagnostics::new(diagnostics));
    }
    let tag_docs: Vec<(String, Option<String>)> = spec
        .document
        .tags
        .iter()
        .map(|tag| (tag.name.clone(), tag.description.clone()))
        .collect();
    let features = features::assign_features(&tag_docs, &mut types, &mut operations);
    let info = &spec.document.info;
    Ok(ApiModel {
        title: info.title.clone(),
        version: info.version.clone(),
        description: info.description.clone(),
        types: types.into_values().collect(),
        operations,
        conventions,
        features,
    })
}
