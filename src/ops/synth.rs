//! `App::synth`: validate, plan, synthesize, and write the template and manifest.

use std::path::{Path, PathBuf};

use super::error::Error;
use crate::inputs::{CacheOptions, InputCache};
use crate::model::App;
use crate::plan::Plan;
use crate::synth::{Manifest, Template, synthesize, template_file_name};
use crate::util::fs::write_atomic;

/// Options of [`App::synth`].
///
/// ```
/// use hangar::SynthOptions;
/// let options = SynthOptions::new("prod").out_dir("build/cfn");
/// assert_eq!(options.stage(), "prod");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct SynthOptions {
    stage: String,
    out_dir: PathBuf,
    cache: CacheOptions,
}

impl SynthOptions {
    /// Synthesize `stage` into `hangar.out`.
    pub fn new(stage: impl Into<String>) -> Self {
        SynthOptions { stage: stage.into(), out_dir: PathBuf::from("hangar.out"), cache: CacheOptions::new() }
    }

    /// [`SynthOptions::new`] with the cache settings of the environment
    /// ([`CacheOptions::from_env`]).
    pub fn from_env(stage: impl Into<String>) -> Self {
        SynthOptions { cache: CacheOptions::from_env(), ..SynthOptions::new(stage) }
    }

    /// Where the template and manifest go (default `hangar.out`).
    pub fn out_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.out_dir = dir.into();
        self
    }

    /// How the stat cache and directory listings are used while planning.
    pub fn cache(mut self, cache: CacheOptions) -> Self {
        self.cache = cache;
        self
    }

    /// The stage.
    pub fn stage(&self) -> &str {
        &self.stage
    }
}

/// What [`App::synth`] produced.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Synthesized {
    /// The plan synthesized.
    pub plan: Plan,
    /// The template.
    pub template: Template,
    /// The asset manifest.
    pub manifest: Manifest,
    /// Where the template was written.
    pub template_path: PathBuf,
    /// Where the manifest was written.
    pub manifest_path: PathBuf,
}

impl App {
    /// Validates, plans, and writes `<out>/<stack>.template.json` and `<out>/manifest.json`
    /// (each atomically). No network, no Docker.
    ///
    /// ```no_run
    /// use hangar::prelude::*;
    /// let app = App::new("svc").agent(Agent::new("bot").code("agent.py"));
    /// let done = app.synth(&SynthOptions::new("dev")).unwrap();
    /// println!("{}", done.template_path.display());
    /// ```
    pub fn synth(&self, options: &SynthOptions) -> Result<Synthesized, Error> {
        let cache = InputCache::open(&self.root, &options.cache);
        let plan = self.plan_with(&options.stage, &cache, Some(&options.out_dir))?;
        cache.save_or_warn();
        let template = synthesize(self, &plan)?;
        let manifest = Manifest::new(self, &plan);
        let (template_path, manifest_path) = write_outputs(&options.out_dir, &plan, &template, &manifest)?;
        Ok(Synthesized { plan, template, manifest, template_path, manifest_path })
    }
}

/// Writes `<out>/<stack>.template.json` and `<out>/manifest.json`, each atomically.
pub(super) fn write_outputs(
    out: &Path,
    plan: &Plan,
    template: &Template,
    manifest: &Manifest,
) -> Result<(PathBuf, PathBuf), Error> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Io { path, source }
    };
    std::fs::create_dir_all(out).map_err(io(out))?;
    let template_path = out.join(template_file_name(&plan.stack_name));
    write_atomic(&template_path, template.to_json().as_bytes()).map_err(io(&template_path))?;
    let manifest_path = out.join("manifest.json");
    write_atomic(&manifest_path, manifest.to_json().as_bytes()).map_err(io(&manifest_path))?;
    Ok((template_path, manifest_path))
}
