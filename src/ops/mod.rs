//! The operations users call: [`App::synth`](crate::App::synth), [`App::package`](crate::App::package), [`App::publish`](crate::App::publish),
//! [`App::deploy`](crate::App::deploy), [`App::diff`](crate::App::diff), [`App::destroy`](crate::App::destroy), [`App::info`](crate::App::info) and [`App::prune`](crate::App::prune), and
//! [`init`] for a new infra crate. Each composes the layers below (plan,
//! synth, builders, publish) and writes the outputs; [`Error`] gathers their errors.

mod deploy;
mod dev;
mod error;
pub mod init;
mod invoke;
mod logs;
mod package;
mod publish;
mod synth;

pub use self::deploy::change_line as deploy_change_line;
pub use self::deploy::{
    AgentOutputs, Approval, AssetDiff, CodeUpload, DeployOptions, Deployed, Destroyed, Diffed, Info, LinkedOutputs,
    MAX_INLINE_TEMPLATE, StackOptions, UploadStatus,
};
pub use self::dev::{Dev, DevEvent, DevOptions};
pub use self::error::{Error, RunError};
pub use self::invoke::{Invocation, InvokeEvent, InvokeOptions, InvokeTarget, new_session_id, payload_of};
pub use self::logs::{LogEvent, Logs, LogsOptions, log_group};
pub use self::package::{PackageOptions, Packaged, PruneOptions};
pub use self::publish::{PublishOptions, Published};
pub use self::synth::{SynthOptions, Synthesized};
