//! Request bodies and responses: which media type of each is used and how it is read or
//! written (JSON, form, text or bytes), its type, which statuses are success and which are
//! documented errors, and the per-operation enums when success (or error) bodies differ.
//!
//! Media types, in order of preference when a body offers several: JSON (`application/json`,
//! `+json`), then form (`application/x-www-form-urlencoded`, requests only), then text
//! (`text/*`, `application/xml`, `+xml`: a `String`), then bytes (anything else, `*/*` and
//! images included), then `multipart/form-data` (requests only: a form struct of its own).

use std::collections::BTreeMap;

use openapiv3::{
    Operation, QueryStyle, ReferenceOr, Schema, SchemaKind, StatusCode, StringFormat, Type,
};

use super::{child, schema::resource_type, ModelBuilder};
use crate::diagnostic::{Diagnostic, DiagnosticKind, Fallback};
use crate::model::ir::{
    BodyEncoding, BodyModel, ErrorCase, FormModel, FormWriter, MultipartField, MultipartForm,
    PartKind, ResponseBody, ResponseEnum, ResponseVariant, StatusMatch, SuccessModel, TypeRef,
};
use crate::model::refs;
use crate::names::{pascal_ident, snake_ident, Namespace};

/// What a media type is read or written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum MediaKind {
    Json,
    Form,
    Text,
    Bytes,
    Multipart,
}

impl MediaKind {
    /// The suffix of the extra method that sends a body of this kind.
    fn suffix(self) -> &'static str {
        match self {
            MediaKind::Json => "json",
            MediaKind::Form => "form",
            MediaKind::Text => "text",
            MediaKind::Bytes => "bytes",
            MediaKind::Multipart => "multipart",
        }
    }
}

/// One response's chosen media type, lowered.
struct LoweredResponse {
    body: Option<ResponseBody>,
    /// The media type the body is read as (for the `Accept` header).
    media: Option<String>,
    resource_type: Option<String>,
}

/// The lowered JSON types of one operation's schemas, by their text: a schema repeated under
/// several statuses (or under a success and `default`) is one type, not one per status.
type SchemaCache = BTreeMap<String, TypeRef>;

impl<'a> ModelBuilder<'a> {
    /// The request body in each way it can be sent: the preferred media type first, then one
    /// per other kind the body offers (JSON, form, text, bytes, multipart), each with the
    /// suffix of the extra method that sends it (`text`, `bytes`, ...).
    pub(super) fn request_bodies(
        &mut self,
        body: &ReferenceOr<openapiv3::RequestBody>,
        method_name: &str,
        pointer: &str,
    ) -> Result<Vec<(&'static str, BodyModel)>, Diagnostic> {
        let body_pointer = child(pointer, "requestBody");
        let bodies = self.document.components.as_ref().map(|c| &c.request_bodies);
        let (body_pointer, body) =
            self.item_or_component(body, bodies, "requestBodies", &body_pointer)?;
        let content_pointer = child(&body_pointer, "content");
        let Some((_, _, preferred_kind)) = preferred(&body.content) else {
            return Err(self.error(
                &content_pointer,
                DiagnosticKind::Invalid {
                    what: "the request body declares no media type".to_string(),
                },
            ));
        };
        let mut lowered = Vec::new();
        let mut unsent = Vec::new();
        for kind in [
            MediaKind::Json,
            MediaKind::Form,
            MediaKind::Text,
            MediaKind::Bytes,
            MediaKind::Multipart,
        ] {
            let Some((media, media_type)) = body
                .content
                .iter()
                .find(|(media, _)| media_kind(media) == kind)
            else {
                continue;
            };
            let suffix = kind.suffix();
            let hint = match kind == preferred_kind {
                true => format!("{}Body", pascal_ident(method_name)),
                false => format!("{}{}Body", pascal_ident(method_name), pascal_ident(suffix)),
            };
            match self.request_media(&body, media, media_type, kind, &hint, &content_pointer) {
                Ok(model) => lowered.push((suffix, model)),
                // One media type that cannot be sent costs only its own method: the others
                // still send the body (Azure offers an image as bytes and as a multipart form
                // whose schema is a Swagger 2 `file`).
                Err(problem) => unsent.push((media.clone(), problem)),
            }
        }
        if lowered.is_empty() {
            if let Some((_, problem)) = unsent.into_iter().next() {
                return Err(problem);
            }
            return Ok(lowered);
        }
        for (media, problem) in unsent {
            self.degrade(
                problem,
                Fallback::Assumed {
                    what: format!(
                        "no method sends the body as {media:?}; the operation's other media \
                         types send it"
                    ),
                },
            );
        }
        Ok(lowered)
    }

