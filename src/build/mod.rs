//! The builders: what turns a planned asset into an artifact, and the store that keeps them.
//!
//! - Code archives: [`archive`](self) compresses entries on every core (libdeflate, in
//!   `compress`), writes them in path order through the reproducible zip writer (`zip`) into a
//!   sink that copies unchanged ranges in the kernel and hashes as it goes (`sink`); `code`
//!   vendors Python dependencies first (`python`) and places the result in the output
//!   directory.
//! - Images: `image` writes a deterministic build context and builds it with BuildKit through
//!   the Docker Engine (`engine`).
//! - `store`: archives and vendored trees by input hash under `<root>/.hangar/cache/`.
//!
//! The operations (`App::package`, in [`crate::ops`]) decide what to build and call these; the
//! reports ([`AssetReport`], [`ImageReport`]) and errors ([`BuildError`]) are public.

mod archive;
mod base;
pub(crate) mod code;
mod compress;
pub(crate) mod engine;
mod error;
pub(crate) mod image;
mod layer;
mod node;
pub(crate) mod normalize;
pub(crate) mod python;
mod report;
mod sink;
pub(crate) mod store;
mod tool;
mod zip;

pub use self::archive::EntryCounts;
pub use self::base::BaseImage;
pub use self::compress::EntryError;
pub use self::engine::{DEFAULT_DOCKER_HOST, EngineCallError, EngineError};
pub use self::error::{BuildError, ToolError};
pub use self::python::PythonInstaller;
pub use self::report::{AssetReport, AssetStatus, DependencyReport, ImageReport};
pub use self::store::PruneReport;
