//! Request bodies and responses: the JSON (or form) media type of each, its type, and which
//! statuses are success and which are documented errors.

use openapiv3::{Operation, ReferenceOr, StatusCode};

use super::{child, schema::resource_type, ModelBuilder};
use crate::diagnostic::{Diagnostic, DiagnosticKind};
use crate::model::ir::{BodyEncoding, BodyModel, ErrorCase, StatusMatch, SuccessModel, TypeRef};
use crate::names::pascal_ident;

impl<'a> ModelBuilder<'a> {
    pub(super) fn request_body(
        &mut self,
        body: &ReferenceOr<openapiv3::RequestBody>,
        method_name: &str,
        pointer: &str,
    ) -> Result<BodyModel, Diagnostic> {
        let body_pointer = child(pointer, "requestBody");
        let bodies = self.document.components.as_ref().map(|c| &c.request_bodies);
        let (body_pointer, body) =
            self.item_or_component(body, bodies, "requestBodies", &body_pointer)?;
        let hint = format!("{}Body", pascal_ident(method_name));
        let form = body
            .content
            .iter()
            .find(|(media, _)| is_form_media_type(media));
        let has_json = body.content.keys().any(|media| is_json_media_type(media));
        if let (Some((media, media_type)), false) = (form, has_json) {
            let schema_pointer = child(&child(&child(&body_pointer, "content"), media), "schema");
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
                &child(&body_pointer, "content"),
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
                &child(pointer, "content"),
                DiagnosticKind::Unsupported {
                    what: format!(
                        "the media type {}: only `application/json` (and `+json`) bodies are \
                         supported",
                        found.join(", ")
                    ),
                },
            ));
        };
        let media_pointer = child(&child(pointer, "content"), media);
        match &media_type.schema {
            Some(schema) => Ok(Some(self.type_of(
                schema,
                hint,
                &child(&media_pointer, "schema"),
            )?)),
            None => Ok(Some(TypeRef::Json)),
        }
    }

    #[allow(clippy::type_complexity)]
    pub(super) fn responses(
        &mut self,
        operation: &Operation,
        method_name: &str,
        pointer: &str,
    ) -> Result<(SuccessModel, Vec<ErrorCase>), Diagnostic> {
        let responses_pointer = child(pointer, "responses");
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
            let response_pointer = child(&responses_pointer, &key);
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
    ) -> Result<(String, std::borrow::Cow<'r, openapiv3::Response>), Diagnostic>
    where
        'a: 'r,
    {
        let responses = self.document.components.as_ref().map(|c| &c.responses);
        self.item_or_component(response, responses, "responses", pointer)
    }
}

fn non_empty(text: &str) -> Option<String> {
    let trimmed = text.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_string())
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
