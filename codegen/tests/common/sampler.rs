//! A seeded sampler of JSON values valid against an OpenAPI schema (3.0's dialect, with
//! `nullable`, or 3.1's JSON Schema 2020-12), for the sample test: it aims at valid values, and
//! an independent validator (`tests/samples/judge.py`) decides which are. Values are written as
//! JSON text of their own, so that integers of any size stay exact.

use serde_json::Value;

/// A drawn JSON value. Numbers keep their text (an integer beyond 64 bits is exact).
#[derive(Debug, Clone, PartialEq)]
pub enum Sample {
    Null,
    Bool(bool),
    Number(String),
    Text(String),
    List(Vec<Sample>),
    Object(Vec<(String, Sample)>),
}

impl Sample {
    /// The value as JSON text.
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) {
        match self {
            Sample::Null => out.push_str("null"),
            Sample::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Sample::Number(text) => out.push_str(text),
            Sample::Text(text) => out.push_str(&Value::String(text.clone()).to_string()),
            Sample::List(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write(out);
                }
                out.push(']');
            }
            Sample::Object(fields) => {
                out.push('{');
                for (i, (key, value)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&Value::String(key.clone()).to_string());
                    out.push(':');
                    value.write(out);
                }
                out.push('}');
            }
        }
    }

    /// Whether the value holds an integer beyond 64 bits.
    pub fn has_wide_integer(&self) -> bool {
        match self {
            Sample::Number(text) => {
                !text.contains(['.', 'e', 'E'])
                    && text.parse::<i64>().is_err()
                    && text.parse::<u64>().is_err()
            }
            Sample::List(items) => items.iter().any(Sample::has_wide_integer),
            Sample::Object(fields) => fields.iter().any(|(_, v)| v.has_wide_integer()),
            _ => false,
        }
    }

    fn from_value(value: &Value) -> Sample {
        match value {
            Value::Null => Sample::Null,
            Value::Bool(b) => Sample::Bool(*b),
            Value::Number(n) => Sample::Number(n.to_string()),
            Value::String(s) => Sample::Text(s.clone()),
            Value::Array(items) => Sample::List(items.iter().map(Sample::from_value).collect()),
            Value::Object(map) => Sample::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), Sample::from_value(v)))
                    .collect(),
            ),
        }
    }
}

/// SplitMix64: small, seeded, the same on every machine.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    /// True with probability `1 / n`.
    pub fn one_in(&mut self, n: u64) -> bool {
        self.next() % n.max(1) == 0
    }
}

/// A stable seed for a text (FNV-1a).
pub fn seed_of(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Draws values from the schemas of one document.
pub struct Sampler<'a> {
    document: &'a Value,
    /// 3.0's dialect (`nullable`, boolean `exclusiveMinimum`) rather than 3.1's.
    v30: bool,
}

/// How deep values nest before only what is required is drawn.
const DEEP: usize = 6;
/// Past this depth, drawing gives up (a recursive schema that requires itself).
const TOO_DEEP: usize = 40;

impl<'a> Sampler<'a> {
    pub fn new(document: &'a Value) -> Self {
        let v30 = document
            .get("openapi")
            .and_then(Value::as_str)
            .is_none_or(|v| v.starts_with("3.0"));
        Sampler { document, v30 }
    }

    /// The node at a JSON pointer, following `$ref`s met on the way; with the pointer of where
    /// it really is.
    pub fn node(&self, pointer: &str) -> Option<(String, &'a Value)> {
        let mut at = String::new();
        let mut node = self.document;
        for token in pointer.split('/').skip(1) {
            let (resolved, found) = self.follow(&at, node)?;
            at = resolved;
            let key = token.replace("~1", "/").replace("~0", "~");
            node = match found {
                Value::Object(map) => map.get(&key)?,
                Value::Array(items) => items.get(key.parse::<usize>().ok()?)?,
                _ => return None,
            };
            at = format!("{at}/{token}");
        }
        Some((at, node))
    }

