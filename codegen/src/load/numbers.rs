//! Numbers of any size in the document's tree. Bounds and counts are read by `openapiv3` as
//! 64-bit integers (`maximum` of an `integer` schema, `maxLength`, ...), and a YAML integer
//! beyond 64 bits is no value `serde_yaml` can hold; neither should refuse a whole document for a
//! bound the generator never uses. So: every number is read (one beyond 64 bits as the nearest
//! float), and a bound or count that is not a 64-bit integer is dropped before the tree becomes
//! an `openapiv3::OpenAPI`. Bounds do not decide any Rust type (`format` does), so nothing
//! generated changes; `default` and `example` keep their value as a float.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, EnumAccess, MapAccess, SeqAccess, VariantAccess};
use serde_yaml::value::{Tag, TaggedValue};
use serde_yaml::{Mapping, Value};

/// Keys holding a signed 64-bit integer in a schema whose `type` is `integer`.
const INTEGER_BOUNDS: &[&str] = &["minimum", "maximum", "multipleOf"];
/// Keys holding a count (an unsigned 64-bit integer) in any schema.
const COUNTS: &[&str] = &[
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "minProperties",
    "maxProperties",
];

/// A YAML tree like `serde_yaml::Value`, except that an integer beyond 64 bits is read as the
/// nearest float instead of refusing the document.
pub(super) struct LenientYaml(pub(super) Value);

impl<'de> Deserialize<'de> for LenientYaml {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_any(LenientVisitor)
            .map(LenientYaml)
    }
}

struct LenientVisitor;

impl<'de> de::Visitor<'de> for LenientVisitor {
    type Value = Value;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("any YAML value")
    }

    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }

    fn visit_i64<E>(self, i: i64) -> Result<Value, E> {
        Ok(Value::Number(i.into()))
    }

    fn visit_u64<E>(self, u: u64) -> Result<Value, E> {
        Ok(Value::Number(u.into()))
    }

    fn visit_i128<E>(self, i: i128) -> Result<Value, E> {
        Ok(match i64::try_from(i) {
            Ok(small) => Value::Number(small.into()),
            // Beyond 64 bits: the nearest float, as JSON readers do.
            Err(_) => Value::Number((i as f64).into()),
        })
    }

    fn visit_u128<E>(self, u: u128) -> Result<Value, E> {
        Ok(match u64::try_from(u) {
            Ok(small) => Value::Number(small.into()),
            Err(_) => Value::Number((u as f64).into()),
        })
    }

    fn visit_f64<E>(self, f: f64) -> Result<Value, E> {
        Ok(Value::Number(f.into()))
    }

    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.to_string()))
    }

    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        LenientYaml::deserialize(deserializer).map(|v| v.0)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut data: A) -> Result<Value, A::Error> {
        let mut sequence = Vec::new();
        while let Some(LenientYaml(item)) = data.next_element()? {
            sequence.push(item);
        }
        Ok(Value::Sequence(sequence))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut data: A) -> Result<Value, A::Error> {
        let mut mapping = Mapping::new();
        while let Some(LenientYaml(key)) = data.next_key()? {
            if mapping.contains_key(&key) {
                let shown = match &key {
                    Value::String(s) => s.clone(),
                    other => format!("{other:?}"),
                };
                return Err(de::Error::custom(format!(
                    "duplicate entry with key {shown:?}"
                )));
            }
            let LenientYaml(value) = data.next_value()?;
            mapping.insert(key, value);
        }
        Ok(Value::Mapping(mapping))
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Value, A::Error> {
        let (tag, contents): (String, _) = data.variant()?;
        let LenientYaml(value) = contents.newtype_variant()?;
        Ok(Value::Tagged(Box::new(TaggedValue {
            tag: Tag::new(tag),
            value,
        })))
    }
}

/// Drops the bounds and counts of a YAML tree that `openapiv3` cannot read as 64-bit integers.
pub(super) fn relax_yaml(value: &mut Value) {
    match value {
        Value::Mapping(mapping) => {
            let integer = mapping.get("type").and_then(Value::as_str) == Some("integer");
            mapping.retain(|key, value| {
                let Some(key) = key.as_str() else {
                    return true;
                };
                let Value::Number(number) = value else {
                    return true;
                };
                if integer && INTEGER_BOUNDS.contains(&key) {
                    number.as_i64().is_some() || integral(number.as_f64()).is_some()
                } else if COUNTS.contains(&key) {
                    number.as_u64().is_some()
                } else {
                    true
                }
            });
            for (key, value) in mapping.iter_mut() {
                // An integral float bound (`1.0e3`) is the integer it names.
                if let (true, Some(key), Value::Number(number)) = (integer, key.as_str(), &*value) {
                    if INTEGER_BOUNDS.contains(&key) && number.as_i64().is_none() {
                        if let Some(whole) = integral(number.as_f64()) {
                            *value = Value::Number(whole.into());
                        }
                    }
                }
                relax_yaml(value);
            }
        }
        Value::Sequence(items) => items.iter_mut().for_each(relax_yaml),
        Value::Tagged(tagged) => relax_yaml(&mut tagged.value),
        _ => {}
    }
}

