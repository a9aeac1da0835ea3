//! Output layers: how one prediction (a hidden vector → a target word) updates the output
//! parameters and yields the gradient for the input side.
//!
//! Gradient rules, as in word2vec:
//! - hierarchical softmax: for each node on the target's path, g = 1 - code - σ(f); nodes with
//!   |f| ≥ 6 are skipped (σ is saturated, the update would be ~0 or wrongly large);
//! - negative sampling: g = label - σ(f) with σ clipped to 0 or 1 beyond |f| ≥ 6, so a
//!   confidently wrong negative still gets the full-size correction.
//!
//! Output rows move by their step size times g times the hidden vector; the input side gets
//! the raw gradient Σ g · row (no learning rate), and the caller applies its own step size, so
//! an optimizer can scale every row separately.
//!
//! The loss is -ln σ of the signed score: from the sigmoid table inside ±6 (the entry σ comes
//! from), exact outside, so it never overflows and does not depend on the clipping.

use rand::rngs::SmallRng;
use rand::SeedableRng;

use super::rates::{Rates, Sgd};
use crate::diagnostics::{band_of, Probe};
use crate::error::{Error, Result, Setting};
use crate::kernels::{Kernel, SigmoidTable, MAX_EXP};
use crate::model::{Architecture, Settings};
use crate::sampler::AliasSampler;
use crate::shared::{LocalRows, Row, RowMut, SharedMatrix};
use crate::tree::Tree;

/// What a training thread lends each step: its random numbers and, with `--diagnostics`, its
/// sampler of gradient statistics.
pub struct Local {
    pub rng: SmallRng,
    pub probe: Option<Probe>,
    /// Private copies of the output rows every step writes, when threads share the model.
    pub rows: Option<LocalRows>,
    /// Scratch for the softmax layers: one score per word scored, then its probability.
    pub scores: Vec<f32>,
    /// Scratch for the sampled softmax: the target, then the words drawn.
    pub drawn: Vec<u32>,
    /// Words this thread counts as trained before the current sentence: the clock of lazy
    /// L2 decay.
    pub words: u64,
    /// Scratch for an adaptive rule: a row's summed step direction.
    pub direction: Vec<f32>,
}

impl Local {
    pub fn new(seed: u64, diagnostics: bool) -> Local {
        Local {
            rng: SmallRng::seed_from_u64(seed),
            probe: diagnostics.then(Probe::default),
            rows: None,
            scores: Vec::new(),
            drawn: Vec::new(),
            words: 0,
            direction: Vec::new(),
        }
    }
}

/// One output layer. `step` adds its raw input-side gradient into `grad` and returns the loss.
pub trait OutputLayer: Sync {
    fn step<K: Kernel>(
        &self,
        k: K,
        local: &mut Local,
        target: u32,
        hidden: Row<'_>,
        grad: &mut [f32],
        alpha: f32,
    ) -> f32;

    /// Several predictions of the same target from different hidden vectors (skip-gram: the
    /// context words of one centre word), at most [`GROUP`] at a time; `grads` holds one
    /// gradient row per hidden vector. By default they run one after another.
    #[inline(always)]
    fn step_many<K: Kernel>(
        &self,
        k: K,
        local: &mut Local,
        target: u32,
        hiddens: &[Row<'_>],
        grads: &mut [f32],
        alpha: f32,
    ) -> f32 {
        let dim = grads.len() / hiddens.len().max(1);
        let mut loss = 0.0;
        for (&h, grad) in hiddens.iter().zip(grads.chunks_exact_mut(dim.max(1))) {
            loss += self.step(k, local, target, h, grad, alpha);
        }
        loss
    }

    /// A hint that a step for `target` comes next: start loading the rows it will need.
    #[inline(always)]
    fn prefetch(&self, _target: u32) {}

    /// A thread's private copies of the rows nearly every step writes, if this layer keeps
    /// some (see [`LocalRows`]).
    fn local_rows(&self) -> Option<LocalRows> {
        None
    }

    /// Merges a thread's private rows with the shared ones.
    fn merge(&self, _rows: &mut LocalRows) {}
}

/// The most predictions [`OutputLayer::step_many`] takes at once.
pub const GROUP: usize = 16;

/// How many nodes ahead on the path a node row is requested from memory. One node's work is
/// shorter than a cache miss when few contexts share it (CBOW: one), so one ahead leaves the
/// next load still waiting.
const PREFETCH_AHEAD: usize = 4;

pub struct HierarchicalSoftmax<'a, R = Sgd> {
    pub tree: &'a Tree,
    pub nodes: SharedMatrix<'a>,
    pub table: &'a SigmoidTable,
    /// How the node rows are updated.
    pub rates: R,
    /// Node rows from here on (the heaviest internal nodes: the root and those next to it)
    /// are trained in thread-private copies; `usize::MAX` for none (one thread).
    pub local_from: usize,
}

/// How many of the heaviest internal nodes each thread trains in a private copy when several
/// threads train: about the top four levels of a Huffman tree, 6.4 KB at dim 100. 64 rows
/// merged every 1,000 words scaled as well but cost about 0.3 analogy points in skip-gram.
pub const LOCAL_NODE_ROWS: usize = 16;

impl<R: Rates> OutputLayer for HierarchicalSoftmax<'_, R> {
    /// One prediction is a group of one.
    #[inline(always)]
    fn step<K: Kernel>(
        &self,
        k: K,
        local: &mut Local,
        target: u32,
        hidden: Row<'_>,
        grad: &mut [f32],
        alpha: f32,
    ) -> f32 {
        self.step_group(k, local, target, &[hidden], grad, alpha)
    }

    #[inline(always)]
    fn step_many<K: Kernel>(
        &self,
        k: K,
        local: &mut Local,
        target: u32,
        hiddens: &[Row<'_>],
        grads: &mut [f32],
        alpha: f32,
    ) -> f32 {
        self.step_group(k, local, target, hiddens, grads, alpha)
    }

    /// The rows below the first few levels: those near the root are in cache anyway.
    #[inline(always)]
    fn prefetch(&self, target: u32) {
        for &node in self.tree.path(target).points.iter().skip(PREFETCH_AHEAD) {
            if (node as usize) < self.local_from {
                self.nodes.prefetch(node as usize);
            }
        }
    }

    fn local_rows(&self) -> Option<LocalRows> {
        (self.local_from < self.nodes.rows()).then(|| LocalRows::new(&self.nodes, self.local_from))
    }

    fn merge(&self, rows: &mut LocalRows) {
        rows.merge(&self.nodes);
    }
}

