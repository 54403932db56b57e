//! The intermediate model: what the client will contain, decided from the OpenAPI document and
//! nothing else. This room knows OpenAPI; it hands `emit` a model that never needs the document.

use std::collections::{BTreeMap, BTreeSet};

use openapiv3::{
    AdditionalProperties, IntegerFormat, NumberFormat, OpenAPI, Operation, Parameter,
    ParameterSchemaOrContent, ReferenceOr, Schema, SchemaKind, SecurityScheme, StatusCode,
    StringFormat, Type, VariantOrUnknownOrEmpty,
};

use crate::diagnostic::{push_pointer, Diagnostic, DiagnosticKind};
use crate::load::LoadedSpec;
use crate::names::{display_ident, pascal_ident, snake_ident, Namespace};

/// How deeply inline schemas may nest.
const MAX_SCHEMA_DEPTH: usize = 32;

/// Vendor extension that overrides a generated name: an operation's method, a component
/// schema's type, a property's field.
pub const NAME_EXTENSION: &str = "x-codegen-name";
/// Vendor extension on an operation that marks it as creating (`create`) or ending (`delete`) the
/// client's session.
pub const SESSION_EXTENSION: &str = "x-codegen-session";

/// Names the generated crate defines beside the spec's types, or that its code uses unqualified.
const RESERVED_TYPE_NAMES: &[&str] = &[
    "Box", "BTreeMap", "Err", "None", "Ok", "Option", "Result", "Self_", "Some", "String", "Vec",
];

/// Methods the runtime's `Client` already has.
const RESERVED_METHOD_NAMES: &[&str] = &[
    "base_url",
    "builder",
    "clear_session",
    "new",
    "session",
    "set_session",
];

/// Everything the generated crate is made from.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiModel {
    /// `info.title`.
    pub title: String,
    /// `info.version`.
    pub version: String,
    /// `info.description`.
    pub description: Option<String>,
    /// Named types, sorted by name.
    pub types: Vec<TypeDef>,
    /// Operations, in document order.
    pub operations: Vec<OperationModel>,
}

/// A named Rust type.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeDef {
    /// Rust name.
    pub name: String,
    /// The schema's own name in the spec (component key), or for an inline schema its Rust name.
    pub origin: String,
    /// Description from the spec.
    pub doc: Option<String>,
    /// What kind of type.
    pub kind: TypeKind,
    /// Set when the type is used as an error body: what of the standard error shape it has.
    pub error_shape: Option<ErrorShape>,
}

/// The shape of a named type.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeKind {
    /// An object with known properties.
    Struct {
        /// Fields in document order.
        fields: Vec<FieldModel>,
    },
    /// A string enum, open: unknown values land in the catch-all variant.
    Enum {
        /// Known values.
        values: Vec<EnumValue>,
        /// Name of the variant holding values this client does not know.
        catch_all: String,
    },
    /// Another name for a type.
    Alias(TypeRef),
    /// A string identifier of one resource type (`x-vcenter-resource-type`): a newtype, so
    /// that an id of one kind cannot be passed where another is expected.
    Id {
        /// The resource type, as the spec names it (e.g. `VirtualMachine`).
        resource_type: String,
    },
}

/// One field of a struct.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldModel {
    /// Rust identifier.
    pub ident: String,
    /// Name on the wire.
    pub wire_name: String,
    /// Description.
    pub doc: Option<String>,
    /// Type (without the `Option` of an optional field).
    pub ty: TypeRef,
    /// Whether the field is always present (not `Option`).
    pub required: bool,
    /// Whether the field is boxed to break a cycle of types that contain each other.
    pub boxed: bool,
    /// The resource type an identifier field belongs to (`x-vcenter-resource-type`).
    pub resource_type: Option<String>,
}

/// One value of an enum.
#[derive(Debug, Clone, PartialEq)]
pub struct EnumValue {
    /// Rust variant name.
    pub variant: String,
    /// Value on the wire.
    pub wire: String,
}

/// How a type used as an error body can be summarised: the standard vCenter error shape.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorShape {
    /// The `error_type` field and its enum type, when present.
    pub error_type: Option<(String, String)>,
    /// The known values of the `error_type` enum, each with the name of its `is_...` check.
    pub error_type_values: Vec<(String, EnumValue)>,
    /// The `messages` field (array of objects with a `default_message` string), when present.
    pub messages: Option<MessagesField>,
}

/// The `messages` field of an error body.
#[derive(Debug, Clone, PartialEq)]
pub struct MessagesField {
    /// Field identifier on the error body.
    pub ident: String,
    /// Whether the field is required (a `Vec`) or optional (an `Option<Vec>`).
    pub required: bool,
    /// Identifier of the `default_message` field on the message type.
    pub default_message: String,
    /// Whether `default_message` is required on the message type.
    pub default_message_required: bool,
    /// The message's positional arguments (`args`, a list of strings) and whether required.
    pub args: Option<(String, bool)>,
    /// The message's named arguments (`params`, a map) and whether required.
    pub params: Option<(String, bool)>,
}

/// A reference to a Rust type.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum TypeRef {
    /// `String`.
    String,
    /// `String` holding an RFC 3339 date-time.
    DateTime,
    /// `bool`.
    Bool,
    /// `i32`.
    I32,
    /// `i64`.
    I64,
    /// `f32`.
    F32,
    /// `f64`.
    F64,
    /// Any JSON value.
    Json,
    /// A free-form JSON object.
    JsonObject,
    /// A named type of this crate.
    Named(String),
    /// `Vec<T>`.
    Vec(Box<TypeRef>),
    /// `BTreeMap<String, T>`.
    Map(Box<TypeRef>),
}

/// An HTTP operation and the method that calls it.
#[derive(Debug, Clone, PartialEq)]
pub struct OperationModel {
    /// Method name on `Client`.
    pub method_name: String,
    /// HTTP method, upper case.
    pub http_method: String,
    /// Path template without any query (`/api/vcenter/vm/{vm}`).
    pub path_template: String,
    /// The path template split into literal text and parameters.
    pub path: Vec<PathPart>,
    /// Query pairs that are always sent (`?action=mount`), never in the signature.
    pub constant_query: Vec<(String, String)>,
    /// Parameters in signature order.
    pub params: Vec<ParamModel>,
    /// The JSON request body.
    pub body: Option<BodyModel>,
    /// How the operation authenticates.
    pub auth: Auth,
    /// Whether the operation starts or ends the client's session.
    pub session_action: Option<SessionAction>,
    /// The successful outcome.
    pub success: SuccessModel,
    /// Documented error responses, explicit statuses first in document order, then `default`.
    pub errors: Vec<ErrorCase>,
    /// The type of documented error bodies; `None` when no error response has a body.
    pub error_body: Option<TypeRef>,
    /// JSON pointer of the operation in the spec.
    pub pointer: String,
    /// `summary`.
    pub summary: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// `deprecated`.
    pub deprecated: bool,
}

/// A piece of a path template.
#[derive(Debug, Clone, PartialEq)]
pub enum PathPart {
    /// Literal text, sent as written.
    Literal(String),
    /// A parameter, by its index in [`OperationModel::params`].
    Param(usize),
}

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamLocation {
    /// A path segment, percent-encoded.
    Path,
    /// A query pair.
    Query,
    /// A request header.
    Header,
}

