//! Reading a spec file: bytes to text, text to a YAML or JSON tree, the version check, and the
//! tree to `openapiv3::OpenAPI`. This room knows files and parsers, nothing of Rust.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde::de::DeserializeOwned;

use crate::diagnostic::{line_column, push_pointer, Diagnostic, DiagnosticKind, LineColumn};
use crate::position::{PositionIndex, SourceFormat};

mod numbers;
mod repair;
pub mod upgrade;

/// A parsed spec with the text it came from, kept for locating later diagnostics.
#[derive(Debug)]
pub struct LoadedSpec {
    /// The file, as the caller named it.
    pub file: PathBuf,
    /// The file's text.
    pub text: String,
    /// The parsed document.
    pub document: openapiv3::OpenAPI,
    format: SourceFormat,
    /// The warnings of reading a 3.1 or 3.2 document as 3.0 (`upgrade`), at the text's nodes.
    pub notes: Vec<upgrade::Note>,
    /// The nodes that translation moved: `(pointer in the document, pointer in the text)`.
    moved: Vec<(String, String)>,
    /// Operations on HTTP methods the 3.0 path item has no field for (3.2's `query` and
    /// `additionalOperations`), in document order.
    pub other_operations: Vec<OtherOperation>,
    /// Built from `text` by the first diagnostic, so that a spec that generates never pays for
    /// it; `None` when the position parser refuses a text the loader read.
    positions: OnceLock<Option<PositionIndex>>,
}

/// An operation on an HTTP method the 3.0 path item has no field for.
#[derive(Debug)]
pub struct OtherOperation {
    /// The path key.
    pub path: String,
    /// The HTTP method, as it is sent (`QUERY`).
    pub method: String,
    /// The operation.
    pub operation: openapiv3::Operation,
    /// Its pointer in the document (`LoadedSpec::diagnostic` finds it in the text).
    pub pointer: String,
}

impl LoadedSpec {
    /// A diagnostic about the node at `pointer`, located in this spec's text (at the nearest
    /// ancestor the text has, when the node is one the generator made up).
    pub fn diagnostic(&self, pointer: impl Into<String>, kind: DiagnosticKind) -> Diagnostic {
        let pointer = pointer.into();
        let pointer = if self.moved.is_empty() {
            pointer
        } else {
            upgrade::in_text(&self.moved, &pointer)
        };
        self.diagnostic_in_text(pointer, kind)
    }

    /// A diagnostic about the node at `pointer` of the text (not of the translated document).
    pub fn diagnostic_in_text(&self, pointer: String, kind: DiagnosticKind) -> Diagnostic {
        let diagnostic = Diagnostic::new(&self.file, pointer, kind);
        match self.positions() {
            Some(positions) => diagnostic.locate(positions),
            None => diagnostic,
        }
    }

    /// Where each node of the text starts; built on the first call. `None` when the position
    /// parser refuses the text (it is stricter than serde_yaml in a few corners): diagnostics
    /// then name the pointer without a line rather than fail.
    pub fn positions(&self) -> Option<&PositionIndex> {
        self.positions
            .get_or_init(|| PositionIndex::build(&self.text, self.format).ok())
            .as_ref()
    }
}

/// A document's text as a JSON tree, read as `load` reads it (a YAML integer beyond 64 bits as
/// the nearest float), without any translation: for tools that walk the document as written
/// (the sample test). `None` when the text is neither JSON nor YAML.
pub fn json_tree(file: &Path, text: &str) -> Option<serde_json::Value> {
    if file
        .extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("json"))
    {
        serde_json::from_str(text).ok()
    } else {
        serde_yaml::from_str::<numbers::LenientYaml>(text)
            .ok()
            .and_then(|tree| serde_json::to_value(tree.0).ok())
    }
}