impl<R: Rates> HierarchicalSoftmax<'_, R> {
    /// Walks the target's path once for a group of hidden vectors. At each node all of them
    /// are scored against the same node vector before it is updated (a mini-batch over one
    /// centre word's contexts): the dot products are independent, so the CPU overlaps them
    /// instead of waiting on one dot → sigmoid → update chain at a time.
    #[inline(always)]
    fn step_group<K: Kernel>(
        &self,
        k: K,
        local: &mut Local,
        target: u32,
        hiddens: &[Row<'_>],
        grads: &mut [f32],
        alpha: f32,
    ) -> f32 {
        let Some(dim) = hiddens.first().map(|h| h.len()) else {
            return 0.0;
        };
        let m = hiddens.len();
        debug_assert!(m <= GROUP && grads.len() == m * dim);
        let path = self.tree.path(target);
        let mut loss = 0.0;
        for &node in path.points.iter().take(PREFETCH_AHEAD) {
            if (node as usize) < self.local_from {
                self.nodes.prefetch(node as usize);
            }
        }
        // Squared norms of the hidden vectors, for the adaptive rules, once for the path.
        let mut h_sq = [0f32; GROUP];
        if !R::PLAIN {
            for (sq, &h) in h_sq.iter_mut().zip(hiddens) {
                *sq = k.dot(h, h);
            }
        }
        // A sampled step records the first hidden vector's updates; its norm and the target's
        // band are the same at every node.
        let Local {
            probe,
            rows,
            words,
            direction,
            ..
        } = local;
        let mut probe = probe.as_mut().and_then(|p| p.tick().then_some(p)).map(|p| {
            let h_norm = k.dot(hiddens[0], hiddens[0]).sqrt();
            (p, h_norm, band_of(target as usize, self.tree.leaves()))
        });
        let mut g = [0f32; GROUP];
        let mut f = [0f32; GROUP];
        for (i, (&node, &code)) in path.points.iter().zip(path.codes).enumerate() {
            if let Some(&next) = path.points.get(i + PREFETCH_AHEAD) {
                self.nodes.prefetch(next as usize);
            }
            let row = match rows.as_mut().and_then(|r| r.get(node as usize)) {
                Some(private) => private,
                None => self.nodes.row_mut(node as usize),
            };
            self.rates.touch(node as usize, row, *words);
            k.dot_many(row.as_row(), hiddens, &mut f[..m]);
            for j in 0..m {
                let fj = f[j];
                if fj <= -MAX_EXP || fj >= MAX_EXP {
                    loss -= self.table.log_sigmoid(if code == 0 { fj } else { -fj });
                    g[j] = 0.0;
                } else {
                    // One table index for both: ln σ(-f) = ln σ(f) - f.
                    let (s, log_s) = self.table.sigmoid_and_log(fj);
                    loss -= if code == 0 { log_s } else { log_s - fj };
                    g[j] = 1.0 - code as f32 - s;
                }
            }
            let rate = if R::PLAIN {
                k.update_many(row, hiddens, alpha, &g[..m], grads);
                alpha
            } else {
                // The input side's gradient from the row as it was, then the rule's update.
                for (grad, &gj) in grads.chunks_exact_mut(dim).zip(&g[..m]) {
                    k.axpy(gj, row.as_row(), grad.into());
                }
                let (g, h_sq) = (&g[..m], &h_sq[..m]);
                self.rates
                    .apply_group(k, node as usize, row, hiddens, g, h_sq, alpha, direction)
            };
            if let Some((p, h_norm, band)) = probe.as_mut() {
                let saturated = f[0] <= -MAX_EXP || f[0] >= MAX_EXP;
                let g0 = g[0].abs();
                p.stats.record(i, *band, g0, rate * g0 * *h_norm, saturated);
            }
        }
        loss
    }
}

pub struct NegativeSampling<'a, R = Sgd> {
    pub negatives: SharedMatrix<'a>,
    pub sampler: &'a AliasSampler,
    pub k: u32,
    pub table: &'a SigmoidTable,
    /// How the word rows are updated.
    pub rates: R,
}

/// Redraws when a negative hits the target; bounded so a vocabulary dominated by one word
/// cannot loop for long (the draw is then skipped, as word2vec always does).
const MAX_REDRAWS: u32 = 8;

impl<R: Rates> OutputLayer for NegativeSampling<'_, R> {
    #[inline(always)]
    fn step<K: Kernel>(
        &self,
        k: K,
        local: &mut Local,
        target: u32,
        hidden: Row<'_>,
        grad: &mut [f32],
        alpha: f32,
    ) -> f32 {
        let Local {
            rng,
            words,
            direction,
            ..
        } = local;
        let grad = RowMut::from(grad);
        // Words are drawn a batch ahead so their rows can be fetched while earlier ones are
        // being scored: random rows are cache misses, and waiting on them dominates.
        const BATCH: usize = 16;
        let mut loss = 0.0;
        let mut left = self.k;
        let mut first = true;
        while first || left > 0 {
            let mut batch = [(0u32, 0f32); BATCH];
            let mut n = 0;
            if first {
                batch[0] = (target, 1.0);
                n = 1;
                first = false;
            }
            while n < BATCH && left > 0 {
                left -= 1;
                let mut w = self.sampler.sample(rng);
                let mut tries = 0;
                while w == target && tries < MAX_REDRAWS {
                    w = self.sampler.sample(rng);
                    tries += 1;
                }
                if w != target {
                    batch[n] = (w, 0.0);
                    n += 1;
                }
            }
            for &(w, _) in &batch[..n] {
                self.negatives.prefetch(w as usize);
            }
            for &(word, label) in &batch[..n] {
                let row = self.negatives.row_mut(word as usize);
                self.rates.touch(word as usize, row, *words);
                let f = k.dot(hidden, row.as_row());
                loss -= self.table.log_sigmoid(if label == 1.0 { f } else { -f });
                let s = if f >= MAX_EXP {
                    1.0
                } else if f <= -MAX_EXP {
                    0.0
                } else {
                    self.table.sigmoid(f)
                };
                let g = label - s;
                k.axpy(g, row.as_row(), grad);
                self.rates
                    .apply(k, word as usize, row, &[hidden], &[g], alpha, direction);
            }
        }
        loss
    }
}

/// Both layers on one prediction, as word2vec does with `-hs 1 -negative K`.
pub struct Both<'a, R = Sgd> {
    pub hs: HierarchicalSoftmax<'a, R>,
    pub ns: NegativeSampling<'a, R>,
}

