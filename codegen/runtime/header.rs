//! Objects in a header, written as OpenAPI's `simple` style says.
//! This file is part of the generator's runtime: it does not depend on the spec, and it is
//! copied only into crates whose operations use it.

use super::error::{Error, ErrorKind};

/// The header value of an object parameter: `key,value,key,value`, or with `explode`
/// `key=value,key=value`. Absent and `null` members are left out, a list member is its items
/// comma-separated, a nested object its JSON text. A value that is not an object (a union's
/// member) is its own text; `None` when there is nothing to send (`null`).
pub(crate) fn simple_text<T: serde::Serialize + ?Sized, E>(
    value: &T,
    explode: bool,
) -> Result<Option<String>, Error<E>> {
    let value = serde_json::to_value(value).map_err(|err| Error::from(ErrorKind::Encode(err)))?;
    Ok(match &value {
        serde_json::Value::Null => None,
        serde_json::Value::Object(members) => {
            let parts = members
                .iter()
                .filter(|(_, member)| !member.is_null())
                .map(|(key, member)| match explode {
                    true => format!("{key}={}", member_text(member)),
                    false => format!("{key},{}", member_text(member)),
                });
            Some(parts.collect::<Vec<_>>().join(","))
        }
        other => Some(member_text(other)),
    })
}

/// One member's text: a string as it is, a list its items comma-separated, anything else its
/// JSON text.
fn member_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(text) => text.clone(),
        serde_json::Value::Array(items) => items
            .iter()
            .filter(|item| !item.is_null())
            .map(member_text)
            .collect::<Vec<_>>()
            .join(","),
        other => other.to_string(),
    }
}
