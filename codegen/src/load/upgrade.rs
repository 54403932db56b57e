//! OpenAPI 3.1 and 3.2 through the one pipeline: the document's tree (a YAML tree, whose
//! mappings keep their order; a JSON document is converted to one) is translated, in place,
//! into the OpenAPI 3.0 tree that means the same to a client, before `openapiv3` reads it. Each rule is a reading of the JSON Schema 2020-12 (or OpenAPI 3.1/3.2) construct that
//! keeps what a client can use; what cannot be kept is a warning at the node's own pointer,
//! never a silent loss. Nodes that move (a `$defs` entry lifted into `components/schemas`, a
//! path item inlined where it is referenced, the members a `type` list or a `$ref` beside
//! other keywords becomes) are recorded, so that every later diagnostic about them names the
//! line and pointer of the text.
//!
//! 3.0 documents never come here: their output does not depend on this module.

use serde_yaml::{Mapping as Map, Value};

use crate::diagnostic::{pointer_tokens, push_pointer, DiagnosticKind, Fallback};

/// A key or string value.
fn text(s: &str) -> Value {
    Value::String(s.to_string())
}

/// A mapping key as a pointer token (YAML keys may be numbers: `200:`).
fn key_token(key: &Value) -> Option<String> {
    match key {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The child of a mapping or sequence named by one pointer token.
fn child_of<'v>(node: &'v Value, token: &str) -> Option<&'v Value> {
    match node {
        Value::Mapping(map) => map
            .iter()
            .find(|(k, _)| key_token(k).as_deref() == Some(token))
            .map(|(_, v)| v),
        Value::Sequence(list) => list.get(token.parse::<usize>().ok()?),
        _ => None,
    }
}

fn child_of_mut<'v>(node: &'v mut Value, token: &str) -> Option<&'v mut Value> {
    match node {
        Value::Mapping(map) => map
            .iter_mut()
            .find(|(k, _)| key_token(k).as_deref() == Some(token))
            .map(|(_, v)| v),
        Value::Sequence(list) => list.get_mut(token.parse::<usize>().ok()?),
        _ => None,
    }
}

/// The node at a JSON pointer.
fn at<'v>(tree: &'v Value, pointer: &str) -> Option<&'v Value> {
    pointer_tokens(pointer)
        .iter()
        .try_fold(tree, |node, token| child_of(node, token))
}

fn at_mut<'v>(tree: &'v mut Value, pointer: &str) -> Option<&'v mut Value> {
    let mut node = tree;
    for token in pointer_tokens(pointer) {
        node = child_of_mut(node, &token)?;
    }
    Some(node)
}

/// A warning found while translating, raised once the spec can locate it.
#[derive(Debug, Clone)]
pub struct Note {
    /// The node, in the text's pointers.
    pub pointer: String,
    /// What is wrong or was not used.
    pub kind: DiagnosticKind,
    /// What the client loses.
    pub lost: Fallback,
}

/// What translating found and did.
#[derive(Debug, Default)]
pub struct Upgrade {
    /// The warnings, in the order found.
    pub notes: Vec<Note>,
    /// `(pointer in the translated tree, pointer in the text)` for every node that moved: a
    /// pointer below the first is below the second in the text.
    pub moved: Vec<(String, String)>,
}

impl Upgrade {
    fn note(&mut self, pointer: &str, what: String, lost: Fallback) {
        self.notes.push(Note {
            pointer: self.in_text(pointer),
            kind: DiagnosticKind::Unsupported { what },
            lost,
        });
    }

    fn moved(&mut self, to: String, from: String) {
        if to != from {
            self.moved.push((to, from));
        }
    }

    /// `pointer` (of the translated tree) as the text has it.
    fn in_text(&self, pointer: &str) -> String {
        in_text(&self.moved, pointer)
    }
}

/// `pointer` of a translated tree as the text has it, following the latest move first.
pub fn in_text(moved: &[(String, String)], pointer: &str) -> String {
    let mut current = pointer.to_string();
    for (to, from) in moved.iter().rev() {
        if let Some(rest) = current.strip_prefix(to.as_str()) {
            if rest.is_empty() || rest.starts_with('/') {
                current = format!("{from}{rest}");
            }
        }
    }
    current
}

/// The dialect 3.1 and 3.2 documents use unless they say otherwise.
const OAS_DIALECTS: &[&str] = &[
    "https://spec.openapis.org/oas/3.1/dialect/base",
    "https://spec.openapis.org/oas/3.1/dialect/2024-11-10",
    "https://spec.openapis.org/oas/3.2/dialect/base",
    "https://spec.openapis.org/oas/3.2/dialect/2025-09-17",
];

/// The HTTP methods OpenAPI 3.0 path items have.
const METHODS_30: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Keywords of JSON Schema 2020-12 that only constrain or annotate values, never their shape,
/// so a client's types do not use them (README, "OpenAPI 3.1 and 3.2").
const CONSTRAINTS_ONLY: &[&str] = &[
    "$schema",
    "$id",
    "$anchor",
    "$dynamicAnchor",
    "$comment",
    "$vocabulary",
    "propertyNames",
    "dependentRequired",
    "dependentSchemas",
    "unevaluatedProperties",
    "unevaluatedItems",
    "contains",
    "minContains",
    "maxContains",
    "contentSchema",
];