    /// A node with its `$ref` followed (local references only, up to 32 hops).
    fn follow(&self, at: &str, mut node: &'a Value) -> Option<(String, &'a Value)> {
        let mut at = at.to_string();
        for _ in 0..32 {
            match node.get("$ref").and_then(Value::as_str) {
                Some(reference) if node.as_object().is_some_and(|m| m.len() == 1) => {
                    let pointer = reference.strip_prefix('#')?;
                    let (resolved, target) = self.node(pointer)?;
                    at = resolved;
                    node = target;
                }
                _ => return Some((at, node)),
            }
        }
        None
    }

    fn resolve(&self, reference: &str) -> Option<&'a Value> {
        let pointer = reference.strip_prefix('#')?;
        self.node(pointer).map(|(_, node)| node)
    }

    /// Whether a schema admits `null` (3.0's `nullable`, a `null` type, a `null` member).
    pub fn admits_null(&self, schema: &Value) -> bool {
        self.admits_null_at(schema, 0)
    }

    fn admits_null_at(&self, schema: &Value, depth: usize) -> bool {
        if depth > 16 {
            return false;
        }
        let Some(map) = schema.as_object() else {
            return schema.as_bool() == Some(true);
        };
        if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
            if self.v30 || map.len() == 1 {
                return self
                    .resolve(reference)
                    .is_some_and(|target| self.admits_null_at(target, depth + 1));
            }
        }
        if let Some(values) = map.get("enum").and_then(Value::as_array) {
            return values.contains(&Value::Null);
        }
        if map.get("nullable") == Some(&Value::Bool(true)) && self.v30 {
            return true;
        }
        match map.get("type") {
            Some(Value::String(t)) if t == "null" => return true,
            Some(Value::Array(types)) => return types.iter().any(|t| t == "null"),
            Some(_) => return false,
            None => {}
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(members) = map.get(key).and_then(Value::as_array) {
                return members.iter().any(|m| self.admits_null_at(m, depth + 1));
            }
        }
        if let Some(members) = map.get("allOf").and_then(Value::as_array) {
            return !members.is_empty()
                && members.iter().all(|m| self.admits_null_at(m, depth + 1));
        }
        false
    }

    /// One value for the schema at `pointer`; `choice` picks the member of a union at the top
    /// (so that successive draws reach each member).
    pub fn draw(&self, pointer: &str, choice: usize, rng: &mut Rng) -> Option<Sample> {
        let (_, schema) = self.node(pointer)?;
        self.value(schema, 0, Some(choice), rng)
    }

    fn value(
        &self,
        schema: &Value,
        depth: usize,
        choice: Option<usize>,
        rng: &mut Rng,
    ) -> Option<Sample> {
        if depth > TOO_DEEP {
            return None;
        }
        let schema = match schema {
            Value::Bool(true) => return Some(self.any(depth, rng)),
            Value::Bool(false) => return None,
            Value::Object(_) => self.flatten(schema, choice, rng)?,
            _ => return Some(self.any(depth, rng)),
        };
        let map = schema.as_object()?;
        if let Some(value) = map.get("const") {
            return Some(Sample::from_value(value));
        }
        if let Some(values) = map.get("enum").and_then(Value::as_array) {
            if values.is_empty() {
                return None;
            }
            let pick = choice.unwrap_or_else(|| rng.below(values.len())) % values.len();
            return Some(Sample::from_value(&values[pick]));
        }
        let types: Vec<&str> = match map.get("type") {
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        let nullable = (self.v30 && map.get("nullable") == Some(&Value::Bool(true)))
            || types.contains(&"null");
        if nullable && rng.one_in(6) {
            return Some(Sample::Null);
        }
        let concrete: Vec<&str> = types.iter().copied().filter(|t| *t != "null").collect();
        let kind = if concrete.is_empty() {
            if map.contains_key("properties") || map.contains_key("additionalProperties") {
                "object"
            } else if map.contains_key("items") || map.contains_key("prefixItems") {
                "array"
            } else if types.contains(&"null") {
                return Some(Sample::Null);
            } else {
                return Some(self.any(depth, rng));
            }
        } else {
            concrete[rng.below(concrete.len())]
        };
        match kind {
            "string" => Some(Sample::Text(self.string(map, rng))),
            "integer" => Some(Sample::Number(self.integer(map, rng)?)),
            "number" => Some(Sample::Number(self.number(map, rng)?)),
            "boolean" => Some(Sample::Bool(rng.one_in(2))),
            "array" => self.array(map, depth, rng),
            "object" => self.object(map, depth, rng),
            _ => Some(Sample::Null),
        }
    }

    /// The schema with `$ref`, `allOf` and one member of `oneOf`/`anyOf` merged in: one object
    /// of keywords to draw from.
    fn flatten(&self, schema: &Value, choice: Option<usize>, rng: &mut Rng) -> Option<Value> {
        let mut merged = serde_json::Map::new();
        self.merge_into(&mut merged, schema, choice, rng, 0)?;
        Some(Value::Object(merged))
    }

    fn merge_into(
        &self,
        merged: &mut serde_json::Map<String, Value>,
        schema: &Value,
        choice: Option<usize>,
        rng: &mut Rng,
        hops: usize,
    ) -> Option<()> {
        if hops > 24 {
            return None;
        }
        let map = match schema {
            Value::Object(map) => map,
            Value::Bool(true) => return Some(()),
            _ => return None,
        };
        if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
            let target = self.resolve(reference)?;
            self.merge_into(merged, target, choice, rng, hops + 1)?;
            if self.v30 {
                return Some(());
            }
        }
        for (key, value) in map {
            match key.as_str() {
                "$ref" | "allOf" | "oneOf" | "anyOf" | "discriminator" => {}
                "properties" => {
                    let into = merged
                        .entry("properties")
                        .or_insert_with(|| Value::Object(Default::default()));
                    if let (Some(into), Some(from)) = (into.as_object_mut(), value.as_object()) {
                        for (name, property) in from {
                            match into.get_mut(name) {
                                // Written twice (a base and a subtype): both must hold.
                                Some(existing) if existing != property => {
                                    *existing = serde_json::json!({
                                        "allOf": [existing.clone(), property.clone()]
                                    });
                                }
                                Some(_) => {}
                                None => {
                                    into.insert(name.clone(), property.clone());
                                }
                            }
                        }
                    }
                }
                "required" => {
                    let into = merged
                        .entry("required")
                        .or_insert_with(|| Value::Array(Vec::new()));
                    if let (Some(into), Some(from)) = (into.as_array_mut(), value.as_array()) {
                        for name in from {
                            if !into.contains(name) {
                                into.push(name.clone());
                            }
                        }
                    }
                }
                "type" => {
                    // Two types: what both allow.
                    let both = match (merged.get("type"), value) {
                        (None, _) => Some(value.clone()),
                        (Some(Value::Array(had)), Value::String(t)) => had
                            .contains(&Value::String(t.clone()))
                            .then(|| value.clone()),
                        (Some(Value::String(had)), Value::Array(list)) => list
                            .contains(&Value::String(had.clone()))
                            .then(|| Value::String(had.clone())),
                        (Some(had), _) if had == value => Some(value.clone()),
                        (Some(Value::Array(had)), Value::Array(list)) => Some(Value::Array(
                            had.iter().filter(|t| list.contains(t)).cloned().collect(),
                        )),
                        // `integer` within `number`.
                        (Some(Value::String(a)), Value::String(b))
                            if (a == "integer" && b == "number")
                                || (a == "number" && b == "integer") =>
                        {
                            Some(Value::String("integer".into()))
                        }
                        _ => None,
                    };
                    merged.insert("type".into(), both?);
                }
                "nullable" => {
                    // Every member must allow `null` for the whole to.
                    let had = merged.get("nullable").and_then(Value::as_bool);
                    let this = value.as_bool().unwrap_or(false);
                    merged.insert("nullable".into(), Value::Bool(had.unwrap_or(true) && this));
                }
                _ => {
                    merged.entry(key.clone()).or_insert_with(|| value.clone());
                }
            }
        }
        if !merged.contains_key("nullable") && self.v30 && map.contains_key("type") {
            merged.insert("nullable".into(), Value::Bool(false));
        }
        if let Some(members) = map.get("allOf").and_then(Value::as_array) {
            for member in members {
                self.merge_into(merged, member, None, rng, hops + 1)?;
            }
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(members) = map.get(key).and_then(Value::as_array) {
                if members.is_empty() {
                    continue;
                }
                let pick = choice.unwrap_or_else(|| rng.below(members.len())) % members.len();
                let member = &members[pick];
                // A member that is only `null` (3.1's way to say nullable).
                if member.get("type").and_then(Value::as_str) == Some("null") {
                    merged.insert("const".into(), Value::Null);
                    continue;
                }
                // A member's `additionalProperties` speaks of the member alone (JSON Schema
                // reads each member on its own), not of the object the type holds.
                let had = merged.get("additionalProperties").cloned();
                self.merge_into(merged, member, None, rng, hops + 1)?;
                match had {
                    Some(had) => merged.insert("additionalProperties".into(), had),
                    None => merged.remove("additionalProperties"),
                };
                self.discriminate(merged, map, member);
            }
        }
        Some(())
    }

    /// Under a discriminator, the property names the member that was drawn.
    fn discriminate(
        &self,
        merged: &mut serde_json::Map<String, Value>,
        union: &serde_json::Map<String, Value>,
        member: &Value,
    ) {
        let Some(discriminator) = union.get("discriminator") else {
            return;
        };
        let Some(property) = discriminator.get("propertyName").and_then(Value::as_str) else {
            return;
        };
        let Some(reference) = member.get("$ref").and_then(Value::as_str) else {
            return;
        };
        let mapped = discriminator
            .get("mapping")
            .and_then(Value::as_object)
            .and_then(|mapping| {
                mapping
                    .iter()
                    .find(|(_, target)| target.as_str() == Some(reference))
                    .map(|(value, _)| value.clone())
            });
        let value =
            mapped.unwrap_or_else(|| reference.rsplit('/').next().unwrap_or_default().to_string());
        let properties = merged
            .entry("properties")
            .or_insert_with(|| Value::Object(Default::default()));
        if let Some(properties) = properties.as_object_mut() {
            properties.insert(property.into(), serde_json::json!({ "const": value }));
        }
        let required = merged
            .entry("required")
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Some(required) = required.as_array_mut() {
            if !required.contains(&Value::String(property.into())) {
                required.push(Value::String(property.into()));
            }
        }
    }

    fn any(&self, depth: usize, rng: &mut Rng) -> Sample {
        match rng.below(if depth > DEEP { 4 } else { 6 }) {
            0 => Sample::Text(word(rng)),
            1 => Sample::Number((rng.below(2000) as i64 - 1000).to_string()),
            2 => Sample::Bool(rng.one_in(2)),
            3 => Sample::Null,
            4 => Sample::Object(vec![("key".into(), Sample::Text(word(rng)))]),
            _ => Sample::List(vec![Sample::Number(rng.below(10).to_string())]),
        }
    }

    fn string(&self, map: &serde_json::Map<String, Value>, rng: &mut Rng) -> String {
        let format = map.get("format").and_then(Value::as_str).unwrap_or("");
        let min = map.get("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
        let max = map
            .get("maxLength")
            .and_then(Value::as_u64)
            .map_or(usize::MAX, |m| m as usize);
        let pattern = map.get("pattern").and_then(Value::as_str);
        let text = match format {
            // A pattern, where no format this sampler draws says the shape: a string it matches
            // (the validator has the last word; lookarounds are not drawn for).
            known
                if pattern.is_some()
                    && !matches!(
                        known,
                        "date-time"
                            | "date"
                            | "time"
                            | "uuid"
                            | "email"
                            | "uri"
                            | "url"
                            | "hostname"
                            | "ipv4"
                            | "ipv6"
                            | "byte"
                    ) =>
            {
                let pattern = pattern.unwrap_or_default();
                return pattern_sample(pattern, rng).unwrap_or_else(|| word(rng));
            }
            "date-time" => format!(
                "20{:02}-{:02}-{:02}T{:02}:{:02}:{:02}{}Z",
                rng.below(40),
                1 + rng.below(12),
                1 + rng.below(28),
                rng.below(24),
                rng.below(60),
                rng.below(60),
                if rng.one_in(2) { ".123" } else { "" }
            ),
            "date" => format!(
                "20{:02}-{:02}-{:02}",
                rng.below(40),
                1 + rng.below(12),
                1 + rng.below(28)
            ),
            "time" => format!(
                "{:02}:{:02}:{:02}Z",
                rng.below(24),
                rng.below(60),
                rng.below(60)
            ),
            "uuid" => format!(
                "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
                rng.next() as u32,
                rng.next() as u16,
                rng.next() % 0x1000,
                rng.next() % 0x1000,
                rng.next() % 0x1_0000_0000_0000
            ),
            "email" => format!("{}@example.com", word(rng)),
            "uri" | "url" => format!("https://example.com/{}", word(rng)),
            "hostname" => format!("{}.example.com", word(rng)),
            "ipv4" => format!(
                "{}.{}.{}.{}",
                rng.below(256),
                rng.below(256),
                rng.below(256),
                rng.below(256)
            ),
            "ipv6" => format!("2001:db8::{:x}", rng.below(0xffff)),
            "byte" => "aGVsbG8gd29ybGQ=".to_string(),
            _ => {
                // Plain text, now and then with what breaks careless decoders.
                let mut text = word(rng);
                if rng.one_in(5) {
                    text.push_str(["é✓", " \"quoted\" ", "\\", "\n", "\u{1F600}"][rng.below(5)]);
                }
                text
            }
        };
        let length = text.chars().count();
        if length < min {
            let mut text = text;
            while text.chars().count() < min {
                text.push('x');
            }
            text
        } else if length > max {
            text.chars().take(max).collect()
        } else {
            text
        }
    }

    fn integer(&self, map: &serde_json::Map<String, Value>, rng: &mut Rng) -> Option<String> {
        let format = map.get("format").and_then(Value::as_str).unwrap_or("");
        let (mut low, mut high): (i128, i128) = match format {
            "int8" => (i8::MIN.into(), i8::MAX.into()),
            "int16" => (i16::MIN.into(), i16::MAX.into()),
            "int32" => (i32::MIN.into(), i32::MAX.into()),
            "int64" => (i64::MIN.into(), i64::MAX.into()),
            "uint8" => (0, u8::MAX.into()),
            "uint16" => (0, u16::MAX.into()),
            "uint32" | "uint" => (0, u32::MAX.into()),
            "uint64" => (0, u64::MAX.into()),
            // JSON Schema's integers have no size: now and then one beyond 64 bits.
            _ if rng.one_in(8) => (-(1i128 << 100), 1i128 << 100),
            _ => (i64::MIN.into(), i64::MAX.into()),
        };
        let (min, max) = self.bounds(map);
        if let Some(min) = min {
            low = low.max(min.ceil() as i128);
        }
        if let Some(max) = max {
            high = high.min(max.floor() as i128);
        }
        if low > high {
            return None;
        }
        let multiple = map.get("multipleOf").and_then(Value::as_f64);
        let value = match rng.below(6) {
            0 => low,
            1 => high,
            _ if high - low < 1000 => low + (rng.next() as i128).rem_euclid(high - low + 1),
            2 => low.max(0).min(high) + (rng.below(100) as i128).min(high - low.max(0).min(high)),
            3 => {
                let span = (high - low).min(1 << 62);
                low + (rng.next() as i128).rem_euclid(span + 1)
            }
            _ => {
                low.max(-50).min(high) + (rng.below(100) as i128).min(high - low.max(-50).min(high))
            }
        };
        let value = match multiple {
            Some(step) if step >= 1.0 && step.fract() == 0.0 => {
                let step = step as i128;
                let snapped = value - value.rem_euclid(step);
                if snapped < low {
                    snapped + step
                } else {
                    snapped
                }
            }
            _ => value,
        };
        Some(value.to_string())
    }

    /// `minimum`/`maximum` with the exclusive forms of both dialects, as inclusive bounds for
    /// integers (an exclusive bound moves by one, which is right for integers and close enough
    /// for the validator to judge floats).
    fn bounds(&self, map: &serde_json::Map<String, Value>) -> (Option<f64>, Option<f64>) {
        let mut min = map.get("minimum").and_then(Value::as_f64);
        let mut max = map.get("maximum").and_then(Value::as_f64);
        match map.get("exclusiveMinimum") {
            Some(Value::Bool(true)) => min = min.map(|m| m + 1.0),
            Some(Value::Number(n)) => min = n.as_f64().map(|m| m + 1.0),
            _ => {}
        }
        match map.get("exclusiveMaximum") {
            Some(Value::Bool(true)) => max = max.map(|m| m - 1.0),
            Some(Value::Number(n)) => max = n.as_f64().map(|m| m - 1.0),
            _ => {}
        }
        (min, max)
    }

    fn number(&self, map: &serde_json::Map<String, Value>, rng: &mut Rng) -> Option<String> {
        let float = map.get("format").and_then(Value::as_str) == Some("float");
        let (min, max) = self.bounds(map);
        let (low, high) = (
            min.unwrap_or(if float { -3.4e38 } else { -1.0e300 }),
            max.unwrap_or(if float { 3.4e38 } else { 1.0e300 }),
        );
        if low > high {
            return None;
        }
        if let Some(step) = map.get("multipleOf").and_then(Value::as_f64) {
            if step > 0.0 {
                let count = ((high.min(1e6) - low.max(-1e6)) / step).floor().max(0.0);
                let k = (rng.next() % (count as u64 + 1)) as f64;
                let start = (low.max(-1e6) / step).ceil() * step;
                return Some(format_number(start + k * step, float));
            }
        }
        let candidates = [
            low,
            high,
            0.5,
            -3.402823466e+38,
            0.1,
            1.0 / 3.0,
            5.0,
            123456.789,
            -2.5e-7,
            6.02214076e23,
        ];
        let mut value = candidates[rng.below(candidates.len())];
        if !(low..=high).contains(&value) {
            value = low + (high - low) * ((rng.below(1000) as f64) / 1000.0);
        }
        if !value.is_finite() {
            value = 0.0;
        }
        Some(format_number(value, float))
    }

    fn array(
        &self,
        map: &serde_json::Map<String, Value>,
        depth: usize,
        rng: &mut Rng,
    ) -> Option<Sample> {
        let min = map.get("minItems").and_then(Value::as_u64).unwrap_or(0) as usize;
        let max = map
            .get("maxItems")
            .and_then(Value::as_u64)
            .map(|m| m as usize);
        let unique = map.get("uniqueItems") == Some(&Value::Bool(true));
        let mut items = Vec::new();
        if let Some(prefix) = map.get("prefixItems").and_then(Value::as_array) {
            for item in prefix {
                items.push(self.value(item, depth + 1, None, rng)?);
            }
            return Some(Sample::List(items));
        }
        let extra = if depth > DEEP { 0 } else { rng.below(3) };
        let count = (min + extra).min(max.unwrap_or(usize::MAX));
        let item = map.get("items").cloned().unwrap_or(Value::Bool(true));
        let mut tries = 0;
        while items.len() < count && tries < count * 4 + 4 {
            tries += 1;
            let value = self.value(&item, depth + 1, None, rng)?;
            if unique && items.contains(&value) {
                continue;
            }
            items.push(value);
        }
        (items.len() >= min).then_some(Sample::List(items))
    }

    fn object(
        &self,
        map: &serde_json::Map<String, Value>,
        depth: usize,
        rng: &mut Rng,
    ) -> Option<Sample> {
        let required: Vec<&str> = map
            .get("required")
            .and_then(Value::as_array)
            .map(|names| names.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let mut fields = Vec::new();
        let empty = serde_json::Map::new();
        let properties = map
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        for (name, property) in properties {
            let needed = required.contains(&name.as_str());
            if !needed && (depth > DEEP || rng.one_in(2)) {
                continue;
            }
            match self.value(property, depth + 1, None, rng) {
                Some(value) => fields.push((name.clone(), value)),
                None if needed => return None,
                None => {}
            }
        }
        // A required name without a property schema is a property the schema does not name,
        // which the types drop (README): not drawn, so such a value fails validation.
        // Properties beyond the named ones where the schema says so (`true` or a schema); the
        // default, unsaid, is documented as dropped (README), and not drawn.
        if let Some(extra) = map
            .get("additionalProperties")
            .filter(|v| v.is_object() || **v == Value::Bool(true))
        {
            if depth <= DEEP {
                for i in 0..rng.below(3) {
                    let key = format!("extra{i}");
                    if let Some(value) = self.value(extra, depth + 1, None, rng) {
                        fields.push((key, value));
                    }
                }
            }
        }
        Some(Sample::Object(fields))
    }
}

/// A double (or a single, for `format: float`) as JSON text that reads back as the same value.
fn format_number(value: f64, float: bool) -> String {
    let text = if float {
        format!("{:e}", value as f32)
    } else {
        format!("{value:e}")
    };
    // `1e0` is valid JSON; `5e0` for an integral double keeps it a number with no fraction.
    text
}

fn word(rng: &mut Rng) -> String {
    const WORDS: &[&str] = &[
        "alpha",
        "vm-42",
        "datastore1",
        "Zürich",
        "a b",
        "",
        "x",
        "domain-c8",
        "ÆØÅ",
    ];
    WORDS[rng.below(WORDS.len())].to_string()
}

/// A string the pattern matches, when the pattern is one `Pattern` reads.
pub fn pattern_sample(pattern: &str, rng: &mut Rng) -> Option<String> {
    Pattern::parse(pattern).map(|parsed| parsed.draw(rng))
}

/// A regular expression, parsed far enough to draw strings it matches: literals, escapes
/// (`\d`, `\w`, `\s`, escaped punctuation), classes with ranges, `.`, groups, alternation and
/// quantifiers. Anchors match where drawing starts and ends; lookarounds are skipped.
#[derive(Debug, Clone)]
enum Pattern {
    /// One character out of these (never empty).
    Class(Vec<char>),
    /// One after the other.
    Sequence(Vec<Pattern>),
    /// One of these.
    Either(Vec<Pattern>),
    /// Repeated between `min` and `max` times.
    Repeat(Box<Pattern>, usize, usize),
}

const DIGITS: &str = "0123456789";
const WORD: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_";
const ANY: &str = "abcxyzABC019-_.";

impl Pattern {
    fn parse(source: &str) -> Option<Pattern> {
        let chars: Vec<char> = source.chars().collect();
        let mut at = 0;
        let parsed = Self::alternatives(&chars, &mut at, 0)?;
        (at == chars.len()).then_some(parsed)
    }

    fn alternatives(chars: &[char], at: &mut usize, depth: usize) -> Option<Pattern> {
        if depth > 20 {
            return None;
        }
        let mut options = vec![Self::sequence(chars, at, depth)?];
        while chars.get(*at) == Some(&'|') {
            *at += 1;
            options.push(Self::sequence(chars, at, depth)?);
        }
        Some(if options.len() == 1 {
            options.remove(0)
        } else {
            Pattern::Either(options)
        })
    }

    fn sequence(chars: &[char], at: &mut usize, depth: usize) -> Option<Pattern> {
        let mut items = Vec::new();
        while let Some(&c) = chars.get(*at) {
            let atom = match c {
                '|' | ')' => break,
                '^' | '$' => {
                    *at += 1;
                    continue;
                }
                '(' => {
                    *at += 1;
                    let look = chars.get(*at) == Some(&'?');
                    if look {
                        match chars.get(*at + 1) {
                            Some(':') => *at += 2,
                            Some('=' | '!') => {
                                // A lookahead: skipped whole.
                                *at += 2;
                                Self::alternatives(chars, at, depth + 1)?;
                                if chars.get(*at) != Some(&')') {
                                    return None;
                                }
                                *at += 1;
                                continue;
                            }
                            _ => return None,
                        }
                    }
                    let inner = Self::alternatives(chars, at, depth + 1)?;
                    if chars.get(*at) != Some(&')') {
                        return None;
                    }
                    *at += 1;
                    inner
                }
                '[' => Self::class(chars, at)?,
                '.' => {
                    *at += 1;
                    Pattern::Class(ANY.chars().collect())
                }
                '\\' => {
                    *at += 1;
                    let escaped = *chars.get(*at)?;
                    *at += 1;
                    Pattern::Class(escape_class(escaped)?)
                }
                '*' | '+' | '?' | '{' => return None,
                literal => {
                    *at += 1;
                    Pattern::Class(vec![literal])
                }
            };
            items.push(Self::quantified(atom, chars, at)?);
        }
        Some(Pattern::Sequence(items))
    }

    fn quantified(atom: Pattern, chars: &[char], at: &mut usize) -> Option<Pattern> {
        let (min, max) = match chars.get(*at) {
            Some('*') => (0, 3),
            Some('+') => (1, 4),
            Some('?') => (0, 1),
            Some('{') => {
                let close = chars[*at..].iter().position(|&c| c == '}')? + *at;
                let inside: String = chars[*at + 1..close].iter().collect();
                let (low, high) = match inside.split_once(',') {
                    Some((low, "")) => {
                        let low = low.trim().parse().ok()?;
                        (low, low + 3)
                    }
                    Some((low, high)) => (low.trim().parse().ok()?, high.trim().parse().ok()?),
                    None => {
                        let n = inside.trim().parse().ok()?;
                        (n, n)
                    }
                };
                *at = close;
                (low, high)
            }
            _ => return Some(atom),
        };
        *at += 1;
        // Lazy and possessive markers change nothing of what matches.
        if matches!(chars.get(*at), Some('?' | '+')) {
            *at += 1;
        }
        Some(Pattern::Repeat(Box::new(atom), min, max.max(min)))
    }

    fn class(chars: &[char], at: &mut usize) -> Option<Pattern> {
        *at += 1;
        let negated = chars.get(*at) == Some(&'^');
        if negated {
            *at += 1;
        }
        let mut members = Vec::new();
        let mut first = true;
        loop {
            let c = *chars.get(*at)?;
            if c == ']' && !first {
                *at += 1;
                break;
            }
            first = false;
            *at += 1;
            let low = if c == '\\' {
                let escaped = *chars.get(*at)?;
                *at += 1;
                let class = escape_class(escaped)?;
                if class.len() > 1 {
                    members.extend(class);
                    continue;
                }
                class[0]
            } else {
                c
            };
            if chars.get(*at) == Some(&'-') && chars.get(*at + 1).is_some_and(|&n| n != ']') {
                let mut high = chars[*at + 1];
                *at += 2;
                if high == '\\' {
                    high = *chars.get(*at)?;
                    *at += 1;
                }
                if (high as u32) < (low as u32) || (high as u32) - (low as u32) > 0x3000 {
                    return None;
                }
                members.extend((low..=high).filter(|c| !c.is_control()));
            } else {
                members.push(low);
            }
        }
        if negated {
            let outside: Vec<char> = ANY.chars().filter(|c| !members.contains(c)).collect();
            return (!outside.is_empty()).then_some(Pattern::Class(outside));
        }
        (!members.is_empty()).then_some(Pattern::Class(members))
    }

    fn draw(&self, rng: &mut Rng) -> String {
        let mut out = String::new();
        self.draw_into(&mut out, rng);
        out
    }

    fn draw_into(&self, out: &mut String, rng: &mut Rng) {
        match self {
            Pattern::Class(members) => out.push(members[rng.below(members.len())]),
            Pattern::Sequence(items) => {
                for item in items {
                    item.draw_into(out, rng);
                }
            }
            Pattern::Either(options) => options[rng.below(options.len())].draw_into(out, rng),
            Pattern::Repeat(inner, min, max) => {
                let count = min + rng.below(max - min + 1);
                for _ in 0..count {
                    inner.draw_into(out, rng);
                }
            }
        }
    }
}

/// The characters an escape stands for: a class (`\d`, `\w`, `\s`) or the character itself.
fn escape_class(escaped: char) -> Option<Vec<char>> {
    Some(match escaped {
        'd' => DIGITS.chars().collect(),
        'w' => WORD.chars().collect(),
        's' => vec![' '],
        'n' => vec!['\n'],
        't' => vec!['\t'],
        'D' | 'W' | 'S' | 'b' | 'B' | 'p' | 'P' | 'u' | 'x' => return None,
        other => vec![other],
    })
}
