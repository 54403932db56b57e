//! Lowering schemas: component schemas to named types, inline schemas to types (objects and
//! enums get names from where they appear), `$ref`s to the names of the components they reach.

use std::collections::{BTreeMap, BTreeSet};

use openapiv3::{
    AdditionalProperties, AnySchema, ArrayType, BooleanType, IntegerFormat, IntegerType,
    NumberFormat, NumberType, ObjectType, ReferenceOr, Schema, SchemaKind, StringFormat,
    StringType, Type, VariantOrUnknownOrEmpty,
};

use super::compose::{
    admits_null, base_discriminator, documented_member, members_description, AllOfParts,
    BaseDiscriminator, Restated,
};
use super::{child, id_type_wanted, name_extension, ModelBuilder};
use crate::diagnostic::{push_pointer, Diagnostic, DiagnosticKind, Fallback};
use crate::load::LoadedSpec;
use crate::model::ir::{
    EnumValue, FieldModel, Gate, MappedValues, Nullable, SerdeUse, TypeDef, TypeKind, TypeRef,
    ID_TYPES_EXTENSION, NAME_EXTENSION, RESOURCE_TYPE_EXTENSION,
};
use crate::model::refs;
use crate::names::{distinct_idents, pascal_ident, snake_ident, Namespace};

/// How deeply inline schemas may nest.
const MAX_SCHEMA_DEPTH: usize = 32;

/// The `x-codegen-name` of a schema, when given.
pub(super) fn name_override(
    extensions: &indexmap::IndexMap<String, serde_json::Value>,
) -> Option<String> {
    name_extension(extensions)
}