/// A parameter of a method.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamModel {
    /// Rust identifier.
    pub ident: String,
    /// Name on the wire.
    pub wire_name: String,
    /// Where it goes.
    pub location: ParamLocation,
    /// Its type.
    pub ty: TypeRef,
    /// Whether it must be given.
    pub required: bool,
    /// Description.
    pub doc: Option<String>,
    /// The resource type of an identifier (`x-vcenter-resource-type`).
    pub resource_type: Option<String>,
}

/// A JSON request body.
#[derive(Debug, Clone, PartialEq)]
pub struct BodyModel {
    /// Its type.
    pub ty: TypeRef,
    /// Whether it must be given.
    pub required: bool,
    /// Description.
    pub doc: Option<String>,
    /// How the body is encoded.
    pub encoding: BodyEncoding,
}

/// How a request body is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyEncoding {
    /// `application/json`.
    Json,
    /// `application/x-www-form-urlencoded`.
    Form,
}

/// How an operation authenticates.
#[derive(Debug, Clone, PartialEq)]
pub enum Auth {
    /// Sends nothing.
    None,
    /// Sends the client's session id in a header.
    Session {
        /// Header name.
        header: String,
        /// Whether the call fails without a session (otherwise the header is sent when there is one).
        required: bool,
    },
    /// HTTP basic authentication with a user name and password given to the method.
    Basic,
}

/// Operations that manage the client's session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionAction {
    /// The response body is the new session id, which the client keeps.
    Create,
    /// On success the client forgets its session id.
    Delete,
}

/// Statuses a response is declared for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusMatch {
    /// One status.
    Code(u16),
    /// `1XX` .. `5XX`: the first digit.
    Range(u16),
}

/// The successful outcome of an operation.
#[derive(Debug, Clone, PartialEq)]
pub struct SuccessModel {
    /// Success statuses.
    pub statuses: Vec<StatusMatch>,
    /// The JSON body type; `None` for no body.
    pub body: Option<TypeRef>,
    /// Description of the success response.
    pub doc: Option<String>,
    /// The resource type of an identifier result (`x-vcenter-resource-type`).
    pub resource_type: Option<String>,
}

/// A documented error response.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorCase {
    /// The status, or `None` for `default`.
    pub status: Option<StatusMatch>,
    /// Whether the response declares a JSON body.
    pub has_body: bool,
    /// The declared body's type, before error schemas of the same shape are unified.
    pub body: Option<TypeRef>,
    /// Description.
    pub doc: Option<String>,
}

/// Vendor extension carrying the resource type of an identifier.
pub const RESOURCE_TYPE_EXTENSION: &str = "x-vcenter-resource-type";

/// Vendor extension of `components`: a map from resource type to the Rust name of its id type
/// (e.g. `VirtualMachine: VmId`). Resource types it does not name get `<last segment>Id`.
pub const ID_TYPES_EXTENSION: &str = "x-codegen-id-types";

/// Builds the model of a loaded spec.
pub fn build_model(spec: &LoadedSpec, selection: &Selection) -> Result<ApiModel, Diagnostic> {
    let mut builder = ModelBuilder::new(spec)?;
    builder.component_types()?;
    let operations = builder.operations(selection)?;
    if operations.is_empty() && !selection.is_empty() {
        return Err(spec.diagnostic(
            "/paths",
            DiagnosticKind::Invalid {
                what: "the --include/--exclude selection leaves no operation".to_string(),
            },
        ));
    }
    let ModelBuilder { mut types, .. } = builder;
    let mut operations = operations;
    unify_error_bodies(spec, &types, &mut operations)?;
    keep_used_types(&mut types, &operations);
    mark_boxed_fields(&mut types);
    let used_as_errors: BTreeSet<String> = operations
        .iter()
        .filter_map(|op| match &op.error_body {
            Some(TypeRef::Named(name)) => Some(name.clone()),
            _ => None,
        })
        .collect();
    let shapes: BTreeMap<String, ErrorShape> = used_as_errors
        .iter()
        .filter(|name| types.contains_key(*name))
        .map(|name| {
            // Every error body implements `ErrorBody`; one without the standard shape has
            // nothing to summarise.
            let shape = error_shape(&types, name).unwrap_or(ErrorShape {
                error_type: None,
                error_type_values: Vec::new(),
                messages: None,
            });
            (name.clone(), shape)
        })
        .collect();
    for ty in types.values_mut() {
        ty.error_shape = shapes.get(&ty.name).cloned();
    }
    let info = &spec.document.info;
    Ok(ApiModel {
        title: info.title.clone(),
        version: info.version.clone(),
        description: info.description.clone(),
        types: types.into_values().collect(),
        operations,
    })
}

struct ModelBuilder<'a> {
    spec: &'a LoadedSpec,
    document: &'a OpenAPI,
    /// Component schema key -> Rust type name.
    component_names: BTreeMap<String, String>,
    type_names: Namespace,
    /// Rust type name -> definition.
    types: BTreeMap<String, TypeDef>,
    /// How many inline schemas deep the builder is.
    depth: usize,
    /// Resource type -> Rust name wanted for its id type (`x-codegen-id-types`).
    id_names: BTreeMap<String, String>,
    /// Resource type -> Rust name of its id type, once claimed.
    id_types: BTreeMap<String, String>,
}

impl<'a> ModelBuilder<'a> {
    fn new(spec: &'a LoadedSpec) -> Result<Self, Diagnostic> {
        let document = &spec.document;
        let mut type_names = Namespace::with_reserved(RESERVED_TYPE_NAMES);
        let mut component_names = BTreeMap::new();
        if let Some(components) = &document.components {
            let keys: BTreeSet<&String> = components.schemas.keys().collect();
            for key in keys {
                let wanted = match components.schemas.get(key) {
                    Some(ReferenceOr::Item(schema)) => {
                        name_override(&schema.schema_data.extensions)
                            .map_or_else(|| pascal_ident(key), |name| pascal_ident(&name))
                    }
                    _ => pascal_ident(key),
                };
                let name = type_names.claim(&wanted);
                component_names.insert(key.clone(), name);
            }
        }
        let id_names = match &document.components {
            Some(components) => id_names(spec, &components.extensions)?,
            None => BTreeMap::new(),
        };
        Ok(ModelBuilder {
            spec,
            document,
            component_names,
            type_names,
            types: BTreeMap::new(),
            depth: 0,
            id_names,
            id_types: BTreeMap::new(),
        })
    }

    fn error(&self, pointer: &str, kind: DiagnosticKind) -> Diagnostic {
        self.spec.diagnostic(pointer, kind)
    }

    fn component_types(&mut self) -> Result<(), Diagnostic> {
        let Some(components) = &self.document.components else {
            return Ok(());
        };
        let keys: BTreeSet<&String> = components.schemas.keys().collect();
        for key in keys {
            let pointer = push_pointer("/components/schemas", key);
            let name = self.component_names.get(key).cloned().unwrap_or_default();
            let Some(schema) = components.schemas.get(key) else {
                continue;
            };
            let def = match schema {
                ReferenceOr::Reference { reference } => {
                    let target = self.resolve_schema_ref(reference, &pointer)?;
                    TypeDef {
                        name: name.clone(),
                        origin: key.clone(),
                        doc: None,
                        kind: TypeKind::Alias(TypeRef::Named(target)),
                        error_shape: None,
                    }
                }
                ReferenceOr::Item(schema) => self.named_type(&name, key, schema, &pointer)?,
            };
            self.types.insert(name, def);
        }
        Ok(())
    }

