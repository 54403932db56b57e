//! How an operation authenticates: its security requirements (or the document's) to the
//! client's session header, HTTP basic arguments of the operation that logs in, credentials the
//! user gives the client per scheme, or nothing.

use openapiv3::{APIKeyLocation, Operation, ReferenceOr, SecurityScheme};

use super::{child, ModelBuilder};
use crate::diagnostic::{Diagnostic, DiagnosticKind};
use crate::model::ir::{Auth, SchemeKind, SchemeModel};

/// Whether `scheme` is the client's session: an apiKey in a header whose name says `session`
/// (vCenter's `vmware-api-session-id`), created by the `x-codegen-session: create` operation or
/// set by the user.
pub(super) fn is_session_scheme(scheme: &SecurityScheme) -> bool {
    matches!(
        scheme,
        SecurityScheme::APIKey { location: APIKeyLocation::Header, name, .. }
            if name.to_ascii_lowercase().contains("session")
    )
}

impl ModelBuilder<'_> {
    pub(super) fn auth(&self, operation: &Operation, pointer: &str) -> Result<Auth, Diagnostic> {
        let (requirements, req_pointer) = match &operation.security {
            Some(requirements) => (requirements, child(pointer, "security")),
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
        let scheme = |name: &str| match schemes.and_then(|s| s.get(name)) {
            Some(ReferenceOr::Item(scheme)) => Some(scheme),
            _ => None,
        };
        let has_session_scheme = schemes.is_some_and(|s| {
            s.values()
                .any(|scheme| matches!(scheme, ReferenceOr::Item(s) if is_session_scheme(s)))
        });
        // The session and the login keep their own way when they come first, alone.
        if let Some(first) = requirements.iter().find(|r| !r.is_empty()) {
            if let [name] = first.keys().collect::<Vec<_>>().as_slice() {
                match scheme(name) {
                    Some(found @ SecurityScheme::APIKey { name: header, .. })
                        if is_session_scheme(found) =>
                    {
                        return Ok(Auth::Session {
                            header: header.clone(),
                            required: !optional,
                        })
                    }
                    Some(SecurityScheme::HTTP { scheme, .. })
                        if has_session_scheme && scheme.eq_ignore_ascii_case("basic") =>
                    {
                        return Ok(Auth::Basic)
                    }
                    _ => {}
                }
            }
        }
        let mut alternatives = Vec::new();
        let mut first_problem = None;
        for (index, requirement) in requirements.iter().enumerate() {
            if requirement.is_empty() {
                continue;
            }
            let this_pointer = child(&req_pointer, &index.to_string());
            let lowered: Result<Vec<SchemeModel>, Diagnostic> = requirement
                .keys()
                .map(|name| self.scheme_model(name, scheme(name), &child(&this_pointer, name)))
                .collect();
            match lowered {
                Ok(schemes) => alternatives.push(schemes),
                // A requirement the client cannot send is left out while another remains.
                Err(diagnostic) => {
                    first_problem.get_or_insert(diagnostic);
                }
            }
        }
        match (alternatives.is_empty(), first_problem) {
            (true, Some(problem)) => Err(problem),
            (true, None) => Ok(Auth::None),
            (false, _) => Ok(Auth::Schemes {
                requirements: alternatives,
                optional,
            }),
        }
    }

    fn scheme_model(
        &self,
        name: &str,
        scheme: Option<&SecurityScheme>,
        pointer: &str,
    ) -> Result<SchemeModel, Diagnostic> {
        let unsupported = |what: String| self.error(pointer, DiagnosticKind::Unsupported { what });
        let kind = match scheme {
            None => {
                return Err(self.error(
                    pointer,
                    DiagnosticKind::UnresolvedRef {
                        reference: format!("#/components/securitySchemes/{name}"),
                    },
                ))
            }
            Some(SecurityScheme::HTTP { scheme, .. }) if scheme.eq_ignore_ascii_case("bearer") => {
                SchemeKind::Bearer
            }
            Some(SecurityScheme::HTTP { scheme, .. }) if scheme.eq_ignore_ascii_case("basic") => {
                SchemeKind::Basic
            }
            Some(SecurityScheme::HTTP { scheme, .. }) => {
                return Err(unsupported(format!(
                    "the HTTP authentication scheme {scheme:?} of the security scheme {name:?}: \
                     `basic` and `bearer` are supported"
                )))
            }
            Some(SecurityScheme::OAuth2 { .. } | SecurityScheme::OpenIDConnect { .. }) => {
                SchemeKind::Bearer
            }
            Some(SecurityScheme::APIKey {
                location,
                name: key,
                ..
            }) => {
                if key.is_empty() || !key.bytes().all(|b| b.is_ascii_graphic()) {
                    return Err(self.error(
                        pointer,
                        DiagnosticKind::Invalid {
                            what: format!(
                                "the apiKey scheme {name:?} names {key:?}, which is not a header, \
                                 query or cookie name"
                            ),
                        },
                    ));
                }
                match location {
                    APIKeyLocation::Header => SchemeKind::Header(key.clone()),
                    APIKeyLocation::Query => SchemeKind::Query(key.clone()),
                    APIKeyLocation::Cookie => SchemeKind::Cookie(key.clone()),
                }
            }
        };
        Ok(SchemeModel {
            name: name.to_string(),
            kind,
        })
    }
}
