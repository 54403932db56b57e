//! What the generated code uses, read off the code the emitters wrote: the runtime files it
//! names (`crate::runtime::query::...`, a `deserialize_with` path in a serde attribute, a
//! method the runtime adds to `Client` called on `self`), under the `#[cfg]` of the item that
//! names them, and the `reqwest` features its calls need. The runtime's own files are read the
//! same way, once, for what each needs of the others. `runtime/mod.rs`, the re-exports of
//! `lib.rs`, the runtime files written and the manifest all come from this record, so no
//! predicate beside an emitter can disagree with what it wrote.

use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;
use std::sync::OnceLock;

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use quote::quote;

use crate::scope::RUNTIME_SOURCES;

/// When something is compiled: a disjunction of conjunctions of features. The empty
/// conjunction is "always"; no conjunction at all is "never".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Cond(BTreeSet<BTreeSet<String>>);

impl Cond {
    /// Compiled in every build.
    pub(crate) fn always() -> Cond {
        Cond(BTreeSet::from([BTreeSet::new()]))
    }

    fn feature(name: &str) -> Cond {
        Cond(BTreeSet::from([BTreeSet::from([name.to_string()])]))
    }

    /// Whether every build compiles it.
    pub(crate) fn is_always(&self) -> bool {
        self.0.contains(&BTreeSet::new())
    }

    /// Compiled when `self` or `other` is; whether that changed anything.
    fn or(&mut self, other: &Cond) -> bool {
        let mut changed = false;
        for term in &other.0 {
            // A conjunction that holds another is implied by it.
            if self.0.iter().any(|have| have.is_subset(term)) {
                continue;
            }
            self.0.retain(|have| !term.is_subset(have));
            self.0.insert(term.clone());
            changed = true;
        }
        changed
    }

    /// Compiled when both are.
    fn and(&self, other: &Cond) -> Cond {
        let mut out = Cond::default();
        for left in &self.0 {
            for right in &other.0 {
                out.or(&Cond(BTreeSet::from([left
                    .union(right)
                    .cloned()
                    .collect()])));
            }
        }
        out
    }

    /// Whether it is compiled whenever any of `features` is on (each is a term of its own).
    pub(crate) fn covers<'a>(&self, mut features: impl Iterator<Item = &'a str>) -> bool {
        features.all(|feature| {
            self.0
                .iter()
                .any(|term| term.len() == 1 && term.contains(feature))
        })
    }

    /// `#[cfg(...)]` for it; nothing when always compiled.
    pub(crate) fn attr(&self) -> TokenStream {
        if self.is_always() || self.0.is_empty() {
            return TokenStream::new();
        }
        let predicate = predicate(&self.0);
        quote! { #[cfg(#predicate)] }
    }
}