    /// The definition of a named type made from `schema`.
    fn named_type(
        &mut self,
        name: &str,
        origin: &str,
        schema: &Schema,
        pointer: &str,
    ) -> Result<TypeDef, Diagnostic> {
        let doc = schema.schema_data.description.clone();
        let kind = match &schema.schema_kind {
            SchemaKind::Type(Type::String(string)) if !string.enumeration.is_empty() => {
                self.enum_kind(&string.enumeration, pointer)?
            }
            SchemaKind::Type(Type::Object(object)) if !object.properties.is_empty() => {
                if matches!(
                    object.additional_properties,
                    Some(AdditionalProperties::Schema(_)) | Some(AdditionalProperties::Any(true))
                ) {
                    return Err(self.error(
                        &push_pointer(pointer, "additionalProperties"),
                        DiagnosticKind::Unsupported {
                            what: "an object with both `properties` and `additionalProperties`"
                                .to_string(),
                        },
                    ));
                }
                let mut idents = Namespace::default();
                let mut fields = Vec::new();
                for (wire_name, property) in &object.properties {
                    let field_pointer =
                        push_pointer(&push_pointer(pointer, "properties"), wire_name);
                    let wanted = match property {
                        ReferenceOr::Item(inner) => name_override(&inner.schema_data.extensions)
                            .map_or_else(|| snake_ident(wire_name), |n| snake_ident(&n)),
                        ReferenceOr::Reference { .. } => snake_ident(wire_name),
                    };
                    if idents.contains(&wanted) {
                        let first = fields
                            .iter()
                            .find(|f: &&FieldModel| f.ident == wanted)
                            .map_or(String::new(), |f| f.wire_name.clone());
                        return Err(self.error(
                            &field_pointer,
                            DiagnosticKind::Invalid {
                                what: format!(
                                    "the properties {first:?} and {wire_name:?} differ only in case \
                                     or punctuation, so both would be the Rust field `{}`; give \
                                     one of them another name with `{NAME_EXTENSION}`",
                                    display_ident(&wanted)
                                ),
                            },
                        ));
                    }
                    let ident = idents.claim(&wanted);
                    let hint = format!("{name}{}", pascal_ident(wire_name));
                    let (ty, nullable, field_doc, resource_type) = match property {
                        ReferenceOr::Reference { reference } => {
                            let target = self.resolve_schema_ref(reference, &field_pointer)?;
                            (TypeRef::Named(target), false, None, None)
                        }
                        ReferenceOr::Item(inner) => {
                            let ty = self.type_of_schema(inner, &hint, &field_pointer)?;
                            (
                                ty,
                                inner.schema_data.nullable,
                                inner.schema_data.description.clone(),
                                resource_type(inner),
                            )
                        }
                    };
                    fields.push(FieldModel {
                        ident,
                        wire_name: wire_name.clone(),
                        doc: field_doc,
                        ty,
                        required: object.required.contains(wire_name) && !nullable,
                        boxed: false,
                        resource_type,
                    });
                }
                TypeKind::Struct { fields }
            }
            _ => TypeKind::Alias(self.type_of_schema(schema, &format!("{name}Value"), pointer)?),
        };
        Ok(TypeDef {
            name: name.to_string(),
            origin: origin.to_string(),
            doc,
            kind,
            error_shape: None,
        })
    }

    fn enum_kind(
        &self,
        enumeration: &[Option<String>],
        pointer: &str,
    ) -> Result<TypeKind, Diagnostic> {
        let mut variants = Namespace::default();
        let mut values = Vec::new();
        let mut seen = BTreeSet::new();
        for (index, value) in enumeration.iter().enumerate() {
            let Some(wire) = value else { continue };
            if !seen.insert(wire.clone()) {
                return Err(self.error(
                    &push_pointer(&push_pointer(pointer, "enum"), &index.to_string()),
                    DiagnosticKind::Invalid {
                        what: format!("the enum value {wire:?} is listed twice"),
                    },
                ));
            }
            let variant = pascal_ident(wire);
            if variants.contains(&variant) {
                return Err(self.error(
                    &push_pointer(&push_pointer(pointer, "enum"), &index.to_string()),
                    DiagnosticKind::Unsupported {
                        what: format!(
                            "the enum value {wire:?} has the same Rust name `{variant}` as an earlier \
                             value (they differ only in case or punctuation)"
                        ),
                    },
                ));
            }
            let variant = variants.claim(&variant);
            values.push(EnumValue {
                variant,
                wire: wire.clone(),
            });
        }
        let catch_all = ["Unknown", "UnknownValue", "OtherValue"]
            .into_iter()
            .find(|name| !variants.contains(name))
            .map(str::to_string)
            .unwrap_or_else(|| variants.claim("Unknown"));
        Ok(TypeKind::Enum { values, catch_all })
    }

    /// The component schema a `$ref` names, as its Rust type name.
    fn resolve_schema_ref(&self, reference: &str, pointer: &str) -> Result<String, Diagnostic> {
        let ref_pointer = push_pointer(pointer, "$ref");
        let Some(key) = reference.strip_prefix("#/components/schemas/") else {
            return Err(self.error(
                &ref_pointer,
                if reference.starts_with('#') {
                    DiagnosticKind::UnresolvedRef {
                        reference: reference.to_string(),
                    }
                } else {
                    DiagnosticKind::Unsupported {
                        what: format!(
                            "the reference {reference:?} points outside this document; only local \
                             `#/components/schemas/...` references are read"
                        ),
                    }
                },
            ));
        };
        let key = key.replace("~1", "/").replace("~0", "~");
        let Some(name) = self.component_names.get(&key) else {
            return Err(self.error(
                &ref_pointer,
                DiagnosticKind::UnresolvedRef {
                    reference: reference.to_string(),
                },
            ));
        };
        self.check_ref_chain(&key, reference, &ref_pointer)?;
        Ok(name.clone())
    }

    /// Rejects a component that is only a `$ref` to a component that is only a `$ref` ... back to itself.
    fn check_ref_chain(
        &self,
        start: &str,
        reference: &str,
        pointer: &str,
    ) -> Result<(), Diagnostic> {
        let Some(components) = &self.document.components else {
            return Ok(());
        };
        let mut seen = BTreeSet::new();
        let mut key = start.to_string();
        while let Some(ReferenceOr::Reference { reference: next }) = components.schemas.get(&key) {
            if !seen.insert(key.clone()) {
                return Err(self.error(
                    pointer,
                    DiagnosticKind::CyclicRef {
                        reference: reference.to_string(),
                    },
                ));
            }
            match next.strip_prefix("#/components/schemas/") {
                Some(next_key) => key = next_key.replace("~1", "/").replace("~0", "~"),
                None => return Ok(()),
            }
        }
        Ok(())
    }

    fn type_of(
        &mut self,
        schema: &ReferenceOr<Schema>,
        hint: &str,
        pointer: &str,
    ) -> Result<TypeRef, Diagnostic> {
        match schema {
            ReferenceOr::Reference { reference } => {
                Ok(TypeRef::Named(self.resolve_schema_ref(reference, pointer)?))
            }
            ReferenceOr::Item(schema) => self.type_of_schema(schema, hint, pointer),
        }
    }

    fn type_of_boxed(
        &mut self,
        schema: &ReferenceOr<Box<Schema>>,
        hint: &str,
        pointer: &str,
    ) -> Result<TypeRef, Diagnostic> {
        match schema {
            ReferenceOr::Reference { reference } => {
                Ok(TypeRef::Named(self.resolve_schema_ref(reference, pointer)?))
            }
            ReferenceOr::Item(schema) => self.type_of_schema(schema, hint, pointer),
        }
    }

