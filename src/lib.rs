//! w2v: word2vec-family embeddings (skip-gram / CBOW with hierarchical softmax and negative
//! sampling), trained lock-free on all cores.
//!
//! Data flows one way: `corpus` → `scan` (vocabulary and the corpus as ids, in memory or
//! spilled to disk: `ids`) → `tree` / `sampler` → `model` → `train` → `eval` / `query` →
//! `formats`. The library knows no flags, terminals or signals: the `w2v` binary turns
//! arguments into these calls.
//!
//! The API: load a model or vectors ([`formats::load_embeddings`], [`formats::native`], or
//! [`formats::load_vectors`] for [`Vectors`] that also give words outside the vocabulary a
//! vector from their character n-grams),
//! look vectors up and query them ([`Embeddings`], [`query`], [`predict`]), read a corpus and
//! train with settings ([`scan::scan`], [`model::Model`], [`train::train`] with an observer),
//! evaluate ([`eval`]), write files ([`formats`]) and charts ([`plots`]). The hot path's
//! kernels, shared parameters and samplers stay inside the crate.

// Every unsafe operation sits in an `unsafe {}` block that says why it is sound.
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]

pub mod corpus;
mod csv_numbers;
mod csv_records;
pub mod diagnostics;
pub mod embeddings;
pub mod error;
pub mod eval;
pub mod formats;
pub mod ids;
pub(crate) mod kernels;
pub mod model;
pub mod phrases;
pub mod plots;
pub mod predict;
pub mod projection;
pub mod query;
pub(crate) mod sampler;
pub mod scan;
pub(crate) mod shared;
pub mod source;
pub(crate) mod spill;
pub mod subwords;
pub mod train;
pub mod tree;
pub mod vectors;
pub mod vocab;

pub use embeddings::Embeddings;
pub use error::{Error, Result};
pub use vectors::Vectors;

/// The hot path's parts, public only with the `internals` feature, for the kernel
/// micro-benchmarks (`benches/kernels.rs`) and the corpus generator example: not an API.
#[cfg(feature = "internals")]
#[doc(hidden)]
pub mod internals {
    pub use crate::kernels::{Avx2Fma, Avx512, Kernel, KernelChoice, Portable, SigmoidTable};
    pub use crate::sampler::AliasSampler;
    pub use crate::shared::{Row, RowMut, SharedMatrix};
    pub use crate::train::output::{HierarchicalSoftmax, Local, NegativeSampling, OutputLayer};
    pub use crate::train::rates::Sgd;
}