    /// The request body sent as `media`.
    fn request_media(
        &mut self,
        body: &openapiv3::RequestBody,
        media: &str,
        media_type: &openapiv3::MediaType,
        kind: MediaKind,
        hint: &str,
        content_pointer: &str,
    ) -> Result<BodyModel, Diagnostic> {
        let media_pointer = child(content_pointer, media);
        let schema_pointer = child(&media_pointer, "schema");
        let mut form = None;
        let (ty, encoding) = match kind {
            MediaKind::Json => {
                let ty = match &media_type.schema {
                    Some(schema) => self.type_of(schema, hint, &schema_pointer)?,
                    None => TypeRef::Json,
                };
                (ty, BodyEncoding::Json)
            }
            MediaKind::Form => {
                let ty = match &media_type.schema {
                    Some(schema) => self.type_of(schema, hint, &schema_pointer)?,
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
                form = Some(self.form_encoding(media_type, &media_pointer));
                (ty, BodyEncoding::Form)
            }
            MediaKind::Text => (TypeRef::String, BodyEncoding::Text),
            MediaKind::Bytes => match framing(media) {
                Some(framing @ (Framing::Lines | Framing::Records)) => {
                    let ty = match media_type.schema.clone() {
                        Some(schema) => {
                            let (item, pointer) = self.stream_item(schema, schema_pointer);
                            self.type_of(&item, hint, &pointer)?
                        }
                        None => TypeRef::Json,
                    };
                    let encoding = BodyEncoding::JsonLines {
                        record_separator: framing == Framing::Records,
                    };
                    (ty, encoding)
                }
                _ => (TypeRef::String, BodyEncoding::Bytes),
            },
            MediaKind::Multipart => {
                let form = self.multipart_form(media_type, hint, &media_pointer)?;
                return Ok(BodyModel {
                    ty: TypeRef::Named(form.name.clone()),
                    required: body.required,
                    doc: body.description.clone(),
                    encoding: BodyEncoding::Multipart,
                    content_type: String::new(),
                    multipart: Some(form),
                    form: None,
                });
            }
        };
        let content_type = match encoding {
            BodyEncoding::Text | BodyEncoding::Bytes | BodyEncoding::JsonLines { .. } => {
                self.header_safe(media, &media_pointer)?;
                sent_content_type(media, encoding)
            }
            BodyEncoding::Json | BodyEncoding::Form | BodyEncoding::Multipart => String::new(),
        };
        Ok(BodyModel {
            ty,
            required: body.required,
            doc: body.description.clone(),
            encoding,
            content_type,
            multipart: None,
            form,
        })
    }

    /// The `encoding` of a form body's members: those sent as JSON text, and those with
    /// `style: form`. `deepObject` is the default bracket form already; `spaceDelimited` and
    /// `pipeDelimited` are not written (a warning; the member is sent in the bracket form).
    fn form_encoding(
        &mut self,
        media_type: &openapiv3::MediaType,
        media_pointer: &str,
    ) -> FormModel {
        let mut json = Vec::new();
        let mut form_style = Vec::new();
        let encoding_pointer = child(media_pointer, "encoding");
        for (name, encoding) in &media_type.encoding {
            let is_json = encoding
                .content_type
                .as_deref()
                .is_some_and(|media| media_kind(media) == MediaKind::Json);
            if is_json {
                json.push(name.clone());
                continue;
            }
            match encoding.style {
                // openapiv3 reads an absent `explode` as false, so `explode: true` alone is
                // the one way a spec is seen to ask for `style: form`'s explosion.
                None if encoding.explode => form_style.push((name.clone(), true)),
                None | Some(QueryStyle::DeepObject) => {}
                Some(QueryStyle::Form) => form_style.push((name.clone(), encoding.explode)),
                Some(QueryStyle::SpaceDelimited | QueryStyle::PipeDelimited) => {
                    let problem = self.error(
                        &child(&child(&encoding_pointer, name), "style"),
                        DiagnosticKind::Unsupported {
                            what: format!(
                                "the form member {name:?} has `style: spaceDelimited` or \
                                 `pipeDelimited`, which this generator does not write"
                            ),
                        },
                    );
                    self.degrade(
                        problem,
                        Fallback::Assumed {
                            what: format!(
                                "{name:?} is sent in the bracket form (`{name}=1&{name}=2`)"
                            ),
                        },
                    );
                }
            }
        }
        FormModel {
            json,
            form_style,
            writer: FormWriter::Pairs,
        }
    }

    /// The form of a `multipart/form-data` body: its schema must be an object (inline or a
    /// `$ref`); `format: binary` properties (and arrays of them) are file parts.
    fn multipart_form(
        &mut self,
        media_type: &openapiv3::MediaType,
        hint: &str,
        media_pointer: &str,
    ) -> Result<MultipartForm, Diagnostic> {
        let schema_pointer = child(media_pointer, "schema");
        let not_object = |builder: &Self| {
            builder.error(
                &schema_pointer,
                DiagnosticKind::Unsupported {
                    what: "a multipart body whose schema is not an object with properties"
                        .to_string(),
                },
            )
        };
        // The schema, and its own pointer (where its properties are): inline, or the
        // component a `$ref` chain ends at.
        let (schema, schema_pointer) = match &media_type.schema {
            Some(ReferenceOr::Item(schema)) => (schema, schema_pointer.clone()),
            Some(ReferenceOr::Reference { reference }) => {
                let (key, schema) = self.component_at_ref(reference, &schema_pointer)?;
                (schema, child("/components/schemas", &key))
            }
            None => return Err(not_object(self)),
        };
        let stem = hint.strip_suffix("Body").unwrap_or(hint);
        // A body that is one file, or a list of files, is one part: `file` (or `files`), the
        // name HTML forms and most upload handlers use (README, "Bodies and responses").
        if let Some(kind) = self.file_kind(schema, &schema_pointer)? {
            let wire_name = match kind {
                PartKind::Files => "files",
                _ => "file",
            };
            let name = self.type_names.claim(&format!("{stem}Form"));
            return Ok(MultipartForm {
                name,
                fields: vec![MultipartField {
                    ident: wire_name.to_string(),
                    wire_name: wire_name.to_string(),
                    doc: schema.schema_data.description.clone(),
                    kind,
                    required: true,
                }],
            });
        }
        let (properties, required) = match &schema.schema_kind {
            SchemaKind::Type(Type::Object(object)) if !object.properties.is_empty() => {
                (&object.properties, &object.required)
            }
            // Properties without `type: object` (Linode's attachments): an object all the same.
            SchemaKind::Any(any)
                if !any.properties.is_empty()
                    && any.typ.as_deref().is_none_or(|typ| typ == "object") =>
            {
                (&any.properties, &any.required)
            }
            _ => return Err(not_object(self)),
        };
        let properties_pointer = child(&schema_pointer, "properties");
        let name = self.type_names.claim(&format!("{stem}Form"));
        let mut idents = Namespace::default();
        let mut fields = Vec::new();
        for (wire_name, property) in properties {
            let pointer = child(&properties_pointer, wire_name);
            let resolved = match property {
                ReferenceOr::Item(schema) => schema.as_ref(),
                ReferenceOr::Reference { reference } => self.schema_at_ref(reference, &pointer)?,
            };
            let kind = match self.file_kind(resolved, &pointer)? {
                Some(kind) => kind,
                None => {
                    let field_hint = format!("{name}{}", pascal_ident(wire_name));
                    PartKind::Value(self.type_of(property, &field_hint, &pointer)?)
                }
            };
            fields.push(MultipartField {
                ident: idents.claim(&snake_ident(wire_name)),
                wire_name: wire_name.clone(),
                doc: resolved.schema_data.description.clone(),
                kind,
                required: required.contains(wire_name),
            });
        }
        Ok(MultipartForm { name, fields })
    }

    /// The schema a `$ref` to `#/components/schemas/...` leads to.
    fn schema_at_ref(&self, reference: &str, pointer: &str) -> Result<&'a Schema, Diagnostic> {
        self.component_at_ref(reference, pointer)
            .map(|(_, schema)| schema)
    }

