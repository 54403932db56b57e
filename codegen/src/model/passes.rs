//! Passes over the lowered model: drop the types no operation reaches, give each operation one
//! error body type, box the fields through which a type contains itself, and summarise the
//! error bodies' shape.

use std::collections::{BTreeMap, BTreeSet};

use super::ir::{
    Conventions, ErrorShape, FieldModel, JsonKind, MessagesField, Nullable, OperationModel,
    ResponseBody, SerdeUse, TypeDef, TypeKind, TypeRef,
};
use crate::names::{snake_ident, Namespace};
use crate::scope::error_methods;

/// Follows aliases from `ty` to what it stands for (at most as many steps as there are types,
/// so an alias cycle cannot loop).
pub(super) fn resolve_alias(types: &BTreeMap<String, TypeDef>, ty: &TypeRef) -> TypeRef {
    let mut current = ty.clone();
    for _ in 0..=types.len() {
        let TypeRef::Named(name) = &current else {
            return current;
        };
        match types.get(name).map(|def| &def.kind) {
            Some(TypeKind::Alias(target)) => current = target.clone(),
            _ => return current,
        }
    }
    current
}

/// [`resolve_alias`] at every depth: inside lists and maps too, so that two spellings of one
/// Rust type compare equal.
pub(super) fn resolve_alias_deep(types: &BTreeMap<String, TypeDef>, ty: &TypeRef) -> TypeRef {
    resolve_alias_deep_at(types, ty, 0)
}

fn resolve_alias_deep_at(types: &BTreeMap<String, TypeDef>, ty: &TypeRef, depth: usize) -> TypeRef {
    // A type that contains itself through aliases only is reported by `alias_cycles`; stop.
    if depth > 64 {
        return ty.clone();
    }
    match resolve_alias(types, ty) {
        TypeRef::Vec(inner) => {
            TypeRef::Vec(Box::new(resolve_alias_deep_at(types, &inner, depth + 1)))
        }
        TypeRef::Map(inner) => {
            TypeRef::Map(Box::new(resolve_alias_deep_at(types, &inner, depth + 1)))
        }
        TypeRef::Nullable(inner) => {
            TypeRef::Nullable(Box::new(resolve_alias_deep_at(types, &inner, depth + 1)))
        }
        TypeRef::Tuple(items) => TypeRef::Tuple(
            items
                .iter()
                .map(|item| resolve_alias_deep_at(types, item, depth + 1))
                .collect(),
        ),
        other => other,
    }
}

/// Puts on each type used as an error body what of the standard error shape it has (only when
/// the spec follows vCenter's error conventions; otherwise an error body is just its type).
pub(super) fn summarise_error_bodies(
    types: &mut BTreeMap<String, TypeDef>,
    operations: &[OperationModel],
    conventions: &Conventions,
) {
    let used_as_errors: BTreeSet<String> = operations
        .iter()
        .flat_map(OperationModel::error_body_types)
        .filter_map(|ty| match ty {
            TypeRef::Named(name) => Some(name),
            _ => None,
        })
        .collect();
    let shapes: BTreeMap<String, ErrorShape> = used_as_errors
        .iter()
        .filter(|name| types.contains_key(*name))
        .map(|name| {
            let shape = conventions
                .vcenter_errors
                .then(|| error_shape(types, name))
                .flatten()
                .unwrap_or(ErrorShape {
                    error_type: None,
                    error_type_required: false,
                    error_type_values: Vec::new(),
                    messages: None,
                });
            (name.clone(), shape)
        })
        .collect();
    for ty in types.values_mut() {
        ty.error_shape = shapes.get(&ty.name).cloned();
    }
}

/// The property of vCenter's standard error that names the kind of error.
pub(super) const ERROR_TYPE: &str = "error_type";

/// Whether a field can be one of the standard error shape's: not held as `Option<Option<T>>`
/// (absent or `null`), and not the properties beyond the named ones.
pub(super) fn shape_field(field: &FieldModel) -> bool {
    field.nullable != Nullable::Optional && !field.flatten
}

