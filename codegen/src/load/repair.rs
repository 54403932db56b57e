//! A document `openapiv3` cannot read whole, read anyway: the node that breaks its structure
//! is found (the reader's own error often names only an ancestor, since `ReferenceOr` and
//! flattened maps hide where inside them it failed) and replaced by the nearest neutral value,
//! with a warning at its own pointer. A schema becomes any value, a parameter is not sent, a
//! response is read without a body, an operation or path item is left out. What has no
//! neutral value (the document's `info`, its security schemes, ...) still refuses the
//! document. This is the same local degradation the model applies to nodes it cannot type,
//! one step earlier.

use openapiv3::{Operation, Parameter, PathItem, ReferenceOr, RequestBody, Response, Schema};
use serde::de::DeserializeOwned;
use serde_yaml::{Mapping as Map, Value};

use super::upgrade::{self, Note};
use crate::diagnostic::{pointer_tokens, push_pointer, DiagnosticKind, Fallback};

/// How many nodes one document may lose before it is refused after all.
const MAX_REPAIRS: usize = 200;

/// What a node of the document is, for reading it alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Paths,
    PathItem,
    Operation,
    Parameter,
    RequestBody,
    Response,
    Schema,
    Components,
    /// A map of named nodes of one kind (`components/schemas`, an operation's `responses`, a
    /// `content`, `properties`, ...).
    MapOf(Inner),
    /// A list of nodes of one kind (`parameters`, `allOf`, ...).
    ListOf(Inner),
    /// A media type (`content/<media>`): its `schema`.
    MediaType,
}

/// The kind of the members of a map or list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Inner {
    Parameter,
    Response,
    RequestBody,
    Schema,
    MediaType,
}

impl Inner {
    fn kind(self) -> Kind {
        match self {
            Inner::Parameter => Kind::Parameter,
            Inner::Response => Kind::Response,
            Inner::RequestBody => Kind::RequestBody,
            Inner::Schema => Kind::Schema,
            Inner::MediaType => Kind::MediaType,
        }
    }
}

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// The kind of the child `key` of a node of kind `kind`, when it is one this module reads.
fn child_kind(kind: Kind, key: &str) -> Option<Kind> {
    Some(match (kind, key) {
        (Kind::Paths, _) if key.starts_with('/') => Kind::PathItem,
        (Kind::PathItem, method) if METHODS.contains(&method) => Kind::Operation,
        (Kind::PathItem | Kind::Operation, "parameters") => Kind::ListOf(Inner::Parameter),
        (Kind::Operation, "requestBody") => Kind::RequestBody,
        (Kind::Operation, "responses") => Kind::MapOf(Inner::Response),
        (Kind::Parameter, "schema") | (Kind::MediaType, "schema") => Kind::Schema,
        (Kind::Parameter | Kind::RequestBody | Kind::Response, "content") => {
            Kind::MapOf(Inner::MediaType)
        }
        (Kind::Components, "schemas") => Kind::MapOf(Inner::Schema),
        (Kind::Components, "parameters") => Kind::MapOf(Inner::Parameter),
        (Kind::Components, "responses") => Kind::MapOf(Inner::Response),
        (Kind::Components, "requestBodies") => Kind::MapOf(Inner::RequestBody),
        (Kind::Schema, "properties") => Kind::MapOf(Inner::Schema),
        (Kind::Schema, "items" | "not" | "additionalProperties") => Kind::Schema,
        (Kind::Schema, "allOf" | "anyOf" | "oneOf") => Kind::ListOf(Inner::Schema),
        (Kind::MapOf(inner), _) | (Kind::ListOf(inner), _) => inner.kind(),
        _ => return None,
    })
}

/// The kind of the node at `tokens`, from the root.
fn kind_at(tokens: &[String]) -> Option<Kind> {
    let (first, rest) = tokens.split_first()?;
    let mut kind = match first.as_str() {
        "paths" => Kind::Paths,
        "components" => Kind::Components,
        _ => return None,
    };
    for token in rest {
        kind = child_kind(kind, token)?;
    }
    Some(kind)
}

