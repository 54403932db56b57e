//! The check pass, between the passes and `emit`: proves that every name `emit` will write is
//! free in its scope and that every parameter can be sent where it goes. A collision is
//! resolved by a documented, deterministic rename where that is safe:
//! - a method named like one of `Client`'s own (read from the runtime's sources) gets
//!   `_operation` appended (`send` -> `send_operation`);
//! - an argument named like a local of the generated method, the `body` argument or the basic
//!   authentication arguments gets `_param` appended (`body` -> `body_param`);
//!
//! an argument then gets a numeric suffix if that is taken too; a method whose new name is
//! taken is a diagnostic. A parameter that cannot be sent is a diagnostic.

use std::collections::BTreeMap;

use super::ir::{
    Auth, BodyEncoding, FormWriter, OperationModel, ParamLocation, ParamModel, PathPart,
    ResponseBody, ScalarText, SendAs, TypeDef, TypeKind, TypeRef, NAME_EXTENSION,
};
use super::passes::resolve_alias;
use crate::diagnostic::{push_pointer, Diagnostic, DiagnosticKind, Fallback};
use crate::load::LoadedSpec;
use crate::names::{display_ident, Namespace};
use crate::scope::{client_methods, BASIC_AUTH_ARGUMENTS, BODY_ARGUMENT, METHOD_LOCALS};

/// Checks (and where safe, renames) every operation; returns the warnings for what had to
/// degrade: a type no Rust type can be becomes any JSON value, an optional parameter that
/// cannot be sent is left out, and an operation that cannot be sent at all is left out.
pub(super) fn check(
    spec: &LoadedSpec,
    types: &mut BTreeMap<String, TypeDef>,
    operations: &mut Vec<OperationModel>,
) -> Vec<Diagnostic> {
    let mut warnings = Vec::new();
    let mut left_out = rename_methods(spec, operations, &mut warnings);
    untype_cycles(spec, types, operations, &mut warnings);
    for (index, op) in operations.iter_mut().enumerate() {
        rename_arguments(op);
        if let Err(what) = decide_form_writer(types, op) {
            let problem = spec.diagnostic(
                push_pointer(&op.pointer, "requestBody"),
                DiagnosticKind::Unsupported { what },
            );
            warnings.push(problem.degraded(operation_left_out(op)));
            left_out.insert(index);
            continue;
        }
        let mut params = std::mem::take(&mut op.params);
        let mut required_unsendable = None;
        params.retain_mut(|param| match decide_sending(types, param) {
            Ok(()) => true,
            Err(what) => {
                let problem = spec.diagnostic(
                    push_pointer(&param.pointer, "schema"),
                    DiagnosticKind::Unsupported { what },
                );
                if param.required {
                    required_unsendable.get_or_insert(problem);
                } else {
                    warnings.push(problem.degraded(Fallback::ParameterNotSent {
                        name: param.wire_name.clone(),
                    }));
                }
                false
            }
        });
        if let Some(problem) = required_unsendable {
            warnings.push(problem.degraded(operation_left_out(op)));
            left_out.insert(index);
        }
        op.params = params;
        // The path's parameters are indices into the list: made again for what is left.
        op.path = reindexed_path(&op.path_template, &op.params);
    }
    let mut index = 0;
    operations.retain(|_| {
        index += 1;
        !left_out.contains(&(index - 1))
    });
    warnings
}

/// What a warning says when `op` is left out.
fn operation_left_out(op: &OperationModel) -> Fallback {
    match (&op.alternative_of, &op.body) {
        // The method for one of the body's other media types: the operation's own method stays.
        (Some(main), Some(body)) => Fallback::Assumed {
            what: format!(
                "no method sends the body as {}; `{}` sends the operation's preferred media type",
                match body.encoding {
                    BodyEncoding::Json => "JSON",
                    BodyEncoding::Form => "a form",
                    BodyEncoding::Text => "text",
                    BodyEncoding::Bytes => "bytes",
                    BodyEncoding::JsonLines { .. } => "a stream of JSON values",
                    BodyEncoding::Multipart => "a multipart form",
                },
                display_ident(main)
            ),
        },
        _ => super::left_out(&op.http_method, &op.path_template, &op.selector),
    }
}