/// Reads and parses the spec at `file`.
pub fn load_file(file: &Path) -> Result<LoadedSpec, Diagnostic> {
    let bytes = std::fs::read(file).map_err(|err| {
        Diagnostic::new(
            file,
            "",
            DiagnosticKind::Unreadable {
                reason: err.to_string(),
            },
        )
    })?;
    let text = String::from_utf8(bytes).map_err(|err| {
        let valid = err.utf8_error().valid_up_to();
        let prefix = String::from_utf8_lossy(err.as_bytes().get(..valid).unwrap_or_default());
        let mut diagnostic = Diagnostic::new(
            file,
            "",
            DiagnosticKind::NotUtf8 {
                reason: format!("a byte that is not UTF-8 at offset {valid}"),
            },
        );
        diagnostic.location = Some(line_column(&prefix, prefix.len()));
        diagnostic
    })?;
    load_text(file, text)
}

/// Parses a spec's text; `file` names it in diagnostics and decides the format (`.json` is
/// read as JSON, anything else as YAML).
pub fn load_text(file: &Path, text: String) -> Result<LoadedSpec, Diagnostic> {
    if text.trim().is_empty() {
        return Err(Diagnostic::new(file, "", DiagnosticKind::Empty));
    }
    let format = if file
        .extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("json"))
    {
        SourceFormat::Json
    } else {
        SourceFormat::Yaml
    };
    let source = Source {
        file,
        text: &text,
        format,
    };
    let document: (openapiv3::OpenAPI, upgrade::Upgrade) = if format == SourceFormat::Json {
        let mut tree: serde_json::Value = serde_json::from_str(&text).map_err(|err| {
            let mut diagnostic = Diagnostic::new(
                file,
                "",
                DiagnosticKind::Syntax {
                    format: "JSON",
                    message: strip_position(&err.to_string()),
                },
            );
            diagnostic.location = Some(LineColumn::new(err.line(), err.column()));
            diagnostic
        })?;
        match check_version(&source, tree.get("openapi"), tree.get("swagger"))? {
            Version::V30 => {
                numbers::relax_json(&mut tree);
                let read = (!upgrade::has_path_item_refs(&tree))
                    .then(|| structure(&tree).ok())
                    .flatten();
                match read {
                    Some(document) => (document, upgrade::Upgrade::default()),
                    // Path items given as `$ref`, or a node that breaks the structure: read as
                    // a YAML tree, where those are inlined and replaced.
                    None => thirty(&source, yaml_tree(&source, &tree)?)?,
                }
            }
            // Translated as a YAML tree, whose mappings keep their order (a JSON tree's keys
            // are sorted, as 3.0 JSON documents have always been read).
            Version::Later => later(&source, yaml_tree(&source, &tree)?)?,
        }
    } else {
        let tree = serde_yaml::from_str::<numbers::LenientYaml>(&text).map_err(|err| {
            let mut diagnostic = Diagnostic::new(
                file,
                "",
                DiagnosticKind::Syntax {
                    format: "YAML",
                    message: strip_position(&err.to_string()),
                },
            );
            diagnostic.location = err
                .location()
                .map(|at| LineColumn::new(at.line(), at.column()));
            diagnostic
        })?;
        let tree = tree.0;
        let version = tree.get("openapi").map(yaml_to_json);
        let swagger = tree.get("swagger").map(yaml_to_json);
        match check_version(&source, version.as_ref(), swagger.as_ref())? {
            Version::V30 => thirty(&source, tree)?,
            Version::Later => later(&source, tree)?,
        }
    };
    let (mut document, mut upgrade) = document;
    let other_operations = other_operations(&mut document, &mut upgrade);
    Ok(LoadedSpec {
        file: file.to_path_buf(),
        text,
        document,
        format,
        notes: upgrade.notes,
        moved: upgrade.moved,
        other_operations,
        positions: OnceLock::new(),
    })
}

