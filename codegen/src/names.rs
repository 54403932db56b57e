//! Every conversion from a spec's name to a Rust name goes through here: case conversion with
//! `heck`, Rust keywords, names that do not start with a letter, and collisions.

use std::collections::{BTreeMap, BTreeSet};

use heck::{ToKebabCase, ToPascalCase, ToSnakeCase};

/// Words Rust reserves; a name equal to one gets the raw prefix `r#` (or a `_` suffix where a raw
/// identifier is not allowed).
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
];

/// Keywords that cannot be raw identifiers.
const NOT_RAW: &[&str] = &["crate", "self", "Self", "super"];

fn is_keyword(name: &str) -> bool {
    KEYWORDS.contains(&name)
}

/// Keeps letters, digits and `_`; everything else separates words.
fn words_only(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// A `snake_case` name for a field, parameter or method, as it is written in Rust source.
pub fn snake_ident(name: &str) -> String {
    let mut snake = words_only(name).to_snake_case();
    if snake.is_empty() {
        snake = "value".to_string();
    }
    if snake.starts_with(|c: char| c.is_ascii_digit()) {
        snake = format!("n{snake}");
    }
    escape_keyword(snake)
}

/// A `PascalCase` name for a type or enum variant.
pub fn pascal_ident(name: &str) -> String {
    let mut pascal = words_only(name).to_pascal_case();
    if pascal.is_empty() {
        pascal = "Value".to_string();
    }
    if pascal.starts_with(|c: char| c.is_ascii_digit()) {
        pascal = format!("V{pascal}");
    }
    escape_keyword(pascal)
}

fn escape_keyword(name: String) -> String {
    if !is_keyword(&name) {
        name
    } else if NOT_RAW.contains(&name.as_str()) {
        format!("{name}_")
    } else {
        format!("r#{name}")
    }
}

/// The lowercase words of a name: `"vm/hardware/cdrom"` -> `["vm", "hardware", "cdrom"]`.
fn words(name: &str) -> Vec<String> {
    words_only(name)
        .to_snake_case()
        .split('_')
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// The method name of an operation, from the operation alone (never from the other operations,
/// so adding one to a spec renames nothing):
///
/// - with a tag: the first tag's words, then the operationId's (or, without one, the `action`
///   of the path key's query, or the HTTP method), each said once: `vm/hardware/cdrom` +
///   `disconnect` -> `vm_hardware_cdrom_disconnect`; an operationId that already starts with the
///   tag's words is used as it is. A first path segment other than `api` that is not part of
///   the tag goes in front (`/rest/...` -> `rest_...`), so VMware's older `/rest` copies of an
///   operation get names of their own;
/// - without a tag: the operationId, or else the HTTP method and the path's static words.
pub fn method_name(
    tags: &[String],
    operation_id: Option<&str>,
    path_key: &str,
    method: &str,
) -> String {
    let (path, query) = path_key.split_once('?').unwrap_or((path_key, ""));
    let segments: Vec<&str> = path
        .split('/')
        .filter(|s| !s.is_empty() && !s.starts_with('{'))
        .collect();
    let operation_id = operation_id.filter(|id| !words(id).is_empty());
    let action = query
        .split('&')
        .find_map(|pair| {
            pair.split_once('=')
                .filter(|(k, _)| k.trim_start_matches('~') == "action")
        })
        .map(|(_, v)| v);
    let Some(tag) = tags.first().filter(|t| !words(t).is_empty()) else {
        let name = match operation_id {
            Some(id) => words(id),
            None => {
                let mut all = words(method);
                all.extend(segments.iter().flat_map(|s| words(s)));
                all.extend(action.map(words).unwrap_or_default());
                all
            }
        };
        return snake_ident(&name.join("_"));
    };
    let resource = words(tag);
    let verb = match (operation_id, action) {
        (Some(id), _) => words(id),
        (None, Some(action)) => words(action),
        (None, None) => words(method),
    };
    let mut name = if verb.starts_with(&resource) {
        verb
    } else if resource.ends_with(&verb) {
        resource.clone()
    } else {
        let mut both = resource.clone();
        both.extend(verb);
        both
    };
    if let Some(first) = segments.first() {
        let first_words = words(first);
        if *first != "api" && !first_words.iter().all(|w| resource.contains(w)) {
            let mut prefixed = first_words;
            prefixed.append(&mut name);
            name = prefixed;
        }
    }
    snake_ident(&name.join("_"))
}

/// Rust names for the members of one scope (an enum's values, a struct's properties), in
/// document order, distinct by construction:
///
/// 1. each member gets `convert` of its spec name (or of its `given` name, an `x-codegen-name`);
/// 2. members whose name is shared by another spell their punctuation out before converting,
///    where it is the only difference: `+1` -> `Plus1` / `plus_1`, `-1` -> `Minus1` /
///    `minus_1` (see [`spell_punctuation`]);
/// 3. a name still taken (spec names that differ only in case) gets the smallest free number,
///    in document order: `Foo`, `Foo2`.
///
/// Given names are kept as they are; two members given the same name is the one conflict left,
/// returned as the indices of both.
pub fn distinct_idents(
    members: &[(&str, Option<&str>)],
    convert: fn(&str) -> String,
) -> Result<Vec<String>, (usize, usize)> {
    let mut given: BTreeMap<String, usize> = BTreeMap::new();
    for (index, (_, name)) in members.iter().enumerate() {
        if let Some(name) = name {
            if let Some(first) = given.insert(convert(name), index) {
                return Err((first, index));
            }
        }
    }
    let plain: Vec<String> = members
        .iter()
        .map(|(wire, name)| convert(name.unwrap_or(wire)))
        .collect();
    let mut uses: BTreeMap<&str, usize> = BTreeMap::new();
    for name in &plain {
        *uses.entry(name.as_str()).or_default() += 1;
    }
    let reserved: Vec<&str> = given.keys().map(String::as_str).collect();
    let mut scope = Namespace::with_reserved(&reserved);
    let mut idents = Vec::with_capacity(members.len());
    for ((wire, name), plain) in members.iter().zip(&plain) {
        if name.is_some() {
            idents.push(plain.clone());
            continue;
        }
        let wanted = if uses.get(plain.as_str()).copied().unwrap_or_default() > 1 {
            convert(&spell_punctuation(wire))
        } else {
            plain.clone()
        };
        idents.push(scope.claim(&wanted));
    }
    Ok(idents)
}

/// A name with every character other than an ASCII letter or digit spelled out as a word:
/// `+1` -> `_plus_1`, `a.b` -> `a_dot_b`; a character without a word here becomes its code
/// point (`é` -> `_u00e9_`).
pub fn spell_punctuation(name: &str) -> String {
    let mut spelled = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            spelled.push(c);
            continue;
        }
        let word = match c {
            '+' => "plus".to_string(),
            '-' => "minus".to_string(),
            '.' => "dot".to_string(),
            '_' => "underscore".to_string(),
            ' ' => "space".to_string(),
            '/' => "slash".to_string(),
            '\\' => "backslash".to_string(),
            '*' => "star".to_string(),
            '#' => "hash".to_string(),
            '@' => "at".to_string(),
            '!' => "bang".to_string(),
            '?' => "question".to_string(),
            '=' => "equals".to_string(),
            '<' => "lt".to_string(),
            '>' => "gt".to_string(),
            '&' => "and".to_string(),
            '|' => "pipe".to_string(),
            '%' => "percent".to_string(),
            '$' => "dollar".to_string(),
            '~' => "tilde".to_string(),
            '^' => "caret".to_string(),
            ':' => "colon".to_string(),
            ',' => "comma".to_string(),
            ';' => "semicolon".to_string(),
            '(' | ')' => "paren".to_string(),
            '[' | ']' => "bracket".to_string(),
            '{' | '}' => "brace".to_string(),
            '\'' | '"' | '`' => "quote".to_string(),
            other => format!("u{:04x}", u32::from(other)),
        };
        spelled.push('_');
        spelled.push_str(&word);
        spelled.push('_');
    }
    spelled
}

