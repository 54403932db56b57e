//! Putting a rendered crate on disk, all files or none, and telling which files are stale.
//! This room knows the disk; it never sees the spec.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use crate::render::{has_header, RenderedFile};

/// What happened to one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileStatus {
    /// The file did not exist.
    Created,
    /// The file existed with other contents.
    Updated,
    /// The file already had these contents.
    Unchanged,
    /// A generated file that the spec no longer produces was removed.
    Removed,
}

impl fmt::Display for FileStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FileStatus::Created => "created",
            FileStatus::Updated => "updated",
            FileStatus::Unchanged => "unchanged",
            FileStatus::Removed => "removed",
        })
    }
}

/// A file of the output directory and what happened (or would happen) to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    /// Path inside the output directory, with `/` separators.
    pub path: String,
    /// What happened.
    pub status: FileStatus,
}

/// A failure to write the output.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {}: {source}", path.display())]
pub struct WriteError {
    /// The file or directory.
    pub path: PathBuf,
    /// The operating system's error.
    #[source]
    pub source: io::Error,
}

/// Compares the rendered files with the output directory without touching it.
pub fn plan(out_dir: &Path, files: &[RenderedFile]) -> Vec<FileChange> {
    let mut changes: Vec<FileChange> = files
        .iter()
        .map(|file| {
            let status = match std::fs::read(out_dir.join(&file.path)) {
                Ok(existing) if existing == file.contents.as_bytes() => FileStatus::Unchanged,
                Ok(_) => FileStatus::Updated,
                Err(_) => FileStatus::Created,
            };
            FileChange {
                path: file.path.clone(),
                status,
            }
        })
        .collect();
    for orphan in orphans(out_dir, files) {
        changes.push(FileChange {
            path: orphan,
            status: FileStatus::Removed,
        });
    }
    changes
}

/// Generated files (by their header) under `src/` that the current spec does not produce.
fn orphans(out_dir: &Path, files: &[RenderedFile]) -> Vec<String> {
    let mut found = Vec::new();
    let mut pending = vec![PathBuf::from("src")];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(out_dir.join(&dir)) else {
            continue;
        };
        for entry in entries.flatten() {
            let relative = dir.join(entry.file_name());
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                pending.push(relative);
                continue;
            }
            let path = relative.to_string_lossy().replace('\\', "/");
            if files.iter().any(|f| f.path == path) {
                continue;
            }
            if std::fs::read_to_string(entry.path()).is_ok_and(|text| has_header(&text)) {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// Writes the files that changed and removes orphaned generated files. Every new file is first
/// written beside its target under a temporary name; only when all of them are written are they
/// renamed into place, so a failure leaves the directory as it was.
pub fn write_files(out_dir: &Path, files: &[RenderedFile]) -> Result<Vec<FileChange>, WriteError> {
    let changes = plan(out_dir, files);
    let mut staged: Vec<(PathBuf, PathBuf)> = Vec::new();
    let result = stage(out_dir, files, &changes, &mut staged);
    if let Err(err) = result {
        for (temporary, _) in &staged {
            let _ = std::fs::remove_file(temporary);
        }
        return Err(err);
    }
    for (temporary, target) in &staged {
        std::fs::rename(temporary, target).map_err(|source| WriteError {
            path: target.clone(),
            source,
        })?;
    }
    for change in changes.iter().filter(|c| c.status == FileStatus::Removed) {
        let path = out_dir.join(&change.path);
        std::fs::remove_file(&path).map_err(|source| WriteError { path, source })?;
    }
    Ok(changes)
}

fn stage(
    out_dir: &Path,
    files: &[RenderedFile],
    changes: &[FileChange],
    staged: &mut Vec<(PathBuf, PathBuf)>,
) -> Result<(), WriteError> {
    for (file, change) in files.iter().zip(changes) {
        if change.status == FileStatus::Unchanged {
            continue;
        }
        let target = out_dir.join(&file.path);
        create_parent(&target)?;
        let temporary = temporary_beside(&target);
        staged.push((temporary.clone(), target));
        std::fs::write(&temporary, &file.contents).map_err(|source| WriteError {
            path: temporary,
            source,
        })?;
    }
    Ok(())
}

/// Writes one file whole: a temporary file beside `target`, renamed over it, so a reader never
/// sees half of it and a failure leaves `target` as it was.
pub fn write_whole(target: &Path, contents: &[u8]) -> Result<(), WriteError> {
    create_parent(target)?;
    let temporary = temporary_beside(target);
    let written =
        std::fs::write(&temporary, contents).and_then(|()| std::fs::rename(&temporary, target));
    written.map_err(|source| {
        let _ = std::fs::remove_file(&temporary);
        WriteError {
            path: target.to_path_buf(),
            source,
        }
    })
}

fn create_parent(target: &Path) -> Result<(), WriteError> {
    match target.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(parent) => std::fs::create_dir_all(parent).map_err(|source| WriteError {
            path: parent.to_path_buf(),
            source,
        }),
        None => Ok(()),
    }
}

/// `dir/name.codegen-tmp` for `dir/name`: where a file is written before it is renamed.
fn temporary_beside(target: &Path) -> PathBuf {
    let mut name = target.file_name().unwrap_or_default().to_os_string();
    name.push(".codegen-tmp");
    target.with_file_name(name)
}