/// Takes the operations `upgrade` put aside under [`upgrade::OTHER_METHODS`] out of each path
/// item and reads them. One that cannot be read, or whose method is not an HTTP token (RFC
/// 9110), is left out with a warning at its node.
fn other_operations(
    document: &mut openapiv3::OpenAPI,
    upgrade: &mut upgrade::Upgrade,
) -> Vec<OtherOperation> {
    let mut found = Vec::new();
    for (path, item) in document.paths.paths.iter_mut() {
        let openapiv3::ReferenceOr::Item(item) = item else {
            continue;
        };
        let Some(serde_json::Value::Object(methods)) =
            item.extensions.shift_remove(upgrade::OTHER_METHODS)
        else {
            continue;
        };
        let base = push_pointer(&push_pointer("/paths", path), upgrade::OTHER_METHODS);
        for (method, operation) in methods {
            let pointer = push_pointer(&base, &method);
            let selector = match operation.get("operationId").and_then(|id| id.as_str()) {
                Some(id) => format!("op:{id}"),
                None => format!("path:{path}"),
            };
            let token = !method.is_empty()
                && method
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
            let read = match token {
                true => serde_path_to_error::deserialize::<_, openapiv3::Operation>(operation)
                    .map_err(|err| {
                        format!(
                            "the operation cannot be read at {}: {}",
                            err.path(),
                            err.inner()
                        )
                    }),
                false => Err(format!(
                    "the HTTP method {method:?} is not a method name (RFC 9110 token)"
                )),
            };
            match read {
                Ok(operation) => found.push(OtherOperation {
                    path: path.clone(),
                    method,
                    operation,
                    pointer,
                }),
                Err(what) => upgrade.notes.push(upgrade::Note {
                    pointer: upgrade::in_text(&upgrade.moved, &pointer),
                    kind: DiagnosticKind::Invalid { what },
                    lost: crate::diagnostic::Fallback::OperationLeftOut {
                        method: method.clone(),
                        path: path.clone(),
                        selector,
                    },
                }),
            }
        }
    }
    found
}

/// A JSON document's tree as the YAML tree that translation and repair work on (its keys in
/// the JSON tree's order).
fn yaml_tree(
    source: &Source<'_>,
    tree: &serde_json::Value,
) -> Result<serde_yaml::Value, Diagnostic> {
    serde_yaml::to_value(tree).map_err(|err| {
        source.diagnostic(
            "",
            DiagnosticKind::Structure {
                message: err.to_string(),
            },
        )
    })
}

/// A 3.0 document as a YAML tree: its path items written as `$ref` inlined, nothing else
/// changed.
fn thirty(
    source: &Source<'_>,
    mut tree: serde_yaml::Value,
) -> Result<(openapiv3::OpenAPI, upgrade::Upgrade), Diagnostic> {
    let mut upgrade = upgrade::path_item_refs(&mut tree);
    numbers::relax_yaml(&mut tree);
    let document = structure_repaired(source, &mut tree, &mut upgrade)?;
    Ok((document, upgrade))
}

/// A 3.1 or 3.2 document: translated into the 3.0 document that means the same to a client
/// (`upgrade`), then read as 3.0 is.
fn later(
    source: &Source<'_>,
    mut tree: serde_yaml::Value,
) -> Result<(openapiv3::OpenAPI, upgrade::Upgrade), Diagnostic> {
    let mut upgrade = upgrade::upgrade(&mut tree);
    numbers::relax_yaml(&mut tree);
    let document = structure_repaired(source, &mut tree, &mut upgrade)?;
    Ok((document, upgrade))
}

/// The text being loaded, for diagnostics raised before there is a [`LoadedSpec`].
struct Source<'a> {
    file: &'a Path,
    text: &'a str,
    format: SourceFormat,
}

impl Source<'_> {
    /// A diagnostic about the node at `pointer`, located in the text (without a line when the
    /// position parser refuses the text).
    fn diagnostic(&self, pointer: impl Into<String>, kind: DiagnosticKind) -> Diagnostic {
        let diagnostic = Diagnostic::new(self.file, pointer, kind);
        match PositionIndex::build(self.text, self.format) {
            Ok(positions) => diagnostic.locate(&positions),
            Err(_) => diagnostic,
        }
    }
}