    /// The component schema a `$ref` chain ends at, and its key.
    fn component_at_ref(
        &self,
        reference: &str,
        pointer: &str,
    ) -> Result<(String, &'a Schema), Diagnostic> {
        let schemas = self.document.components.as_ref().map(|c| &c.schemas);
        refs::resolve(schemas, "schemas", reference)
            .map_err(|err| self.ref_error(err, reference, &child(pointer, "$ref")))
    }

    /// Whether a multipart schema (at `pointer`) is a file (`format: binary`) or a list of
    /// files, its items inline or a `$ref`.
    fn file_kind(&self, schema: &Schema, pointer: &str) -> Result<Option<PartKind>, Diagnostic> {
        if is_binary(schema) {
            return Ok(Some(PartKind::File));
        }
        let SchemaKind::Type(Type::Array(array)) = &schema.schema_kind else {
            return Ok(None);
        };
        let items_pointer = child(pointer, "items");
        let items = match &array.items {
            Some(ReferenceOr::Item(item)) => item.as_ref(),
            Some(ReferenceOr::Reference { reference }) => {
                self.schema_at_ref(reference, &items_pointer)?
            }
            None => return Ok(None),
        };
        Ok(is_binary(items).then_some(PartKind::Files))
    }

    /// A media type that goes into a header must be visible ASCII (spaces allowed).
    fn header_safe(&self, media: &str, pointer: &str) -> Result<(), Diagnostic> {
        if media.bytes().all(|b| b == b' ' || b.is_ascii_graphic()) {
            return Ok(());
        }
        Err(self.error(
            pointer,
            DiagnosticKind::Invalid {
                what: format!("the media type {media:?} cannot be sent in an HTTP header"),
            },
        ))
    }

