//! Optional fields of any JSON value, absent and `null` told apart: `None` is absent,
//! `Some(Value::Null)` a `null` (serde alone reads a `null` into an `Option` as `None`).
//! This file is part of the generator's runtime: it does not depend on the spec, and it is
//! copied only into crates whose types have such fields.

/// Decodes an optional field of any JSON value that is present: `null` as `Some(Value::Null)`.
pub(crate) fn any_present<'de, D>(deserializer: D) -> Result<Option<serde_json::Value>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    <serde_json::Value as serde::Deserialize>::deserialize(deserializer).map(Some)
}
