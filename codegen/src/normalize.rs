//! The normalized copy of a spec, for tools that cannot route a query string inside a path key
//! (Prism, Redocly, schemathesis). VMware writes `POST /api/vcenter/iso/image?action=mount`
//! as the path key; the copy has the key `/api/vcenter/iso/image` and a required query
//! parameter `action` whose schema is the single-value enum `[mount]`. The generator reads both
//! forms as the same operation; this room only rewrites documents and knows nothing of Rust.
//! The copy is YAML, so that read back it keeps the spec's order.

use std::path::Path;

use openapiv3::{
    OpenAPI, Operation, Parameter, ParameterData, ParameterSchemaOrContent, PathItem, QueryStyle,
    ReferenceOr, Schema, SchemaData, SchemaKind, StringType, Type,
};

use crate::diagnostic::{push_pointer, Diagnostic, DiagnosticKind};
use crate::load::LoadedSpec;

/// A spec without query strings in its path keys.
#[derive(Debug, Clone)]
pub struct NormalizedSpec {
    /// The rewritten document.
    pub document: OpenAPI,
    /// How many path keys had a query string.
    pub keys_rewritten: usize,
    /// How many query pairs became parameters (one per pair and operation).
    pub parameters_added: usize,
}

impl NormalizedSpec {
    /// The document as YAML. YAML, not JSON, because the loader reads a JSON document through
    /// a `serde_json::Value`, which sorts object keys: read back as JSON, the copy would list
    /// operations and properties in another order than the spec.
    pub fn to_yaml(&self) -> Result<String, serde_yaml::Error> {
        serde_yaml::to_string(&self.document)
    }
}

/// Rewrites every path key with a query string (`/a?action=x`) into the key without it and one
/// required single-value enum query parameter per pair, on every operation of that key.
///
/// Fails, with a diagnostic naming both path keys, when two operations would end up with the
/// same method and path: OpenAPI allows one operation there, so such a spec (VMware's full one
/// is an example) has no normalized copy, although the generator reads it.
pub fn normalize(spec: &LoadedSpec) -> Result<NormalizedSpec, Diagnostic> {
    let mut document = spec.document.clone();
    let mut paths = indexmap::IndexMap::with_capacity(document.paths.paths.len());
    // Where each operation of the copy came from, for the conflict messages.
    let mut origins = Origins::default();
    let mut keys_rewritten = 0;
    let mut parameters_added = 0;

    for (key, item) in std::mem::take(&mut document.paths.paths) {
        let item_pointer = push_pointer("/paths", &key);
        let Some((base, query)) = key.split_once('?') else {
            merge(
                spec,
                &mut paths,
                &mut origins,
                key.clone(),
                item,
                &item_pointer,
            )?;
            continue;
        };
        let mut item = match item {
            ReferenceOr::Item(item) => item,
            ReferenceOr::Reference { .. } => {
                return Err(spec.diagnostic(
                    &item_pointer,
                    DiagnosticKind::Unsupported {
                        what: "a `$ref` path item under a path key with a query string".to_string(),
                    },
                ))
            }
        };
        keys_rewritten += 1;
        let pairs = query_pairs(query);
        for (index, (name, _)) in pairs.iter().enumerate() {
            if pairs.iter().take(index).any(|(earlier, _)| earlier == name) {
                return Err(spec.diagnostic(
                    &item_pointer,
                    DiagnosticKind::NotNormalizable {
                        what: format!(
                            "the path key's query names {name:?} twice; one required parameter \
                             cannot take two values"
                        ),
                    },
                ));
            }
        }
        // The generator rejects a query parameter that the key also fixes; so does the copy.
        let clash = |list: &[ReferenceOr<Parameter>], list_pointer: &str| {
            pairs.iter().find_map(|(name, _)| {
                let index = declared_query_parameter(&spec.document, list, name)?;
                Some(spec.diagnostic(
                    push_pointer(list_pointer, &index.to_string()),
                    DiagnosticKind::Invalid {
                        what: format!("the query parameter {name:?} is also fixed in the path key"),
                    },
                ))
            })
        };
        if let Some(err) = clash(&item.parameters, &push_pointer(&item_pointer, "parameters")) {
            return Err(err);
        }
        for (method, operation) in operations_mut(&mut item) {
            let Some(operation) = operation else { continue };
            let list_pointer = push_pointer(&push_pointer(&item_pointer, method), "parameters");
            if let Some(err) = clash(&operation.parameters, &list_pointer) {
                return Err(err);
            }
        }
        push_down_item_parameters(&spec.document, &mut item);
        for (_, operation) in operations_mut(&mut item) {
            let Some(operation) = operation else { continue };
            let constants = pairs
                .iter()
                .map(|(name, value)| ReferenceOr::Item(constant_parameter(name, value, &key)));
            operation.parameters.splice(0..0, constants);
            parameters_added += pairs.len();
        }
        merge(
            spec,
            &mut paths,
            &mut origins,
            base.to_string(),
            ReferenceOr::Item(item),
            &item_pointer,
        )?;
    }
    document.paths.paths = paths;
    Ok(NormalizedSpec {
        document,
        keys_rewritten,
        parameters_added,
    })
}

