//! `--include` / `--exclude`: which operations are generated.

/// Which operations to generate: `--include` and `--exclude` patterns.
///
/// A pattern is `tag:NAME` (a tag), `path:PREFIX` or `/PREFIX` (the start of the path key), or
/// `op:GLOB` / `GLOB` (the operationId, `*` matching any text). An operation is generated when
/// no include is given or one matches, and no exclude matches.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// Patterns of operations to generate.
    pub include: Vec<String>,
    /// Patterns of operations to leave out.
    pub exclude: Vec<String>,
}

impl Selection {
    /// Whether every operation is selected.
    pub fn is_empty(&self) -> bool {
        self.include.is_empty() && self.exclude.is_empty()
    }

    pub(crate) fn selects(
        &self,
        path_key: &str,
        tags: &[String],
        operation_id: Option<&str>,
    ) -> bool {
        let matches = |pattern: &String| {
            if let Some(tag) = pattern.strip_prefix("tag:") {
                tags.iter().any(|t| glob_match(tag, t))
            } else if let Some(prefix) = pattern.strip_prefix("path:") {
                path_key.starts_with(prefix)
            } else if pattern.starts_with('/') {
                path_key.starts_with(pattern.as_str())
            } else {
                let glob = pattern.strip_prefix("op:").unwrap_or(pattern);
                operation_id.is_some_and(|id| glob_match(glob, id))
            }
        };
        (self.include.is_empty() || self.include.iter().any(matches))
            && !self.exclude.iter().any(matches)
    }
}

/// `*` matches any run of characters; everything else matches itself.
fn glob_match(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    let (Some(first), Some(last)) = (parts.first(), parts.last()) else {
        return false;
    };
    if parts.len() == 1 {
        return pattern == text;
    }
    if !text.starts_with(first) || !text[first.len()..].ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(at) => rest = &rest[at + middle.len()..],
            None => return false,
        }
    }
    true
}
