//! Deployment: the assets bucket and the code archives in it, CloudFormation stacks through
//! change sets, and template diffs. [`crate::ops`] composes these into `App::deploy`,
//! `App::diff`, `App::destroy` and `App::info`.
//!
//! Every AWS call goes through [`Clients`], which count them (`awsCalls` in `--json`): a deploy
//! whose template equals the deployed one makes two (`DescribeStacks`, `GetTemplate`).

mod bucket;
mod clients;
mod diff;
mod error;
mod signed;
mod stack;

pub use self::bucket::{AssetsBucket, BucketStatus, MARKER_TAG, MULTIPART_THRESHOLD, PART_SIZE, resolve_name};
pub use self::clients::{CallCounter, Clients};
pub use self::diff::{ResourceDiff, diff};
pub use self::error::DeployError;
pub use self::signed::{SignedClient, SignedError};
pub use self::stack::{ChangeSetOutcome, Failure, ResourceChange, Stack, StackState, TemplateSource};