/// The standard error shape of the type `name`, if it has one.
pub(super) fn error_shape(types: &BTreeMap<String, TypeDef>, name: &str) -> Option<ErrorShape> {
    let TypeKind::Struct { fields } = &types.get(name)?.kind else {
        return None;
    };
    let plain = |f: &&FieldModel| shape_field(f);
    let fields: Vec<&FieldModel> = fields.iter().filter(plain).collect();
    let error_type_field = fields.iter().find(|f| {
        f.wire_name == ERROR_TYPE
            && matches!(&f.ty, TypeRef::Named(name)
                if matches!(types.get(name).map(|d| &d.kind), Some(TypeKind::Enum { .. })))
    });
    let error_type = error_type_field.and_then(|f| match &f.ty {
        TypeRef::Named(enum_name) => Some((f.ident.clone(), enum_name.clone())),
        _ => None,
    });
    let messages = fields.iter().find_map(|f| match &f.ty {
        TypeRef::Vec(item) if f.wire_name == "messages" => {
            let TypeRef::Named(message) = item.as_ref() else {
                return None;
            };
            let TypeKind::Struct {
                fields: message_fields,
            } = &types.get(message)?.kind
            else {
                return None;
            };
            let message_fields: Vec<&FieldModel> = message_fields.iter().filter(plain).collect();
            let default_message = message_fields
                .iter()
                .find(|m| m.wire_name == "default_message" && m.ty == TypeRef::String)?;
            let args = message_fields.iter().find_map(|m| match &m.ty {
                TypeRef::Vec(item) if m.wire_name == "args" && **item == TypeRef::String => {
                    Some((m.ident.clone(), m.required))
                }
                _ => None,
            });
            let params = message_fields.iter().find_map(|m| match &m.ty {
                TypeRef::Map(_) if m.wire_name == "params" => Some((m.ident.clone(), m.required)),
                _ => None,
            });
            Some(MessagesField {
                ident: f.ident.clone(),
                required: f.required,
                default_message: default_message.ident.clone(),
                default_message_required: default_message.required,
                args,
                params,
            })
        }
        _ => None,
    });
    if error_type.is_none() && messages.is_none() {
        return None;
    }
    let error_type_values = match error_type
        .as_ref()
        .and_then(|(_, enum_name)| types.get(enum_name))
        .map(|def| &def.kind)
    {
        Some(TypeKind::Enum { values, .. }) => {
            // The checks live on `Error<E>` beside the runtime's own methods.
            let taken: Vec<&str> = error_methods().iter().map(String::as_str).collect();
            let mut checks = Namespace::with_reserved(&taken);
            values
                .iter()
                .map(|value| {
                    let method = checks.claim(&snake_ident(&format!("is_{}", value.wire)));
                    (method, value.clone())
                })
                .collect()
        }
        _ => Vec::new(),
    };
    Some(ErrorShape {
        error_type,
        error_type_required: error_type_field.is_some_and(|f| f.required && !f.boxed),
        error_type_values,
        messages,
    })
}

/// Drops the types no operation reaches.
pub(super) fn keep_used_types(
    types: &mut BTreeMap<String, TypeDef>,
    operations: &[OperationModel],
) {
    let roots = operations
        .iter()
        .flat_map(super::features::operation_roots)
        .collect();
    let used = super::features::reach(types, roots);
    types.retain(|name, _| used.contains(name));
}

/// Narrows each type's [`SerdeUse`] to the ways the API moves it: `Serialize` for what the
/// client sends (parameters, request bodies and everything inside them), `Deserialize` for what
/// it receives (success and error bodies). Error bodies and unions keep both, with all they
/// hold: the runtime writes error message arguments back out as text, and a union's written
/// impls go both ways.
pub(super) fn mark_serde_use(types: &mut BTreeMap<String, TypeDef>, operations: &[OperationModel]) {
    let two_way: Vec<String> = types
        .values()
        .filter(|def| def.error_shape.is_some() || matches!(def.kind, TypeKind::Union(_)))
        .map(|def| def.name.clone())
        .collect();
    let roots = |side: fn(&OperationModel) -> Vec<String>| -> Vec<String> {
        operations
            .iter()
            .flat_map(side)
            .chain(two_way.iter().cloned())
            .collect()
    };
    let sent = super::features::reach(types, roots(super::features::sent_roots));
    let received = super::features::reach(types, roots(super::features::received_roots));
    for (name, def) in types.iter_mut() {
        def.serde = SerdeUse {
            serialize: sent.contains(name),
            deserialize: received.contains(name),
        };
    }
}