/// Translates a 3.1 or 3.2 document's tree into the 3.0 tree `openapiv3` reads.
pub fn upgrade(tree: &mut Value) -> Upgrade {
    let mut upgrade = Upgrade::default();
    let Some(root) = tree.as_mapping_mut() else {
        return upgrade;
    };
    root.insert(text("openapi"), text("3.0.3"));
    if let Some(dialect) = root.shift_remove("jsonSchemaDialect") {
        if !dialect.as_str().is_some_and(|d| OAS_DIALECTS.contains(&d)) {
            let shown = dialect
                .as_str()
                .map_or_else(|| "(not a string)".into(), |d| format!("{d:?}"));
            upgrade.note(
                "/jsonSchemaDialect",
                format!("the JSON Schema dialect {shown}"),
                Fallback::Assumed {
                    what: "schemas are read as OpenAPI's own dialect (JSON Schema 2020-12 with \
                           OpenAPI's vocabulary)"
                        .into(),
                },
            );
        }
    }
    // A document's own URI, and webhooks (requests the API sends, not ones a client makes):
    // neither has a client method (README).
    root.shift_remove("$self");
    root.shift_remove("webhooks");
    if !root.get("paths").is_some_and(Value::is_mapping) {
        root.insert(text("paths"), Value::Mapping(Map::new()));
    }
    inline_path_items(tree, &mut upgrade);
    // Read where they are used, and only there.
    if let Some(components) = tree.get_mut("components").and_then(Value::as_mapping_mut) {
        components.shift_remove("pathItems");
    }
    mutual_tls(tree, &mut upgrade);
    tags(tree);
    let mut lifted = Vec::new();
    walk_document(tree, "", &mut upgrade, &mut lifted);
    lift_defs(tree, lifted, &mut upgrade);
    // A path item used twice is translated twice: one warning for its node.
    let mut seen = std::collections::BTreeSet::new();
    upgrade
        .notes
        .retain(|note| seen.insert((note.pointer.clone(), note.kind.to_string())));
    upgrade
}

/// An OpenAPI 3.0 document's path items written as a `$ref` (3.0 allows them too): inlined
/// as in 3.1 and 3.2, by the same function; nothing else is translated. A document without
/// one is left as it is.
pub fn path_item_refs(tree: &mut Value) -> Upgrade {
    let mut upgrade = Upgrade::default();
    inline_path_items(tree, &mut upgrade);
    upgrade
}

/// Whether a JSON document has a path item written as a `$ref`.
pub fn has_path_item_refs(tree: &serde_json::Value) -> bool {
    tree.get("paths")
        .and_then(serde_json::Value::as_object)
        .is_some_and(|paths| paths.values().any(|item| item.get("$ref").is_some()))
}

/// Every path item written as a `$ref` to another node of the document (3.1's
/// `components/pathItems`, or another path) is replaced by a copy of it; fields beside the
/// `$ref` override the target's.
///
/// Targets are read from the document as written, and only a path item's own place (`/paths/X`
/// or `/components/pathItems/X`) is one: a copy never holds another copy, so a document cannot
/// make the tree grow beyond one path item per path.
fn inline_path_items(tree: &mut Value, upgrade: &mut Upgrade) {
    let keys: Vec<String> = match tree.get("paths").and_then(Value::as_mapping) {
        Some(paths) => paths
            .iter()
            .filter(|(_, item)| item.get("$ref").is_some())
            .filter_map(|(key, _)| key_token(key))
            .collect(),
        None => return,
    };
    if keys.is_empty() {
        return;
    }
    let written = tree.clone();
    for key in keys {
        let pointer = push_pointer("/paths", &key);
        let Some(reference) = at(tree, &pointer)
            .and_then(|item| item.get("$ref"))
            .and_then(Value::as_str)
            .map(str::to_string)
        else {
            continue;
        };
        // A reference that cannot be followed is left as it is: lowering says why.
        let Some((target, Value::Mapping(mut item))) = follow(&written, &reference) else {
            continue;
        };
        let place = pointer_tokens(&target);
        let a_path_item = matches!(place.as_slice(), [paths, _] if paths == "paths")
            || matches!(place.as_slice(), [c, p, _] if c == "components" && p == "pathItems");
        if !a_path_item {
            continue;
        }
        if let Some(Value::Mapping(here)) = at(tree, &pointer) {
            for (field, value) in here {
                if field.as_str() != Some("$ref") {
                    item.insert(field.clone(), value.clone());
                }
            }
        }
        if let Some(slot) = at_mut(tree, &pointer) {
            *slot = Value::Mapping(item);
        }
        for field in METHODS_30
            .iter()
            .chain(&["query", "additionalOperations", "parameters"])
        {
            upgrade.moved(push_pointer(&pointer, field), push_pointer(&target, field));
        }
    }
}

/// The node a local `$ref` names, following further references (at most 32), with its
/// pointer; `None` when it names another document or nothing.
fn follow(tree: &Value, reference: &str) -> Option<(String, Value)> {
    let mut reference = reference.to_string();
    for _ in 0..32 {
        let pointer = crate::model::refs::local_pointer(&reference).ok()?;
        let node = at(tree, &pointer)?;
        match node.get("$ref").and_then(Value::as_str) {
            Some(next) => reference = next.to_string(),
            None => return Some((pointer, node.clone())),
        }
    }
    None
}

