//! Lowering operations: each selected (path, method) to an [`OperationModel`]: its method name,
//! path template, parameters in signature order, body, authentication and responses.

use std::collections::{BTreeMap, BTreeSet};

use openapiv3::{Operation, Parameter, ParameterSchemaOrContent, ReferenceOr};

use super::{child, name_extension, ModelBuilder, Owner};
use crate::diagnostic::{push_pointer, Diagnostic, DiagnosticKind, Fallback};
use crate::model::ir::{
    Gate, OperationModel, ParamLocation, ParamModel, PathPart, SessionAction, TypeRef,
    NAME_EXTENSION, SESSION_EXTENSION,
};
use crate::model::left_out;
use crate::model::select::Selection;
use crate::names::{display_ident, snake_ident, spelled_operation_id_name, Namespace};

impl<'a> ModelBuilder<'a> {
    /// Lowers every selected operation, in document order. A broken operation is reported and
    /// left out.
    pub(super) fn operations(&mut self, selection: &Selection) -> Vec<OperationModel> {
        let document = self.document;
        let spec = self.spec;
        let mut operations = Vec::new();
        let mut method_names: BTreeMap<String, String> = BTreeMap::new();
        // Per lowered operation: its name when it is exactly what the spec wrote (an
        // `x-codegen-name`, or an operationId that is its own name), and its operationId.
        let mut given: Vec<Option<String>> = Vec::new();
        let mut ids: Vec<Option<String>> = Vec::new();
        for (key, item) in &document.paths.paths {
            let item_pointer = push_pointer("/paths", key);
            let item = match item {
                ReferenceOr::Item(item) => item,
                ReferenceOr::Reference { .. } => {
                    let diagnostic = self.error(
                        &item_pointer,
                        DiagnosticKind::Unsupported {
                            what: "a path item given as `$ref`".to_string(),
                        },
                    );
                    self.degrade(
                        diagnostic,
                        Fallback::Assumed {
                            what: format!(
                                "the operations of the path {key:?} are left out of the client \
                                 (path:{key})"
                            ),
                        },
                    );
                    continue;
                }
            };
            // 3.2's operations on other HTTP methods (`query`, `additionalOperations`), which
            // `load` reads beside the 3.0 path item, come after the item's own.
            let others = spec
                .other_operations
                .iter()
                .filter(|other| other.path == *key)
                .map(|other| {
                    (
                        other.method.as_str(),
                        &other.operation,
                        Some(&other.pointer),
                    )
                });
            let own = item
                .iter()
                .map(|(method, operation)| (method, operation, None));
            for (method, operation, pointer) in own.chain(others) {
                if !selection.selects(key, &operation.tags, operation.operation_id.as_deref()) {
                    continue;
                }
                let pointer = match pointer {
                    Some(pointer) => pointer.clone(),
                    None => push_pointer(&item_pointer, method),
                };
                let index = self.selectors.len();
                self.owner = Owner::Operation(index);
                self.selectors.push(match &operation.operation_id {
                    Some(id) => format!("op:{id}"),
                    None => format!("path:{key}"),
                });
                let lowered = self
                    .operation(
                        key,
                        method,
                        &item.parameters,
                        operation,
                        &pointer,
                        &method_names,
                    )
                    .and_then(|models| {
                        // With unique operationIds, names that meet are told apart below.
                        let taken = models.iter().find_map(|model| {
                            method_names
                                .get(&model.method_name)
                                .filter(|_| !self.ids_unique)
                                .map(|first| (model, first))
                        });
                        match taken {
                            Some((model, first)) => Err(self.error(
                                &pointer,
                                DiagnosticKind::Invalid {
                                    what: format!(
                                        "this operation's method name `{}` is already taken \
                                         by the operation at {first}; give one of them \
                                         another name with `{NAME_EXTENSION}`",
                                        display_ident(&model.method_name)
                                    ),
                                },
                            )),
                            None => Ok(models),
                        }
                    });
                match lowered {
                    Ok(models) => {
                        for (position, mut model) in models.into_iter().enumerate() {
                            model.selector = self.selectors.get(index).cloned().unwrap_or_default();
                            method_names
                                .entry(model.method_name.clone())
                                .or_insert(pointer.clone());
                            // The operation's own method (the first) may carry a given name;
                            // the methods for its other media types never do.
                            let written = (position == 0)
                                .then(|| {
                                    operation
                                        .extensions
                                        .contains_key(NAME_EXTENSION)
                                        .then(|| model.method_name.clone())
                                        .or_else(|| {
                                            operation.operation_id.clone().filter(|id| {
                                                id == display_ident(&model.method_name)
                                            })
                                        })
                                })
                                .flatten();
                            given.push(written);
                            ids.push(operation.operation_id.clone());
                            operations.push(model);
                        }
                    }
                    Err(diagnostic) => {
                        let selector = self.selectors.get(index).cloned().unwrap_or_default();
                        self.degrade(diagnostic, left_out(method, key, &selector));
                    }
                }
            }
        }
        if self.ids_unique {
            self.tell_apart(&mut operations, &given, &ids);
        }
        operations
    }

