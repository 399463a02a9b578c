//! Building assets: file selection, content hashing, and (with later work) zips and images.

pub mod hash;
pub mod select;

pub use select::{DEFAULT_EXCLUDES, SelectError, SelectedFile, Selector};