/// 3.1's `mutualTLS` security scheme: the client proves who it is in the TLS handshake, set up
/// on the HTTP client it is given (`ClientBuilder::http_client`), not on each request; the
/// scheme is removed, and the requirements that name it ask nothing of the request.
fn mutual_tls(tree: &mut Value, upgrade: &mut Upgrade) {
    let Some(schemes) = at_mut(tree, "/components/securitySchemes").and_then(Value::as_mapping_mut)
    else {
        return;
    };
    let names: Vec<String> = schemes
        .iter()
        .filter(|(_, scheme)| scheme.get("type").and_then(Value::as_str) == Some("mutualTLS"))
        .filter_map(|(name, _)| key_token(name))
        .collect();
    for name in &names {
        schemes.shift_remove(name.as_str());
        upgrade.note(
            &push_pointer("/components/securitySchemes", name),
            "a `mutualTLS` security scheme".into(),
            Fallback::Assumed {
                what: "requests carry nothing for it: the client certificate is configured on \
                       the reqwest client given to `ClientBuilder::http_client`"
                    .into(),
            },
        );
    }
    if names.is_empty() {
        return;
    }
    let strip = |requirements: &mut Value| {
        if let Some(list) = requirements.as_sequence_mut() {
            for requirement in list {
                if let Some(map) = requirement.as_mapping_mut() {
                    for name in &names {
                        map.shift_remove(name.as_str());
                    }
                }
            }
        }
    };
    if let Some(security) = tree.get_mut("security") {
        strip(security);
    }
    if let Some(paths) = tree.get_mut("paths").and_then(Value::as_mapping_mut) {
        for item in paths.values_mut() {
            if let Some(item) = item.as_mapping_mut() {
                for operation in item.values_mut() {
                    if let Some(security) = operation.get_mut("security") {
                        strip(security);
                    }
                }
            }
        }
    }
}

/// Walks the document outside schemas: path items and their operations, parameters, media
/// types and components, handing each schema it meets to [`schema`].
fn walk_document(
    node: &mut Value,
    pointer: &str,
    upgrade: &mut Upgrade,
    lifted: &mut Vec<(String, Value)>,
) {
    let map = match node {
        Value::Mapping(map) => map,
        Value::Sequence(list) => {
            for (index, item) in list.iter_mut().enumerate() {
                walk_document(
                    item,
                    &push_pointer(pointer, &index.to_string()),
                    upgrade,
                    lifted,
                );
            }
            return;
        }
        _ => return,
    };
    let tokens = pointer_tokens(pointer);
    let path_item_here = matches!(tokens.as_slice(), [paths, _] if paths == "paths")
        || (tokens.len() >= 3 && tokens[tokens.len() - 3] == "callbacks");
    if path_item_here {
        path_item(map, pointer, upgrade, lifted);
    }
    if let Some(Value::Sequence(parameters)) = map.get_mut("parameters") {
        let list_pointer = push_pointer(pointer, "parameters");
        let mut kept = 0;
        let mut original = 0;
        parameters.retain_mut(|parameter| {
            let here = push_pointer(&list_pointer, &original.to_string());
            original += 1;
            if let Some(media) = form_querystring(parameter) {
                let kept_pointer = push_pointer(&list_pointer, &kept.to_string());
                upgrade.moved(kept_pointer.clone(), here.clone());
                let content = push_pointer(&push_pointer(&here, "content"), &media);
                upgrade.moved(
                    push_pointer(&kept_pointer, "schema"),
                    push_pointer(&content, "schema"),
                );
                kept += 1;
                return true;
            }
            if parameter.get("in").and_then(Value::as_str) != Some("querystring") {
                upgrade.moved(push_pointer(&list_pointer, &kept.to_string()), here);
                kept += 1;
                return true;
            }
            let name = parameter.get("name").and_then(Value::as_str).unwrap_or("");
            upgrade.note(
                &here,
                "a parameter `in: querystring` (the whole query string as one value)".into(),
                Fallback::ParameterNotSent {
                    name: name.to_string(),
                },
            );
            false
        });
    }
    if tokens.len() >= 2 && tokens[tokens.len() - 2] == "content" {
        item_schema(map, pointer, upgrade);
    }
    for (key, value) in map.iter_mut() {
        let Some(key) = key_token(key) else { continue };
        let here = push_pointer(pointer, &key);
        if key.starts_with("x-") || key == "example" || key == "examples" {
            continue;
        }
        if key == "schema" || key == "itemSchema" {
            schema(value, &here, upgrade, lifted);
        } else if key == "schemas" && pointer == "/components" {
            if let Some(schemas) = value.as_mapping_mut() {
                for (name, member) in schemas.iter_mut() {
                    if let Some(name) = key_token(name) {
                        schema(member, &push_pointer(&here, &name), upgrade, lifted);
                    }
                }
            }
        } else {
            walk_document(value, &here, upgrade, lifted);
        }
    }
}