/// The path template split into literals and parameters, by the parameters' indices.
fn reindexed_path(template: &str, params: &[ParamModel]) -> Vec<PathPart> {
    let mut parts = Vec::new();
    let mut rest = template;
    while let Some((before, after)) = rest.split_once('{') {
        let Some((name, after)) = after.split_once('}') else {
            break;
        };
        if !before.is_empty() {
            parts.push(PathPart::Literal(before.to_string()));
        }
        if let Some(index) = params
            .iter()
            .position(|p| p.location == ParamLocation::Path && p.wire_name == name)
        {
            parts.push(PathPart::Param(index));
        }
        rest = after;
    }
    if !rest.is_empty() {
        parts.push(PathPart::Literal(rest.to_string()));
    }
    parts
}

/// Types that contain themselves through lists, maps and aliases only (`Tree: {type: array,
/// items: {$ref: Tree}}`): Rust has no finite type for them (a struct field would be boxed, an
/// alias cannot be).
fn untype_cycles(
    spec: &LoadedSpec,
    types: &mut BTreeMap<String, TypeDef>,
    operations: &[OperationModel],
    warnings: &mut Vec<Diagnostic>,
) {
    let mut cycles = Vec::new();
    for def in types.values() {
        let union_cycle = matches!(def.kind, TypeKind::Union(_)) && is_own_member(types, &def.name);
        let alias_cycle =
            matches!(def.kind, TypeKind::Alias(_)) && reaches_through_aliases(types, &def.name);
        if !union_cycle && !alias_cycle {
            continue;
        }
        let users: Vec<String> = operations
            .iter()
            .filter(|op| {
                operation_types(op)
                    .iter()
                    .any(|ty| reaches(types, ty, &def.name))
            })
            .take(5)
            .map(|op| format!("--exclude '{}'", op.selector))
            .collect();
        let what = if union_cycle {
            format!(
                "the schema {:?} is one of its own `oneOf` / `anyOf` members (directly, or through \
                 other unions or `$ref`s), so reading a value that no other member takes would \
                 never end (remove that member)",
                def.origin
            )
        } else {
            format!(
                "the schema {:?} contains itself only through lists, maps or `$ref`s, which \
                 no Rust type can (wrap it in an object)",
                def.origin
            )
        };
        let mut problem = spec.diagnostic(
            push_pointer("/components/schemas", &def.origin),
            DiagnosticKind::Unsupported { what },
        );
        if !users.is_empty() {
            problem.note = Some(Box::new(format!("used by: {}", users.join(" "))));
        }
        cycles.push((def.name.clone(), problem));
    }
    for (name, problem) in cycles {
        if let Some(def) = types.get_mut(&name) {
            def.kind = TypeKind::Alias(TypeRef::Json);
        }
        warnings.push(problem.degraded(Fallback::Untyped));
    }
}

/// Whether the union `name` is a member of itself: through members and aliases that name a
/// type directly (a list of itself is fine: reading one consumes the input).
fn is_own_member(types: &BTreeMap<String, TypeDef>, name: &str) -> bool {
    let direct = |ty: &TypeRef| match ty {
        TypeRef::Named(target) => Some(target.clone()),
        _ => None,
    };
    let next = |kind: Option<&TypeKind>| -> Vec<String> {
        match kind {
            Some(TypeKind::Union(union)) => union
                .variants
                .iter()
                .filter_map(|v| direct(&v.ty))
                .collect(),
            Some(TypeKind::Alias(target)) => direct(target).into_iter().collect(),
            _ => Vec::new(),
        }
    };
    let mut seen = std::collections::BTreeSet::new();
    let mut pending = next(types.get(name).map(|def| &def.kind));
    while let Some(current) = pending.pop() {
        if current == name {
            return true;
        }
        if seen.insert(current.clone()) {
            pending.extend(next(types.get(&current).map(|def| &def.kind)));
        }
    }
    false
}