impl<R: Rates> OutputLayer for Both<'_, R> {
    #[inline(always)]
    fn step<K: Kernel>(
        &self,
        k: K,
        local: &mut Local,
        target: u32,
        hidden: Row<'_>,
        grad: &mut [f32],
        alpha: f32,
    ) -> f32 {
        self.hs.step(k, local, target, hidden, grad, alpha)
            + self.ns.step(k, local, target, hidden, grad, alpha)
    }

    #[inline(always)]
    fn step_many<K: Kernel>(
        &self,
        k: K,
        local: &mut Local,
        target: u32,
        hiddens: &[Row<'_>],
        grads: &mut [f32],
        alpha: f32,
    ) -> f32 {
        self.hs.step_many(k, local, target, hiddens, grads, alpha)
            + self.ns.step_many(k, local, target, hiddens, grads, alpha)
    }

    #[inline(always)]
    fn prefetch(&self, target: u32) {
        self.hs.prefetch(target);
    }

    fn local_rows(&self) -> Option<LocalRows> {
        self.hs.local_rows()
    }

    fn merge(&self, rows: &mut LocalRows) {
        self.hs.merge(rows);
    }
}

/// Turns scores into softmax probabilities in place and returns -ln of the probability at
/// `target`. The largest score is subtracted before exponentiating, so nothing overflows and
/// at least one term is 1; the normaliser is summed in f64 so a large vocabulary of tiny
/// terms is not lost to rounding.
fn softmax_in_place(scores: &mut [f32], target: usize) -> f32 {
    let max = scores.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let target_shifted = scores[target] - max;
    let mut z = 0f64;
    for s in scores.iter_mut() {
        *s = (*s - max).exp();
        z += *s as f64;
    }
    let inv = (1.0 / z) as f32;
    for s in scores.iter_mut() {
        *s *= inv;
    }
    (z.ln() - target_shifted as f64) as f32
}

/// The exact softmax over the whole vocabulary, one output row per word: the objective
/// hierarchical softmax and the sampled layers approximate. The loss is -ln p(target) with
/// p(w) = exp(row_w · h) / Σ_j exp(row_j · h); row j moves by alpha · ([j = target] - p_j) · h
/// and the input side gets Σ_j ([j = target] - p_j) · row_j. Every prediction costs about
/// 2 · V · dim multiply-adds, so large vocabularies are refused ([`check_full_softmax_cost`]).
pub struct FullSoftmax<'a, R = Sgd> {
    pub rows: SharedMatrix<'a>,
    /// How the word rows are updated.
    pub rates: R,
}

impl<R: Rates> OutputLayer for FullSoftmax<'_, R> {
    fn step<K: Kernel>(
        &self,
        k: K,
        local: &mut Local,
        target: u32,
        hidden: Row<'_>,
        grad: &mut [f32],
        alpha: f32,
    ) -> f32 {
        let Local {
            scores,
            words,
            direction,
            ..
        } = local;
        if !R::PLAIN {
            for w in 0..self.rows.rows() {
                self.rates.touch(w, self.rows.row_mut(w), *words);
            }
        }
        scores.clear();
        scores.extend((0..self.rows.rows()).map(|w| k.dot(hidden, self.rows.row(w))));
        let loss = softmax_in_place(scores, target as usize);
        let grad = RowMut::from(grad);
        // Each row's input-side term is taken before that row moves; no row is visited twice.
        for (w, &p) in scores.iter().enumerate() {
            let g = if w == target as usize { 1.0 - p } else { -p };
            // p underflowed to 0 (or the target is certain): the exact update is nothing.
            if g == 0.0 {
                continue;
            }
            let row = self.rows.row_mut(w);
            k.axpy(g, row.as_row(), grad);
            self.rates
                .apply(k, w, row, &[hidden], &[g], alpha, direction);
        }
        loss
    }
}

/// Importance-sampled softmax (Bengio & Senécal 2008; Jean et al. 2015): a softmax over the
/// target and `k` words drawn with replacement from the proposal q (unigram^0.75, the
/// negative-sampling table), each score corrected by -ln(k·q(w)), the log of how often w is
/// expected among the draws. The gradient is that small softmax's, exactly.
///
/// Choices:
/// - Draws that hit the target (accidental hits) are kept as ordinary samples. With the
///   correction, Σ over the samples of exp(score)/(k·q) estimates the full normaliser Z
///   without bias, and the hits are the target's share of it; removing them (as some
///   implementations do) would leave the target's gradient at 1 instead of 1 - p(target)
///   however large k grows. The extra entry for the target itself adds exp(s_t)/(k·q_t) to
///   the normaliser: a bias that vanishes as k grows (tested below).
/// - Duplicate draws are separate entries, so each row's expected weight follows q.
/// - The reported loss is ln D - s_t, D the corrected normaliser over the target and the
///   samples: the sampled estimate of the full softmax's -ln p(target) (D estimates Z), so
///   loss logs compare with the other layers'. It can dip below 0 on a lucky draw.
pub struct SampledSoftmax<'a, R = Sgd> {
    pub rows: SharedMatrix<'a>,
    pub sampler: &'a AliasSampler,
    pub k: u32,
    /// ln(k·q(w)) per word: the log of the expected number of times w is drawn.
    pub log_expected: Vec<f32>,
    /// How the word rows are updated.
    pub rates: R,
}

impl SampledSoftmax<'_> {
    /// ln(k·q(w)) for each word, q(w) = count^exponent / Σ count^exponent as the sampler
    /// draws.
    pub fn log_expected_draws(counts: &[u64], exponent: f64, k: u32) -> Vec<f32> {
        let weights = AliasSampler::weights(counts, exponent);
        let total: f64 = weights.iter().sum();
        weights
            .iter()
            .map(|w| (k as f64 * w / total).ln() as f32)
            .collect()
    }
}

