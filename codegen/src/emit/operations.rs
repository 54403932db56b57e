//! `operations.rs`: one method on `Client` per operation.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::*;

pub(super) fn operations_prelude(model: &ApiModel) -> TokenStream {
    // The runtime logs in again through the operation that creates a session with a user name
    // and password, when the API has one that needs nothing else.
    let login = model.operations.iter().find(|op| {
        op.session_action == Some(SessionAction::Create)
            && op.auth == Auth::Basic
            && op.params.iter().all(|p| !p.required)
            && op.body.as_ref().is_none_or(|b| !b.required)
    });
    let body = match login {
        Some(op) => {
            let name = ident(&op.method_name);
            let nones = op
                .params
                .iter()
                .map(|_| quote! { None, })
                .chain(op.body.iter().map(|_| quote! { None, }));
            let allow = op.deprecated.then(|| quote! { #[allow(deprecated)] });
            quote! {
                Box::pin(async move {
                    #allow
                    self.#name(#(#nones)* username, password).await?;
                    Ok(())
                })
            }
        }
        None => quote! {
            let _ = (username, password);
            Box::pin(std::future::ready(Err(crate::runtime::error::LoginFailure {
                status: None,
                error_type: None,
                session_limit: false,
                source: "the API has no operation that creates a session with a user name and password".into(),
            })))
        },
    };
    // The runtime reads the session (to keep it alive, or to see whether the server answers)
    // through the operation marked `info` that needs no argument.
    let touch = model
        .operations
        .iter()
        .find(|op| {
            op.session_action == Some(SessionAction::Info)
                && op.params.iter().all(|p| !p.required)
                && op.body.as_ref().is_none_or(|b| !b.required)
                && matches!(op.http_method.as_str(), "GET" | "HEAD")
        })
        .map(|op| {
            let name = ident(&op.method_name);
            let http_method = ident(&op.http_method);
            let mut probe_path = op.path_template.clone();
            for (index, (key, value)) in op.constant_query.iter().enumerate() {
                probe_path.push(if index == 0 { '?' } else { '&' });
                probe_path.push_str(key);
                probe_path.push('=');
                probe_path.push_str(value);
            }
            let nones = op
                .params
                .iter()
                .map(|_| quote! { None, })
                .chain(op.body.iter().map(|_| quote! { None, }));
            let allow = op.deprecated.then(|| quote! { #[allow(deprecated)] });
            quote! {
                impl Client {
                    /// Reads the session; called by the runtime's keep-alive. Boxed, because it
                    /// is called from inside the runtime.
                    pub(crate) fn touch_session(&self) -> crate::runtime::keep_alive::Touch<'_> {
                        Box::pin(async move {
                            #allow
                            self.#name(#(#nones)*).await?;
                            Ok(())
                        })
                    }

                    /// The request that reads the session, without one: the runtime's probe of
                    /// whether the API answers (`wait_until_ready`).
                    pub(crate) fn session_probe(&self) -> reqwest::RequestBuilder {
                        self.request(reqwest::Method::#http_method, #probe_path)
                    }
                }
            }
        });
    // `Error` is named by the methods alone.
    let error = (!model.operations.is_empty()).then(|| {
        let methods = cfg_attr(&Gate::union(model.operations.iter().map(|op| &op.gate)));
        quote! {
            #methods
            use crate::runtime::error::Error;
        }
    });
    let unused = unused_without_features(model);
    quote! {
        #unused

        use crate::runtime::client::Client;
        #error

        /// What [`Client::renew_session`] returns.
        type Renewal<'a> = std::pin::Pin<
            Box<dyn std::future::Future<Output = Result<(), crate::runtime::error::LoginFailure>> + Send + 'a>,
        >;

        impl Client {
            /// Creates a new session with `username` and `password`; called by the runtime when
            /// the session expired. Boxed, because it is called from inside the operations.
            pub(crate) fn renew_session<'a>(&'a self, username: &'a str, password: &'a str) -> Renewal<'a> {
                #body
            }
        }

        #touch
    }
}

/// The type a parameter has in the method's signature.
pub(super) fn param_type(param: &ParamModel) -> TokenStream {
    let inner = match &param.ty {
        TypeRef::String | TypeRef::DateTime => quote! { &str },
        TypeRef::Vec(item) => {
            let item = type_tokens(item, Scope::Crate);
            quote! { &[#item] }
        }
        ty @ (TypeRef::Named(_) | TypeRef::Map(_) | TypeRef::JsonObject | TypeRef::Json) => {
            let ty = type_tokens(ty, Scope::Crate);
            quote! { &#ty }
        }
        other => type_tokens(other, Scope::Crate),
    };
    if param.required {
        inner
    } else {
        quote! { Option<#inner> }
    }
}

/// An expression for one scalar value as text (`&str` or `String`). `value` is the argument
/// itself (a `&str` for text) or, with `item`, a reference to an element of a list argument.
pub(super) fn value_text(kind: ScalarText, value: TokenStream, item: bool) -> TokenStream {
    match kind {
        ScalarText::Str if !item => value,
        ScalarText::Str | ScalarText::AsStr => quote! { #value.as_str() },
        ScalarText::Display => quote! { #value.to_string() },
    }
}

/// The comma-separated text of a list argument (`simple` style, or `form` not exploded).
pub(super) fn joined_text(kind: ScalarText, list: TokenStream) -> TokenStream {
    let each = value_text(kind, quote! { value }, true);
    quote! { #list.iter().map(|value| #each).collect::<Vec<_>>().join(",") }
}

/// The path segment text of a path argument, percent-encoded (each element of a list on its
/// own, joined by literal commas).
pub(super) fn path_piece(param: &ParamModel) -> TokenStream {
    let arg = ident(&param.ident);
    let wire = &param.wire_name;
    match param.send {
        SendAs::List(kind) => {
            let each = match value_text(kind, quote! { value }, true) {
                text if kind == ScalarText::Display => quote! { &#text },
                text => text,
            };
            // An empty list would be an empty segment, which changes the path.
            quote! {
                &match #arg
                    .iter()
                    .map(|value| crate::runtime::path::encode_path_segment(#wire, #each))
                    .collect::<Result<Vec<_>, _>>()?
                    .join(",")
                {
                    text if text.is_empty() => {
                        return Err(crate::runtime::error::ErrorKind::InvalidArgument {
                            name: #wire,
                            reason: "a path list may not be empty",
                        }
                        .into())
                    }
                    text => text,
                }
            }
        }
        SendAs::Scalar(kind) => {
            let text = match value_text(kind, quote! { #arg }, false) {
                text if kind == ScalarText::Display => quote! { &#text },
                text => text,
            };
            quote! { &crate::runtime::path::encode_path_segment(#wire, #text)? }
        }
        // The check pass keeps objects out of the path.
        SendAs::Object => quote! { "" },
    }
}

/// The statement that adds a query or header argument to `request`.
pub(super) fn add_param(param: &ParamModel) -> TokenStream {
    let arg = ident(&param.ident);
    let wire = &param.wire_name;
    let add = |value: TokenStream| match param.location {
        ParamLocation::Query => quote! { request = request.query(&[(#wire, #value)]); },
        _ => quote! { request = request.header(#wire, #value); },
    };
    let value = if param.required {
        quote! { #arg }
    } else {
        quote! { value }
    };
    let statement = match param.send {
        SendAs::Scalar(kind) => add(value_text(kind, value.clone(), false)),
        SendAs::List(kind) if param.explode && param.location == ParamLocation::Query => {
            let each = add(value_text(kind, quote! { item }, true));
            quote! {
                for item in #value {
                    #each
                }
            }
        }
        SendAs::List(kind) => add(joined_text(kind, value.clone())),
        SendAs::Object if param.location == ParamLocation::Header => {
            let explode = param.explode;
            quote! {
                if let Some(text) = crate::runtime::header::simple_text(#value, #explode)? {
                    request = request.header(#wire, text);
                }
            }
        }
        SendAs::Object => {
            let explode = param.explode;
            let deep = param.deep_object;
            quote! {
                for (name, text) in crate::runtime::query::object_pairs(#wire, #value, #explode, #deep)? {
                    request = request.query(&[(name, text)]);
                }
            }
        }
    };
    if param.required {
        statement
    } else {
        quote! {
            if let Some(value) = #arg {
                #statement
            }
        }
    }
}

/// Whether one of `statuses` is a range that holds `code`.
pub(super) fn covered(statuses: &[StatusMatch], code: u16) -> bool {
    statuses
        .iter()
        .any(|status| matches!(status, StatusMatch::Range(digit) if code / 100 == *digit))
}

/// The `|` pattern of `statuses`: single codes first, then ranges, and no code a range of the
/// same list already holds (it would be an unreachable pattern).
pub(super) fn status_patterns(statuses: &[StatusMatch]) -> TokenStream {
    let codes = statuses.iter().filter(|status| match status {
        StatusMatch::Code(code) => !covered(statuses, *code),
        StatusMatch::Range(_) => false,
    });
    let ranges = statuses
        .iter()
        .filter(|status| matches!(status, StatusMatch::Range(_)));
    let patterns = codes.chain(ranges).map(|status| match status {
        StatusMatch::Code(code) => {
            let code = Literal::u16_unsuffixed(*code);
            quote! { #code }
        }
        StatusMatch::Range(digit) => {
            let low = Literal::u16_unsuffixed(digit.saturating_mul(100));
            let high = Literal::u16_unsuffixed(digit.saturating_mul(100).saturating_add(99));
            quote! { #low..=#high }
        }
    });
    quote! { #(#patterns)|* }
}

pub(super) fn operation_method(op: &OperationModel) -> TokenStream {
    let doc = doc_attrs(&operation_doc(op));
    let name = ident(&op.method_name);
    let deprecated = op.deprecated.then(|| quote! { #[deprecated] });
    let args = signature_args(op);
    let error_body = match &op.error_body {
        Some(ty) => type_tokens(ty, Scope::Crate),
        None => quote! { serde_json::Value },
    };
    let success_type = match (&op.session_action, &op.success.body, &op.success.responses) {
        (Some(SessionAction::Create), _, _) => quote! { crate::runtime::client::SessionId },
        (_, _, Some(responses)) => {
            let name = ident(&responses.name);
            quote! { crate::types::#name }
        }
        (_, Some(body), _) => super::responses::body_type(body, Scope::Crate),
        (_, None, _) => quote! { () },
    };
    let (session_header, session_required) = match &op.auth {
        Auth::Session { header, required } => (quote! { Some(#header) }, *required),
        _ => (quote! { None }, false),
    };
    let operation_name = display_ident(&op.method_name);
    let http_method = op.http_method.as_str();
    let path_template = path_with_query(op);
    let renews_session = matches!(op.session_action, None | Some(SessionAction::Info));
    let creates_session = op.session_action == Some(SessionAction::Create);
    let request = request_statements(op);
    let arms = super::responses::response_arms(op);
    quote! {
        #doc
        #deprecated
        pub async fn #name(&self, #(#args),*) -> Result<#success_type, Error<#error_body>> {
            const CALL: crate::runtime::send::Call = crate::runtime::send::Call {
                operation: #operation_name,
                method: #http_method,
                path: #path_template,
                session_header: #session_header,
                session_required: #session_required,
                renews_session: #renews_session,
                creates_session: #creates_session,
            };
            self.traced(&CALL, async {
                #request
                let response = self.send(&CALL, request).await?;
                match response.status().as_u16() {
                    #(#arms)*
                }
            })
            .await
        }
    }
}

/// The method's arguments: the parameters, the body, the basic authentication credentials.
fn signature_args(op: &OperationModel) -> Vec<TokenStream> {
    let mut args: Vec<TokenStream> = op
        .params
        .iter()
        .map(|param| {
            let name = ident(&param.ident);
            let ty = param_type(param);
            quote! { #name: #ty }
        })
        .collect();
    if let Some(body) = &op.body {
        let ty = match body.encoding {
            BodyEncoding::Json | BodyEncoding::Form => {
                let ty = type_tokens(&body.ty, Scope::Crate);
                quote! { &#ty }
            }
            BodyEncoding::Text => quote! { &str },
            BodyEncoding::Bytes => quote! { impl Into<reqwest::Body> },
            BodyEncoding::Multipart => type_tokens(&body.ty, Scope::Crate),
            BodyEncoding::JsonLines { .. } => {
                let ty = type_tokens(&body.ty, Scope::Crate);
                quote! { impl futures_core::Stream<Item = #ty> + Send + 'static }
            }
        };
        args.push(if body.required {
            quote! { body: #ty }
        } else {
            quote! { body: Option<#ty> }
        });
    }
    if op.auth == Auth::Basic {
        args.push(quote! { username: &str });
        args.push(quote! { password: &str });
    }
    args
}

/// The statements that build `request`: the path, the query and header arguments, the body.
fn request_statements(op: &OperationModel) -> TokenStream {
    // The path: a literal, or the concatenation of its pieces with each parameter
    // percent-encoded. Constant query pairs (`?action=mount`) are part of it, encoded here
    // once rather than by `reqwest` on every call.
    let constant_query = constant_query_text(op);
    let has_path_params = op.path.iter().any(|p| matches!(p, PathPart::Param(_)));
    let path_stmt = if has_path_params {
        let query_piece = (!constant_query.is_empty()).then(|| quote! { #constant_query });
        let pieces = op.path.iter().filter_map(|part| match part {
            PathPart::Literal(text) => Some(quote! { #text }),
            PathPart::Param(index) => op.params.get(*index).map(path_piece),
        });
        let pieces = pieces.chain(query_piece);
        quote! { let path = [#(#pieces),*].concat(); }
    } else {
        let path = format!("{}{constant_query}", op.path_template);
        quote! { let path = #path; }
    };
    let path_arg = if has_path_params {
        quote! { &path }
    } else {
        quote! { path }
    };

    let method = match op.http_method.as_str() {
        "GET" | "PUT" | "POST" | "DELETE" | "OPTIONS" | "HEAD" | "PATCH" | "TRACE" => {
            let method = ident(&op.http_method);
            quote! { reqwest::Method::#method }
        }
        // Another method (3.2's `QUERY`, `additionalOperations`): the model proved it a token,
        // which `from_bytes` always takes.
        other => {
            let bytes = proc_macro2::Literal::byte_string(other.as_bytes());
            quote! {
                reqwest::Method::from_bytes(#bytes).map_err(|_| {
                    Error::from(crate::runtime::error::ErrorKind::InvalidArgument {
                        name: #other,
                        reason: "not an HTTP method",
                    })
                })?
            }
        }
    };
    let mut chain = vec![quote! { self.request(#method, #path_arg) }];
    let added: Vec<TokenStream> = op
        .params
        .iter()
        .filter(|param| param.location != ParamLocation::Path)
        .map(add_param)
        .collect();
    if op.auth == Auth::Basic {
        chain.push(quote! { .basic_auth(username, Some(password)) });
    }
    if let Some(accept) = &op.success.accept {
        // Replaces the client's `Accept: application/json`.
        chain.push(quote! {
            .headers(reqwest::header::HeaderMap::from_iter([(
                reqwest::header::ACCEPT,
                reqwest::header::HeaderValue::from_static(#accept),
            )]))
        });
    }
    let build = if added.is_empty() {
        quote! { let request = #(#chain)*; }
    } else {
        quote! {
            let mut request = #(#chain)*;
            #(#added)*
        }
    };
    // Last, once the request is whole: what it returns is ready to send, with the credential
    // values it carries, so that no error about the call shows them.
    let credentials = match &op.auth {
        Auth::Schemes { requirements, .. } => {
            let requirements = requirements.iter().map(|schemes| {
                let schemes = schemes.iter().map(|scheme| {
                    let name = &scheme.name;
                    let (location, key) = match &scheme.kind {
                        SchemeKind::Bearer => ("bearer", ""),
                        SchemeKind::Basic => ("basic", ""),
                        SchemeKind::Header(key) => ("header", key.as_str()),
                        SchemeKind::Query(key) => ("query", key.as_str()),
                        SchemeKind::Cookie(key) => ("cookie", key.as_str()),
                    };
                    quote! {
                        crate::runtime::credentials::Scheme { name: #name, location: #location, key: #key }
                    }
                });
                quote! { &[#(#schemes),*] }
            });
            quote! {
                let request = self.add_scheme_credentials(request, &[#(#requirements),*]).await?;
            }
        }
        _ => TokenStream::new(),
    };
    let body = match &op.body {
        Some(body) => {
            let encode = match body.encoding {
                BodyEncoding::Json => {
                    quote! { crate::runtime::json_body::json_body(request, body)? }
                }
                BodyEncoding::Form => form_body(body.form.as_ref()),
                BodyEncoding::Multipart => {
                    quote! { request.multipart(
                        body.into_form()
                            .map_err(|err| Error::from(crate::runtime::error::ErrorKind::Encode(err)))?,
                    ) }
                }
                BodyEncoding::JsonLines { record_separator } => {
                    let content_type = &body.content_type;
                    quote! {
                        request
                            .header(reqwest::header::CONTENT_TYPE, #content_type)
                            .body(crate::runtime::json_lines_body::JsonLinesBody::body(
                                body,
                                #record_separator,
                            ))
                    }
                }
                BodyEncoding::Text | BodyEncoding::Bytes => {
                    let content_type = &body.content_type;
                    let value = if body.encoding == BodyEncoding::Text {
                        quote! { body.to_owned() }
                    } else {
                        quote! { body }
                    };
                    quote! {
                        request
                            .header(reqwest::header::CONTENT_TYPE, #content_type)
                            .body(#value)
                    }
                }
            };
            if body.required {
                quote! { let request = #encode; }
            } else {
                quote! {
                    let request = match body {
                        Some(body) => #encode,
                        None => request,
                    };
                }
            }
        }
        None => TokenStream::new(),
    };

    quote! {
        #path_stmt
        #build
        #body
        #credentials
    }
}
/// Whether an HTTP 401 ends the operation as a success: logging out, when a 401 is not one
/// of its success statuses.
pub(super) fn ends_session_on_401(op: &OperationModel) -> bool {
    op.session_action == Some(SessionAction::Delete)
        && !op
            .success
            .statuses
            .iter()
            .any(|status| matches!(status, StatusMatch::Code(401) | StatusMatch::Range(4)))
}

/// Whether any other `2xx` answer with an empty body is a success too (a `200` where `204` is
/// documented): for operations without a success body, unless a `2XX` range is documented.
pub(super) fn accepts_empty_success(op: &OperationModel) -> bool {
    let two_xx_range = op
        .success
        .statuses
        .iter()
        .chain(op.errors.iter().filter_map(|case| case.status.as_ref()))
        .any(|status| matches!(status, StatusMatch::Range(2)));
    op.success.body.is_none()
        && op.success.responses.is_none()
        && op.session_action != Some(SessionAction::Create)
        && !two_xx_range
}

/// The expression that puts a form body on `request`: reqwest's own encoder for a flat
/// object, the runtime's pair writer (with the members' `encoding`) for anything else.
fn form_body(form: Option<&FormModel>) -> TokenStream {
    let Some(form) = form.filter(|form| form.writer == FormWriter::Pairs) else {
        return quote! { request.form(body) };
    };
    let json = &form.json;
    let styled = form
        .form_style
        .iter()
        .map(|(name, explode)| quote! { (#name, #explode) });
    quote! {
        request.form(&crate::runtime::form::form_pairs(body, &[#(#json),*], &[#(#styled),*])?)
    }
}