/// The `cfg` predicate of a disjunction: `feature = "a"`, `any(...)` of single features, and a
/// feature every conjunction shares put in front (`all(feature = "serde-all", any(...))`).
fn predicate(terms: &BTreeSet<BTreeSet<String>>) -> TokenStream {
    let shared: Option<String> = terms.iter().next().and_then(|first| {
        first
            .iter()
            .find(|feature| terms.len() > 1 && terms.iter().all(|term| term.contains(*feature)))
            .cloned()
    });
    if let Some(shared) = shared {
        let rest: BTreeSet<BTreeSet<String>> = terms
            .iter()
            .map(|term| term.iter().filter(|f| **f != shared).cloned().collect())
            .collect();
        let rest = predicate(&rest);
        return quote! { all(feature = #shared, #rest) };
    }
    let conjunction = |term: &BTreeSet<String>| match term.len() {
        1 => {
            let name = term.iter().next().cloned().unwrap_or_default();
            quote! { feature = #name }
        }
        _ => {
            let names = term.iter();
            quote! { all(#(feature = #names),*) }
        }
    };
    match terms.len() {
        1 => terms.iter().next().map(conjunction).unwrap_or_default(),
        _ => {
            let each = terms.iter().map(conjunction);
            quote! { any(#(#each),*) }
        }
    }
}

/// Everything recorded: each runtime file the code uses with when it is compiled, and the
/// `reqwest` features of the calls it makes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Record {
    runtime: BTreeMap<&'static str, Cond>,
    reqwest: BTreeSet<&'static str>,
}

/// The `reqwest` methods that need a cargo feature of their own, each named like it.
const REQWEST_FEATURES: &[&str] = &["query", "form", "multipart"];

/// The optional dependencies of the generated crate: the name the runtime's code uses, and the
/// manifest line. Each is in the manifest when a runtime file the crate has names it.
pub(crate) const OPTIONAL_CRATES: &[(&str, &str)] = &[
    ("bytes", "bytes = \"1\""),
    ("futures_core", "futures-core = \"0.3\""),
    ("http_body", "http-body = \"1\""),
    ("percent_encoding", "percent-encoding = \"2.3\""),
];

impl Record {
    /// Adds what `tokens`, a sequence of items, use. `receiver` is the type of `self` for
    /// items that are members of an `impl` block written around them (`Client` for methods).
    pub(crate) fn scan(&mut self, tokens: &TokenStream, receiver: Option<&str>) {
        let index = runtime_index();
        for item in items(tokens) {
            let cond = item.cond.unwrap_or_else(Cond::always);
            let receiver = item.receiver.as_deref().or(receiver);
            walk(&item.tokens, &cond, receiver, false, &index.methods, self);
        }
    }

    /// Adds every other part's record.
    pub(crate) fn merge(&mut self, other: &Record) {
        for (module, cond) in &other.runtime {
            self.runtime.entry(module).or_default().or(cond);
        }
        self.reqwest.extend(other.reqwest.iter().copied());
    }

    fn runtime_use(&mut self, module: &'static str, cond: &Cond) {
        self.runtime.entry(module).or_default().or(cond);
    }

    /// With what the runtime files used need of the others, compiled whenever they are.
    pub(crate) fn closed(mut self) -> Record {
        let index = runtime_index();
        loop {
            let mut changed = false;
            let used: Vec<(&'static str, Cond)> = self
                .runtime
                .iter()
                .map(|(module, cond)| (*module, cond.clone()))
                .collect();
            for (module, cond) in used {
                let Some(needs) = index.needs.get(module) else {
                    continue;
                };
                for need in &needs.runtime {
                    changed |= self.runtime.entry(need).or_default().or(&cond);
                }
                for feature in &needs.reqwest {
                    changed |= self.reqwest.insert(feature);
                }
            }
            if !changed {
                return self;
            }
        }
    }

    /// The runtime files the crate has, in file-name order, each with when it is compiled.
    pub(crate) fn runtime_files(&self) -> impl Iterator<Item = (&'static str, &Cond)> {
        self.runtime.iter().map(|(module, cond)| (*module, cond))
    }

    /// When the runtime file `module` is compiled (`None`: the crate does not have it).
    pub(crate) fn runtime(&self, module: &str) -> Option<&Cond> {
        self.runtime.get(module)
    }

    /// The `reqwest` features the crate's code calls for, in [`REQWEST_FEATURES`] order.
    pub(crate) fn reqwest_features(&self) -> impl Iterator<Item = &'static str> + '_ {
        REQWEST_FEATURES
            .iter()
            .copied()
            .filter(|feature| self.reqwest.contains(feature))
    }

    /// The manifest lines of the optional dependencies the crate's runtime files name.
    pub(crate) fn optional_crates(&self) -> Vec<&'static str> {
        let index = runtime_index();
        OPTIONAL_CRATES
            .iter()
            .filter(|(name, _)| {
                self.runtime.keys().any(|module| {
                    index
                        .needs
                        .get(module)
                        .is_some_and(|needs| needs.crates.contains(name))
                })
            })
            .map(|(_, line)| *line)
            .collect()
    }
}

/// One top-level item: its tokens, its `#[cfg]`, and for an `impl` block the type it is for.
struct Item {
    tokens: TokenStream,
    cond: Option<Cond>,
    receiver: Option<String>,
}

/// The items of a token sequence: each ends at a `;` or a `{ ... }` block at the top level
/// (and a `;` right after the block), as `emit::gated` splits them.
fn items(tokens: &TokenStream) -> Vec<Item> {
    let mut out = Vec::new();
    let mut current: Vec<TokenTree> = Vec::new();
    let mut tokens = tokens.clone().into_iter().peekable();
    while let Some(token) = tokens.next() {
        let ends = match &token {
            TokenTree::Punct(punct) => punct.as_char() == ';',
            TokenTree::Group(group) => {
                group.delimiter() == Delimiter::Brace && !is_attribute_body(&current)
            }
            _ => false,
        };
        let is_block = matches!(&token, TokenTree::Group(_));
        current.push(token);
        if ends {
            if is_block {
                if let Some(TokenTree::Punct(semi)) = tokens.peek() {
                    if semi.as_char() == ';' {
                        current.extend(tokens.next());
                    }
                }
            }
            out.push(item(std::mem::take(&mut current)));
        }
    }
    if !current.is_empty() {
        out.push(item(current));
    }
    out
}

/// Whether the next token follows a `#` (it is an attribute's `[...]`, never a block).
fn is_attribute_body(before: &[TokenTree]) -> bool {
    matches!(before.last(), Some(TokenTree::Punct(p)) if p.as_char() == '#' || p.as_char() == '!')
}

fn item(tokens: Vec<TokenTree>) -> Item {
    let mut cond: Option<Cond> = None;
    let mut receiver = None;
    let mut index = 0;
    // Outer attributes first: `#[cfg(...)]` decides when the item is compiled (an inner
    // attribute, `#![...]`, decides nothing of it).
    while let Some(TokenTree::Punct(hash)) = tokens.get(index) {
        if hash.as_char() != '#' {
            break;
        }
        let bang = matches!(tokens.get(index + 1), Some(TokenTree::Punct(p)) if p.as_char() == '!');
        let at = index + 1 + usize::from(bang);
        let Some(TokenTree::Group(group)) = tokens.get(at) else {
            break;
        };
        if group.delimiter() != Delimiter::Bracket {
            break;
        }
        let inner: Vec<TokenTree> = group.stream().into_iter().collect();
        if let (false, Some(TokenTree::Ident(name)), Some(TokenTree::Group(args))) =
            (bang, inner.first(), inner.get(1))
        {
            if name == "cfg" {
                let parsed = parse_cfg(&args.stream());
                cond = Some(match cond {
                    Some(before) => before.and(&parsed),
                    None => parsed,
                });
            }
        }
        index = at + 1;
    }
    let rest = tokens.get(index..).unwrap_or_default();
    // The item's first word after its visibility (`pub`, `pub(crate)`) and `unsafe`.
    let keyword = rest.iter().find(|t| match t {
        TokenTree::Ident(word) => word != "pub" && word != "unsafe",
        TokenTree::Group(group) => group.delimiter() == Delimiter::Brace,
        TokenTree::Punct(_) | TokenTree::Literal(_) => false,
    });
    let starts_impl = matches!(keyword, Some(TokenTree::Ident(word)) if word == "impl");
    if starts_impl {
        receiver = impl_self_type(rest);
    }
    Item {
        tokens: tokens.into_iter().collect(),
        cond,
        receiver,
    }
}

/// The type an `impl` block is for: after `for` when there is one, else after `impl` and its
/// generics; the last path segment before its own generics (`super::client::Client` ->
/// `Client`, `Error<E>` -> `Error`).
fn impl_self_type(tokens: &[TokenTree]) -> Option<String> {
    let head: Vec<&TokenTree> = tokens
        .iter()
        .take_while(|t| !matches!(t, TokenTree::Group(g) if g.delimiter() == Delimiter::Brace))
        .collect();
    let start = head
        .iter()
        .position(|t| matches!(t, TokenTree::Ident(i) if i == "for"))
        .or_else(|| {
            head.iter()
                .position(|t| matches!(t, TokenTree::Ident(i) if i == "impl"))
        })?;
    let mut depth = 0usize;
    let mut last = None;
    // After `impl`, skip its generics (`impl<E>`); after `for`, none.
    for token in head.get(start + 1..).unwrap_or_default() {
        match token {
            TokenTree::Punct(p) if p.as_char() == '<' => depth += 1,
            TokenTree::Punct(p) if p.as_char() == '>' => depth = depth.saturating_sub(1),
            TokenTree::Ident(name) if depth == 0 => {
                if name == "where" {
                    break;
                }
                last = Some(name.to_string());
            }
            _ => {}
        }
        // The type's own generics start after its name: stop at a `<` once a name is read.
        if depth > 0 && last.is_some() {
            break;
        }
    }
    last
}

/// A `cfg` predicate as a condition: `feature = "x"`, `any(...)`, `all(...)`; anything else
/// (`not(...)`) as always, so that nothing used is left out.
fn parse_cfg(tokens: &TokenStream) -> Cond {
    let tokens: Vec<TokenTree> = tokens.clone().into_iter().collect();
    match tokens.as_slice() {
        [TokenTree::Ident(name), TokenTree::Punct(eq), TokenTree::Literal(value)]
            if name == "feature" && eq.as_char() == '=' =>
        {
            Cond::feature(value.to_string().trim_matches('"'))
        }
        [TokenTree::Ident(name), TokenTree::Group(args)] if name == "any" || name == "all" => {
            let parts = split_commas(&args.stream());
            let mut out = if name == "any" {
                Cond::default()
            } else {
                Cond::always()
            };
            for part in parts {
                let part = parse_cfg(&part);
                if name == "any" {
                    out.or(&part);
                } else {
                    out = out.and(&part);
                }
            }
            out
        }
        _ => Cond::always(),
    }
}

fn split_commas(tokens: &TokenStream) -> Vec<TokenStream> {
    let mut parts = vec![TokenStream::new()];
    for token in tokens.clone() {
        match &token {
            TokenTree::Punct(p) if p.as_char() == ',' => parts.push(TokenStream::new()),
            _ => {
                if let Some(last) = parts.last_mut() {
                    last.extend([token]);
                }
            }
        }
    }
    parts.retain(|part| !part.is_empty());
    parts
}

/// Reads `tokens` under `cond`: what they name of the runtime, and the `reqwest` features of
/// their calls. `own` is set for the runtime's own files, where `super::<module>` names a file.
fn walk(
    tokens: &TokenStream,
    cond: &Cond,
    receiver: Option<&str>,
    own: bool,
    methods: &BTreeMap<(String, String), &'static str>,
    record: &mut Record,
) {
    let tokens: Vec<TokenTree> = tokens.clone().into_iter().collect();
    let mut index = 0;
    while let Some(token) = tokens.get(index) {
        match token {
            TokenTree::Punct(hash) if hash.as_char() == '#' => {
                // An attribute: docs name nothing; `cfg_attr(feature = "x", ...)` applies its
                // attributes only with `x`; string paths in `serde(...)` name functions.
                let bang = matches!(tokens.get(index + 1), Some(TokenTree::Punct(p)) if p.as_char() == '!');
                let at = index + 1 + usize::from(bang);
                if let Some(TokenTree::Group(group)) = tokens.get(at) {
                    if group.delimiter() == Delimiter::Bracket {
                        attribute(&group.stream(), cond, receiver, own, methods, record);
                        index = at + 1;
                        continue;
                    }
                }
            }
            TokenTree::Ident(name) if name == "runtime" || (own && name == "super") => {
                if let (
                    Some(TokenTree::Punct(c1)),
                    Some(TokenTree::Punct(c2)),
                    Some(TokenTree::Ident(module)),
                ) = (
                    tokens.get(index + 1),
                    tokens.get(index + 2),
                    tokens.get(index + 3),
                ) {
                    if c1.as_char() == ':' && c2.as_char() == ':' {
                        if let Some(module) = runtime_module(&module.to_string()) {
                            record.runtime_use(module, cond);
                        }
                    }
                }
            }
            TokenTree::Punct(dot) if dot.as_char() == '.' => {
                if let (Some(TokenTree::Ident(method)), Some(TokenTree::Group(args))) =
                    (tokens.get(index + 1), tokens.get(index + 2))
                {
                    if args.delimiter() == Delimiter::Parenthesis {
                        let method = method.to_string();
                        let on_self = matches!(index.checked_sub(1).and_then(|i| tokens.get(i)), Some(TokenTree::Ident(s)) if s == "self");
                        if let (true, Some(receiver)) = (on_self, receiver) {
                            if let Some(module) =
                                methods.get(&(receiver.to_string(), method.clone()))
                            {
                                record.runtime_use(module, cond);
                            }
                        }
                        if !args.stream().is_empty() {
                            if let Some(feature) =
                                REQWEST_FEATURES.iter().find(|f| **f == method.as_str())
                            {
                                record.reqwest.insert(feature);
                            }
                        }
                    }
                }
            }
            TokenTree::Group(group) => {
                walk(&group.stream(), cond, receiver, own, methods, record);
            }
            _ => {}
        }
        index += 1;
    }
}

/// The inside of one attribute `#[...]`.
fn attribute(
    tokens: &TokenStream,
    cond: &Cond,
    receiver: Option<&str>,
    own: bool,
    methods: &BTreeMap<(String, String), &'static str>,
    record: &mut Record,
) {
    let inner: Vec<TokenTree> = tokens.clone().into_iter().collect();
    let Some(TokenTree::Ident(name)) = inner.first() else {
        return;
    };
    match (name.to_string().as_str(), inner.get(1)) {
        ("doc", _) => {}
        ("cfg_attr", Some(TokenTree::Group(args))) => {
            let mut parts = split_commas(&args.stream()).into_iter();
            let Some(predicate) = parts.next() else {
                return;
            };
            let cond = cond.and(&parse_cfg(&predicate));
            for part in parts {
                attribute(&part, &cond, receiver, own, methods, record);
            }
        }
        ("serde", Some(TokenTree::Group(args))) => {
            for token in args.stream() {
                if let TokenTree::Literal(literal) = token {
                    let text = literal.to_string();
                    for (at, _) in text.match_indices("runtime::") {
                        let rest = text.get(at + "runtime::".len()..).unwrap_or_default();
                        let name: String = rest
                            .chars()
                            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                            .collect();
                        if let Some(module) = runtime_module(&name) {
                            record.runtime_use(module, cond);
                        }
                    }
                }
            }
        }
        _ => walk(tokens, cond, receiver, own, methods, record),
    }
}

/// The runtime module of that name.
fn runtime_module(name: &str) -> Option<&'static str> {
    RUNTIME_SOURCES
        .iter()
        .find(|(module, _)| *module == name)
        .map(|(module, _)| *module)
}

/// What one runtime file needs when it is compiled.
#[derive(Debug, Default)]
struct Needs {
    runtime: BTreeSet<&'static str>,
    reqwest: BTreeSet<&'static str>,
    crates: BTreeSet<&'static str>,
}

/// The runtime read once: the methods each file adds to a type (`(type, method)` -> file),
/// and what each file needs.
struct RuntimeIndex {
    methods: BTreeMap<(String, String), &'static str>,
    needs: BTreeMap<&'static str, Needs>,
}

fn runtime_index() -> &'static RuntimeIndex {
    static INDEX: OnceLock<RuntimeIndex> = OnceLock::new();
    INDEX.get_or_init(|| {
        let parsed: Vec<(&'static str, TokenStream)> = RUNTIME_SOURCES
            .iter()
            .map(|(module, text)| (*module, TokenStream::from_str(text).unwrap_or_default()))
            .collect();
        let mut methods = BTreeMap::new();
        for (module, tokens) in &parsed {
            for item in items(tokens) {
                let Some(receiver) = item.receiver else {
                    continue;
                };
                let Some(TokenTree::Group(body)) = item
                    .tokens
                    .clone()
                    .into_iter()
                    .filter(
                        |t| matches!(t, TokenTree::Group(g) if g.delimiter() == Delimiter::Brace),
                    )
                    .last()
                else {
                    continue;
                };
                let body: Vec<TokenTree> = body.stream().into_iter().collect();
                for pair in body.windows(2) {
                    if let [TokenTree::Ident(keyword), TokenTree::Ident(name)] = pair {
                        if keyword == "fn" {
                            methods.insert((receiver.clone(), name.to_string()), *module);
                        }
                    }
                }
            }
        }
        let mut needs = BTreeMap::new();
        for (module, tokens) in &parsed {
            let mut record = Record::default();
            for item in items(tokens) {
                let receiver = item.receiver.as_deref();
                walk(
                    &item.tokens,
                    &Cond::always(),
                    receiver,
                    true,
                    &methods,
                    &mut record,
                );
            }
            let text = RUNTIME_SOURCES
                .iter()
                .find(|(name, _)| name == module)
                .map_or("", |(_, text)| text);
            needs.insert(
                *module,
                Needs {
                    runtime: record
                        .runtime
                        .keys()
                        .copied()
                        .filter(|m| m != module)
                        .collect(),
                    reqwest: record.reqwest,
                    crates: OPTIONAL_CRATES
                        .iter()
                        .map(|(name, _)| *name)
                        .filter(|name| names_crate(text, name))
                        .collect(),
                },
            );
        }
        RuntimeIndex { methods, needs }
    })
}

/// Whether `text` names the crate `name` in a path (`bytes::Bytes`, `use percent_encoding`).
fn names_crate(text: &str, name: &str) -> bool {
    let tokens: Vec<TokenTree> = TokenStream::from_str(text)
        .unwrap_or_default()
        .into_iter()
        .collect();
    fn any_named(tokens: &[TokenTree], name: &str) -> bool {
        tokens.windows(3).any(|pair| match pair {
            [TokenTree::Ident(ident), TokenTree::Punct(first), TokenTree::Punct(second)] => {
                ident == name && first.as_char() == ':' && second.as_char() == ':'
            }
            _ => false,
        }) || tokens.iter().any(|token| match token {
            TokenTree::Group(group) => {
                any_named(&group.stream().into_iter().collect::<Vec<_>>(), name)
            }
            _ => false,
        })
    }
    any_named(&tokens, name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_print_as_the_emitters_gates_did() {
        let mut cond = Cond::feature("b");
        cond.or(&Cond::feature("a"));
        assert_eq!(
            cond.attr().to_string(),
            quote! { #[cfg(any(feature = "a", feature = "b"))] }.to_string()
        );
        let serde_all = cond.and(&Cond::feature("serde-all"));
        assert_eq!(
            serde_all.attr().to_string(),
            quote! { #[cfg(all(feature = "serde-all", any(feature = "a", feature = "b")))] }
                .to_string()
        );
        let mut both = serde_all.clone();
        both.or(&Cond::feature("a"));
        assert_eq!(
            both.attr().to_string(),
            quote! { #[cfg(any(feature = "a", all(feature = "b", feature = "serde-all")))] }
                .to_string()
        );
        both.or(&Cond::always());
        assert!(both.attr().is_empty());
    }

    #[test]
    fn uses_are_read_under_the_cfg_of_their_item() {
        let mut record = Record::default();
        record.scan(
            &quote! {
                #[cfg(feature = "vm")]
                impl Client {
                    fn f(&self) { self.read_json(r); crate::runtime::path::encode_path_segment("a", "b"); }
                }
                #[derive(serde::Serialize)]
                #[cfg_attr(feature = "serde-all", derive(serde::Deserialize))]
                pub struct S {
                    #[cfg_attr(feature = "serde-all", serde(deserialize_with = "crate::runtime::nullable::present"))]
                    pub a: Option<Option<String>>,
                }
                fn g() { request = request.query(&[("a", "b")]); url.query(); }
            },
            None,
        );
        let record = record.closed();
        assert_eq!(
            record
                .runtime("decode")
                .map(Cond::attr)
                .map(|t| t.to_string()),
            Some(quote! { #[cfg(feature = "vm")] }.to_string())
        );
        assert_eq!(
            record
                .runtime("nullable")
                .map(Cond::attr)
                .map(|t| t.to_string()),
            Some(quote! { #[cfg(feature = "serde-all")] }.to_string())
        );
        // What `decode` and `path` need of the rest of the runtime comes with them.
        assert!(record.runtime("client").is_some());
        assert!(record.runtime("error").is_some());
        assert!(record.runtime("open_enum").is_none());
        assert_eq!(record.reqwest_features().collect::<Vec<_>>(), ["query"]);
        assert_eq!(record.optional_crates(), ["percent-encoding = \"2.3\""]);
    }
}
