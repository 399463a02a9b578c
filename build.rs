//! Tells the crate whether it is compiled with optimizations: `cfg(hangar_unoptimized)` is set
//! at opt-level 0, the default of debug builds, where packaging runs several times slower. The
//! command line then prints how to optimize the crates on the packager's hot paths.
//!
//! Cargo gives a build script the opt-level of the package being built, per-package profile
//! overrides included.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(hangar_unoptimized)");
    println!("cargo::rerun-if-changed=build.rs");
    if std::env::var("OPT_LEVEL").is_ok_and(|level| level == "0") {
        println!("cargo::rustc-cfg=hangar_unoptimized");
    }
}
