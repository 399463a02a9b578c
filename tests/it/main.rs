//! hangar's one integration-test binary (each extra binary would link everything again).

mod agreement;
mod cli;
mod coverage;
mod deploy;
mod examples;
mod image;
mod init;
mod macros;
mod operate;
mod package;
mod select;
mod serverless;
mod support;
mod synth;
mod tidy;
