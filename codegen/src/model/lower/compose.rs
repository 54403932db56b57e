//! Composed schemas: `allOf` merged into one object, `oneOf` and `anyOf` into unions (an
//! enum with a variant per member and an open fallback), and the `null` members and
//! `nullable` flags that say a value may be `null`.

use openapiv3::{AdditionalProperties, Discriminator, ReferenceOr, Schema, SchemaKind, Type};

use super::schema::{only_all_of, placed};
use super::{child, ModelBuilder};
use crate::diagnostic::{push_pointer, Diagnostic, DiagnosticKind};
use crate::model::ir::{JsonKind, TypeKind, TypeRef, UnionModel, VariantModel};
use crate::model::refs;
use crate::names::{pascal_ident, Namespace};

/// How deeply `allOf` members may nest (through references too).
const MAX_ALL_OF_DEPTH: usize = 32;

/// What the members of an `allOf` add up to.
#[derive(Default)]
pub(super) struct AllOfParts {
    /// Every object member's properties, in member order, each with its pointer.
    pub properties: Vec<(String, ReferenceOr<Box<Schema>>, String)>,
    /// The union of the object members' `required`.
    pub required: Vec<String>,
    /// The first member's `additionalProperties` (a schema, or `true`), with its pointer.
    pub additional: Option<(AdditionalProperties, String)>,
    /// Members that are not objects (a string, a list, a union ...), with their pointers.
    pub others: Vec<(ReferenceOr<Schema>, String)>,
    /// The components already added: one reached twice (a diamond) adds nothing new.
    pub seen: std::collections::BTreeSet<String>,
}

/// What a union's member is called when nothing better names it.
fn kind_word(schema: &Schema) -> &'static str {
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(_)) => "String",
        SchemaKind::Type(Type::Integer(_)) => "Integer",
        SchemaKind::Type(Type::Number(_)) => "Number",
        SchemaKind::Type(Type::Boolean(_)) => "Boolean",
        SchemaKind::Type(Type::Array(_)) => "List",
        SchemaKind::Type(Type::Object(_)) | SchemaKind::AllOf { .. } => "Object",
        _ => "Variant",
    }
}

/// Whether a schema is the `null` type: `type: 'null'` (JSON Schema) or `enum: [null]`.
pub(super) fn is_null_schema(schema: &Schema) -> bool {
    match &schema.schema_kind {
        SchemaKind::Any(any) => {
            any.typ.as_deref() == Some("null")
                || (!any.enumeration.is_empty() && any.enumeration.iter().all(|v| v.is_null()))
        }
        _ => false,
    }
}

/// Whether a value of `schema` may be `null`: `nullable`, or a `null` member of its `oneOf` /
/// `anyOf`.
pub(super) fn admits_null(schema: &Schema) -> bool {
    if schema.schema_data.nullable {
        return true;
    }
    let members = match &schema.schema_kind {
        SchemaKind::OneOf { one_of } => one_of,
        SchemaKind::AnyOf { any_of } => any_of,
        SchemaKind::Any(any) if !any.one_of.is_empty() => &any.one_of,
        SchemaKind::Any(any) => &any.any_of,
        _ => return false,
    };
    members
        .iter()
        .any(|m| matches!(m, ReferenceOr::Item(s) if is_null_schema(s)))
}

/// Whether a schema says nothing of the value's shape (only a description, `nullable`, ...).
fn shapeless(schema: &Schema) -> bool {
    match &schema.schema_kind {
        SchemaKind::Any(any) => {
            any.typ.is_none()
                && any.properties.is_empty()
                && any.required.is_empty()
                && any.additional_properties.is_none()
                && any.items.is_none()
                && any.enumeration.is_empty()
                && any.all_of.is_empty()
                && any.one_of.is_empty()
                && any.any_of.is_empty()
                && any.not.is_none()
        }
        _ => false,
    }
}

/// Whether an untyped schema only lists `required` properties.
fn requires_only(any: &openapiv3::AnySchema) -> bool {
    matches!(any.typ.as_deref(), None | Some("object"))
        && any.properties.is_empty()
        && any.additional_properties.is_none()
        && any.items.is_none()
        && any.enumeration.is_empty()
        && any.all_of.is_empty()
        && any.one_of.is_empty()
        && any.any_of.is_empty()
        && any.not.is_none()
}

