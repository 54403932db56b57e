//! What the generator says about a spec it cannot use: the file, the line where it can be
//! found, the JSON pointer of the node, what is wrong and what would fix it.

use std::fmt;
use std::path::{Path, PathBuf};

/// A rejection of a spec, pointing at the node that caused it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The spec file, as the caller named it.
    pub file: PathBuf,
    /// 1-based line and column of the node, where the parser or the locator could find it.
    pub location: Option<LineColumn>,
    /// JSON pointer (RFC 6901) of the node; empty for the whole document.
    pub pointer: String,
    /// What is wrong.
    pub kind: DiagnosticKind,
}

/// A 1-based position in a text file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineColumn {
    /// 1-based line number.
    pub line: usize,
    /// 1-based column number.
    pub column: usize,
}

/// The reasons a spec is rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DiagnosticKind {
    /// The file could not be read.
    #[error("cannot read the spec file: {reason}")]
    Unreadable {
        /// The operating system's reason.
        reason: String,
    },
    /// The file is not UTF-8 text.
    #[error("the file is not UTF-8 text: {reason}")]
    NotUtf8 {
        /// Where decoding failed.
        reason: String,
    },
    /// The file holds no document at all.
    #[error("the file is empty: there is no OpenAPI document in it")]
    Empty,
    /// The file is not valid YAML or JSON.
    #[error("the file is not valid {format}: {message}")]
    Syntax {
        /// `YAML` or `JSON`.
        format: &'static str,
        /// The parser's message.
        message: String,
    },
    /// A Swagger 2.0 document.
    #[error("this is a Swagger 2.0 document; the generator reads OpenAPI 3.0.x")]
    Swagger2,
    /// The `openapi` field is missing or names a version other than 3.0.x.
    #[error("unsupported OpenAPI version {found}; the generator reads OpenAPI 3.0.x")]
    Version {
        /// The value found, quoted, or `(none)`.
        found: String,
    },
    /// The document has the right version but does not have the shape OpenAPI 3.0 requires.
    #[error("not a valid OpenAPI 3.0 document: {message}")]
    Structure {
        /// The deserializer's message.
        message: String,
    },
    /// A `$ref` that points at nothing.
    #[error("`$ref` {reference:?} points at nothing in this document")]
    UnresolvedRef {
        /// The reference as written.
        reference: String,
    },
    /// A `$ref` chain that loops back on itself without ever reaching a definition.
    #[error("`$ref` {reference:?} is part of a reference cycle that never reaches a definition")]
    CyclicRef {
        /// The reference as written.
        reference: String,
    },
    /// A construct the generator does not support (yet).
    #[error("unsupported: {what}")]
    Unsupported {
        /// What was found.
        what: String,
    },
    /// A document that is self-contradictory, e.g. a path parameter missing from the template.
    #[error("invalid: {what}")]
    Invalid {
        /// What is inconsistent.
        what: String,
    },
    /// A spec the generator reads but that has no normalized copy (query strings moved out of
    /// the path keys), because two operations would share one method and path.
    #[error("no normalized copy: {what}")]
    NotNormalizable {
        /// Which operations collide.
        what: String,
    },
}

impl DiagnosticKind {
    /// One line on how to fix the problem.
    pub fn hint(&self) -> &'static str {
        match self {
            DiagnosticKind::Unreadable { .. } => {
                "check the path given with --spec and the file's permissions"
            }
            DiagnosticKind::NotUtf8 { .. } => "save the file as UTF-8",
            DiagnosticKind::Empty => "write an OpenAPI 3.0 document, starting with `openapi: 3.0.3`",
            DiagnosticKind::Syntax { .. } => "fix the syntax at the line and column shown",
            DiagnosticKind::Swagger2 => {
                "convert it to OpenAPI 3.0 first, e.g. `npx swagger2openapi --patch in.json -o out.json`"
            }
            DiagnosticKind::Version { .. } => {
                "set `openapi: 3.0.3`; OpenAPI 3.1 and Swagger 2.0 documents must be converted to 3.0"
            }
            DiagnosticKind::Structure { .. } => {
                "compare the node with the OpenAPI 3.0.3 specification, section by section"
            }
            DiagnosticKind::UnresolvedRef { .. } => {
                "define the target under `components`, or correct the reference's name"
            }
            DiagnosticKind::CyclicRef { .. } => {
                "make one of the references in the cycle point at a real schema definition"
            }
            DiagnosticKind::Unsupported { .. } => {
                "rewrite the node with the constructs listed in README.md, or open an issue"
            }
            DiagnosticKind::Invalid { .. } => "make the node agree with the rest of the document",
            DiagnosticKind::NotNormalizable { .. } => {
                "OpenAPI allows one operation per method and path; the generator reads this spec as it is, but tools that need the normalized copy cannot"
            }
        }
    }
}

impl Diagnostic {
    /// A diagnostic for `pointer` in `file`; the location is filled in by [`Diagnostic::locate`].
    pub fn new(file: &Path, pointer: impl Into<String>, kind: DiagnosticKind) -> Self {
        Diagnostic {
            file: file.to_path_buf(),
            location: None,
            pointer: pointer.into(),
            kind,
        }
    }

