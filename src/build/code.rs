//! A code asset, built: its Python or Node.js dependencies vendored, its files and theirs merged, the
//! archive built (or found in the store), and placed at `<out>/assets/<input-hash>.zip`.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::Path;
use std::time::Instant;

use super::archive::{EntryCounts, Input, build_archive};
use super::error::{BuildError, ToolError};
use super::report::{AssetReport, AssetStatus, DependencyReport};
use super::store::{Store, is_vendored_metadata};
use super::{node, python};
use crate::inputs::{InputCache, SelectedFile};
use crate::model::CodeRuntime;
use crate::patterns::Selector;
use crate::plan::{Asset, CodeAsset};
use crate::progress::Progress;
use crate::util::digest::Hasher;
use crate::util::fs::link_or_copy;

/// What building code assets needs besides the asset.
pub(crate) struct CodeBuild<'a> {
    pub store: &'a Store,
    /// For the vendored trees' walk and digests.
    pub inputs: &'a InputCache,
    pub out_dir: &'a Path,
    /// The Python that runs pip.
    pub python: &'a OsStr,
    pub installer: &'a super::python::PythonInstaller,
    pub progress: &'a dyn Progress,
}

/// The slot of an asset: the archive last built for it is where unchanged entries come from.
fn slot(asset: &Asset, code: &CodeAsset) -> String {
    let mut h = Hasher::new("hangar/slot/v1");
    h.str(&code.root.to_string_lossy());
    for a in &asset.agents {
        h.str(a);
    }
    h.finish().short(16)
}

impl CodeBuild<'_> {
    /// Builds `asset` (or finds it in the store) and places it in the output directory.
    pub fn build(&self, asset: &Asset, code: &CodeAsset) -> Result<AssetReport, BuildError> {
        let started = Instant::now();
        let out_path = self.out_dir.join(asset.local_path().expect("code assets have a local path"));
        let place = |stored: &Path| {
            link_or_copy(stored, &out_path).map_err(|source| BuildError::Write { path: out_path.clone(), source })
        };
        let report = |status, sha256: String, size, entries, dependencies| AssetReport {
            kind: asset.kind(),
            agents: asset.agents.clone(),
            input_hash: asset.input_hash.to_hex(),
            status,
            seconds: started.elapsed().as_secs_f64(),
            path: out_path.clone(),
            sha256,
            size,
            entries,
            dependencies,
        };
        let stored = self.store.code_path(&asset.input_hash);
        if let Some(meta) = self.store.code_artifact(&asset.input_hash) {
            place(&stored)?;
            return Ok(report(
                AssetStatus::Cached,
                meta.sha256,
                meta.size,
                EntryCounts::cached(meta.entry_count),
                None,
            ));
        }

        let mut vendored = Vec::new();
        let mut dependencies = None;
        if let Some(deps) = &code.dependencies {
            self.progress.start(&format!("installing {} for {}", deps.kind.file_name(), asset.agents.join(", ")), 0);
            // Python's tree keeps the package defaults (no `__pycache__`); Node's is node_modules.
            let ((dir, cached), selector) = match code.runtime {
                CodeRuntime::Python(p) => (
                    python::vendor(self.store, deps, p, self.python, self.installer)?,
                    Selector::package(None).expect("default patterns compile"),
                ),
                CodeRuntime::Node(n) => (node::vendor(self.store, deps, n)?, Selector::everything()),
            };
            let files: Vec<SelectedFile> = self
                .inputs
                .select(&dir, &selector)
                .map_err(ToolError::Vendored)?
                .into_iter()
                .filter(|f| !is_vendored_metadata(&f.rel))
                .collect();
            let digests = self.inputs.digests(&files)?;
            dependencies =
                Some(DependencyReport { declared_in: deps.kind.file_name().to_owned(), cached, files: files.len() });
            vendored = files.into_iter().zip(digests).collect();
        }
        // The project's own files win over vendored ones of the same path.
        let mut merged: BTreeMap<&str, Input<'_>> = BTreeMap::new();
        for (file, digest) in &vendored {
            merged.insert(&file.rel, Input { file, digest: *digest });
        }
        for (file, digest) in code.files.iter().zip(code.digests.iter()) {
            merged.insert(&file.rel, Input { file, digest: *digest });
        }
        let inputs: Vec<Input<'_>> = merged.into_values().collect();
        let total: u64 = inputs.iter().map(|i| i.file.stat.size).sum();
        self.progress.start(&format!("packaging {}", asset.agents.join(", ")), total);
        let (meta, counts) = build_archive(self.store, &asset.input_hash, &inputs, &slot(asset, code), self.progress)?;
        self.progress.finish();
        place(&stored)?;
        Ok(report(AssetStatus::Built, meta.sha256, meta.size, counts, dependencies))
    }
}