impl ModelBuilder<'_> {
    /// Lowers the component schema `key` into its named type.
    pub(super) fn component_type(&mut self, key: &str) -> Result<(), Diagnostic> {
        let document = self.document;
        let Some(schema) = document
            .components
            .as_ref()
            .and_then(|c| c.schemas.get(key))
        else {
            return Ok(());
        };
        let pointer = push_pointer("/components/schemas", key);
        let name = self.component_names.get(key).cloned().unwrap_or_default();
        let def = match schema {
            ReferenceOr::Reference { reference } => {
                let target = self.resolve_schema_ref(reference, &pointer)?;
                TypeDef {
                    name: name.clone(),
                    origin: key.to_string(),
                    doc: None,
                    kind: TypeKind::Alias(TypeRef::Named(target)),
                    error_shape: None,
                    serde: SerdeUse::BOTH,
                    gate: Gate::Always,
                }
            }
            ReferenceOr::Item(schema) => self.named_type(&name, key, schema, &pointer)?,
        };
        self.types.insert(name, def);
        Ok(())
    }

    /// The definition of a named type made from `schema`.
    pub(super) fn named_type(
        &mut self,
        name: &str,
        origin: &str,
        schema: &Schema,
        pointer: &str,
    ) -> Result<TypeDef, Diagnostic> {
        // The discriminator of an `allOf` base names the values of one of its properties.
        let own = base_discriminator(schema).map(|discriminator| BaseDiscriminator {
            property: discriminator.property_name.clone(),
            values: discriminator.mapping.keys().cloned().collect(),
            owner: Some((name.to_string(), origin.to_string())),
        });
        let schema = &*placed(schema).map_err(|what| {
            self.error(
                pointer,
                DiagnosticKind::Unsupported {
                    what: what.to_string(),
                },
            )
        })?;
        // An `allOf` of one member is that member's type, unless the discriminator beside it
        // names a property of the member's: then the values are this type's own.
        let single_member = match &schema.schema_kind {
            SchemaKind::AllOf { all_of } if all_of.len() == 1 => Some(all_of),
            SchemaKind::Any(any) if only_all_of(any).is_some() => Some(&any.all_of),
            _ => None,
        };
        let discriminated = match (single_member, &own) {
            (Some(members), Some(discriminator)) => {
                self.discriminated_parts(members, pointer, discriminator)
            }
            _ => None,
        };
        let kind = match (&schema.schema_kind, discriminated) {
            (_, Some(parts)) => self.all_of_object(name, parts, own)?,
            (SchemaKind::Type(Type::String(string)), None) if !string.enumeration.is_empty() => {
                self.enum_kind(&string.enumeration, pointer)?
            }
            (SchemaKind::Type(Type::Object(object)), None) if !object.properties.is_empty() => {
                let properties: Vec<(String, ReferenceOr<Box<Schema>>, String)> = object
                    .properties
                    .iter()
                    .map(|(wire, property)| {
                        let at = child(&child(pointer, "properties"), wire);
                        (wire.clone(), property.clone(), at)
                    })
                    .collect();
                let additional = object
                    .additional_properties
                    .as_ref()
                    .map(|a| (a.clone(), child(pointer, "additionalProperties")));
                let fields = self.struct_fields(
                    name,
                    &properties,
                    &object.required,
                    additional,
                    own.as_slice(),
                )?;
                TypeKind::Struct { fields }
            }
            (SchemaKind::AllOf { all_of }, None) if all_of.len() > 1 => {
                let mut parts = AllOfParts::default();
                self.all_of_parts(all_of, pointer, &mut parts, 0)?;
                self.all_of_object(name, parts, own)?
            }
            (SchemaKind::OneOf { one_of }, None) if one_of.len() > 1 => self.union_kind(
                name,
                one_of,
                "oneOf",
                schema.schema_data.discriminator.as_ref(),
                pointer,
            )?,
            (SchemaKind::AnyOf { any_of }, None) if any_of.len() > 1 => self.union_kind(
                name,
                any_of,
                "anyOf",
                schema.schema_data.discriminator.as_ref(),
                pointer,
            )?,
            _ => TypeKind::Alias(self.type_of_schema(schema, &format!("{name}Value"), pointer)?),
        };
        Ok(TypeDef {
            name: name.to_string(),
            origin: origin.to_string(),
            doc: schema.schema_data.description.clone(),
            kind,
            error_shape: None,
            serde: SerdeUse::BOTH,
            gate: Gate::Always,
        })
    }

    /// [`Self::all_of_kind`], with the schema's own discriminator first, and the properties
    /// the members restate as types no one type holds degraded once the object stands
    /// (otherwise the whole node is what degrades).
    fn all_of_object(
        &mut self,
        name: &str,
        mut parts: AllOfParts,
        own: Option<BaseDiscriminator>,
    ) -> Result<TypeKind, Diagnostic> {
        let conflicts = std::mem::take(&mut parts.conflicts);
        parts.discriminators.splice(0..0, own);
        let kind = self.all_of_kind(name, parts)?;
        for (_, problem) in conflicts {
            self.degrade(problem, Fallback::Untyped);
        }
        Ok(kind)
    }

    /// The parts of a one-member `allOf` when `discriminator`, written beside it, names a
    /// property of the member's that takes its values (see [`mapped_string`]); `None`
    /// otherwise, and when the member cannot be read (its type then says why).
    fn discriminated_parts(
        &mut self,
        members: &[ReferenceOr<Schema>],
        pointer: &str,
        discriminator: &BaseDiscriminator,
    ) -> Option<AllOfParts> {
        let mut parts = AllOfParts::default();
        self.all_of_parts(members, pointer, &mut parts, 0).ok()?;
        parts
            .properties
            .iter()
            .any(|(wire, property, _)| *wire == discriminator.property && mapped_string(property))
            .then_some(parts)
    }

    /// What the members of an `allOf` add up to: an object (with a flattened field per union
    /// member), or the narrowest of members that are not objects when they agree.
    fn all_of_kind(&mut self, name: &str, parts: AllOfParts) -> Result<TypeKind, Diagnostic> {
        let object = !parts.properties.is_empty() || parts.additional.is_some();
        if let (Some((_, at)), true) = (parts.others.first(), object || !parts.unions.is_empty()) {
            return Err(self.error(
                at,
                DiagnosticKind::Unsupported {
                    what: "`allOf` of an object and a schema that is not an object".to_string(),
                },
            ));
        }
        if !object && parts.unions.is_empty() {
            let mut others = parts.others.iter();
            let Some(mut narrowest) = others.next() else {
                return Ok(TypeKind::Alias(TypeRef::JsonObject));
            };
            let json = |schema: &ReferenceOr<Schema>| {
                serde_json::to_value(schema).unwrap_or(serde_json::Value::Null)
            };
            for other in others {
                match self.restated(&json(&narrowest.0), &json(&other.0)) {
                    Restated::First => {}
                    Restated::Second => narrowest = other,
                    Restated::Both | Restated::BothItems | Restated::Conflict => {
                        return Err(self.error(
                            &other.1,
                            DiagnosticKind::Unsupported {
                                what: format!(
                                    "`allOf` of schemas that are not objects and that no one \
                                     type holds (this one and the one at {})",
                                    narrowest.1
                                ),
                            },
                        ))
                    }
                }
            }
            let (only, at) = narrowest;
            return Ok(TypeKind::Alias(self.type_of(only, name, at)?));
        }
        // A property a union's members define is theirs: a field beside the flattened union
        // would take it from them when reading, and write it twice.
        let mut theirs = BTreeSet::new();
        for (union, at) in &parts.unions {
            theirs.extend(self.union_properties(union, at));
        }
        let properties: Vec<_> = parts
            .properties
            .into_iter()
            .filter(|(wire, _, _)| !theirs.contains(wire))
            .collect();
        if properties.is_empty() && parts.additional.is_none() {
            if let [(only, at)] = parts.unions.as_slice() {
                return Ok(match only {
                    ReferenceOr::Item(union) => self.named_type(name, name, union, at)?.kind,
                    ReferenceOr::Reference { .. } => TypeKind::Alias(self.type_of(only, name, at)?),
                });
            }
        }
        let mut fields = self.struct_fields(
            name,
            &properties,
            &parts.required,
            parts.additional,
            &parts.discriminators,
        )?;
        let taken: Vec<String> = fields.iter().map(|field| field.ident.clone()).collect();
        let taken: Vec<&str> = taken.iter().map(String::as_str).collect();
        let mut namespace = Namespace::with_reserved(&taken);
        for (union, at) in &parts.unions {
            let word = match union {
                ReferenceOr::Item(Schema {
                    schema_kind: SchemaKind::AnyOf { .. },
                    ..
                }) => "anyOf",
                _ => "oneOf",
            };
            let hint = format!("{name}{}", pascal_ident(word));
            let ty = match union {
                // Made for this object alone: its doc says whose it is.
                ReferenceOr::Item(schema) if schema.schema_data.description.is_none() => {
                    let mut schema = schema.clone();
                    schema.schema_data.description = Some(format!(
                        "Which member of the `{word}` of `{name}` a value is, with the \
                         properties that member holds."
                    ));
                    // Its node may be the object's own (`oneOf` beside properties): it is
                    // named here, not registered as the type of that node.
                    let union_name = self.type_names.claim(&pascal_ident(&hint));
                    let def = self.named_type(&union_name, &union_name, &schema, at)?;
                    self.types.insert(union_name.clone(), def);
                    TypeRef::Named(union_name)
                }
                _ => self.type_of(union, &hint, at)?,
            };
            fields.push(FieldModel {
                ident: namespace.claim(&snake_ident(word)),
                wire_name: word.to_string(),
                doc: Some(format!(
                    "The properties of the member of the `{word}` the value is, beside the \
                     named ones."
                )),
                ty,
                required: true,
                nullable: Nullable::No,
                flatten: true,
                boxed: false,
                resource_type: None,
                mapped_values: None,
            });
        }
        Ok(TypeKind::Struct { fields })
    }

    /// The fields of an object, one per property (each with its pointer), in document order,
    /// and a flattened map of the other properties when `additionalProperties` allows them. A
    /// plain string property that one of `discriminators` names (the first) keeps the values
    /// its mapping lists.
    fn struct_fields(
        &mut self,
        name: &str,
        properties: &[(String, ReferenceOr<Box<Schema>>, String)],
        required: &[String],
        additional: Option<(AdditionalProperties, String)>,
        discriminators: &[BaseDiscriminator],
    ) -> Result<Vec<FieldModel>, Diagnostic> {
        let given: Vec<Option<String>> = properties
            .iter()
            .map(|(_, property, _)| match property {
                ReferenceOr::Item(inner) => name_extension(&inner.schema_data.extensions),
                ReferenceOr::Reference { .. } => None,
            })
            .collect();
        let mut given = given;
        // Two properties given one name: the later one's given name is ignored (a warning).
        let idents = loop {
            let members: Vec<(&str, Option<&str>)> = properties
                .iter()
                .zip(&given)
                .map(|((wire, _, _), given)| (wire.as_str(), given.as_deref()))
                .collect();
            let (first, second) = match distinct_idents(&members, snake_ident) {
                Ok(idents) => break idents,
                Err(pair) => pair,
            };
            let wire = |i: usize| members.get(i).map_or("", |m| m.0);
            let at = properties.get(second).map_or("", |(_, _, at)| at.as_str());
            let problem = self.error(
                at,
                DiagnosticKind::Invalid {
                    what: format!(
                        "the properties {:?} and {:?} are both given the Rust name {:?} with \
                         `{NAME_EXTENSION}`; give one of them another",
                        wire(first),
                        wire(second),
                        given.get(second).cloned().flatten().unwrap_or_default()
                    ),
                },
            );
            self.degrade(
                problem,
                Fallback::Assumed {
                    what: format!(
                        "the `{NAME_EXTENSION}` of {:?} is ignored: its field is named from the \
                         property",
                        wire(second)
                    ),
                },
            );
            match given.get_mut(second) {
                Some(name) => *name = None,
                None => break Vec::new(),
            }
        };
        let mut fields: Vec<FieldModel> = Vec::new();
        let taken: Vec<&str> = idents.iter().map(String::as_str).collect();
        let mut namespace = Namespace::with_reserved(&taken);
        for ((wire_name, property, field_pointer), ident) in properties.iter().zip(idents.clone()) {
            let field_pointer = field_pointer.clone();
            let hint = format!("{name}{}", pascal_ident(wire_name));
            let (ty, nullable, doc, resource_type) =
                match property {
                    ReferenceOr::Reference { reference } => {
                        let target = self.resolve_schema_ref(reference, &field_pointer)?;
                        let nullable = self.node_admits_null(property, 0);
                        (TypeRef::Named(target), nullable, None, None)
                    }
                    ReferenceOr::Item(inner) => (
                        self.type_of_schema(inner, &hint, &field_pointer)?,
                        self.node_admits_null(property, 0),
                        inner.schema_data.description.clone().or_else(|| {
                            match &inner.schema_kind {
                                SchemaKind::AllOf { all_of } => members_description(all_of),
                                _ => None,
                            }
                        }),
                        resource_type(inner),
                    ),
                };
            let mapped_values = discriminators
                .iter()
                .find(|discriminator| &discriminator.property == wire_name)
                .filter(|_| mapped_string(property))
                .map(|discriminator| mapped_values(discriminator, name));
            let in_required = required.contains(wire_name);
            // `null` where the type already holds it (any JSON) needs no `Option`.
            let nullable = nullable && ty != TypeRef::Json;
            fields.push(FieldModel {
                ident,
                wire_name: wire_name.clone(),
                doc,
                ty,
                required: in_required && !nullable,
                nullable: match (nullable, in_required) {
                    (false, _) => Nullable::No,
                    (true, true) => Nullable::Required,
                    (true, false) => Nullable::Optional,
                },
                flatten: false,
                boxed: false,
                resource_type,
                mapped_values,
            });
        }
        let value = match additional {
            Some((AdditionalProperties::Any(true), _)) => Some(TypeRef::Json),
            Some((AdditionalProperties::Schema(value), at)) => {
                Some(self.nullable_type_of(&value, &format!("{name}Value"), &at)?)
            }
            _ => None,
        };
        if let Some(value) = value {
            let ident = namespace.claim("additional_properties");
            fields.push(FieldModel {
                ident,
                wire_name: "additionalProperties".to_string(),
                doc: Some("The properties beyond the named ones, by name.".to_string()),
                ty: TypeRef::Map(Box::new(value)),
                required: true,
                nullable: Nullable::No,
                flatten: true,
                boxed: false,
                resource_type: None,
                mapped_values: None,
            });
        }
        Ok(fields)
    }

    pub(super) fn enum_kind(
        &mut self,
        enumeration: &[Option<String>],
        pointer: &str,
    ) -> Result<TypeKind, Diagnostic> {
        // A value listed twice is one value (JSON Schema: the values should be unique).
        let mut seen = BTreeSet::new();
        let mut unique: Vec<&str> = Vec::new();
        for (index, value) in enumeration.iter().enumerate() {
            let Some(wire) = value else { continue };
            if seen.insert(wire.as_str()) {
                unique.push(wire);
                continue;
            }
            let problem = self.error(
                &child(&child(pointer, "enum"), &index.to_string()),
                DiagnosticKind::Invalid {
                    what: format!("the enum value {wire:?} is listed twice"),
                },
            );
            self.degrade(
                problem,
                Fallback::Assumed {
                    what: "the repeated value is one variant of the enum".to_string(),
                },
            );
        }
        let (values, catch_all) = enum_values(&unique);
        Ok(TypeKind::Enum { values, catch_all })
    }

    /// The component schema a `$ref` names, as its Rust type name; queues it for lowering.
    pub(super) fn resolve_schema_ref(
        &mut self,
        reference: &str,
        pointer: &str,
    ) -> Result<String, Diagnostic> {
        let ref_pointer = child(pointer, "$ref");
        let schemas = self.document.components.as_ref().map(|c| &c.schemas);
        // Following the whole chain proves it ends at a definition (no dangling link, no cycle).
        match refs::resolve(schemas, "schemas", reference) {
            // A schema inside another node, or a chain that passes through one.
            Err(refs::RefError::NotAComponent) => return self.deep_schema_ref(reference, pointer),
            resolved => resolved.map_err(|err| self.ref_error(err, reference, &ref_pointer))?,
        };
        let key = refs::component_key(reference, "schemas")
            .map_err(|err| self.ref_error(err, reference, &ref_pointer))?;
        let Some(name) = self.component_names.get(&key).cloned() else {
            return Err(self.ref_error(refs::RefError::Dangling, reference, &ref_pointer));
        };
        self.use_component(&key);
        Ok(name)
    }

    /// The type of a schema or a `$ref` to one (inline or boxed, as openapiv3 nests them).
    pub(super) fn type_of<S: std::borrow::Borrow<Schema>>(
        &mut self,
        schema: &ReferenceOr<S>,
        hint: &str,
        pointer: &str,
    ) -> Result<TypeRef, Diagnostic> {
        match schema {
            ReferenceOr::Reference { reference } => {
                match self.resolve_schema_ref(reference, pointer) {
                    Ok(name) => Ok(TypeRef::Named(name)),
                    Err(problem) => Ok(self.untyped(problem)),
                }
            }
            ReferenceOr::Item(schema) => self.type_of_schema(schema.borrow(), hint, pointer),
        }
    }

    /// The type of a list item, a map value or a whole body: `Option<T>` when the schema
    /// admits `null` (its `nullable`, a `null` member, or through a `$ref` the target's), so
    /// that a `null` the schema allows decodes wherever the type is used.
    pub(super) fn nullable_type_of<S: std::borrow::Borrow<Schema>>(
        &mut self,
        schema: &ReferenceOr<S>,
        hint: &str,
        pointer: &str,
    ) -> Result<TypeRef, Diagnostic> {
        let ty = self.type_of(schema, hint, pointer)?;
        // `null` where the type already holds it (any JSON) needs no `Option`.
        Ok(if ty != TypeRef::Json && self.node_admits_null(schema, 0) {
            TypeRef::Nullable(Box::new(ty))
        } else {
            ty
        })
    }

    /// Whether a node admits `null`: its own `nullable` or `null` member, through a `$ref`
    /// the target's, and through an `allOf` of one shaped member (`allOf: [{$ref: X}]`, or
    /// beside members that only document it: the ways 3.0 documents a reference) the member's.
    pub(super) fn node_admits_null<S: std::borrow::Borrow<Schema>>(
        &self,
        node: &ReferenceOr<S>,
        depth: usize,
    ) -> bool {
        if depth > 16 {
            return false;
        }
        let schema = match node {
            ReferenceOr::Reference { reference } => {
                let schemas = self.document.components.as_ref().map(|c| &c.schemas);
                match refs::resolve(schemas, "schemas", reference) {
                    Ok((_, target)) => target,
                    Err(_) => return false,
                }
            }
            ReferenceOr::Item(schema) => schema.borrow(),
        };
        if admits_null(schema) {
            return true;
        }
        match &schema.schema_kind {
            // One member that gives the shape, beside members that only document it.
            SchemaKind::AllOf { all_of } => documented_member(all_of)
                .is_some_and(|(_, member)| self.node_admits_null(member, depth + 1)),
            SchemaKind::Any(any) => {
                only_all_of(any).is_some_and(|only| self.node_admits_null(only, depth + 1))
            }
            _ => false,
        }
    }

    /// The type of an inline schema; objects with properties and enums become named types
    /// called `hint`. A schema that cannot be typed is any JSON value at this node alone, with
    /// a warning (README, "When a spec cannot be typed").
    pub(super) fn type_of_schema(
        &mut self,
        schema: &Schema,
        hint: &str,
        pointer: &str,
    ) -> Result<TypeRef, Diagnostic> {
        match self.type_of_schema_checked(schema, hint, pointer) {
            Ok(ty) => Ok(ty),
            Err(problem) => Ok(self.untyped(problem)),
        }
    }

    /// The open type that stands for a node that cannot be typed, and the warning that says so.
    pub(super) fn untyped(&mut self, problem: Diagnostic) -> TypeRef {
        self.degrade(problem, Fallback::Untyped);
        TypeRef::Json
    }

    fn type_of_schema_checked(
        &mut self,
        schema: &Schema,
        hint: &str,
        pointer: &str,
    ) -> Result<TypeRef, Diagnostic> {
        if self.depth >= MAX_SCHEMA_DEPTH {
            return Err(self.error(
                pointer,
                DiagnosticKind::Unsupported {
                    what: format!(
                        "a schema nested more than {MAX_SCHEMA_DEPTH} levels deep (no real API \
                         nests this deep; give the inner schemas names under `components`)"
                    ),
                },
            ));
        }
        self.depth += 1;
        let result = self.type_of_schema_at_depth(schema, hint, pointer);
        self.depth -= 1;
        result
    }

    fn type_of_schema_at_depth(
        &mut self,
        schema: &Schema,
        hint: &str,
        pointer: &str,
    ) -> Result<TypeRef, Diagnostic> {
        let unsupported = |this: &Self, what: &str| {
            Err(this.error(
                pointer,
                DiagnosticKind::Unsupported {
                    what: what.to_string(),
                },
            ))
        };
        let schema = &*match placed(schema) {
            Ok(schema) => schema,
            Err(what) => return unsupported(self, what),
        };
        match &schema.schema_kind {
            SchemaKind::Type(Type::String(string)) => {
                if !string.enumeration.is_empty() {
                    return self.inline_type(schema, hint, pointer);
                }
                if let Some(resource) = resource_type(schema) {
                    return Ok(self.id_type(&resource));
                }
                Ok(match &string.format {
                    VariantOrUnknownOrEmpty::Item(StringFormat::DateTime) => TypeRef::DateTime,
                    _ => TypeRef::String,
                })
            }
            SchemaKind::Type(Type::Integer(integer)) => Ok(integer_type(integer)),
            SchemaKind::Type(Type::Number(number)) => Ok(match &number.format {
                VariantOrUnknownOrEmpty::Item(NumberFormat::Float) => TypeRef::F32,
                _ => TypeRef::F64,
            }),
            SchemaKind::Type(Type::Boolean(_)) => Ok(TypeRef::Bool),
            SchemaKind::Type(Type::Array(_))
                if schema
                    .schema_data
                    .extensions
                    .contains_key(crate::load::upgrade::TUPLE) =>
            {
                self.tuple_type(schema, hint, pointer)
            }
            SchemaKind::Type(Type::Array(array)) => match &array.items {
                Some(items) => Ok(TypeRef::Vec(Box::new(self.nullable_type_of(
                    items,
                    &format!("{hint}Item"),
                    &child(pointer, "items"),
                )?))),
                None => Ok(TypeRef::Vec(Box::new(TypeRef::Json))),
            },
            SchemaKind::Type(Type::Object(object)) => {
                if !object.properties.is_empty() {
                    return self.inline_type(schema, hint, pointer);
                }
                match &object.additional_properties {
                    Some(AdditionalProperties::Schema(value)) => {
                        Ok(TypeRef::Map(Box::new(self.nullable_type_of(
                            value,
                            &format!("{hint}Value"),
                            &child(pointer, "additionalProperties"),
                        )?)))
                    }
                    _ => Ok(TypeRef::JsonObject),
                }
            }
            SchemaKind::AllOf { all_of } if all_of.len() == 1 => match all_of.first() {
                Some(only) => self.type_of(only, hint, &child(&child(pointer, "allOf"), "0")),
                None => Ok(TypeRef::Json),
            },
            SchemaKind::AllOf { all_of } => match documented_member(all_of) {
                Some((index, only)) => self.type_of(
                    only,
                    hint,
                    &child(&child(pointer, "allOf"), &index.to_string()),
                ),
                None => self.inline_type(schema, hint, pointer),
            },
            SchemaKind::OneOf { one_of: members } | SchemaKind::AnyOf { any_of: members } => {
                let word = match &schema.schema_kind {
                    SchemaKind::OneOf { .. } => "oneOf",
                    _ => "anyOf",
                };
                match Self::single_member(members, pointer, word) {
                    Some((only, at)) => self.type_of(only, hint, &at),
                    None => self.inline_type(schema, hint, pointer),
                }
            }
            SchemaKind::Not { .. } => unsupported(self, "`not`"),
            SchemaKind::Any(any) => match only_all_of(any) {
                // `type: object` beside a one-member `allOf` (VMware's newer specs write every
                // error subtype so): the member's type.
                Some(only) => self.type_of(only, hint, &child(&child(pointer, "allOf"), "0")),
                None => Ok(TypeRef::Json),
            },
        }
    }

    /// A tuple: the items of a list of exactly these items (`prefixItems`, which `load` puts
    /// in the schema's [`TUPLE`](crate::load::upgrade::TUPLE) extension), each typed where it
    /// is written.
    fn tuple_type(
        &mut self,
        schema: &Schema,
        hint: &str,
        pointer: &str,
    ) -> Result<TypeRef, Diagnostic> {
        let key = crate::load::upgrade::TUPLE;
        let members_pointer = child(pointer, key);
        let Some(serde_json::Value::Array(members)) = schema.schema_data.extensions.get(key) else {
            return Ok(TypeRef::Json);
        };
        let mut items = Vec::new();
        for (index, member) in members.iter().enumerate() {
            let at = child(&members_pointer, &index.to_string());
            let member: ReferenceOr<Schema> =
                serde_json::from_value(member.clone()).map_err(|err| {
                    self.error(
                        &at,
                        DiagnosticKind::Invalid {
                            what: format!("the tuple's item cannot be read as a schema: {err}"),
                        },
                    )
                })?;
            items.push(self.nullable_type_of(&member, &format!("{hint}Item{}", index + 1), &at)?);
        }
        Ok(TypeRef::Tuple(items))
    }

    /// The id type of `resource`, registered on first use.
    fn id_type(&mut self, resource: &str) -> TypeRef {
        if let Some(name) = self.id_types.get(resource) {
            return TypeRef::Named(name.clone());
        }
        let name = self
            .type_names
            .claim(&id_type_wanted(&self.id_names, resource));
        self.id_types.insert(resource.to_string(), name.clone());
        self.types.insert(
            name.clone(),
            TypeDef {
                name: name.clone(),
                origin: name.clone(),
                doc: None,
                kind: TypeKind::Id {
                    resource_type: resource.to_string(),
                },
                error_shape: None,
                serde: SerdeUse::BOTH,
                gate: Gate::Always,
            },
        );
        TypeRef::Named(name)
    }

    /// Registers an inline object, enum or union as a named type.
    fn inline_type(
        &mut self,
        schema: &Schema,
        hint: &str,
        pointer: &str,
    ) -> Result<TypeRef, Diagnostic> {
        // A schema a reference to this very node already lowered (`deep_ref.rs`).
        if let Some(name) = self.deep_types.get(pointer) {
            return Ok(TypeRef::Named(name.clone()));
        }
        let name = self.type_names.claim(&pascal_ident(hint));
        self.inline_types
            .entry(pointer.to_string())
            .or_insert_with(|| name.clone());
        match self.named_type(&name, &name, schema, pointer) {
            Ok(def) => {
                self.types.insert(name.clone(), def);
                Ok(TypeRef::Named(name))
            }
            Err(problem) => {
                // Nothing of that name is written: a reference to this node is untyped too.
                if self.inline_types.get(pointer) == Some(&name) {
                    self.inline_types.remove(pointer);
                }
                Err(problem)
            }
        }
    }
}

