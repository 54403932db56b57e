//! Objects in the query string, written as OpenAPI's `form` and `deepObject` styles say; the
//! same writer writes the members of form bodies (`form.rs`), so both are written alike.
//! This file is part of the generator's runtime: it does not depend on the spec, and it is
//! copied only into crates whose operations use it.

use super::error::{Error, ErrorKind};

/// The query pairs of the object parameter `name`:
/// - `form`, exploded (the default): one pair per member, `key=value`;
/// - `form`, not exploded: one pair, `name=key,value,key,value`;
/// - `deepObject`: the bracket form, `name[key]=value`, nested objects `name[key][inner]=value`.
///
/// Absent and `null` members are left out; a list member is one pair per item when exploded
/// (and always in the bracket form) and comma-separated otherwise; with `form`, a nested
/// object is sent as its JSON text. A value that is not an object (a union's member may be a
/// string or a list) is sent as a parameter of its own kind would be: one pair, or one pair per
/// item of a list of scalars.
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
    let value = serde_json::to_value(value).map_err(|err| Error::from(ErrorKind::Encode(err)))?;
    let mut pairs = Vec::new();
    if deep_object {
        bracket_pairs(name.to_string(), &value, &mut pairs);
    } else {
        form_style_pairs(name, value, explode, &mut pairs);
    }
    Ok(pairs)
}

/// The bracket form of `value` under `key`: `key=value`, `key[inner]=value` for an object's
/// members, one `key=item` per item of a list of scalars, `key[0]...` per item of any other list.
fn bracket_pairs(key: String, value: &serde_json::Value, pairs: &mut Vec<(String, String)>) {
    match value {
        serde_json::Value::Null => {}
        serde_json::Value::Object(members) => {
            for (inner, member) in members {
                bracket_pairs(format!("{key}[{inner}]"), member, pairs);
            }
        }
        serde_json::Value::Array(items) if items.iter().all(is_scalar) => {
            pairs.extend(
                items
                    .iter()
                    .filter(|item| !item.is_null())
                    .map(|item| (key.clone(), scalar_text(item))),
            );
        }
        serde_json::Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                bracket_pairs(format!("{key}[{index}]"), item, pairs);
            }
        }
        scalar => pairs.push((key, scalar_text(scalar))),
    }
}

/// `value` under `name` as OpenAPI's `form` style writes it (see [`object_pairs`]).
fn form_style_pairs(
    name: &str,
    value: serde_json::Value,
    explode: bool,
    pairs: &mut Vec<(String, String)>,
) {
    let members = match value {
        serde_json::Value::Object(members) => members,
        serde_json::Value::Null => return,
        serde_json::Value::Array(items) if items.iter().all(|item| !item.is_object()) => {
            let texts = items.iter().map(scalar_text);
            if explode {
                pairs.extend(texts.map(|text| (name.to_string(), text)));
            } else {
                pairs.push((name.to_string(), texts.collect::<Vec<_>>().join(",")));
            }
            return;
        }
        serde_json::Value::Array(items) => return item_pairs(name, &items, pairs),
        other => return pairs.push((name.to_string(), scalar_text(&other))),
    };
    let mut packed = Vec::new();
    for (key, member) in members {
        let texts: Vec<String> = match &member {
            serde_json::Value::Null => continue,
            serde_json::Value::Array(items) => items.iter().map(scalar_text).collect(),
            other => vec![scalar_text(other)],
        };
        if explode {
            pairs.extend(texts.into_iter().map(|text| (key.clone(), text)));
        } else {
            packed.push(key);
            packed.push(texts.join(","));
        }
    }
    if !packed.is_empty() {
        pairs.push((name.to_string(), packed.join(",")));
    }
}

/// The `form` pairs of a list of objects: every member of every item as `name.1.key`.
fn item_pairs(name: &str, items: &[serde_json::Value], pairs: &mut Vec<(String, String)>) {
    for (index, item) in items.iter().enumerate() {
        let prefix = format!("{name}.{}", index + 1);
        let members = match item {
            serde_json::Value::Object(members) => members,
            serde_json::Value::Null => continue,
            other => {
                pairs.push((prefix, scalar_text(other)));
                continue;
            }
        };
        for (key, member) in members {
            let key = format!("{prefix}.{key}");
            match member {
                serde_json::Value::Null => {}
                serde_json::Value::Array(values) => {
                    pairs.extend(values.iter().map(|v| (key.clone(), scalar_text(v))));
                }
                other => pairs.push((key, scalar_text(other))),
            }
        }
    }
}

/// Whether a JSON value is one pair's text (not an object or a list).
fn is_scalar(value: &serde_json::Value) -> bool {
    !value.is_object() && !value.is_array()
}

/// A JSON value as query text: strings as they are, anything else as its JSON text.
fn scalar_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}