/// [`relax_yaml`] for a JSON tree.
pub(super) fn relax_json(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(object) => {
            let integer = object.get("type").and_then(serde_json::Value::as_str) == Some("integer");
            object.retain(|key, value| {
                let serde_json::Value::Number(number) = value else {
                    return true;
                };
                if integer && INTEGER_BOUNDS.contains(&key.as_str()) {
                    number.as_i64().is_some() || integral(number.as_f64()).is_some()
                } else if COUNTS.contains(&key.as_str()) {
                    number.as_u64().is_some()
                } else {
                    true
                }
            });
            for (key, value) in object.iter_mut() {
                if let (true, serde_json::Value::Number(number)) = (integer, &*value) {
                    if INTEGER_BOUNDS.contains(&key.as_str()) && number.as_i64().is_none() {
                        if let Some(whole) = integral(number.as_f64()) {
                            *value = serde_json::Value::Number(whole.into());
                        }
                    }
                }
                relax_json(value);
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(relax_json),
        _ => {}
    }
}

/// The integer a float names exactly, when it is one within the 64-bit range.
fn integral(float: Option<f64>) -> Option<i64> {
    let float = float?;
    // 2^63 as a float; every float below it in magnitude converts exactly when whole.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    (float.fract() == 0.0 && (-LIMIT..LIMIT).contains(&float)).then_some(float as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn relaxed_yaml(text: &str) -> Value {
        let mut tree = serde_yaml::from_str::<LenientYaml>(text).map_or(Value::Null, |t| t.0);
        relax_yaml(&mut tree);
        tree
    }

    #[test]
    fn integers_beyond_64_bits_are_read_and_bounds_outside_dropped() {
        let tree = relaxed_yaml(
            "type: integer\nminimum: -99999999999999999999\nmaximum: 18446744073709552000\n\
             multipleOf: 2.0\ndefault: 18446744073709552000\nmaxLength: -1\n",
        );
        let expected = relaxed_yaml("type: integer\nmultipleOf: 2\n");
        let Value::Mapping(mut expected) = expected else {
            panic!("not a mapping: {expected:?}");
        };
        expected.insert(
            "default".into(),
            Value::Number(18446744073709552000f64.into()),
        );
        assert_eq!(tree, Value::Mapping(expected));
    }

    #[test]
    fn number_bounds_keep_any_size_and_other_keys_are_untouched() {
        let text =
            "type: number\nmaximum: 18446744073709552000\nproperties:\n  minimum: {type: string}\n";
        let tree = relaxed_yaml(text);
        assert_eq!(
            tree.get("maximum"),
            Some(&Value::Number(18446744073709552000f64.into()))
        );
        assert!(tree
            .get("properties")
            .and_then(|p| p.get("minimum"))
            .is_some());
    }

    #[test]
    fn json_bounds_outside_64_bits_are_dropped() {
        let mut tree: serde_json::Value = serde_json::from_str(
            r#"{"type": "integer", "maximum": 18446744073709552000, "minimum": 0, "minItems": 1.5}"#,
        )
        .unwrap_or_default();
        relax_json(&mut tree);
        assert_eq!(tree, serde_json::json!({"type": "integer", "minimum": 0}));
    }

    #[test]
    fn duplicate_keys_and_tags_are_read_as_serde_yaml_reads_them() {
        let duplicate = serde_yaml::from_str::<LenientYaml>("a: 1\na: 2\n").err();
        assert!(
            duplicate.is_some_and(|e| e.to_string().contains("duplicate entry with key \"a\"")),
            "a repeated key must be refused"
        );
        let tagged = serde_yaml::from_str::<LenientYaml>("!thing 3")
            .map(|t| t.0)
            .ok();
        let plain = serde_yaml::from_str::<Value>("!thing 3").ok();
        assert_eq!(tagged, plain);
    }
}
