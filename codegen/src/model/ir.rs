//! The intermediate representation: what the generated crate will contain, as plain data.
//! Only types live here; `lower` builds them from the document, the passes refine them, and
//! `emit` reads them without ever seeing the document.

/// Vendor extension that overrides a generated name: an operation's method, a component
/// schema's type, a property's field.
pub const NAME_EXTENSION: &str = "x-codegen-name";
/// Vendor extension on an operation that marks it as creating (`create`) or ending (`delete`) the
/// client's session.
pub const SESSION_EXTENSION: &str = "x-codegen-session";

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
    /// Which of vCenter's conventions the spec follows.
    pub conventions: Conventions,
    /// The crate's cargo features, one per tag, sorted by name; empty when the spec has fewer
    /// than two parts to choose from (then everything is always compiled).
    pub features: Vec<FeatureModel>,
}

/// A cargo feature of the generated crate: the operations of one tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeatureModel {
    /// The feature's name (kebab-case of the tag, free of collisions).
    pub name: String,
    /// The tag, as the spec names it; `None` for the operations without a tag.
    pub tag: Option<String>,
    /// The tag's description from the document's `tags` list.
    pub doc: Option<String>,
    /// The features of the tags nested in this one (OpenAPI 3.2's `parent`), which this
    /// feature turns on, sorted.
    pub children: Vec<String>,
}

/// Which cargo features compile an item of the generated crate.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Gate {
    /// Compiled whatever the features (used by every part, or by the runtime itself).
    #[default]
    Always,
    /// Compiled when any of these features is on (names sorted, never empty).
    Features(Vec<String>),
}

impl Gate {
    /// The gate of something used by everything gated by `gates`: compiled when any of them is.
    /// Without any gate, [`Gate::Always`].
    pub fn union<'a>(gates: impl IntoIterator<Item = &'a Gate>) -> Gate {
        let mut names = std::collections::BTreeSet::new();
        let mut any = false;
        for gate in gates {
            any = true;
            match gate {
                Gate::Always => return Gate::Always,
                Gate::Features(features) => names.extend(features.iter().cloned()),
            }
        }
        if !any || names.is_empty() {
            return Gate::Always;
        }
        Gate::Features(names.into_iter().collect())
    }

    /// Whether the item is compiled with only `feature` on (`None`: with no feature at all).
    pub fn compiled_with(&self, feature: Option<&str>) -> bool {
        match self {
            Gate::Always => true,
            Gate::Features(features) => feature.is_some_and(|f| features.iter().any(|n| n == f)),
        }
    }
}

/// vCenter's conventions, each on only when the spec itself shows it (see `conventions.rs`), so
/// that a spec without them gets a client without vCenter assumptions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Conventions {
    /// Error bodies carry vCenter's `error_type` (with values such as `RESOURCE_BUSY`) and
    /// localizable `messages`: the client summarises them, and its retry policy repeats a call
    /// on vCenter's "try again" error types by default.
    pub vcenter_errors: bool,
    /// The `error_type` values that mean "not carried out, try again later" (vCenter's
    /// `RESOURCE_BUSY` and `SERVICE_UNAVAILABLE`, those the spec's error enums have): what the
    /// retry policy repeats by default.
    pub retry_error_types: Vec<String>,
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
    /// The features whose operations reach the type (set by the features pass).
    pub gate: Gate,
    /// Which ways the API moves values of the type: a struct implements `Serialize` only when
    /// the client sends it and `Deserialize` only when it receives it (each derive is compile
    /// time every user pays), the other way behind the crate's `serde-all` feature.
    pub serde: SerdeUse,
}

impl TypeDef {
    /// A named type that could not be typed: an alias of any JSON value, documented as such.
    pub fn untyped(name: String, origin: String) -> Self {
        TypeDef {
            name,
            origin,
            doc: Some(
                "The spec's schema for this type could not be typed (the generator warned \
                 about it): any JSON value."
                    .to_string(),
            ),
            kind: TypeKind::Alias(TypeRef::Json),
            error_shape: None,
            gate: Gate::Always,
            serde: SerdeUse::BOTH,
        }
    }
}

/// Which ways values of a type cross the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SerdeUse {
    /// The client sends it (a request body or parameter, or inside one).
    pub serialize: bool,
    /// The client receives it (a response body, or inside one).
    pub deserialize: bool,
}

