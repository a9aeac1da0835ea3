//! How a step's gradient becomes a row update: plain SGD, or an adaptive rule (AdaGrad,
//! RMSProp, Adam) with optional lazy L2 weight decay.
//!
//! Every rule is sparse and row-wise: a parameter matrix has one small state per row, and
//! only the rows a step touches read or write theirs, so a row that no step touches keeps
//! its state unchanged (the "lazy" sparse variants). One second-moment figure per row rather
//! than per element keeps the memory at one float per row and the cost at one dot product per
//! update: the row's mean squared gradient element, ḡ² = |d|² / dim for step direction d.
//!
//! - AdaGrad (Duchi et al., 2011): acc += ḡ² (each prediction of a grouped step counted on
//!   its own, as before Adam and RMSProp came); step α / √acc.
//! - RMSProp (Hinton's lecture 6e): ms = ρ·ms + (1-ρ)·ḡ²; step α / (√ms + ε).
//! - Adam (Kingma & Ba, 2015), lazy: per element first moment m = β1·m + (1-β1)·d (dim floats
//!   per row: the matrix's memory doubles), per row second moment v = β2·v + (1-β2)·ḡ² and a
//!   per-row step count t, so a row touched t times gets the bias correction for t, not for
//!   the global step; the row moves by α·m̂ / (√v̂ + ε), m̂ = m/(1-β1^t), v̂ = v/(1-β2^t).
//!
//! The learning rate α still decays linearly over training on top of every rule.
//!
//! Lazy L2 (`--l2 λ`, decoupled weight decay as in AdamW): eagerly, every row would shrink by
//! (1 - α·λ) for every word trained. A row instead remembers the word count it was last
//! decayed at, and when a step touches it, first takes all the decay it missed: k words,
//! (1 - ᾱ·λ)^k with ᾱ the mean of the schedule's α over the missed words (exact while α is
//! constant, and for the linear schedule up to second order in α·λ; the schedule, not the
//! piecewise-constant α the threads actually used between reports). Training ends with every row brought up
//! to the final count, so the saved model equals the eager one.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::kernels::Kernel;
use crate::model::Optimizer;
use crate::shared::{Row, RowMut, SharedMatrix};

/// Where every AdaGrad accumulator starts. It bounds the first steps of a row by
/// alpha / sqrt(START), so a row's first update is not blown up by a near-zero denominator.
pub const ADAGRAD_START: f32 = 1e-3;

/// Added to the root of the second moment in RMSProp and Adam, so a row whose gradients are
/// all zero so far does not divide by zero. Adam's paper value; word2vec's gradient elements
/// are 1e-4 to 1e-1, far above it, so it does not damp real steps.
pub const ADAPTIVE_EPS: f32 = 1e-8;

/// The learning rate never falls below this share of its start (word2vec's floor).
pub const MIN_ALPHA_RATIO: f32 = 1e-4;

/// The linear learning-rate decay, from `alpha0` to `alpha0`·1e-4 over `total_words`.
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    pub alpha0: f32,
    pub total_words: u64,
}

impl Schedule {
    #[inline]
    pub fn alpha(&self, words_done: u64) -> f32 {
        let left = 1.0 - words_done as f64 / (self.total_words + 1) as f64;
        self.alpha0 * (left as f32).max(MIN_ALPHA_RATIO)
    }
}

/// The update rule itself, with its constants.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Rule {
    Sgd,
    AdaGrad,
    RmsProp { rho: f32 },
    Adam { beta1: f32, beta2: f32 },
}

impl From<Optimizer> for Rule {
    fn from(o: Optimizer) -> Rule {
        match o {
            Optimizer::Sgd => Rule::Sgd,
            Optimizer::AdaGrad => Rule::AdaGrad,
            Optimizer::RmsProp { rho } => Rule::RmsProp { rho },
            Optimizer::Adam { beta1, beta2 } => Rule::Adam { beta1, beta2 },
        }
    }
}