/// Whether the schema `narrow` is `wide` with an `enum` added (and `type` left out or the same).
fn narrows(narrow: &serde_json::Value, wide: &serde_json::Value) -> bool {
    let (Some(narrow), Some(wide)) = (narrow.as_object(), wide.as_object()) else {
        return false;
    };
    if !narrow.contains_key("enum") || wide.contains_key("enum") {
        return false;
    }
    let mut narrow = narrow.clone();
    let mut wide = wide.clone();
    narrow.remove("enum");
    if !narrow.contains_key("type") {
        wide.remove("type");
    }
    narrow == wide
}

/// A schema as JSON without the texts that only document it, to tell whether two members
/// define a property alike.
fn shape_of(schema: &ReferenceOr<Box<Schema>>) -> serde_json::Value {
    let mut value = serde_json::to_value(schema).unwrap_or(serde_json::Value::Null);
    if let serde_json::Value::Object(map) = &mut value {
        for key in ["description", "title", "example", "externalDocs"] {
            map.remove(key);
        }
    }
    value
}

impl ModelBuilder<'_> {
    /// A schema behind a reference, or the item itself, as lowering reads it, with the
    /// pointer of where it is defined.
    fn schema_behind(
        &mut self,
        member: &ReferenceOr<Schema>,
        pointer: &str,
    ) -> Result<(Schema, String), Diagnostic> {
        let (schema, at) = match member {
            ReferenceOr::Reference { reference } => {
                let schemas = self.document.components.as_ref().map(|c| &c.schemas);
                let ref_pointer = child(pointer, "$ref");
                let (key, schema) = refs::resolve(schemas, "schemas", reference)
                    .map_err(|err| self.ref_error(err, reference, &ref_pointer))?;
                (schema, push_pointer("/components/schemas", &key))
            }
            ReferenceOr::Item(schema) => (schema, pointer.to_string()),
        };
        let schema = placed(schema).map_err(|what| {
            self.error(
                &at,
                DiagnosticKind::Unsupported {
                    what: what.to_string(),
                },
            )
        })?;
        Ok((schema.into_owned(), at))
    }

    /// The members of an `allOf` (and of the `allOf`s they hold), added up.
    pub(super) fn all_of_parts(
        &mut self,
        members: &[ReferenceOr<Schema>],
        pointer: &str,
        parts: &mut AllOfParts,
        depth: usize,
    ) -> Result<(), Diagnostic> {
        if depth > MAX_ALL_OF_DEPTH {
            return Err(self.error(
                pointer,
                DiagnosticKind::Unsupported {
                    what: format!(
                        "`allOf` members nested more than {MAX_ALL_OF_DEPTH} levels deep (or \
                         an `allOf` that includes itself)"
                    ),
                },
            ));
        }
        for (index, member) in members.iter().enumerate() {
            let member_pointer = child(&child(pointer, "allOf"), &index.to_string());
            if let ReferenceOr::Reference { reference } = member {
                if !parts.seen.insert(reference.clone()) {
                    continue;
                }
            }
            let (schema, at) = self.schema_behind(member, &member_pointer)?;
            match &schema.schema_kind {
                SchemaKind::AllOf { all_of } => {
                    self.all_of_parts(all_of, &at, parts, depth + 1)?;
                }
                SchemaKind::Any(any) if only_all_of(any).is_some() => {
                    self.all_of_parts(&any.all_of, &at, parts, depth + 1)?;
                }
                SchemaKind::Type(Type::Object(object)) => {
                    for (name, property) in &object.properties {
                        let property_pointer = child(&child(&at, "properties"), name);
                        if let Some((_, first, first_pointer)) =
                            parts.properties.iter_mut().find(|(n, _, _)| n == name)
                        {
                            let (old, new) = (shape_of(first), shape_of(property));
                            if old == new {
                                continue;
                            }
                            // A member that only narrows a property to some values (a subtype
                            // fixing its discriminator) narrows the merged one.
                            if narrows(&new, &old) {
                                *first = property.clone();
                                *first_pointer = property_pointer;
                                continue;
                            }
                            if !narrows(&old, &new) {
                                return Err(self.error(
                                    &property_pointer,
                                    DiagnosticKind::Invalid {
                                        what: format!(
                                            "the `allOf` members define the property {name:?} \
                                             differently (here and at {first_pointer}); define \
                                             it once, or alike in every member"
                                        ),
                                    },
                                ));
                            }
                            continue;
                        }
                        parts
                            .properties
                            .push((name.clone(), property.clone(), property_pointer));
                    }
                    for name in &object.required {
                        if !parts.required.contains(name) {
                            parts.required.push(name.clone());
                        }
                    }
                    if let Some(additional) = &object.additional_properties {
                        let open = matches!(
                            additional,
                            AdditionalProperties::Schema(_) | AdditionalProperties::Any(true)
                        );
                        if open && parts.additional.is_none() {
                            parts.additional =
                                Some((additional.clone(), child(&at, "additionalProperties")));
                        }
                    }
                }
                _ if shapeless(&schema) => {}
                // Only `required` (and no type, or `object`): it requires more of the object.
                SchemaKind::Any(any) if requires_only(any) => {
                    for name in &any.required {
                        if !parts.required.contains(name) {
                            parts.required.push(name.clone());
                        }
                    }
                }
                _ => parts.others.push((member.clone(), member_pointer)),
            }
        }
        Ok(())
    }

    /// The members of a `oneOf` / `anyOf` without its `null` members (which make the value
    /// nullable instead), each with its pointer.
    fn non_null_members<'m>(
        members: &'m [ReferenceOr<Schema>],
        pointer: &str,
        word: &str,
    ) -> Vec<(&'m ReferenceOr<Schema>, String)> {
        members
            .iter()
            .enumerate()
            .filter(|(_, m)| !matches!(m, ReferenceOr::Item(s) if is_null_schema(s)))
            .map(|(i, m)| (m, child(&child(pointer, word), &i.to_string())))
            .collect()
    }

    /// The one type a `oneOf` / `anyOf` stands for when it has a single non-`null` member.
    pub(super) fn single_member<'m>(
        members: &'m [ReferenceOr<Schema>],
        pointer: &str,
        word: &str,
    ) -> Option<(&'m ReferenceOr<Schema>, String)> {
        let mut rest = Self::non_null_members(members, pointer, word);
        match rest.len() {
            1 => rest.pop(),
            _ => None,
        }
    }

    /// The constant value a schema's property `name` has (a string enum of one value).
    fn constant_property(&mut self, schema: &Schema, name: &str, at: &str) -> Option<String> {
        let SchemaKind::Type(Type::Object(object)) = &schema.schema_kind else {
            return None;
        };
        if !object.required.iter().any(|r| r == name) {
            return None;
        }
        let property = object.properties.get(name)?;
        let property: ReferenceOr<Schema> = match property {
            ReferenceOr::Reference { reference } => ReferenceOr::Reference {
                reference: reference.clone(),
            },
            ReferenceOr::Item(schema) => ReferenceOr::Item((**schema).clone()),
        };
        let (property, _) = self.schema_behind(&property, at).ok()?;
        match &property.schema_kind {
            SchemaKind::Type(Type::String(string)) => match string.enumeration.as_slice() {
                [Some(only)] => Some(only.clone()),
                _ => None,
            },
            _ => None,
        }
    }

    /// A `oneOf` / `anyOf` with several members: one open enum when every member is a string
    /// enum, otherwise a union.
    pub(super) fn union_kind(
        &mut self,
        name: &str,
        members: &[ReferenceOr<Schema>],
        word: &str,
        discriminator: Option<&Discriminator>,
        pointer: &str,
    ) -> Result<TypeKind, Diagnostic> {
        let members = Self::non_null_members(members, pointer, word);
        let mut resolved = Vec::with_capacity(members.len());
        for (member, member_pointer) in &members {
            resolved.push(self.schema_behind(member, member_pointer)?);
        }
        match members.as_slice() {
            [] => return Ok(TypeKind::Alias(TypeRef::Json)),
            [(only, at)] => return Ok(TypeKind::Alias(self.type_of(*only, name, at)?)),
            _ => {}
        }
        // Every member a string enum (a documented value each, as Dropshot writes enums): one
        // enum with all their values.
        let strings: Option<Vec<Option<String>>> = resolved
            .iter()
            .map(|(schema, _)| match &schema.schema_kind {
                SchemaKind::Type(Type::String(s)) if !s.enumeration.is_empty() => {
                    Some(s.enumeration.clone())
                }
                _ => None,
            })
            .collect::<Option<Vec<_>>>()
            .map(|lists| {
                let mut values: Vec<Option<String>> = Vec::new();
                for value in lists.into_iter().flatten() {
                    if !values.contains(&value) {
                        values.push(value);
                    }
                }
                values
            });
        if let Some(values) = strings {
            return self.enum_kind(&values, pointer);
        }

        let tags = self.member_tags(&members, &resolved, discriminator);
        let (tag, tags) = match tags {
            Some((tag, tags)) => (Some(tag), tags),
            None => (None, vec![Vec::new(); members.len()]),
        };

        let mut names = Namespace::default();
        let mut variants = Vec::with_capacity(members.len());
        for (((member, member_pointer), (schema, _)), tags) in
            members.iter().zip(&resolved).zip(tags)
        {
            let wanted = match member {
                ReferenceOr::Reference { reference } => refs::component_key(reference, "schemas")
                    .ok()
                    .and_then(|key| self.component_names.get(&key).cloned())
                    .unwrap_or_else(|| kind_word(schema).to_string()),
                ReferenceOr::Item(_) => tags
                    .first()
                    .or(schema.schema_data.title.as_ref())
                    .map(|text| pascal_ident(text))
                    .filter(|text| !text.is_empty())
                    .unwrap_or_else(|| kind_word(schema).to_string()),
            };
            let variant = names.claim(&wanted);
            let ty = self.type_of(member, &format!("{name}{variant}"), member_pointer)?;
            if let (Some(tag), ReferenceOr::Item(_), TypeRef::Named(inline)) = (&tag, member, &ty) {
                // The union writes the tag itself: an inline member's struct (made for this
                // union alone) does not ask for it.
                // Not when the struct keeps other properties in a map: the tag would land there.
                if let Some(TypeKind::Struct { fields }) =
                    self.types.get_mut(inline).map(|def| &mut def.kind)
                {
                    if !fields.iter().any(|field| field.flatten) {
                        fields.retain(|field| &field.wire_name != tag);
                    }
                }
            }
            let doc = match member {
                ReferenceOr::Item(schema) => schema.schema_data.description.clone(),
                ReferenceOr::Reference { .. } => None,
            };
            variants.push(VariantModel {
                name: variant,
                ty,
                tags,
                doc,
                boxed: false,
                takes: JsonKind::Any,
            });
        }
        let fallback = ["Other", "Unknown", "OtherValue"]
            .into_iter()
            .find(|name| !names.contains(name))
            .map(str::to_string)
            .unwrap_or_else(|| names.claim("Other"));
        Ok(TypeKind::Union(UnionModel {
            variants,
            tag,
            fallback,
            text: false,
        }))
    }

    /// The tag property of a union and each member's tag values, when every member has at
    /// least one and no two share one: from `discriminator` (its `mapping`, then the schema
    /// names), or else a property every member requires with one constant value.
    fn member_tags(
        &mut self,
        members: &[(&ReferenceOr<Schema>, String)],
        resolved: &[(Schema, String)],
        discriminator: Option<&Discriminator>,
    ) -> Option<(String, Vec<Vec<String>>)> {
        // Only objects carry a tag property: otherwise the members are tried in turn.
        let objects = resolved.iter().all(|(schema, _)| {
            matches!(
                schema.schema_kind,
                SchemaKind::Type(Type::Object(_)) | SchemaKind::AllOf { .. }
            ) || matches!(&schema.schema_kind, SchemaKind::Any(any) if only_all_of(any).is_some())
        });
        if !objects {
            return None;
        }
        let property = match discriminator {
            Some(discriminator) => discriminator.property_name.clone(),
            None => {
                // The candidates: the first member's required properties, in order.
                let (first, at) = resolved.first()?;
                let SchemaKind::Type(Type::Object(object)) = &first.schema_kind else {
                    return None;
                };
                let candidates = object.required.clone();
                let (first, at) = (first.clone(), at.clone());
                candidates
                    .into_iter()
                    .find(|name| self.constant_property(&first, name, &at).is_some())?
            }
        };
        let mut all = Vec::with_capacity(members.len());
        let mut seen = std::collections::BTreeSet::new();
        for ((member, _), (schema, at)) in members.iter().zip(resolved) {
            let mut tags: Vec<String> = Vec::new();
            if let (Some(discriminator), ReferenceOr::Reference { reference }) =
                (discriminator, member)
            {
                let key = refs::component_key(reference, "schemas").ok();
                for (value, target) in &discriminator.mapping {
                    let same = target == reference
                        || refs::component_key(target, "schemas").ok() == key
                        || (key.as_deref() == Some(target.as_str()));
                    if same {
                        tags.push(value.clone());
                    }
                }
                if tags.is_empty() {
                    tags.extend(key);
                }
            }
            if tags.is_empty() {
                tags.extend(self.constant_property(schema, &property, at));
            }
            if tags.is_empty() || !tags.iter().all(|t| seen.insert(t.clone())) {
                return None;
            }
            all.push(tags);
        }
        Some((property, all))
    }
}