/// Whether `node` reads as a node of `kind` (`None`: it does; `Some`: what is wrong).
fn fails(kind: Kind, node: &Value) -> Option<String> {
    fn check<T: DeserializeOwned>(node: &Value) -> Option<String> {
        serde_path_to_error::deserialize::<_, T>(node)
            .err()
            .map(|err| err.inner().to_string())
    }
    match kind {
        Kind::PathItem => check::<ReferenceOr<PathItem>>(node),
        Kind::Operation => check::<Operation>(node),
        Kind::Parameter => check::<ReferenceOr<Parameter>>(node),
        Kind::RequestBody => check::<ReferenceOr<RequestBody>>(node),
        Kind::Response => check::<ReferenceOr<Response>>(node),
        Kind::Schema => check::<ReferenceOr<Schema>>(node),
        Kind::MediaType => check::<openapiv3::MediaType>(node),
        Kind::Components => check::<openapiv3::Components>(node),
        Kind::Paths => check::<openapiv3::Paths>(node),
        Kind::MapOf(inner) => match node.as_mapping() {
            Some(map) => map.values().find_map(|v| fails(inner.kind(), v)),
            None => Some("expected a map".to_string()),
        },
        Kind::ListOf(inner) => match node.as_sequence() {
            Some(list) => list.iter().find_map(|v| fails(inner.kind(), v)),
            None => Some("expected a list".to_string()),
        },
    }
}

/// A mapping key or list index as a pointer token.
fn token(key: &Value) -> Option<String> {
    match key {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The node at `tokens`.
fn at<'v>(tree: &'v Value, tokens: &[String]) -> Option<&'v Value> {
    tokens.iter().try_fold(tree, |node, t| match node {
        Value::Mapping(map) => map
            .iter()
            .find(|(k, _)| token(k).as_deref() == Some(t))
            .map(|(_, v)| v),
        Value::Sequence(list) => list.get(t.parse::<usize>().ok()?),
        _ => None,
    })
}