/// The types an operation names directly.
fn operation_types(op: &OperationModel) -> Vec<&TypeRef> {
    op.params
        .iter()
        .map(|p| &p.ty)
        .chain(op.body.iter().map(|b| &b.ty))
        .chain(op.success_json_types())
        .chain(
            op.errors
                .iter()
                .filter_map(|case| case.body.as_ref().and_then(ResponseBody::json)),
        )
        .collect()
}

/// The named types `ty` holds directly (through lists and maps, not struct fields).
fn direct_names(ty: &TypeRef) -> Vec<&String> {
    match ty {
        TypeRef::Named(name) => vec![name],
        TypeRef::Vec(inner) | TypeRef::Map(inner) | TypeRef::Nullable(inner) => direct_names(inner),
        TypeRef::Tuple(items) => items.iter().flat_map(direct_names).collect(),
        _ => Vec::new(),
    }
}

/// Whether the alias `name` comes back to itself without passing through a struct or enum.
fn reaches_through_aliases(types: &BTreeMap<String, TypeDef>, name: &str) -> bool {
    let mut seen = std::collections::BTreeSet::new();
    let mut pending: Vec<&String> = match types.get(name).map(|def| &def.kind) {
        Some(TypeKind::Alias(target)) => direct_names(target),
        _ => return false,
    };
    while let Some(next) = pending.pop() {
        if next == name {
            return true;
        }
        if !seen.insert(next) {
            continue;
        }
        if let Some(TypeKind::Alias(target)) = types.get(next).map(|def| &def.kind) {
            pending.extend(direct_names(target));
        }
    }
    false
}

/// Whether `ty` reaches the named type `target` through any types (fields included).
fn reaches(types: &BTreeMap<String, TypeDef>, ty: &TypeRef, target: &str) -> bool {
    let mut seen = std::collections::BTreeSet::new();
    let mut pending: Vec<&String> = direct_names(ty);
    while let Some(next) = pending.pop() {
        if next == target {
            return true;
        }
        if !seen.insert(next) {
            continue;
        }
        match types.get(next).map(|def| &def.kind) {
            Some(TypeKind::Alias(inner)) => pending.extend(direct_names(inner)),
            Some(TypeKind::Struct { fields }) => {
                pending.extend(fields.iter().flat_map(|f| direct_names(&f.ty)))
            }
            Some(TypeKind::Union(union)) => {
                pending.extend(union.variants.iter().flat_map(|v| direct_names(&v.ty)))
            }
            _ => {}
        }
    }
    false
}

/// Decides how a form-encoded body is written, or says why it cannot be: its members are the
/// form's names, so it must be an object (or a union of objects, refused at run time when the
/// value is not one). An object of single scalars without `encoding` is written by reqwest's
/// form encoder; anything else (objects, lists, JSON members) by the runtime's pair writer.
fn decide_form_writer(
    types: &BTreeMap<String, TypeDef>,
    op: &mut OperationModel,
) -> Result<(), String> {
    let Some(body) = op.body.as_mut() else {
        return Ok(());
    };
    let Some(form) = body.form.as_mut() else {
        return Ok(());
    };
    let scalar = |ty: &TypeRef| {
        let ty = resolve_alias(types, ty);
        ty != TypeRef::Json && scalar_text(types, &ty).is_some()
    };
    let flat = match resolve_alias(types, &body.ty) {
        TypeRef::JsonObject => false,
        TypeRef::Map(value) => scalar(&value),
        TypeRef::Named(name) => match types.get(&name).map(|def| &def.kind) {
            Some(TypeKind::Struct { fields }) => {
                // An `encoding` entry that names no property says nothing.
                let named = |name: &String| fields.iter().any(|f| &f.wire_name == name);
                form.json.retain(named);
                form.form_style.retain(|(name, _)| named(name));
                fields.iter().all(|f| scalar(&f.ty))
            }
            Some(TypeKind::Union(union)) if !union.text => false,
            // Failed to lower: reported already.
            None => true,
            _ => {
                return Err(
                    "a form-encoded body that is not an object (form pairs need the names of \
                     its members)"
                        .to_string(),
                )
            }
        },
        _ => {
            return Err(
                "a form-encoded body that is not an object (form pairs need the names of its \
                 members)"
                    .to_string(),
            )
        }
    };
    form.writer = if flat && form.json.is_empty() && form.form_style.is_empty() {
        FormWriter::Flat
    } else {
        FormWriter::Pairs
    };
    Ok(())
}