/// 3.2's `itemSchema` of a media type (the schema of each item of a sequential media type:
/// an event, a JSON line) becomes the `schema` of a list of those items, which is how the
/// model reads a streamed body (a list's items are the stream's items). For server-sent
/// events, an event's `data` given as text with a `contentSchema` (the JSON the text holds)
/// is that schema: the client decodes each event's data as JSON.
fn item_schema(map: &mut Map, pointer: &str, upgrade: &mut Upgrade) {
    let Some(mut item) = map.shift_remove("itemSchema") else {
        return;
    };
    let from = push_pointer(pointer, "itemSchema");
    let data = ["properties", "data"];
    if let Some(Value::Mapping(data_schema)) = data
        .iter()
        .try_fold(&mut item, |node, token| child_of_mut(node, token))
    {
        if let Some(content) = data_schema.shift_remove("contentSchema") {
            let data_pointer = data
                .iter()
                .fold(from.clone(), |p, token| push_pointer(&p, token));
            if let Some(slot) = data
                .iter()
                .try_fold(&mut item, |node, token| child_of_mut(node, token))
            {
                *slot = content;
            }
            upgrade.moved(
                data_pointer.clone(),
                push_pointer(&data_pointer, "contentSchema"),
            );
        }
    }
    let mut list = Map::new();
    list.insert(text("type"), text("array"));
    list.insert(text("items"), item);
    // `schema` describes the whole stream; the items say more.
    map.insert(text("schema"), Value::Mapping(list));
    let schema = push_pointer(pointer, "schema");
    upgrade.moved(push_pointer(&schema, "items"), from);
}

/// 3.2's `in: querystring` parameter whose one media type is a form
/// (`application/x-www-form-urlencoded`): the whole query string is the form of its object,
/// which is what a query parameter of that object with `style: form, explode: true` sends
/// (its members as pairs). The parameter becomes that; returns the media type its schema came
/// from. Any other `querystring` is left as it is.
fn form_querystring(parameter: &mut Value) -> Option<String> {
    if parameter.get("in").and_then(Value::as_str) != Some("querystring") {
        return None;
    }
    let content = parameter.get("content")?.as_mapping()?;
    let [(media, media_type)] = content.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    let media = key_token(media)?;
    let essence = media.split(';').next().unwrap_or("").trim();
    if !essence.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
        return None;
    }
    let schema = media_type.get("schema")?.clone();
    let map = parameter.as_mapping_mut()?;
    map.shift_remove("content");
    map.insert(text("in"), text("query"));
    map.insert(text("style"), text("form"));
    map.insert(text("explode"), Value::Bool(true));
    map.insert(text("schema"), schema);
    Some(media)
}

/// Where a 3.2 tag's `parent` (the tag it is nested in) waits for the model, which makes the
/// parent's cargo feature turn on the features of the tags nested in it.
pub const TAG_PARENT: &str = "x-codegen-parent";

/// 3.2's nested tags: `parent` is kept (as [`TAG_PARENT`]); `kind` (what a documentation
/// tool shows the tag as: navigation, a badge, an audience) does not affect a client and goes
/// (README, "OpenAPI 3.1 and 3.2").
fn tags(tree: &mut Value) {
    let Some(Value::Sequence(tags)) = tree.get_mut("tags") else {
        return;
    };
    for tag in tags.iter_mut().filter_map(Value::as_mapping_mut) {
        tag.shift_remove("kind");
        if let Some(parent) = tag.shift_remove("parent") {
            tag.insert(text(TAG_PARENT), parent);
        }
    }
}

/// Where 3.2's operations on other HTTP methods (`query`, `additionalOperations`) wait, by
/// method, for `load` to take them out of the tree: the 3.0 path item has no place for them.
pub const OTHER_METHODS: &str = "x-codegen-other-methods";

/// 3.2's operations on other HTTP methods (`query`, `additionalOperations`) are translated
/// where they are, then moved under [`OTHER_METHODS`] keyed by the method as it is sent
/// (`QUERY`, `additionalOperations`' keys as written), each move recorded.
fn path_item(
    map: &mut Map,
    pointer: &str,
    upgrade: &mut Upgrade,
    lifted: &mut Vec<(String, Value)>,
) {
    for method in METHODS_30 {
        if let Some(Value::Mapping(operation)) = map.get_mut(*method) {
            // 3.1 made an operation's `responses` optional.
            if !operation.contains_key("responses") {
                operation.insert(text("responses"), Value::Mapping(Map::new()));
            }
        }
    }
    let mut others = Vec::new();
    if let Some(operation) = map.shift_remove("query") {
        others.push((
            "QUERY".to_string(),
            push_pointer(pointer, "query"),
            operation,
        ));
    }
    if let Some(Value::Mapping(additional)) = map.shift_remove("additionalOperations") {
        let base = push_pointer(pointer, "additionalOperations");
        for (method, operation) in additional {
            if let Some(method) = key_token(&method) {
                others.push((method.clone(), push_pointer(&base, &method), operation));
            }
        }
    }
    if others.is_empty() {
        return;
    }
    let mut moved = Map::new();
    let base = push_pointer(pointer, OTHER_METHODS);
    for (method, from, mut operation) in others {
        if let Value::Mapping(fields) = &mut operation {
            if !fields.contains_key("responses") {
                fields.insert(text("responses"), Value::Mapping(Map::new()));
            }
        }
        walk_document(&mut operation, &from, upgrade, lifted);
        upgrade.moved(push_pointer(&base, &method), from);
        moved.insert(text(&method), operation);
    }
    map.insert(text(OTHER_METHODS), Value::Mapping(moved));
}

