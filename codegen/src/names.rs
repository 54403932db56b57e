//! Every conversion from a spec's name to a Rust name goes through here: case conversion with
//! `heck`, Rust keywords, names that do not start with a letter, and collisions.

use std::collections::BTreeSet;

use heck::{ToPascalCase, ToSnakeCase};

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

/// The name without a raw prefix, for messages and docs.
pub fn display_ident(ident: &str) -> &str {
    ident.strip_prefix("r#").unwrap_or(ident)
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
    fn namespace_suffixes_collisions() {
        let mut names = Namespace::with_reserved(&["Client"]);
        assert_eq!(names.claim("Client"), "Client2");
        assert_eq!(names.claim("Vm"), "Vm");
        assert_eq!(names.claim("Vm"), "Vm2");
        assert_eq!(names.claim("r#type"), "r#type");
        assert_eq!(names.claim("r#type"), "type2");
    }
}
