//! The operations users call: [`App::synth`], [`App::package`], [`App::publish`] and
//! [`App::prune`], and [`init`] for a new infra crate. Each composes the layers below (plan,
//! synth, builders, publish) and writes the outputs; [`Error`] gathers their errors.

mod error;
pub mod init;
mod package;
mod publish;
mod synth;

pub use self::error::Error;
pub use self::package::{PackageOptions, Packaged};
pub use self::publish::{PublishOptions, Published};
pub use self::synth::{SynthOptions, Synthesized};
