//! The properties beyond a struct's named ones (a flattened map), read through JSON values.
//! This file is part of the generator's runtime: it does not depend on the spec, and it is
//! copied only into crates whose types have such fields.

/// Decodes the properties beyond a struct's named ones (a flattened map): as JSON values first,
/// then each as `T`. Serde hands a flattened field its buffered copy of the object, which
/// cannot give a 128-bit integer; a JSON value can.
pub(crate) fn map_through_json<'de, D, T>(
    deserializer: D,
) -> Result<std::collections::BTreeMap<String, T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    let values =
        <std::collections::BTreeMap<String, serde_json::Value> as serde::Deserialize>::deserialize(
            deserializer,
        )?;
    values
        .into_iter()
        .map(|(name, value)| {
            T::deserialize(value)
                .map(|value| (name, value))
                .map_err(serde::de::Error::custom)
        })
        .collect()
}
