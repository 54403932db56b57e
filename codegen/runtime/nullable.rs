//! Fields that may be absent and may be `null`, told apart: `Option<Option<T>>`, where a
//! missing field is `None` (serde's `default`) and a `null` is `Some(None)`.
//! This file is part of the generator's runtime: it does not depend on the spec, and it is
//! copied only into crates whose types have such fields.

/// Decodes a field that is present: `null` as `Some(None)`, a value as `Some(Some(value))`.
pub(crate) fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    <Option<T> as serde::Deserialize>::deserialize(deserializer).map(Some)
}