    /// The body of one response, read with its preferred media type; error bodies that are
    /// not JSON are read as text (`as_error`).
    fn response_body(
        &mut self,
        content: &openapiv3::Content,
        hint: &str,
        pointer: &str,
        as_error: bool,
        cache: &mut SchemaCache,
    ) -> Result<LoweredResponse, Diagnostic> {
        let Some((media, media_type, kind)) = preferred(content) else {
            return Ok(LoweredResponse {
                body: None,
                media: None,
                resource_type: None,
            });
        };
        let media_pointer = child(&child(pointer, "content"), media);
        if kind != MediaKind::Json {
            self.header_safe(media, &media_pointer)?;
        }
        let body = match kind {
            MediaKind::Json => {
                let ty = match &media_type.schema {
                    Some(schema) => {
                        let key = serde_json::to_string(schema)
                            .ok()
                            .map(|key| format!("{as_error}{key}"));
                        match key.as_ref().and_then(|key| cache.get(key)) {
                            Some(ty) => ty.clone(),
                            None => {
                                let at = child(&media_pointer, "schema");
                                // A success body that may be `null` is an `Option`; an error
                                // body keeps its type (a `null` error body is no error detail).
                                let ty = if as_error {
                                    self.type_of(schema, hint, &at)?
                                } else {
                                    self.nullable_type_of(schema, hint, &at)?
                                };
                                if let Some(key) = key {
                                    cache.insert(key, ty.clone());
                                }
                                ty
                            }
                        }
                    }
                    None => TypeRef::Json,
                };
                ResponseBody::Json(ty)
            }
            _ if as_error => ResponseBody::Text,
            _ => match framing(media) {
                Some(framing) => self.stream_body(framing, media_type, hint, &media_pointer),
                None if kind == MediaKind::Text => ResponseBody::Text,
                None => ResponseBody::Bytes,
            },
        };
        let resource_type = match (&body, &media_type.schema) {
            (ResponseBody::Json(_), Some(ReferenceOr::Item(schema))) => resource_type(schema),
            _ => None,
        };
        Ok(LoweredResponse {
            body: Some(body),
            media: Some(media.to_string()),
            resource_type,
        })
    }

    /// A success body read as it arrives (server-sent events, JSON Lines, a JSON text
    /// sequence) and the type of its items. A schema that is a list describes the stream as the
    /// list of its items (OpenAPI 3.2's reading; its `itemSchema` arrives so, see
    /// `load/upgrade.rs`); any other schema is the item's own. An event's item is its data: for
    /// an event-shaped object (`data` beside only `event`, `id` and `retry`) the `data`
    /// property's schema; a string is text, anything else JSON of that type.
    fn stream_body(
        &mut self,
        framing: Framing,
        media_type: &openapiv3::MediaType,
        hint: &str,
        media_pointer: &str,
    ) -> ResponseBody {
        let schema_pointer = child(media_pointer, "schema");
        let mut item = media_type
            .schema
            .clone()
            .map(|schema| self.stream_item(schema, schema_pointer));
        if framing == Framing::Events {
            if let Some((schema, pointer)) = &item {
                if let Some(data) = self.peek(schema).and_then(event_data) {
                    item = Some((unboxed(data), child(&child(pointer, "properties"), "data")));
                }
            }
            let text = match &item {
                None => true,
                Some((schema, _)) => self
                    .peek(schema)
                    .is_some_and(|s| matches!(s.schema_kind, SchemaKind::Type(Type::String(_)))),
            };
            if text {
                return ResponseBody::Events(None);
            }
        }
        let ty = match item {
            Some((schema, pointer)) => match self.type_of(&schema, hint, &pointer) {
                Ok(ty) => ty,
                Err(problem) => self.untyped(problem),
            },
            None => TypeRef::Json,
        };
        match framing {
            Framing::Events => ResponseBody::Events(Some(ty)),
            Framing::Lines | Framing::Records => ResponseBody::JsonLines {
                item: ty,
                record_separator: framing == Framing::Records,
            },
        }
    }