    /// The type of an inline schema; objects with properties and enums become named types
    /// called `hint`.
    fn type_of_schema(
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
            SchemaKind::Type(Type::Integer(integer)) => Ok(match &integer.format {
                VariantOrUnknownOrEmpty::Item(IntegerFormat::Int32) => TypeRef::I32,
                _ => TypeRef::I64,
            }),
            SchemaKind::Type(Type::Number(number)) => Ok(match &number.format {
                VariantOrUnknownOrEmpty::Item(NumberFormat::Float) => TypeRef::F32,
                _ => TypeRef::F64,
            }),
            SchemaKind::Type(Type::Boolean(_)) => Ok(TypeRef::Bool),
            SchemaKind::Type(Type::Array(array)) => match &array.items {
                Some(items) => Ok(TypeRef::Vec(Box::new(self.type_of_boxed(
                    items,
                    &format!("{hint}Item"),
                    &push_pointer(pointer, "items"),
                )?))),
                None => Ok(TypeRef::Vec(Box::new(TypeRef::Json))),
            },
            SchemaKind::Type(Type::Object(object)) => {
                if !object.properties.is_empty() {
                    return self.inline_type(schema, hint, pointer);
                }
                match &object.additional_properties {
                    Some(AdditionalProperties::Schema(value)) => {
                        Ok(TypeRef::Map(Box::new(self.type_of(
                            value,
                            &format!("{hint}Value"),
                            &push_pointer(pointer, "additionalProperties"),
                        )?)))
                    }
                    _ => Ok(TypeRef::JsonObject),
                }
            }
            SchemaKind::AllOf { all_of } if all_of.len() == 1 => match all_of.first() {
                Some(only) => self.type_of(
                    only,
                    hint,
                    &push_pointer(&push_pointer(pointer, "allOf"), "0"),
                ),
                None => Ok(TypeRef::Json),
            },
            SchemaKind::AllOf { .. } => unsupported(self, "`allOf` with more than one schema"),
            SchemaKind::OneOf { .. } => unsupported(self, "`oneOf`"),
            SchemaKind::AnyOf { .. } => unsupported(self, "`anyOf`"),
            SchemaKind::Not { .. } => unsupported(self, "`not`"),
            SchemaKind::Any(_) => Ok(TypeRef::Json),
        }
    }

    /// The id type of `resource`, registered on first use.
    fn id_type(&mut self, resource: &str) -> TypeRef {
        if let Some(name) = self.id_types.get(resource) {
            return TypeRef::Named(name.clone());
        }
        let wanted = match self.id_names.get(resource) {
            Some(name) => pascal_ident(name),
            None => {
                let last = resource.rsplit(['.', '/', ':']).find(|s| !s.is_empty());
                pascal_ident(&format!("{}Id", last.unwrap_or("Resource")))
            }
        };
        let name = self.type_names.claim(&wanted);
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
            },
        );
        TypeRef::Named(name)
    }

    /// Registers an inline object or enum as a named type.
    fn inline_type(
        &mut self,
        schema: &Schema,
        hint: &str,
        pointer: &str,
    ) -> Result<TypeRef, Diagnostic> {
        let name = self.type_names.claim(&pascal_ident(hint));
        let def = self.named_type(&name, &name, schema, pointer)?;
        self.types.insert(name.clone(), def);
        Ok(TypeRef::Named(name))
    }

    fn operations(&mut self, selection: &Selection) -> Result<Vec<OperationModel>, Diagnostic> {
        let document = self.document;
        let mut operations = Vec::new();
        let mut method_names: BTreeMap<String, String> = BTreeMap::new();
        let reserved = Namespace::with_reserved(RESERVED_METHOD_NAMES);
        for (key, item) in &document.paths.paths {
            let item_pointer = push_pointer("/paths", key);
            let item = match item {
                ReferenceOr::Item(item) => item,
                ReferenceOr::Reference { .. } => {
                    return Err(self.error(
                        &item_pointer,
                        DiagnosticKind::Unsupported {
                            what: "a path item given as `$ref`".to_string(),
                        },
                    ))
                }
            };
            let methods = [
                ("get", &item.get),
                ("put", &item.put),
                ("post", &item.post),
                ("delete", &item.delete),
                ("options", &item.options),
                ("head", &item.head),
                ("patch", &item.patch),
                ("trace", &item.trace),
            ];
            for (method, operation) in methods {
                let Some(operation) = operation else { continue };
                if !selection.selects(key, &operation.tags, operation.operation_id.as_deref()) {
                    continue;
                }
                let pointer = push_pointer(&item_pointer, method);
                let model = self.operation(key, method, &item.parameters, operation, &pointer)?;
                if reserved.contains(&model.method_name) {
                    return Err(self.error(
                        &pointer,
                        DiagnosticKind::Invalid {
                            what: format!(
                                "the method name `{}` is one the client already has; give the \
                                 operation another name with `{NAME_EXTENSION}`",
                                model.method_name
                            ),
                        },
                    ));
                }
                if let Some(first) = method_names.get(&model.method_name) {
                    return Err(self.error(
                        &pointer,
                        DiagnosticKind::Invalid {
                            what: format!(
                                "this operation's method name `{}` is already taken by the \
                                 operation at {first}; give one of them another name with \
                                 `{NAME_EXTENSION}`",
                                display_ident(&model.method_name)
                            ),
                        },
                    ));
                }
                method_names.insert(model.method_name.clone(), pointer.clone());
                operations.push(model);
            }
        }
        Ok(operations)
    }

    fn operation(
        &mut self,
        key: &str,
        method: &str,
        item_parameters: &[ReferenceOr<Parameter>],
        operation: &Operation,
        pointer: &str,
    ) -> Result<OperationModel, Diagnostic> {
        let (path_template, query) = match key.split_once('?') {
            Some((path, query)) => (path.to_string(), Some(query)),
            None => (key.to_string(), None),
        };
        let mut constant_query: Vec<(String, String)> = query
            .into_iter()
            .flat_map(|q| q.split('&'))
            .filter(|pair| !pair.is_empty())
            .map(|pair| match pair.split_once('=') {
                Some((name, value)) => (name.to_string(), value.to_string()),
                None => (pair.to_string(), String::new()),
            })
            .collect();

        let naming_key = match query {
            Some(_) => key.to_string(),
            None => self.key_with_constant_action(key, item_parameters, operation),
        };
        let method_name = self.method_name(&naming_key, method, operation, pointer)?;
        let session_headers = self.session_headers();

        // Operation parameters override path-item parameters with the same name and location.
        let mut parameters: Vec<(String, &Parameter)> = Vec::new();
        let mut seen: BTreeMap<(String, &'static str), (String, bool)> = BTreeMap::new();
        for (list, list_pointer, from_operation) in [
            (
                item_parameters,
                push_pointer(&push_pointer("/paths", key), "parameters"),
                false,
            ),
            (
                &operation.parameters[..],
                push_pointer(pointer, "parameters"),
                true,
            ),
        ] {
            for (index, parameter) in list.iter().enumerate() {
                let param_pointer = push_pointer(&list_pointer, &index.to_string());
                let (param_pointer, parameter) =
                    self.resolve_parameter(parameter, &param_pointer)?;
                let data = parameter.parameter_data_ref();
                let slot = (data.name.clone(), location_name(parameter));
                if let Some((earlier, earlier_from_operation)) = seen.get(&slot) {
                    if from_operation && !earlier_from_operation {
                        parameters.retain(|(p, _)| p != earlier);
                    } else {
                        return Err(self.error(
                            &param_pointer,
                            DiagnosticKind::Invalid {
                                what: format!(
                                    "the {} parameter {:?} is declared twice (first at {earlier})",
                                    slot.1, data.name
                                ),
                            },
                        ));
                    }
                }
                seen.insert(slot, (param_pointer.clone(), from_operation));
                parameters.push((param_pointer, parameter));
            }
        }

        let mut idents = Namespace::with_reserved(&["request", "response", "path", "session"]);
        let mut params = Vec::new();
        let mut auth = self.auth(operation, pointer)?;
        for (param_pointer, parameter) in parameters {
            let data = parameter.parameter_data_ref();
            let schema = match &data.format {
                ParameterSchemaOrContent::Schema(schema) => schema,
                ParameterSchemaOrContent::Content(_) => {
                    return Err(self.error(
                        &push_pointer(&param_pointer, "content"),
                        DiagnosticKind::Unsupported {
                            what: "a parameter described with `content` instead of `schema`"
                                .to_string(),
                        },
                    ))
                }
            };
            let schema_pointer = push_pointer(&param_pointer, "schema");
            let location = match parameter {
                Parameter::Path { .. } => ParamLocation::Path,
                Parameter::Query { .. } => {
                    if let Some(value) = self.constant_value(schema, data.required) {
                        if constant_query.iter().any(|(name, _)| name == &data.name) {
                            return Err(self.error(
                                &param_pointer,
                                DiagnosticKind::Invalid {
                                    what: format!(
                                        "the query parameter {:?} is also fixed in the path key",
                                        data.name
                                    ),
                                },
                            ));
                        }
                        constant_query.push((data.name.clone(), value));
                        continue;
                    }
                    ParamLocation::Query
                }
                Parameter::Header { .. } => {
                    if let Some(header) = session_headers
                        .iter()
                        .find(|h| h.eq_ignore_ascii_case(&data.name))
                    {
                        auth = Auth::Session {
                            header: header.clone(),
                            required: data.required
                                || matches!(auth, Auth::Session { required: true, .. }),
                        };
                        continue;
                    }
                    ParamLocation::Header
                }
                Parameter::Cookie { .. } => {
                    return Err(self.error(
                        &param_pointer,
                        DiagnosticKind::Unsupported {
                            what: format!("the cookie parameter {:?}", data.name),
                        },
                    ))
                }
            };
            let hint = format!("{}{}", pascal_ident(&method_name), pascal_ident(&data.name));
            let ty = self.type_of(schema, &hint, &schema_pointer)?;
            let allowed = match (&ty, location) {
                (TypeRef::Vec(inner), ParamLocation::Query) => is_scalar(inner),
                (ty, _) => is_scalar(ty),
            };
            if !allowed {
                return Err(self.error(
                    &schema_pointer,
                    DiagnosticKind::Unsupported {
                        what: format!(
                            "the parameter {:?} has a type that cannot be sent in the {} \
                             (scalars, enums, and arrays of them in the query, are supported)",
                            data.name,
                            location_name(parameter)
                        ),
                    },
                ));
            }
            let resource_type = match schema {
                ReferenceOr::Item(schema) => resource_type(schema),
                ReferenceOr::Reference { .. } => None,
            };
            params.push(ParamModel {
                ident: idents.claim(&snake_ident(&data.name)),
                wire_name: data.name.clone(),
                location,
                ty,
                required: data.required || location == ParamLocation::Path,
                doc: data.description.clone(),
                resource_type,
            });
        }

        let path = self.path_parts(&path_template, &params, pointer)?;
        // Signature order: path parameters in template order, then query, then header.
        let mut order: Vec<usize> = path
            .iter()
            .filter_map(|part| match part {
                PathPart::Param(index) => Some(*index),
                PathPart::Literal(_) => None,
            })
            .collect();
        for location in [ParamLocation::Query, ParamLocation::Header] {
            order.extend((0..params.len()).filter(|i| params[*i].location == location));
        }
        let params: Vec<ParamModel> = order.iter().map(|i| params[*i].clone()).collect();
        let path = self.path_parts(&path_template, &params, pointer)?;

        let body = match &operation.request_body {
            None => None,
            Some(body) => Some(self.request_body(body, &method_name, pointer)?),
        };
        if body.is_some() {
            idents.claim("body");
        }
        let (success, errors) = self.responses(operation, &method_name, pointer)?;
        let session_action = match operation.extensions.get(SESSION_EXTENSION) {
            None => None,
            Some(serde_json::Value::String(s)) if s == "create" => {
                if success.body != Some(TypeRef::String) {
                    return Err(self.error(
                        &push_pointer(pointer, SESSION_EXTENSION),
                        DiagnosticKind::Invalid {
                            what: format!(
                                "`{SESSION_EXTENSION}: create` needs a success response whose \
                                 body is a JSON string (the session id)"
                            ),
                        },
                    ));
                }
                Some(SessionAction::Create)
            }
            Some(serde_json::Value::String(s)) if s == "delete" => Some(SessionAction::Delete),
            Some(other) => {
                return Err(self.error(
                    &push_pointer(pointer, SESSION_EXTENSION),
                    DiagnosticKind::Invalid {
                        what: format!(
                            "`{SESSION_EXTENSION}` is {other}; it takes \"create\" or \"delete\""
                        ),
                    },
                ))
            }
        };
        Ok(OperationModel {
            method_name,
            http_method: method.to_ascii_uppercase(),
            path_template,
            path,
            constant_query,
            params,
            body,
            auth,
            session_action,
            success,
            errors,
            error_body: None,
            pointer: pointer.to_string(),
            summary: operation.summary.clone(),
            description: operation.description.clone(),
            deprecated: operation.deprecated,
        })
    }

    fn method_name(
        &self,
        key: &str,
        method: &str,
        operation: &Operation,
        pointer: &str,
    ) -> Result<String, Diagnostic> {
        if let Some(value) = operation.extensions.get(NAME_EXTENSION) {
            return match value {
                serde_json::Value::String(name) if !name.trim().is_empty() => Ok(snake_ident(name)),
                other => Err(self.error(
                    &push_pointer(pointer, NAME_EXTENSION),
                    DiagnosticKind::Invalid {
                        what: format!("`{NAME_EXTENSION}` is {other}; it takes a non-empty string"),
                    },
                )),
            };
        }
        Ok(crate::names::method_name(
            &operation.tags,
            operation.operation_id.as_deref(),
            key,
            method,
        ))
    }

    /// `key` with `?action=x` appended when the operation's `action` query parameter is a
    /// required single-value enum, so that a method is named alike whichever way the spec
    /// writes its action (in the path key, or as that parameter).
    fn key_with_constant_action(
        &self,
        key: &str,
        item_parameters: &[ReferenceOr<Parameter>],
        operation: &Operation,
    ) -> String {
        // The operation's own parameters come first: they override the path item's.
        for parameter in operation.parameters.iter().chain(item_parameters) {
            let Ok((_, Parameter::Query { parameter_data, .. })) =
                self.resolve_parameter(parameter, "")
            else {
                continue;
            };
            if parameter_data.name.trim_start_matches('~') != "action" {
                continue;
            }
            if let ParameterSchemaOrContent::Schema(schema) = &parameter_data.format {
                if let Some(value) = self.constant_value(schema, parameter_data.required) {
                    return format!("{key}?{}={value}", parameter_data.name);
                }
            }
            break;
        }
        key.to_string()
    }

    /// Header names of the apiKey security schemes: these headers carry the session id.
    fn session_headers(&self) -> Vec<String> {
        let Some(components) = &self.document.components else {
            return Vec::new();
        };
        components
            .security_schemes
            .values()
            .filter_map(|scheme| match scheme {
                ReferenceOr::Item(SecurityScheme::APIKey {
                    location: openapiv3::APIKeyLocation::Header,
                    name,
                    ..
                }) => Some(name.clone()),
                _ => None,
            })
            .collect()
    }

    fn auth(&self, operation: &Operation, pointer: &str) -> Result<Auth, Diagnostic> {
        let (requirements, req_pointer) = match &operation.security {
            Some(requirements) => (requirements, push_pointer(pointer, "security")),
            None => match &self.document.security {
                Some(requirements) => (requirements, "/security".to_string()),
                None => return Ok(Auth::None),
            },
        };
        let optional = requirements.iter().any(|r| r.is_empty());
        let schemes = self
            .document
            .components
            .as_ref()
            .map(|c| &c.security_schemes);
        for (index, requirement) in requirements.iter().enumerate() {
            let this_pointer = push_pointer(&req_pointer, &index.to_string());
            if requirement.len() > 1 {
                return Err(self.error(
                    &this_pointer,
                    DiagnosticKind::Unsupported {
                        what: "a security requirement that combines several schemes".to_string(),
                    },
                ));
            }
            let Some(name) = requirement.keys().next() else {
                continue;
            };
            let scheme = schemes.and_then(|s| s.get(name));
            match scheme {
                Some(ReferenceOr::Item(SecurityScheme::APIKey {
                    location: openapiv3::APIKeyLocation::Header,
                    name: header,
                    ..
                })) => {
                    return Ok(Auth::Session {
                        header: header.clone(),
                        required: !optional,
                    })
                }
                Some(ReferenceOr::Item(SecurityScheme::HTTP { scheme, .. }))
                    if scheme.eq_ignore_ascii_case("basic") =>
                {
                    return Ok(Auth::Basic)
                }
                Some(_) => {
                    return Err(self.error(
                        &push_pointer(&this_pointer, name),
                        DiagnosticKind::Unsupported {
                            what: format!(
                                "the security scheme {name:?}: only an apiKey in a header \
                                 (a session id) and HTTP basic are supported"
                            ),
                        },
                    ))
                }
                None => {
                    return Err(self.error(
                        &push_pointer(&this_pointer, name),
                        DiagnosticKind::UnresolvedRef {
                            reference: format!("#/components/securitySchemes/{name}"),
                        },
                    ))
                }
            }
        }
        Ok(Auth::None)
    }

    fn resolve_parameter<'p>(
        &self,
        parameter: &'p ReferenceOr<Parameter>,
        pointer: &str,
    ) -> Result<(String, &'p Parameter), Diagnostic>
    where
        'a: 'p,
    {
        match parameter {
            ReferenceOr::Item(parameter) => Ok((pointer.to_string(), parameter)),
            ReferenceOr::Reference { reference } => {
                let target = reference
                    .strip_prefix("#/components/parameters/")
                    .and_then(|key| {
                        let key = key.replace("~1", "/").replace("~0", "~");
                        let found = self.document.components.as_ref()?.parameters.get(&key)?;
                        Some((key, found))
                    });
                match target {
                    Some((key, ReferenceOr::Item(found))) => {
                        Ok((push_pointer("/components/parameters", &key), found))
                    }
                    Some((_, ReferenceOr::Reference { .. })) => Err(self.error(
                        &push_pointer(pointer, "$ref"),
                        DiagnosticKind::Unsupported {
                            what: "a parameter `$ref` to another `$ref`".to_string(),
                        },
                    )),
                    None => Err(self.error(
                        &push_pointer(pointer, "$ref"),
                        DiagnosticKind::UnresolvedRef {
                            reference: reference.clone(),
                        },
                    )),
                }
            }
        }
    }

    /// The value of a required query parameter whose schema allows exactly one string.
    fn constant_value(&self, schema: &ReferenceOr<Schema>, required: bool) -> Option<String> {
        if !required {
            return None;
        }
        let schema = match schema {
            ReferenceOr::Item(schema) => schema,
            ReferenceOr::Reference { reference } => {
                let key = reference.strip_prefix("#/components/schemas/")?;
                match self.document.components.as_ref()?.schemas.get(key)? {
                    ReferenceOr::Item(schema) => schema,
                    ReferenceOr::Reference { .. } => return None,
                }
            }
        };
        match &schema.schema_kind {
            SchemaKind::Type(Type::String(string)) => match string.enumeration.as_slice() {
                [Some(only)] => Some(only.clone()),
                _ => None,
            },
            _ => None,
        }
    }

    fn path_parts(
        &self,
        template: &str,
        params: &[ParamModel],
        pointer: &str,
    ) -> Result<Vec<PathPart>, Diagnostic> {
        let mut parts = Vec::new();
        let mut used = BTreeSet::new();
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            let Some(close) = rest[open..].find('}').map(|c| open + c) else {
                return Err(self.error(
                    pointer,
                    DiagnosticKind::Invalid {
                        what: format!("the path template {template:?} has an unclosed `{{`"),
                    },
                ));
            };
            if open > 0 {
                parts.push(PathPart::Literal(rest[..open].to_string()));
            }
            let name = &rest[open + 1..close];
            let Some(index) = params
                .iter()
                .position(|p| p.location == ParamLocation::Path && p.wire_name == name)
            else {
                return Err(self.error(
                    pointer,
                    DiagnosticKind::Invalid {
                        what: format!(
                            "the path template names `{{{name}}}` but the operation declares no \
                             path parameter {name:?}"
                        ),
                    },
                ));
            };
            used.insert(index);
            parts.push(PathPart::Param(index));
            rest = &rest[close + 1..];
        }
        if !rest.is_empty() {
            parts.push(PathPart::Literal(rest.to_string()));
        }
        if let Some(unused) = params
            .iter()
            .enumerate()
            .find(|(i, p)| p.location == ParamLocation::Path && !used.contains(i))
        {
            return Err(self.error(
                pointer,
                DiagnosticKind::Invalid {
                    what: format!(
                        "the path parameter {:?} does not appear in the path template {template:?}",
                        unused.1.wire_name
                    ),
                },
            ));
        }
        Ok(parts)
    }

    fn request_body(
        &mut self,
        body: &ReferenceOr<openapiv3::RequestBody>,
        method_name: &str,
        pointer: &str,
    ) -> Result<BodyModel, Diagnostic> {
        let body_pointer = push_pointer(pointer, "requestBody");
        let (body_pointer, body) = match body {
            ReferenceOr::Item(body) => (body_pointer, body),
            ReferenceOr::Reference { reference } => {
                let found = reference
                    .strip_prefix("#/components/requestBodies/")
                    .and_then(|key| {
                        let found = self.document.components.as_ref()?.request_bodies.get(key)?;
                        Some((key, found))
                    });
                match found {
                    Some((key, ReferenceOr::Item(found))) => {
                        (push_pointer("/components/requestBodies", key), found)
                    }
                    _ => {
                        return Err(self.error(
                            &push_pointer(&body_pointer, "$ref"),
                            DiagnosticKind::UnresolvedRef {
                                reference: reference.clone(),
                            },
                        ))
                    }
                }
            }
        };
        let hint = format!("{}Body", pascal_ident(method_name));
        let form = body
            .content
            .iter()
            .find(|(media, _)| is_form_media_type(media));
        let has_json = body.content.keys().any(|media| is_json_media_type(media));
        if let (Some((media, media_type)), false) = (form, has_json) {
            let schema_pointer = push_pointer(
                &push_pointer(&push_pointer(&body_pointer, "content"), media),
                "schema",
            );
            let ty = match &media_type.schema {
                Some(schema) => self.type_of(schema, &hint, &schema_pointer)?,
                None => TypeRef::JsonObject,
            };
            if !matches!(
                ty,
                TypeRef::Named(_) | TypeRef::Map(_) | TypeRef::JsonObject
            ) {
                return Err(self.error(
                    &schema_pointer,
                    DiagnosticKind::Unsupported {
                        what: "a form-encoded body whose schema is not an object".to_string(),
                    },
                ));
            }
            return Ok(BodyModel {
                ty,
                required: body.required,
                doc: body.description.clone(),
                encoding: BodyEncoding::Form,
            });
        }
        let ty = self.json_content(&body.content, &hint, &body_pointer)?;
        let Some(ty) = ty else {
            return Err(self.error(
                &push_pointer(&body_pointer, "content"),
                DiagnosticKind::Invalid {
                    what: "the request body declares no media type".to_string(),
                },
            ));
        };
        Ok(BodyModel {
            ty,
            required: body.required,
            doc: body.description.clone(),
            encoding: BodyEncoding::Json,
        })
    }

    /// The type of the JSON media type in `content`: `None` when there is no content at all.
    fn json_content(
        &mut self,
        content: &openapiv3::Content,
        hint: &str,
        pointer: &str,
    ) -> Result<Option<TypeRef>, Diagnostic> {
        if content.is_empty() {
            return Ok(None);
        }
        let json = content.iter().find(|(media, _)| is_json_media_type(media));
        let Some((media, media_type)) = json else {
            let found: Vec<String> = content.keys().map(|media| format!("`{media}`")).collect();
            return Err(self.error(
                &push_pointer(pointer, "content"),
                DiagnosticKind::Unsupported {
                    what: format!(
                        "the media type {}: only `application/json` (and `+json`) bodies are \
                         supported",
                        found.join(", ")
                    ),
                },
            ));
        };
        let media_pointer = push_pointer(&push_pointer(pointer, "content"), media);
        match &media_type.schema {
            Some(schema) => Ok(Some(self.type_of(
                schema,
                hint,
                &push_pointer(&media_pointer, "schema"),
            )?)),
            None => Ok(Some(TypeRef::Json)),
        }
    }

    #[allow(clippy::type_complexity)]
    fn responses(
        &mut self,
        operation: &Operation,
        method_name: &str,
        pointer: &str,
    ) -> Result<(SuccessModel, Vec<ErrorCase>), Diagnostic> {
        let responses_pointer = push_pointer(pointer, "responses");
        let mut success: Option<SuccessModel> = None;
        let mut errors = Vec::new();
        let declared = operation
            .responses
            .responses
            .iter()
            .map(|(code, response)| (Some(code), response))
            .chain(operation.responses.default.iter().map(|r| (None, r)));
        for (code, response) in declared {
            let key = match code {
                Some(code) => code.to_string(),
                None => "default".to_string(),
            };
            let response_pointer = push_pointer(&responses_pointer, &key);
            let (response_pointer, response) =
                self.resolve_response(response, &response_pointer)?;
            let status = code.map(|code| match code {
                StatusCode::Code(n) => StatusMatch::Code(*n),
                StatusCode::Range(n) => StatusMatch::Range(*n),
            });
            let is_success = matches!(
                status,
                Some(StatusMatch::Code(200..=299)) | Some(StatusMatch::Range(2))
            );
            if is_success {
                let hint = format!("{}Response", pascal_ident(method_name));
                let body = self.json_content(&response.content, &hint, &response_pointer)?;
                let resource = response
                    .content
                    .iter()
                    .find(|(media, _)| is_json_media_type(media))
                    .and_then(|(_, media)| match &media.schema {
                        Some(ReferenceOr::Item(schema)) => resource_type(schema),
                        _ => None,
                    });
                match &mut success {
                    None => {
                        success = Some(SuccessModel {
                            statuses: status.into_iter().collect(),
                            body,
                            doc: non_empty(&response.description),
                            resource_type: resource,
                        })
                    }
                    Some(first) if first.body == body => first.statuses.extend(status),
                    Some(_) => {
                        return Err(self.error(
                            &response_pointer,
                            DiagnosticKind::Unsupported {
                                what: "success responses with different bodies".to_string(),
                            },
                        ))
                    }
                }
            } else {
                let hint = format!("{}Error", pascal_ident(method_name));
                let body = self.json_content(&response.content, &hint, &response_pointer)?;
                errors.push(ErrorCase {
                    status,
                    has_body: body.is_some(),
                    body,
                    doc: non_empty(&response.description),
                });
            }
        }
        let success = success.unwrap_or(SuccessModel {
            statuses: vec![StatusMatch::Range(2)],
            body: None,
            doc: None,
            resource_type: None,
        });
        Ok((success, errors))
    }

    fn resolve_response<'r>(
        &self,
        response: &'r ReferenceOr<openapiv3::Response>,
        pointer: &str,
    ) -> Result<(String, &'r openapiv3::Response), Diagnostic>
    where
        'a: 'r,
    {
        match response {
            ReferenceOr::Item(response) => Ok((pointer.to_string(), response)),
            ReferenceOr::Reference { reference } => {
                let found = reference
                    .strip_prefix("#/components/responses/")
                    .and_then(|key| {
                        let found = self.document.components.as_ref()?.responses.get(key)?;
                        Some((key, found))
                    });
                match found {
                    Some((key, ReferenceOr::Item(found))) => {
                        Ok((push_pointer("/components/responses", key), found))
                    }
                    _ => Err(self.error(
                        &push_pointer(pointer, "$ref"),
                        DiagnosticKind::UnresolvedRef {
                            reference: reference.clone(),
                        },
                    )),
                }
            }
        }
    }
}