/// The method name of an operation in a document whose operationIds are unique (as OpenAPI
/// requires): the operationId's words, in `snake_case` (`listPets` -> `list_pets`,
/// `repos/get-content` -> `repos_get_content`). `None` when the id has no words.
pub fn operation_id_name(operation_id: &str) -> Option<String> {
    let words = words(operation_id);
    (!words.is_empty()).then(|| snake_ident(&words.join("_")))
}

/// The method name of an operation whose [`operation_id_name`] another operation's id also
/// gives (the ids differ only in case or punctuation), unless its id is that name exactly: the
/// id with its punctuation spelled out (`repos/get` -> `repos_slash_get`).
pub fn spelled_operation_id_name(operation_id: &str) -> String {
    snake_ident(&spell_punctuation(operation_id))
}

/// The name without a raw prefix, for messages and docs.
pub fn display_ident(ident: &str) -> &str {
    ident.strip_prefix("r#").unwrap_or(ident)
}

/// The feature name of the operations without a tag.
pub const UNTAGGED_FEATURE: &str = "untagged";

/// Cargo feature names for tags (`None`: the operations without a tag), in the order given:
/// the tag's words in kebab-case (`vm/hardware/cdrom` -> `vm-hardware-cdrom`), only ASCII
/// letters, digits and `-`, starting with a letter (`2fa` -> `tag-2fa`; a tag without a letter
/// or digit -> `tag`). A name already taken (by `reserved` or an earlier tag) gets the
/// smallest free suffix `-2`, `-3`, ... Every tag gets a name, so none can be refused.
pub fn feature_names(tags: &[Option<&str>], reserved: &[&str]) -> Vec<String> {
    let mut names = Namespace::with_reserved(reserved);
    tags.iter()
        .map(|tag| {
            let base = match tag {
                None => UNTAGGED_FEATURE.to_string(),
                Some(tag) => {
                    let kebab = words_only(tag).to_kebab_case();
                    match kebab.chars().next() {
                        None => "tag".to_string(),
                        Some(first) if first.is_ascii_alphabetic() => kebab,
                        Some(_) => format!("tag-{kebab}"),
                    }
                }
            };
            let mut candidate = base.clone();
            let mut n = 2usize;
            while names.contains(&candidate) {
                candidate = format!("{base}-{n}");
                n += 1;
            }
            names.claim(&candidate)
        })
        .collect()
}