/// Gives every operation one error body type. Error schemas that have the same shape, all the
/// way down (VMware's spec has one copy of the standard error per error kind), are one type: the
/// one with the shortest name (then the first by name) stands for all of them.
///
/// An error body is first followed through aliases (a one-member `allOf` is an alias of its
/// member). Bodies of one operation that no one body takes in are the operation's error enum
/// (one variant per status), whose name lowering claimed.
pub(super) fn unify_error_bodies(
    types: &BTreeMap<String, TypeDef>,
    operations: &mut [OperationModel],
) {
    let class = shape_classes(types);
    let mut representative: BTreeMap<usize, &String> = BTreeMap::new();
    for (name, id) in &class {
        let entry = representative.entry(*id).or_insert(name);
        if (name.len(), name) < (entry.len(), *entry) {
            *entry = name;
        }
    }
    let canonical = |ty: &TypeRef| -> TypeRef {
        fn walk(ty: &TypeRef, to: &dyn Fn(&String) -> String) -> TypeRef {
            match ty {
                TypeRef::Named(name) => TypeRef::Named(to(name)),
                TypeRef::Vec(inner) => TypeRef::Vec(Box::new(walk(inner, to))),
                TypeRef::Map(inner) => TypeRef::Map(Box::new(walk(inner, to))),
                TypeRef::Nullable(inner) => TypeRef::Nullable(Box::new(walk(inner, to))),
                TypeRef::Tuple(items) => {
                    TypeRef::Tuple(items.iter().map(|item| walk(item, to)).collect())
                }
                other => other.clone(),
            }
        }
        walk(ty, &|name: &String| {
            class
                .get(name)
                .and_then(|id| representative.get(id))
                .map_or_else(|| name.clone(), |rep| (*rep).clone())
        })
    };
    let unified = |body: &ResponseBody| match body {
        ResponseBody::Json(ty) => ResponseBody::Json(canonical(&resolve_alias_deep(types, ty))),
        other => other.clone(),
    };
    for op in operations.iter_mut() {
        let bodies: BTreeSet<ResponseBody> = op
            .errors
            .iter()
            .filter_map(|case| case.body.as_ref())
            .map(unified)
            .collect();
        let json: BTreeSet<TypeRef> = bodies
            .iter()
            .filter_map(ResponseBody::json)
            .cloned()
            .collect();
        let bodies = match widest_compatible(types, &json, &canonical) {
            Some(widest) if json.len() == bodies.len() => {
                BTreeSet::from([ResponseBody::Json(widest)])
            }
            _ => bodies,
        };
        match op.error_enum.take() {
            Some(mut errors) if bodies.len() > 1 => {
                for variant in &mut errors.variants {
                    variant.body = variant.body.as_ref().map(unified);
                }
                op.error_body = Some(TypeRef::Named(errors.name.clone()));
                op.error_enum = Some(errors);
            }
            _ => {
                op.error_body = bodies.into_iter().next().map(|body| match body {
                    ResponseBody::Json(ty) => ty,
                    // Error bodies are read whole: anything but JSON is text.
                    _ => TypeRef::String,
                });
            }
        }
    }
}

/// Among several error bodies, the one that every other one fits into (see [`fits`]), so that
/// any of them decodes into it without losing a field. VMware's `Unauthenticated` error is the
/// standard error plus an optional `challenge`; its `/rest` wrappers wrap one or the other.
fn widest_compatible(
    types: &BTreeMap<String, TypeDef>,
    bodies: &BTreeSet<TypeRef>,
    canonical: &dyn Fn(&TypeRef) -> TypeRef,
) -> Option<TypeRef> {
    if bodies.len() < 2 {
        return None;
    }
    bodies
        .iter()
        .find(|wide| {
            bodies
                .iter()
                .all(|narrow| fits(types, canonical, narrow, wide, 0))
        })
        .cloned()
}