/// The `x-codegen-name` of a schema or property, when it is a non-empty string.
fn name_override(extensions: &indexmap::IndexMap<String, serde_json::Value>) -> Option<String> {
    match extensions.get(NAME_EXTENSION) {
        Some(serde_json::Value::String(name)) if !name.trim().is_empty() => Some(name.clone()),
        _ => None,
    }
}

fn non_empty(text: &str) -> Option<String> {
    let trimmed = text.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_string())
}

fn location_name(parameter: &Parameter) -> &'static str {
    match parameter {
        Parameter::Path { .. } => "path",
        Parameter::Query { .. } => "query",
        Parameter::Header { .. } => "header",
        Parameter::Cookie { .. } => "cookie",
    }
}

fn is_form_media_type(media: &str) -> bool {
    let essence = media.split(';').next().unwrap_or("").trim();
    essence.eq_ignore_ascii_case("application/x-www-form-urlencoded")
}

fn is_json_media_type(media: &str) -> bool {
    let essence = media.split(';').next().unwrap_or("").trim();
    essence.eq_ignore_ascii_case("application/json")
        || essence.to_ascii_lowercase().ends_with("+json")
}

fn is_scalar(ty: &TypeRef) -> bool {
    matches!(
        ty,
        TypeRef::String
            | TypeRef::DateTime
            | TypeRef::Bool
            | TypeRef::I32
            | TypeRef::I64
            | TypeRef::F32
            | TypeRef::F64
            | TypeRef::Named(_)
    )
}