/// Whether a schema admits `null` alone: `type: "null"`, `type: ["null"]`, `const: null` or
/// `enum: [null]`.
fn only_null(schema: &Value) -> bool {
    let Some(map) = schema.as_mapping() else {
        return false;
    };
    let typed_null = match map.get("type") {
        Some(Value::String(t)) => t == "null",
        Some(Value::Sequence(types)) => {
            !types.is_empty() && types.iter().all(|t| t.as_str() == Some("null"))
        }
        _ => false,
    };
    let const_null = map.get("const").is_some_and(Value::is_null)
        || map
            .get("enum")
            .and_then(Value::as_sequence)
            .is_some_and(|values| !values.is_empty() && values.iter().all(Value::is_null));
    let shaped = ["properties", "items", "allOf", "anyOf", "oneOf", "$ref"]
        .iter()
        .any(|k| map.contains_key(*k));
    (typed_null || const_null) && !shaped
}

/// Subschema keywords that hold one schema.
const ONE_SCHEMA: &[&str] = &[
    "additionalProperties",
    "not",
    "if",
    "then",
    "else",
    "contains",
    "propertyNames",
    "unevaluatedProperties",
    "unevaluatedItems",
    "contentSchema",
];
/// Subschema keywords that hold a list of schemas.
const SCHEMA_LISTS: &[&str] = &["allOf", "anyOf", "oneOf", "prefixItems"];
/// Subschema keywords that hold a map of schemas.
const SCHEMA_MAPS: &[&str] = &[
    "properties",
    "patternProperties",
    "$defs",
    "dependentSchemas",
];

/// Translates one schema and everything inside it.
fn schema(
    node: &mut Value,
    pointer: &str,
    upgrade: &mut Upgrade,
    lifted: &mut Vec<(String, Value)>,
) {
    match node {
        Value::Bool(true) => {
            *node = Value::Mapping(Map::new());
            return;
        }
        Value::Bool(false) => {
            // Nothing is valid: read as `not: {}`, which degrades with a warning of its own.
            let mut map = Map::new();
            map.insert(text("not"), Value::Mapping(Map::new()));
            *node = Value::Mapping(map);
            return;
        }
        _ => {}
    }
    let Some(map) = node.as_mapping_mut() else {
        return;
    };
    if map.contains_key("nullable") {
        upgrade.note(
            &push_pointer(pointer, "nullable"),
            "`nullable` (OpenAPI 3.0's keyword) in an OpenAPI 3.1 document".into(),
            Fallback::Assumed {
                what: "read as 3.0's: the value may be `null` (3.1 writes `type: [T, \"null\"]`)"
                    .into(),
            },
        );
    }
    null_members(map, pointer, upgrade);
    constant_members(map);
    // Children first: a node's own rules see translated members.
    for key in ONE_SCHEMA {
        if let Some(child) = map.get_mut(*key) {
            if *key == "additionalProperties" && child.is_bool() {
                // 3.0 has the boolean form too.
                continue;
            }
            schema(child, &push_pointer(pointer, key), upgrade, lifted);
        }
    }
    if let Some(Value::Sequence(list)) = map.get_mut("items") {
        // JSON Schema draft 4's tuple form, as OpenAPI 3.0 authors sometimes write it: read as
        // `prefixItems` (translated with the other lists below).
        let list = std::mem::take(list);
        map.shift_remove("items");
        upgrade.note(
            &push_pointer(pointer, "items"),
            "`items` as a list (the tuple form of JSON Schema draft 4, which OpenAPI 3.0 \
             documents sometimes use) in an OpenAPI 3.1 document"
                .into(),
            Fallback::Assumed {
                what: "read as 3.1's `prefixItems`".into(),
            },
        );
        if !map.contains_key("prefixItems") {
            upgrade.moved(
                push_pointer(pointer, "prefixItems"),
                push_pointer(pointer, "items"),
            );
            map.insert(text("prefixItems"), Value::Sequence(list));
        }
    }
    for key in SCHEMA_LISTS {
        if let Some(Value::Sequence(list)) = map.get_mut(*key) {
            let here = push_pointer(pointer, key);
            for (index, child) in list.iter_mut().enumerate() {
                schema(
                    child,
                    &push_pointer(&here, &index.to_string()),
                    upgrade,
                    lifted,
                );
            }
        }
    }
    for key in SCHEMA_MAPS {
        if let Some(Value::Mapping(children)) = map.get_mut(*key) {
            let here = push_pointer(pointer, key);
            for (name, child) in children.iter_mut() {
                if let Some(name) = key_token(name) {
                    schema(child, &push_pointer(&here, &name), upgrade, lifted);
                }
            }
        }
    }
    match map.get_mut("items") {
        // No items beyond `prefixItems`: read below, with them.
        Some(Value::Bool(false)) => {}
        Some(child) => schema(child, &push_pointer(pointer, "items"), upgrade, lifted),
        None => {}
    }
    if let Some(Value::Mapping(defs)) = map.shift_remove("$defs") {
        let here = push_pointer(pointer, "$defs");
        for (name, def) in defs {
            if let Some(name) = key_token(&name) {
                lifted.push((push_pointer(&here, &name), def));
            }
        }
    }
    own_keywords(map, pointer, upgrade);
    types(map, pointer, upgrade);
    reference_siblings(map, pointer, upgrade);
}