    /// The schema of a stream's items: a list's items, or the schema itself.
    fn stream_item(
        &self,
        schema: ReferenceOr<Schema>,
        pointer: String,
    ) -> (ReferenceOr<Schema>, String) {
        let list_pointer = match &schema {
            ReferenceOr::Reference { reference } => match self.component_at_ref(reference, "") {
                Ok((key, _)) => child("/components/schemas", &key),
                Err(_) => return (schema, pointer),
            },
            ReferenceOr::Item(_) => pointer.clone(),
        };
        match self.peek(&schema).map(|s| &s.schema_kind) {
            Some(SchemaKind::Type(Type::Array(list))) => match &list.items {
                Some(items) => (unboxed(items), child(&list_pointer, "items")),
                None => (ReferenceOr::Item(any_schema()), list_pointer),
            },
            _ => (schema, pointer),
        }
    }

    /// The schema itself, or the component a `$ref` leads to (`None` when it leads nowhere:
    /// lowering it reports that).
    fn peek<'s>(&'s self, schema: &'s ReferenceOr<Schema>) -> Option<&'s Schema> {
        match schema {
            ReferenceOr::Reference { reference } => self.schema_at_ref(reference, "").ok(),
            ReferenceOr::Item(schema) => Some(schema),
        }
    }

    pub(super) fn responses(
        &mut self,
        operation: &Operation,
        method_name: &str,
        pointer: &str,
    ) -> Result<Responses, Diagnostic> {
        let responses_pointer = child(pointer, "responses");
        let method_pascal = pascal_ident(method_name);
        let declared: Vec<(Option<StatusMatch>, &ReferenceOr<openapiv3::Response>)> = operation
            .responses
            .responses
            .iter()
            .map(|(code, response)| {
                let status = match code {
                    StatusCode::Code(n) => StatusMatch::Code(*n),
                    StatusCode::Range(n) => StatusMatch::Range(*n),
                };
                (Some(status), response)
            })
            .chain(operation.responses.default.iter().map(|r| (None, r)))
            .collect();
        let mut resolved = Vec::new();
        let mut notes = Vec::new();
        for (status, response) in declared {
            let key = status_key(status);
            let response_pointer = child(&responses_pointer, &key);
            let (response_pointer, response) =
                self.resolve_response(response, &response_pointer)?;
            if matches!(
                status,
                Some(StatusMatch::Code(100..=199)) | Some(StatusMatch::Range(1))
            ) {
                // An upgrade (`101 Switching Protocols`, e.g. a WebSocket) is a different
                // protocol from then on, which this client does not speak.
                notes.push(format!(
                    "The `{key}` response ({}) is not supported: this client does not switch \
                     protocols, and such an answer is returned as an error.",
                    non_empty(&response.description).unwrap_or_else(|| "informational".into())
                ));
                continue;
            }
            resolved.push((status, response_pointer, response));
        }
        let is_success = |status: &Option<StatusMatch>| {
            matches!(
                status,
                Some(StatusMatch::Code(200..=299)) | Some(StatusMatch::Range(2))
            )
        };
        // Without a success response, `default` describes the success statuses too.
        let default_is_success = !resolved.iter().any(|(status, _, _)| is_success(status));
        let success_responses: Vec<_> = resolved
            .iter()
            .filter(|(status, _, _)| is_success(status))
            .collect();
        let distinct_contents: std::collections::BTreeSet<String> = success_responses
            .iter()
            .map(|(_, _, response)| serde_json::to_string(&response.content).unwrap_or_default())
            .collect();
        // Responses whose bodies differ are an enum; their inline schemas are named by status.
        let enum_name = (distinct_contents.len() > 1)
            .then(|| self.type_names.claim(&format!("{method_pascal}Response")));
        let mut cache = SchemaCache::new();
        let mut cases: Vec<(StatusMatch, LoweredResponse, Option<String>)> = Vec::new();
        for (status, response_pointer, response) in &success_responses {
            let Some(status) = *status else { continue };
            let hint = match &enum_name {
                Some(_) => format!("{method_pascal}{}", status_variant(Some(status))),
                None => format!("{method_pascal}Response"),
            };
            let lowered = self.response_body(
                &response.content,
                &hint,
                response_pointer,
                false,
                &mut cache,
            )?;
            cases.push((status, lowered, non_empty(&response.description)));
        }
        if default_is_success {
            if let Some((_, response_pointer, response)) =
                resolved.iter().find(|(status, _, _)| status.is_none())
            {
                let hint = format!("{method_pascal}Response");
                let lowered = self.response_body(
                    &response.content,
                    &hint,
                    response_pointer,
                    false,
                    &mut cache,
                )?;
                cases.push((
                    StatusMatch::Range(2),
                    lowered,
                    non_empty(&response.description),
                ));
            }
        }
        let error_responses: Vec<_> = resolved
            .iter()
            .filter(|(status, _, _)| !is_success(status))
            .collect();
        let distinct_errors: std::collections::BTreeSet<String> = error_responses
            .iter()
            .filter(|(_, _, response)| !response.content.is_empty())
            .map(|(_, _, response)| serde_json::to_string(&response.content).unwrap_or_default())
            .collect();
        // Error bodies that differ may be an enum (unless the passes find them of one shape);
        // its name is claimed before their inline schemas are named, by status.
        let error_enum_name = (distinct_errors.len() > 1)
            .then(|| self.type_names.claim(&format!("{method_pascal}Error")));
        let mut errors = Vec::new();
        for (status, response_pointer, response) in error_responses {
            let hint = match &error_enum_name {
                Some(_) => format!("{method_pascal}{}", status_variant(*status)),
                None => format!("{method_pascal}Error"),
            };
            let lowered =
                self.response_body(&response.content, &hint, response_pointer, true, &mut cache)?;
            errors.push(ErrorCase {
                status: *status,
                has_body: lowered.body.is_some(),
                body: lowered.body,
                doc: non_empty(&response.description),
            });
        }
        let success = self.success_model(cases, enum_name, &method_pascal);
        let error_enum = error_enum(error_enum_name, &errors);
        Ok(Responses {
            success,
            errors,
            error_enum,
            notes,
        })
    }

