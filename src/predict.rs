//! Centre-word prediction under a trained hierarchical-softmax model: which words the tree
//! finds most probable for a context (the mean of the context vectors, as CBOW uses).
//!
//! A word's probability is the product of σ(±f) over its path, every factor at most 1, so a
//! node's path probability bounds every leaf below it. Best-first search over the tree (open
//! nodes in a max-heap by path log-probability) therefore pops leaves in order of decreasing
//! probability, and the first k leaves popped are exactly the top k, usually after visiting a
//! small part of the tree instead of scoring all V-1 internal nodes.
//!
//! Nodes are numbered as in [`crate::tree::TreeLinks`]: leaf w is node w, internal node row i
//! is node V + i, the root is node 2V - 2.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use ndarray::ArrayView2;

use crate::model::Model;
use crate::tree::Tree;
use crate::{Error, Result};

/// One predicted centre word.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prediction {
    /// Rank in the vocabulary.
    pub word: u32,
    pub probability: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PredictResult {
    /// Most probable first.
    pub top: Vec<Prediction>,
    /// Nodes popped from the search heap: internal nodes expanded (one dot product each) plus
    /// leaves emitted. At most 2V - 1; the root counts as one.
    pub nodes_visited: usize,
}

/// The mean of the context words' input vectors: CBOW's hidden vector. A word's input vector
/// is its row, or with subwords the mean of its own and its n-gram rows (what training
/// averages). An empty context gives the zero vector, under which every branch is a coin flip.
pub fn hidden_from_context(model: &Model, context: &[u32]) -> Vec<f32> {
    let vectors: Vec<Vec<f32>> = context.iter().map(|&w| model.input_vector(w)).collect();
    mean_vector(model.dim(), &vectors)
}

/// [`hidden_from_context`] for words given as text: a word outside the vocabulary takes its
/// vector from its character n-grams when the model has them ([`Error::UnknownWord`] when it
/// has none, [`Error::NoKnownNgrams`] when none of the word's n-grams has a row).
pub fn hidden_from_words(model: &Model, context: &[&str]) -> Result<Vec<f32>> {
    let vectors = context
        .iter()
        .map(|&word| match model.vocab.id(word) {
            Some(id) => Ok(model.input_vector(id)),
            None => model
                .ngram_table()
                .ok_or_else(|| Error::unknown_word(word))?
                .word_vector(word)
                .ok_or_else(|| Error::NoKnownNgrams {
                    word: word.to_string(),
                }),
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(mean_vector(model.dim(), &vectors))
}

/// The mean of `vectors`, summed in f64; zeros for none.
fn mean_vector(dim: usize, vectors: &[Vec<f32>]) -> Vec<f32> {
    let mut mean = Vec::with_capacity(dim);
    if push_mean(
        &mut vec![0f64; dim],
        vectors.iter().map(Vec::as_slice),
        &mut mean,
    ) == 0
    {
        mean.resize(dim, 0.0);
    }
    mean
}

/// Appends the mean of `rows` to `out`, summed in f64 in `sum` (one slot per dimension, so a
/// caller averaging many contexts reuses it); returns the number of rows and appends nothing
/// for none. One mean for `predict`'s hidden vector and `likelihood`'s CBOW contexts.
pub(crate) fn push_mean<'r>(
    sum: &mut [f64],
    rows: impl IntoIterator<Item = &'r [f32]>,
    out: &mut Vec<f32>,
) -> usize {
    sum.fill(0.0);
    let mut count = 0usize;
    for row in rows {
        sum.iter_mut().zip(row).for_each(|(s, &x)| *s += x as f64);
        count += 1;
    }
    if count > 0 {
        out.extend(sum.iter().map(|s| (s / count as f64) as f32));
    }
    count
}

/// Exact top k by best-first search; see the module documentation.
pub fn predict_top_k(model: &Model, hidden: &[f32], k: usize) -> Result<PredictResult> {
    Ok(Predictor::new(model)?.top_k(hidden, k))
}

/// The top k by scoring every word along its own path: the reference for [`predict_top_k`].
pub fn brute_force_top_k(model: &Model, hidden: &[f32], k: usize) -> Result<Vec<Prediction>> {
    let p = Predictor::new(model)?;
    assert_eq!(hidden.len(), model.dim(), "hidden vector length");
    let v = p.leaves;
    let scores: Vec<f64> = (0..v - 1).map(|row| p.score(hidden, row)).collect();
    let mut all: Vec<Open> = (0..v as u32)
        .map(|w| {
            let path = p.tree.path(w);
            // Summed root first, as the search does, so both give bit-identical values.
            let logp = path
                .points
                .iter()
                .zip(path.codes)
                .fold(0.0, |acc, (&row, &code)| {
                    acc + branch_log_prob(scores[row as usize], code)
                });
            Open { logp, node: w }
        })
        .collect();
    all.sort_unstable_by(|a, b| b.cmp(a));
    Ok(all
        .into_iter()
        .take(k)
        .map(|o| Prediction {
            word: o.node,
            probability: o.logp.exp(),
        })
        .collect())
}

/// Every word's probability, indexed by rank; they sum to 1.
pub fn full_distribution(model: &Model, hidden: &[f32]) -> Result<Vec<f64>> {
    Ok(Predictor::new(model)?.full_distribution(hidden))
}

/// A model's tree with each internal node's children, built once so that many queries can
/// share it (building costs O(V), more than a typical search).
pub struct Predictor<'a> {
    model: &'a Model,
    tree: &'a Tree,
    leaves: usize,
    /// `children[row][bit]`: the node reached from internal row `row` along code bit `bit`.
    children: Vec<[u32; 2]>,
}