fn resource_type(schema: &Schema) -> Option<String> {
    match schema.schema_data.extensions.get(RESOURCE_TYPE_EXTENSION) {
        Some(serde_json::Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
        _ => None,
    }
}

/// The `x-codegen-id-types` map of `components`: resource type -> wanted Rust name.
fn id_names(
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
fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "a list",
        serde_json::Value::Object(_) => "a map",
    }
}

/// The standard error shape of the type `name`, if it has one.
fn error_shape(types: &BTreeMap<String, TypeDef>, name: &str) -> Option<ErrorShape> {
    let TypeKind::Struct { fields } = &types.get(name)?.kind else {
        return None;
    };
    let error_type = fields.iter().find_map(|f| match &f.ty {
        TypeRef::Named(enum_name) if f.wire_name == "error_type" => {
            match &types.get(enum_name)?.kind {
                TypeKind::Enum { .. } => Some((f.ident.clone(), enum_name.clone())),
                _ => None,
            }
        }
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
            let mut checks = Namespace::with_reserved(&[
                "api_body",
                "error_type",
                "error_type_name",
                "messages",
                "status",
            ]);
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
        error_type_values,
        messages,
    })
}

/// Which operations to generate: `--include` and `--exclude` patterns.
///
/// A pattern is `tag:NAME` (a tag), `path:PREFIX` or `/PREFIX` (the start of the path key), or
/// `op:GLOB` / `GLOB` (the operationId, `*` matching any text). An operation is generated when
/// no include is given or one matches, and no exclude matches.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// Patterns of operations to generate.
    pub include: Vec<String>,
    /// Patterns of operations to leave out.
    pub exclude: Vec<String>,
}