    /// Finds the line and column of the pointer in the spec's text, when it is not known yet.
    pub fn locate(mut self, text: &str) -> Self {
        if self.location.is_none() {
            self.location = locate_pointer(text, &self.pointer);
        }
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "error: {}", self.kind)?;
        match self.location {
            Some(at) => writeln!(f, "  --> {}:{}:{}", self.file.display(), at.line, at.column)?,
            None => writeln!(f, "  --> {}", self.file.display())?,
        }
        let pointer = if self.pointer.is_empty() {
            "(the whole document)"
        } else {
            &self.pointer
        };
        writeln!(f, "   at {pointer}")?;
        write!(f, " help: {}", self.kind.hint())
    }
}

impl std::error::Error for Diagnostic {}

/// Appends one reference token to a JSON pointer, escaping `~` and `/` as RFC 6901 says.
pub fn push_pointer(pointer: &str, token: &str) -> String {
    let escaped = token.replace('~', "~0").replace('/', "~1");
    format!("{pointer}/{escaped}")
}

/// Splits a JSON pointer into its unescaped reference tokens.
pub fn pointer_tokens(pointer: &str) -> Vec<String> {
    pointer
        .split('/')
        .skip(1)
        .map(|token| token.replace("~1", "/").replace("~0", "~"))
        .collect()
}

/// Finds where the node named by `pointer` starts in a YAML or JSON text.
///
/// The parsers keep no positions for the nodes of a parsed document, so this walks the text:
/// each key of the pointer is searched as a mapping key after the previous one. Array indices
/// are passed over (the next key is still found after its parent). Good enough to send a reader
/// to the right line; the pointer itself stays exact.
pub fn locate_pointer(text: &str, pointer: &str) -> Option<LineColumn> {
    let mut offset = 0usize;
    let mut found_any = false;
    for token in pointer_tokens(pointer) {
        if !token.is_empty() && token.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        offset = find_key(text, offset, &token)?;
        found_any = true;
    }
    if !found_any {
        return None;
    }
    Some(line_column(text, offset))
}

fn find_key(text: &str, from: usize, key: &str) -> Option<usize> {
    let candidates = [format!("\"{key}\""), format!("'{key}'"), key.to_string()];
    let rest = text.get(from..)?;
    let mut best: Option<usize> = None;
    // An empty key can only be written quoted; searching for "" bare would match everywhere.
    for candidate in candidates.iter().filter(|c| !c.is_empty()) {
        let mut search_from = 0;
        while let Some(found) = rest
            .get(search_from..)
            .and_then(|r| r.find(candidate.as_str()))
        {
            let start = search_from + found;
            let end = start + candidate.len();
            if is_key_occurrence(rest, start, end, candidate.starts_with(['"', '\''])) {
                best = Some(best.map_or(start, |b: usize| b.min(start)));
                break;
            }
            // Past the first character of this match, so the search always moves forward.
            search_from = start
                + rest
                    .get(start..)
                    .and_then(|r| r.chars().next())
                    .map_or(1, char::len_utf8);
        }
    }
    best.map(|b| from + b)
}

/// A match is a key when a `:` follows (after blanks) and, for a bare YAML key, when it starts
/// its line (after indentation and an optional `- `) or follows `{` / `,` in a flow mapping.
fn is_key_occurrence(text: &str, start: usize, end: usize, quoted: bool) -> bool {
    let after = text.get(end..).unwrap_or("");
    if !after.trim_start_matches([' ', '\t']).starts_with(':') {
        return false;
    }
    if quoted {
        return true;
    }
    let before = text.get(..start).unwrap_or("");
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let prefix = before.get(line_start..).unwrap_or("");
    let trimmed = prefix.trim_start_matches([' ', '\t']);
    trimmed.is_empty()
        || trimmed == "- "
        || trimmed.ends_with('{')
        || trimmed.ends_with(", ")
        || trimmed.ends_with(',')
        || trimmed.ends_with("{ ")
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_column(text: &str, offset: usize) -> LineColumn {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
    LineColumn { line, column }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_nested_yaml_keys() {
        let text = "openapi: 3.0.3\npaths:\n  /a/{b}:\n    post:\n      responses: {}\n";
        let at = locate_pointer(text, "/paths/~1a~1{b}/post/responses");
        assert_eq!(at, Some(LineColumn { line: 5, column: 7 }));
    }

    #[test]
    fn locates_json_keys_and_skips_indices() {
        let text =
            "{\n \"paths\": {\n  \"/x\": {\"get\": {\"parameters\": [\n   {\"name\": \"q\"}]}}}}";
        let at = locate_pointer(text, "/paths/~1x/get/parameters/0/name");
        assert_eq!(at, Some(LineColumn { line: 4, column: 5 }));
    }

    #[test]
    fn empty_keys_are_found_quoted_and_never_loop() {
        let text = "a:\n  '': 1\n  b: 2\n";
        assert_eq!(
            locate_pointer(text, "/a/"),
            Some(LineColumn { line: 2, column: 3 })
        );
        assert_eq!(locate_pointer("a: 1\n", "/a/"), None);
    }

    #[test]
    fn unknown_key_has_no_location() {
        assert_eq!(locate_pointer("a: 1\n", "/b"), None);
    }
}