    /// The success outcome: one body (the plain return type), or an enum when they differ.
    fn success_model(
        &mut self,
        cases: Vec<(StatusMatch, LoweredResponse, Option<String>)>,
        enum_name: Option<String>,
        method_pascal: &str,
    ) -> SuccessModel {
        let mut accept: Vec<String> = Vec::new();
        for (_, lowered, _) in &cases {
            let media = match (&lowered.body, &lowered.media) {
                (Some(ResponseBody::Json(_)), _) => "application/json".to_string(),
                (Some(_), Some(media)) => media.clone(),
                _ => continue,
            };
            if !accept.contains(&media) {
                accept.push(media);
            }
        }
        let accept = (accept.iter().any(|m| m != "application/json")).then(|| accept.join(", "));
        let Some((_, first, first_doc)) = cases.first() else {
            return SuccessModel {
                statuses: vec![StatusMatch::Range(2)],
                body: None,
                responses: None,
                accept,
                doc: None,
                resource_type: None,
            };
        };
        if cases
            .iter()
            .all(|(_, lowered, _)| lowered.body == first.body)
        {
            return SuccessModel {
                statuses: cases.iter().map(|(status, _, _)| *status).collect(),
                body: first.body.clone(),
                responses: None,
                accept,
                doc: first_doc.clone(),
                resource_type: first.resource_type.clone(),
            };
        }
        let name =
            enum_name.unwrap_or_else(|| self.type_names.claim(&format!("{method_pascal}Response")));
        let variants = cases
            .into_iter()
            .map(|(status, lowered, doc)| ResponseVariant {
                name: status_variant(Some(status)),
                status: Some(status),
                body: lowered.body,
                doc,
            })
            .collect();
        SuccessModel {
            statuses: Vec::new(),
            body: None,
            responses: Some(ResponseEnum { name, variants }),
            accept,
            doc: None,
            resource_type: None,
        }
    }

    fn resolve_response<'r>(
        &self,
        response: &'r ReferenceOr<openapiv3::Response>,
        pointer: &str,
    ) -> Result<(String, std::borrow::Cow<'r, openapiv3::Response>), Diagnostic>
    where
        'a: 'r,
    {
        let responses = self.document.components.as_ref().map(|c| &c.responses);
        self.item_or_component(response, responses, "responses", pointer)
    }
}

/// The operation's error enum, for error responses whose bodies differ (the passes decide
/// whether it is needed, once same-shaped bodies are unified).
fn error_enum(name: Option<String>, errors: &[ErrorCase]) -> Option<ResponseEnum> {
    let bodies: std::collections::BTreeSet<&ResponseBody> = errors
        .iter()
        .filter_map(|case| case.body.as_ref())
        .collect();
    if bodies.len() < 2 {
        return None;
    }
    let variants = errors
        .iter()
        .filter_map(|case| {
            case.body.as_ref().map(|body| ResponseVariant {
                name: status_variant(case.status),
                status: case.status,
                body: Some(body.clone()),
                doc: case.doc.clone(),
            })
        })
        .collect();
    Some(ResponseEnum {
        name: name?,
        variants,
    })
}