/// `null` as a member of `oneOf`/`anyOf` (`oneOf: [{$ref: X}, {type: "null"}]`): the member
/// goes and the schema is nullable, as OpenAPI 3.0 writes it (`nullable: true`). A single
/// member left is the schema's type, as `allOf: [X]`.
fn null_members(map: &mut Map, pointer: &str, upgrade: &mut Upgrade) {
    for key in ["oneOf", "anyOf"] {
        let Some(Value::Sequence(members)) = map.get_mut(key) else {
            continue;
        };
        if !members.iter().any(only_null) {
            continue;
        }
        let here = push_pointer(pointer, key);
        let mut kept = Vec::new();
        for (index, member) in std::mem::take(members).into_iter().enumerate() {
            if only_null(&member) {
                continue;
            }
            upgrade.moved(
                push_pointer(&here, &kept.len().to_string()),
                push_pointer(&here, &index.to_string()),
            );
            kept.push(member);
        }
        map.insert(text("nullable"), Value::Bool(true));
        if kept.len() == 1 && !map.contains_key("allOf") {
            map.shift_remove(key);
            map.insert(text("allOf"), Value::Sequence(kept));
            upgrade.moved(push_pointer(pointer, "allOf"), here);
        } else if kept.is_empty() {
            map.shift_remove(key);
        } else {
            map.insert(text(key), Value::Sequence(kept));
        }
    }
}

/// A `oneOf`/`anyOf` whose every member is one constant with its own title or description
/// (`oneOf: [{title: SUB_COMMAND, const: 1}, ...]`, 3.1's way to document each value of an
/// enum) is that `enum`; each value's title and description go into the schema's description.
fn constant_members(map: &mut Map) {
    for key in ["oneOf", "anyOf"] {
        let Some(Value::Sequence(members)) = map.get(key) else {
            continue;
        };
        let constant = |member: &Value| -> Option<Value> {
            let member = member.as_mapping()?;
            let value = match (member.get("const"), member.get("enum")) {
                (Some(value), None) => value.clone(),
                (None, Some(Value::Sequence(values))) if values.len() == 1 => values[0].clone(),
                _ => return None,
            };
            let annotations_only = member.keys().all(|k| {
                matches!(
                    k.as_str(),
                    Some("const" | "enum" | "title" | "description" | "deprecated" | "type")
                )
            });
            (annotations_only && !value.is_null()).then_some(value)
        };
        let Some(values) = members.iter().map(constant).collect::<Option<Vec<Value>>>() else {
            continue;
        };
        if values.is_empty() {
            continue;
        }
        let mut lines = Vec::new();
        for (member, value) in members.iter().zip(&values) {
            let title = member.get("title").and_then(Value::as_str);
            let description = member.get("description").and_then(Value::as_str);
            let shown = match value {
                Value::String(s) => format!("{s:?}"),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                _ => continue,
            };
            let line = match (title, description) {
                (Some(t), Some(d)) => format!("- `{shown}` ({t}): {}", d.trim()),
                (Some(t), None) => format!("- `{shown}`: {t}"),
                (None, Some(d)) => format!("- `{shown}`: {}", d.trim()),
                (None, None) => continue,
            };
            lines.push(line);
        }
        if !map.contains_key("type") {
            if let Some(first) = values.first() {
                map.insert(text("type"), text(json_type(first)));
            }
        }
        map.shift_remove(key);
        map.insert(text("enum"), Value::Sequence(values));
        if !lines.is_empty() {
            let described = map
                .get("description")
                .and_then(Value::as_str)
                .map(|d| format!("{}\n\n", d.trim_end()))
                .unwrap_or_default();
            map.insert(
                text("description"),
                text(&format!("{described}Values:\n{}", lines.join("\n"))),
            );
        }
        return;
    }
}

/// The JSON type of a value, as `type` names it.
fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Sequence(_) => "array",
        Value::Mapping(_) | Value::Tagged(_) => "object",
    }
}

/// Where a tuple's items wait for the model (JSON Schema's `prefixItems`, when the list holds
/// exactly those items): the schema is a list of any items with its tuple in this extension.
pub const TUPLE: &str = "x-codegen-tuple";

/// The most items a tuple may have: Rust's tuples implement `Debug`, `Clone` and `PartialEq`
/// up to 12.
const MAX_TUPLE: usize = 12;