impl<R: Rates> OutputLayer for SampledSoftmax<'_, R> {
    fn step<K: Kernel>(
        &self,
        k: K,
        local: &mut Local,
        target: u32,
        hidden: Row<'_>,
        grad: &mut [f32],
        alpha: f32,
    ) -> f32 {
        let Local {
            rng,
            scores,
            drawn,
            words,
            direction,
            ..
        } = local;
        drawn.clear();
        drawn.push(target);
        drawn.extend((0..self.k).map(|_| self.sampler.sample(rng)));
        for &w in drawn.iter() {
            self.rows.prefetch(w as usize);
        }
        for &w in drawn.iter() {
            self.rates
                .touch(w as usize, self.rows.row_mut(w as usize), *words);
        }
        scores.clear();
        scores.extend(
            drawn
                .iter()
                .map(|&w| k.dot(hidden, self.rows.row(w as usize)) - self.log_expected[w as usize]),
        );
        let loss = softmax_in_place(scores, 0) - self.log_expected[target as usize];
        let weight = |i: usize, p: f32| if i == 0 { 1.0 - p } else { -p };
        // The whole input-side gradient first: a word drawn twice must not see its own update.
        let grad = RowMut::from(grad);
        for (i, (&w, &p)) in drawn.iter().zip(scores.iter()).enumerate() {
            k.axpy(weight(i, p), self.rows.row(w as usize), grad);
        }
        for (i, (&w, &p)) in drawn.iter().zip(scores.iter()).enumerate() {
            let (w, row) = (w as usize, self.rows.row_mut(w as usize));
            self.rates
                .apply(k, w, row, &[hidden], &[weight(i, p)], alpha, direction);
        }
        loss
    }
}