    /// Operations whose operationIds give one method name (they differ only in case or
    /// punctuation) get names of their own: a name written exactly in the spec is kept, the
    /// others spell their id's punctuation out, then take the smallest free number in document
    /// order. Two operations given one name with `x-codegen-name` keep it for the first; the
    /// second takes the smallest free number, with a warning.
    fn tell_apart(
        &mut self,
        operations: &mut [OperationModel],
        given: &[Option<String>],
        ids: &[Option<String>],
    ) {
        let mut uses: BTreeMap<String, usize> = BTreeMap::new();
        for op in operations.iter() {
            *uses.entry(op.method_name.clone()).or_default() += 1;
        }
        let shared = |name: &str| uses.get(name).is_some_and(|n| *n > 1);
        let mut taken: BTreeMap<String, String> = BTreeMap::new();
        // The given names that meet an earlier one, with that one's pointer.
        let mut collided = BTreeMap::new();
        for (index, op) in operations.iter().enumerate() {
            let exact = given.get(index).is_some_and(Option::is_some);
            if !shared(&op.method_name) || exact {
                match taken.get(&op.method_name) {
                    Some(first) => {
                        collided.insert(index, first.clone());
                    }
                    None => {
                        taken.insert(op.method_name.clone(), op.pointer.clone());
                    }
                }
            }
        }
        let reserved: Vec<&str> = taken.keys().map(String::as_str).collect();
        let mut names = Namespace::with_reserved(&reserved);
        let mut renamed = Vec::new();
        for (index, op) in operations.iter_mut().enumerate() {
            let exact = given.get(index).is_some_and(Option::is_some);
            if let Some(first) = collided.get(&index) {
                let wanted = op.method_name.clone();
                op.method_name = names.claim(&wanted);
                renamed.push((
                    op.pointer.clone(),
                    wanted,
                    first.clone(),
                    op.method_name.clone(),
                ));
                continue;
            }
            if exact || !shared(&op.method_name) {
                continue;
            }
            let wanted = match ids.get(index).cloned().flatten() {
                Some(id) => spelled_operation_id_name(&id),
                None => op.method_name.clone(),
            };
            op.method_name = names.claim(&wanted);
        }
        for (pointer, wanted, first, name) in renamed {
            self.name_taken(&pointer, &wanted, &first, &name);
        }
    }

