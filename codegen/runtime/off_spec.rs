//! Reading an error body that is off-spec but names an `error_type`, field by field: what the
//! generated `ErrorBody::from_off_spec` impls call.
//! This file is part of the generator's runtime: it does not depend on the spec, and it is
//! copied only into crates whose error bodies have an `error_type`.

/// The field `name` of an off-spec error body, decoded as `T` if it can be: as it is, or, for
/// a list, with only the items that decode on their own (each as it is, or repaired the way
/// vCenter's messages need: `args` missing or not all strings, `params` given as bare values).
pub(crate) fn off_spec_field<T: serde::de::DeserializeOwned>(
    json: &serde_json::Value,
    name: &str,
) -> Option<T> {
    let value = json.get(name)?;
    if let Ok(decoded) = T::deserialize(value) {
        return Some(decoded);
    }
    let decodes = |item: &serde_json::Value| {
        T::deserialize(&serde_json::Value::Array(vec![item.clone()])).is_ok()
    };
    let kept: Vec<serde_json::Value> = value
        .as_array()?
        .iter()
        .filter_map(|item| {
            repairs(item)
                .into_iter()
                .find(|candidate| decodes(candidate))
        })
        .collect();
    T::deserialize(&serde_json::Value::Array(kept)).ok()
}

/// An item of a list as it is, then repaired: a message's `args` made a list of strings and
/// its `params` objects (`{"s": ...}`, `{"i": ...}`, `{"d": ...}`), then without `params`.
fn repairs(item: &serde_json::Value) -> Vec<serde_json::Value> {
    use serde_json::Value;
    let Value::Object(fields) = item else {
        return vec![item.clone()];
    };
    let text = |value: &Value| match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    let mut repaired = fields.clone();
    let args = match fields.get("args") {
        Some(Value::Array(args)) => args.iter().map(|arg| Value::String(text(arg))).collect(),
        Some(Value::Null) | None => Vec::new(),
        Some(other) => vec![Value::String(text(other))],
    };
    repaired.insert("args".to_string(), Value::Array(args));
    if let Some(Value::Object(params)) = fields.get("params") {
        let params = params
            .iter()
            .filter(|(_, value)| !value.is_null())
            .map(|(name, value)| {
                let param = match value {
                    Value::Object(_) => value.clone(),
                    Value::Number(number) if number.is_i64() || number.is_u64() => {
                        serde_json::json!({ "i": number })
                    }
                    Value::Number(number) => serde_json::json!({ "d": number }),
                    other => serde_json::json!({ "s": text(other) }),
                };
                (name.clone(), param)
            })
            .collect();
        repaired.insert("params".to_string(), Value::Object(params));
    } else {
        repaired.remove("params");
    }
    let mut without_params = repaired.clone();
    without_params.remove("params");
    vec![
        item.clone(),
        Value::Object(repaired),
        Value::Object(without_params),
    ]
}
