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

use crate::diagnostic::{Diagnostic, DiagnosticKind, Fallback};
use crate::load::LoadedSpec;
use crate::report::Diagnostics;

/// A model, and the warnings about what in the spec had to degrade to build it.
#[derive(Debug, Clone)]
pub struct Modelled {
    /// What the crate will contain.
    pub model: ApiModel,
    /// Every node that could not be typed and every operation left out, in file order.
    pub warnings: Vec<Diagnostic>,
}

/// Builds the model of a loaded spec, with a warning for each node that degraded; or, when the
/// document cannot be used at all, every problem found in it.
pub fn build_model(spec: &LoadedSpec, selection: &Selection) -> Result<Modelled, Diagnostics> {
    let lower::Lowered {
        mut types,
        mut operations,
        mut diagnostics,
        mut warnings,
        mut type_names,
    } = lower::lower(spec, selection);
    warnings.extend(spec.notes.iter().map(|note| {
        spec.diagnostic_in_text(note.pointer.clone(), note.kind.clone())
            .degraded(note.lost.clone())
    }));
    conventions::type_mapped_error_types(&mut types, &operations, &mut type_names);
    passes::unify_error_bodies(&types, &mut operations);
    passes::keep_used_types(&mut types, &operations);
    passes::mark_boxed_fields(&mut types);
    passes::mark_text_unions(&mut types);
    passes::mark_member_kinds(&mut types);
    let conventions = conventions::detect(&types, &operations);
    passes::summarise_error_bodies(&mut types, &operations, &conventions);
    passes::mark_serde_use(&mut types, &operations);
    warnings.extend(check::check(spec, &mut types, &mut operations));
    if operations.is_empty() && diagnostics.is_empty() {
        if selection.is_empty() {
            // The document's doing, not the command's: the crate is still written (its types,
            // a client with no methods), and the warning says why there is nothing to call.
            let what = if warnings.is_empty() {
                "the document has no operations under `paths`"
            } else {
                "no operation of the document can be generated (see the warnings)"
            };
            warnings.push(
                spec.diagnostic(
                    "/paths",
                    DiagnosticKind::Invalid {
                        what: what.to_string(),
                    },
                )
                .degraded(Fallback::NoMethods),
            );
        } else {
            // The command's: a selection that selects nothing is a mistyped pattern far more
            // often than a wish for an empty client.
            diagnostics.push(spec.diagnostic(
                "/paths",
                DiagnosticKind::Invalid {
                    what: "the --include/--exclude selection leaves no operation".to_string(),
                },
            ));
        }
    }
    if !diagnostics.is_empty() {
        diagnostics.extend(warnings);
        return Err(Diagnostics::new(diagnostics));
    }
    // Types that only left-out operations used go too.
    passes::keep_used_types(&mut types, &operations);
    let tag_docs: Vec<features::TagDoc> = spec
        .document
        .tags
        .iter()
        .map(|tag| features::TagDoc {
            name: tag.name.clone(),
            doc: tag.description.clone(),
            parent: tag
                .extensions
                .get(crate::load::upgrade::TAG_PARENT)
                .and_then(|parent| parent.as_str())
                .map(str::to_string),
        })
        .collect();
    let features = features::assign_features(&tag_docs, &mut types, &mut operations);
    let info = &spec.document.info;
    Ok(Modelled {
        model: ApiModel {
            title: info.title.clone(),
            version: info.version.clone(),
            description: info.description.clone(),
            types: types.into_values().collect(),
            operations,
            conventions,
            features,
        },
        warnings: crate::report::in_file_order(warnings),
    })
}

/// What a warning says was lost when an operation cannot be sent at all.
pub(crate) fn left_out(method: &str, key: &str, selector: &str) -> Fallback {
    Fallback::OperationLeftOut {
        method: method.to_string(),
        path: key.to_string(),
        selector: selector.to_string(),
    }
}