    fn operation(
        &mut self,
        key: &str,
        method: &str,
        item_parameters: &'a [ReferenceOr<Parameter>],
        operation: &'a Operation,
        pointer: &str,
        taken: &BTreeMap<String, String>,
    ) -> Result<Vec<OperationModel>, Diagnostic> {
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
        let (method_name, renamed) = self.free_method_name(method_name, key, method, taken);

        let declared = self.declared_parameters(key, item_parameters, operation, pointer)?;
        let mut auth = self.auth(operation, pointer)?;
        let params = self.parameters(declared, &method_name, &mut constant_query, &mut auth)?;
        let params = self.match_template(&path_template, params, pointer)?;
        let (path, params) = self.in_signature_order(&path_template, params, pointer)?;

        let mut bodies = match &operation.request_body {
            None => Vec::new(),
            Some(body) => self.request_bodies(body, &method_name, pointer)?,
        };
        let alternatives = bodies.split_off(bodies.len().min(1));
        let body = bodies.pop().map(|(_, body)| body);
        let super::body::Responses {
            mut success,
            errors,
            error_enum,
            notes,
        } = self.responses(operation, &method_name, pointer)?;
        let json_body = success.body.as_ref().and_then(|body| body.json()).cloned();
        let session_action = self.session_action(operation, &json_body, pointer)?;
        if session_action == Some(SessionAction::Delete) {
            // Ending the session returns nothing; a body the server sends is not read.
            success.body = None;
            success.responses = None;
            success.accept = None;
            success.resource_type = None;
        }
        let main = OperationModel {
            method_name,
            // openapiv3 names the 3.0 methods in lower case; another method is sent as the
            // spec writes it (methods are case-sensitive).
            http_method: match method {
                "get" | "put" | "post" | "delete" | "options" | "head" | "patch" | "trace" => {
                    method.to_ascii_uppercase()
                }
                _ => method.to_string(),
            },
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
            error_enum,
            notes,
            alternative_of: None,
            pointer: pointer.to_string(),
            selector: String::new(),
            summary: operation.summary.clone(),
            description: operation.description.clone(),
            deprecated: operation.deprecated,
            tags: operation.tags.clone(),
            gate: Gate::Always,
        };
        // The body's other media types: one more method each, `<method>_<kind>`.
        let mut models = Vec::new();
        for (suffix, body) in alternatives {
            let mut other = main.clone();
            other.method_name = format!("{}_{suffix}", main.method_name);
            other.alternative_of = Some(main.method_name.clone());
            other.body = Some(body);
            models.push(other);
        }
        models.insert(0, main);
        if let Some((wanted, first)) = renamed {
            let at = match operation.operation_id {
                Some(_) => child(pointer, "operationId"),
                None => pointer.to_string(),
            };
            let name = models[0].method_name.clone();
            self.name_taken(&at, &wanted, &first, &name);
        }
        Ok(models)
    }

    /// The warning for an operation whose method name `wanted` an earlier operation (at
    /// `first`) has, so that it is named `name` instead.
    fn name_taken(&mut self, at: &str, wanted: &str, first: &str, name: &str) {
        let diagnostic = self.error(
            at,
            DiagnosticKind::Invalid {
                what: format!(
                    "this operation's method name `{}` is already taken by the operation at \
                     {first}",
                    display_ident(wanted)
                ),
            },
        );
        self.degrade(
            diagnostic,
            Fallback::Assumed {
                what: format!(
                    "the method is named `{}` instead, a name that changes if the spec adds an \
                     operation before it; give it a name of its own with `{NAME_EXTENSION}`",
                    display_ident(name)
                ),
            },
        );
    }

    /// Signature order: path parameters in template order, then query, then header; the path
    /// template split into literals and parameters by their new indices.
    fn in_signature_order(
        &self,
        template: &str,
        params: Vec<ParamModel>,
        pointer: &str,
    ) -> Result<(Vec<PathPart>, Vec<ParamModel>), Diagnostic> {
        let path = self.path_parts(template, &params, pointer)?;
        let mut order: Vec<usize> = path
            .iter()
            .filter_map(|part| match part {
                PathPart::Param(index) => Some(*index),
                PathPart::Literal(_) => None,
            })
            .collect();
        for location in [ParamLocation::Query, ParamLocation::Header] {
            order.extend((0..params.len()).filter(|i| {
                params
                    .get(*i)
                    .is_some_and(|param| param.location == location)
            }));
        }
        let params: Vec<ParamModel> = order
            .iter()
            .filter_map(|i| params.get(*i).cloned())
            .collect();
        let path = self.path_parts(template, &params, pointer)?;
        Ok((path, params))
    }

