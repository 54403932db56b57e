//! Lowering parameters: the path item's and the operation's lists merged (the operation's
//! override), `$ref`s followed, constant queries and the session header taken out of the
//! signature, and each of the rest typed with its style.

use std::collections::BTreeMap;

use openapiv3::{
    Operation, Parameter, ParameterSchemaOrContent, PathStyle, QueryStyle, ReferenceOr, Schema,
    SchemaKind, SecurityScheme, Type,
};

use super::{child, ModelBuilder};
use crate::diagnostic::{push_pointer, Diagnostic, DiagnosticKind, Fallback};
use crate::model::ir::{Auth, ParamLocation, ParamModel, ScalarText, SendAs};
use crate::model::refs;
use crate::names::{pascal_ident, snake_ident};

/// A parameter as declared, with the pointer of its definition.
pub(super) struct Declared<'d> {
    pointer: String,
    parameter: std::borrow::Cow<'d, Parameter>,
}

impl<'d> ModelBuilder<'d> {
    /// The path item's parameters and the operation's, the operation's replacing a path-item
    /// parameter of the same name and location; the same one declared twice in one list is an
    /// error.
    pub(super) fn declared_parameters(
        &mut self,
        key: &str,
        item_parameters: &'d [ReferenceOr<Parameter>],
        operation: &'d Operation,
        pointer: &str,
    ) -> Result<Vec<Declared<'d>>, Diagnostic> {
        let mut declared: Vec<Declared<'d>> = Vec::new();
        let mut seen: BTreeMap<(String, &'static str), (String, bool)> = BTreeMap::new();
        let lists = [
            (
                item_parameters,
                child(&push_pointer("/paths", key), "parameters"),
                false,
            ),
            (
                &operation.parameters[..],
                child(pointer, "parameters"),
                true,
            ),
        ];
        for (list, list_pointer, from_operation) in lists {
            for (index, parameter) in list.iter().enumerate() {
                let (param_pointer, parameter) =
                    self.resolve_parameter(parameter, &child(&list_pointer, &index.to_string()))?;
                let data = parameter.parameter_data_ref();
                let slot = (data.name.clone(), location_name(&parameter));
                if let Some((earlier, earlier_from_operation)) = seen.get(&slot) {
                    if !from_operation || *earlier_from_operation {
                        let problem = self.error(
                            &param_pointer,
                            DiagnosticKind::Invalid {
                                what: format!(
                                    "the {} parameter {:?} is declared twice (first at {earlier})",
                                    slot.1, data.name
                                ),
                            },
                        );
                        self.degrade(
                            problem,
                            Fallback::Assumed {
                                what: format!(
                                    "this declaration is ignored: the parameter is sent as the \
                                     first one at {earlier} says"
                                ),
                            },
                        );
                        continue;
                    }
                    declared.retain(|d| &d.pointer != earlier);
                }
                seen.insert(slot, (param_pointer.clone(), from_operation));
                declared.push(Declared {
                    pointer: param_pointer,
                    parameter,
                });
            }
        }
        Ok(declared)
    }