impl Selection {
    /// Whether every operation is selected.
    pub fn is_empty(&self) -> bool {
        self.include.is_empty() && self.exclude.is_empty()
    }

    fn selects(&self, path_key: &str, tags: &[String], operation_id: Option<&str>) -> bool {
        let matches = |pattern: &String| {
            if let Some(tag) = pattern.strip_prefix("tag:") {
                tags.iter().any(|t| glob_match(tag, t))
            } else if let Some(prefix) = pattern.strip_prefix("path:") {
                path_key.starts_with(prefix)
            } else if pattern.starts_with('/') {
                path_key.starts_with(pattern.as_str())
            } else {
                let glob = pattern.strip_prefix("op:").unwrap_or(pattern);
                operation_id.is_some_and(|id| glob_match(glob, id))
            }
        };
        (self.include.is_empty() || self.include.iter().any(matches))
            && !self.exclude.iter().any(matches)
    }
}

/// `*` matches any run of characters; everything else matches itself.
fn glob_match(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    let (Some(first), Some(last)) = (parts.first(), parts.last()) else {
        return false;
    };
    if parts.len() == 1 {
        return pattern == text;
    }
    if !text.starts_with(first) || !text[first.len()..].ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(at) => rest = &rest[at + middle.len()..],
            None => return false,
        }
    }
    true
}

