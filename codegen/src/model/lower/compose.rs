//! Composed schemas: `allOf` merged into one object, `oneOf` and `anyOf` into unions (an
//! enum with a variant per member and an open fallback), and the `null` members and
//! `nullable` flags that say a value may be `null`.

use std::collections::BTreeSet;

use openapiv3::{
    AdditionalProperties, Discriminator, ReferenceOr, Schema, SchemaData, SchemaKind, Type,
};

use super::schema::{made_member, only_all_of, placed, MEMBER_POINTER_EXTENSION};
use super::{child, ModelBuilder};
use crate::diagnostic::{push_pointer, Diagnostic, DiagnosticKind};
use crate::model::ir::{
    JsonKind, TypeKind, TypeRef, UnionModel, VariantModel, RESOURCE_TYPE_EXTENSION,
};
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
    /// Members that are not objects (a string, a list ...), with their pointers.
    pub others: Vec<(ReferenceOr<Schema>, String)>,
    /// Members that are a `oneOf` / `anyOf` of objects, with their pointers: each is flattened
    /// into the object.
    pub unions: Vec<(ReferenceOr<Schema>, String)>,
    /// Properties the members define as types no one type holds: each is any JSON value, with
    /// the warning that says so.
    pub conflicts: Vec<(String, Diagnostic)>,
    /// The components already added: one reached twice (a diamond) adds nothing new.
    pub seen: BTreeSet<String>,
    /// The members' discriminators that list the values of a property, in member order.
    pub discriminators: Vec<BaseDiscriminator>,
}

/// A `discriminator` with a `mapping`, written beside an object's properties with no `oneOf`
/// or `anyOf` for it to tag: OpenAPI's `allOf` inheritance, where the base maps each value of
/// the property to the subtype that has it.
#[derive(Debug, Clone)]
pub(super) struct BaseDiscriminator {
    /// The property whose values the mapping's keys are.
    pub property: String,
    /// The mapping's keys, in document order.
    pub values: Vec<String>,
    /// The component it is written on (its Rust name and its key); `None` for an inline
    /// schema, which the object being lowered then stands for.
    pub owner: Option<(String, String)>,
}