/// The layers with one output row per word; with hierarchical softmax, only negative
/// sampling trains beside it.
pub enum WordLayer<'a, R> {
    Negative(NegativeSampling<'a, R>),
    Full(FullSoftmax<'a, R>),
    Sampled(SampledSoftmax<'a, R>),
}

/// Multiply-adds per second one thread manages in the full softmax: a dot product and an
/// update per row, 2·dim each, plus an exp. Measured on this project's 2-core development
/// machine (AVX2): CBOW, dim 100, 735 words, 20k predictions, 1 thread: 2.9e9 in 1.5 s of CPU
/// time, about 1.9 G/s. Rows of a large vocabulary fall out of cache, so large runs are
/// slower, not faster: the estimate errs on the short side.
pub const FULL_SOFTMAX_MADDS_PER_SECOND: f64 = 2e9;

/// Estimated hours above which the full softmax is refused. The use is a ground truth
/// on a slice where it runs in minutes (~10k words, a few million words of text, about an hour
/// at most on one thread); a day is far beyond any such run and still leaves room for a
/// deliberate overnight one, while text8-sized runs (years) are stopped before they start.
pub const FULL_SOFTMAX_MAX_HOURS: f64 = 24.0;

/// What training with the full softmax would cost, estimated before it starts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SoftmaxCost {
    /// Predictions over all epochs: kept words (after subsampling, in expectation) times the
    /// mean number of context words (window + 1 in skip-gram, 1 in CBOW).
    pub predictions: f64,
    /// 2 · V · dim per prediction.
    pub multiply_adds: f64,
    /// At [`FULL_SOFTMAX_MADDS_PER_SECOND`] per thread on every thread.
    pub hours: f64,
}

/// The cost of the full softmax on a vocabulary with these counts (the corpus is the words
/// counted).
pub fn full_softmax_cost(settings: &Settings, counts: &[u64]) -> SoftmaxCost {
    let total: u64 = counts.iter().sum();
    let kept: f64 = if settings.sample > 0.0 {
        // word2vec's keep probability, (sqrt(f/t) + 1)·t/f, as training applies it.
        let threshold = settings.sample * total as f64;
        counts
            .iter()
            .map(|&c| {
                let c = c.max(1) as f64;
                let keep = ((c / threshold).sqrt() + 1.0) * threshold / c;
                c * keep.min(1.0)
            })
            .sum()
    } else {
        total as f64
    };
    // A window of b words each side, b uniform in 1..=window: 2·E[b] = window + 1 contexts.
    let per_word = match settings.architecture {
        Architecture::SkipGram => settings.window as f64 + 1.0,
        Architecture::Cbow => 1.0,
    };
    let predictions = kept * per_word * settings.epochs as f64;
    let multiply_adds = predictions * 2.0 * counts.len() as f64 * settings.dim as f64;
    let rate = FULL_SOFTMAX_MADDS_PER_SECOND * settings.threads.max(1) as f64;
    SoftmaxCost {
        predictions,
        multiply_adds,
        hours: multiply_adds / rate / 3600.0,
    }
}

/// Refuses the full softmax when [`full_softmax_cost`] exceeds [`FULL_SOFTMAX_MAX_HOURS`],
/// with the estimate in the message.
pub fn check_full_softmax_cost(settings: &Settings, counts: &[u64]) -> Result<()> {
    let cost = full_softmax_cost(settings, counts);
    if cost.hours <= FULL_SOFTMAX_MAX_HOURS {
        return Ok(());
    }
    let threads = settings.threads.max(1);
    Err(Error::setting(
        Setting::FullSoftmax,
        format!(
            "would take about {:.0} hours: {} words × dim {} × 2 multiply-adds per prediction × \
             {:.2e} predictions = {:.1e}, at about {:.0e} per second per thread on {threads} \
             thread{}; above {FULL_SOFTMAX_MAX_HOURS} hours it is refused (use --loss \
             sampled-softmax, ns or hs)",
            cost.hours,
            counts.len(),
            settings.dim,
            cost.predictions,
            cost.multiply_adds,
            FULL_SOFTMAX_MADDS_PER_SECOND,
            if threads == 1 { "" } else { "s" },
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::Portable;
    use rand::{Rng, SeedableRng};

    fn sigmoid(x: f64) -> f64 {
        1.0 / (1.0 + (-x).exp())
    }

    fn dot(a: &[f32], b: &[f32]) -> f64 {
        a.iter().zip(b).map(|(x, y)| *x as f64 * *y as f64).sum()
    }

    /// ln P(word | h) under hierarchical softmax, computed exactly.
    fn hs_log_likelihood(tree: &Tree, nodes: &[f32], dim: usize, word: u32, h: &[f32]) -> f64 {
        let path = tree.path(word);
        path.points
            .iter()
            .zip(path.codes)
            .map(|(&n, &code)| {
                let f = dot(h, &nodes[n as usize * dim..(n as usize + 1) * dim]);
                sigmoid(if code == 0 { f } else { -f }).ln()
            })
            .sum()
    }

    fn random_vec(rng: &mut SmallRng, n: usize, scale: f32) -> Vec<f32> {
        (0..n).map(|_| rng.random_range(-scale..scale)).collect()
    }

    #[test]
    fn leaf_probabilities_sum_to_one() {
        let mut rng = SmallRng::seed_from_u64(5);
        let counts: Vec<u64> = {
            let mut c: Vec<u64> = (0..50).map(|_| rng.random_range(1..1000)).collect();
            c.sort_unstable_by(|a, b| b.cmp(a));
            c
        };
        let tree = Tree::huffman(&counts);
        let dim = 8;
        for _ in 0..20 {
            let nodes = random_vec(&mut rng, (counts.len() - 1) * dim, 1.0);
            let h = random_vec(&mut rng, dim, 1.0);
            let total: f64 = (0..counts.len() as u32)
                .map(|w| hs_log_likelihood(&tree, &nodes, dim, w, &h).exp())
                .sum();
            assert!((total - 1.0).abs() < 1e-9, "{total}");
        }
    }

    /// The update `step` applies is alpha times the gradient of ln P(target | hidden), both for
    /// the hidden vector (returned in `grad`) and for each node row on the path.
    #[test]
    fn hierarchical_softmax_gradient_matches_finite_differences() {
        let mut rng = SmallRng::seed_from_u64(9);
        let mut local = Local::new(0, false);
        let counts = [40u64, 20, 10, 9, 7, 5, 3, 2, 1];
        let tree = Tree::huffman(&counts);
        let table = SigmoidTable::default();
        let dim = 6;
        let alpha = 1e-3f32;
        for target in 0..counts.len() as u32 {
            let mut nodes = random_vec(&mut rng, (counts.len() - 1) * dim, 0.8);
            let before = nodes.clone();
            let h = random_vec(&mut rng, dim, 0.8);
            let mut grad = vec![0f32; dim];
            let layer = HierarchicalSoftmax {
                tree: &tree,
                nodes: SharedMatrix::new(&mut nodes, dim),
                table: &table,
                rates: Sgd,
                local_from: usize::MAX,
            };
            let loss = layer.step(
                Portable,
                &mut local,
                target,
                Row::from(&h),
                &mut grad,
                alpha,
            );
            let exact = -hs_log_likelihood(&tree, &before, dim, target, &h);
            assert!(
                (loss as f64 - exact).abs() < 1e-2 * exact.max(1.0),
                "{loss} vs {exact}"
            );
            let eps = 1e-3f32;
            for i in 0..dim {
                let (mut up, mut down) = (h.clone(), h.clone());
                up[i] += eps;
                down[i] -= eps;
                let numeric = (hs_log_likelihood(&tree, &before, dim, target, &up)
                    - hs_log_likelihood(&tree, &before, dim, target, &down))
                    / (2.0 * eps as f64);
                let analytic = grad[i] as f64;
                assert!(
                    (numeric - analytic).abs() < 5e-3,
                    "h[{i}]: {numeric} vs {analytic}"
                );
            }
            for &n in tree.path(target).points {
                for i in 0..dim {
                    let k = n as usize * dim + i;
                    let (mut up, mut down) = (before.clone(), before.clone());
                    up[k] += eps;
                    down[k] -= eps;
                    let numeric = (hs_log_likelihood(&tree, &up, dim, target, &h)
                        - hs_log_likelihood(&tree, &down, dim, target, &h))
                        / (2.0 * eps as f64);
                    let analytic = (nodes[k] - before[k]) as f64 / alpha as f64;
                    assert!(
                        (numeric - analytic).abs() < 5e-3,
                        "node {n}: {numeric} vs {analytic}"
                    );
                }
            }
        }
    }

    /// CBOW's hidden vector is the mean of the context vectors; the gradient with respect to
    /// the mean is checked, and word2vec's rule adds it to every context vector unscaled.
    #[test]
    fn cbow_gradient_through_the_mean_matches_finite_differences() {
        let mut rng = SmallRng::seed_from_u64(21);
        let counts = [30u64, 12, 9, 4, 4, 1];
        let tree = Tree::huffman(&counts);
        let table = SigmoidTable::default();
        let dim = 5;
        let alpha = 1e-3f32;
        let contexts: Vec<Vec<f32>> = (0..4).map(|_| random_vec(&mut rng, dim, 0.8)).collect();
        let mean = |ctx: &[Vec<f32>]| -> Vec<f32> {
            (0..dim)
                .map(|i| ctx.iter().map(|c| c[i]).sum::<f32>() / ctx.len() as f32)
                .collect()
        };
        let mut nodes = random_vec(&mut rng, (counts.len() - 1) * dim, 0.8);
        let before = nodes.clone();
        let target = 3;
        let mut grad = vec![0f32; dim];
        let layer = HierarchicalSoftmax {
            tree: &tree,
            nodes: SharedMatrix::new(&mut nodes, dim),
            table: &table,
            rates: Sgd,
            local_from: usize::MAX,
        };
        layer.step(
            Portable,
            &mut Local::new(0, false),
            target,
            Row::from(&mean(&contexts)),
            &mut grad,
            alpha,
        );
        let eps = 1e-3f32;
        for i in 0..dim {
            let (mut up, mut down) = (contexts.clone(), contexts.clone());
            up[0][i] += eps;
            down[0][i] -= eps;
            let numeric = (hs_log_likelihood(&tree, &before, dim, target, &mean(&up))
                - hs_log_likelihood(&tree, &before, dim, target, &mean(&down)))
                / (2.0 * eps as f64);
            // d lnP / d context = (1 / contexts) · d lnP / d mean.
            let analytic = grad[i] as f64 / contexts.len() as f64;
            assert!((numeric - analytic).abs() < 5e-3, "{numeric} vs {analytic}");
        }
    }

    #[test]
    fn grouped_hierarchical_softmax_matches_single_steps() {
        let mut rng = SmallRng::seed_from_u64(4);
        let mut local = Local::new(0, false);
        let counts = [40u64, 20, 10, 9, 7, 5, 3, 2, 1];
        let tree = Tree::huffman(&counts);
        let table = SigmoidTable::default();
        let dim = 7;
        for group in [1usize, 3, GROUP] {
            let hs: Vec<Vec<f32>> = (0..group).map(|_| random_vec(&mut rng, dim, 0.8)).collect();
            let start = random_vec(&mut rng, (counts.len() - 1) * dim, 0.8);
            let alpha = 1e-3;
            let (mut one, mut many) = (start.clone(), start.clone());
            let mut grads_one = vec![0f32; group * dim];
            let mut grads_many = vec![0f32; group * dim];
            let single = HierarchicalSoftmax {
                tree: &tree,
                nodes: SharedMatrix::new(&mut one, dim),
                table: &table,
                rates: Sgd,
                local_from: usize::MAX,
            };
            let mut loss_one = 0.0;
            for (h, g) in hs.iter().zip(grads_one.chunks_exact_mut(dim)) {
                loss_one += single.step(Portable, &mut local, 5, Row::from(h), g, alpha);
            }
            let grouped = HierarchicalSoftmax {
                tree: &tree,
                nodes: SharedMatrix::new(&mut many, dim),
                table: &table,
                rates: Sgd,
                local_from: usize::MAX,
            };
            let refs: Vec<Row> = hs.iter().map(Row::from).collect();
            let loss_many =
                grouped.step_many(Portable, &mut local, 5, &refs, &mut grads_many, alpha);
            let tolerance = if group == 1 { 0.0 } else { 1e-5 };
            // Later contexts see updated nodes one at a time, not in a group: O(alpha) apart.
            assert!(
                (loss_one - loss_many).abs() <= tolerance * 100.0 * loss_one,
                "{loss_one} vs {loss_many}"
            );
            // The gradients are raw (no learning rate): compare the steps they become.
            let steps = |g: &[f32]| g.iter().map(|x| x * alpha).collect::<Vec<f32>>();
            for (a, b) in steps(&grads_one)
                .iter()
                .zip(&steps(&grads_many))
                .chain(one.iter().zip(&many))
            {
                assert!((a - b).abs() <= tolerance, "group {group}: {a} vs {b}");
            }
        }
    }

    /// Under AdaGrad a node row moves by alpha / sqrt(start + g²·|h|²/dim) · g · h, and its
    /// accumulator keeps that squared gradient for the next step.
    #[test]
    fn adagrad_scales_each_node_by_its_own_history() {
        use crate::train::rates::{RowState, Rule, Schedule, ADAGRAD_START};
        let mut rng = SmallRng::seed_from_u64(12);
        let counts = [40u64, 20, 10, 9, 7];
        let tree = Tree::huffman(&counts);
        let table = SigmoidTable::default();
        let dim = 4;
        let alpha = 0.1f32;
        let mut nodes = random_vec(&mut rng, (counts.len() - 1) * dim, 0.5);
        let before = nodes.clone();
        let mut state = RowState::new(Rule::AdaGrad, counts.len() - 1, dim, false);
        let h = random_vec(&mut rng, dim, 0.8);
        let mut grad = vec![0f32; dim];
        let schedule = Schedule {
            alpha0: alpha,
            total_words: 1,
        };
        let layer = HierarchicalSoftmax {
            tree: &tree,
            nodes: SharedMatrix::new(&mut nodes, dim),
            table: &table,
            rates: state.rates(0.0, schedule),
            local_from: usize::MAX,
        };
        let target = 4;
        layer.step(
            Portable,
            &mut Local::new(0, false),
            target,
            Row::from(&h),
            &mut grad,
            alpha,
        );
        let acc = state.snapshot().state;
        let h_sq: f32 = h.iter().map(|x| x * x).sum();
        let path = tree.path(target);
        for (&n, &code) in path.points.iter().zip(path.codes) {
            let row = |m: &[f32]| m[n as usize * dim..(n as usize + 1) * dim].to_vec();
            let f: f32 = row(&before).iter().zip(&h).map(|(a, b)| a * b).sum();
            let g = 1.0 - code as f32 - table.sigmoid(f);
            let sq = g * g * h_sq / dim as f32;
            assert!((acc[n as usize] - (ADAGRAD_START + sq)).abs() < 1e-6);
            let rate = alpha / (ADAGRAD_START + sq).sqrt();
            for ((new, old), hi) in row(&nodes).iter().zip(row(&before)).zip(&h) {
                assert!((new - (old + rate * g * hi)).abs() < 1e-5);
            }
        }
        let untouched = (0..counts.len() - 1).filter(|n| !path.points.contains(&(*n as u32)));
        for n in untouched {
            assert_eq!(acc[n], ADAGRAD_START);
        }
    }

    /// ln σ(f_target) + Σ ln σ(-f_negative), the negative-sampling objective.
    #[test]
    fn negative_sampling_gradient_matches_finite_differences() {
        let mut rng = SmallRng::seed_from_u64(33);
        let counts = [50u64, 30, 20, 10, 5, 5, 2];
        let sampler = AliasSampler::new(&counts, 0.75);
        let table = SigmoidTable::default();
        let dim = 6;
        let alpha = 1e-3f32;
        let target = 2u32;
        let mut out = random_vec(&mut rng, counts.len() * dim, 0.8);
        let before = out.clone();
        let h = random_vec(&mut rng, dim, 0.8);
        // Replay the same draws to know which negatives the step used.
        let seed_rng = SmallRng::seed_from_u64(77);
        let mut replay = seed_rng.clone();
        let k = 4;
        let mut negatives = Vec::new();
        while negatives.len() < k {
            let mut w = sampler.sample(&mut replay);
            let mut tries = 0;
            while w == target && tries < MAX_REDRAWS {
                w = sampler.sample(&mut replay);
                tries += 1;
            }
            if w != target {
                negatives.push(w);
            }
        }
        let objective = |h: &[f32], m: &[f32]| -> f64 {
            let row = |w: u32| &m[w as usize * dim..(w as usize + 1) * dim];
            sigmoid(dot(h, row(target))).ln()
                + negatives
                    .iter()
                    .map(|&n| sigmoid(-dot(h, row(n))).ln())
                    .sum::<f64>()
        };
        let mut grad = vec![0f32; dim];
        let layer = NegativeSampling {
            rates: Sgd,
            negatives: SharedMatrix::new(&mut out, dim),
            sampler: &sampler,
            k: k as u32,
            table: &table,
        };
        let mut local = Local {
            rng: seed_rng,
            ..Local::new(0, false)
        };
        let loss = layer.step(
            Portable,
            &mut local,
            target,
            Row::from(&h),
            &mut grad,
            alpha,
        );
        assert!((loss as f64 + objective(&h, &before)).abs() < 1e-2);
        let eps = 1e-3f32;
        for i in 0..dim {
            let (mut up, mut down) = (h.clone(), h.clone());
            up[i] += eps;
            down[i] -= eps;
            let numeric =
                (objective(&up, &before) - objective(&down, &before)) / (2.0 * eps as f64);
            let analytic = grad[i] as f64;
            assert!(
                (numeric - analytic).abs() < 5e-3,
                "h[{i}]: {numeric} vs {analytic}"
            );
        }
    }

    /// ln p(target | h) under the full softmax, computed naively in f64.
    fn softmax_log_likelihood(rows: &[f32], dim: usize, target: u32, h: &[f32]) -> f64 {
        let scores: Vec<f64> = rows.chunks_exact(dim).map(|r| dot(h, r)).collect();
        let z: f64 = scores.iter().map(|s| s.exp()).sum();
        scores[target as usize] - z.ln()
    }

    #[test]
    fn softmax_probabilities_sum_to_one_and_match_a_naive_computation() {
        let mut rng = SmallRng::seed_from_u64(41);
        for offset in [0.0f32, 80.0, -500.0] {
            let scores = random_vec(&mut rng, 50, 6.0);
            // A large common offset overflows a naive exp in f32, never the shifted one.
            let mut probs: Vec<f32> = scores.iter().map(|s| s + offset).collect();
            let loss = softmax_in_place(&mut probs, 7);
            let z: f64 = scores.iter().map(|&s| (s as f64).exp()).sum();
            let total: f64 = probs.iter().map(|&p| p as f64).sum();
            assert!((total - 1.0).abs() < 1e-5, "{total}");
            for (p, s) in probs.iter().zip(&scores) {
                let naive = (*s as f64).exp() / z;
                assert!(
                    (*p as f64 - naive).abs() < 1e-4 * naive.max(1e-3),
                    "{p} {naive}"
                );
            }
            let naive_loss = z.ln() - scores[7] as f64;
            assert!(
                (loss as f64 - naive_loss).abs() < 1e-4,
                "{loss} {naive_loss}"
            );
        }
    }

    /// The update the full softmax applies is alpha times the gradient of ln p(target | h),
    /// for the hidden vector and for every output row.
    #[test]
    fn full_softmax_gradient_matches_finite_differences() {
        let mut rng = SmallRng::seed_from_u64(17);
        let (v, dim) = (9usize, 5usize);
        let alpha = 1e-3f32;
        for target in 0..v as u32 {
            let mut rows = random_vec(&mut rng, v * dim, 0.9);
            let before = rows.clone();
            let h = random_vec(&mut rng, dim, 0.9);
            let mut grad = vec![0f32; dim];
            let layer = FullSoftmax {
                rates: Sgd,
                rows: SharedMatrix::new(&mut rows, dim),
            };
            let mut local = Local::new(0, false);
            let loss = layer.step(
                Portable,
                &mut local,
                target,
                Row::from(&h),
                &mut grad,
                alpha,
            );
            let exact = -softmax_log_likelihood(&before, dim, target, &h);
            assert!((loss as f64 - exact).abs() < 1e-4, "{loss} vs {exact}");
            let eps = 1e-3f32;
            for i in 0..dim {
                let (mut up, mut down) = (h.clone(), h.clone());
                up[i] += eps;
                down[i] -= eps;
                let numeric = (softmax_log_likelihood(&before, dim, target, &up)
                    - softmax_log_likelihood(&before, dim, target, &down))
                    / (2.0 * eps as f64);
                let analytic = grad[i] as f64;
                assert!(
                    (numeric - analytic).abs() < 5e-3,
                    "h[{i}]: {numeric} vs {analytic}"
                );
            }
            for j in 0..v * dim {
                let (mut up, mut down) = (before.clone(), before.clone());
                up[j] += eps;
                down[j] -= eps;
                let numeric = (softmax_log_likelihood(&up, dim, target, &h)
                    - softmax_log_likelihood(&down, dim, target, &h))
                    / (2.0 * eps as f64);
                let analytic = (rows[j] - before[j]) as f64 / alpha as f64;
                assert!(
                    (numeric - analytic).abs() < 5e-3,
                    "row {}: {numeric} vs {analytic}",
                    j / dim
                );
            }
        }
    }

    /// The words a sampled-softmax step draws, replayed from the same generator.
    fn replay_draws(sampler: &AliasSampler, rng: &SmallRng, k: u32) -> Vec<u32> {
        let mut rng = rng.clone();
        (0..k).map(|_| sampler.sample(&mut rng)).collect()
    }

    /// The sampled objective: ln of the target entry's probability in the softmax over the
    /// target and the draws, every score corrected by -ln(k·q).
    fn sampled_log_likelihood(
        rows: &[f32],
        dim: usize,
        entries: &[u32],
        log_expected: &[f32],
        h: &[f32],
    ) -> f64 {
        let score = |w: u32| {
            dot(h, &rows[w as usize * dim..(w as usize + 1) * dim])
                - log_expected[w as usize] as f64
        };
        let z: f64 = entries.iter().map(|&w| score(w).exp()).sum();
        score(entries[0]) - z.ln()
    }

    fn zipf_counts(v: usize) -> Vec<u64> {
        (0..v).map(|r| 1000 / (r as u64 + 1)).collect()
    }

    #[test]
    fn sampled_softmax_gradient_matches_finite_differences() {
        let mut rng = SmallRng::seed_from_u64(29);
        let counts = zipf_counts(8);
        let sampler = AliasSampler::new(&counts, 0.75);
        let (dim, k) = (5usize, 12u32);
        let log_expected = SampledSoftmax::log_expected_draws(&counts, 0.75, k);
        let alpha = 1e-3f32;
        for target in [0u32, 3, 7] {
            let mut rows = random_vec(&mut rng, counts.len() * dim, 0.9);
            let before = rows.clone();
            let h = random_vec(&mut rng, dim, 0.9);
            let draws_rng = SmallRng::seed_from_u64(target as u64 + 100);
            let mut entries = vec![target];
            entries.extend(replay_draws(&sampler, &draws_rng, k));
            // Frequent words are drawn several times: duplicates must add up.
            assert!(
                entries.len()
                    > 1 + (1..entries.len())
                        .filter(|&i| !entries[..i].contains(&entries[i]))
                        .count()
            );
            let mut grad = vec![0f32; dim];
            let layer = SampledSoftmax {
                rates: Sgd,
                rows: SharedMatrix::new(&mut rows, dim),
                sampler: &sampler,
                k,
                log_expected: log_expected.clone(),
            };
            let mut local = Local {
                rng: draws_rng,
                ..Local::new(0, false)
            };
            let loss = layer.step(
                Portable,
                &mut local,
                target,
                Row::from(&h),
                &mut grad,
                alpha,
            );
            // The loss is the sampled estimate of -ln p: -(objective) - ln(k·q(target)).
            let objective = sampled_log_likelihood(&before, dim, &entries, &log_expected, &h);
            let expected_loss = -objective - log_expected[target as usize] as f64;
            assert!(
                (loss as f64 - expected_loss).abs() < 1e-4,
                "{loss} vs {expected_loss}"
            );
            let eps = 1e-3f32;
            for i in 0..dim {
                let (mut up, mut down) = (h.clone(), h.clone());
                up[i] += eps;
                down[i] -= eps;
                let numeric = (sampled_log_likelihood(&before, dim, &entries, &log_expected, &up)
                    - sampled_log_likelihood(&before, dim, &entries, &log_expected, &down))
                    / (2.0 * eps as f64);
                let analytic = grad[i] as f64;
                assert!(
                    (numeric - analytic).abs() < 5e-3,
                    "h[{i}]: {numeric} vs {analytic}"
                );
            }
            for j in 0..counts.len() * dim {
                let (mut up, mut down) = (before.clone(), before.clone());
                up[j] += eps;
                down[j] -= eps;
                let numeric = (sampled_log_likelihood(&up, dim, &entries, &log_expected, &h)
                    - sampled_log_likelihood(&down, dim, &entries, &log_expected, &h))
                    / (2.0 * eps as f64);
                let analytic = (rows[j] - before[j]) as f64 / alpha as f64;
                assert!(
                    (numeric - analytic).abs() < 5e-3,
                    "row {}: {numeric} vs {analytic}",
                    j / dim
                );
            }
        }
    }

    /// Averaged over many draws, the sampled step's gradient (input side and every row)
    /// approaches the full softmax's as k grows: the self-normalised estimate's bias shrinks
    /// like 1/k.
    #[test]
    fn sampled_gradient_expectation_approaches_the_full_one_as_k_grows() {
        let mut rng = SmallRng::seed_from_u64(53);
        let counts = zipf_counts(30);
        let sampler = AliasSampler::new(&counts, 0.75);
        let dim = 6;
        let rows = random_vec(&mut rng, counts.len() * dim, 1.0);
        let h = random_vec(&mut rng, dim, 1.0);
        let target = 4u32;
        // The raw gradient of one step: the input side, then each row's move (alpha = 1).
        fn raw_gradient(grad: Vec<f32>, moved: &[f32], start: &[f32]) -> Vec<f32> {
            let mut all = grad;
            all.extend(moved.iter().zip(start).map(|(a, b)| a - b));
            all
        }
        let (mut moved, mut grad) = (rows.clone(), vec![0f32; dim]);
        let layer = FullSoftmax {
            rates: Sgd,
            rows: SharedMatrix::new(&mut moved, dim),
        };
        let mut local = Local::new(0, false);
        layer.step(Portable, &mut local, target, Row::from(&h), &mut grad, 1.0);
        let full = raw_gradient(grad, &moved, &rows);
        let mut errors = Vec::new();
        for k in [2u32, 16, 256] {
            let log_expected = SampledSoftmax::log_expected_draws(&counts, 0.75, k);
            let draws = 3000;
            let mut mean = vec![0f64; full.len()];
            let mut local = Local::new(k as u64, false);
            for _ in 0..draws {
                let (mut moved, mut grad) = (rows.clone(), vec![0f32; dim]);
                let layer = SampledSoftmax {
                    rates: Sgd,
                    rows: SharedMatrix::new(&mut moved, dim),
                    sampler: &sampler,
                    k,
                    log_expected: log_expected.clone(),
                };
                layer.step(Portable, &mut local, target, Row::from(&h), &mut grad, 1.0);
                for (m, x) in mean.iter_mut().zip(raw_gradient(grad, &moved, &rows)) {
                    *m += x as f64 / draws as f64;
                }
            }
            let error: f64 = mean
                .iter()
                .zip(&full)
                .map(|(m, f)| (m - *f as f64).powi(2))
                .sum::<f64>()
                .sqrt();
            errors.push(error);
        }
        let norm = full.iter().map(|x| (*x as f64).powi(2)).sum::<f64>().sqrt();
        assert!(errors[1] < 0.6 * errors[0], "{errors:?}");
        assert!(errors[2] < 0.6 * errors[1], "{errors:?}");
        assert!(errors[2] < 0.05 * norm, "{errors:?} vs |g| {norm}");
    }

    #[test]
    fn full_softmax_cost_counts_every_row_of_every_prediction() {
        let counts = vec![10u64; 1000];
        let settings = Settings {
            dim: 50,
            window: 5,
            epochs: 2,
            sample: 0.0,
            threads: 1,
            hs: false,
            softmax: Some(crate::model::SoftmaxKind::Full),
            ..Settings::default()
        };
        let cost = full_softmax_cost(&settings, &counts);
        // 10,000 words × 6 contexts × 2 epochs, each 2 × 1000 rows × 50.
        assert_eq!(cost.predictions, 120_000.0);
        assert_eq!(cost.multiply_adds, 120_000.0 * 2.0 * 1000.0 * 50.0);
        let seconds = cost.multiply_adds / FULL_SOFTMAX_MADDS_PER_SECOND;
        assert!((cost.hours - seconds / 3600.0).abs() < 1e-9);
        assert!(check_full_softmax_cost(&settings, &counts).is_ok());
        // CBOW predicts each word once; two threads halve the time.
        let cbow = Settings {
            architecture: Architecture::Cbow,
            threads: 2,
            ..settings.clone()
        };
        let c = full_softmax_cost(&cbow, &counts);
        assert_eq!(c.predictions, 20_000.0);
        assert!((c.hours - cost.hours / 6.0 / 2.0).abs() < 1e-12);
        // Subsampling keeps fewer of the frequent words.
        let sampled = Settings {
            sample: 1e-4,
            ..settings.clone()
        };
        assert!(full_softmax_cost(&sampled, &counts).predictions < cost.predictions);
        // A text8-sized run is refused with its estimate.
        let big = Settings {
            dim: 100,
            epochs: 5,
            ..settings
        };
        let text8 = vec![240u64; 71_290];
        let hours = full_softmax_cost(&big, &text8).hours;
        assert!(hours > FULL_SOFTMAX_MAX_HOURS);
        let err = check_full_softmax_cost(&big, &text8).unwrap_err();
        match &err {
            Error::InvalidSetting { setting, reason } => {
                assert_eq!(*setting, Setting::FullSoftmax);
                assert!(
                    reason.contains(&format!("about {hours:.0} hours")),
                    "{reason}"
                );
                assert!(
                    reason.contains("71290 words") && !reason.contains('\n'),
                    "{reason}"
                );
            }
            other => panic!("{other:?}"),
        }
    }
}
