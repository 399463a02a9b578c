//! Running blocking work from async code.

/// Runs blocking work from async code: on a multi-threaded runtime without stalling its other
/// tasks; elsewhere, in place.
pub(crate) fn blocking<R>(f: impl FnOnce() -> R) -> R {
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => tokio::task::block_in_place(f),
        _ => f(),
    }
}
