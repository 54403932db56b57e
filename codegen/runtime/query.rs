//! Objects in the query string, written as OpenAPI's `form` and `deepObject` styles say.
//! This file is part of the generator's runtime: it does not depend on the spec, and it is
//! copied only into crates whose operations use it.

use super::error::Error;

/// The query pairs of the object parameter `name`:
/// - `form`, exploded (the default): one pair per member, `key=value`;
/// - `form`, not exploded: one pair, `name=key,value,key,value`;
/// - `deepObject`: one pair per member, `name[key]=value`.
///
/// Absent and `null` members are left out; a list member is one pair per item when exploded
/// and comma-separated otherwise; a nested object is sent as its JSON text. A value that is
/// not an object (a union's member may be a string or a list) is sent as a parameter of its
/// own kind would be: one pair, or one pair per item of a list of scalars.
///
/// A list of objects, which OpenAPI leaves undefined, is written with each item's index:
/// - `form`: `name.1.key=value`, items counted from 1 (VMware's vAPI REST, whose `/rest`
///   specs are the ones that put lists of objects in the query, flattens a structure that way);
/// - `deepObject`: `name[0][key]=value`, items counted from 0 (the bracket form extended).
pub(crate) fn object_pairs<T: serde::Serialize + ?Sized, E>(
    name: &str,
    value: &T,
    explode: bool,
    deep_object: bool,
) -> Result<Vec<(String, String)>, Error<E>> {
    let members = match serde_json::to_value(value).map_err(Error::Encode)? {
        serde_json::Value::Object(members) => members,
        serde_json::Value::Null => return Ok(Vec::new()),
        serde_json::Value::Array(items) if items.iter().all(|item| !item.is_object()) => {
            let texts = items.iter().map(scalar_text);
            return Ok(if explode || deep_object {
                texts.map(|text| (name.to_string(), text)).collect()
            } else {
                vec![(name.to_string(), texts.collect::<Vec<_>>().join(","))]
            });
        }
        serde_json::Value::Array(items) => return Ok(item_pairs(name, &items, deep_object)),
        other => return Ok(vec![(name.to_string(), scalar_text(&other))]),
    };
    let mut pairs = Vec::new();
    let mut packed = Vec::new();
    for (key, member) in members {
        let texts: Vec<String> = match &member {
            serde_json::Value::Null => continue,
            serde_json::Value::Array(items) => items.iter().map(scalar_text).collect(),
            other => vec![scalar_text(other)],
        };
        if deep_object {
            let key = format!("{name}[{key}]");
            pairs.extend(texts.into_iter().map(|text| (key.clone(), text)));
        } else if explode {
            pairs.extend(texts.into_iter().map(|text| (key.clone(), text)));
        } else {
            packed.push(key);
            packed.push(texts.join(","));
        }
    }
    if !packed.is_empty() {
        pairs.push((name.to_string(), packed.join(",")));
    }
    Ok(pairs)
}

/// The pairs of a list of objects: every member of every item under the item's index.
fn item_pairs(name: &str, items: &[serde_json::Value], deep_object: bool) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let prefix = if deep_object {
            format!("{name}[{index}]")
        } else {
            format!("{name}.{}", index + 1)
        };
        let members = match item {
            serde_json::Value::Object(members) => members,
            serde_json::Value::Null => continue,
            other => {
                pairs.push((prefix, scalar_text(other)));
                continue;
            }
        };
        for (key, member) in members {
            let key = if deep_object {
                format!("{prefix}[{key}]")
            } else {
                format!("{prefix}.{key}")
            };
            match member {
                serde_json::Value::Null => {}
                serde_json::Value::Array(values) => {
                    pairs.extend(values.iter().map(|v| (key.clone(), scalar_text(v))));
                }
                other => pairs.push((key, scalar_text(other))),
            }
        }
    }
    pairs
}

/// A JSON value as query text: strings as they are, anything else as its JSON text.
fn scalar_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}
