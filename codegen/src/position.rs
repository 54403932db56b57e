//! Where each node of a spec starts in its text, from the positions a YAML 1.2 parser keeps, so
//! that a diagnostic points at the node its JSON pointer names rather than at a text match.

use std::borrow::Cow;

use saphyr_parser::{Event, Marker, Parser};

use crate::diagnostic::{pointer_tokens, LineColumn};

/// How the text is written; JSON is read as YAML 1.2 flow syntax, after one adjustment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceFormat {
    /// A YAML document.
    Yaml,
    /// A JSON document.
    Json,
}

/// Nesting deeper than this is refused. serde_json and serde_yaml stop at 128 levels, so a spec
/// that loaded never comes close; the limit keeps the (recursive) drop of the tree shallow when
/// the index is built from any other text. (The parser itself stops flow collections at 255.)
const MAX_DEPTH: usize = 512;

/// Why the index could not be built. The loaders have accepted the text by then, so this is a
/// difference between parsers, and the caller goes on without positions.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PositionError {
    /// The YAML parser rejected the text.
    #[error("the position parser rejects the text: {message}")]
    Syntax {
        /// The parser's message, with its position.
        message: String,
    },
    /// The document nests deeper than the index follows (512 levels).
    #[error("the document nests deeper than {MAX_DEPTH} levels")]
    TooDeep,
}