/// The keywords of one schema node that 3.0 spells otherwise.
fn own_keywords(map: &mut Map, pointer: &str, upgrade: &mut Upgrade) {
    // Read before the constraints go: no items beyond the tuple's.
    let no_more_items = map.get("unevaluatedItems") == Some(&Value::Bool(false));
    if let Some(value) = map.shift_remove("const") {
        if !map.contains_key("enum") {
            map.insert(text("enum"), Value::Sequence(vec![value.clone()]));
        }
        if !map.contains_key("type") && !value.is_null() {
            map.insert(text("type"), text(json_type(&value)));
        }
    }
    if let Some(Value::Sequence(examples)) = map.get("examples") {
        let first = examples.first().cloned();
        map.shift_remove("examples");
        if let (Some(first), false) = (first, map.contains_key("example")) {
            map.insert(text("example"), first);
        }
    }
    for (exclusive, bound) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        match map.get(exclusive) {
            Some(Value::Number(n)) => {
                let n = Value::Number(n.clone());
                map.insert(text(bound), n);
                map.insert(text(exclusive), Value::Bool(true));
            }
            Some(Value::Bool(_)) => upgrade.note(
                &push_pointer(pointer, exclusive),
                format!("a boolean `{exclusive}` (OpenAPI 3.0's form) in an OpenAPI 3.1 document"),
                Fallback::Assumed {
                    what: format!("read as 3.0's: `{bound}` is exclusive"),
                },
            ),
            _ => {}
        }
    }
    let encoding = map.shift_remove("contentEncoding");
    let media = map.shift_remove("contentMediaType");
    if map.get("type").and_then(Value::as_str) == Some("string") && !map.contains_key("format") {
        let format = match (encoding.as_ref().and_then(Value::as_str), &media) {
            (Some("base64" | "base64url"), _) => Some("byte"),
            (None | Some("binary"), Some(_)) | (Some("binary"), None) => Some("binary"),
            _ => None,
        };
        if let Some(format) = format {
            map.insert(text("format"), text(format));
        }
    }
    for keyword in CONSTRAINTS_ONLY {
        map.shift_remove(*keyword);
    }
    if let Some(Value::Mapping(patterns)) = map.shift_remove("patternProperties") {
        // Names that match a pattern, with values of its schema: with one pattern and nothing
        // else said about other names, a map of that schema.
        if patterns.len() == 1 && !map.contains_key("additionalProperties") {
            if let Some((pattern, value)) = patterns.into_iter().next() {
                map.insert(text("additionalProperties"), value);
                let pattern = key_token(&pattern).unwrap_or_default();
                upgrade.moved(
                    push_pointer(pointer, "additionalProperties"),
                    push_pointer(&push_pointer(pointer, "patternProperties"), &pattern),
                );
            }
        }
    }
    if let Some(first) = ["if", "then", "else"]
        .into_iter()
        .find(|k| map.contains_key(*k))
    {
        for keyword in ["if", "then", "else"] {
            map.shift_remove(keyword);
        }
        upgrade.note(
            &push_pointer(pointer, first),
            "`if`/`then`/`else` (a conditional schema)".into(),
            Fallback::Assumed {
                what: "the conditional subschemas are not used: the type is the schema without \
                       them, and properties only they define are not typed"
                    .into(),
            },
        );
    }
    if let Some(members) = map.shift_remove("prefixItems") {
        let count = members.as_sequence().map_or(0, Vec::len);
        let closed = map.get("items") == Some(&Value::Bool(false))
            || no_more_items
            || map
                .get("maxItems")
                .and_then(Value::as_u64)
                .is_some_and(|max| max <= count as u64);
        let exact = map
            .get("minItems")
            .and_then(Value::as_u64)
            .is_some_and(|min| min >= count as u64);
        map.insert(text("items"), Value::Mapping(Map::new()));
        if closed && exact && (1..=MAX_TUPLE).contains(&count) {
            map.insert(text("type"), text("array"));
            map.insert(text(TUPLE), members);
            upgrade.moved(
                push_pointer(pointer, TUPLE),
                push_pointer(pointer, "prefixItems"),
            );
        } else {
            upgrade.note(
                &push_pointer(pointer, "prefixItems"),
                format!(
                    "a tuple (`prefixItems`, or `items` as a list) that may hold fewer or more \
                     than its {count} items (it is typed as a Rust tuple with `minItems: {count}` \
                     and `items: false`, for 1 to {MAX_TUPLE} items)"
                ),
                Fallback::Untyped,
            );
        }
    } else if map.get("items") == Some(&Value::Bool(false)) {
        map.insert(text("items"), Value::Mapping(Map::new()));
    }
    if map.shift_remove("$dynamicRef").is_some() {
        upgrade.note(
            &push_pointer(pointer, "$dynamicRef"),
            "`$dynamicRef`".into(),
            Fallback::Untyped,
        );
    }
}

/// Keywords that apply to values of one JSON type each, for splitting a `type` list.
fn applies_to(keyword: &str) -> Option<&'static [&'static str]> {
    Some(match keyword {
        "minLength" | "maxLength" | "pattern" => &["string"],
        "minimum" | "maximum" | "exclusiveMinimum" | "exclusiveMaximum" | "multipleOf" => {
            &["number", "integer"]
        }
        "format" => &["string", "number", "integer"],
        "items" | "minItems" | "maxItems" | "uniqueItems" => &["array"],
        "properties"
        | "required"
        | "additionalProperties"
        | "minProperties"
        | "maxProperties"
        | "discriminator" => &["object"],
        _ => return None,
    })
}