impl<'a> Predictor<'a> {
    /// Fails with a usage error when the model has no tree (trained with `--no-hs`).
    pub fn new(model: &'a Model) -> Result<Self> {
        let tree = model.tree.as_ref().ok_or_else(|| {
            Error::Unsupported("prediction needs a model trained with hierarchical softmax".into())
        })?;
        let v = tree.leaves();
        let dim = model.dim();
        if v != model.vocab.len()
            || model.nodes.len() != (v - 1) * dim
            || model.input.len() != (v + model.ngram_buckets.len()) * dim
        {
            return Err(Error::Unsupported(
                "the model's tree, vocabulary and matrices disagree in size".into(),
            ));
        }
        // Children from the public paths: walk each word's path leaf-upwards and stop at the
        // first edge already recorded, since every edge above it was recorded with it; each
        // edge is written once, so this is O(V) rather than O(total code length).
        let mut children = vec![[u32::MAX; 2]; v - 1];
        for w in 0..v as u32 {
            let path = tree.path(w);
            let mut child = w;
            for (&row, &bit) in path.points.iter().zip(path.codes).rev() {
                let slot = &mut children[row as usize][bit as usize];
                if *slot != u32::MAX {
                    debug_assert_eq!(*slot, child);
                    break;
                }
                *slot = child;
                child = v as u32 + row;
            }
        }
        Ok(Predictor {
            model,
            tree,
            leaves: v,
            children,
        })
    }

    /// Number of nodes in the tree (leaves and internal), the most a search can visit.
    pub fn tree_nodes(&self) -> usize {
        2 * self.leaves - 1
    }

    /// Exact top k (all words if k ≥ V) by best-first search. Ties go to the lower node id.
    ///
    /// # Panics
    /// If `hidden` is not `dim` long.
    pub fn top_k(&self, hidden: &[f32], k: usize) -> PredictResult {
        assert_eq!(hidden.len(), self.model.dim(), "hidden vector length");
        let v = self.leaves;
        let k = k.min(v);
        let mut top = Vec::with_capacity(k);
        let mut nodes_visited = 0;
        if k == 0 {
            return PredictResult { top, nodes_visited };
        }
        let mut open = BinaryHeap::new();
        open.push(Open {
            logp: 0.0,
            node: (2 * v - 2) as u32,
        });
        while let Some(Open { logp, node }) = open.pop() {
            nodes_visited += 1;
            if (node as usize) < v {
                top.push(Prediction {
                    word: node,
                    probability: logp.exp(),
                });
                if top.len() == k {
                    break;
                }
                continue;
            }
            let row = node as usize - v;
            let f = self.score(hidden, row);
            for (bit, &child) in self.children[row].iter().enumerate() {
                open.push(Open {
                    logp: logp + branch_log_prob(f, bit as u8),
                    node: child,
                });
            }
        }
        PredictResult { top, nodes_visited }
    }

    /// Every word's probability, indexed by rank, from one top-down pass over all nodes.
    pub fn full_distribution(&self, hidden: &[f32]) -> Vec<f64> {
        assert_eq!(hidden.len(), self.model.dim(), "hidden vector length");
        let v = self.leaves;
        let mut logp = vec![0f64; 2 * v - 1];
        // A parent's row is above its children's (parents are created later), so descending
        // rows visit every parent before its children.
        for row in (0..v - 1).rev() {
            let f = self.score(hidden, row);
            let here = logp[v + row];
            for (bit, &child) in self.children[row].iter().enumerate() {
                logp[child as usize] = here + branch_log_prob(f, bit as u8);
            }
        }
        logp.truncate(v);
        logp.into_iter().map(f64::exp).collect()
    }