    fn session_action(
        &self,
        operation: &Operation,
        success_body: &Option<TypeRef>,
        pointer: &str,
    ) -> Result<Option<SessionAction>, Diagnostic> {
        let extension_pointer = child(pointer, SESSION_EXTENSION);
        match operation.extensions.get(SESSION_EXTENSION) {
            None => Ok(None),
            Some(serde_json::Value::String(s)) if s == "create" => {
                if success_body != &Some(TypeRef::String) {
                    return Err(self.error(
                        &extension_pointer,
                        DiagnosticKind::Invalid {
                            what: format!(
                                "`{SESSION_EXTENSION}: create` needs a success response whose \
                                 body is a JSON string (the session id)"
                            ),
                        },
                    ));
                }
                Ok(Some(SessionAction::Create))
            }
            Some(serde_json::Value::String(s)) if s == "delete" => Ok(Some(SessionAction::Delete)),
            Some(serde_json::Value::String(s)) if s == "info" => Ok(Some(SessionAction::Info)),
            Some(other) => Err(self.error(
                &extension_pointer,
                DiagnosticKind::Invalid {
                    what: format!(
                        "`{SESSION_EXTENSION}` is {other}; it takes \"create\", \"delete\" or \"info\""
                    ),
                },
            )),
        }
    }

    fn method_name(
        &self,
        key: &str,
        method: &str,
        operation: &Operation,
        pointer: &str,
    ) -> Result<String, Diagnostic> {
        if let Some(value) = operation.extensions.get(NAME_EXTENSION) {
            return match name_extension(&operation.extensions) {
                Some(name) => Ok(snake_ident(&name)),
                None => Err(self.error(
                    &child(pointer, NAME_EXTENSION),
                    DiagnosticKind::Invalid {
                        what: format!("`{NAME_EXTENSION}` is {value}; it takes a non-empty string"),
                    },
                )),
            };
        }
        if let Some(name) = operation
            .operation_id
            .as_deref()
            .filter(|_| self.ids_unique)
            .and_then(crate::names::operation_id_name)
        {
            return Ok(name);
        }
        Ok(crate::names::method_name(
            &operation.tags,
            operation.operation_id.as_deref(),
            key,
            method,
        ))
    }