/// What a schema openapiv3 could not place (`SchemaKind::Any`: `properties` without `type`,
/// `type` beside `oneOf`, ...) is, as one of the kinds lowering reads: `Ok(None)` when it
/// stays as it is, `Err` naming a construct that is not supported.
fn any_as_kind(
    any: &AnySchema,
    data: &openapiv3::SchemaData,
) -> Result<Option<SchemaKind>, &'static str> {
    if any.not.is_some() {
        // `not` only excludes values: beside anything else (`type: string, not: {enum:
        // [""]}`, properties and a `not` of `required`), the rest of the schema holds every
        // value it allows, so the type is the rest's. A `not` alone says nothing of a shape:
        // openapiv3 reads it as `SchemaKind::Not`, which degrades.
        let rest = AnySchema {
            not: None,
            ..any.clone()
        };
        if rest == AnySchema::default() {
            return Err("`not`");
        }
        // The rest, read again as openapiv3 places it (a `type: string` is a string type).
        let kind = serde_json::to_value(&rest)
            .ok()
            .and_then(|tree| serde_json::from_value::<SchemaKind>(tree).ok())
            .ok_or("`not`")?;
        return match kind {
            SchemaKind::Any(rest) => Ok(Some(
                any_as_kind(&rest, data)?.unwrap_or(SchemaKind::Any(rest)),
            )),
            kind => Ok(Some(kind)),
        };
    }
    let own_object = !any.properties.is_empty()
        || !any.required.is_empty()
        || any.additional_properties.is_some();
    let compositions = [&any.all_of, &any.one_of, &any.any_of]
        .iter()
        .filter(|members| !members.is_empty())
        .count();
    if compositions > 1 {
        return Err("a schema that combines `allOf`, `oneOf` and `anyOf`");
    }
    let members = if any.one_of.is_empty() {
        &any.any_of
    } else {
        &any.one_of
    };
    if !any.properties.is_empty()
        && !members.is_empty()
        && members.iter().all(|m| constrains_only(m, any))
    {
        // Members that only require or narrow the object's own properties are validation
        // rules (GitHub: "`conclusion` is required when `status` is `completed`"): the type is
        // the object.
        return Ok(Some(SchemaKind::Type(Type::Object(ObjectType {
            properties: any.properties.clone(),
            required: any.required.clone(),
            additional_properties: any.additional_properties.clone(),
            ..ObjectType::default()
        }))));
    }
    if !members.is_empty() {
        // `items` or `enum` beside the members (GitHub: `type: array, items: string, oneOf:
        // [{an object}, {an array of strings}]`) only narrow what the members allow: the type
        // is the members' union, which holds every value the schema allows.
        let union = if any.one_of.is_empty() {
            SchemaKind::AnyOf {
                any_of: any.any_of.clone(),
            }
        } else {
            SchemaKind::OneOf {
                one_of: any.one_of.clone(),
            }
        };
        // `type: object`, a description, `required` or `additionalProperties: false` beside
        // the members says nothing they do not.
        let open = matches!(
            any.additional_properties,
            Some(AdditionalProperties::Schema(_) | AdditionalProperties::Any(true))
        );
        if any.properties.is_empty() && !open {
            return Ok(Some(union));
        }
        // Properties of its own: an object with them, and the union flattened into it.
        return Ok(Some(SchemaKind::AllOf {
            all_of: vec![
                ReferenceOr::Item(Schema {
                    schema_data: made_member(""),
                    schema_kind: SchemaKind::Type(Type::Object(ObjectType {
                        properties: any.properties.clone(),
                        required: any.required.clone(),
                        additional_properties: any.additional_properties.clone(),
                        ..ObjectType::default()
                    })),
                }),
                ReferenceOr::Item(Schema {
                    schema_data: openapiv3::SchemaData {
                        discriminator: data.discriminator.clone(),
                        ..made_member("")
                    },
                    schema_kind: union,
                }),
            ],
        }));
    }
    if !any.all_of.is_empty() {
        if only_all_of(any).is_some() {
            return Ok(None);
        }
        let mut all_of = any.all_of.clone();
        if any.items.is_some() || !any.enumeration.is_empty() {
            // `items` or `enum` of its own (Discord: `type: integer, enum: [11], allOf:
            // [{$ref: OptionType}]`, a tag narrowed to one value) are one more member, read
            // the way any schema is: the members then merge as `allOf` members do.
            let rest = AnySchema {
                all_of: Vec::new(),
                properties: indexmap::IndexMap::new(),
                required: Vec::new(),
                additional_properties: None,
                ..any.clone()
            };
            let kind = serde_json::to_value(&rest)
                .ok()
                .and_then(|tree| serde_json::from_value::<SchemaKind>(tree).ok())
                .ok_or("`allOf` beside `items` or `enum` of its own")?;
            all_of.push(ReferenceOr::Item(Schema {
                schema_data: made_member(""),
                schema_kind: kind,
            }));
        }
        // The schema's own properties are one more member.
        if own_object {
            all_of.push(ReferenceOr::Item(Schema {
                schema_data: made_member(""),
                schema_kind: SchemaKind::Type(Type::Object(ObjectType {
                    properties: any.properties.clone(),
                    required: any.required.clone(),
                    additional_properties: any.additional_properties.clone(),
                    ..ObjectType::default()
                })),
            }));
        }
        return Ok(Some(SchemaKind::AllOf { all_of }));
    }
    let format = any.format.as_deref();
    let kind = match any.typ.as_deref() {
        None | Some("object")
            if !any.properties.is_empty() || any.additional_properties.is_some() =>
        {
            Type::Object(ObjectType {
                properties: any.properties.clone(),
                required: any.required.clone(),
                additional_properties: any.additional_properties.clone(),
                ..ObjectType::default()
            })
        }
        None | Some("array") if any.items.is_some() => Type::Array(ArrayType {
            items: any.items.clone(),
            min_items: None,
            max_items: None,
            unique_items: false,
        }),
        None | Some("string")
            if !any.enumeration.is_empty() && any.enumeration.iter().all(|v| v.is_string()) =>
        {
            Type::String(StringType {
                enumeration: any
                    .enumeration
                    .iter()
                    .map(|v| v.as_str().map(str::to_string))
                    .collect(),
                ..StringType::default()
            })
        }
        Some("string") => Type::String(StringType {
            format: match format {
                Some("date-time") => VariantOrUnknownOrEmpty::Item(StringFormat::DateTime),
                _ => VariantOrUnknownOrEmpty::Empty,
            },
            ..StringType::default()
        }),
        Some("integer") => Type::Integer(IntegerType {
            format: match format {
                Some("int32") => VariantOrUnknownOrEmpty::Item(IntegerFormat::Int32),
                Some("int64") => VariantOrUnknownOrEmpty::Item(IntegerFormat::Int64),
                Some(other) => VariantOrUnknownOrEmpty::Unknown(other.to_string()),
                None => VariantOrUnknownOrEmpty::Empty,
            },
            // Bounds size an integer without a format (`integer_type`): kept when integral.
            minimum: any
                .minimum
                .filter(|m| m.fract() == 0.0 && m.abs() < 9.2e18)
                .map(|m| m as i64),
            maximum: any
                .maximum
                .filter(|m| m.fract() == 0.0 && m.abs() < 9.2e18)
                .map(|m| m as i64),
            ..IntegerType::default()
        }),
        Some("number") => Type::Number(NumberType {
            format: match format {
                Some("float") => VariantOrUnknownOrEmpty::Item(NumberFormat::Float),
                _ => VariantOrUnknownOrEmpty::Empty,
            },
            ..NumberType::default()
        }),
        Some("boolean") => Type::Boolean(BooleanType::default()),
        _ => return Ok(None),
    };
    Ok(Some(SchemaKind::Type(kind)))
}