impl SerdeUse {
    /// Both ways: what a type is until the pass that narrows it has run.
    pub const BOTH: Self = Self {
        serialize: true,
        deserialize: true,
    };
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
    /// One of several shapes (`oneOf` / `anyOf`): an enum with a variant per member and an
    /// open fallback holding the JSON no variant takes.
    Union(UnionModel),
    /// A string identifier of one resource type (`x-vcenter-resource-type`): a newtype, so
    /// that an id of one kind cannot be passed where another is expected.
    Id {
        /// The resource type, as the spec names it (e.g. `VirtualMachine`).
        resource_type: String,
    },
}

/// A `oneOf` or `anyOf`: which member a value is, and how that is told.
#[derive(Debug, Clone, PartialEq)]
pub struct UnionModel {
    /// The members, in document order.
    pub variants: Vec<VariantModel>,
    /// The property whose value names the member (`discriminator.propertyName`, or a property
    /// every member requires with one constant value); `None`: each member is tried in turn.
    pub tag: Option<String>,
    /// Name of the variant holding a value no member takes, as raw JSON.
    pub fallback: String,
    /// Whether every member is written as text (a string, number, boolean, enum or id), so the
    /// union is too (`Display`), and can be a path, query or header parameter.
    pub text: bool,
}

/// One member of a union.
#[derive(Debug, Clone, PartialEq)]
pub struct VariantModel {
    /// Rust variant name.
    pub name: String,
    /// The member's type.
    pub ty: TypeRef,
    /// The tag values that select this member (empty without a tag).
    pub tags: Vec<String>,
    /// Description.
    pub doc: Option<String>,
    /// Whether the value is boxed to break a cycle of types that contain each other.
    pub boxed: bool,
    /// What JSON the member's type takes: an untagged union tries a value only on the members
    /// that can take its kind (a struct would otherwise read a list as its fields in order).
    pub takes: JsonKind,
    /// For a member that is an object of named properties only (a struct without flattened
    /// fields): the property names. An untagged union tries first the object members that know
    /// every property of the value, so that a member whose fields are all optional does not
    /// take (and drop the rest of) a value another member fits whole.
    pub known: Option<Vec<String>>,
}

/// A kind of JSON value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonKind {
    /// An object.
    Object,
    /// A list.
    Array,
    /// A string.
    String,
    /// A number.
    Number,
    /// `true` or `false`.
    Bool,
    /// Any value.
    Any,
}

/// Whether a field may be `null`, and how that is held apart from an absent field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nullable {
    /// Never `null` (`null` for an optional field reads as absent).
    No,
    /// Always present, maybe `null`: `Option<T>`, whose `None` is sent as `null`.
    Required,
    /// Maybe absent, maybe `null`: `Option<Option<T>>`, where `Some(None)` is an explicit
    /// `null` and `None` an absent field.
    Optional,
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
    /// Whether the field is always present and never `null` (not `Option`).
    pub required: bool,
    /// Whether the field may be `null` (then `required` is false).
    pub nullable: Nullable,
    /// Whether the field holds the properties beyond the named ones (`additionalProperties`
    /// beside `properties`): a map flattened into the object.
    pub flatten: bool,
    /// Whether the field is boxed to break a cycle of types that contain each other.
    pub boxed: bool,
    /// The resource type an identifier field belongs to (`x-vcenter-resource-type`).
    pub resource_type: Option<String>,
    /// For a `String` field, the values a `discriminator` beside the object's properties names
    /// for it (see [`MappedValues`]).
    pub mapped_values: Option<MappedValues>,
}

