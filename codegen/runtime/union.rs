//! Unions (`oneOf` / `anyOf`) without a tag: a value is tried on each member in turn, on the
//! members that can take its kind of JSON (object members in the order `union_fit` gives).
//! This file is part of the generator's runtime: it does not depend on the spec, and it is
//! copied only into crates that have such unions.

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