/// The 1-based line and column of every node of a document, found by JSON pointer.
///
/// An object member is at its key (`name:` in YAML, `"name":` in JSON, the opening quote of a
/// quoted key); an array element and the root are where they start (a block item at its first
/// token after `- `). Aliases are not followed and merge keys (`<<`) are not applied: the index
/// holds what the text says, which also keeps an alias bomb as cheap as its text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PositionIndex {
    root: Option<Node>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Node {
    at: LineColumn,
    children: Children,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Children {
    /// A scalar or an alias.
    None,
    Sequence(Vec<Node>),
    /// Members in the order written. A list rather than a map: it is searched once per
    /// diagnostic, and building it must cost as little as possible. When a key is repeated the
    /// last one is found, the one serde_json keeps (YAML rejects repeated keys).
    Mapping(Vec<(Box<str>, Node)>),
}

/// Where a node goes in its parent once it is complete.
enum Slot {
    Root,
    Element,
    Member(Box<str>),
    /// A mapping key that is itself a collection or an alias (`? [a, b]`, `*a :`): no pointer
    /// token can name it, nor the value that follows it.
    ComplexKey,
    /// The value of such a key.
    Unnamed,
}

/// A collection whose end has not been read yet.
struct Open {
    node: Node,
    slot: Slot,
    /// For a mapping: the key just read and where it was written, waiting for its value.
    key: PendingKey,
}

enum PendingKey {
    /// The next node is a key.
    Expected,
    /// The next node is the value of this key.
    Read(Option<(Box<str>, LineColumn)>),
}

impl PositionIndex {
    /// Reads the first document of `text` and records where each of its nodes starts.
    pub fn build(text: &str, format: SourceFormat) -> Result<Self, PositionError> {
        match format {
            SourceFormat::Yaml => Self::from_yaml(text),
            SourceFormat::Json => Self::from_yaml(&replace_surrogate_escapes(text)),
        }
    }

    fn from_yaml(text: &str) -> Result<Self, PositionError> {
        let mut builder = Builder::default();
        for event in Parser::new_from_str(text) {
            let (event, span) = event.map_err(|err| PositionError::Syntax {
                message: err.to_string(),
            })?;
            let at = line_column(span.start);
            match event {
                Event::Scalar(value, ..) => builder.scalar(value, at),
                Event::Alias(_) => builder.leaf(at),
                Event::SequenceStart(..) => builder.open(Children::Sequence(Vec::new()), at)?,
                Event::MappingStart(..) => builder.open(Children::Mapping(Vec::new()), at)?,
                Event::SequenceEnd | Event::MappingEnd => builder.close(),
                // serde_yaml reads one document; so does the index.
                Event::DocumentEnd | Event::StreamEnd => break,
                Event::Nothing | Event::StreamStart | Event::DocumentStart(_) => {}
            }
        }
        Ok(PositionIndex { root: builder.root })
    }

    /// The line and column of the node at `pointer` (RFC 6901; empty for the root).
    ///
    /// When the text has no such node, this is the position of its nearest ancestor that the
    /// text has: the pointer may name a node the generator made up, one reached through an alias
    /// or a merge key, or a member whose key only an unusual spelling matches. `None` only when
    /// the document has no node at all.
    pub fn locate(&self, pointer: &str) -> Option<LineColumn> {
        let mut node = self.root.as_ref()?;
        for token in pointer_tokens(pointer) {
            let child = match &node.children {
                Children::Mapping(members) => members
                    .iter()
                    .rev()
                    .find(|(key, _)| **key == *token)
                    .map(|(_, child)| child),
                Children::Sequence(elements) => {
                    array_index(&token).and_then(|index| elements.get(index))
                }
                Children::None => None,
            };
            match child {
                Some(child) => node = child,
                None => break,
            }
        }
        Some(node.at)
    }
}

/// An array index as RFC 6901 writes it: digits, without a leading zero.
fn array_index(token: &str) -> Option<usize> {
    let digits_only = !token.is_empty() && token.bytes().all(|b| b.is_ascii_digit());
    if !digits_only || (token.len() > 1 && token.starts_with('0')) {
        return None;
    }
    token.parse().ok()
}

fn line_column(marker: Marker) -> LineColumn {
    LineColumn::new(marker.line(), marker.col() + 1)
}

/// Turns the tree of events into nodes, without recursion.
#[derive(Default)]
struct Builder {
    open: Vec<Open>,
    root: Option<Node>,
}

impl Builder {
    fn scalar(&mut self, value: Cow<'_, str>, at: LineColumn) {
        if let Some(Open {
            node:
                Node {
                    children: Children::Mapping(_),
                    ..
                },
            key: key @ PendingKey::Expected,
            ..
        }) = self.open.last_mut()
        {
            // Only keys are kept: a value's text is never looked up.
            *key = PendingKey::Read(Some((value.into_owned().into_boxed_str(), at)));
            return;
        }
        self.leaf(at);
    }

    /// A scalar that is not a key, or an alias.
    fn leaf(&mut self, at: LineColumn) {
        let (slot, at) = self.slot(at);
        self.attach(
            Node {
                at,
                children: Children::None,
            },
            slot,
        );
    }

    fn open(&mut self, children: Children, at: LineColumn) -> Result<(), PositionError> {
        if self.open.len() >= MAX_DEPTH {
            return Err(PositionError::TooDeep);
        }
        let (slot, at) = self.slot(at);
        self.open.push(Open {
            node: Node { at, children },
            slot,
            key: PendingKey::Expected,
        });
        Ok(())
    }

    fn close(&mut self) {
        if let Some(open) = self.open.pop() {
            self.attach(open.node, open.slot);
        }
    }

    /// Where the node starting at `at` goes, and the position it is recorded at: a member's is
    /// its key's.
    fn slot(&mut self, at: LineColumn) -> (Slot, LineColumn) {
        let Some(parent) = self.open.last_mut() else {
            return (Slot::Root, at);
        };
        match (&parent.node.children, &mut parent.key) {
            (Children::Sequence(_), _) => (Slot::Element, at),
            (Children::Mapping(_), PendingKey::Expected) => (Slot::ComplexKey, at),
            (Children::Mapping(_), pending @ PendingKey::Read(_)) => {
                match std::mem::replace(pending, PendingKey::Expected) {
                    PendingKey::Read(Some((key, key_at))) => (Slot::Member(key), key_at),
                    PendingKey::Read(None) | PendingKey::Expected => (Slot::Unnamed, at),
                }
            }
            (Children::None, _) => (Slot::Unnamed, at),
        }
    }

    fn attach(&mut self, node: Node, slot: Slot) {
        let parent = self.open.last_mut();
        match (slot, parent) {
            (Slot::Root, _) => {
                if self.root.is_none() {
                    self.root = Some(node);
                }
            }
            (Slot::Element, Some(parent)) => {
                if let Children::Sequence(elements) = &mut parent.node.children {
                    elements.push(node);
                }
            }
            (Slot::Member(key), Some(parent)) => {
                if let Children::Mapping(members) = &mut parent.node.children {
                    members.push((key, node));
                }
            }
            (Slot::ComplexKey, Some(parent)) => parent.key = PendingKey::Read(None),
            (Slot::Element | Slot::Member(_) | Slot::ComplexKey | Slot::Unnamed, _) => {}
        }
    }
}

/// JSON may escape a UTF-16 surrogate (`"\ud83d\ude00"` is one emoji); YAML's `\u` names a
/// code point and rejects surrogates. Each such escape becomes `\ufffd`, six characters for six,
/// so every position stays where it was; only a key spelled with one no longer matches its
/// pointer, which then finds the key's parent. Outside strings valid JSON has no backslash.
fn replace_surrogate_escapes(text: &str) -> Cow<'_, str> {
    if !text.contains("\\u") {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(backslash) = rest.find('\\') {
        let (before, from_backslash) = rest.split_at(backslash);
        out.push_str(before);
        // The backslash and the character it escapes are copied together, so that `\\u` is
        // an escaped backslash followed by a `u`, never an escape.
        let mut escape = from_backslash.chars();
        escape.next();
        let escaped = escape.next();
        let hex = from_backslash.get(2..6).filter(|_| escaped == Some('u'));
        let is_surrogate = hex
            .and_then(|hex| u16::from_str_radix(hex, 16).ok())
            .is_some_and(|unit| (0xD800..=0xDFFF).contains(&unit));
        let taken = if is_surrogate {
            out.push_str("\\ufffd");
            6
        } else {
            out.push('\\');
            if let Some(escaped) = escaped {
                out.push(escaped);
            }
            1 + escaped.map_or(0, char::len_utf8)
        };
        rest = from_backslash.get(taken..).unwrap_or_default();
    }
    out.push_str(rest);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(line: usize, column: usize) -> Option<LineColumn> {
        Some(LineColumn::new(line, column))
    }

    /// `check` for one lookup: the position of `pointer` in `text`.
    fn check(format: SourceFormat, text: &str, pointer: &str, expected: Option<LineColumn>) {
        let index = match PositionIndex::build(text, format) {
            Ok(index) => index,
            Err(err) => panic!("the index of {text:?} must build, but: {err}"),
        };
        assert_eq!(
            index.locate(pointer),
            expected,
            "position of {pointer:?} in:\n{text}"
        );
    }

    fn yaml(text: &str, pointer: &str, expected: Option<LineColumn>) {
        check(SourceFormat::Yaml, text, pointer, expected);
    }

    fn json(text: &str, pointer: &str, expected: Option<LineColumn>) {
        check(SourceFormat::Json, text, pointer, expected);
    }

    const PARAMETERS: &str = "\
openapi: 3.0.3
paths:
  /api/vm/{vm}:
    get:
      parameters:
        - name: first
          in: query
        - name: second
          in: query
      responses: {}
";

    #[test]
    fn nested_yaml_keys_are_at_their_key() {
        yaml(PARAMETERS, "", at(1, 1));
        yaml(PARAMETERS, "/openapi", at(1, 1));
        yaml(PARAMETERS, "/paths", at(2, 1));
        yaml(
            PARAMETERS,
            "/paths/~1api~1vm~1{vm}/get/responses",
            at(10, 7),
        );
    }

    #[test]
    fn each_array_element_has_its_own_line() {
        yaml(
            PARAMETERS,
            "/paths/~1api~1vm~1{vm}/get/parameters",
            at(5, 7),
        );
        yaml(
            PARAMETERS,
            "/paths/~1api~1vm~1{vm}/get/parameters/0",
            at(6, 11),
        );
        yaml(
            PARAMETERS,
            "/paths/~1api~1vm~1{vm}/get/parameters/1",
            at(8, 11),
        );
        yaml(
            PARAMETERS,
            "/paths/~1api~1vm~1{vm}/get/parameters/1/in",
            at(9, 11),
        );
    }

    #[test]
    fn json_keys_are_at_their_opening_quote() {
        let text = "{\n \"paths\": {\n  \"/x\": {\"get\": {\"parameters\": [\n   {\"name\": \"q\"},\n   {\"name\": \"r\", \"in\": \"query\"}]}}}}";
        json(text, "/paths", at(2, 2));
        json(text, "/paths/~1x/get", at(3, 10));
        json(text, "/paths/~1x/get/parameters/0/name", at(4, 5));
        json(text, "/paths/~1x/get/parameters/1", at(5, 4));
        json(text, "/paths/~1x/get/parameters/1/in", at(5, 18));
    }

    #[test]
    fn json_with_tabs_escapes_long_lines_and_big_numbers() {
        let text = "{\n\t\"a\\/b\":\t{\"c\\\"d\": [18446744073709552000,\t-1.5e+300],\n\t\t\"\\u00e9\\ud83d\\ude00\": 1,\n\t\t\"\\\\ud83d\": 2}\n}";
        json(text, "/a~1b", at(2, 2));
        json(text, "/a~1b/c\"d/1", at(2, 42));
        json(text, "/a~1b/\\ud83d", at(4, 3));
        // A key written with surrogate escapes is not matched; its parent is found instead.
        json(text, "/a~1b/é😀", at(2, 2));

        let long_key = "k".repeat(3000);
        let long_value = "x".repeat(100_000);
        let text = format!("{{\"{long_key}\":1,\"z\":[{{\"a\":\"{long_value}\"}}],\"after\":2}}");
        json(&text, &format!("/{long_key}"), at(1, 2));
        json(&text, "/z/0/a", at(1, 3013));
        json(&text, "/after", at(1, 103_022));
    }

    #[test]
    fn flow_style_items_and_quoted_keys() {
        let text = "\
list: [a, b]
map: {x: 1, \"y\": 2}
items:
  - [c, d]
  - {'': 3, 'q:k': 4, \"~/\": 5}
";
        yaml(text, "/list/1", at(1, 11));
        yaml(text, "/map/x", at(2, 7));
        yaml(text, "/map/y", at(2, 13));
        yaml(text, "/items/0/1", at(4, 9));
        yaml(text, "/items/1", at(5, 5));
        yaml(text, "/items/1/", at(5, 6));
        yaml(text, "/items/1/q:k", at(5, 13));
        yaml(text, "/items/1/~0~1", at(5, 23));
    }

    #[test]
    fn block_keys_containing_colons_and_empty_keys() {
        let text = "a:\n  '': 1\n  \"b:c\": 2\n  d:e: 3\n  /x?y=z: 4\n";
        yaml(text, "/a/", at(2, 3));
        yaml(text, "/a/b:c", at(3, 3));
        yaml(text, "/a/d:e", at(4, 3));
        yaml(text, "/a/~1x?y=z", at(5, 3));
        yaml("a:\r\n  b: 1\r\n", "/a/b", at(2, 3));
    }

    #[test]
    fn a_pointer_the_text_does_not_have_finds_its_nearest_ancestor() {
        yaml(PARAMETERS, "/paths/~1api~1vm~1{vm}/get/summary", at(4, 5));
        yaml(
            PARAMETERS,
            "/paths/~1api~1vm~1{vm}/get/parameters/2",
            at(5, 7),
        );
        yaml(
            PARAMETERS,
            "/paths/~1api~1vm~1{vm}/get/parameters/01",
            at(5, 7),
        );
        yaml(
            PARAMETERS,
            "/paths/~1api~1vm~1{vm}/get/parameters/-",
            at(5, 7),
        );
        yaml(PARAMETERS, "/openapi/deeper/still", at(1, 1));
        yaml(PARAMETERS, "/nothing", at(1, 1));
    }

    #[test]
    fn aliases_are_where_they_are_written_and_never_expanded() {
        let text = "\
base: &base
  k: v
copy: *base
merged:
  <<: *base
  own: 1
";
        yaml(text, "/copy", at(3, 1));
        // Below an alias is the alias itself.
        yaml(text, "/copy/k", at(3, 1));
        yaml(text, "/merged/<<", at(5, 3));
        yaml(text, "/merged/k", at(4, 1));
        yaml(text, "/merged/own", at(6, 3));

        // A billion laughs: nine levels of ten aliases each would be 10^9 nodes expanded.
        let mut bomb = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for level in 1..10 {
            let previous = level - 1;
            let aliases = vec![format!("*a{previous}"); 10].join(", ");
            bomb.push_str(&format!("a{level}: &a{level} [{aliases}]\n"));
        }
        yaml(&bomb, "/a9/9", at(10, 55));
    }

    #[test]
    fn complex_keys_name_nothing_but_do_not_disturb_their_siblings() {
        let text = "? [a, b]\n: 1\n&x y: 2\n*x : 3\nc: 4\n";
        yaml(text, "/y", at(3, 1));
        yaml(text, "/c", at(5, 1));
        yaml("? [a, b]\n: {d: 1}\nc: 3\n", "/c", at(3, 1));
        yaml("? {k: v}\n: [1]\nc: 3\n", "/c", at(3, 1));
    }

    #[test]
    fn only_the_first_document_is_read() {
        yaml("a: 1\n---\nb: 2\n", "/b", at(1, 1));
    }

    #[test]
    fn text_the_parser_rejects_is_an_error_not_a_panic() {
        for text in ["a: [1, 2", "a: 'open", "\"\\ud800\"", "a:\n\tb: 1\n"] {
            assert!(
                matches!(
                    PositionIndex::build(text, SourceFormat::Yaml),
                    Err(PositionError::Syntax { .. })
                ),
                "{text:?} must be refused"
            );
        }
        // The parser stops flow collections at 255 levels; block ones are stopped here.
        let deep_flow = format!("{}{}", "[".repeat(300), "]".repeat(300));
        assert!(matches!(
            PositionIndex::build(&deep_flow, SourceFormat::Json),
            Err(PositionError::Syntax { .. })
        ));
        let deep_block = format!("{}x\n", "- ".repeat(MAX_DEPTH + 1));
        assert_eq!(
            PositionIndex::build(&deep_block, SourceFormat::Yaml),
            Err(PositionError::TooDeep)
        );
        let deep_enough = format!("{}x\n", "- ".repeat(MAX_DEPTH));
        let index = PositionIndex::build(&deep_enough, SourceFormat::Yaml);
        let innermost = format!("{}/0", "/0".repeat(MAX_DEPTH - 1));
        assert_eq!(
            index.map(|index| index.locate(&innermost)),
            Ok(Some(LineColumn::new(1, 2 * MAX_DEPTH + 1)))
        );
    }

    #[test]
    fn an_empty_text_has_no_positions() {
        let index = PositionIndex::build("", SourceFormat::Yaml);
        assert_eq!(index.map(|index| index.locate("/a")), Ok(None));
    }

    #[test]
    fn surrogate_escapes_are_replaced_length_for_length() {
        let text = r#"{"\ud83d\ude00": "\\ud83d", "\u00e9": "\uDFFF\\"}"#;
        let replaced = replace_surrogate_escapes(text);
        assert_eq!(
            replaced,
            r#"{"\ufffd\ufffd": "\\ud83d", "\u00e9": "\ufffd\\"}"#
        );
        assert_eq!(replaced.chars().count(), text.chars().count());
        assert_eq!(replace_surrogate_escapes("\"é\\"), "\"é\\");
    }
}