impl Rule {
    /// Floats of per-row state: the second moment; for Adam also the row's step count t and
    /// β1^t, β2^t (kept, not recomputed with two `powf` per update).
    pub fn state_cols(self) -> usize {
        match self {
            Rule::Sgd => 0,
            Rule::AdaGrad | Rule::RmsProp { .. } => 1,
            Rule::Adam { .. } => 4,
        }
    }

    /// What one row's state starts as.
    pub fn state_start(self) -> &'static [f32] {
        match self {
            Rule::Sgd => &[],
            Rule::AdaGrad => &[ADAGRAD_START],
            Rule::RmsProp { .. } => &[0.0],
            Rule::Adam { .. } => &[0.0, 0.0, 1.0, 1.0],
        }
    }

    /// Whether the rule keeps a first moment per element (dim floats per row).
    pub fn has_moments(self) -> bool {
        matches!(self, Rule::Adam { .. })
    }
}

/// A parameter matrix's step rule. `Sgd` is a zero-sized type, so layers generic over it
/// compile to word2vec's plain updates with no optimizer code on the hot path.
pub trait Rates: Sync {
    /// True for plain SGD without decay: callers may keep their fused update.
    const PLAIN: bool;

    /// Row `r` is about to be read by a step at word count `words`: apply the decay it
    /// missed (lazy L2). Nothing without decay.
    fn touch(&self, r: usize, row: RowMut<'_>, words: u64);

    /// Moves row `r` along the step direction d = Σ coefs[j]·vecs[j] (the negative loss
    /// gradient) at learning rate `alpha`; `scratch` holds d when there are several vectors.
    /// Returns the scalar step size applied (for Adam, the one on the first moment).
    // The hot path's arguments, each a register: a struct would only rename them.
    #[allow(clippy::too_many_arguments)]
    fn apply<K: Kernel>(
        &self,
        k: K,
        r: usize,
        row: RowMut<'_>,
        vecs: &[Row<'_>],
        coefs: &[f32],
        alpha: f32,
        scratch: &mut Vec<f32>,
    ) -> f32;

    /// `apply` for a group of predictions whose vectors' squared norms the caller already
    /// has (hierarchical softmax computes them once for a whole path).
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn apply_group<K: Kernel>(
        &self,
        k: K,
        r: usize,
        row: RowMut<'_>,
        vecs: &[Row<'_>],
        coefs: &[f32],
        _sq_norms: &[f32],
        alpha: f32,
        scratch: &mut Vec<f32>,
    ) -> f32 {
        self.apply(k, r, row, vecs, coefs, alpha, scratch)
    }
}

/// word2vec's rule: row += alpha · d.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sgd;

impl Rates for Sgd {
    const PLAIN: bool = true;

    #[inline(always)]
    fn touch(&self, _: usize, _: RowMut<'_>, _: u64) {}

    #[inline(always)]
    fn apply<K: Kernel>(
        &self,
        k: K,
        _: usize,
        row: RowMut<'_>,
        vecs: &[Row<'_>],
        coefs: &[f32],
        alpha: f32,
        _: &mut Vec<f32>,
    ) -> f32 {
        for (&v, &c) in vecs.iter().zip(coefs) {
            k.axpy(alpha * c, v, row);
        }
        alpha
    }
}

/// Lazy L2 decay of one matrix's rows: the word count each row was last decayed at.
pub struct Decay<'a> {
    pub lambda: f32,
    pub schedule: Schedule,
    pub last: &'a [AtomicU64],
}

impl Decay<'_> {
    /// The factor that takes a row decayed up to word count `from` to `to`.
    pub fn factor(&self, from: u64, to: u64) -> f32 {
        let k = to.saturating_sub(from);
        if k == 0 {
            return 1.0;
        }
        // The missed words are from..to, the last of them to - 1.
        let (first, last) = (self.schedule.alpha(from), self.schedule.alpha(to - 1));
        let mean = 0.5 * (first as f64 + last as f64);
        (1.0 - mean * self.lambda as f64).max(0.0).powf(k as f64) as f32
    }

    /// Decays row `r` to word count `words` if it is behind.
    #[inline]
    pub fn catch_up(&self, r: usize, row: RowMut<'_>, words: u64) {
        let last = self.last[r].load(Ordering::Relaxed);
        if words > last {
            scale(row, self.factor(last, words));
            self.last[r].store(words, Ordering::Relaxed);
        }
    }

    /// Brings every row of `rows` (row-major, `dim` wide) to word count `words`: the final
    /// pass before a model is saved.
    pub fn catch_up_all(&self, rows: &mut [f32], dim: usize, words: u64) {
        let rows = SharedMatrix::new(rows, dim);
        for r in 0..rows.rows() {
            self.catch_up(r, rows.row_mut(r), words);
        }
    }
}

/// A step's direction as (vector, coefficient, |vector|²): the one vector given (whose
/// squared norm is `sq_norm0`), or the sum of several in `scratch`.
#[inline]
fn direction<'a, K: Kernel>(
    k: K,
    vecs: &[Row<'a>],
    coefs: &[f32],
    sq_norm0: f32,
    scratch: &'a mut Vec<f32>,
) -> (Row<'a>, f32, f32) {
    if vecs.len() == 1 {
        return (vecs[0], coefs[0], sq_norm0);
    }
    scratch.clear();
    scratch.resize(vecs[0].len(), 0.0);
    for (&v, &cj) in vecs.iter().zip(coefs) {
        k.axpy(cj, v, RowMut::from(&mut scratch[..]));
    }
    let d = Row::from(&scratch[..]);
    (d, 1.0, k.dot(d, d))
}

fn scale(row: RowMut<'_>, f: f32) {
    for i in 0..row.len() {
        row.set(i, row.get(i) * f);
    }
}

/// Every rule other than plain SGD, and SGD with decay: one type, matched per row update, so
/// the trainer is compiled twice (plain, adaptive) rather than once per rule.
pub struct Adaptive<'a> {
    pub rule: Rule,
    /// `rule.state_cols()` floats per row; `None` for SGD.
    pub state: Option<SharedMatrix<'a>>,
    /// Adam's first moments, dim floats per row.
    pub moments: Option<SharedMatrix<'a>>,
    pub decay: Option<Decay<'a>>,
}

impl Rates for Adaptive<'_> {
    const PLAIN: bool = false;

    #[inline]
    fn touch(&self, r: usize, row: RowMut<'_>, words: u64) {
        if let Some(decay) = &self.decay {
            decay.catch_up(r, row, words);
        }
    }

    fn apply<K: Kernel>(
        &self,
        k: K,
        r: usize,
        row: RowMut<'_>,
        vecs: &[Row<'_>],
        coefs: &[f32],
        alpha: f32,
        scratch: &mut Vec<f32>,
    ) -> f32 {
        self.update(k, r, row, vecs, coefs, None, alpha, scratch)
    }

    fn apply_group<K: Kernel>(
        &self,
        k: K,
        r: usize,
        row: RowMut<'_>,
        vecs: &[Row<'_>],
        coefs: &[f32],
        sq_norms: &[f32],
        alpha: f32,
        scratch: &mut Vec<f32>,
    ) -> f32 {
        self.update(k, r, row, vecs, coefs, Some(sq_norms), alpha, scratch)
    }
}

impl Adaptive<'_> {
    #[allow(clippy::too_many_arguments)]
    #[inline]
    fn update<K: Kernel>(
        &self,
        k: K,
        r: usize,
        row: RowMut<'_>,
        vecs: &[Row<'_>],
        coefs: &[f32],
        sq_norms: Option<&[f32]>,
        alpha: f32,
        scratch: &mut Vec<f32>,
    ) -> f32 {
        let dim = row.len();
        let state = || self.state.as_ref().expect("adaptive state").row_mut(r);
        // Rules that only scale the step add the vectors one by one, as SGD does.
        let each = |rate: f32| {
            for (&v, &cj) in vecs.iter().zip(coefs) {
                k.axpy(rate * cj, v, row);
            }
            rate
        };
        let sq_norm = |j: usize| match sq_norms {
            Some(norms) => norms[j],
            None => k.dot(vecs[j], vecs[j]),
        };
        match self.rule {
            Rule::Sgd => each(alpha),
            Rule::AdaGrad => {
                let sq = (0..vecs.len())
                    .map(|j| coefs[j] * coefs[j] * sq_norm(j))
                    .sum::<f32>()
                    / dim as f32;
                let s = state();
                let acc = s.get(0) + sq;
                s.set(0, acc);
                each(alpha / acc.sqrt())
            }
            Rule::RmsProp { rho } => {
                let (d, c, d_sq) = direction(k, vecs, coefs, sq_norm(0), scratch);
                let s = state();
                let ms = rho * s.get(0) + (1.0 - rho) * c * c * d_sq / dim as f32;
                s.set(0, ms);
                let rate = alpha / (ms.sqrt() + ADAPTIVE_EPS);
                k.axpy(rate * c, d, row);
                rate
            }
            Rule::Adam { beta1, beta2 } => {
                let (d, c, d_sq) = direction(k, vecs, coefs, sq_norm(0), scratch);
                let s = state();
                // An f32 count is exact to 2^24 touches; by then both corrections are 1.
                s.set(1, s.get(1) + 1.0);
                let (p1, p2) = (s.get(2) * beta1, s.get(3) * beta2);
                s.set(2, p1);
                s.set(3, p2);
                let v = beta2 * s.get(0) + (1.0 - beta2) * c * c * d_sq / dim as f32;
                s.set(0, v);
                let m = self.moments.as_ref().expect("adam moments").row_mut(r);
                // m += (β1 - 1)·m, then the new direction's share.
                k.axpy(beta1 - 1.0, m.as_row(), m);
                k.axpy((1.0 - beta1) * c, d, m);
                let v_hat = v / (1.0 - p2);
                let rate = alpha / (1.0 - p1) / (v_hat.sqrt() + ADAPTIVE_EPS);
                k.axpy(rate, m.as_row(), row);
                rate
            }
        }
    }
}

/// One matrix's optimizer state as a checkpoint stores it: the per-row state floats
/// (`state_cols` a row), Adam's first moments (dim a row) and the L2 decay clocks (one word
/// count a row); each empty when the run has none.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OptimizerRows {
    pub state: Vec<f32>,
    pub moments: Vec<f32>,
    pub clocks: Vec<u64>,
}

/// The state one parameter matrix's adaptive rule keeps, owned for the length of a run.
pub struct RowState {
    rule: Rule,
    state: Vec<f32>,
    moments: Vec<f32>,
    last: Vec<AtomicU64>,
    dim: usize,
}

impl RowState {
    /// State for `rows` rows of `dim`; the decay clocks only with `decay`.
    pub fn new(rule: Rule, rows: usize, dim: usize, decay: bool) -> RowState {
        RowState {
            rule,
            state: rule.state_start().repeat(rows),
            moments: if rule.has_moments() {
                vec![0.0; rows * dim]
            } else {
                Vec::new()
            },
            last: if decay {
                (0..rows).map(|_| AtomicU64::new(0)).collect()
            } else {
                Vec::new()
            },
            dim,
        }
    }

    /// The rates that read and write this state.
    pub fn rates(&mut self, lambda: f32, schedule: Schedule) -> Adaptive<'_> {
        let cols = self.rule.state_cols();
        Adaptive {
            rule: self.rule,
            state: (cols > 0 && !self.state.is_empty())
                .then(|| SharedMatrix::new(&mut self.state, cols)),
            moments: (!self.moments.is_empty())
                .then(|| SharedMatrix::new(&mut self.moments, self.dim)),
            decay: (!self.last.is_empty()).then_some(Decay {
                lambda,
                schedule,
                last: &self.last,
            }),
        }
    }

    /// A copy of everything the rule and the decay keep, for a checkpoint.
    pub fn snapshot(&self) -> OptimizerRows {
        OptimizerRows {
            state: self.state.clone(),
            moments: self.moments.clone(),
            clocks: self
                .last
                .iter()
                .map(|c| c.load(Ordering::Relaxed))
                .collect(),
        }
    }

    /// Puts a [`snapshot`](Self::snapshot) back; false (and nothing changed) when its sizes
    /// are not this state's.
    pub fn restore(&mut self, saved: &OptimizerRows) -> bool {
        if saved.state.len() != self.state.len()
            || saved.moments.len() != self.moments.len()
            || saved.clocks.len() != self.last.len()
        {
            return false;
        }
        self.state.copy_from_slice(&saved.state);
        self.moments.copy_from_slice(&saved.moments);
        for (clock, &words) in self.last.iter().zip(&saved.clocks) {
            clock.store(words, Ordering::Relaxed);
        }
        true
    }

    /// The decay clocks, for the final pass (`None` without decay).
    pub fn decay(&self, lambda: f32, schedule: Schedule) -> Option<Decay<'_>> {
        (!self.last.is_empty()).then_some(Decay {
            lambda,
            schedule,
            last: &self.last,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::Portable;

    const TOL: f32 = 1e-6;

    fn close(a: &[f32], b: &[f32]) {
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(b) {
            assert!((x - y).abs() < TOL, "{a:?} vs {b:?}");
        }
    }

    /// One step of `rule` on row `r` of `rows` (3 wide) along coefs·vecs.
    fn step(
        rates: &Adaptive<'_>,
        rows: &SharedMatrix<'_>,
        r: usize,
        vecs: &[&[f32]],
        coefs: &[f32],
        alpha: f32,
    ) -> f32 {
        let vecs: Vec<Row> = vecs.iter().map(|v| Row::from(*v)).collect();
        rates.apply(
            Portable,
            r,
            rows.row_mut(r),
            &vecs,
            coefs,
            alpha,
            &mut Vec::new(),
        )
    }

    fn schedule(alpha: f32) -> Schedule {
        // So many words that alpha stays alpha for the few a test counts.
        Schedule {
            alpha0: alpha,
            total_words: u64::MAX / 2,
        }
    }

    #[test]
    fn sgd_moves_by_alpha_times_the_direction() {
        let mut w = vec![1.0f32, 2.0, 3.0];
        let rows = SharedMatrix::new(&mut w, 3);
        let rate = Sgd.apply(
            Portable,
            0,
            rows.row_mut(0),
            &[Row::from(&[1.0f32, 0.0, -1.0][..])],
            &[2.0],
            0.1,
            &mut Vec::new(),
        );
        assert_eq!(rate, 0.1);
        close(&rows.row(0).to_vec(), &[1.2, 2.0, 2.8]);
    }

    #[test]
    fn adagrad_steps_shrink_with_the_rows_own_history() {
        let mut state = RowState::new(Rule::AdaGrad, 2, 3, false);
        let rates = state.rates(0.0, schedule(0.1));
        let mut w = vec![0.0f32; 6];
        let rows = SharedMatrix::new(&mut w, 3);
        // d = (1, 2, 2): mean square 9/3 = 3; acc = 1e-3 + 3.
        let r1 = step(&rates, &rows, 0, &[&[1.0, 2.0, 2.0]], &[1.0], 0.1);
        let acc1 = ADAGRAD_START + 3.0;
        assert!((r1 - 0.1 / acc1.sqrt()).abs() < TOL);
        close(&rows.row(0).to_vec(), &[r1, 2.0 * r1, 2.0 * r1]);
        // Two predictions in one step, each counted alone: (1²·3 + 2²·1)/3 = 7/3 more.
        let r2 = step(
            &rates,
            &rows,
            0,
            &[&[1.0, 1.0, 1.0], &[0.0, 1.0, 0.0]],
            &[1.0, 2.0],
            0.1,
        );
        let acc2 = acc1 + 7.0 / 3.0;
        assert!((r2 - 0.1 / acc2.sqrt()).abs() < TOL);
        close(
            &rows.row(0).to_vec(),
            &[r1 + r2, 2.0 * r1 + 3.0 * r2, 2.0 * r1 + r2],
        );
        // Row 1 was never touched: its first step is as large as row 0's was.
        assert!((step(&rates, &rows, 1, &[&[1.0, 2.0, 2.0]], &[1.0], 0.1) - r1).abs() < TOL);
    }

    #[test]
    fn rmsprop_follows_its_moving_average() {
        let rho = 0.9f32;
        let mut state = RowState::new(Rule::RmsProp { rho }, 1, 2, false);
        let rates = state.rates(0.0, schedule(0.01));
        let mut w = vec![0.5f32, -0.5];
        let rows = SharedMatrix::new(&mut w, 2);
        // Step 1: d = 2·(1, 1) = (2, 2), ḡ² = 4; ms = 0.1·4 = 0.4.
        step(&rates, &rows, 0, &[&[1.0, 1.0]], &[2.0], 0.01);
        let ms1 = 0.4f32;
        let s1 = 0.01 / (ms1.sqrt() + ADAPTIVE_EPS);
        let w1 = [0.5 + 2.0 * s1, -0.5 + 2.0 * s1];
        close(&rows.row(0).to_vec(), &w1);
        // Step 2: d = (0, 3), ḡ² = 4.5; ms = 0.9·0.4 + 0.1·4.5 = 0.81.
        step(&rates, &rows, 0, &[&[0.0, 3.0]], &[1.0], 0.01);
        let s2 = 0.01 / (0.81f32.sqrt() + ADAPTIVE_EPS);
        close(&rows.row(0).to_vec(), &[w1[0], w1[1] + 3.0 * s2]);
    }

    /// Two rows touched different numbers of times each get the bias correction of their
    /// own count.
    #[test]
    fn adam_corrects_bias_by_each_rows_own_step_count() {
        let (b1, b2) = (0.9f32, 0.999f32);
        let alpha = 0.01f32;
        let mut state = RowState::new(
            Rule::Adam {
                beta1: b1,
                beta2: b2,
            },
            2,
            2,
            false,
        );
        let rates = state.rates(0.0, schedule(alpha));
        let mut w = vec![0.0f32; 4];
        let rows = SharedMatrix::new(&mut w, 2);
        let d = [1.0f32, 3.0]; // ḡ² = 5
        step(&rates, &rows, 0, &[&d], &[1.0], alpha);
        step(&rates, &rows, 0, &[&d], &[1.0], alpha);
        step(&rates, &rows, 1, &[&d], &[1.0], alpha);
        // Row 0 after two steps of the same d: m = (1 - b1²)·d, v = (1 - b2²)·5, so
        // m̂ = d, v̂ = 5 at both steps: each step moves by alpha·d/√5.
        let per_step: Vec<f32> = d.iter().map(|x| alpha * x / (5f32.sqrt() + 1e-8)).collect();
        close(
            &rows.row(0).to_vec(),
            &[2.0 * per_step[0], 2.0 * per_step[1]],
        );
        // Row 1, touched once, corrected for t = 1 (not the 3 steps taken in all): the
        // same first step alpha·d/√5.
        close(&rows.row(1).to_vec(), &per_step);
        // The raw moments, by hand.
        let m0 = [(1.0 - b1) * b1 + (1.0 - b1), 0.0];
        let mom = state.moments.clone();
        assert!((mom[0] - m0[0] * d[0]).abs() < TOL && (mom[2] - (1.0 - b1) * d[0]).abs() < TOL);
        let st = state.state.clone();
        assert!((st[0] - ((1.0 - b2) * b2 * 5.0 + (1.0 - b2) * 5.0)).abs() < TOL);
        assert_eq!((st[1], st[5]), (2.0, 1.0));
        assert!((st[2] - b1 * b1).abs() < TOL && (st[7] - b2).abs() < TOL);
        let _ = m0[1];
    }

    /// Adam's second step with a different direction, computed from the formulas.
    #[test]
    fn adam_second_step_matches_a_hand_computation() {
        let (b1, b2, alpha) = (0.9f32, 0.99f32, 0.1f32);
        let mut state = RowState::new(
            Rule::Adam {
                beta1: b1,
                beta2: b2,
            },
            1,
            2,
            false,
        );
        let rates = state.rates(0.0, schedule(alpha));
        let mut w = vec![1.0f32, 1.0];
        let rows = SharedMatrix::new(&mut w, 2);
        step(&rates, &rows, 0, &[&[2.0, 0.0]], &[1.0], alpha); // ḡ² = 2
        step(&rates, &rows, 0, &[&[0.0, 4.0]], &[0.5], alpha); // d = (0, 2), ḡ² = 2
        let w1 = [1.0 + alpha * 2.0 / (2f32.sqrt() + 1e-8), 1.0];
        let m = [b1 * (1.0 - b1) * 2.0, (1.0 - b1) * 2.0];
        let v = b2 * (1.0 - b2) * 2.0 + (1.0 - b2) * 2.0;
        let (c1, c2) = (1.0 - b1 * b1, 1.0 - b2 * b2);
        let rate = alpha / c1 / ((v / c2).sqrt() + 1e-8);
        close(
            &rows.row(0).to_vec(),
            &[w1[0] + rate * m[0], w1[1] + rate * m[1]],
        );
    }

    /// A row touched at steps 1 and 10 and brought up to date at the end equals the eager
    /// computation, which decays every row at every step.
    #[test]
    fn lazy_l2_matches_eager_decay() {
        let (alpha, lambda, steps) = (0.05f32, 0.5f32, 10u64);
        let d = [1.0f32, -2.0, 0.5];
        let rules = [
            Rule::Sgd,
            Rule::AdaGrad,
            Rule::RmsProp { rho: 0.9 },
            Rule::Adam {
                beta1: 0.9,
                beta2: 0.999,
            },
        ];
        for rule in rules {
            let mut eager_state = RowState::new(rule, 2, 3, false);
            let eager_rates = eager_state.rates(0.0, schedule(alpha));
            let mut eager = vec![0.3f32, -0.2, 0.1, 0.4, 0.4, -0.4];
            let mut state = RowState::new(rule, 2, 3, true);
            let rates = state.rates(lambda, schedule(alpha));
            let mut lazy = eager.clone();
            {
                let e = SharedMatrix::new(&mut eager, 3);
                let l = SharedMatrix::new(&mut lazy, 3);
                for t in 1..=steps {
                    for r in 0..2 {
                        scale(e.row_mut(r), 1.0 - alpha * lambda);
                    }
                    if t == 1 || t == steps {
                        step(&eager_rates, &e, 0, &[&d], &[1.0], alpha);
                        rates.touch(0, l.row_mut(0), t);
                        step(&rates, &l, 0, &[&d], &[1.0], alpha);
                    }
                }
            }
            rates
                .decay
                .as_ref()
                .unwrap()
                .catch_up_all(&mut lazy, 3, steps);
            close(&lazy, &eager);
            // Row 1, never touched, decayed by (1 - αλ)^10 all at once.
            assert!((lazy[3] - 0.4 * (1.0 - alpha * lambda).powi(10)).abs() < TOL);
        }
    }

    #[test]
    fn decay_follows_the_mean_rate_of_the_linear_schedule() {
        let last = [AtomicU64::new(0)];
        let schedule = Schedule {
            alpha0: 0.1,
            total_words: 999,
        };
        let decay = Decay {
            lambda: 0.01,
            schedule,
            last: &last,
        };
        // From 0 to 500 words α falls 0.1 → ~0.05: the eager product, word by word.
        let eager: f64 = (0..500)
            .map(|w| 1.0 - schedule.alpha(w) as f64 * 0.01)
            .product();
        assert!((decay.factor(0, 500) as f64 - eager).abs() < 1e-4 * eager);
        assert_eq!(decay.factor(7, 7), 1.0);
        assert_eq!(decay.factor(8, 7), 1.0);
    }
}
