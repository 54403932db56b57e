//! The one `$ref` resolver. Every reference the generator follows (schemas, parameters,
//! request bodies, responses) goes through [`component_key`] and [`resolve`]: a local URI
//! fragment `#/components/<section>/<key>`, percent-decoded and then unescaped as RFC 6901
//! says (`~1` is `/`, `~0` is `~`, in that order), and chains of references followed to the
//! item with cycles refused.

use std::collections::BTreeSet;

use indexmap::IndexMap;
use openapiv3::ReferenceOr;

/// Why a reference cannot be followed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefError {
    /// It names another document (or a URL).
    External,
    /// It names a node inside a component (`#/components/schemas/A/properties/b`), or a part
    /// of the document other than the section it must point into.
    NotAComponent,
    /// The component it names does not exist.
    Dangling,
    /// The chain of references comes back to itself without reaching an item.
    Cycle,
}

pub use crate::diagnostic::unescape_token as unescape;

/// The component key that `reference` names in `section` (`schemas`, `parameters`, ...).
pub fn component_key(reference: &str, section: &str) -> Result<String, RefError> {
    let Some(fragment) = reference.strip_prefix('#') else {
        return Err(RefError::External);
    };
    // A URI fragment is percent-encoded; the JSON pointer is what it decodes to.
    let pointer = percent_encoding::percent_decode_str(fragment).decode_utf8_lossy();
    let Some(rest) = pointer.strip_prefix("/components/") else {
        return Err(RefError::NotAComponent);
    };
    let Some(key) = rest
        .strip_prefix(section)
        .and_then(|rest| rest.strip_prefix('/'))
    else {
        return Err(RefError::NotAComponent);
    };
    if key.contains('/') {
        return Err(RefError::NotAComponent);
    }
    Ok(unescape(key))
}

/// The JSON pointer a local reference names (`#/a~1b/c%20d` -> `/a~1b/c d`): percent-decoded,
/// still RFC 6901-escaped, for `serde_json::Value::pointer`.
pub fn local_pointer(reference: &str) -> Result<String, RefError> {
    let Some(fragment) = reference.strip_prefix('#') else {
        return Err(RefError::External);
    };
    Ok(percent_encoding::percent_decode_str(fragment)
        .decode_utf8_lossy()
        .into_owned())
}

/// Follows `reference` through `components` (one section of `components`) to an item: the key
/// of the component that holds it, and the item.
pub fn resolve<'d, T>(
    components: Option<&'d IndexMap<String, ReferenceOr<T>>>,
    section: &str,
    reference: &str,
) -> Result<(String, &'d T), RefError> {
    let mut seen = BTreeSet::new();
    let mut key = component_key(reference, section)?;
    loop {
        if !seen.insert(key.clone()) {
            return Err(RefError::Cycle);
        }
        match components.and_then(|map| map.get(&key)) {
            None => return Err(RefError::Dangling),
            Some(ReferenceOr::Item(item)) => return Ok((key, item)),
            Some(ReferenceOr::Reference { reference }) => {
                key = component_key(reference, section)?;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(entries: &[(&str, ReferenceOr<u32>)]) -> IndexMap<String, ReferenceOr<u32>> {
        entries
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    fn reference(to: &str) -> ReferenceOr<u32> {
        ReferenceOr::Reference {
            reference: to.to_string(),
        }
    }

    #[test]
    fn keys_are_percent_decoded_then_unescaped() {
        assert_eq!(
            component_key("#/components/schemas/a~1b~0c%20d", "schemas"),
            Ok("a/b~c d".to_string())
        );
        // `~01` is `~1` after unescaping, not `/`.
        assert_eq!(
            component_key("#/components/schemas/x~01", "schemas"),
            Ok("x~1".to_string())
        );
    }

    #[test]
    fn references_outside_a_section_are_told_apart() {
        assert_eq!(
            component_key("other.yaml#/components/schemas/A", "schemas"),
            Err(RefError::External)
        );
        assert_eq!(
            component_key("#/components/schemas/A/properties/b", "schemas"),
            Err(RefError::NotAComponent)
        );
        assert_eq!(
            component_key("#/components/parameters/A", "schemas"),
            Err(RefError::NotAComponent)
        );
    }

    #[test]
    fn chains_are_followed_and_cycles_refused() {
        let components = map(&[
            ("a", reference("#/components/schemas/b")),
            ("b", ReferenceOr::Item(7)),
            ("loop", reference("#/components/schemas/loop2")),
            ("loop2", reference("#/components/schemas/loop")),
        ]);
        assert_eq!(
            resolve(Some(&components), "schemas", "#/components/schemas/a"),
            Ok(("b".to_string(), &7))
        );
        assert_eq!(
            resolve(Some(&components), "schemas", "#/components/schemas/loop"),
            Err(RefError::Cycle)
        );
        assert_eq!(
            resolve(Some(&components), "schemas", "#/components/schemas/none"),
            Err(RefError::Dangling)
        );
        assert_eq!(
            resolve::<u32>(None, "schemas", "#/components/schemas/a"),
            Err(RefError::Dangling)
        );
    }
}