/// An operation's responses, lowered.
pub(super) struct Responses {
    pub(super) success: SuccessModel,
    pub(super) errors: Vec<ErrorCase>,
    pub(super) error_enum: Option<ResponseEnum>,
    /// What the method leaves out (informational responses).
    pub(super) notes: Vec<String>,
}

/// The key of a response in the spec: `404`, `4XX` or `default`.
fn status_key(status: Option<StatusMatch>) -> String {
    match status {
        Some(StatusMatch::Code(code)) => code.to_string(),
        Some(StatusMatch::Range(digit)) => format!("{digit}XX"),
        None => "default".to_string(),
    }
}

/// The enum variant for a status: its reason phrase (`NotFound`), `Status418` for a code
/// without a well-known one, `ClientError` for `4XX`, `Default` for `default`.
fn status_variant(status: Option<StatusMatch>) -> String {
    let name = match status {
        None => "Default",
        Some(StatusMatch::Range(1)) => "Informational",
        Some(StatusMatch::Range(2)) => "Success",
        Some(StatusMatch::Range(3)) => "Redirection",
        Some(StatusMatch::Range(4)) => "ClientError",
        Some(StatusMatch::Range(5)) => "ServerError",
        Some(StatusMatch::Range(digit)) => return format!("Status{digit}XX"),
        Some(StatusMatch::Code(code)) => match code {
            200 => "Ok",
            201 => "Created",
            202 => "Accepted",
            203 => "NonAuthoritativeInformation",
            204 => "NoContent",
            205 => "ResetContent",
            206 => "PartialContent",
            207 => "MultiStatus",
            208 => "AlreadyReported",
            226 => "ImUsed",
            300 => "MultipleChoices",
            301 => "MovedPermanently",
            302 => "Found",
            303 => "SeeOther",
            304 => "NotModified",
            307 => "TemporaryRedirect",
            308 => "PermanentRedirect",
            400 => "BadRequest",
            401 => "Unauthorized",
            402 => "PaymentRequired",
            403 => "Forbidden",
            404 => "NotFound",
            405 => "MethodNotAllowed",
            406 => "NotAcceptable",
            407 => "ProxyAuthenticationRequired",
            408 => "RequestTimeout",
            409 => "Conflict",
            410 => "Gone",
            411 => "LengthRequired",
            412 => "PreconditionFailed",
            413 => "PayloadTooLarge",
            414 => "UriTooLong",
            415 => "UnsupportedMediaType",
            416 => "RangeNotSatisfiable",
            417 => "ExpectationFailed",
            421 => "MisdirectedRequest",
            422 => "UnprocessableEntity",
            423 => "Locked",
            424 => "FailedDependency",
            425 => "TooEarly",
            426 => "UpgradeRequired",
            428 => "PreconditionRequired",
            429 => "TooManyRequests",
            431 => "RequestHeaderFieldsTooLarge",
            451 => "UnavailableForLegalReasons",
            500 => "InternalServerError",
            501 => "NotImplemented",
            502 => "BadGateway",
            503 => "ServiceUnavailable",
            504 => "GatewayTimeout",
            505 => "HttpVersionNotSupported",
            507 => "InsufficientStorage",
            511 => "NetworkAuthenticationRequired",
            other => return format!("Status{other}"),
        },
    };
    name.to_string()
}

fn non_empty(text: &str) -> Option<String> {
    let trimmed = text.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_string())
}

/// The media type of `content` to use, by preference (JSON, form, text, bytes, multipart;
/// the first in document order among equals).
fn preferred(content: &openapiv3::Content) -> Option<(&String, &openapiv3::MediaType, MediaKind)> {
    content
        .iter()
        .map(|(media, media_type)| (media, media_type, media_kind(media)))
        .min_by_key(|(_, _, kind)| *kind)
}

/// Whether a schema is a file: a string of `format: binary`.
fn is_binary(schema: &Schema) -> bool {
    matches!(
        &schema.schema_kind,
        SchemaKind::Type(Type::String(string))
            if string.format == openapiv3::VariantOrUnknownOrEmpty::Item(StringFormat::Binary)
    )
}

/// How a streamed body is cut into items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    /// Server-sent events (`text/event-stream`).
    Events,
    /// JSON Lines (`application/jsonl`, `application/x-ndjson`, ...).
    Lines,
    /// A JSON text sequence (`application/json-seq`, RFC 7464).
    Records,
}

