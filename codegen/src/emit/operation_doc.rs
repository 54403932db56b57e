//! The rustdoc of each operation method: what it sends, returns and fails with.

use super::*;

/// `?name=value&...` for the operation's constant query pairs (empty without any), encoded
/// as `application/x-www-form-urlencoded` by `form_urlencoded`, the encoder behind
/// `reqwest`'s `query`.
pub(super) fn constant_query_text(op: &OperationModel) -> String {
    if op.constant_query.is_empty() {
        return String::new();
    }
    let pairs = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&op.constant_query)
        .finish();
    format!("?{pairs}")
}

/// The request path with query, as shown in docs: `POST /api/x?action=y`.
pub(super) fn display_path(op: &OperationModel) -> String {
    format!("{} {}", op.http_method, path_with_query(op))
}

/// The path template with the constant query pairs, e.g. `/api/vcenter/iso/image?action=mount`.
pub(super) fn path_with_query(op: &OperationModel) -> String {
    let mut path = op.path_template.clone();
    for (i, (name, value)) in op.constant_query.iter().enumerate() {
        path.push(if i == 0 { '?' } else { '&' });
        path.push_str(name);
        if !value.is_empty() {
            path.push('=');
            path.push_str(value);
        }
    }
    path
}

pub(super) fn status_label(status: Option<StatusMatch>) -> String {
    match status {
        Some(StatusMatch::Code(code)) => code.to_string(),
        Some(StatusMatch::Range(digit)) => format!("{digit}XX"),
        None => "any other status".to_string(),
    }
}