/// Whether every value of `narrow` decodes as `wide` with nothing lost: the same type up to
/// shape, or structs where `wide` has each field of `narrow` (recursively fitting) and requires
/// only fields that `narrow` requires too.
fn fits(
    types: &BTreeMap<String, TypeDef>,
    canonical: &dyn Fn(&TypeRef) -> TypeRef,
    narrow: &TypeRef,
    wide: &TypeRef,
    depth: usize,
) -> bool {
    if canonical(narrow) == canonical(wide) {
        return true;
    }
    if depth > 16 {
        return false;
    }
    match (narrow, wide) {
        (TypeRef::Vec(n), TypeRef::Vec(w))
        | (TypeRef::Map(n), TypeRef::Map(w))
        | (TypeRef::Nullable(n), TypeRef::Nullable(w)) => fits(types, canonical, n, w, depth + 1),
        // `null` fits where it is allowed.
        (n, TypeRef::Nullable(w)) => fits(types, canonical, n, w, depth + 1),
        (TypeRef::Tuple(n), TypeRef::Tuple(w)) => {
            n.len() == w.len()
                && n.iter()
                    .zip(w)
                    .all(|(n, w)| fits(types, canonical, n, w, depth + 1))
        }
        (TypeRef::Named(n), TypeRef::Named(w)) => {
            let struct_fields = |name: &String| match types.get(name).map(|def| &def.kind) {
                Some(TypeKind::Struct { fields }) => Some(fields),
                _ => None,
            };
            let (Some(narrow_fields), Some(wide_fields)) = (struct_fields(n), struct_fields(w))
            else {
                return false;
            };
            narrow_fields.iter().all(|nf| {
                wide_fields.iter().any(|wf| {
                    wf.wire_name == nf.wire_name
                        && (nf.required || !wf.required)
                        && fits(types, canonical, &nf.ty, &wf.ty, depth + 1)
                })
            }) && wide_fields.iter().all(|wf| {
                !wf.required
                    || narrow_fields
                        .iter()
                        .any(|nf| nf.wire_name == wf.wire_name && nf.required)
            })
        }
        _ => false,
    }
}

/// Partitions the named types into classes of the same shape (field names, requiredness and
/// types, enum values), comparing referenced types by their class: partition refinement, so
/// recursive types are compared correctly.
fn shape_classes(types: &BTreeMap<String, TypeDef>) -> BTreeMap<String, usize> {
    fn pattern(ty: &TypeRef, refs: &mut Vec<String>) -> String {
        match ty {
            TypeRef::Named(name) => {
                refs.push(name.clone());
                "#".to_string()
            }
            TypeRef::Vec(inner) => format!("[{}]", pattern(inner, refs)),
            TypeRef::Map(inner) => format!("{{{}}}", pattern(inner, refs)),
            TypeRef::Nullable(inner) => format!("?{}", pattern(inner, refs)),
            TypeRef::Tuple(items) => {
                let items: Vec<String> = items.iter().map(|item| pattern(item, refs)).collect();
                format!("({})", items.join(","))
            }
            other => format!("{other:?}"),
        }
    }
    let mut shallow: BTreeMap<&String, (String, Vec<String>)> = BTreeMap::new();
    for (name, def) in types {
        let mut refs = Vec::new();
        let signature = match &def.kind {
            TypeKind::Struct { fields } => {
                let parts: Vec<String> = fields
                    .iter()
                    .map(|f| {
                        format!(
                            "{}:{}:{:?}:{}:{}",
                            f.wire_name,
                            f.required,
                            f.nullable,
                            f.flatten,
                            pattern(&f.ty, &mut refs)
                        )
                    })
                    .collect();
                format!("struct({})", parts.join(","))
            }
            TypeKind::Enum { values, .. } => {
                let mut wires: Vec<&str> = values.iter().map(|v| v.wire.as_str()).collect();
                wires.sort_unstable();
                format!("enum({})", wires.join(","))
            }
            TypeKind::Alias(target) => format!("alias({})", pattern(target, &mut refs)),
            TypeKind::Union(union) => {
                let parts: Vec<String> = union
                    .variants
                    .iter()
                    .map(|v| format!("{}:{}", v.tags.join("|"), pattern(&v.ty, &mut refs)))
                    .collect();
                format!("union({:?};{})", union.tag, parts.join(","))
            }
            TypeKind::Id { resource_type } => format!("id({resource_type})"),
        };
        shallow.insert(name, (signature, refs));
    }
    let mut ids: BTreeMap<String, usize> = BTreeMap::new();
    let mut class: BTreeMap<&String, usize> = BTreeMap::new();
    for (name, (signature, _)) in &shallow {
        let next = ids.len();
        class.insert(name, *ids.entry(signature.clone()).or_insert(next));
    }
    let mut count = ids.len();
    loop {
        let mut refined_ids: BTreeMap<(usize, Vec<usize>), usize> = BTreeMap::new();
        let mut refined: BTreeMap<&String, usize> = BTreeMap::new();
        for (name, (_, refs)) in &shallow {
            let own = class.get(name).copied().unwrap_or(usize::MAX);
            let targets: Vec<usize> = refs
                .iter()
                .map(|r| class.get(r).copied().unwrap_or(usize::MAX))
                .collect();
            let next = refined_ids.len();
            refined.insert(name, *refined_ids.entry((own, targets)).or_insert(next));
        }
        let refined_count = refined_ids.len();
        class = refined;
        if refined_count == count {
            break;
        }
        count = refined_count;
    }
    class
        .into_iter()
        .map(|(name, id)| (name.clone(), id))
        .collect()
}

