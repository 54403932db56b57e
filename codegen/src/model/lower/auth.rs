//! How an operation authenticates: its security requirements (or the document's) to a session
//! header, HTTP basic, or nothing.

use openapiv3::{Operation, ReferenceOr, SecurityScheme};

use super::{child, ModelBuilder};
use crate::diagnostic::{Diagnostic, DiagnosticKind};
use crate::model::ir::Auth;

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
        for (index, requirement) in requirements.iter().enumerate() {
            let this_pointer = child(&req_pointer, &index.to_string());
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
                        &child(&this_pointer, name),
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
                        &child(&this_pointer, name),
                        DiagnosticKind::UnresolvedRef {
                            reference: format!("#/components/securitySchemes/{name}"),
                        },
                    ))
                }
            }
        }
        Ok(Auth::None)
    }
}
