//! Unions (`oneOf` / `anyOf`): trying a value on a member, and for members told apart by a tag
//! property (OpenAPI's `discriminator`) reading the tag and writing it beside a member that
//! does not hold it itself.
//! This file is part of the generator's runtime: it does not depend on the spec, and it is
//! copied only into crates that have unions.

/// `value` as the member type `T`, when it is of a kind `T` takes (`takes`) and decodes.
pub(crate) fn member<T>(value: &serde_json::Value, takes: fn(&serde_json::Value) -> bool) -> Option<T>
where
    T: serde::de::DeserializeOwned,
{
    if !takes(value) {
        return None;
    }
    T::deserialize(value).ok()
}


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