/// Marks an `allOf` member the generator made, with the JSON pointer of the node it stands
/// for: empty for one [`any_as_kind`] made from a schema's own keywords (its properties, or
/// its `oneOf` / `anyOf`), whose node is the schema's own; the property's node for each of two
/// restatements merged as their `allOf`. Diagnostics inside it then point at real nodes.
pub(super) const MEMBER_POINTER_EXTENSION: &str = "x-codegen-member-pointer";

/// The schema data of a made-up `allOf` member whose node is at `pointer` (see
/// [`MEMBER_POINTER_EXTENSION`]).
pub(super) fn made_member(pointer: &str) -> openapiv3::SchemaData {
    let mut data = openapiv3::SchemaData::default();
    data.extensions.insert(
        MEMBER_POINTER_EXTENSION.to_string(),
        serde_json::Value::String(pointer.to_string()),
    );
    data
}

/// Whether a `oneOf` / `anyOf` member of an object with properties of its own only constrains
/// them: an inline schema with no shape beyond `required` and properties the object already has.
fn constrains_only(member: &ReferenceOr<Schema>, object: &AnySchema) -> bool {
    let ReferenceOr::Item(member) = member else {
        return false;
    };
    let (properties, required_only) = match &member.schema_kind {
        SchemaKind::Type(Type::Object(inner)) => (&inner.properties, true),
        SchemaKind::Any(inner) => (
            &inner.properties,
            inner.items.is_none()
                && inner.enumeration.is_empty()
                && inner.all_of.is_empty()
                && inner.one_of.is_empty()
                && inner.any_of.is_empty()
                && inner.not.is_none()
                && matches!(inner.typ.as_deref(), None | Some("object")),
        ),
        _ => return false,
    };
    required_only
        && properties
            .keys()
            .all(|key| object.properties.contains_key(key))
}