/// Hands out names that are unique within one scope: a taken name gets the smallest free
/// numeric suffix. Callers visit names in a deterministic order, so the result is deterministic.
#[derive(Debug, Default)]
pub struct Namespace {
    taken: BTreeSet<String>,
}

impl Namespace {
    /// A scope in which `reserved` are already taken.
    pub fn with_reserved(reserved: &[&str]) -> Self {
        Namespace {
            taken: reserved.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// Whether `name` is taken.
    pub fn contains(&self, name: &str) -> bool {
        self.taken.contains(name)
    }

    /// Takes `wanted`, or `wanted2`, `wanted3`, ... when it is taken.
    pub fn claim(&mut self, wanted: &str) -> String {
        if self.taken.insert(wanted.to_string()) {
            return wanted.to_string();
        }
        let base = display_ident(wanted).to_string();
        let mut n = 2usize;
        loop {
            let candidate = format!("{base}{n}");
            if self.taken.insert(candidate.clone()) {
                return candidate;
            }
            n += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_case_and_escapes_keywords() {
        assert_eq!(pascal_ident("Std_Errors_Error"), "StdErrorsError");
        assert_eq!(
            pascal_ident("ALREADY_IN_DESIRED_STATE"),
            "AlreadyInDesiredState"
        );
        assert_eq!(
            snake_ident("vmware-api-session-id"),
            "vmware_api_session_id"
        );
        assert_eq!(snake_ident("type"), "r#type");
        assert_eq!(snake_ident("self"), "self_");
        assert_eq!(pascal_ident("self"), "Self_");
        assert_eq!(snake_ident("2fa"), "n2fa");
        assert_eq!(pascal_ident("3d"), "V3d");
        assert_eq!(snake_ident("~~"), "value");
    }

    #[test]
    fn feature_names_are_cargo_names_free_of_collisions() {
        let names = feature_names(
            &[
                Some("vm/hardware/cdrom"),
                Some("VM"),
                Some("vm"),
                None,
                Some("untagged"),
                Some("2fa"),
                Some("日本"),
                Some("full"),
                Some("serde"),
            ],
            &["default", "full", "serde"],
        );
        assert_eq!(
            names,
            [
                "vm-hardware-cdrom",
                "vm",
                "vm-2",
                "untagged",
                "untagged-2",
                "tag-2fa",
                "tag",
                "full-2",
                "serde-2"
            ]
        );
    }

    #[test]
    fn method_names_come_from_the_operation_alone() {
        let tags = |t: &str| vec![t.to_string()];
        let disconnect = "/api/vcenter/vm/{vm}/hardware/cdrom/{cdrom}?action=disconnect";
        assert_eq!(
            method_name(
                &tags("vm/hardware/cdrom"),
                Some("disconnect"),
                disconnect,
                "post"
            ),
            "vm_hardware_cdrom_disconnect"
        );
        assert_eq!(
            method_name(
                &tags("vm/hardware/cdrom"),
                Some("vm_hardware_cdrom_disconnect"),
                disconnect,
                "post"
            ),
            "vm_hardware_cdrom_disconnect"
        );
        assert_eq!(
            method_name(
                &tags("vm/hardware/cdrom"),
                Some("disconnect"),
                "/rest/vcenter/vm/{vm}/hardware/cdrom/{cdrom}/disconnect",
                "post"
            ),
            "rest_vm_hardware_cdrom_disconnect"
        );
        assert_eq!(
            method_name(
                &tags("iso/image"),
                None,
                "/api/vcenter/iso/image?action=mount",
                "post"
            ),
            "iso_image_mount"
        );
        assert_eq!(
            method_name(&tags("pets"), Some("listPets"), "/pets", "get"),
            "pets_list_pets"
        );
        assert_eq!(
            method_name(&[], Some("listPets"), "/pets", "get"),
            "list_pets"
        );
        assert_eq!(
            method_name(&[], None, "/pets/{id}/toys", "get"),
            "get_pets_toys"
        );
        assert_eq!(
            method_name(&tags("vm"), Some("type"), "/api/vm", "get"),
            "vm_type"
        );
        assert_eq!(method_name(&[], Some("type"), "/api/vm", "get"), "r#type");
    }

    #[test]
    fn members_get_distinct_names_by_construction() {
        fn plain<'a>(names: &[&'a str]) -> Vec<(&'a str, Option<&'a str>)> {
            names.iter().map(|n| (*n, None)).collect()
        }
        // Alone, a value keeps its plain name; punctuation is spelled only where it collides.
        assert_eq!(
            distinct_idents(&plain(&["+1", "-1", "laugh", "-2"]), pascal_ident),
            Ok(vec![
                "Plus1".into(),
                "Minus1".into(),
                "Laugh".into(),
                "V2".into()
            ])
        );
        assert_eq!(
            distinct_idents(&plain(&["+1", "-1"]), snake_ident),
            Ok(vec!["plus_1".into(), "minus_1".into()])
        );
        // Differ only in case: a number, in document order.
        assert_eq!(
            distinct_idents(&plain(&["vmName", "vm_name", "VmName"]), snake_ident),
            Ok(vec![
                "vm_name".into(),
                "vm_underscore_name".into(),
                "vm_name2".into()
            ])
        );
        assert_eq!(
            distinct_idents(&plain(&["POWERED_ON", "powered-on"]), pascal_ident),
            Ok(vec!["PoweredUnderscoreOn".into(), "PoweredMinusOn".into()])
        );
        // A spelled name another member has as its plain name: a number.
        assert_eq!(
            distinct_idents(&plain(&["+1", "-1", "plus1"]), pascal_ident),
            Ok(vec!["Plus1".into(), "Minus1".into(), "Plus12".into()])
        );
        // Given names stay; a member whose plain name is given to another yields.
        assert_eq!(
            distinct_idents(&[("a", None), ("b", Some("a"))], snake_ident),
            Ok(vec!["a2".into(), "a".into()])
        );
        assert_eq!(
            distinct_idents(&[("a", Some("x")), ("b", Some("x"))], snake_ident),
            Err((0, 1))
        );
        assert_eq!(spell_punctuation("é"), "_u00e9_");
    }

    #[test]
    fn unique_operation_ids_name_methods_alone() {
        assert_eq!(operation_id_name("listPets").as_deref(), Some("list_pets"));
        assert_eq!(
            operation_id_name("repos/get-content").as_deref(),
            Some("repos_get_content")
        );
        assert_eq!(operation_id_name("type").as_deref(), Some("r#type"));
        assert_eq!(operation_id_name("~~"), None);
        assert_eq!(spelled_operation_id_name("repos/get"), "repos_slash_get");
        assert_eq!(spelled_operation_id_name("repos-get"), "repos_minus_get");
    }

    #[test]
    fn namespace_suffixes_collisions() {
        let mut names = Namespace::with_reserved(&["Client"]);
        assert_eq!(names.claim("Client"), "Client2");
        assert_eq!(names.claim("Vm"), "Vm");
        assert_eq!(names.claim("Vm"), "Vm2");
        assert_eq!(names.claim("r#type"), "r#type");
        assert_eq!(names.claim("r#type"), "type2");
    }
}
