//! Untagged unions with several object members: the order in which to try them on a value, by
//! how well each fits it, and how much of the value a decoded member would lose.
//! This file is part of the generator's runtime: it does not depend on the spec, and it is
//! copied only into crates that have such unions.

/// The order in which to try the members on `value`: for an object, the members that know every
/// one of its properties first, then the members that take any property (`None`: a struct with
/// flattened fields, a map, any value), then those that know fewer and fewer of them; among
/// equals, and for other values, the members' own order. `known[i]` is member `i`'s property
/// names.
pub(crate) fn fit_order(value: &serde_json::Value, known: &[Option<&[&str]>]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..known.len()).collect();
    if let Some(object) = value.as_object() {
        order.sort_by_key(|&index| match known.get(index).copied().flatten() {
            Some(names) => match object
                .keys()
                .filter(|key| !names.contains(&key.as_str()))
                .count()
            {
                0 => 0,
                unknown => 1 + unknown,
            },
            None => 1,
        });
    }
    order
}

/// How far a decoded member is from `sent`: the properties (at any depth) and list items of
/// `sent` that the member, written back as JSON, does not have, and the properties it has that
/// `sent` does not (a required nullable field it filled in). A member that cannot be written
/// back is as far as can be.
pub(crate) fn lost<T: serde::Serialize>(sent: &serde_json::Value, member: &T) -> usize {
    match serde_json::to_value(member) {
        Ok(back) => missing(sent, &back),
        Err(_) => usize::MAX,
    }
}

fn missing(sent: &serde_json::Value, back: &serde_json::Value) -> usize {
    use serde_json::Value;
    match (sent, back) {
        (Value::Object(sent), Value::Object(back)) => {
            sent.iter()
                .map(|(key, value)| match back.get(key) {
                    Some(kept) => missing(value, kept),
                    None => 1 + size(value),
                })
                .sum::<usize>()
                + back.keys().filter(|key| !sent.contains_key(*key)).count()
        }
        (Value::Array(sent), Value::Array(back)) => {
            sent.iter()
                .zip(back)
                .map(|(value, kept)| missing(value, kept))
                .sum::<usize>()
                + sent.iter().skip(back.len()).map(|value| 1 + size(value)).sum::<usize>()
        }
        (Value::Object(_) | Value::Array(_), _) => size(sent),
        _ => 0,
    }
}

/// The properties and list items inside a value, at any depth.
fn size(value: &serde_json::Value) -> usize {
    match value {
        serde_json::Value::Object(map) => map.values().map(|v| 1 + size(v)).sum(),
        serde_json::Value::Array(items) => items.iter().map(|v| 1 + size(v)).sum(),
        _ => 0,
    }
}