/// Reads and normalizes the spec at `spec`, then writes the YAML copy to `out` whole (a
/// temporary file beside it, renamed), or leaves `out` untouched on any error.
pub fn normalize_file(spec: &Path, out: &Path) -> Result<NormalizedSpec, crate::Error> {
    let loaded = crate::load::load_file(spec)?;
    let normalized = normalize(&loaded)?;
    let text = normalized.to_yaml().map_err(crate::Error::Serialize)?;
    crate::write::write_whole(out, text.as_bytes())?;
    Ok(normalized)
}

/// `?action=mount&vmw-task=true` as pairs, in order; a name without `=` has the empty value
/// (as the generator sends it).
fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((name, value)) => (name.to_string(), value.to_string()),
            None => (pair.to_string(), String::new()),
        })
        .collect()
}

fn constant_parameter(name: &str, value: &str, key: &str) -> Parameter {
    let schema = Schema {
        schema_data: SchemaData::default(),
        schema_kind: SchemaKind::Type(Type::String(StringType {
            enumeration: vec![Some(value.to_string())],
            ..StringType::default()
        })),
    };
    Parameter::Query {
        parameter_data: ParameterData {
            name: name.to_string(),
            description: Some(format!(
                "Always `{value}`: VMware writes this operation's path as `{key}`."
            )),
            required: true,
            deprecated: None,
            format: ParameterSchemaOrContent::Schema(ReferenceOr::Item(schema)),
            example: None,
            examples: Default::default(),
            explode: None,
            extensions: Default::default(),
        },
        allow_reserved: false,
        style: QueryStyle::Form,
        allow_empty_value: None,
    }
}

/// The index of the query parameter named `name` in `parameters`, if there is one.
fn declared_query_parameter(
    document: &OpenAPI,
    parameters: &[ReferenceOr<Parameter>],
    name: &str,
) -> Option<usize> {
    parameters.iter().position(|parameter| {
        matches!(
            resolve_parameter(document, parameter),
            Some(Parameter::Query { parameter_data, .. }) if parameter_data.name == name
        )
    })
}

fn resolve_parameter<'a>(
    document: &'a OpenAPI,
    parameter: &'a ReferenceOr<Parameter>,
) -> Option<&'a Parameter> {
    match parameter {
        ReferenceOr::Item(parameter) => Some(parameter),
        ReferenceOr::Reference { reference } => {
            let parameters = document.components.as_ref().map(|c| &c.parameters);
            crate::model::refs::resolve(parameters, "parameters", reference)
                .ok()
                .map(|(_, parameter)| parameter)
        }
    }
}

/// Moves the path item's `parameters` and `servers` into each of its operations (an
/// operation's own parameter of the same name and location wins), so that the operations keep
/// them when another key's operations join the same path item.
fn push_down_item_parameters(document: &OpenAPI, item: &mut PathItem) {
    let parameters = std::mem::take(&mut item.parameters);
    let servers = std::mem::take(&mut item.servers);
    for (_, operation) in operations_mut(item) {
        let Some(operation) = operation else { continue };
        if operation.servers.is_empty() {
            operation.servers = servers.clone();
        }
        let inherited: Vec<_> = parameters
            .iter()
            .filter(|parameter| {
                !operation
                    .parameters
                    .iter()
                    .any(|own| same_slot(document, own, parameter))
            })
            .cloned()
            .collect();
        operation.parameters.splice(0..0, inherited);
    }
}

/// Whether two parameters have the same name and location (an operation's parameter then
/// overrides the path item's), with `$ref`s resolved as the generator resolves them. One that
/// cannot be resolved is compared as written; the generator reports it.
fn same_slot(document: &OpenAPI, a: &ReferenceOr<Parameter>, b: &ReferenceOr<Parameter>) -> bool {
    match (
        resolve_parameter(document, a),
        resolve_parameter(document, b),
    ) {
        (Some(a), Some(b)) => {
            std::mem::discriminant(a) == std::mem::discriminant(b)
                && a.parameter_data_ref().name == b.parameter_data_ref().name
        }
        _ => a == b,
    }
}

