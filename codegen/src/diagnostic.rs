//! What the generator says about a spec: the file, the line where it can be found, the JSON
//! pointer of the node, what is wrong and what would fix it. An error stops generation (the
//! document cannot be read); a warning says what was lost at one node that could not be typed
//! (or an operation that could not be sent), and the rest of the crate is generated.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::position::PositionIndex;

/// A problem of a spec, pointing at the node that caused it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Whether it stops generation or only degrades one node.
    pub severity: Severity,
    /// The spec file, as the caller named it.
    pub file: PathBuf,
    /// 1-based line and column of the node: from the parser that rejected the text, or from the
    /// position index; `None` when neither has one.
    pub location: Option<LineColumn>,
    /// JSON pointer (RFC 6901) of the node; empty for the whole document.
    pub pointer: String,
    /// What is wrong.
    pub kind: DiagnosticKind,
    /// What gets past it, when something does (`--exclude` patterns of what uses a broken
    /// component), shown as a `note:` line.
    pub note: Option<Box<String>>,
    /// For a warning: what the generated crate has instead of the node (an untyped value, an
    /// operation left out), shown as a `lost:` line.
    pub lost: Option<Box<Fallback>>,
}

/// What the generated crate has in place of a node that could not be used as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fallback {
    /// A schema node read and written as any JSON value.
    Untyped,
    /// An operation with no method.
    OperationLeftOut {
        /// The HTTP method.
        method: String,
        /// The path key.
        path: String,
        /// The `--exclude` pattern that names it.
        selector: String,
    },
    /// An optional parameter that is never sent.
    ParameterNotSent {
        /// Its name in the spec.
        name: String,
    },
    /// A client with no methods: the document has no operation that can be generated.
    NoMethods,
    /// A reading the generator chose because the spec does not say (a template variable
    /// nothing declares, an extension ignored).
    Assumed {
        /// What was assumed.
        what: String,
    },
}

impl Fallback {
    /// The word the warning report counts this fallback under.
    pub fn category(&self) -> &'static str {
        match self {
            Fallback::Untyped => "untyped nodes",
            Fallback::OperationLeftOut { .. } => "operations left out",
            Fallback::ParameterNotSent { .. } => "parameters not sent",
            Fallback::NoMethods => "clients without methods",
            Fallback::Assumed { .. } => "readings assumed",
        }
    }
}

impl fmt::Display for Fallback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fallback::Untyped => write!(
                f,
                "this node is untyped: its values are read and written as any JSON \
                 (`serde_json::Value`)"
            ),
            Fallback::OperationLeftOut {
                method,
                path,
                selector,
            } => write!(
                f,
                "the operation {} {path} ({selector}) is left out of the client: no method is \
                 generated for it",
                method.to_ascii_uppercase()
            ),
            Fallback::ParameterNotSent { name } => write!(
                f,
                "the parameter {name:?} is not an argument of the method and is never \
                 sent"
            ),
            Fallback::NoMethods => f.write_str(
                "the client has no methods, and the crate holds no types: it writes the types \
                 that operations send and receive",
            ),
            Fallback::Assumed { what } => f.write_str(what),
        }
    }
}

/// How much a problem costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Nothing is generated: the document cannot be read (or `--strict` was asked for).
    Error,
    /// The node degrades to the closest type that is still correct (or the operation is left
    /// out), and the rest of the crate is generated.
    Warning,
}

/// A 1-based position in a text file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineColumn {
    /// 1-based line number.
    pub line: u32,
    /// 1-based column number.
    pub column: u32,
}