/// The `discriminator` of a schema as written (before [`placed`]), when it is a
/// [`BaseDiscriminator`]'s: with a `mapping`, and no `oneOf` or `anyOf` beside it.
pub(super) fn base_discriminator(schema: &Schema) -> Option<&Discriminator> {
    let discriminator = schema.schema_data.discriminator.as_ref()?;
    let tags_members = match &schema.schema_kind {
        SchemaKind::OneOf { .. } | SchemaKind::AnyOf { .. } => true,
        SchemaKind::Any(any) => !any.one_of.is_empty() || !any.any_of.is_empty(),
        _ => false,
    };
    (!tags_members && !discriminator.mapping.is_empty()).then_some(discriminator)
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

/// The one member of an `allOf` that says something of the value's shape, with its index,
/// when every other member only documents it (AWS writes every documented reference so:
/// `allOf: [{$ref: X}, {description: ...}]`, which is `X`).
pub(super) fn documented_member(
    members: &[ReferenceOr<Schema>],
) -> Option<(usize, &ReferenceOr<Schema>)> {
    let mut shaped = members
        .iter()
        .enumerate()
        .filter(|(_, member)| match member {
            ReferenceOr::Item(schema) => !shapeless(schema),
            ReferenceOr::Reference { .. } => true,
        });
    match (shaped.next(), shaped.next()) {
        (Some(only), None) => Some(only),
        _ => None,
    }
}

/// The description an `allOf`'s documenting members give (see [`documented_member`]).
pub(super) fn members_description(members: &[ReferenceOr<Schema>]) -> Option<String> {
    members.iter().find_map(|member| match member {
        ReferenceOr::Item(schema) if shapeless(schema) => schema.schema_data.description.clone(),
        _ => None,
    })
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

/// Whether a schema only constrains an object's values (`required`, `not`, `minProperties`,
/// a `oneOf` / `anyOf` of such rules), and the properties it requires when so. A `oneOf` of
/// `required` lists requires none of them of every value.
fn constraints_only(schema: &Schema) -> Option<&[String]> {
    let rules = |members: &[ReferenceOr<Schema>]| {
        !members.is_empty()
            && members
                .iter()
                .all(|m| matches!(m, ReferenceOr::Item(s) if constraints_only(s).is_some()))
    };
    match &schema.schema_kind {
        SchemaKind::Not { .. } => Some(&[]),
        SchemaKind::OneOf { one_of: members } | SchemaKind::AnyOf { any_of: members }
            if rules(members) =>
        {
            Some(&[])
        }
        SchemaKind::Any(any)
            if matches!(any.typ.as_deref(), None | Some("object"))
                && any.properties.is_empty()
                && any.additional_properties.is_none()
                && any.items.is_none()
                && any.enumeration.is_empty()
                && any.all_of.is_empty()
                && (any.one_of.is_empty() || rules(&any.one_of))
                && (any.any_of.is_empty() || rules(&any.any_of)) =>
        {
            Some(&any.required)
        }
        _ => None,
    }
}

/// A property two `allOf` members define as objects (at `first_at` and `second_at`): the
/// `allOf` of both.
fn both(
    (first, first_at): (&ReferenceOr<Box<Schema>>, &str),
    (second, second_at): (&ReferenceOr<Box<Schema>>, &str),
) -> Schema {
    let member = |schema: &ReferenceOr<Box<Schema>>, at: &str| match schema {
        ReferenceOr::Reference { reference } => ReferenceOr::Reference {
            reference: reference.clone(),
        },
        ReferenceOr::Item(schema) => {
            let mut schema = (**schema).clone();
            schema
                .schema_data
                .extensions
                .extend(made_member(at).extensions);
            ReferenceOr::Item(schema)
        }
    };
    let data = |schema: &ReferenceOr<Box<Schema>>| match schema {
        ReferenceOr::Item(schema) => Some(schema.schema_data.clone()),
        ReferenceOr::Reference { .. } => None,
    };
    let (a, b) = (data(first), data(second));
    Schema {
        schema_data: SchemaData {
            description: b
                .as_ref()
                .and_then(|d| d.description.clone())
                .or_else(|| a.as_ref().and_then(|d| d.description.clone())),
            nullable: a.is_some_and(|d| d.nullable) || b.is_some_and(|d| d.nullable),
            ..SchemaData::default()
        },
        schema_kind: SchemaKind::AllOf {
            all_of: vec![member(first, first_at), member(second, second_at)],
        },
    }
}

/// A property two `allOf` members define as lists of objects: a list of the `allOf` of both
/// items.
fn list_of_both(
    first: (&ReferenceOr<Box<Schema>>, &str),
    second: (&ReferenceOr<Box<Schema>>, &str),
    description: Option<String>,
) -> Schema {
    Schema {
        schema_data: SchemaData {
            description,
            ..SchemaData::default()
        },
        schema_kind: SchemaKind::Type(Type::Array(openapiv3::ArrayType {
            items: Some(ReferenceOr::Item(Box::new(both(first, second)))),
            min_items: None,
            max_items: None,
            unique_items: false,
        })),
    }
}

/// The description of an inline property, kept when its type is lost.
fn first_description(schema: &ReferenceOr<Box<Schema>>) -> Option<String> {
    match schema {
        ReferenceOr::Item(schema) => schema.schema_data.description.clone(),
        ReferenceOr::Reference { .. } => None,
    }
}

impl ModelBuilder<'_> {
    /// A schema behind a reference, or the item itself, as lowering reads it, with the
    /// pointer of where it is defined.
    fn schema_behind(
        &mut self,
        member: &ReferenceOr<Schema>,
        pointer: &str,
    ) -> Result<(Schema, String), Diagnostic> {
        let (schema, at) = self.raw_behind(member, pointer)?;
        let schema = placed(&schema).map_err(|what| {
            self.error(
                &at,
                DiagnosticKind::Unsupported {
                    what: what.to_string(),
                },
            )
        })?;
        Ok((schema.into_owned(), at))
    }

    /// A schema behind a reference, or the item itself, as written, with the pointer of where
    /// it is defined.
    fn raw_behind(
        &self,
        member: &ReferenceOr<Schema>,
        pointer: &str,
    ) -> Result<(Schema, String), Diagnostic> {
        Ok(match member {
            ReferenceOr::Reference { reference } => {
                let schemas = self.document.components.as_ref().map(|c| &c.schemas);
                let ref_pointer = child(pointer, "$ref");
                let component = match refs::resolve(schemas, "schemas", reference) {
                    Ok((key, schema)) => {
                        return Ok((schema.clone(), push_pointer("/components/schemas", &key)))
                    }
                    // A schema inside another node (a component response's body, a property):
                    // read by its pointer, as every other reference to one is.
                    Err(refs::RefError::NotAComponent) => {
                        match self.deep_node::<Schema>(reference, "schemas", &ref_pointer)? {
                            super::deep_ref::DeepNode::Item { pointer, item } => {
                                return Ok((item, pointer))
                            }
                            super::deep_ref::DeepNode::Component(component) => component,
                        }
                    }
                    Err(err) => return Err(self.ref_error(err, reference, &ref_pointer)),
                };
                let (key, schema) = refs::resolve(schemas, "schemas", &component)
                    .map_err(|err| self.ref_error(err, &component, &ref_pointer))?;
                (schema.clone(), push_pointer("/components/schemas", &key))
            }
            ReferenceOr::Item(schema) => (schema.clone(), pointer.to_string()),
        })
    }

    /// The component whose schema is at `pointer` (its Rust name and its key), if any.
    fn component_at(&self, pointer: &str) -> Option<(String, String)> {
        let key = pointer.strip_prefix("/components/schemas/")?;
        if key.contains('/') {
            return None;
        }
        let key = refs::unescape(key);
        let name = self.component_names.get(&key)?.clone();
        Some((name, key))
    }

    /// Whether every non-`null` member of a `oneOf` / `anyOf` is an object (one that can be
    /// flattened into another).
    fn all_objects(&mut self, members: &[ReferenceOr<Schema>], pointer: &str) -> bool {
        let members = Self::non_null_members(members, pointer, "oneOf");
        !members.is_empty()
            && members.iter().all(|(member, at)| {
                self.schema_behind(member, at).is_ok_and(|(schema, _)| {
                    matches!(
                        &schema.schema_kind,
                        SchemaKind::Type(Type::Object(_)) | SchemaKind::AllOf { .. }
                    ) || matches!(&schema.schema_kind, SchemaKind::Any(any) if only_all_of(any).is_some())
                })
            })
    }

    /// The properties the members of the union `union` (a `oneOf` / `anyOf` of objects) define.
    pub(super) fn union_properties(
        &mut self,
        union: &ReferenceOr<Schema>,
        pointer: &str,
    ) -> BTreeSet<String> {
        let mut names = BTreeSet::new();
        let Ok((schema, at)) = self.schema_behind(union, pointer) else {
            return names;
        };
        let (members, word) = match &schema.schema_kind {
            SchemaKind::OneOf { one_of } => (one_of, "oneOf"),
            SchemaKind::AnyOf { any_of } => (any_of, "anyOf"),
            _ => return names,
        };
        for (member, member_at) in Self::non_null_members(members, &at, word) {
            let Ok((schema, schema_at)) = self.schema_behind(member, &member_at) else {
                continue;
            };
            match &schema.schema_kind {
                SchemaKind::Type(Type::Object(object)) => {
                    names.extend(object.properties.keys().cloned());
                }
                SchemaKind::AllOf { all_of } => {
                    let mut parts = AllOfParts::default();
                    if self.all_of_parts(all_of, &schema_at, &mut parts, 0).is_ok() {
                        names.extend(parts.properties.into_iter().map(|(name, _, _)| name));
                    }
                }
                _ => {}
            }
        }
        names
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
            let member_pointer = match member {
                // Made by the generator: its node is the one it stands for.
                ReferenceOr::Item(schema) => match schema
                    .schema_data
                    .extensions
                    .get(MEMBER_POINTER_EXTENSION)
                    .and_then(serde_json::Value::as_str)
                {
                    Some("") => pointer.to_string(),
                    Some(node) => node.to_string(),
                    None => child(&child(pointer, "allOf"), &index.to_string()),
                },
                ReferenceOr::Reference { .. } => {
                    child(&child(pointer, "allOf"), &index.to_string())
                }
            };
            if let ReferenceOr::Reference { reference } = member {
                if !parts.seen.insert(reference.clone()) {
                    continue;
                }
            }
            let (raw, _) = self.raw_behind(member, &member_pointer)?;
            // Only `required`, `not`, `minProperties`, a `oneOf` of `required` lists ...: rules
            // on the object's values, not a shape of its own. `required` asks for more fields.
            if let Some(required) = constraints_only(&raw) {
                for name in required {
                    if !parts.required.contains(name) {
                        parts.required.push(name.clone());
                    }
                }
                continue;
            }
            let (schema, at) = self.schema_behind(member, &member_pointer)?;
            if let Some(discriminator) = base_discriminator(&raw) {
                parts.discriminators.push(BaseDiscriminator {
                    property: discriminator.property_name.clone(),
                    values: discriminator.mapping.keys().cloned().collect(),
                    owner: self.component_at(&at),
                });
            }
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
                            if parts.conflicts.iter().any(|(n, _)| n == name) {
                                continue;
                            }
                            let json = |schema: &ReferenceOr<Box<Schema>>| {
                                serde_json::to_value(schema).unwrap_or(serde_json::Value::Null)
                            };
                            match self.restated(&json(first), &json(property)) {
                                Restated::First => {}
                                Restated::Second => {
                                    *first = property.clone();
                                    *first_pointer = property_pointer;
                                }
                                Restated::Both => {
                                    *first = ReferenceOr::Item(Box::new(both(
                                        (first, first_pointer),
                                        (property, &property_pointer),
                                    )));
                                    *first_pointer = property_pointer;
                                }
                                Restated::BothItems => {
                                    // `restated` read both as lists of objects.
                                    if let (Some(a), Some(b)) =
                                        (self.array_items(first), self.array_items(property))
                                    {
                                        let description = first_description(property)
                                            .or_else(|| first_description(first));
                                        *first = ReferenceOr::Item(Box::new(list_of_both(
                                            (&a, &child(first_pointer, "items")),
                                            (&b, &child(&property_pointer, "items")),
                                            description,
                                        )));
                                        *first_pointer = property_pointer;
                                    }
                                }
                                Restated::Conflict => {
                                    let problem = self.error(
                                        &property_pointer,
                                        DiagnosticKind::Invalid {
                                            what: format!(
                                                "the `allOf` members define the property \
                                                 {name:?} as types no one type holds (here and \
                                                 at {first_pointer}); define it once, or alike \
                                                 in every member"
                                            ),
                                        },
                                    );
                                    parts.conflicts.push((name.clone(), problem));
                                    *first = ReferenceOr::Item(Box::new(Schema {
                                        schema_data: SchemaData {
                                            description: first_description(first),
                                            ..SchemaData::default()
                                        },
                                        schema_kind: SchemaKind::Any(Default::default()),
                                    }));
                                }
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
                SchemaKind::OneOf { one_of: members } | SchemaKind::AnyOf { any_of: members }
                    if self.all_objects(members, &at) =>
                {
                    parts.unions.push((member.clone(), member_pointer));
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
                known: None,
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
        let mut seen = BTreeSet::new();
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

/// How deeply [`ModelBuilder::core_of`] follows references and one-member `allOf`s.
const MAX_CORE_DEPTH: usize = 32;

/// The keywords that only document a schema or constrain its values without changing its Rust
/// type: two definitions that differ only in these agree.
const UNTYPED_KEYWORDS: &[&str] = &[
    "description",
    "title",
    "example",
    "examples",
    "externalDocs",
    "readOnly",
    "writeOnly",
    "deprecated",
    "xml",
    "default",
    "nullable",
    "maxLength",
    "minLength",
    "pattern",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minProperties",
    "maxProperties",
];

/// A schema as JSON with only what decides its Rust type: no documentation, no constraints, a
/// `format` only where it picks the type (`date-time`, `int32`, `float`); the same for the
/// schemas inside it.
fn typed_keywords(schema: &serde_json::Value) -> serde_json::Value {
    let serde_json::Value::Object(map) = schema else {
        return schema.clone();
    };
    let typ = map.get("type").and_then(serde_json::Value::as_str);
    let mut out = serde_json::Map::new();
    for (key, value) in map {
        if UNTYPED_KEYWORDS.contains(&key.as_str())
            || (key.starts_with("x-") && key != RESOURCE_TYPE_EXTENSION)
        {
            continue;
        }
        let value = match key.as_str() {
            "format" => {
                let typed = matches!(
                    (typ, value.as_str()),
                    (Some("string"), Some("date-time"))
                        | (Some("integer"), Some("int32"))
                        | (Some("number"), Some("float"))
                );
                if !typed {
                    continue;
                }
                value.clone()
            }
            "properties" => match value {
                serde_json::Value::Object(properties) => serde_json::Value::Object(
                    properties
                        .iter()
                        .map(|(name, property)| (name.clone(), typed_keywords(property)))
                        .collect(),
                ),
                other => other.clone(),
            },
            "items" | "additionalProperties" | "not" => typed_keywords(value),
            "allOf" | "oneOf" | "anyOf" => match value {
                serde_json::Value::Array(members) => {
                    serde_json::Value::Array(members.iter().map(typed_keywords).collect())
                }
                other => other.clone(),
            },
            _ => value.clone(),
        };
        out.insert(key.clone(), value);
    }
    serde_json::Value::Object(out)
}

/// What a schema is once references and one-member `allOf`s are followed: the component it
/// is (when the last step was a `$ref`) and its typed keywords.
struct Core {
    key: Option<String>,
    json: serde_json::Value,
}

impl Core {
    fn get(&self, keyword: &str) -> Option<&serde_json::Value> {
        self.json.get(keyword)
    }

    /// Says nothing of the value's shape (`{}`, or only documentation and constraints).
    fn shapeless(&self) -> bool {
        self.json.as_object().is_some_and(serde_json::Map::is_empty)
    }

    /// Only lists `required` properties (with no type, or `object`).
    fn requires_only(&self) -> bool {
        self.json.as_object().is_some_and(|map| {
            map.contains_key("required")
                && map.iter().all(|(key, value)| {
                    key == "required" || (key == "type" && value.as_str() == Some("object"))
                })
        })
    }

    /// `type: object` and nothing else: any object.
    fn any_object(&self) -> bool {
        self.json.as_object().is_some_and(|map| {
            map.len() == 1 && map.get("type").and_then(serde_json::Value::as_str) == Some("object")
        })
    }

    fn object_like(&self) -> bool {
        self.get("type").and_then(serde_json::Value::as_str) == Some("object")
            || ["properties", "additionalProperties", "allOf"]
                .iter()
                .any(|keyword| self.get(keyword).is_some())
    }

    /// The JSON type, read from `enum` when `type` is left out.
    fn json_type(&self) -> Option<&str> {
        if let Some(typ) = self.get("type").and_then(serde_json::Value::as_str) {
            return Some(typ);
        }
        let values = self.get("enum")?.as_array()?;
        (!values.is_empty() && values.iter().all(serde_json::Value::is_string)).then_some("string")
    }
}

/// How two definitions of one thing (a property two `allOf` members restate, two non-object
/// `allOf` members) add up.
pub(super) enum Restated {
    /// The first is as narrow as both.
    First,
    /// The second is as narrow as both.
    Second,
    /// Two objects: the value is both, their `allOf`.
    Both,
    /// Two lists of objects: a list of both, their items' `allOf`.
    BothItems,
    /// No one type holds what both say.
    Conflict,
}

impl ModelBuilder<'_> {
    /// `schema` (a schema or a `$ref` as JSON) with references and `allOf`s of one member
    /// (beside members that only document it) followed.
    fn core_of(&self, schema: &serde_json::Value) -> Core {
        let schemas = self.document.components.as_ref().map(|c| &c.schemas);
        let mut key = None;
        let mut json = typed_keywords(schema);
        for _ in 0..MAX_CORE_DEPTH {
            if let Some(reference) = json.get("$ref").and_then(serde_json::Value::as_str) {
                let Ok((found, target)) = refs::resolve(schemas, "schemas", reference) else {
                    break;
                };
                let Ok(value) = serde_json::to_value(target) else {
                    break;
                };
                key = Some(found);
                json = typed_keywords(&value);
                continue;
            }
            let Some(serde_json::Value::Array(members)) = json.get("allOf") else {
                break;
            };
            let alone = json.as_object().is_some_and(|map| {
                map.iter().all(|(keyword, value)| {
                    keyword == "allOf" || (keyword == "type" && value.as_str() == Some("object"))
                })
            });
            let mut shaped = members
                .iter()
                .filter(|member| member.as_object().is_some_and(|m| !m.is_empty()));
            match (alone, shaped.next(), shaped.next()) {
                (true, Some(only), None) => {
                    json = only.clone();
                    key = None;
                }
                _ => break,
            }
        }
        Core { key, json }
    }

    /// Whether the component `outer` is an `allOf` that includes the component `inner`
    /// (through its members' `allOf`s too).
    fn includes(&self, outer: &str, inner: &str, depth: usize) -> bool {
        let schemas = self.document.components.as_ref().map(|c| &c.schemas);
        let Some(ReferenceOr::Item(schema)) = schemas.and_then(|s| s.get(outer)) else {
            return false;
        };
        let members = match &schema.schema_kind {
            SchemaKind::AllOf { all_of } => all_of,
            SchemaKind::Any(any) => &any.all_of,
            _ => return false,
        };
        depth < MAX_CORE_DEPTH
            && members.iter().any(|member| match member {
                ReferenceOr::Reference { reference } => {
                    refs::resolve(schemas, "schemas", reference)
                        .is_ok_and(|(key, _)| key == inner || self.includes(&key, inner, depth + 1))
                }
                ReferenceOr::Item(_) => false,
            })
    }

    /// Whether every value of the non-object `narrow` is a value of `wide`, as far as their
    /// Rust types go (the same type or `integer` in `number`, an `enum` within the other's,
    /// the items alike).
    fn narrower(&self, narrow: &Core, wide: &Core, depth: usize) -> bool {
        if narrow.json == wide.json || wide.shapeless() {
            return true;
        }
        // `type: object` alone holds every object (NPR: `items: {type: object}` restated as
        // `items: {$ref: Error}`).
        if wide.any_object() && narrow.object_like() {
            return true;
        }
        if narrow.object_like() || wide.object_like() || depth > MAX_CORE_DEPTH {
            return false;
        }
        let types = match (narrow.json_type(), wide.json_type()) {
            (_, None) => true,
            (Some(n), Some(w)) => n == w || (n == "integer" && w == "number"),
            (None, Some(_)) => false,
        };
        let enums = match (narrow.get("enum"), wide.get("enum")) {
            (_, None) => true,
            (Some(serde_json::Value::Array(n)), Some(serde_json::Value::Array(w))) => {
                n.iter().all(|value| w.contains(value))
            }
            _ => false,
        };
        let formats = match (narrow.get("format"), wide.get("format")) {
            (_, None) => true,
            (n, w) => n == w,
        };
        let items = match (narrow.get("items"), wide.get("items")) {
            (None, None) => true,
            (Some(n), Some(w)) => {
                let (n, w) = (self.core_of(n), self.core_of(w));
                n.json == w.json
                    || match (&n.key, &w.key) {
                        (Some(n), Some(w)) => self.includes(n, w, 0),
                        _ => self.narrower(&n, &w, depth + 1),
                    }
            }
            _ => false,
        };
        let rest = |core: &Core| {
            let mut map = core.json.as_object().cloned().unwrap_or_default();
            for keyword in ["type", "enum", "format", "items"] {
                map.remove(keyword);
            }
            map
        };
        types && enums && formats && items && rest(narrow) == rest(wide)
    }

    /// Whether `a` and `b` are both lists whose items are objects that neither holds whole
    /// (their items add up as [`Restated::Both`]).
    fn object_lists(&self, a: &Core, b: &Core) -> bool {
        let items = |core: &Core| {
            (core.json_type() == Some("array"))
                .then(|| core.get("items").map(|items| self.core_of(items)))
                .flatten()
        };
        let (Some(ia), Some(ib)) = (items(a), items(b)) else {
            return false;
        };
        ia.object_like()
            && ib.object_like()
            && ia.json != ib.json
            && !ia.any_object()
            && !ib.any_object()
            && (ia.key.is_none() || ib.key.is_none())
    }

    /// The items of a list property (inline, or behind `$ref`s to a list component).
    fn array_items(&self, schema: &ReferenceOr<Box<Schema>>) -> Option<ReferenceOr<Box<Schema>>> {
        let schemas = self.document.components.as_ref().map(|c| &c.schemas);
        let schema: &Schema = match schema {
            ReferenceOr::Item(schema) => schema,
            ReferenceOr::Reference { reference } => {
                refs::resolve(schemas, "schemas", reference).ok()?.1
            }
        };
        match &schema.schema_kind {
            SchemaKind::Type(Type::Array(array)) => array.items.clone(),
            _ => None,
        }
    }

    /// How `first` and `second` (schemas or `$ref`s as JSON) add up.
    pub(super) fn restated(
        &self,
        first: &serde_json::Value,
        second: &serde_json::Value,
    ) -> Restated {
        let (a, b) = (self.core_of(first), self.core_of(second));
        if a.json == b.json || b.shapeless() {
            return Restated::First;
        }
        if a.shapeless() {
            return Restated::Second;
        }
        // `required` alone constrains an object and says nothing of anything else.
        if b.requires_only() {
            return if a.object_like() {
                Restated::Both
            } else {
                Restated::First
            };
        }
        if a.requires_only() {
            return if b.object_like() {
                Restated::Both
            } else {
                Restated::Second
            };
        }
        match (a.object_like(), b.object_like()) {
            (true, true) => match (&a.key, &b.key) {
                (Some(ka), Some(kb)) if self.includes(kb, ka, 0) => Restated::Second,
                (Some(ka), Some(kb)) if self.includes(ka, kb, 0) => Restated::First,
                _ if a.any_object() => Restated::Second,
                _ if b.any_object() => Restated::First,
                // Two objects, named or not: the value is both (JSON Schema's `allOf`), their
                // properties merged the same way, so only a property that truly conflicts
                // inside them degrades (BeezUP: `links` as two link objects).
                _ => Restated::Both,
            },
            // Two lists of objects (Twine: `data: {items: {properties: {id, type}}}` restated
            // with more properties).
            (false, false) if self.object_lists(&a, &b) => Restated::BothItems,
            (false, false) if self.narrower(&a, &b, 0) => Restated::First,
            (false, false) if self.narrower(&b, &a, 0) => Restated::Second,
            _ => Restated::Conflict,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema(yaml: &str) -> Schema {
        serde_yaml::from_str(yaml).unwrap_or_else(|err| panic!("{yaml} is a schema: {err}"))
    }

    #[test]
    fn typed_keywords_keep_only_what_picks_the_type() {
        let value = serde_json::json!({
            "type": "string", "format": "uri", "maxLength": 3, "description": "d",
            "readOnly": true, "x-other": 1,
            "properties": {"description": {"type": "integer", "format": "int32", "example": 1}}
        });
        assert_eq!(
            typed_keywords(&value),
            serde_json::json!({
                "type": "string",
                "properties": {"description": {"type": "integer", "format": "int32"}}
            }),
            "documentation, constraints and formats that do not pick the type are dropped, \
             and a property named `description` is kept"
        );
    }

    #[test]
    fn constraints_only_reads_rules_and_what_they_require() {
        let check = |yaml: &str, expected: Option<&[&str]>| {
            let schema = schema(yaml);
            let found = constraints_only(&schema)
                .map(|names| names.iter().map(String::as_str).collect::<Vec<_>>());
            assert_eq!(found.as_deref(), expected, "constraints_only({yaml})");
        };
        check("required: [a]", Some(&["a"]));
        check("not: {required: [secret]}", Some(&[]));
        check("minProperties: 1", Some(&[]));
        check("oneOf: [{required: [a]}, {required: [b]}]", Some(&[]));
        check("type: string", None);
        check("properties: {a: {type: string}}", None);
        check("oneOf: [{type: string}, {required: [b]}]", None);
    }
}