/// Methods named like one of `Client`'s own get `_operation` appended. The new name depends on
/// the operation alone (adding an operation never renames another); when it is taken after
/// all, that is a diagnostic, as for any two operations with one name.
fn rename_methods(
    spec: &LoadedSpec,
    operations: &mut [OperationModel],
    warnings: &mut Vec<Diagnostic>,
) -> std::collections::BTreeSet<usize> {
    let reserved = client_methods();
    let mut renamed_from: BTreeMap<usize, String> = BTreeMap::new();
    for (index, op) in operations.iter_mut().enumerate() {
        let name = display_ident(&op.method_name).to_string();
        if reserved.contains(&name) {
            op.method_name = format!("{name}_operation");
            renamed_from.insert(index, name);
        }
    }
    let mut first: BTreeMap<&str, usize> = BTreeMap::new();
    let mut left_out = std::collections::BTreeSet::new();
    for (index, op) in operations.iter().enumerate() {
        let Some(&earlier) = first.get(op.method_name.as_str()) else {
            first.insert(&op.method_name, index);
            continue;
        };
        let why = |i: usize| {
            renamed_from.get(&i).map_or(String::new(), |from| {
                format!(" (renamed from `{from}`, a method the client already has)")
            })
        };
        let earlier_pointer = operations.get(earlier).map_or("", |e| e.pointer.as_str());
        let problem = spec.diagnostic(
            op.pointer.clone(),
            DiagnosticKind::Invalid {
                what: format!(
                    "the method name `{}`{} is also the name of the operation at \
                     {earlier_pointer}{}; give one of them another name with `{NAME_EXTENSION}`",
                    display_ident(&op.method_name),
                    why(index),
                    why(earlier),
                ),
            },
        );
        warnings.push(problem.degraded(operation_left_out(op)));
        left_out.insert(index);
    }
    left_out
}

/// Arguments named like the method's locals or its other arguments get `_param` appended.
fn rename_arguments(op: &mut OperationModel) {
    let mut reserved: Vec<&str> = METHOD_LOCALS.to_vec();
    if op.body.is_some() {
        reserved.push(BODY_ARGUMENT);
    }
    if op.auth == Auth::Basic {
        reserved.extend(BASIC_AUTH_ARGUMENTS);
    }
    let mut names = Namespace::with_reserved(&reserved);
    for param in &mut op.params {
        let wanted = if reserved.contains(&display_ident(&param.ident)) {
            format!("{}_param", display_ident(&param.ident))
        } else {
            param.ident.clone()
        };
        param.ident = names.claim(&wanted);
    }
}

/// How one value of the resolved type `ty` becomes text, when it is a scalar.
fn scalar_text(types: &BTreeMap<String, TypeDef>, ty: &TypeRef) -> Option<ScalarText> {
    match ty {
        TypeRef::String | TypeRef::DateTime | TypeRef::Json => Some(ScalarText::Str),
        TypeRef::Bool
        | TypeRef::I32
        | TypeRef::I64
        | TypeRef::I128
        | TypeRef::U32
        | TypeRef::U64
        | TypeRef::F32
        | TypeRef::F64 => Some(ScalarText::Display),
        TypeRef::Named(name) => match types.get(name).map(|def| &def.kind) {
            Some(TypeKind::Enum { .. } | TypeKind::Id { .. }) => Some(ScalarText::AsStr),
            Some(TypeKind::Union(union)) if union.text => Some(ScalarText::Display),
            _ => None,
        },
        TypeRef::JsonObject
        | TypeRef::Vec(_)
        | TypeRef::Map(_)
        | TypeRef::Tuple(_)
        | TypeRef::Nullable(_) => None,
    }
}