/// The framing of a response media type read as a stream of items, if it is one.
fn framing(media: &str) -> Option<Framing> {
    match essence(media).as_str() {
        "text/event-stream" => Some(Framing::Events),
        "application/jsonl"
        | "application/x-jsonl"
        | "application/jsonlines"
        | "application/x-jsonlines"
        | "application/ndjson"
        | "application/x-ndjson" => Some(Framing::Lines),
        "application/json-seq" => Some(Framing::Records),
        other if other.ends_with("+json-seq") => Some(Framing::Records),
        _ => None,
    }
}

/// The `data` property's schema of an event-shaped object: `data` beside nothing but the
/// other fields of a server-sent event (`event`, `id`, `retry`).
fn event_data(schema: &Schema) -> Option<&ReferenceOr<Box<Schema>>> {
    let SchemaKind::Type(Type::Object(object)) = &schema.schema_kind else {
        return None;
    };
    let fields = ["data", "event", "id", "retry"];
    if !object
        .properties
        .keys()
        .all(|k| fields.contains(&k.as_str()))
    {
        return None;
    }
    object.properties.get("data")
}

/// A schema `openapiv3` nests in a box, as one of its own.
fn unboxed(schema: &ReferenceOr<Box<Schema>>) -> ReferenceOr<Schema> {
    match schema {
        ReferenceOr::Reference { reference } => ReferenceOr::Reference {
            reference: reference.clone(),
        },
        ReferenceOr::Item(schema) => ReferenceOr::Item((**schema).clone()),
    }
}

/// A schema of any value.
fn any_schema() -> Schema {
    Schema {
        schema_data: Default::default(),
        schema_kind: SchemaKind::Any(Default::default()),
    }
}

/// A media type without its parameters, in lower case (`text/plain; charset=utf-8` is
/// `text/plain`).
fn essence(media: &str) -> String {
    media
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

fn media_kind(media: &str) -> MediaKind {
    let essence = essence(media);
    if essence == "application/json" || essence.ends_with("+json") {
        MediaKind::Json
    } else if essence == "application/x-www-form-urlencoded" {
        MediaKind::Form
    } else if essence.starts_with("multipart/") {
        MediaKind::Multipart
    } else if essence.starts_with("text/")
        || essence == "application/xml"
        || essence.ends_with("+xml")
    {
        MediaKind::Text
    } else {
        MediaKind::Bytes
    }
}

/// The `Content-Type` a text or byte body is sent with: the media type as the spec writes it,
/// except that a wildcard (`*/*`, `image/*`) is no type a body can have.
fn sent_content_type(media: &str, encoding: BodyEncoding) -> String {
    if !media.contains('*') {
        return media.to_string();
    }
    match encoding {
        BodyEncoding::Text => "text/plain".to_string(),
        _ => "application/octet-stream".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types_are_read_by_kind() {
        let cases = [
            ("application/json", MediaKind::Json),
            ("application/json; charset=utf-8", MediaKind::Json),
            ("application/scim+json", MediaKind::Json),
            ("application/x-www-form-urlencoded", MediaKind::Form),
            ("text/plain", MediaKind::Text),
            ("text/html; charset=utf-8", MediaKind::Text),
            ("application/xml", MediaKind::Text),
            ("application/atom+xml", MediaKind::Text),
            ("application/json+sarif", MediaKind::Bytes),
            ("application/octet-stream", MediaKind::Bytes),
            ("image/png", MediaKind::Bytes),
            ("*/*", MediaKind::Bytes),
            ("multipart/form-data", MediaKind::Multipart),
        ];
        for (media, kind) in cases {
            assert_eq!(media_kind(media), kind, "{media}");
        }
    }

    #[test]
    fn wildcards_are_sent_as_a_concrete_type() {
        assert_eq!(
            sent_content_type("*/*", BodyEncoding::Bytes),
            "application/octet-stream"
        );
        assert_eq!(
            sent_content_type("text/*", BodyEncoding::Text),
            "text/plain"
        );
        assert_eq!(
            sent_content_type("text/plain; charset=utf-8", BodyEncoding::Text),
            "text/plain; charset=utf-8"
        );
    }

    #[test]
    fn variants_are_named_by_reason_phrase() {
        let cases = [
            (Some(StatusMatch::Code(201)), "Created"),
            (Some(StatusMatch::Code(422)), "UnprocessableEntity"),
            (Some(StatusMatch::Code(299)), "Status299"),
            (Some(StatusMatch::Range(4)), "ClientError"),
            (None, "Default"),
        ];
        for (status, name) in cases {
            assert_eq!(status_variant(status), name);
        }
    }
}
