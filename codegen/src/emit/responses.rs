//! How each response of an operation is read: the plan of the method's `match` on the status
//! (which runtime helper reads which statuses), the arms written from it, and the
//! per-operation types of `types.rs` (enums of success responses with different bodies and of
//! error bodies of different shapes, multipart forms). The runtime files a crate needs are read
//! off the same plan.

use proc_macro2::TokenStream;
use quote::quote;

use super::operations::{covered, status_patterns};
use super::*;
use crate::model::{MultipartForm, PartKind, ResponseBody, ResponseEnum, ResponseVariant};

/// How one arm reads the response.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Read {
    /// The new session id, which the client keeps.
    SessionCreate,
    /// Nothing; the client forgets its session.
    SessionDelete,
    /// The success body: `None` for `()`.
    Success(Option<ResponseBody>),
    /// One variant of the success enum.
    SuccessVariant(String, String, Option<ResponseBody>),
    /// The documented error body (`text` for a text one).
    ApiError { text: bool },
    /// One variant of the error enum (`text` for a text one).
    ErrorVariant(String, String, bool),
    /// A status the operation does not document, or one without a body.
    Unexpected,
    /// Logging out of a session that already expired (401): done, and the session forgotten.
    ExpiredLogout,
    /// Another `2xx` with an empty body (a `200` where `204` is documented): a success, the
    /// session forgotten when the operation ends it.
    EmptySuccess {
        /// Whether the operation ends the session.
        delete: bool,
    },
}

/// One arm: the statuses it takes (`None` for `_`) and how it reads them.
pub(super) struct Arm {
    statuses: Option<Vec<StatusMatch>>,
    read: Read,
}

/// The arms of an operation's `match` on the status, in order.
pub(super) fn response_plan(op: &OperationModel) -> Vec<Arm> {
    let mut arms = success_arms(op);
    let expired_logout = super::operations::ends_session_on_401(op);
    if expired_logout {
        arms.push(Arm {
            statuses: Some(vec![StatusMatch::Code(401)]),
            read: Read::ExpiredLogout,
        });
    }
    let mut errors = match &op.error_enum {
        Some(errors) => error_enum_arms(op, errors),
        None => error_arms(op),
    };
    if expired_logout {
        // The 401 arm above takes it.
        for arm in &mut errors {
            if let Some(statuses) = &mut arm.statuses {
                statuses.retain(|status| *status != StatusMatch::Code(401));
            }
        }
        errors.retain(|arm| arm.statuses.as_ref().is_none_or(|s| !s.is_empty()));
    }
    if super::operations::accepts_empty_success(op) {
        // Before the fallback, after every documented status.
        let at = errors.len().saturating_sub(1);
        errors.insert(
            at,
            Arm {
                statuses: Some(vec![StatusMatch::Range(2)]),
                read: Read::EmptySuccess {
                    delete: op.session_action == Some(SessionAction::Delete),
                },
            },
        );
    }
    arms.extend(errors);
    arms
}

fn success_arms(op: &OperationModel) -> Vec<Arm> {
    if let Some(responses) = &op.success.responses {
        return responses
            .variants
            .iter()
            .map(|variant| Arm {
                statuses: Some(variant.status.into_iter().collect()),
                read: Read::SuccessVariant(
                    responses.name.clone(),
                    variant.name.clone(),
                    variant.body.clone(),
                ),
            })
            .collect();
    }
    let read = match &op.session_action {
        Some(SessionAction::Create) => Read::SessionCreate,
        Some(SessionAction::Delete) => Read::SessionDelete,
        Some(SessionAction::Info) | None => Read::Success(op.success.body.clone()),
    };
    vec![Arm {
        statuses: Some(op.success.statuses.clone()),
        read,
    }]
}