    /// `wanted`, or, when an earlier operation has that method name already (operationIds that
    /// are not unique name methods after their tags, and two operations can meet), a name of
    /// its own: its method and path spelled out (`get_hosts`), else the smallest free number.
    /// The warning that says so comes with the rename, recorded once the operation lowers.
    fn free_method_name(
        &self,
        wanted: String,
        key: &str,
        method: &str,
        taken: &BTreeMap<String, String>,
    ) -> (String, Option<(String, String)>) {
        let Some(first) = taken.get(&wanted).filter(|_| !self.ids_unique) else {
            return (wanted, None);
        };
        let spelled = crate::names::method_name(&[], None, key, method);
        let name = std::iter::once(spelled)
            .chain((2..).map(|n| format!("{wanted}{n}")))
            .find(|name| !taken.contains_key(name))
            .unwrap_or(wanted.clone());
        (name, Some((wanted, first.clone())))
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
            let Ok((_, resolved)) = self.resolve_parameter(parameter, "") else {
                continue;
            };
            let Parameter::Query { parameter_data, .. } = &*resolved else {
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

    /// The path parameters made to agree with the template, each disagreement a warning: a
    /// declared path parameter the template does not name is not sent; a template variable
    /// nothing declares is a required `String` argument.
    fn match_template(
        &mut self,
        template: &str,
        mut params: Vec<ParamModel>,
        pointer: &str,
    ) -> Result<Vec<ParamModel>, Diagnostic> {
        let variables = template_variables(template).ok_or_else(|| {
            self.error(
                pointer,
                DiagnosticKind::Invalid {
                    what: format!("the path template {template:?} has an unclosed `{{`"),
                },
            )
        })?;
        let mut kept = Vec::with_capacity(params.len());
        for param in params.drain(..) {
            if param.location == ParamLocation::Path && !variables.contains(&param.wire_name) {
                let problem = self.error(
                    &param.pointer,
                    DiagnosticKind::Invalid {
                        what: format!(
                            "the path parameter {:?} does not appear in the path template \
                             {template:?}",
                            param.wire_name
                        ),
                    },
                );
                self.degrade(
                    problem,
                    Fallback::ParameterNotSent {
                        name: param.wire_name.clone(),
                    },
                );
                continue;
            }
            kept.push(param);
        }
        let mut seen = BTreeSet::new();
        for variable in variables {
            let declared = kept
                .iter()
                .any(|p| p.location == ParamLocation::Path && p.wire_name == variable);
            if declared || !seen.insert(variable.clone()) {
                continue;
            }
            let problem = self.error(
                pointer,
                DiagnosticKind::Invalid {
                    what: format!(
                        "the path template names `{{{variable}}}` but the operation declares no \
                         path parameter {variable:?}"
                    ),
                },
            );
            self.degrade(
                problem,
                Fallback::Assumed {
                    what: format!(
                        "`{variable}` is a required `String` argument of the method (its type \
                         and documentation are unknown)"
                    ),
                },
            );
            kept.push(ParamModel {
                ident: snake_ident(&variable),
                wire_name: variable,
                location: ParamLocation::Path,
                ty: TypeRef::String,
                required: true,
                doc: None,
                resource_type: None,
                send: crate::model::ir::SendAs::Scalar(crate::model::ir::ScalarText::Str),
                explode: false,
                deep_object: false,
                pointer: pointer.to_string(),
            });
        }
        Ok(kept)
    }

    fn path_parts(
        &self,
        template: &str,
        params: &[ParamModel],
        pointer: &str,
    ) -> Result<Vec<PathPart>, Diagnostic> {
        let invalid = |what: String| self.error(pointer, DiagnosticKind::Invalid { what });
        let mut parts = Vec::new();
        let mut used = BTreeSet::new();
        let mut rest = template;
        while let Some((before, after)) = rest.split_once('{') {
            let Some((name, after)) = after.split_once('}') else {
                return Err(invalid(format!(
                    "the path template {template:?} has an unclosed `{{`"
                )));
            };
            if !before.is_empty() {
                parts.push(PathPart::Literal(before.to_string()));
            }
            let Some(index) = params
                .iter()
                .position(|p| p.location == ParamLocation::Path && p.wire_name == name)
            else {
                return Err(invalid(format!(
                    "the path template names `{{{name}}}` but the operation declares no path \
                     parameter {name:?}"
                )));
            };
            used.insert(index);
            parts.push(PathPart::Param(index));
            rest = after;
        }
        if !rest.is_empty() {
            parts.push(PathPart::Literal(rest.to_string()));
        }
        if let Some((_, unused)) = params
            .iter()
            .enumerate()
            .find(|(i, p)| p.location == ParamLocation::Path && !used.contains(i))
        {
            return Err(invalid(format!(
                "the path parameter {:?} does not appear in the path template {template:?}",
                unused.wire_name
            )));
        }
        Ok(parts)
    }
}

/// The variables of a path template (`/vms/{vm}` -> `vm`), in order; `None` when a `{` is not
/// closed.
fn template_variables(template: &str) -> Option<Vec<String>> {
    let mut variables = Vec::new();
    let mut rest = template;
    while let Some((_, after)) = rest.split_once('{') {
        let (name, after) = after.split_once('}')?;
        variables.push(name.to_string());
        rest = after;
    }
    Some(variables)
}
