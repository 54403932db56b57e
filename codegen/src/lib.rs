//! `codegen` turns an OpenAPI 3.0, 3.1 or 3.2 document into a complete, typed, async Rust client crate.
//!
//! Data flows one way, one room per step:
//! `load` (file -> `openapiv3::OpenAPI`) -> `model` (-> [`model::ApiModel`]) -> `emit`
//! (-> tokens per file) -> `render` (-> formatted text) -> `write` (-> disk).
//! `cargo xtask regenerate` and the tests call the functions of this module, nothing else.

pub mod diagnostic;
pub mod docs;
pub mod emit;
pub mod load;
pub mod model;
pub mod names;
pub mod normalize;
pub mod position;
pub mod render;
pub mod report;
pub mod scope;
pub mod write;

use std::path::Path;
use std::time::{Duration, Instant};

pub use diagnostic::{Diagnostic, DiagnosticKind, Fallback, LineColumn, Severity};
pub use render::RenderedFile;
pub use report::Diagnostics;
pub use write::{FileChange, FileStatus, WriteError};

/// What to generate.
#[derive(Debug, Clone)]
pub struct Options {
    /// The generated package's name.
    pub crate_name: String,
    /// How the spec is named in headers and docs (a path relative to the workspace, so that the
    /// output does not depend on where the workspace is).
    pub spec_label: String,
    /// Which operations to generate (all by default).
    pub selection: model::Selection,
    /// Whether a warning stops generation as an error would (`--strict`): then nothing is
    /// generated unless every node of the spec is typed.
    pub strict: bool,
}

/// How the work is split: the output is the same for every layout (a test proves it); only
/// the speed differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// Threads that format parts.
    pub threads: usize,
    /// Types and methods per part.
    pub parts: emit::PartSizes,
}

impl Default for Layout {
    /// As many threads as the machine has cores, the default part sizes.
    fn default() -> Self {
        Layout {
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            parts: emit::PartSizes::default(),
        }
    }
}

/// A generated crate, rendered but not written.
#[derive(Debug, Clone)]
pub struct GeneratedCrate {
    /// Every file, in a fixed order.
    pub files: Vec<RenderedFile>,
    /// How many operations (methods) it has.
    pub operations: usize,
    /// How many named types it has.
    pub types: usize,
    /// What in the spec degraded: each node that could not be typed and each operation left
    /// out, in file order. Empty for a spec the generator reads whole.
    pub warnings: Vec<Diagnostic>,
    /// Time spent loading, modelling, emitting and rendering.
    pub elapsed: Duration,
}

/// Why generation failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The spec was rejected: every problem found (up to a limit), in file order.
    #[error("{0}")]
    Spec(Diagnostics),
    /// The generator produced invalid Rust (a bug in the generator).
    #[error(transparent)]
    Render(#[from] render::RenderError),
    /// The output could not be written.
    #[error(transparent)]
    Write(#[from] WriteError),
    /// A document could not be turned into text (the normalized copy).
    #[error("cannot write the document as YAML: {0}")]
    Serialize(serde_yaml::Error),
}

impl From<Diagnostic> for Error {
    fn from(diagnostic: Diagnostic) -> Self {
        Error::Spec(Diagnostics::from(diagnostic))
    }
}

/// Generates the crate for the spec file at `spec`, in memory.
pub fn generate(spec: &Path, options: &Options) -> Result<GeneratedCrate, Error> {
    generate_with_layout(spec, options, Layout::default())
}

/// [`generate`] with the work split as `layout` says.
pub fn generate_with_layout(
    spec: &Path,
    options: &Options,
    layout: Layout,
) -> Result<GeneratedCrate, Error> {
    let started = Instant::now();
    let loaded = load::load_file(spec)?;
    generate_loaded(&loaded, options, layout, started)
}

/// Generates the crate for a spec given as text; `file` names it in diagnostics and tells the
/// format (`.json` or YAML).
pub fn generate_from_text(
    file: &Path,
    text: String,
    options: &Options,
) -> Result<GeneratedCrate, Error> {
    let started = Instant::now();
    let loaded = load::load_text(file, text)?;
    generate_loaded(&loaded, options, Layout::default(), started)
}

fn generate_loaded(
    loaded: &load::LoadedSpec,
    options: &Options,
    layout: Layout,
    started: Instant,
) -> Result<GeneratedCrate, Error> {
    let model::Modelled { model, warnings } =
        model::build_model(loaded, &options.selection).map_err(Error::Spec)?;
    if options.strict && !warnings.is_empty() {
        let errors = warnings.into_iter().map(Diagnostic::as_error).collect();
        return Err(Error::Spec(Diagnostics::new(errors)));
    }
    let settings = emit::CrateSettings {
        crate_name: &options.crate_name,
        spec_label: &options.spec_label,
    };
    let emitted = emit::emit_crate(&model, &settings, layout.parts);
    let files = render::render_files(emitted, &options.spec_label, layout.threads)?;
    Ok(GeneratedCrate {
        files,
        operations: model.operations.len(),
        types: model.types.len(),
        warnings,
        elapsed: started.elapsed(),
    })
}

/// Generates the crate and writes it to `out_dir`: all files or, on any error, none (should
/// undoing a failed write fail too, [`WriteError::Partial`] names every file left changed).
pub fn regenerate(
    spec: &Path,
    out_dir: &Path,
    options: &Options,
) -> Result<(GeneratedCrate, Vec<FileChange>), Error> {
    let generated = generate(spec, options)?;
    let changes = write::write_files(out_dir, &generated.files)?;
    Ok((generated, changes))
}

/// The files of `out_dir` that differ from what the spec produces (missing, different, or
/// generated files the spec no longer produces). Empty when the output is fresh.
pub fn stale_files(
    spec: &Path,
    out_dir: &Path,
    options: &Options,
) -> Result<Vec<FileChange>, Error> {
    let generated = generate(spec, options)?;
    Ok(write::plan(out_dir, &generated.files)
        .into_iter()
        .filter(|change| change.status != FileStatus::Unchanged)
        .collect())
}
