//! Putting a rendered crate on disk, all files or none, and telling which files are stale.
//! This room knows the disk; it never sees the spec.

use std::fmt;
use std::io::{self, Write};
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

/// A failure to write the output, and the state it left the output in.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The output is as it was: the failure came before anything in it changed, or every change
    /// was undone.
    #[error("cannot write {}: {source}; the output is as it was before", path.display())]
    Untouched {
        /// The file or directory that could not be written.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
    /// Undoing the changes failed too: some paths are new, the others old.
    #[error(transparent)]
    Partial(Box<PartialWrite>),
}

/// A write that failed midway and could not be undone whole: which paths are left how.
#[derive(Debug, thiserror::Error)]
#[error(
    "cannot write {}: {source}\nundoing the earlier changes failed too, so the output is part new, \
     part old:\n{}\nevery other path is as it was before; once the cause is fixed, writing \
     again brings the whole output up to date",
    path.display(),
    left.iter().map(|left| format!("  {left}")).collect::<Vec<_>>().join("\n")
)]
pub struct PartialWrite {
    /// The file or directory whose write failed.
    pub path: PathBuf,
    /// The operating system's error.
    #[source]
    pub source: io::Error,
    /// Every path that is not as it was before.
    pub left: Vec<LeftBehind>,
}

/// A path that a failed write could not put back.
#[derive(Debug, thiserror::Error)]
#[error("{}: {state} ({error})", path.display())]
pub struct LeftBehind {
    /// The file or directory.
    pub path: PathBuf,
    /// How it differs from before.
    pub state: LeftState,
    /// Why putting it back failed.
    pub error: io::Error,
}

/// How a path left behind by a failed write differs from before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeftState {
    /// It has the new contents; the old ones are kept in `old_contents`.
    Replaced {
        /// The copy of the old contents.
        old_contents: PathBuf,
    },
    /// It did not exist before; it has the new contents.
    Created,
    /// It was removed; its contents are kept in `old_contents`.
    Removed {
        /// The file, moved.
        old_contents: PathBuf,
    },
    /// A directory that did not exist before.
    CreatedDirectory,
}

impl fmt::Display for LeftState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LeftState::Replaced { old_contents } => write!(
                f,
                "has the new contents, the old ones are in {}; putting them back failed",
                old_contents.display()
            ),
            LeftState::Created => f.write_str("created by this write; removing it failed"),
            LeftState::Removed { old_contents } => write!(
                f,
                "removed, its contents are in {}; putting it back failed",
                old_contents.display()
            ),
            LeftState::CreatedDirectory => {
                f.write_str("directory created by this write; removing it failed")
            }
        }
    }
}

/// Where and why one step of a write failed.
struct Failure {
    path: PathBuf,
    source: io::Error,
}