/// `type` as a list: `"null"` in it is `nullable: true`; one other type is that type; several
/// are an `anyOf` of one member per type, each with the keywords that apply to it.
fn types(map: &mut Map, pointer: &str, upgrade: &mut Upgrade) {
    let list: Vec<String> = match map.get("type") {
        Some(Value::Sequence(list)) => list
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        Some(Value::String(t)) if t == "null" => vec![t.clone()],
        _ => return,
    };
    map.shift_remove("type");
    let mut names: Vec<String> = Vec::new();
    for name in list {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    if names.iter().any(|t| t == "null") {
        map.insert(text("nullable"), Value::Bool(true));
        names.retain(|t| t != "null");
    }
    if names.iter().any(|t| t == "number") {
        // Every integer is a number.
        names.retain(|t| t != "integer");
    }
    match names.as_slice() {
        [] => {}
        [one] => {
            map.insert(text("type"), text(one));
        }
        several => {
            if map.contains_key("anyOf") || map.contains_key("oneOf") {
                upgrade.note(
                    &push_pointer(pointer, "type"),
                    "a list of types beside `anyOf`/`oneOf`".into(),
                    Fallback::Untyped,
                );
                return;
            }
            let here = push_pointer(pointer, "anyOf");
            let mut members = Vec::new();
            for ty in several {
                let mut member = Map::new();
                member.insert(text("type"), text(ty));
                for (keyword, value) in map.iter() {
                    let applies = keyword
                        .as_str()
                        .and_then(applies_to)
                        .is_some_and(|types| types.contains(&ty.as_str()));
                    if applies {
                        member.insert(keyword.clone(), value.clone());
                    }
                }
                if let Some(Value::Sequence(values)) = map.get("enum") {
                    let fitting: Vec<Value> = values
                        .iter()
                        .filter(|v| {
                            let t = json_type(v);
                            t == ty || (t == "integer" && ty == "number")
                        })
                        .cloned()
                        .collect();
                    if !fitting.is_empty() {
                        member.insert(text("enum"), Value::Sequence(fitting));
                    }
                }
                upgrade.moved(
                    push_pointer(&here, &members.len().to_string()),
                    pointer.to_string(),
                );
                members.push(Value::Mapping(member));
            }
            map.retain(|keyword, _| {
                keyword
                    .as_str()
                    .is_some_and(|k| applies_to(k).is_none() && k != "enum")
            });
            map.insert(text("anyOf"), Value::Sequence(members));
        }
    }
}

/// Keywords beside a `$ref`, which 3.1 applies with the target's (3.0 ignored them): the node
/// becomes `allOf: [{$ref}, {the constraints}]` with the annotations beside it, which the model
/// reads as the target's type, documented by the `description` and constrained by the rest.
fn reference_siblings(map: &mut Map, pointer: &str, upgrade: &mut Upgrade) {
    if !map.contains_key("$ref") || map.len() == 1 {
        return;
    }
    let Some(reference) = map.shift_remove("$ref") else {
        return;
    };
    let rest = std::mem::take(map);
    let mut target = Map::new();
    target.insert(text("$ref"), reference);
    let here = push_pointer(pointer, "allOf");
    upgrade.moved(push_pointer(&here, "0"), pointer.to_string());
    let mut members = vec![Value::Mapping(target)];
    let mut inner = Map::new();
    for (keyword, value) in rest {
        let annotation = matches!(
            keyword.as_str(),
            Some(
                "nullable"
                    | "description"
                    | "title"
                    | "summary"
                    | "deprecated"
                    | "readOnly"
                    | "writeOnly"
                    | "example"
                    | "default"
            )
        );
        if annotation {
            // `nullable` stays on the node: the use may be null, whatever the target says.
            map.insert(keyword, value);
        } else {
            inner.insert(keyword, value);
        }
    }
    if !inner.is_empty() {
        upgrade.moved(push_pointer(&here, "1"), pointer.to_string());
        members.push(Value::Mapping(inner));
    }
    map.insert(text("allOf"), Value::Sequence(members));
}

/// Moves every `$defs` entry into `components/schemas` (under its own name when it is free,
/// else prefixed with its parent's) and points the references to it there.
fn lift_defs(tree: &mut Value, lifted: Vec<(String, Value)>, upgrade: &mut Upgrade) {
    if lifted.is_empty() {
        return;
    }
    let Some(root) = tree.as_mapping_mut() else {
        return;
    };
    let components = root
        .entry(text("components"))
        .or_insert_with(|| Value::Mapping(Map::new()));
    let Some(components) = components.as_mapping_mut() else {
        return;
    };
    let schemas = components
        .entry(text("schemas"))
        .or_insert_with(|| Value::Mapping(Map::new()));
    let Some(schemas) = schemas.as_mapping_mut() else {
        return;
    };
    let mut renamed = Vec::new();
    for (from, def) in lifted {
        let tokens = pointer_tokens(&from);
        let name = tokens.last().cloned().unwrap_or_default();
        let parent = tokens
            .iter()
            .rev()
            .skip(2)
            .find(|t| !matches!(t.as_str(), "properties" | "items" | "schema" | "$defs"))
            .cloned()
            .unwrap_or_default();
        let key = std::iter::once(name.clone())
            .chain(std::iter::once(format!("{parent}_{name}")))
            .chain((2..).map(|n| format!("{parent}_{name}{n}")))
            .find(|key| !schemas.contains_key(key.as_str()))
            .unwrap_or(name);
        schemas.insert(text(&key), def);
        let to = push_pointer("/components/schemas", &key);
        upgrade.moved(to.clone(), from.clone());
        renamed.push((from, to));
    }
    rewrite_refs(tree, &renamed);
}

/// Points every `$ref` into a moved node at its new place.
fn rewrite_refs(node: &mut Value, renamed: &[(String, String)]) {
    match node {
        Value::Mapping(map) => {
            if let Some(Value::String(reference)) = map.get_mut("$ref") {
                if let Ok(pointer) = crate::model::refs::local_pointer(reference) {
                    for (from, to) in renamed {
                        if let Some(rest) = pointer.strip_prefix(from.as_str()) {
                            if rest.is_empty() || rest.starts_with('/') {
                                *reference = format!("#{to}{rest}");
                                break;
                            }
                        }
                    }
                }
            }
            for value in map.values_mut() {
                rewrite_refs(value, renamed);
            }
        }
        Value::Sequence(list) => {
            for value in list {
                rewrite_refs(value, renamed);
            }
        }
        _ => {}
    }
}
