//! Every problem of a spec, collected: sorted by position in the file, at most
//! [`Diagnostics::LIMIT`] of them shown, and how many more there are.

use std::fmt;

use crate::diagnostic::Diagnostic;

/// The problems that stop a spec from generating, in the order they appear in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostics {
    /// The first [`Diagnostics::LIMIT`] problems, by line and column (then pointer).
    pub list: Vec<Diagnostic>,
    /// How many problems were found in all.
    pub total: usize,
}

impl Diagnostics {
    /// How many problems one run reports.
    pub const LIMIT: usize = 20;

    /// Sorts `found` by position and keeps the first [`Diagnostics::LIMIT`].
    pub fn new(found: Vec<Diagnostic>) -> Self {
        let mut found = in_file_order(found);
        let total = found.len();
        found.truncate(Self::LIMIT);
        Diagnostics { list: found, total }
    }

    /// The first problem (the one nearest the top of the file).
    pub fn first(&self) -> Option<&Diagnostic> {
        self.list.first()
    }
}

/// `found` sorted by position in the file (then pointer), each problem once.
pub fn in_file_order(mut found: Vec<Diagnostic>) -> Vec<Diagnostic> {
    found.sort_by(|a, b| {
        let position = |d: &Diagnostic| {
            d.location
                .map_or((u32::MAX, u32::MAX), |l| (l.line, l.column))
        };
        (position(a), &a.pointer, a.to_string()).cmp(&(position(b), &b.pointer, b.to_string()))
    });
    found.dedup();
    found
}

impl From<Diagnostic> for Diagnostics {
    fn from(diagnostic: Diagnostic) -> Self {
        Diagnostics::new(vec![diagnostic])
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, diagnostic) in self.list.iter().enumerate() {
            if index > 0 {
                write!(f, "\n\n")?;
            }
            write!(f, "{diagnostic}")?;
        }
        let hidden = self.total.saturating_sub(self.list.len());
        if hidden > 0 {
            write!(
                f,
                "\n\n... and {hidden} more problems (fix these and run again)"
            )?;
        }
        if self.total > 1 {
            write!(f, "\n\n{} problems in all", self.total)?;
        }
        Ok(())
    }
}

/// One line that counts `warnings` by what was lost: `3 warnings (2 untyped nodes, 1
/// operations left out)`, or `no warnings`.
pub fn warning_summary(warnings: &[Diagnostic]) -> String {
    if warnings.is_empty() {
        return "no warnings".to_string();
    }
    let mut counts: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for warning in warnings {
        let category = warning
            .lost
            .as_ref()
            .map_or("other", |lost| lost.category());
        *counts.entry(category).or_default() += 1;
    }
    let parts: Vec<String> = counts
        .iter()
        .map(|(category, count)| format!("{count} {category}"))
        .collect();
    let noun = if warnings.len() == 1 {
        "warning"
    } else {
        "warnings"
    };
    format!("{} {noun} ({})", warnings.len(), parts.join(", "))
}

/// Every warning, for a maintainer deciding what to fix upstream: a table of each degraded
/// node (position, pointer, what was lost), then each warning in full.
pub fn warning_report(spec_label: &str, warnings: &[Diagnostic]) -> String {
    let mut text = format!(
        "# What the generator could not type in {spec_label}\n\n{}\n",
        warning_summary(warnings)
    );
    if warnings.is_empty() {
        return text;
    }
    text.push_str("\n| at | pointer | lost |\n| --- | --- | --- |\n");
    for warning in warnings {
        let at = warning
            .location
            .map_or("?".to_string(), |l| format!("{}:{}", l.line, l.column));
        let lost = warning.lost.as_ref().map_or("", |lost| lost.category());
        let pointer = warning.pointer.replace('|', "\\|");
        text.push_str(&format!("| {at} | `{pointer}` | {lost} |\n"));
    }
    text.push_str("\n## Each warning\n");
    for warning in warnings {
        text.push_str(&format!("\n```\n{warning}\n```\n"));
    }
    text
}