    /// ln P(word | hidden): the sum of the branch log-probabilities along its path.
    pub fn log_prob(&self, hidden: &[f32], word: u32) -> f64 {
        let path = self.tree.path(word);
        path.points
            .iter()
            .zip(path.codes)
            .fold(0.0, |acc, (&row, &code)| {
                acc + branch_log_prob(self.score(hidden, row as usize), code)
            })
    }

    /// f = hidden · node vector (see [`dot_f64`]).
    fn score(&self, hidden: &[f32], row: usize) -> f64 {
        let dim = hidden.len();
        dot_f64(hidden, &self.model.nodes[row * dim..(row + 1) * dim])
    }
}

/// The output layer a distribution over the vocabulary is read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layer {
    HierarchicalSoftmax,
    Softmax,
    SampledSoftmax,
    /// Negative sampling's output vectors under a softmax, as gensim's `predict_output_word`
    /// reads them: training never normalised them, so this is an approximation of its own.
    NegativeSampling,
}

impl Layer {
    pub fn name(self) -> &'static str {
        match self {
            Layer::HierarchicalSoftmax => "hierarchical softmax",
            Layer::Softmax => "softmax",
            Layer::SampledSoftmax => "sampled softmax (scored as a full softmax)",
            Layer::NegativeSampling => {
                "negative sampling (scored as a softmax over its output vectors)"
            }
        }
    }
}

/// P(word | hidden) under whichever output layer a model has: its tree when it has one
/// (also with `hs+ns`), else a softmax over its word output rows.
pub enum Scorer<'a> {
    Tree(Predictor<'a>),
    Rows {
        /// V × dim.
        rows: &'a [f32],
        dim: usize,
        layer: Layer,
    },
}

impl<'a> Scorer<'a> {
    /// Fails with a usage error when the model has no output layer to score with.
    pub fn new(model: &'a Model) -> Result<Self> {
        if model.tree.is_some() {
            return Ok(Scorer::Tree(Predictor::new(model)?));
        }
        let (v, dim) = (model.vocab.len(), model.dim());
        if model.negatives.is_empty() {
            return Err(Error::Unsupported(
                "the model has no output layer to predict with (it was saved without one)".into(),
            ));
        }
        if model.negatives.len() != v * dim {
            return Err(Error::Unsupported(
                "the model's vocabulary and output matrix disagree in size".into(),
            ));
        }
        let layer = match model.settings.softmax {
            Some(crate::model::SoftmaxKind::Full) => Layer::Softmax,
            Some(crate::model::SoftmaxKind::Sampled) => Layer::SampledSoftmax,
            None => Layer::NegativeSampling,
        };
        Ok(Scorer::Rows {
            rows: &model.negatives,
            dim,
            layer,
        })
    }

    pub fn layer(&self) -> Layer {
        match self {
            Scorer::Tree(_) => Layer::HierarchicalSoftmax,
            Scorer::Rows { layer, .. } => *layer,
        }
    }

    /// Σ ln P(word | hidden) over many predictions: hidden i (row i of `hiddens`) predicts
    /// `targets[offsets[i]..offsets[i + 1]]`. A softmax scores blocks of hidden vectors with
    /// one matrix product (f32, like training), which reads the V output rows once per
    /// block instead of once per prediction.
    pub fn sum_log_probs(
        &self,
        hiddens: ArrayView2<'_, f32>,
        targets: &[u32],
        offsets: &[usize],
    ) -> f64 {
        assert_eq!(
            offsets.len(),
            hiddens.nrows() + 1,
            "one target range per hidden vector"
        );
        let mut total = 0.0;
        match self {
            Scorer::Tree(p) => {
                for (i, h) in hiddens.outer_iter().enumerate() {
                    let h = h.as_slice().expect("hidden rows are contiguous");
                    for &w in &targets[offsets[i]..offsets[i + 1]] {
                        total += p.log_prob(h, w);
                    }
                }
            }
            Scorer::Rows { rows, dim, .. } => {
                let rows = ArrayView2::from_shape((rows.len() / dim, *dim), rows)
                    .expect("rows are V × dim");
                const BLOCK: usize = 64;
                for start in (0..hiddens.nrows()).step_by(BLOCK) {
                    let end = (start + BLOCK).min(hiddens.nrows());
                    let scores = hiddens.slice(ndarray::s![start..end, ..]).dot(&rows.t());
                    for (i, s) in scores.outer_iter().enumerate() {
                        let max = s.iter().copied().fold(f32::NEG_INFINITY, f32::max) as f64;
                        let norm =
                            max + s.iter().map(|&x| (x as f64 - max).exp()).sum::<f64>().ln();
                        for &w in &targets[offsets[start + i]..offsets[start + i + 1]] {
                            total += s[w as usize] as f64 - norm;
                        }
                    }
                }
            }
        }
        total
    }

