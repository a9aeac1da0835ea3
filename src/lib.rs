//! w2v: word2vec-family embeddings (skip-gram / CBOW with hierarchical softmax and negative
//! sampling), trained lock-free on all cores.
//!
//! Data flows one way: `corpus` → `vocab` → `tree` / `sampler` → `model` → `train` → `eval` /
//! `query` → `formats`.

// Every unsafe operation sits in an `unsafe {}` block that says why it is sound.
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]

pub mod corpus;
pub mod diagnostics;
pub mod embeddings;
pub mod error;
pub mod eval;
pub mod formats;
pub mod kernels;
pub mod model;
pub mod pipeline;
pub mod predict;
pub mod progress;
pub mod query;
pub mod sampler;
pub mod shared;
pub mod train;
pub mod tree;
pub mod vocab;

pub use embeddings::Embeddings;
pub use error::{Error, Result};