pub(super) fn operation_doc(op: &OperationModel) -> String {
    let mut doc = String::new();
    if let Some(summary) = &op.summary {
        doc.push_str(summary.trim());
        doc.push_str("\n\n");
    }
    if let Some(description) = &op.description {
        doc.push_str(description.trim());
        doc.push_str("\n\n");
    }
    if let (Some(main), Some(body)) = (&op.alternative_of, &op.body) {
        let main = display_ident(main);
        let sent = match body.encoding {
            BodyEncoding::Json => "JSON".to_string(),
            BodyEncoding::Form => "a form".to_string(),
            BodyEncoding::Multipart => "`multipart/form-data`".to_string(),
            BodyEncoding::Text | BodyEncoding::Bytes | BodyEncoding::JsonLines { .. } => {
                format!("`{}`", body.content_type)
            }
        };
        doc.push_str(&format!(
            "Like [`Client::{main}`](crate::Client::{main}), with the body sent as {sent}.\n\n"
        ));
    }
    doc.push_str(&format!("`{}`\n", display_path(op)));
    let documented_params: Vec<&ParamModel> = op.params.iter().collect();
    if !documented_params.is_empty() || op.body.is_some() || op.auth == Auth::Basic {
        doc.push_str("\n# Arguments\n\n");
        for param in documented_params {
            let text = param.doc.as_deref().unwrap_or("").trim().replace('\n', " ");
            let mut line = format!("- `{}`: {text}", display_ident(&param.ident));
            if let Some(resource) = &param.resource_type {
                if !text.contains(resource.as_str()) {
                    line.push_str(&format!(
                        " An identifier of the resource type `{resource}`."
                    ));
                }
            }
            doc.push_str(line.trim_end());
            doc.push('\n');
        }
        if let Some(body) = &op.body {
            let text = body.doc.as_deref().unwrap_or("The request body.").trim();
            let sent = match body.encoding {
                BodyEncoding::Json | BodyEncoding::Form => String::new(),
                BodyEncoding::Multipart => " Sent as `multipart/form-data`.".to_string(),
                BodyEncoding::Text => format!(" Sent as text, `{}`.", body.content_type),
                BodyEncoding::Bytes => format!(
                    " Sent as it is, `{}`: anything that converts into a `reqwest::Body` \
                     (`Vec<u8>`, `String`, `bytes::Bytes`, ...).",
                    body.content_type
                ),
                BodyEncoding::JsonLines { .. } => format!(
                    " A stream of items, each sent as one JSON value as the stream gives it \
                     (`{}`), never gathered whole.",
                    body.content_type
                ),
            };
            doc.push_str(&format!("- `body`: {}{sent}\n", text.replace('\n', " ")));
        }
        if op.auth == Auth::Basic {
            doc.push_str("- `username`, `password`: sent with HTTP basic authentication.\n");
        }
    }
    doc.push_str("\n# Returns\n\n");
    if let Some(responses) = &op.success.responses {
        doc.push_str(&format!(
            "One variant of [`{name}`](crate::types::{name}) per success status:\n\n",
            name = responses.name
        ));
        for variant in &responses.variants {
            let text = variant
                .doc
                .as_deref()
                .unwrap_or("")
                .trim()
                .replace('\n', " ");
            let line = format!(
                "- `{}`: [`{}::{}`](crate::types::{}::{}). {text}",
                status_label(variant.status),
                responses.name,
                variant.name,
                responses.name,
                variant.name
            );
            doc.push_str(line.trim_end());
            doc.push('\n');
        }
    }
    match (&op.session_action, &op.success.body) {
        _ if op.success.responses.is_some() => {}
        (Some(SessionAction::Create), _) => doc.push_str(
            "The new session id, which the client also keeps and sends with every later call \
             that needs a session.",
        ),
        (_, None) if super::operations::accepts_empty_success(op) => doc.push_str(
            "Nothing, on success (any other `2xx` answer with an empty body is a success too).",
        ),
        (_, None) => doc.push_str("Nothing, on success."),
        (_, Some(_)) => {
            let text = op
                .success
                .doc
                .as_deref()
                .unwrap_or("The response body.")
                .trim();
            doc.push_str(text);
            match &op.success.body {
                Some(ResponseBody::Text) => doc.push_str(" Read as text."),
                Some(ResponseBody::Bytes) => doc.push_str(
                    " A [`ByteStream`](crate::ByteStream), to be read in chunks or whole up to \
                     the client's body-size limit.",
                ),
                Some(ResponseBody::Events(data)) => doc.push_str(&format!(
                    " Server-sent events, an [`EventStream`](crate::EventStream) read event by \
                     event as they arrive, each event's data {}.",
                    match data {
                        Some(_) => "decoded from JSON",
                        None => "as text",
                    }
                )),
                Some(ResponseBody::JsonLines {
                    record_separator, ..
                }) => doc.push_str(&format!(
                    " {}, a [`JsonLines`](crate::JsonLines) read value by value as they arrive.",
                    match record_separator {
                        true => "A JSON text sequence",
                        false => "JSON Lines (one value a line)",
                    }
                )),
                _ => {}
            }
            if let Some(resource) = &op.success.resource_type {
                if !text.contains(resource.as_str()) {
                    doc.push_str(&format!(
                        " An identifier of the resource type `{resource}`."
                    ));
                }
            }
        }
    }
    if op.session_action == Some(SessionAction::Delete) {
        doc.push_str(" The client forgets its session.");
    }
    let expired_logout = super::operations::ends_session_on_401(op);
    if expired_logout {
        doc.push_str(
            " An HTTP 401 (the session had already expired or ended) is a success as well: \
             the client forgets the session.",
        );
    }
    doc.push_str("\n\n# Errors\n\n");
    for case in op
        .errors
        .iter()
        .filter(|case| !(expired_logout && case.status == Some(StatusMatch::Code(401))))
    {
        let text = case.doc.as_deref().unwrap_or("").trim();
        let variant = op.error_enum.as_ref().and_then(|errors| {
            let variant = errors.variants.iter().find(|v| v.status == case.status)?;
            Some(format!(
                "[`ErrorKind::Api`](crate::ErrorKind::Api) with [`{name}::{variant}`](crate::types::{name}::{variant})",
                name = errors.name,
                variant = variant.name
            ))
        });
        let what = match variant {
            Some(variant) => variant,
            None if case.has_body => "[`ErrorKind::Api`](crate::ErrorKind::Api)".to_string(),
            None => {
                "[`ErrorKind::UnexpectedStatus`](crate::ErrorKind::UnexpectedStatus)".to_string()
            }
        };
        let mut line = format!("- {}: {what}", status_label(case.status));
        let text_lines: Vec<&str> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        match text_lines.as_slice() {
            [] => {}
            [one] => line.push_str(&format!(". {one}")),
            many => {
                for l in many {
                    line.push_str(&format!("\n  - {l}"));
                }
            }
        }
        doc.push_str(&line);
        doc.push('\n');
    }
    if !op.errors.iter().any(|case| case.status.is_none()) {
        doc.push_str("- any other status: [`ErrorKind::UnexpectedStatus`](crate::ErrorKind::UnexpectedStatus)\n");
    }
    if let Some(schemes) = scheme_doc(&op.auth) {
        doc.push_str(&schemes);
    }
    if let Auth::Session { required: true, .. } = op.auth {
        doc.push_str("- [`ErrorKind::NoSession`](crate::ErrorKind::NoSession) when the client has no session.\n");
    }
    if op.params.iter().any(|p| p.location == ParamLocation::Path) {
        doc.push_str("- [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument) when a path argument is empty, `.` or `..`.\n");
    }
    doc.push_str(
        "- [`ErrorKind::Transport`](crate::ErrorKind::Transport), [`ErrorKind::Timeout`](crate::ErrorKind::Timeout), [`ErrorKind::Redirect`](crate::ErrorKind::Redirect), [`ErrorKind::Decode`](crate::ErrorKind::Decode), \
         [`ErrorKind::TruncatedBody`](crate::ErrorKind::TruncatedBody) and [`ErrorKind::BodyTooLarge`](crate::ErrorKind::BodyTooLarge) as for every call.\n",
    );
    if !op.notes.is_empty() {
        doc.push_str("\n# Not supported\n\n");
        for note in &op.notes {
            doc.push_str(&format!("- {}\n", note.trim().replace('\n', " ")));
        }
    }
    doc
}

/// How an operation with per-scheme credentials authenticates, for its `# Errors` list.
fn scheme_doc(auth: &Auth) -> Option<String> {
    let Auth::Schemes {
        requirements,
        optional,
    } = auth
    else {
        return None;
    };
    let alternatives: Vec<String> = requirements
        .iter()
        .map(|schemes| {
            schemes
                .iter()
                .map(|scheme| format!("`{}`", scheme.name))
                .collect::<Vec<_>>()
                .join(" and ")
        })
        .collect();
    let without = if *optional {
        "the call is also accepted without"
    } else {
        "the server answers as it does (usually 401)"
    };
    Some(format!(
        "- Credentials, set on the [`ClientBuilder`](crate::ClientBuilder) by scheme name: {}. \
         The client sends the first of these it has every credential for; with none, it sends \
         none and {without}.\n",
        alternatives.join("; or ")
    ))
}