fn at_mut<'v>(tree: &'v mut Value, tokens: &[String]) -> Option<&'v mut Value> {
    let mut node = tree;
    for t in tokens {
        node = match node {
            Value::Mapping(map) => map
                .iter_mut()
                .find(|(k, _)| token(k).as_deref() == Some(t))
                .map(|(_, v)| v)?,
            Value::Sequence(list) => list.get_mut(t.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(node)
}

/// The deepest node at or below `tokens` that does not read, and what is wrong with it: a
/// child that fails alone is looked into, else the node itself is the one.
fn localize(tree: &Value, mut tokens: Vec<String>) -> Option<(Vec<String>, Kind, String)> {
    if tokens.is_empty() {
        // The reader lost the place: look in both parts that hold operations.
        return ["paths", "components"]
            .into_iter()
            .find_map(|part| localize(tree, vec![part.to_string()]));
    }
    // A place inside a node this module does not read alone: its nearest ancestor that it does.
    while kind_at(&tokens).is_none() && tokens.len() > 1 {
        tokens.pop();
    }
    let mut kind = kind_at(&tokens)?;
    let mut problem = fails(kind, at(tree, &tokens)?)?;
    'down: loop {
        let node = at(tree, &tokens)?;
        // A map or list of the wrong shape is itself the node that breaks the document.
        let children: Vec<String> = match (node, kind) {
            (Value::Sequence(_), Kind::MapOf(_)) | (Value::Mapping(_), Kind::ListOf(_)) => {
                Vec::new()
            }
            (Value::Mapping(map), _) => map.keys().filter_map(token).collect(),
            (Value::Sequence(list), _) => (0..list.len()).map(|i| i.to_string()).collect(),
            _ => Vec::new(),
        };
        for child in children {
            let Some(child_kind) = child_kind(kind, &child) else {
                continue;
            };
            let mut here = tokens.clone();
            here.push(child);
            let Some(found) = at(tree, &here).and_then(|n| fails(child_kind, n)) else {
                continue;
            };
            tokens = here;
            kind = child_kind;
            problem = found;
            continue 'down;
        }
        return Some((tokens, kind, problem));
    }
}

/// Reads `tree` as a 3.0 document, replacing each node that breaks it (see the module docs);
/// each replacement is a note in `upgrade`, at the text's pointer. `Err` with the reader's
/// error when a node that breaks it has no neutral value.
pub fn read<E>(
    tree: &mut Value,
    upgrade: &mut upgrade::Upgrade,
    mut strict: impl FnMut(&Value) -> Result<openapiv3::OpenAPI, E>,
    error_pointer: impl Fn(&E) -> String,
) -> Result<openapiv3::OpenAPI, E> {
    let mut repairs = 0;
    loop {
        let err = match strict(tree) {
            Ok(document) => return Ok(document),
            Err(err) => err,
        };
        if repairs == MAX_REPAIRS {
            return Err(err);
        }
        let Some((tokens, kind, problem)) = localize(tree, pointer_tokens(&error_pointer(&err)))
        else {
            return Err(err);
        };
        // The node itself, else the nearest ancestor that has a neutral value (a list of
        // responses that is not a map costs its operation).
        let mut tokens = tokens;
        let mut kind = kind;
        let mut problem = problem;
        while !replace(tree, &tokens, kind, &problem, upgrade) {
            let Some(child) = tokens.pop() else {
                return Err(err);
            };
            problem = format!(
                "its `{child}` is not a valid {}: {problem}",
                kind_name(kind)
            );
            match kind_at(&tokens) {
                Some(parent) if !tokens.is_empty() => kind = parent,
                _ => return Err(err),
            }
        }
        repairs += 1;
    }
}

/// Replaces the node at `tokens` (of kind `kind`) by its neutral value, with a note; `false`
/// when it has none.
fn replace(
    tree: &mut Value,
    tokens: &[String],
    kind: Kind,
    problem: &str,
    upgrade: &mut upgrade::Upgrade,
) -> bool {
    let pointer = tokens
        .iter()
        .fold(String::new(), |p, t| push_pointer(&p, t));
    let text_pointer = upgrade::in_text(&upgrade.moved, &pointer);
    let what = format!("this node is not a valid {}: {problem}", kind_name(kind));
    let (parent_tokens, last) = match tokens.split_last() {
        Some((last, parent)) => (parent.to_vec(), last.clone()),
        None => return false,
    };
    // A parameter that says neither `schema` nor `content` (utoipa writes them so): any value,
    // written as its text.
    if kind == Kind::Parameter {
        if let Some(Value::Mapping(parameter)) = at_mut(tree, tokens) {
            let described = ["schema", "content"]
                .iter()
                .any(|k| parameter.contains_key(Value::String(k.to_string())));
            let named = ["name", "in"].iter().all(|k| {
                parameter
                    .get(Value::String(k.to_string()))
                    .is_some_and(Value::is_string)
            });
            if !described && named {
                parameter.insert(Value::String("schema".into()), Value::Mapping(Map::new()));
                upgrade.notes.push(Note {
                    pointer: text_pointer,
                    kind: DiagnosticKind::Invalid {
                        what: "the parameter has neither `schema` nor `content`".into(),
                    },
                    lost: Fallback::Assumed {
                        what: "it is read as a parameter of any value, written as text".into(),
                    },
                });
                return true;
            }
        }
    }
    // A parameter the call cannot go without (required, or in the path) takes its operation
    // (or, given for a whole path, its path item) with it, as the model does.
    let needed = |node: Option<&Value>| {
        node.is_some_and(|p| {
            p.get("required").and_then(Value::as_bool) == Some(true)
                || p.get("in").and_then(Value::as_str) == Some("path")
        })
    };
    if kind == Kind::Parameter
        && needed(at(tree, tokens))
        && parent_tokens.len() >= 3
        && matches!(
            kind_at(&parent_tokens[..parent_tokens.len() - 1]),
            Some(Kind::Operation | Kind::PathItem)
        )
    {
        let owner = parent_tokens[..parent_tokens.len() - 1].to_vec();
        let owner_kind = kind_at(&owner).unwrap_or(Kind::Operation);
        let Some((kept, note)) = remove_operation(tree, &owner, owner_kind) else {
            return false;
        };
        upgrade.notes.push(Note {
            pointer: text_pointer,
            kind: DiagnosticKind::Invalid {
                what: format!("{what}; the call cannot be made without it"),
            },
            lost: note,
        });
        return kept;
    }
    let lost = match kind {
        Kind::Schema => {
            let Some(node) = at_mut(tree, tokens) else {
                return false;
            };
            *node = Value::Mapping(Map::new());
            Fallback::Untyped
        }
        Kind::Response => {
            let Some(node) = at_mut(tree, tokens) else {
                return false;
            };
            let mut neutral = Map::new();
            neutral.insert(
                Value::String("description".into()),
                Value::String(String::new()),
            );
            *node = Value::Mapping(neutral);
            Fallback::Assumed {
                what: "the response is read as one without a body".into(),
            }
        }
        Kind::Parameter => {
            let name = at(tree, tokens)
                .and_then(|p| p.get("name"))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let Some(parent) = at_mut(tree, &parent_tokens) else {
                return false;
            };
            match parent {
                Value::Sequence(list) => {
                    let Some(index) = last.parse::<usize>().ok().filter(|i| *i < list.len()) else {
                        return false;
                    };
                    list.remove(index);
                    // The later parameters moved up by one.
                    let list_pointer = parent_tokens
                        .iter()
                        .fold(String::new(), |p, t| push_pointer(&p, t));
                    for later in index..list.len() {
                        let from = upgrade::in_text(
                            &upgrade.moved,
                            &push_pointer(&list_pointer, &(later + 1).to_string()),
                        );
                        upgrade
                            .moved
                            .push((push_pointer(&list_pointer, &later.to_string()), from));
                    }
                }
                Value::Mapping(map) => {
                    map.retain(|k, _| token(k).as_deref() != Some(last.as_str()));
                }
                _ => return false,
            }
            Fallback::ParameterNotSent { name }
        }
        // The body is not read or sent in this media type; the others still are.
        Kind::MediaType => {
            let Some(Value::Mapping(content)) = at_mut(tree, &parent_tokens) else {
                return false;
            };
            content.retain(|k, _| token(k).as_deref() != Some(last.as_str()));
            Fallback::Assumed {
                what: format!("the body is neither read nor sent as {last:?}"),
            }
        }
        // An operation without its body would send something else: the operation goes.
        Kind::RequestBody => {
            let owner = &tokens[..tokens.len() - 1];
            if kind_at(owner) != Some(Kind::Operation) {
                // A shared request body under `components`: left as it is (refused).
                return false;
            }
            match remove_operation(tree, owner, Kind::Operation) {
                Some((true, lost)) => lost,
                _ => return false,
            }
        }
        Kind::Operation | Kind::PathItem => match remove_operation(tree, tokens, kind) {
            Some((true, lost)) => lost,
            _ => return false,
        },
        _ => return false,
    };
    upgrade.notes.push(Note {
        pointer: text_pointer,
        kind: DiagnosticKind::Invalid { what },
        lost,
    });
    true
}

/// Takes the operation (or path item) at `tokens` out of the document; whether it was there,
/// and what the client loses.
fn remove_operation(tree: &mut Value, tokens: &[String], kind: Kind) -> Option<(bool, Fallback)> {
    let path = tokens.get(1).cloned().unwrap_or_default();
    let (last, parent) = tokens.split_last()?;
    let Some(Value::Mapping(map)) = at_mut(tree, parent) else {
        return None;
    };
    let selector = map
        .iter()
        .find(|(k, _)| token(k).as_deref() == Some(last.as_str()))
        .and_then(|(_, operation)| operation.get("operationId"))
        .and_then(Value::as_str)
        .map_or_else(|| format!("path:{path}"), |id| format!("op:{id}"));
    let before = map.len();
    map.retain(|k, _| token(k).as_deref() != Some(last.as_str()));
    let removed = map.len() < before;
    let lost = if kind == Kind::PathItem {
        Fallback::Assumed {
            what: format!(
                "the operations of the path {path:?} are left out of the client (path:{path})"
            ),
        }
    } else {
        Fallback::OperationLeftOut {
            method: last.clone(),
            path,
            selector,
        }
    };
    Some((removed, lost))
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Schema => "schema",
        Kind::Parameter => "parameter",
        Kind::Response => "response",
        Kind::RequestBody => "request body",
        Kind::Operation => "operation",
        Kind::PathItem => "path item",
        Kind::MediaType => "media type",
        Kind::Paths => "`paths` object",
        Kind::Components => "`components` object",
        Kind::MapOf(_) => "map",
        Kind::ListOf(_) => "list",
    }
}
