//! Synthetic specs of any number of operations, shaped like vCenter's: resources with list,
//! get, create, update, delete and `?action=` operations, request and response schemas of
//! their own, a shared error schema and nested structures. Types and operations grow together,
//! so the scale benchmark measures growth in both.

use serde_json::{json, Map, Value};

/// The kinds of operation a synthetic resource has, in order.
const KINDS: [&str; 6] = ["list", "get", "create", "update", "delete", "action"];

/// An OpenAPI 3.0.3 document (JSON text) with exactly `operations` operations.
pub fn spec(operations: usize) -> String {
    let mut paths = Map::new();
    let mut schemas = Map::new();
    schemas.insert("Std_Errors_Error".to_string(), error_schema());
    for index in 0..operations {
        let resource = index / KINDS.len();
        let kind = KINDS[index % KINDS.len()];
        let name = format!("Resource{resource}");
        let collection = format!("/api/synthetic/resource{resource}");
        let item = format!("{collection}/{{item}}");
        if kind == "list" {
            schemas.insert(format!("{name}_Summary"), summary_schema(&name));
            schemas.insert(format!("{name}_Info"), info_schema(&name));
            schemas.insert(format!("{name}_CreateSpec"), create_schema(&name));
            schemas.insert(format!("{name}_State"), state_schema());
        }
        let (key, method, operation) = match kind {
            "list" => (collection.clone(), "get", list_op(&name)),
            "get" => (item.clone(), "get", get_op(&name)),
            "create" => (collection.clone(), "post", create_op(&name)),
            "update" => (item.clone(), "patch", update_op(&name)),
            "delete" => (item.clone(), "delete", delete_op(&name)),
            _ => (format!("{item}?action=reset"), "post", action_op(&name)),
        };
        let entry = paths.entry(key).or_insert_with(|| json!({}));
        if let Value::Object(methods) = entry {
            methods.insert(method.to_string(), operation);
        }
    }
    let document = json!({
        "openapi": "3.0.3",
        "info": {"title": "Synthetic API", "version": "1.0.0"},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "session_id": {"type": "apiKey", "in": "header", "name": "vmware-api-session-id"}
            }
        },
        "security": [{"session_id": []}]
    });
    serde_json::to_string_pretty(&document).unwrap_or_default()
}

fn schema_ref(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn json_content(schema: Value) -> Value {
    json!({"application/json": {"schema": schema}})
}

fn errors() -> Value {
    let error = json!({"description": "An error.", "content": json_content(schema_ref("Std_Errors_Error"))});
    json!({"400": error, "401": error, "404": error, "default": error})
}

fn with_errors(mut responses: Value) -> Value {
    if let (Value::Object(map), Value::Object(errors)) = (&mut responses, errors()) {
        map.extend(errors);
    }
    responses
}

fn item_param() -> Value {
    json!({"name": "item", "in": "path", "required": true, "description": "The item's identifier.",
           "schema": {"type": "string"}})
}

fn list_op(name: &str) -> Value {
    json!({
        "tags": [name], "operationId": "list", "summary": format!("List the {name} items."),
        "parameters": [
            {"name": "names", "in": "query", "schema": {"type": "array", "items": {"type": "string"}}},
            {"name": "limit", "in": "query", "schema": {"type": "integer", "format": "int64"}}
        ],
        "responses": with_errors(json!({"200": {"description": "The items.",
            "content": json_content(json!({"type": "array", "items": schema_ref(&format!("{name}_Summary"))}))}}))
    })
}

fn get_op(name: &str) -> Value {
    json!({
        "tags": [name], "operationId": "get", "summary": format!("Returns one {name} item."),
        "parameters": [item_param()],
        "responses": with_errors(json!({"200": {"description": "The item.",
            "content": json_content(schema_ref(&format!("{name}_Info")))}}))
    })
}

fn create_op(name: &str) -> Value {
    json!({
        "tags": [name], "operationId": "create", "summary": format!("Creates a {name} item."),
        "requestBody": {"required": true, "content": json_content(schema_ref(&format!("{name}_CreateSpec")))},
        "responses": with_errors(json!({"201": {"description": "The new item's identifier.",
            "content": json_content(json!({"type": "string"}))}}))
    })
}

fn update_op(name: &str) -> Value {
    json!({
        "tags": [name], "operationId": "update", "summary": format!("Updates a {name} item."),
        "parameters": [item_param()],
        "requestBody": {"required": true, "content": json_content(schema_ref(&format!("{name}_CreateSpec")))},
        "responses": with_errors(json!({"204": {"description": "Updated."}}))
    })
}

fn delete_op(name: &str) -> Value {
    json!({
        "tags": [name], "operationId": "delete", "summary": format!("Deletes a {name} item."),
        "parameters": [item_param()],
        "responses": with_errors(json!({"204": {"description": "Deleted."}}))
    })
}

fn action_op(name: &str) -> Value {
    json!({
        "tags": [name], "operationId": "reset", "summary": format!("Resets a {name} item."),
        "parameters": [item_param()],
        "responses": with_errors(json!({"204": {"description": "Reset."}}))
    })
}

fn summary_schema(name: &str) -> Value {
    json!({
        "type": "object", "description": format!("A {name} item, in brief."),
        "required": ["item", "name"],
        "properties": {
            "item": {"type": "string", "description": "The identifier."},
            "name": {"type": "string", "description": "The name."},
            "state": schema_ref(&format!("{name}_State"))
        }
    })
}

fn info_schema(name: &str) -> Value {
    json!({
        "type": "object", "description": format!("A {name} item, in full."),
        "required": ["name", "state", "created"],
        "properties": {
            "name": {"type": "string", "description": "The name."},
            "state": schema_ref(&format!("{name}_State")),
            "created": {"type": "string", "format": "date-time"},
            "size": {"type": "integer", "format": "int64"},
            "labels": {"type": "object", "additionalProperties": {"type": "string"}},
            "children": {"type": "array", "items": schema_ref(&format!("{name}_Summary"))},
            "spec": schema_ref(&format!("{name}_CreateSpec"))
        }
    })
}

fn create_schema(name: &str) -> Value {
    json!({
        "type": "object", "description": format!("What a new {name} item is made of."),
        "required": ["name"],
        "properties": {
            "name": {"type": "string"},
            "enabled": {"type": "boolean"},
            "ratio": {"type": "number", "format": "double"},
            "tags": {"type": "array", "items": {"type": "string"}}
        }
    })
}

fn state_schema() -> Value {
    json!({"type": "string", "enum": ["STARTING", "RUNNING", "STOPPING", "STOPPED"],
           "description": "The state of an item."})
}

fn error_schema() -> Value {
    json!({
        "type": "object", "required": ["error_type", "messages"],
        "properties": {
            "error_type": {"type": "string", "enum": ["ERROR", "NOT_FOUND", "UNAUTHENTICATED"]},
            "messages": {"type": "array", "items": {"type": "object", "required": ["id", "default_message"],
                "properties": {"id": {"type": "string"}, "default_message": {"type": "string"},
                               "args": {"type": "array", "items": {"type": "string"}}}}}
        }
    })
}