/// The version field, as JSON, for the check shared by both formats.
fn yaml_to_json(value: &serde_yaml::Value) -> serde_json::Value {
    match value {
        serde_yaml::Value::String(s) => serde_json::Value::String(s.clone()),
        serde_yaml::Value::Number(n) => serde_json::Value::String(n.to_string()),
        serde_yaml::Value::Null => serde_json::Value::Null,
        other => serde_json::Value::String(format!("{other:?}")),
    }
}

/// The versions the generator reads.
enum Version {
    /// OpenAPI 3.0.x, read as it is.
    V30,
    /// OpenAPI 3.1.x or 3.2.x, translated first.
    Later,
}

fn check_version(
    source: &Source<'_>,
    openapi: Option<&serde_json::Value>,
    swagger: Option<&serde_json::Value>,
) -> Result<Version, Diagnostic> {
    let minor = |v: &str, minor: &str| v == minor || v.starts_with(&format!("{minor}."));
    match openapi {
        Some(serde_json::Value::String(v)) if minor(v, "3.0") => Ok(Version::V30),
        Some(serde_json::Value::String(v)) if minor(v, "3.1") || minor(v, "3.2") => {
            Ok(Version::Later)
        }
        Some(other) => {
            let found = match other {
                serde_json::Value::String(s) => format!("{s:?}"),
                other => other.to_string(),
            };
            Err(source.diagnostic("/openapi", DiagnosticKind::Version { found }))
        }
        None if swagger.is_some() => Err(source.diagnostic("/swagger", DiagnosticKind::Swagger2)),
        None => Err(Diagnostic::new(
            source.file,
            "",
            DiagnosticKind::Version {
                found: "(none: the document has no `openapi` field)".to_string(),
            },
        )),
    }
}

fn structure<'de, D>(tree: D) -> Result<openapiv3::OpenAPI, Unread>
where
    D: serde::Deserializer<'de>,
    D::Error: std::fmt::Display,
    openapiv3::OpenAPI: DeserializeOwned,
{
    serde_path_to_error::deserialize(tree).map_err(|err| {
        let mut pointer = String::new();
        for segment in err.path().iter() {
            match segment {
                serde_path_to_error::Segment::Seq { index } => {
                    pointer = push_pointer(&pointer, &index.to_string());
                }
                serde_path_to_error::Segment::Map { key } => {
                    pointer = push_pointer(&pointer, key);
                }
                serde_path_to_error::Segment::Enum { .. }
                | serde_path_to_error::Segment::Unknown => {}
            }
        }
        Unread {
            pointer,
            message: strip_position(&err.inner().to_string()),
        }
    })
}

/// Where the reader stopped (a pointer of the tree it read) and why.
struct Unread {
    pointer: String,
    message: String,
}

/// Reads the tree, replacing what breaks its structure where a neutral value exists
/// (`repair`), each replacement a warning; the diagnostic of what cannot be replaced.
fn structure_repaired(
    source: &Source<'_>,
    tree: &mut serde_yaml::Value,
    upgrade: &mut upgrade::Upgrade,
) -> Result<openapiv3::OpenAPI, Diagnostic> {
    repair::read(
        tree,
        upgrade,
        |tree| structure(tree),
        |err| err.pointer.clone(),
    )
    .map_err(|err| {
        source.diagnostic(
            upgrade::in_text(&upgrade.moved, &err.pointer),
            DiagnosticKind::Structure {
                message: err.message,
            },
        )
    })
}

/// Parsers append " at line L column C" to their messages; the diagnostic shows it apart.
fn strip_position(message: &str) -> String {
    match message.find(" at line ") {
        Some(at) => message[..at].to_string(),
        None => message.to_string(),
    }
}