impl LineColumn {
    /// The position at `line` and `column` (past `u32::MAX`, which no spec reaches, the last).
    pub fn new(line: usize, column: usize) -> Self {
        let narrow = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        LineColumn {
            line: narrow(line),
            column: narrow(column),
        }
    }
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
    #[error("this is a Swagger 2.0 document; the generator reads OpenAPI 3.0, 3.1 and 3.2")]
    Swagger2,
    /// The `openapi` field is missing or names a version other than 3.0.x, 3.1.x or 3.2.x.
    #[error("unsupported OpenAPI version {found}; the generator reads OpenAPI 3.0, 3.1 and 3.2")]
    Version {
        /// The value found, quoted, or `(none)`.
        found: String,
    },
    /// The document has the right version but does not have the shape OpenAPI 3.0 requires.
    #[error("not a valid OpenAPI document: {message}")]
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
                "set `openapi:` to the version the document is written in (3.0.x, 3.1.x or 3.2.x); Swagger 2.0 documents must be converted first"
            }
            DiagnosticKind::Structure { .. } => {
                "compare the node with the OpenAPI specification of the document's version (3.0.4, 3.1.1 \
                 or 3.2.0), section by section"
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
            severity: Severity::Error,
            file: file.to_path_buf(),
            location: None,
            pointer: pointer.into(),
            kind,
            note: None,
            lost: None,
        }
    }

    /// This problem as a warning: the node is replaced by what `lost` describes.
    pub fn degraded(mut self, lost: Fallback) -> Self {
        self.severity = Severity::Warning;
        self.lost = Some(Box::new(lost));
        self
    }

    /// This problem as an error (what `--strict` makes of every warning).
    pub fn as_error(mut self) -> Self {
        self.severity = Severity::Error;
        self
    }

    /// Whether it only degrades a node.
    pub fn is_warning(&self) -> bool {
        self.severity == Severity::Warning
    }

    /// Fills in the line and column of the pointer's node (or of its nearest ancestor that the
    /// text has, see [`PositionIndex::locate`]), unless a parser already gave one.
    pub fn locate(mut self, positions: &PositionIndex) -> Self {
        if self.location.is_none() {
            self.location = positions.locate(&self.pointer);
        }
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        writeln!(f, "{label}: {}", self.kind)?;
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
        if let Some(lost) = &self.lost {
            writeln!(f, " lost: {lost}")?;
        }
        if let Some(note) = &self.note {
            writeln!(f, " note: {note}")?;
        }
        write!(f, " help: {}", self.kind.hint())
    }
}

impl std::error::Error for Diagnostic {}

/// Appends one reference token to a JSON pointer, escaping `~` and `/` as RFC 6901 says.
pub fn push_pointer(pointer: &str, token: &str) -> String {
    let escaped = token.replace('~', "~0").replace('/', "~1");
    format!("{pointer}/{escaped}")
}

/// One reference token unescaped as RFC 6901 says (`~1` is `/`, then `~0` is `~`).
pub fn unescape_token(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// Splits a JSON pointer into its unescaped reference tokens.
pub fn pointer_tokens(pointer: &str) -> Vec<String> {
    pointer.split('/').skip(1).map(unescape_token).collect()
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_column(text: &str, offset: usize) -> LineColumn {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
    LineColumn::new(line, column)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::position::SourceFormat;

    #[test]
    fn display_names_file_line_column_pointer_and_fix() {
        let mut diagnostic = Diagnostic::new(
            Path::new("spec/vcenter.yaml"),
            "/paths/~1vms/get/parameters/1",
            DiagnosticKind::Invalid {
                what: "twice".to_string(),
            },
        );
        diagnostic.location = Some(LineColumn::new(14, 11));
        assert_eq!(
            diagnostic.to_string(),
            "error: invalid: twice\n  --> spec/vcenter.yaml:14:11\n   at /paths/~1vms/get/parameters/1\n help: make the node agree with the rest of the document"
        );
    }

    #[test]
    fn locate_keeps_a_location_the_parser_gave() {
        let index =
            PositionIndex::build("a:\n  b: 1\n", SourceFormat::Yaml).expect("the index builds");
        let fresh = Diagnostic::new(Path::new("s.yaml"), "/a/b", DiagnosticKind::Empty);
        let at = |line, column| Some(LineColumn::new(line, column));
        assert_eq!(fresh.clone().locate(&index).location, at(2, 3));
        let mut known = fresh;
        known.location = at(7, 1);
        assert_eq!(known.locate(&index).location, at(7, 1));
    }

    #[test]
    fn pointers_escape_and_unescape_as_rfc_6901_says() {
        let pointer = push_pointer(&push_pointer("", "/api/vm/{vm}"), "~x");
        assert_eq!(pointer, "/~1api~1vm~1{vm}/~0x");
        assert_eq!(pointer_tokens(&pointer), ["/api/vm/{vm}", "~x"]);
        assert_eq!(pointer_tokens("/~01"), ["~1"]);
        assert_eq!(pointer_tokens("/a//"), ["a", "", ""]);
        assert!(pointer_tokens("").is_empty());
    }

    #[test]
    fn line_column_counts_characters() {
        assert_eq!(line_column("ab\né", "ab\né".len()), LineColumn::new(2, 2));
    }
}