/// The values of a string property that a `discriminator` names in its `mapping`, when the
/// discriminator is written beside an object's properties with no `oneOf` or `anyOf` to tag
/// (OpenAPI's `allOf` inheritance: the base maps each value to the subtype that has it; VMware's
/// newer specs write the standard error's `error_type` so). Lowering keeps the field a
/// `String`, since the mapping need not list every value; `conventions` makes an error body's
/// `error_type` this open enum, as the other style spells it.
#[derive(Debug, Clone, PartialEq)]
pub struct MappedValues {
    /// The Rust name wanted for the enum: the schema the discriminator is written on, then the
    /// property (`VapiStdErrorsErrorErrorType`). Fields merged from that schema want the same.
    pub enum_name: String,
    /// The enum's doc: whose discriminator the values are.
    pub doc: String,
    /// The mapping's keys, in document order, as the enum's values.
    pub values: Vec<EnumValue>,
    /// The enum's catch-all variant.
    pub catch_all: String,
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
    /// Whether the `error_type` field is always present (not an `Option`).
    pub error_type_required: bool,
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
    /// `i128`: an integer without a size (no `format`, no bounds within 64 bits), which JSON
    /// Schema lets be of any size.
    I128,
    /// `u32` (`format: uint8`, `uint16`, `uint32`).
    U32,
    /// `u64` (`format: uint64`, `uint`).
    U64,
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
    /// `Option<T>`: a value that may be `null`, as a list item, a map value or a whole body
    /// (a field's `null` is said by [`FieldModel::nullable`]).
    Nullable(Box<TypeRef>),
    /// A tuple `(A, B, ...)`: a list of exactly these items (JSON Schema's `prefixItems`, closed
    /// and of its exact length), 1 to 12 of them.
    Tuple(Vec<TypeRef>),
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
    /// The request body.
    pub body: Option<BodyModel>,
    /// How the operation authenticates.
    pub auth: Auth,
    /// Whether the operation starts or ends the client's session.
    pub session_action: Option<SessionAction>,
    /// The successful outcome.
    pub success: SuccessModel,
    /// Documented error responses, explicit statuses first in document order, then `default`.
    pub errors: Vec<ErrorCase>,
    /// The type of documented error bodies; `None` when no error response has a body. With
    /// [`OperationModel::error_enum`] it names that enum.
    pub error_body: Option<TypeRef>,
    /// Error bodies of different shapes: the operation's own error enum, one variant per
    /// status.
    pub error_enum: Option<ResponseEnum>,
    /// What the method leaves out, said in its docs (e.g. a `101 Switching Protocols` answer).
    pub notes: Vec<String>,
    /// For the extra method that sends the body in another of its media types
    /// (`<method>_text`, ...): the method that sends the preferred one.
    pub alternative_of: Option<String>,
    /// JSON pointer of the operation in the spec.
    pub pointer: String,
    /// The `--exclude` pattern that leaves this operation out (`op:<operationId>`, or
    /// `path:<key>` without one).
    pub selector: String,
    /// `summary`.
    pub summary: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// `deprecated`.
    pub deprecated: bool,
    /// The operation's tags, in the spec's order.
    pub tags: Vec<String>,
    /// The features that compile the method (set by the features pass): its tags' features, or
    /// always for the operations the runtime itself calls (the session's).
    pub gate: Gate,
}

impl OperationModel {
    /// The Rust types documented error bodies decode into: the error body, or each variant's
    /// body of the error enum (text bodies are `String`).
    pub fn error_body_types(&self) -> Vec<TypeRef> {
        match &self.error_enum {
            Some(errors) => errors
                .variants
                .iter()
                .filter_map(|variant| match &variant.body {
                    Some(ResponseBody::Json(ty)) => Some(ty.clone()),
                    Some(_) => Some(TypeRef::String),
                    None => None,
                })
                .collect(),
            None => self.error_body.iter().cloned().collect(),
        }
    }

    /// The types decoded from JSON in the success bodies (one, or each variant's; a stream's
    /// item type).
    pub fn success_json_types(&self) -> Vec<&TypeRef> {
        match &self.success.responses {
            Some(responses) => responses
                .variants
                .iter()
                .filter_map(|variant| variant.body.as_ref().and_then(ResponseBody::decoded))
                .collect(),
            None => self
                .success
                .body
                .as_ref()
                .and_then(ResponseBody::decoded)
                .into_iter()
                .collect(),
        }
    }
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
    /// How the value is written where it goes; decided by the check pass.
    pub send: SendAs,
    /// Whether a list or object is exploded (`explode`, by default true for `form` style).
    pub explode: bool,
    /// Whether a query object uses `style: deepObject` (`name[key]=value`).
    pub deep_object: bool,
    /// JSON pointer of the parameter in the spec.
    pub pointer: String,
}

/// How one scalar value becomes text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalarText {
    /// Already text (`&str`).
    Str,
    /// A number or boolean: its `Display` text.
    Display,
    /// A named enum or id type: its `as_str()`.
    AsStr,
}