/// Turns an `io::Error` about `path` into a [`Failure`].
fn at(path: &Path) -> impl FnOnce(io::Error) -> Failure {
    let path = path.to_path_buf();
    move |source| Failure { path, source }
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

/// Writes the files that changed and removes orphaned generated files, as one transaction: the
/// output ends either wholly new or, on an error, as it was.
///
/// The new files are first written into a staging directory of unique name inside `out_dir`
/// (concurrent writers never share one), so a full disk fails before anything in the output
/// changes. Then each is renamed over its target, after a copy of the old file has gone into the
/// staging directory, and each orphan is moved there. If any of that fails, every change made
/// so far is undone from those copies. Only if undoing fails too is the output left mixed, and
/// [`WriteError::Partial`] then lists every path that differs from before.
pub fn write_files(out_dir: &Path, files: &[RenderedFile]) -> Result<Vec<FileChange>, WriteError> {
    let changes = plan(out_dir, files);
    if changes
        .iter()
        .all(|change| change.status == FileStatus::Unchanged)
    {
        return Ok(changes);
    }
    let mut journal = Journal::default();
    let staging = create_dirs(out_dir, &mut journal.created_dirs).and_then(|()| {
        tempfile::Builder::new()
            .prefix(".codegen-staging-")
            .tempdir_in(out_dir)
            .map_err(at(out_dir))
    });
    let staging = match staging {
        Ok(staging) => staging,
        Err(failure) => return Err(journal.undo(None, failure)),
    };
    match swap_in(out_dir, files, &changes, staging.path(), &mut journal) {
        Ok(()) => {
            // Every file is in place. Failing to remove the staging directory (the old copies)
            // leaves one hidden directory behind, which is no reason to call the write failed.
            let _ = staging.close();
            Ok(changes)
        }
        Err(failure) => Err(journal.undo(Some(staging), failure)),
    }
}

/// Writes every changed file into `staging`, then removes the orphans and moves the new files
/// into place, noting each change in `journal`.
fn swap_in(
    out_dir: &Path,
    files: &[RenderedFile],
    changes: &[FileChange],
    staging: &Path,
    journal: &mut Journal,
) -> Result<(), Failure> {
    // Staging names are the change's index, unique within this write and free of any
    // directory structure.
    let mut staged = Vec::new();
    for (index, (file, change)) in files.iter().zip(changes).enumerate() {
        if change.status == FileStatus::Unchanged {
            continue;
        }
        let target = out_dir.join(&file.path);
        let new = staging.join(format!("{index}.new"));
        std::fs::write(&new, &file.contents).map_err(at(&target))?;
        staged.push((index, new, target));
    }
    for (index, change) in changes.iter().enumerate() {
        if change.status != FileStatus::Removed {
            continue;
        }
        let target = out_dir.join(&change.path);
        let backup = staging.join(format!("{index}.old"));
        match std::fs::rename(&target, &backup) {
            Ok(()) => journal.steps.push(Step::Removed { target, backup }),
            // Already gone (another writer removed it): that is the state this write wants.
            Err(err) if err.kind() == io::ErrorKind::NotFound => {}
            Err(err) => return Err(at(&target)(err)),
        }
    }
    for (index, new, target) in staged {
        if let Some(parent) = target.parent() {
            create_dirs(parent, &mut journal.created_dirs)?;
        }
        let backup = staging.join(format!("{index}.old"));
        let replaced = back_up(&target, &backup).map_err(at(&target))?;
        std::fs::rename(&new, &target).map_err(at(&target))?;
        journal.steps.push(if replaced {
            Step::Replaced { target, backup }
        } else {
            Step::Created { target }
        });
    }
    Ok(())
}

/// Copies `target` to `backup`; false when there is no `target`. A copy rather than a rename,
/// so that a reader of the output never finds the file missing.
fn back_up(target: &Path, backup: &Path) -> io::Result<bool> {
    match std::fs::symlink_metadata(target) {
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(err) => Err(err),
        Ok(metadata) if metadata.is_dir() => Err(io::Error::new(
            io::ErrorKind::IsADirectory,
            "a directory is where the file goes",
        )),
        Ok(_) => std::fs::copy(target, backup).map(|_| true),
    }
}

/// One change made to the output.
enum Step {
    /// `target` had other contents, copied to `backup` before the new file replaced it.
    Replaced { target: PathBuf, backup: PathBuf },
    /// `target` did not exist.
    Created { target: PathBuf },
    /// `target`, an orphan, was moved to `backup`.
    Removed { target: PathBuf, backup: PathBuf },
}

/// The changes made to the output so far, so that a failure can undo them.
#[derive(Default)]
struct Journal {
    steps: Vec<Step>,
    /// Directories that did not exist, parents first.
    created_dirs: Vec<PathBuf>,
}

impl Journal {
    /// Undoes every change, newest first, and tells what state that left the output in.
    fn undo(self, staging: Option<tempfile::TempDir>, failure: Failure) -> WriteError {
        let mut left = Vec::new();
        for step in self.steps.into_iter().rev() {
            let (undone, path, state) = match step {
                Step::Replaced { target, backup } => (
                    std::fs::rename(&backup, &target),
                    target,
                    LeftState::Replaced {
                        old_contents: backup,
                    },
                ),
                Step::Created { target } => {
                    (std::fs::remove_file(&target), target, LeftState::Created)
                }
                Step::Removed { target, backup } => (
                    std::fs::rename(&backup, &target),
                    target,
                    LeftState::Removed {
                        old_contents: backup,
                    },
                ),
            };
            if let Err(error) = undone {
                left.push(LeftBehind { path, state, error });
            }
        }
        // The staging directory goes before the created directories (one of them may hold it),
        // unless it keeps old contents that could not be put back.
        if let Some(staging) = staging {
            if left.is_empty() {
                let path = staging.path().to_path_buf();
                if let Err(error) = staging.close() {
                    left.push(LeftBehind {
                        path,
                        state: LeftState::CreatedDirectory,
                        error,
                    });
                }
            } else {
                let _ = staging.keep();
            }
        }
        for dir in self.created_dirs.into_iter().rev() {
            if let Err(error) = std::fs::remove_dir(&dir) {
                left.push(LeftBehind {
                    path: dir,
                    state: LeftState::CreatedDirectory,
                    error,
                });
            }
        }
        if left.is_empty() {
            WriteError::Untouched {
                path: failure.path,
                source: failure.source,
            }
        } else {
            WriteError::Partial(Box::new(PartialWrite {
                path: failure.path,
                source: failure.source,
                left,
            }))
        }
    }
}

/// Creates `dir` and its missing ancestors, noting each one it creates (parents first) so that
/// an undo can remove them.
fn create_dirs(dir: &Path, created: &mut Vec<PathBuf>) -> Result<(), Failure> {
    let mut missing = Vec::new();
    let mut next = Some(dir).filter(|dir| !dir.as_os_str().is_empty());
    while let Some(current) = next {
        if current.is_dir() {
            break;
        }
        missing.push(current);
        next = current.parent().filter(|dir| !dir.as_os_str().is_empty());
    }
    for dir in missing.into_iter().rev() {
        match std::fs::create_dir(dir) {
            Ok(()) => created.push(dir.to_path_buf()),
            // Another writer made it meanwhile: not this write's to remove.
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists && dir.is_dir() => {}
            Err(err) => return Err(at(dir)(err)),
        }
    }
    Ok(())
}

/// Writes one file whole: a temporary file of unique name beside `target`, renamed over it, so
/// a reader never sees half of it and a failure leaves `target` as it was.
pub fn write_whole(target: &Path, contents: &[u8]) -> Result<(), WriteError> {
    let dir = target
        .parent()
        .filter(|dir| !dir.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut journal = Journal::default();
    let written = create_dirs(dir, &mut journal.created_dirs).and_then(|()| {
        let mut file = temporary_file_in(dir).map_err(at(dir))?;
        file.write_all(contents).map_err(at(target))?;
        file.persist(target)
            .map(drop)
            .map_err(|err| at(target)(err.error))
    });
    written.map_err(|failure| journal.undo(None, failure))
}

/// A temporary file in `dir` that, once renamed, has the mode `std::fs::write` would have given
/// it: tempfile's own 0600 would hide the output from other users.
fn temporary_file_in(dir: &Path) -> io::Result<tempfile::NamedTempFile> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(".codegen-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    builder.tempfile_in(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "// @generated by `cargo xtask regenerate` from spec/x.yaml. Do not edit.";

    fn rendered(path: &str, contents: &str) -> RenderedFile {
        RenderedFile {
            path: path.to_string(),
            contents: contents.to_string(),
        }
    }

    /// Puts `files` (path, contents) into `dir`, creating directories as needed.
    fn lay_out(dir: &Path, files: &[(&str, &str)]) {
        for (path, contents) in files {
            let path = dir.join(path);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).expect("create a test directory");
            }
            std::fs::write(path, contents).expect("write a test file");
        }
    }

    /// Every file under `dir` with its contents, and every directory (contents `None`), sorted.
    fn tree(dir: &Path) -> Vec<(String, Option<String>)> {
        let mut found = Vec::new();
        let mut pending = vec![dir.to_path_buf()];
        while let Some(current) = pending.pop() {
            for entry in std::fs::read_dir(&current).expect("read a test directory") {
                let path = entry.expect("read a test directory entry").path();
                let relative = path
                    .strip_prefix(dir)
                    .expect("under the test directory")
                    .to_string_lossy()
                    .replace('\\', "/");
                if path.is_dir() {
                    found.push((relative, None));
                    pending.push(path);
                } else {
                    let contents = std::fs::read_to_string(&path).expect("read a test file");
                    found.push((relative, Some(contents)));
                }
            }
        }
        found.sort();
        found
    }

    fn file(path: &str, contents: &str) -> (String, Option<String>) {
        (path.to_string(), Some(contents.to_string()))
    }

    fn directory(path: &str) -> (String, Option<String>) {
        (path.to_string(), None)
    }

    #[test]
    fn a_write_replaces_creates_keeps_and_removes() {
        let dir = tempfile::tempdir().expect("a test directory");
        let out = dir.path().join("out");
        let orphan = format!("{HEADER}\nold orphan");
        lay_out(
            &out,
            &[
                ("Cargo.toml", "same"),
                ("src/lib.rs", "old lib"),
                ("src/orphan.rs", &orphan),
                ("src/hand_written.rs", "// no header: never removed"),
            ],
        );
        let files = [
            rendered("Cargo.toml", "same"),
            rendered("src/lib.rs", "new lib"),
            rendered("src/deep/new.rs", "new file"),
        ];

        let changes = write_files(&out, &files).expect("the write succeeds");

        let statuses: Vec<(&str, FileStatus)> = changes
            .iter()
            .map(|change| (change.path.as_str(), change.status))
            .collect();
        assert_eq!(
            statuses,
            [
                ("Cargo.toml", FileStatus::Unchanged),
                ("src/lib.rs", FileStatus::Updated),
                ("src/deep/new.rs", FileStatus::Created),
                ("src/orphan.rs", FileStatus::Removed),
            ]
        );
        // No staging directory is left beside the files.
        assert_eq!(
            tree(&out),
            [
                file("Cargo.toml", "same"),
                directory("src"),
                directory("src/deep"),
                file("src/deep/new.rs", "new file"),
                file("src/hand_written.rs", "// no header: never removed"),
                file("src/lib.rs", "new lib"),
            ]
        );
        assert!(plan(&out, &files)
            .iter()
            .all(|change| change.status == FileStatus::Unchanged));
    }

    #[test]
    fn a_failed_write_puts_every_file_back() {
        let dir = tempfile::tempdir().expect("a test directory");
        let out = dir.path().join("out");
        let orphan = format!("{HEADER}\nold orphan");
        lay_out(
            &out,
            &[
                ("src/a.rs", "old a"),
                ("src/orphan.rs", &orphan),
                ("src/z.rs/keep", "a directory where a file goes"),
            ],
        );
        let before = tree(&out);
        // Written in this order: `src/z.rs` fails after the others are in place.
        let files = [
            rendered("src/a.rs", "new a"),
            rendered("src/new.rs", "new file"),
            rendered("src/sub/made.rs", "new file in a new directory"),
            rendered("src/z.rs", "cannot go where a directory is"),
        ];

        let error = write_files(&out, &files).expect_err("the write fails on src/z.rs");

        match &error {
            WriteError::Untouched { path, source } => {
                assert_eq!(path, &out.join("src/z.rs"));
                assert_eq!(source.kind(), io::ErrorKind::IsADirectory);
            }
            WriteError::Partial(partial) => panic!("undoing should succeed: {partial}"),
        }
        assert!(
            error
                .to_string()
                .ends_with("the output is as it was before"),
            "{error}"
        );
        // The old contents, the orphan back, no new file or directory, no staging directory.
        assert_eq!(tree(&out), before);
    }

    #[test]
    fn concurrent_writers_into_one_directory_both_succeed() {
        let dir = tempfile::tempdir().expect("a test directory");
        let out = dir.path().join("out");
        // Several rounds of many files, both writers started together, so that their renames
        // interleave; with one fixed temporary name per file they would take each other's.
        for round in 0..5 {
            let files: Vec<RenderedFile> = (0..100)
                .map(|index| {
                    rendered(
                        &format!("src/part{}/file{index}.rs", index % 4),
                        &format!("round {round}, file {index}"),
                    )
                })
                .collect();
            let start = std::sync::Barrier::new(2);
            let results: Vec<Result<Vec<FileChange>, WriteError>> = std::thread::scope(|scope| {
                let writers: Vec<_> = (0..2)
                    .map(|_| {
                        scope.spawn(|| {
                            start.wait();
                            write_files(&out, &files)
                        })
                    })
                    .collect();
                writers
                    .into_iter()
                    .map(|writer| writer.join().expect("a writer thread ends"))
                    .collect()
            });
            for result in results {
                if let Err(error) = result {
                    panic!("round {round}: a concurrent writer failed: {error}");
                }
            }
            assert!(
                plan(&out, &files)
                    .iter()
                    .all(|change| change.status == FileStatus::Unchanged),
                "round {round}: the output is not what both wrote"
            );
            let staging: Vec<_> = tree(&out)
                .into_iter()
                .filter(|(path, _)| path.starts_with(".codegen"))
                .collect();
            assert_eq!(staging, [], "round {round}: staging left behind");
        }
    }

    #[test]
    fn a_partial_write_names_every_path_left_behind() {
        let error = WriteError::Partial(Box::new(PartialWrite {
            path: PathBuf::from("out/src/z.rs"),
            source: io::Error::other("disk on fire"),
            left: vec![
                LeftBehind {
                    path: PathBuf::from("out/src/a.rs"),
                    state: LeftState::Replaced {
                        old_contents: PathBuf::from("out/.codegen-staging-x/0.old"),
                    },
                    error: io::Error::other("read-only"),
                },
                LeftBehind {
                    path: PathBuf::from("out/src/new.rs"),
                    state: LeftState::Created,
                    error: io::Error::other("busy"),
                },
            ],
        }));
        assert_eq!(
            error.to_string(),
            "cannot write out/src/z.rs: disk on fire\n\
             undoing the earlier changes failed too, so the output is part new, part old:\n  \
             out/src/a.rs: has the new contents, the old ones are in \
             out/.codegen-staging-x/0.old; putting them back failed (read-only)\n  \
             out/src/new.rs: created by this write; removing it failed (busy)\n\
             every other path is as it was before; once the cause is fixed, writing again \
             brings the whole output up to date"
        );
    }

    #[test]
    fn a_whole_write_replaces_the_file_with_the_usual_mode() {
        let dir = tempfile::tempdir().expect("a test directory");
        let target = dir.path().join("new/dir/copy.yaml");

        write_whole(&target, b"first").expect("the first write succeeds");
        write_whole(&target, b"second").expect("the second write succeeds");

        assert_eq!(
            tree(dir.path()),
            [
                directory("new"),
                directory("new/dir"),
                file("new/dir/copy.yaml", "second"),
            ]
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let plain = dir.path().join("plain");
            std::fs::write(&plain, "x").expect("write a test file");
            let mode = |path: &Path| {
                std::fs::metadata(path)
                    .expect("a written file")
                    .permissions()
                    .mode()
            };
            assert_eq!(mode(&target), mode(&plain), "as std::fs::write would");
        }
    }

    #[test]
    fn a_failed_whole_write_leaves_no_trace() {
        let dir = tempfile::tempdir().expect("a test directory");
        lay_out(
            dir.path(),
            &[("copy.yaml/keep", "a directory is in the way")],
        );
        let before = tree(dir.path());

        let error = write_whole(&dir.path().join("copy.yaml"), b"text")
            .expect_err("a file cannot replace a directory");

        assert!(matches!(error, WriteError::Untouched { .. }), "{error:?}");
        assert_eq!(tree(dir.path()), before);
    }
}
