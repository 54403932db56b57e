//! Message templates of error bodies: filling `{0}`-style placeholders with their arguments.
//! This file is part of the generator's runtime: it does not depend on the spec, and it is
//! copied only into crates whose error bodies have messages.

/// `template` with `{0}`, `{1}`, ... replaced by `args` and `{name}` by the text of
/// `param(name)`; placeholders without a value are kept as they are.
pub(crate) fn fill_placeholders<'a, V: serde::Serialize + 'a>(
    template: &str,
    args: &[String],
    param: impl Fn(&str) -> Option<&'a V>,
) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some((before, after_open)) = rest.split_once('{') {
        out.push_str(before);
        let Some((key, after_close)) = after_open.split_once('}') else {
            out.push('{');
            out.push_str(after_open);
            return out;
        };
        let value = match key.parse::<usize>() {
            Ok(index) => args.get(index).cloned(),
            Err(_) if !key.is_empty() && !key.contains('{') => param(key).and_then(param_text),
            Err(_) => None,
        };
        match value {
            Some(value) => out.push_str(&value),
            None => {
                out.push('{');
                out.push_str(key);
                out.push('}');
            }
        }
        rest = after_close;
    }
    out.push_str(rest);
    out
}

/// A named message argument as text: a string or number as it is, an object by its first set
/// value field (`s`, `i`, `d`, `dt`, or the `id` of a nested message), anything else as JSON.
fn param_text(value: &impl serde::Serialize) -> Option<String> {
    let value = serde_json::to_value(value).ok()?;
    let scalar = |value: &serde_json::Value| match value {
        serde_json::Value::String(text) => Some(text.clone()),
        serde_json::Value::Number(number) => Some(number.to_string()),
        serde_json::Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    };
    if let Some(text) = scalar(&value) {
        return Some(text);
    }
    if let serde_json::Value::Object(fields) = &value {
        for key in ["s", "i", "d", "dt"] {
            if let Some(text) = fields.get(key).and_then(scalar) {
                return Some(text);
            }
        }
        if let Some(id) = fields.get("l").and_then(|nested| nested.get("id")).and_then(scalar) {
            return Some(id);
        }
    }
    Some(value.to_string())
}