/// Where each operation of the copy came from, and which path text each path shape has.
#[derive(Default)]
struct Origins {
    /// (path, method) -> the pointer of the path item it came from.
    operations: std::collections::HashMap<(String, &'static str), String>,
    /// The path with every `{name}` emptied -> the first path of that shape and its pointer.
    shapes: std::collections::HashMap<String, (String, String)>,
}

/// `/vm/{vm}/cdrom/{cdrom}` -> `/vm/{}/cdrom/{}`: OpenAPI takes two paths that differ only in
/// the names of their parameters for one.
fn path_shape(path: &str) -> String {
    let mut shape = String::with_capacity(path.len());
    let mut in_braces = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_braces = true;
                shape.push(c);
            }
            '}' => {
                in_braces = false;
                shape.push(c);
            }
            _ if in_braces => {}
            c => shape.push(c),
        }
    }
    shape
}

/// Puts `item` under `path`, joining the operations of an item already there.
fn merge(
    spec: &LoadedSpec,
    paths: &mut indexmap::IndexMap<String, ReferenceOr<PathItem>>,
    origins: &mut Origins,
    path: String,
    item: ReferenceOr<PathItem>,
    item_pointer: &str,
) -> Result<(), Diagnostic> {
    let Some(existing) = paths.get_mut(&path) else {
        let shape = path_shape(&path);
        if let Some((other, other_pointer)) = origins.shapes.get(&shape) {
            return Err(spec.diagnostic(
                item_pointer,
                DiagnosticKind::NotNormalizable {
                    what: format!(
                        "`{path}` and `{other}` (at {other_pointer}) differ only in the names of \
                         their path parameters, so OpenAPI takes them for one path"
                    ),
                },
            ));
        }
        origins
            .shapes
            .insert(shape, (path.clone(), item_pointer.to_string()));
        if let ReferenceOr::Item(item) = &item {
            for (method, _) in item.iter() {
                origins.operations.insert(
                    (path.clone(), method_name(method)),
                    item_pointer.to_string(),
                );
            }
        }
        paths.insert(path, item);
        return Ok(());
    };
    let (ReferenceOr::Item(existing), ReferenceOr::Item(mut item)) = (existing, item) else {
        return Err(spec.diagnostic(
            item_pointer,
            DiagnosticKind::Unsupported {
                what: format!("a `$ref` path item for {path:?}, which another path key shares"),
            },
        ));
    };
    push_down_item_parameters(&spec.document, existing);
    push_down_item_parameters(&spec.document, &mut item);
    if existing.summary.is_none() {
        existing.summary = item.summary.take();
    }
    if existing.description.is_none() {
        existing.description = item.description.take();
    }
    for (key, value) in std::mem::take(&mut item.extensions) {
        existing.extensions.entry(key).or_insert(value);
    }
    let joining: Vec<(&'static str, Option<Operation>)> = operations_mut(&mut item)
        .into_iter()
        .map(|(method, operation)| (method, operation.take()))
        .collect();
    for ((method, slot), (_, operation)) in operations_mut(existing).into_iter().zip(joining) {
        let Some(operation) = operation else { continue };
        let here = push_pointer(item_pointer, method);
        if slot.is_some() {
            let first = origins
                .operations
                .get(&(path.clone(), method))
                .map(|pointer| push_pointer(pointer, method))
                .unwrap_or_default();
            return Err(spec.diagnostic(
                &here,
                DiagnosticKind::NotNormalizable {
                    what: format!(
                        "`{} {path}` would hold two operations, this one and the one at {first}",
                        method.to_uppercase()
                    ),
                },
            ));
        }
        origins
            .operations
            .insert((path.clone(), method), item_pointer.to_string());
        *slot = Some(operation);
    }
    Ok(())
}

/// The eight operation slots of a path item, in the order OpenAPI lists them.
fn operations_mut(item: &mut PathItem) -> [(&'static str, &mut Option<Operation>); 8] {
    [
        ("get", &mut item.get),
        ("put", &mut item.put),
        ("post", &mut item.post),
        ("delete", &mut item.delete),
        ("options", &mut item.options),
        ("head", &mut item.head),
        ("patch", &mut item.patch),
        ("trace", &mut item.trace),
    ]
}

fn method_name(method: &str) -> &'static str {
    match method {
        "get" => "get",
        "put" => "put",
        "post" => "post",
        "delete" => "delete",
        "options" => "options",
        "head" => "head",
        "patch" => "patch",
        _ => "trace",
    }
}