/// Puts on every union member what JSON its type takes (see [`VariantModel::takes`]).
pub(super) fn mark_member_kinds(types: &mut BTreeMap<String, TypeDef>) {
    let kind_of = |types: &BTreeMap<String, TypeDef>, ty: &TypeRef| match resolve_alias(types, ty) {
        TypeRef::String | TypeRef::DateTime => JsonKind::String,
        TypeRef::Bool => JsonKind::Bool,
        TypeRef::I32
        | TypeRef::I64
        | TypeRef::I128
        | TypeRef::U32
        | TypeRef::U64
        | TypeRef::F32
        | TypeRef::F64 => JsonKind::Number,
        TypeRef::JsonObject | TypeRef::Map(_) => JsonKind::Object,
        TypeRef::Tuple(_) => JsonKind::Array,
        TypeRef::Vec(_) => JsonKind::Array,
        TypeRef::Json | TypeRef::Nullable(_) => JsonKind::Any,
        TypeRef::Named(name) => match types.get(&name).map(|def| &def.kind) {
            Some(TypeKind::Struct { .. }) => JsonKind::Object,
            Some(TypeKind::Enum { .. } | TypeKind::Id { .. }) => JsonKind::String,
            _ => JsonKind::Any,
        },
    };
    type Kinds = Vec<(JsonKind, Option<Vec<String>>)>;
    let kinds: Vec<(String, Kinds)> = types
        .values()
        .filter_map(|def| match &def.kind {
            TypeKind::Union(union) => Some((
                def.name.clone(),
                union
                    .variants
                    .iter()
                    .map(|v| (kind_of(types, &v.ty), known_properties(types, &v.ty)))
                    .collect(),
            )),
            _ => None,
        })
        .collect();
    for (name, kinds) in kinds {
        if let Some(TypeKind::Union(union)) = types.get_mut(&name).map(|def| &mut def.kind) {
            for (variant, (kind, known)) in union.variants.iter_mut().zip(kinds) {
                variant.takes = kind;
                variant.known = known;
            }
        }
    }
}

/// The property names of a struct that takes no others (no flattened field), through
/// aliases; `None` for anything else.
fn known_properties(types: &BTreeMap<String, TypeDef>, ty: &TypeRef) -> Option<Vec<String>> {
    let TypeRef::Named(name) = resolve_alias(types, ty) else {
        return None;
    };
    match types.get(&name).map(|def| &def.kind) {
        Some(TypeKind::Struct { fields }) if fields.iter().all(|field| !field.flatten) => {
            Some(fields.iter().map(|field| field.wire_name.clone()).collect())
        }
        _ => None,
    }
}

/// Marks the unions whose every member is written as text (scalars, enums, ids, and unions
/// of those), so that they can be parameters. Repeated until nothing changes, for unions of
/// unions.
pub(super) fn mark_text_unions(types: &mut BTreeMap<String, TypeDef>) {
    loop {
        let is_text =
            |types: &BTreeMap<String, TypeDef>, ty: &TypeRef| match resolve_alias(types, ty) {
                TypeRef::String
                | TypeRef::DateTime
                | TypeRef::Bool
                | TypeRef::I32
                | TypeRef::I64
                | TypeRef::I128
                | TypeRef::U32
                | TypeRef::U64
                | TypeRef::F32
                | TypeRef::F64 => true,
                TypeRef::Named(name) => match types.get(&name).map(|def| &def.kind) {
                    Some(TypeKind::Enum { .. } | TypeKind::Id { .. }) => true,
                    Some(TypeKind::Union(union)) => union.text,
                    _ => false,
                },
                _ => false,
            };
        let newly: Vec<String> = types
            .values()
            .filter_map(|def| match &def.kind {
                TypeKind::Union(union)
                    if !union.text && union.variants.iter().all(|v| is_text(types, &v.ty)) =>
                {
                    Some(def.name.clone())
                }
                _ => None,
            })
            .collect();
        if newly.is_empty() {
            return;
        }
        for name in newly {
            if let Some(TypeKind::Union(union)) = types.get_mut(&name).map(|def| &mut def.kind) {
                union.text = true;
            }
        }
    }
}