/// Error arms for one error body type: statuses with a body share one arm, statuses without
/// one another, and the rest falls to `default` or to the unexpected-status error.
fn error_arms(op: &OperationModel) -> Vec<Arm> {
    let text = op
        .errors
        .iter()
        .any(|case| matches!(case.body, Some(ResponseBody::Text | ResponseBody::Bytes)));
    let api_error = Read::ApiError { text };
    let documented: Vec<(StatusMatch, bool)> = op
        .errors
        .iter()
        .filter_map(|case| case.status.map(|status| (status, case.has_body)))
        .collect();
    let default = op.errors.iter().find(|case| case.status.is_none());
    let fallback_has_body = default.is_some_and(|d| d.has_body);
    // A range that is read unlike the fallback gets an arm; the single codes it covers that
    // are read like the fallback need an arm before it, or the range would take them.
    let ranges_against_fallback: Vec<StatusMatch> = documented
        .iter()
        .filter(|(status, body)| {
            matches!(status, StatusMatch::Range(_)) && *body != fallback_has_body
        })
        .map(|(status, _)| *status)
        .collect();
    let needs_arm = |status: &StatusMatch, has_body: bool| match status {
        _ if has_body != fallback_has_body => true,
        StatusMatch::Code(code) => covered(&ranges_against_fallback, *code),
        StatusMatch::Range(_) => false,
    };
    let mut arms = Vec::new();
    // Single codes before ranges, so that `404` wins over `4XX`.
    for single in [true, false] {
        for has_body in [true, false] {
            let statuses: Vec<StatusMatch> = documented
                .iter()
                .filter(|(status, body)| {
                    *body == has_body
                        && matches!(status, StatusMatch::Code(_)) == single
                        && needs_arm(status, has_body)
                })
                .map(|(status, _)| *status)
                .collect();
            if statuses.is_empty() {
                continue;
            }
            arms.push(Arm {
                statuses: Some(statuses),
                read: if has_body {
                    api_error.clone()
                } else {
                    Read::Unexpected
                },
            });
        }
    }
    // Documented codes with a body, when `default` has a body too, share its arm.
    arms.push(Arm {
        statuses: None,
        read: if fallback_has_body {
            api_error
        } else {
            Read::Unexpected
        },
    });
    arms
}

/// Error arms for an error enum: one arm per documented status (single codes before ranges),
/// then `default`'s variant or the unexpected-status error.
fn error_enum_arms(op: &OperationModel, errors: &ResponseEnum) -> Vec<Arm> {
    let read = |status: Option<StatusMatch>| -> Read {
        match errors.variants.iter().find(|v| v.status == status) {
            Some(variant) => Read::ErrorVariant(
                errors.name.clone(),
                variant.name.clone(),
                matches!(variant.body, Some(ResponseBody::Text | ResponseBody::Bytes)),
            ),
            None => Read::Unexpected,
        }
    };
    let mut arms = Vec::new();
    for single in [true, false] {
        for case in &op.errors {
            let Some(status) = case.status else { continue };
            if matches!(status, StatusMatch::Code(_)) == single {
                arms.push(Arm {
                    statuses: Some(vec![status]),
                    read: read(Some(status)),
                });
            }
        }
    }
    arms.push(Arm {
        statuses: None,
        read: read(None),
    });
    arms
}