/// How a parameter's value is sent, proven possible by the check pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendAs {
    /// One scalar.
    Scalar(ScalarText),
    /// A list of scalars: repeated pairs (`explode`), or one comma-separated value.
    List(ScalarText),
    /// An object (or a union that is not text, by its JSON form) in the query: its members
    /// as pairs (`form`), `name[key]` pairs (`deepObject`), or `name=k,v,...` (not exploded);
    /// a list of objects: each item's members as `name.1.key` pairs (`form`, items counted
    /// from 1) or `name[0][key]` pairs (`deepObject`, from 0).
    Object,
}

/// A request body.
#[derive(Debug, Clone, PartialEq)]
pub struct BodyModel {
    /// Its type (`String` for text and bytes, which are not typed by a schema; each item's for
    /// JSON Lines).
    pub ty: TypeRef,
    /// Whether it must be given.
    pub required: bool,
    /// Description.
    pub doc: Option<String>,
    /// How the body is encoded.
    pub encoding: BodyEncoding,
    /// The `Content-Type` sent with a text or byte body (a wildcard media type such as `*/*`
    /// is sent as `application/octet-stream`).
    pub content_type: String,
    /// The form of a `multipart/form-data` body.
    pub multipart: Option<MultipartForm>,
    /// How an `application/x-www-form-urlencoded` body's members are written.
    pub form: Option<FormModel>,
}

/// An `application/x-www-form-urlencoded` body: its members' `encoding` and the writer.
#[derive(Debug, Clone, PartialEq)]
pub struct FormModel {
    /// Members sent as one pair of JSON text (`encoding.<name>.contentType: application/json`).
    pub json: Vec<String>,
    /// Members with `style: form` in their `encoding`, and their `explode`.
    pub form_style: Vec<(String, bool)>,
    /// Which writer writes the pairs; decided by the check pass.
    pub writer: FormWriter,
}

/// Which writer writes a form body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormWriter {
    /// Every member is one scalar and none has an `encoding`: reqwest's own form encoder
    /// (`serde_urlencoded`) writes the struct.
    Flat,
    /// Members hold objects or lists, or have an `encoding`: the runtime's pair writer
    /// (`runtime/form.rs`: the bracket form, `a[b][c]=v`, `a[0][b]=v`).
    Pairs,
}

/// A `multipart/form-data` body: a struct of its own, one field per part.
#[derive(Debug, Clone, PartialEq)]
pub struct MultipartForm {
    /// The struct's Rust name (a type of `types.rs`).
    pub name: String,
    /// The parts, in document order.
    pub fields: Vec<MultipartField>,
}

/// One part of a multipart form.
#[derive(Debug, Clone, PartialEq)]
pub struct MultipartField {
    /// Rust identifier.
    pub ident: String,
    /// The part's name.
    pub wire_name: String,
    /// Description.
    pub doc: Option<String>,
    /// What the part holds.
    pub kind: PartKind,
    /// Whether the part must be sent.
    pub required: bool,
}

/// What one part of a multipart form holds.
#[derive(Debug, Clone, PartialEq)]
pub enum PartKind {
    /// A file (`format: binary`): a `reqwest::multipart::Part` the caller builds from bytes or
    /// a stream, with its file name and media type.
    File,
    /// Several files under one name (an array of `format: binary`).
    Files,
    /// A value: text as it is, numbers and booleans as their text, anything else as JSON.
    Value(TypeRef),
}

/// How a request body is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyEncoding {
    /// `application/json`.
    Json,
    /// `application/x-www-form-urlencoded`.
    Form,
    /// `text/*` and XML: a string, sent as it is.
    Text,
    /// Any other media type: bytes, anything that converts into a `reqwest::Body`.
    Bytes,
    /// `multipart/form-data`: the [`BodyModel::multipart`] form.
    Multipart,
    /// JSON values one after another, written from a stream of [`BodyModel::ty`] items: JSON
    /// Lines, or with `record_separator` a JSON text sequence.
    JsonLines {
        /// Whether each value follows RFC 7464's record separator rather than ending a line.
        record_separator: bool,
    },
}

/// How a response body is read.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum ResponseBody {
    /// JSON (`application/json`, `+json`), decoded as this type.
    Json(TypeRef),
    /// Text (`text/*`, XML): a `String`.
    Text,
    /// Any other media type: a stream of bytes, read in chunks.
    Bytes,
    /// Server-sent events (`text/event-stream`), read event by event; each event's data is
    /// decoded as this type (`None`: the data is text).
    Events(Option<TypeRef>),
    /// JSON values one after another, read value by value, each decoded as `item`: JSON Lines
    /// (`application/jsonl`, `application/x-ndjson`), or with `record_separator` a JSON text
    /// sequence (`application/json-seq`).
    JsonLines {
        /// The type of each value.
        item: TypeRef,
        /// Whether values are framed by RFC 7464's record separator rather than by lines.
        record_separator: bool,
    },
}