    /// Lowers the declared parameters. A required single-value query enum becomes a constant
    /// query pair, the session header becomes the operation's authentication.
    pub(super) fn parameters(
        &mut self,
        declared: Vec<Declared<'d>>,
        method_name: &str,
        constant_query: &mut Vec<(String, String)>,
        auth: &mut Auth,
    ) -> Result<Vec<ParamModel>, Diagnostic> {
        let session_headers = self.session_headers();
        let mut params = Vec::new();
        for Declared { pointer, parameter } in declared {
            let data = parameter.parameter_data_ref();
            // A parameter that cannot be written: an optional one is not sent (a warning), a
            // required one leaves the operation out.
            macro_rules! unsendable {
                ($problem:expr) => {{
                    let problem = $problem;
                    if data.required || matches!(&*parameter, Parameter::Path { .. }) {
                        return Err(problem);
                    }
                    self.degrade(
                        problem,
                        Fallback::ParameterNotSent {
                            name: data.name.clone(),
                        },
                    );
                    continue;
                }};
            }
            let ParameterSchemaOrContent::Schema(schema) = &data.format else {
                unsendable!(self.error(
                    &child(&pointer, "content"),
                    DiagnosticKind::Unsupported {
                        what: "a parameter described with `content` instead of `schema`"
                            .to_string(),
                    },
                ))
            };
            let (location, deep_object) = match &*parameter {
                Parameter::Path { style, .. } => {
                    if *style != PathStyle::Simple {
                        unsendable!(self.unsupported_style(&pointer, &data.name));
                    }
                    (ParamLocation::Path, false)
                }
                Parameter::Query { style, .. } => {
                    if let Some(value) = self.constant_value(schema, data.required) {
                        if constant_query.iter().any(|(name, _)| name == &data.name) {
                            return Err(self.error(
                                &pointer,
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
                    match style {
                        QueryStyle::Form => (ParamLocation::Query, false),
                        QueryStyle::DeepObject => (ParamLocation::Query, true),
                        _ => unsendable!(self.unsupported_style(&pointer, &data.name)),
                    }
                }
                Parameter::Header { .. } => {
                    // OpenAPI: these header parameters are ignored (the body's media type and
                    // the security scheme say what they carry).
                    if ["accept", "content-type", "authorization"]
                        .iter()
                        .any(|ignored| data.name.eq_ignore_ascii_case(ignored))
                    {
                        continue;
                    }
                    // The session header, unless the operation authenticates otherwise.
                    let session_header = session_headers
                        .iter()
                        .find(|h| h.eq_ignore_ascii_case(&data.name))
                        .filter(|_| !matches!(auth, Auth::Basic | Auth::Schemes { .. }));
                    if let Some(header) = session_header {
                        *auth = Auth::Session {
                            header: header.clone(),
                            required: data.required
                                || matches!(auth, Auth::Session { required: true, .. }),
                        };
                        continue;
                    }
                    (ParamLocation::Header, false)
                }
                Parameter::Cookie { .. } => {
                    unsendable!(self.error(
                        &pointer,
                        DiagnosticKind::Unsupported {
                            what: format!("the cookie parameter {:?}", data.name),
                        },
                    ))
                }
            };
            let hint = format!("{}{}", pascal_ident(method_name), pascal_ident(&data.name));
            let ty = self.type_of(schema, &hint, &child(&pointer, "schema"))?;
            let resource_type = match schema {
                ReferenceOr::Item(schema) => super::schema::resource_type(schema),
                ReferenceOr::Reference { .. } => None,
            };
            params.push(ParamModel {
                ident: snake_ident(&data.name),
                wire_name: data.name.clone(),
                location,
                ty,
                required: data.required || location == ParamLocation::Path,
                doc: data.description.clone(),
                resource_type,
                // Decided by the check pass, which sees every type.
                send: SendAs::Scalar(ScalarText::Str),
                // `form` (the query's default) explodes by default; `simple` does not.
                explode: data.explode.unwrap_or(location == ParamLocation::Query),
                deep_object,
                pointer,
            });
        }
        Ok(params)
    }

    fn unsupported_style(&self, pointer: &str, name: &str) -> Diagnostic {
        self.error(
            &child(pointer, "style"),
            DiagnosticKind::Unsupported {
                what: format!(
                    "the style of the parameter {name:?}: `simple` paths and headers, `form` and \
                     `deepObject` queries are supported"
                ),
            },
        )
    }

    /// A parameter, following a `$ref` (and chains of them) into `components/parameters`.
    pub(super) fn resolve_parameter(
        &self,
        parameter: &'d ReferenceOr<Parameter>,
        pointer: &str,
    ) -> Result<(String, std::borrow::Cow<'d, Parameter>), Diagnostic> {
        let parameters = self.document.components.as_ref().map(|c| &c.parameters);
        self.item_or_component(parameter, parameters, "parameters", pointer)
    }

    /// The value of a required query parameter whose schema allows exactly one string.
    pub(super) fn constant_value(
        &self,
        schema: &ReferenceOr<Schema>,
        required: bool,
    ) -> Option<String> {
        if !required {
            return None;
        }
        let schema = match schema {
            ReferenceOr::Item(schema) => schema,
            ReferenceOr::Reference { reference } => {
                let schemas = self.document.components.as_ref().map(|c| &c.schemas);
                refs::resolve(schemas, "schemas", reference).ok()?.1
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

    /// Header names of the session schemes: these headers carry the session id.
    pub(super) fn session_headers(&self) -> Vec<String> {
        let Some(components) = &self.document.components else {
            return Vec::new();
        };
        components
            .security_schemes
            .values()
            .filter_map(|scheme| match scheme {
                ReferenceOr::Item(
                    scheme @ SecurityScheme::APIKey {
                        location: openapiv3::APIKeyLocation::Header,
                        name,
                        ..
                    },
                ) if super::auth::is_session_scheme(scheme) => Some(name.clone()),
                _ => None,
            })
            .collect()
    }
}

fn location_name(parameter: &Parameter) -> &'static str {
    match parameter {
        Parameter::Path { .. } => "path",
        Parameter::Query { .. } => "query",
        Parameter::Header { .. } => "header",
        Parameter::Cookie { .. } => "cookie",
    }
}
