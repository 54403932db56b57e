//! Unions whose members are told apart by a tag property (OpenAPI's `discriminator`): reading
//! the tag, and writing it beside a member that does not hold it itself.
//! This file is part of the generator's runtime: it does not depend on the spec, and it is
//! copied only into crates that have such unions.

/// The tag property's text in `value`; `None` when `value` is not an object or the tag is not
/// a string.
pub(crate) fn tag_of<'v>(value: &'v serde_json::Value, tag: &str) -> Option<&'v str> {
    value.get(tag).and_then(serde_json::Value::as_str)
}

/// Serializes a member as an object that carries `tag: tag_value`, adding the tag when the
/// member's own type does not write it.
pub(crate) fn serialize_tagged<T, S>(
    member: &T,
    tag: &str,
    tag_value: &str,
    serializer: S,
) -> Result<S::Ok, S::Error>
where
    T: serde::Serialize,
    S: serde::Serializer,
{
    let mut value = serde_json::to_value(member).map_err(serde::ser::Error::custom)?;
    if let serde_json::Value::Object(members) = &mut value {
        if !members.contains_key(tag) {
            members.insert(
                tag.to_string(),
                serde_json::Value::String(tag_value.to_string()),
            );
        }
    }
    serde::Serialize::serialize(&value, serializer)
}