impl ResponseBody {
    /// The JSON type, for a JSON body.
    pub fn json(&self) -> Option<&TypeRef> {
        match self {
            ResponseBody::Json(ty) => Some(ty),
            _ => None,
        }
    }

    /// The type decoded from JSON: a JSON body's, or each item's of a stream of JSON items.
    pub fn decoded(&self) -> Option<&TypeRef> {
        match self {
            ResponseBody::Json(ty)
            | ResponseBody::Events(Some(ty))
            | ResponseBody::JsonLines { item: ty, .. } => Some(ty),
            _ => None,
        }
    }

    /// Whether the body is handed over unread, as a stream the caller reads (no `Clone`,
    /// no `PartialEq`).
    pub fn streamed(&self) -> bool {
        matches!(
            self,
            ResponseBody::Bytes | ResponseBody::Events(_) | ResponseBody::JsonLines { .. }
        )
    }
}

/// The responses of one operation as an enum of its own: success responses with different
/// bodies, or error responses with differently shaped bodies.
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseEnum {
    /// The enum's Rust name (a type of `types.rs`).
    pub name: String,
    /// One variant per status, in document order (`default` last).
    pub variants: Vec<ResponseVariant>,
}

/// One variant of a [`ResponseEnum`].
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseVariant {
    /// Rust variant name, from the status (`Created`, `NotFound`, `Default`).
    pub name: String,
    /// The status; `None` for `default`.
    pub status: Option<StatusMatch>,
    /// The body; `None` for a response without one.
    pub body: Option<ResponseBody>,
    /// The response's description.
    pub doc: Option<String>,
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
    /// HTTP basic authentication with a user name and password given to the method (the
    /// operation that logs in, in a spec with a session scheme).
    Basic,
    /// Credentials the user gives the client builder, per security scheme: the first
    /// requirement (in document order) the client has credentials for is sent, every scheme of
    /// it; with none, the call is sent without credentials.
    Schemes {
        /// The alternatives, each a list of schemes that are sent together.
        requirements: Vec<Vec<SchemeModel>>,
        /// Whether the operation also accepts calls without credentials (`{}` among them).
        optional: bool,
    },
}

/// A security scheme whose credential the user supplies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemeModel {
    /// The scheme's name under `components/securitySchemes`: the name the builder takes.
    pub name: String,
    /// Where the credential goes.
    pub kind: SchemeKind,
}

/// Where a scheme's credential goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemeKind {
    /// `Authorization: Bearer <token>`: HTTP `bearer`, OAuth2 and OpenID Connect.
    Bearer,
    /// HTTP basic authentication.
    Basic,
    /// An API key in the header of this name.
    Header(String),
    /// An API key in the query parameter of this name.
    Query(String),
    /// An API key in the cookie of this name.
    Cookie(String),
}

/// Operations that manage the client's session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionAction {
    /// The response body is the new session id, which the client keeps.
    Create,
    /// On success the client forgets its session id.
    Delete,
    /// Reads the current session: the runtime calls it to keep the session alive
    /// (`Client::keep_alive`) and to wait until the server answers (`Client::wait_until_ready`).
    Info,
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
    /// The body; `None` for no body (and with [`SuccessModel::responses`]).
    pub body: Option<ResponseBody>,
    /// Success responses with different bodies: the enum the method returns.
    pub responses: Option<ResponseEnum>,
    /// The `Accept` header, when the success bodies are not JSON alone.
    pub accept: Option<String>,
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
    /// Whether the response declares a body.
    pub has_body: bool,
    /// The declared body (JSON or text; any other media type is read as text), before error
    /// schemas of the same shape are unified.
    pub body: Option<ResponseBody>,
    /// Description.
    pub doc: Option<String>,
}

/// Vendor extension carrying the resource type of an identifier.
pub const RESOURCE_TYPE_EXTENSION: &str = "x-vcenter-resource-type";

/// Vendor extension of `components`: a map from resource type to the Rust name of its id type
/// (e.g. `VirtualMachine: VmId`). Resource types it does not name get `<last segment>Id`.
pub const ID_TYPES_EXTENSION: &str = "x-codegen-id-types";