/// Boxes the fields through which a type contains itself (directly or through other types),
/// so that every type has a finite size. `Vec` and map fields already allocate and need no box.
pub(super) fn mark_boxed_fields(types: &mut BTreeMap<String, TypeDef>) {
    let names: Vec<&String> = types.keys().collect();
    let index: BTreeMap<&String, usize> = names.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    // The types a field holds without a `Vec` or map in between: itself, or a tuple's items
    // (a field is boxed whole).
    let direct_targets = |ty: &TypeRef| -> Vec<usize> {
        let mut targets = Vec::new();
        let mut pending = vec![ty];
        while let Some(ty) = pending.pop() {
            match ty {
                TypeRef::Named(target) => targets.extend(index.get(target).copied()),
                TypeRef::Tuple(items) => pending.extend(items),
                TypeRef::Nullable(inner) => pending.push(inner),
                _ => {}
            }
        }
        targets
    };
    let mut edges: Vec<Vec<usize>> = vec![Vec::new(); names.len()];
    for (i, name) in names.iter().enumerate() {
        let Some(def) = types.get(*name) else {
            continue;
        };
        match &def.kind {
            TypeKind::Struct { fields } => {
                edges[i].extend(fields.iter().flat_map(|f| direct_targets(&f.ty)));
            }
            TypeKind::Alias(ty) => edges[i].extend(direct_targets(ty)),
            TypeKind::Union(union) => {
                edges[i].extend(union.variants.iter().flat_map(|v| direct_targets(&v.ty)));
            }
            TypeKind::Enum { .. } | TypeKind::Id { .. } => {}
        }
    }
    let component = strongly_connected_components(&edges);
    let mut boxed: Vec<(String, usize)> = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let members: Vec<&TypeRef> = match types.get(*name).map(|def| &def.kind) {
            Some(TypeKind::Struct { fields }) => fields.iter().map(|f| &f.ty).collect(),
            Some(TypeKind::Union(union)) => union.variants.iter().map(|v| &v.ty).collect(),
            _ => continue,
        };
        for (m, ty) in members.into_iter().enumerate() {
            if direct_targets(ty)
                .into_iter()
                .any(|target| component[target] == component[i])
            {
                boxed.push(((*name).clone(), m));
            }
        }
    }
    for (name, m) in boxed {
        match types.get_mut(&name).map(|def| &mut def.kind) {
            Some(TypeKind::Struct { fields }) => {
                if let Some(field) = fields.get_mut(m) {
                    field.boxed = true;
                }
            }
            Some(TypeKind::Union(union)) => {
                if let Some(variant) = union.variants.get_mut(m) {
                    variant.boxed = true;
                }
            }
            _ => {}
        }
    }
}

/// Kosaraju's algorithm, iterative so that a long chain of types cannot overflow the stack.
/// Returns the component number of each node.
fn strongly_connected_components(edges: &[Vec<usize>]) -> Vec<usize> {
    let n = edges.len();
    let mut order = Vec::with_capacity(n);
    let mut visited = vec![false; n];
    for start in 0..n {
        if visited[start] {
            continue;
        }
        visited[start] = true;
        let mut stack = vec![(start, 0usize)];
        while let Some((node, next)) = stack.pop() {
            if let Some(&target) = edges[node].get(next) {
                stack.push((node, next + 1));
                if !visited[target] {
                    visited[target] = true;
                    stack.push((target, 0));
                }
            } else {
                order.push(node);
            }
        }
    }
    let mut reverse: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (from, targets) in edges.iter().enumerate() {
        for &to in targets {
            reverse[to].push(from);
        }
    }
    let mut component = vec![usize::MAX; n];
    let mut count = 0;
    for &start in order.iter().rev() {
        if component[start] != usize::MAX {
            continue;
        }
        component[start] = count;
        let mut stack = vec![start];
        while let Some(node) = stack.pop() {
            for &source in &reverse[node] {
                if component[source] == usize::MAX {
                    component[source] = count;
                    stack.push(source);
                }
            }
        }
        count += 1;
    }
    component
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_group_cycles_only() {
        // 0 -> 1 -> 0 is a cycle; 2 -> 0 is not part of it; 3 points at itself.
        let edges = vec![vec![1], vec![0], vec![0], vec![3]];
        let c = strongly_connected_components(&edges);
        assert_eq!(c[0], c[1]);
        assert_ne!(c[0], c[2]);
        assert_ne!(c[3], c[0]);
    }
}