    /// The k most probable words (all if k ≥ V), ties to the lower rank; with a tree by
    /// best-first search, with a softmax by scoring every word.
    pub fn top_k(&self, hidden: &[f32], k: usize) -> PredictResult {
        match self {
            Scorer::Tree(p) => p.top_k(hidden, k),
            Scorer::Rows { rows, dim, .. } => {
                assert_eq!(hidden.len(), *dim, "hidden vector length");
                let norm = log_normaliser(rows, *dim, hidden);
                let mut all: Vec<Open> = rows
                    .chunks_exact(*dim)
                    .enumerate()
                    .map(|(w, row)| Open {
                        logp: dot_f64(hidden, row) - norm,
                        node: w as u32,
                    })
                    .collect();
                let v = all.len();
                all.sort_unstable_by(|a, b| b.cmp(a));
                PredictResult {
                    top: all
                        .into_iter()
                        .take(k)
                        .map(|o| Prediction {
                            word: o.node,
                            probability: o.logp.exp(),
                        })
                        .collect(),
                    nodes_visited: v,
                }
            }
        }
    }
}

/// ln Σ_j exp(hidden · row_j), shifted by the largest score so that nothing overflows.
fn log_normaliser(rows: &[f32], dim: usize, hidden: &[f32]) -> f64 {
    let scores: Vec<f64> = rows.chunks_exact(dim).map(|r| dot_f64(hidden, r)).collect();
    let max = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    max + scores.iter().map(|s| (s - max).exp()).sum::<f64>().ln()
}

/// hidden · row accumulated in f64 so that rankings do not hinge on float summation order;
/// four partial sums keep it vectorisable.
fn dot_f64(hidden: &[f32], row: &[f32]) -> f64 {
    let mut acc = [0f64; 4];
    let (ch, cn) = (hidden.chunks_exact(4), row.chunks_exact(4));
    let (rh, rn) = (ch.remainder(), cn.remainder());
    for (a, b) in ch.zip(cn) {
        for l in 0..4 {
            acc[l] += a[l] as f64 * b[l] as f64;
        }
    }
    let tail: f64 = rh.iter().zip(rn).map(|(a, b)| *a as f64 * *b as f64).sum();
    (acc[0] + acc[2]) + (acc[1] + acc[3]) + tail
}

/// ln P(branch) at a node with score f: code 0 ↔ label 1 ↔ σ(f), code 1 ↔ σ(-f) (as in
/// training, see `train::output`).
#[inline]
fn branch_log_prob(f: f64, code: u8) -> f64 {
    ln_sigmoid(if code == 0 { f } else { -f })
}

/// ln σ(x) = -ln(1 + e^{-x}) without overflow for large |x| and without losing the tiny
/// probabilities of very negative x.
#[inline]
fn ln_sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        -(-x).exp().ln_1p()
    } else {
        x - x.exp().ln_1p()
    }
}

/// An open node of the search, ordered by log-probability, then lower node id first.
#[derive(Debug, Clone, Copy)]
struct Open {
    logp: f64,
    node: u32,
}

impl Ord for Open {
    fn cmp(&self, other: &Self) -> Ordering {
        self.logp
            .total_cmp(&other.logp)
            .then_with(|| other.node.cmp(&self.node))
    }
}

impl PartialOrd for Open {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Open {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Open {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ln_sigmoid_is_stable_and_complementary() {
        for x in [-800.0, -40.0, -1.0, 0.0, 1e-9, 2.5, 40.0, 800.0] {
            let (a, b) = (ln_sigmoid(x), ln_sigmoid(-x));
            assert!(a.is_finite() && a <= 0.0, "{x}: {a}");
            assert!((a.exp() + b.exp() - 1.0).abs() < 1e-15, "{x}");
        }
        assert_eq!(ln_sigmoid(-800.0), -800.0);
        assert!((ln_sigmoid(0.0) + std::f64::consts::LN_2).abs() < 1e-15);
    }
}