/// A parameter's type with aliases followed, so that the signature shows what is sent
/// (`i64`, not an alias of it); a value of any JSON type is taken as text.
fn signature_type(types: &BTreeMap<String, TypeDef>, ty: &TypeRef) -> TypeRef {
    match resolve_alias(types, ty) {
        TypeRef::Json => TypeRef::String,
        TypeRef::Vec(item) => TypeRef::Vec(Box::new(signature_type(types, &item))),
        other => other,
    }
}

/// Decides how `param` is sent, or says why it cannot be.
fn decide_sending(types: &BTreeMap<String, TypeDef>, param: &mut ParamModel) -> Result<(), String> {
    let ty = signature_type(types, &param.ty);
    // A type that failed to lower has its own diagnostic already.
    if direct_names(&ty)
        .iter()
        .any(|name| !types.contains_key(*name))
    {
        return Ok(());
    }
    let is_object = |ty: &TypeRef| match ty {
        TypeRef::JsonObject | TypeRef::Map(_) => true,
        // A union that is not text is sent by its JSON form, as an object is.
        TypeRef::Named(name) => {
            matches!(
                types.get(name).map(|def| &def.kind),
                Some(TypeKind::Struct { .. })
            ) || matches!(
                types.get(name).map(|def| &def.kind),
                Some(TypeKind::Union(union)) if !union.text
            )
        }
        _ => false,
    };
    let location = match param.location {
        ParamLocation::Path => "path",
        ParamLocation::Query => "query",
        ParamLocation::Header => "header",
    };
    let send = match &ty {
        TypeRef::Vec(item) => match scalar_text(types, item) {
            Some(text) => SendAs::List(text),
            // A list of objects in the query: each item's members with its index (README).
            None if param.location == ParamLocation::Query
                && is_object(&resolve_alias(types, item)) =>
            {
                SendAs::Object
            }
            None => {
                return Err(format!(
                    "the {location} parameter {:?} is a list of {}, which OpenAPI gives no way \
                     to write in the {location}",
                    param.wire_name,
                    if param.location == ParamLocation::Query {
                        "lists"
                    } else {
                        "objects or lists"
                    }
                ))
            }
        },
        ty if is_object(ty) => {
            let union = matches!(ty, TypeRef::Named(name)
                if matches!(types.get(name).map(|def| &def.kind), Some(TypeKind::Union(_))));
            if param.location != ParamLocation::Query && union {
                return Err(format!(
                    "the {location} parameter {:?} is a `oneOf` / `anyOf` with a member that is \
                     not a string, number or boolean; only the query can carry such a value (by \
                     its JSON form)",
                    param.wire_name
                ));
            }
            // A header writes an object as OpenAPI's `simple` style says (README).
            if param.location == ParamLocation::Path {
                return Err(format!(
                    "the {location} parameter {:?} is an object; objects are sent in the query \
                     and in headers only",
                    param.wire_name
                ));
            }
            SendAs::Object
        }
        ty => scalar_text(types, ty).map(SendAs::Scalar).ok_or_else(|| {
            format!(
                "the {location} parameter {:?} has a type that cannot be written as text",
                param.wire_name
            )
        })?,
    };
    // `deepObject` on a scalar or a list of scalars, which OpenAPI leaves undefined, is the
    // bracket form's reading of the value alone (as a form body's member is written): a
    // scalar is `name=value`, a list one `name=item` pair per item.
    if param.deep_object && matches!(send, SendAs::List(_)) {
        param.explode = true;
    }
    param.ty = ty;
    param.send = send;
    Ok(())
}