/// `schema`, with a `SchemaKind::Any` read as the kind it stands for (see [`any_as_kind`]).
pub(super) fn placed(schema: &Schema) -> Result<std::borrow::Cow<'_, Schema>, &'static str> {
    let SchemaKind::Any(any) = &schema.schema_kind else {
        return Ok(std::borrow::Cow::Borrowed(schema));
    };
    Ok(match any_as_kind(any, &schema.schema_data)? {
        Some(schema_kind) => std::borrow::Cow::Owned(Schema {
            schema_data: schema.schema_data.clone(),
            schema_kind,
        }),
        None => std::borrow::Cow::Borrowed(schema),
    })
}

/// The single `allOf` member of a schema that says nothing else of its own shape.
pub(super) fn only_all_of(any: &AnySchema) -> Option<&ReferenceOr<Schema>> {
    let shapeless = any.properties.is_empty()
        && any.additional_properties.is_none()
        && any.items.is_none()
        && any.enumeration.is_empty()
        && any.one_of.is_empty()
        && any.any_of.is_empty()
        && any.not.is_none()
        && matches!(any.typ.as_deref(), None | Some("object"));
    match any.all_of.as_slice() {
        [only] if shapeless => Some(only),
        _ => None,
    }
}

/// The variants of an open enum with these values (each once), and its catch-all variant.
fn enum_values(wires: &[&str]) -> (Vec<EnumValue>, String) {
    let wires: Vec<(&str, Option<&str>)> = wires.iter().map(|wire| (*wire, None)).collect();
    // Without given names there is no conflict left to report.
    let variant_names = distinct_idents(&wires, pascal_ident).unwrap_or_default();
    let mut variants =
        Namespace::with_reserved(&variant_names.iter().map(String::as_str).collect::<Vec<_>>());
    let values: Vec<EnumValue> = wires
        .iter()
        .zip(variant_names.iter())
        .map(|((wire, _), variant)| EnumValue {
            variant: variant.clone(),
            wire: wire.to_string(),
        })
        .collect();
    let catch_all = ["Unknown", "UnknownValue", "OtherValue"]
        .into_iter()
        .find(|name| !variants.contains(name))
        .map(str::to_string)
        .unwrap_or_else(|| variants.claim("Unknown"));
    (values, catch_all)
}

