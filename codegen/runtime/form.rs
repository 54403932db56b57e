//! Form bodies (`application/x-www-form-urlencoded`) whose members hold objects or lists,
//! written as the query's objects are (`query.rs`, the one pair writer).
//! This file is part of the generator's runtime: it does not depend on the spec, and it is
//! copied only into crates whose operations use it.

use super::error::{Error, ErrorKind};
use super::query::object_pairs;

/// The pairs of a form body. Each member is written in the bracket form (the query's
/// `deepObject`) unless the spec's `encoding` says otherwise:
/// - a scalar is `key=value`;
/// - an object is `key[inner]=value`, to any depth (`key[inner][deeper]=value`);
/// - a list of scalars is one pair per item under the same name, `key=1&key=2` (OpenAPI's
///   default for a form body's list: `style: form`, exploded);
/// - a list of objects (or lists) is each item under its index counted from 0,
///   `key[0][inner]=value`;
/// - a member named in `json` (`contentType: application/json`) is one pair, its JSON text;
/// - a member named in `form` (`style: form`, with its `explode`) is written as a `form` query
///   parameter of that name is (`key=1,2` not exploded).
///
/// Absent and `null` members are left out. A body that is not an object is refused
/// ([`ErrorKind::Encode`]): form pairs need names.
pub(crate) fn form_pairs<T: serde::Serialize + ?Sized, E>(
    body: &T,
    json: &[&str],
    form: &[(&str, bool)],
) -> Result<Vec<(String, String)>, Error<E>> {
    let members = match serde_json::to_value(body).map_err(|err| Error::from(ErrorKind::Encode(err)))? {
        serde_json::Value::Object(members) => members,
        serde_json::Value::Null => return Ok(Vec::new()),
        _ => {
            return Err(ErrorKind::Encode(serde::ser::Error::custom(
                "a form body must be an object: its members are the form's names",
            ))
            .into())
        }
    };
    let mut pairs = Vec::new();
    for (key, member) in members {
        if member.is_null() {
            continue;
        }
        if json.contains(&key.as_str()) {
            pairs.push((key, member.to_string()));
            continue;
        }
        let explode = form.iter().find(|(name, _)| *name == key).map(|(_, e)| *e);
        pairs.extend(object_pairs(
            &key,
            &member,
            explode.unwrap_or(true),
            explode.is_none(),
        )?);
    }
    Ok(pairs)
}
