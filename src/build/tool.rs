//! Running a dependency installer (pip, uv, npm) and keeping what it said when it fails.

use std::path::Path;
use std::process::Command;

use super::error::ToolError;
use crate::util::text::last_lines;

/// Runs `cmd` for the dependency declaration `context`; a failure keeps the end of its stderr.
pub(super) fn run(mut cmd: Command, context: &Path) -> Result<(), ToolError> {
    let program = cmd.get_program().to_string_lossy().into_owned();
    tracing::info!("running {:?}", cmd);
    let out = cmd.output().map_err(|source| ToolError::Spawn {
        program: program.clone(),
        context: context.to_path_buf(),
        source,
    })?;
    if out.status.success() {
        return Ok(());
    }
    let stderr = last_lines(&String::from_utf8_lossy(&out.stderr), 15);
    Err(ToolError::Failed { program, context: context.to_path_buf(), stderr })
}