/// Whether a property is one whose values a discriminator can give: an inline plain string
/// (no `enum`, `format: date-time` or resource type of its own), which is otherwise a `String`.
fn mapped_string(property: &ReferenceOr<Box<Schema>>) -> bool {
    let ReferenceOr::Item(schema) = property else {
        return false;
    };
    let Ok(placed) = placed(schema) else {
        return false;
    };
    matches!(
        &placed.schema_kind,
        SchemaKind::Type(Type::String(string))
            if string.enumeration.is_empty()
                && !matches!(string.format, VariantOrUnknownOrEmpty::Item(StringFormat::DateTime))
    ) && resource_type(schema).is_none()
}

/// The values `discriminator` gives its property, as the open enum `conventions` may make of
/// them, named after the schema it is written on (or, inline, the object `object`).
fn mapped_values(discriminator: &BaseDiscriminator, object: &str) -> MappedValues {
    let (owner, spec_name) = discriminator
        .owner
        .clone()
        .unwrap_or_else(|| (object.to_string(), object.to_string()));
    let wires: Vec<&str> = discriminator.values.iter().map(String::as_str).collect();
    let (values, catch_all) = enum_values(&wires);
    let property = &discriminator.property;
    MappedValues {
        enum_name: pascal_ident(&format!("{owner}{}", pascal_ident(property))),
        doc: format!(
            "The values of `{property}` that the `discriminator` of `{spec_name}` names in its \
             `mapping`."
        ),
        values,
        catch_all,
    }
}

