//! Small leaf utilities below every layer: digests, the binary codec of the cache files, atomic
//! file writes, the cache directory, a fast hasher for maps, the HTTP client, and running blocking work from
//! async code. Nothing here imports another part of hangar.

pub(crate) mod cache_dir;
pub(crate) mod codec;
pub mod digest;
pub(crate) mod fs;
pub(crate) mod fx;
pub(crate) mod http;
pub(crate) mod task;
pub(crate) mod text;
pub(crate) mod yaml;