/// Drops the named types no generated operation uses, directly or through other types.
fn keep_used_types(types: &mut BTreeMap<String, TypeDef>, operations: &[OperationModel]) {
    fn named(ty: &TypeRef, out: &mut Vec<String>) {
        match ty {
            TypeRef::Named(name) => out.push(name.clone()),
            TypeRef::Vec(inner) | TypeRef::Map(inner) => named(inner, out),
            _ => {}
        }
    }
    let mut pending = Vec::new();
    for op in operations {
        for param in &op.params {
            named(&param.ty, &mut pending);
        }
        if let Some(body) = &op.body {
            named(&body.ty, &mut pending);
        }
        if let Some(ty) = &op.success.body {
            named(ty, &mut pending);
        }
        if let Some(ty) = &op.error_body {
            named(ty, &mut pending);
        }
    }
    let mut used = BTreeSet::new();
    while let Some(name) = pending.pop() {
        if !used.insert(name.clone()) {
            continue;
        }
        match types.get(&name).map(|def| &def.kind) {
            Some(TypeKind::Struct { fields }) => {
                for field in fields {
                    named(&field.ty, &mut pending);
                }
            }
            Some(TypeKind::Alias(target)) => named(target, &mut pending),
            _ => {}
        }
    }
    types.retain(|name, _| used.contains(name));
}

/// Gives every operation one error body type. Error schemas that have the same shape, all the
/// way down (VMware's spec has one copy of the standard error per error kind), are one type: the
/// one with the shortest name (then the first by name) stands for all of them.
fn unify_error_bodies(
    spec: &LoadedSpec,
    types: &BTreeMap<String, TypeDef>,
    operations: &mut [OperationModel],
) -> Result<(), Diagnostic> {
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
    for op in operations.iter_mut() {
        let bodies: BTreeSet<TypeRef> = op
            .errors
            .iter()
            .filter_map(|case| case.body.as_ref())
            .map(&canonical)
            .collect();
        let bodies = match widest_compatible(types, &bodies, &canonical) {
            Some(widest) => BTreeSet::from([widest]),
            None => bodies,
        };
        if bodies.len() > 1 {
            let names: Vec<String> = bodies.iter().map(|ty| format!("{ty:?}")).collect();
            return Err(spec.diagnostic(
                push_pointer(&op.pointer, "responses"),
                DiagnosticKind::Unsupported {
                    what: format!(
                        "error responses of one operation with bodies of different shapes ({})",
                        names.join(", ")
                    ),
                },
            ));
        }
        op.error_body = bodies.into_iter().next();
    }
    Ok(())
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
        (TypeRef::Vec(n), TypeRef::Vec(w)) | (TypeRef::Map(n), TypeRef::Map(w)) => {
            fits(types, canonical, n, w, depth + 1)
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
                            "{}:{}:{}",
                            f.wire_name,
                            f.required,
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

/// Boxes the fields through which a type contains itself (directly or through other types),
/// so that every type has a finite size. `Vec` and map fields already allocate and need no box.
fn mark_boxed_fields(types: &mut BTreeMap<String, TypeDef>) {
    let names: Vec<&String> = types.keys().collect();
    let index: BTreeMap<&String, usize> = names.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    let direct_target = |ty: &TypeRef| match ty {
        TypeRef::Named(target) => index.get(target).copied(),
        _ => None,
    };
    let mut edges: Vec<Vec<usize>> = vec![Vec::new(); names.len()];
    for (i, name) in names.iter().enumerate() {
        let Some(def) = types.get(*name) else {
            continue;
        };
        match &def.kind {
            TypeKind::Struct { fields } => {
                edges[i].extend(fields.iter().filter_map(|f| direct_target(&f.ty)));
            }
            TypeKind::Alias(ty) => edges[i].extend(direct_target(ty)),
            TypeKind::Enum { .. } | TypeKind::Id { .. } => {}
        }
    }
    let component = strongly_connected_components(&edges);
    let mut boxed: Vec<(String, usize)> = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let Some(TypeDef {
            kind: TypeKind::Struct { fields },
            ..
        }) = types.get(*name)
        else {
            continue;
        };
        for (f, field) in fields.iter().enumerate() {
            if let Some(target) = direct_target(&field.ty) {
                if component[target] == component[i] {
                    boxed.push(((*name).clone(), f));
                }
            }
        }
    }
    for (name, f) in boxed {
        if let Some(TypeDef {
            kind: TypeKind::Struct { fields },
            ..
        }) = types.get_mut(&name)
        {
            if let Some(field) = fields.get_mut(f) {
                field.boxed = true;
            }
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