/// The resource type of an identifier schema (`x-vcenter-resource-type`).
pub(super) fn resource_type(schema: &Schema) -> Option<String> {
    match schema.schema_data.extensions.get(RESOURCE_TYPE_EXTENSION) {
        Some(serde_json::Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
        _ => None,
    }
}

/// The `x-codegen-id-types` map of `components`: resource type -> wanted Rust name.
pub(super) fn id_names(
    spec: &LoadedSpec,
    extensions: &indexmap::IndexMap<String, serde_json::Value>,
) -> Result<BTreeMap<String, String>, Diagnostic> {
    let pointer = push_pointer("/components", ID_TYPES_EXTENSION);
    let invalid =
        |pointer: &str, what: String| spec.diagnostic(pointer, DiagnosticKind::Invalid { what });
    let Some(value) = extensions.get(ID_TYPES_EXTENSION) else {
        return Ok(BTreeMap::new());
    };
    let serde_json::Value::Object(map) = value else {
        return Err(invalid(
            &pointer,
            format!(
                "`{ID_TYPES_EXTENSION}` is {}; it takes a map from resource type to Rust type \
                 name, e.g. `VirtualMachine: VmId`",
                json_kind(value)
            ),
        ));
    };
    let mut names = BTreeMap::new();
    for (resource, name) in map {
        match name {
            serde_json::Value::String(name) if !name.trim().is_empty() => {
                names.insert(resource.trim().to_string(), name.trim().to_string());
            }
            other => {
                return Err(invalid(
                    &push_pointer(&pointer, resource),
                    format!(
                        "the id type name of `{resource}` is {}; it takes a non-empty string",
                        json_kind(other)
                    ),
                ))
            }
        }
    }
    Ok(names)
}

/// How a JSON value is described in a diagnostic.
pub(super) fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "a list",
        serde_json::Value::Object(_) => "a map",
    }
}

