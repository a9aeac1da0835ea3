//! w2v: word2vec-family embeddings (skip-gram / CBOW with hierarchical softmax and negative
//! sampling), trained lock-free on all cores.
//!
//! Data flows one way: `corpus` → `scan` (vocabulary and the corpus as ids) → `tree` /
//! `sampler` → `model` → `train` → `eval` / `query` → `formats`. The library knows no flags,
//! terminals or signals: the `w2v` binary turns arguments into these calls.

// Every unsafe operation sits in an `unsafe {}` block that says why it is sound.
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]

pub mod corpus;
mod csv_numbers;
pub mod diagnostics;
pub mod embeddings;
pub mod error;
pub mod eval;
pub mod formats;
pub mod kernels;
pub mod model;
pub mod plots;
pub mod predict;
pub mod query;
pub mod sampler;
pub mod scan;
pub mod shared;
pub mod train;
pub mod tree;
pub mod vocab;

pub use embeddings::Embeddings;
pub use error::{Error, Result};
