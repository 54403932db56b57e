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
    pub fn new(mut found: Vec<Diagnostic>) -> Self {
        found.sort_by(|a, b| {
            let position = |d: &Diagnostic| {
                d.location
                    .map_or((usize::MAX, usize::MAX), |l| (l.line, l.column))
            };
            (position(a), &a.pointer).cmp(&(position(b), &b.pointer))
        });
        found.dedup();
        let total = found.len();
        found.truncate(Self::LIMIT);
        Diagnostics { list: found, total }
    }

    /// The first problem (the one nearest the top of the file).
    pub fn first(&self) -> Option<&Diagnostic> {
        self.list.first()
    }
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