/// The Rust integer of an `integer` schema. Its `format` gives the size (`int32`, `int64`,
/// `uint64`, and the smaller ones by the next size up); without one, JSON Schema allows any
/// size, so both bounds (which keep it within 64 bits) give `i64`, and anything less `i128`,
/// which holds every integer a real server sends (up to 1.7e38) and decodes exactly.
fn integer_type(integer: &openapiv3::IntegerType) -> TypeRef {
    match &integer.format {
        VariantOrUnknownOrEmpty::Item(IntegerFormat::Int32) => return TypeRef::I32,
        VariantOrUnknownOrEmpty::Item(IntegerFormat::Int64) => return TypeRef::I64,
        VariantOrUnknownOrEmpty::Unknown(format) => match format.to_ascii_lowercase().as_str() {
            "int8" | "int16" => return TypeRef::I32,
            "long" => return TypeRef::I64,
            "uint8" | "uint16" | "uint32" => return TypeRef::U32,
            "uint64" | "uint" | "ulong" => return TypeRef::U64,
            _ => {}
        },
        _ => {}
    }
    // Bounds are read only when they fit 64 bits (`load` drops the others).
    match (integer.minimum, integer.maximum) {
        (Some(_), Some(_)) => TypeRef::I64,
        _ => TypeRef::I128,
    }
}