/// The arms of the `match` on the response's status.
pub(super) fn response_arms(op: &OperationModel) -> Vec<TokenStream> {
    response_plan(op)
        .iter()
        .map(|arm| {
            let pattern = match &arm.statuses {
                Some(statuses) => status_patterns(statuses),
                None => quote! { _ },
            };
            let read = read_tokens(&arm.read);
            quote! { #pattern => #read, }
        })
        .collect()
}

fn read_tokens(read: &Read) -> TokenStream {
    match read {
        Read::SessionCreate => quote! {
            {
                let status = response.status().as_u16();
                let id: String = self.read_json(response).await?;
                match crate::runtime::client::SessionId::new(id) {
                    Some(session) => {
                        self.set_session(session.clone());
                        Ok(session)
                    }
                    None => Err(crate::runtime::error::ErrorKind::Decode {
                        status,
                        excerpt: String::from("(the session id is withheld)"),
                        source: serde::de::Error::custom(
                            "the session id is empty or not visible ASCII, so it cannot be sent in a header",
                        ),
                    }
                    .into()),
                }
            }
        },
        Read::SessionDelete => quote! {
            {
                self.session_ended();
                Ok(())
            }
        },
        Read::Success(None) => quote! { Ok(()) },
        Read::Success(Some(ResponseBody::Json(_))) => quote! { self.read_json(response).await },
        Read::Success(Some(ResponseBody::Text)) => quote! { self.read_text(response).await },
        Read::Success(Some(body)) => {
            let stream = stream_tokens(body);
            quote! { Ok(#stream) }
        }
        Read::SuccessVariant(name, variant, body) => {
            let (name, variant) = (ident(name), ident(variant));
            let value = quote! { crate::types::#name::#variant };
            match body {
                None => quote! { Ok(#value) },
                Some(ResponseBody::Json(_)) => {
                    quote! { self.read_json(response).await.map(#value) }
                }
                Some(ResponseBody::Text) => {
                    quote! { self.read_text(response).await.map(#value) }
                }
                Some(body) => {
                    let stream = stream_tokens(body);
                    quote! { Ok(#value(#stream)) }
                }
            }
        }
        Read::ApiError { text: false } => quote! { Err(self.api_error(response).await) },
        Read::ApiError { text: true } => {
            quote! { Err(self.api_error_text(response, std::convert::identity).await) }
        }
        Read::ErrorVariant(name, variant, text) => {
            let (name, variant) = (ident(name), ident(variant));
            let value = quote! { crate::types::#name::#variant };
            if *text {
                quote! { Err(self.api_error_text(response, #value).await) }
            } else {
                quote! { Err(self.api_error_as(response, #value).await) }
            }
        }
        Read::Unexpected => quote! { Err(self.unexpected_status(response).await) },
        Read::ExpiredLogout => quote! {
            {
                self.session_ended();
                Ok(())
            }
        },
        Read::EmptySuccess { delete: true } => quote! {
            {
                self.empty_success(response).await?;
                self.session_ended();
                Ok(())
            }
        },
        Read::EmptySuccess { delete: false } => quote! { self.empty_success(response).await },
    }
}

/// The stream a body read as it arrives is handed over as (the `response` it is read from).
fn stream_tokens(body: &ResponseBody) -> TokenStream {
    match body {
        ResponseBody::Events(Some(_)) => {
            quote! { self.event_stream(response, |data| serde_json::from_str(data)) }
        }
        ResponseBody::Events(None) => {
            quote! { self.event_stream(response, |data| Ok(data.to_owned())) }
        }
        ResponseBody::JsonLines {
            record_separator, ..
        } => quote! { self.json_lines(response, #record_separator) },
        ResponseBody::Json(_) | ResponseBody::Text | ResponseBody::Bytes => {
            quote! { self.byte_stream(response) }
        }
    }
}

/// The Rust type a success body is read as (in `scope`).
pub(super) fn body_type(body: &ResponseBody, scope: Scope) -> TokenStream {
    match body {
        ResponseBody::Json(ty) => type_tokens(ty, scope),
        ResponseBody::Text => quote! { String },
        ResponseBody::Bytes => quote! { crate::runtime::byte_stream::ByteStream },
        ResponseBody::Events(Some(ty)) => {
            let ty = type_tokens(ty, scope);
            quote! { crate::runtime::event_stream::EventStream<#ty> }
        }
        ResponseBody::Events(None) => {
            quote! { crate::runtime::event_stream::EventStream<String> }
        }
        ResponseBody::JsonLines { item, .. } => {
            let ty = type_tokens(item, scope);
            quote! { crate::runtime::json_lines::JsonLines<#ty> }
        }
    }
}

/// The Rust type of one enum variant's body, inside `types.rs`.
fn variant_body_type(body: &ResponseBody) -> TokenStream {
    body_type(body, Scope::Types)
}

fn variant_tokens(variant: &ResponseVariant, what: &str) -> TokenStream {
    let name = ident(&variant.name);
    let status = match variant.status {
        Some(status) => format!("`{}`", operation_doc::status_label(Some(status))),
        None => "any other status (`default`)".to_string(),
    };
    let mut doc = format!("{what} {status}");
    match variant.doc.as_deref().map(str::trim) {
        Some(text) if !text.is_empty() => doc.push_str(&format!(": {text}")),
        _ => doc.push('.'),
    }
    let doc = doc_attrs(&doc);
    match &variant.body {
        Some(body) => {
            let ty = variant_body_type(body);
            quote! { #doc #name(#ty), }
        }
        None => quote! { #doc #name, },
    }
}

/// The struct of a multipart form, and its conversion into `reqwest`'s form.
fn multipart_form(model: &ApiModel, method: &str, form: &MultipartForm) -> TokenStream {
    let name = ident(&form.name);
    let doc = doc_attrs(&format!(
        "The `multipart/form-data` body of [`Client::{method}`](crate::Client::{method}), one \
         field per part."
    ));
    let fields = form.fields.iter().map(|field| {
        let field_ident = ident(&field.ident);
        let mut text = field
            .doc
            .clone()
            .filter(|d| !d.trim().is_empty())
            .unwrap_or_else(|| format!("The `{}` part.", field.wire_name));
        let ty = match &field.kind {
            PartKind::File => {
                text.push_str(
                    "\n\nA file: `reqwest::multipart::Part::bytes(..)` or `Part::stream(..)`, \
                     with its `file_name` and `mime_str`.",
                );
                quote! { reqwest::multipart::Part }
            }
            PartKind::Files => {
                text.push_str("\n\nFiles, each sent as a part of this name.");
                quote! { Vec<reqwest::multipart::Part> }
            }
            PartKind::Value(ty) => type_tokens(ty, Scope::Types),
        };
        let doc = doc_attrs(&text);
        if field.required {
            quote! { #doc pub #field_ident: #ty, }
        } else {
            quote! { #doc pub #field_ident: Option<#ty>, }
        }
    });
    let adds = form.fields.iter().map(|field| {
        let field_ident = ident(&field.ident);
        let wire = &field.wire_name;
        let add = |value: TokenStream| match &field.kind {
            PartKind::File => quote! { form = form.part(#wire, #value); },
            PartKind::Files => quote! {
                for part in #value {
                    form = form.part(#wire, part);
                }
            },
            PartKind::Value(ty) => {
                let text = part_text(model, ty, value);
                quote! { form = form.text(#wire, #text); }
            }
        };
        if field.required {
            add(quote! { self.#field_ident })
        } else {
            let each = add(quote! { value });
            quote! {
                if let Some(value) = self.#field_ident {
                    #each
                }
            }
        }
    });
    quote! {
        #doc
        #[derive(Debug)]
        pub struct #name {
            #(#fields)*
        }

        impl #name {
            /// The parts as `reqwest`'s form.
            pub(crate) fn into_form(self) -> Result<reqwest::multipart::Form, serde_json::Error> {
                let mut form = reqwest::multipart::Form::new();
                #(#adds)*
                Ok(form)
            }
        }
    }
}

/// The text of a value part: text as it is, numbers and booleans as their text, an enum or id
/// as its wire text, anything else as JSON.
fn part_text(model: &ApiModel, ty: &TypeRef, value: TokenStream) -> TokenStream {
    match ty {
        TypeRef::String | TypeRef::DateTime => value,
        TypeRef::Bool
        | TypeRef::I32
        | TypeRef::I64
        | TypeRef::I128
        | TypeRef::U32
        | TypeRef::U64
        | TypeRef::F32
        | TypeRef::F64 => {
            quote! { #value.to_string() }
        }
        TypeRef::Named(name)
            if model.types.iter().any(|def| {
                def.name == *name && matches!(def.kind, TypeKind::Enum { .. } | TypeKind::Id { .. })
            }) =>
        {
            quote! { #value.as_str().to_string() }
        }
        _ => quote! { serde_json::to_string(&#value)? },
    }
}

/// Whether an operation has types of its own in `types.rs`.
pub(super) fn has_operation_types(op: &OperationModel) -> bool {
    op.success.responses.is_some()
        || op.error_enum.is_some()
        || op
            .body
            .as_ref()
            .is_some_and(|body| body.multipart.is_some())
}

/// The success and error enums and the multipart forms of every operation that has one.
pub(super) fn response_enums(model: &ApiModel) -> TokenStream {
    let items = model.operations.iter().map(|op| {
        let method = display_ident(&op.method_name);
        let form = op
            .body
            .as_ref()
            .and_then(|body| body.multipart.as_ref())
            .map(|form| multipart_form(model, method, form));
        // The methods for a body's other media types return what the operation's own method
        // returns: its enums are written once, with that method.
        let own = op.alternative_of.is_none();
        let success = op.success.responses.as_ref().filter(|_| own).map(|responses| {
            let name = ident(&responses.name);
            let doc = doc_attrs(&format!(
                "What [`Client::{method}`](crate::Client::{method}) returns: one variant per \
                 success status."
            ));
            let variants = responses
                .variants
                .iter()
                .map(|v| variant_tokens(v, "The response to"));
            let streams = responses
                .variants
                .iter()
                .any(|v| v.body.as_ref().is_some_and(ResponseBody::streamed));
            let derives = if streams {
                quote! { #[derive(Debug)] }
            } else {
                quote! { #[derive(Debug, Clone, PartialEq)] }
            };
            quote! {
                #doc
                #derives
                pub enum #name {
                    #(#variants)*
                }
            }
        });
        let errors = op.error_enum.as_ref().filter(|_| own).map(|errors| {
            let name = ident(&errors.name);
            let doc = doc_attrs(&format!(
                "The documented error bodies of [`Client::{method}`](crate::Client::{method}), \
                 one variant per status: what [`ErrorKind::Api`](crate::ErrorKind::Api) carries."
            ));
            let variants = errors
                .variants
                .iter()
                .map(|v| variant_tokens(v, "The error body of"));
            let names: Vec<_> = errors.variants.iter().map(|v| ident(&v.name)).collect();
            quote! {
                #doc
                #[derive(Debug, Clone, PartialEq)]
                pub enum #name {
                    #(#variants)*
                }

                impl crate::runtime::error::ErrorBody for #name {
                    fn summary(&self) -> std::option::Option<std::string::String> {
                        match self {
                            #(Self::#names(body) => crate::runtime::error::ErrorBody::summary(body),)*
                        }
                    }

                    fn error_type_name(&self) -> std::option::Option<&str> {
                        match self {
                            #(Self::#names(body) => crate::runtime::error::ErrorBody::error_type_name(body),)*
                        }
                    }

                    fn messages(&self) -> std::vec::Vec<std::string::String> {
                        match self {
                            #(Self::#names(body) => crate::runtime::error::ErrorBody::messages(body),)*
                        }
                    }
                }
            }
        });
        gated(&op.gate, quote! { #form #success #errors })
    });
    quote! { #(#items)* }
}
