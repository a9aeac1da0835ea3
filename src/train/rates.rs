//! Step sizes per parameter row: plain SGD, or AdaGrad with one accumulator per row.
//!
//! AdaGrad (Duchi et al., 2011) divides a row's step by the root of the squared gradients that
//! row has accumulated, so rows updated on almost every prediction (nodes near the root,
//! frequent words) take ever smaller steps while rows updated rarely (deep nodes, rare words)
//! keep large ones. One accumulator per row rather than per element keeps the memory at one
//! float per row and the cost at one dot product per update (the row's mean squared gradient
//! element); only the rows a step touches are read or written, so it stays sparse.

use crate::shared::SharedMatrix;

/// Where every accumulator starts. It bounds the first steps of a row by alpha / sqrt(START),
/// so a row's first update is not blown up by a near-zero denominator.
pub const ADAGRAD_START: f32 = 1e-3;

pub enum RowRates<'a> {
    Sgd,
    /// One column: each row's accumulated mean squared gradient element.
    AdaGrad(SharedMatrix<'a>),
}

impl RowRates<'_> {
    /// The step size for `row` at learning rate `alpha`; under AdaGrad this also adds the
    /// step's squared gradient (evaluated only then) to the row's accumulator.
    #[inline(always)]
    pub fn rate(&self, row: usize, alpha: f32, mean_sq_grad: impl FnOnce() -> f32) -> f32 {
        match self {
            RowRates::Sgd => alpha,
            RowRates::AdaGrad(acc) => {
                let (a, add) = (acc.row_mut(row), mean_sq_grad());
                let sum = a.get(0) + add;
                a.set(0, sum);
                alpha / sum.sqrt()
            }
        }
    }

    pub fn is_adaptive(&self) -> bool {
        matches!(self, RowRates::AdaGrad(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adagrad_steps_shrink_with_the_rows_own_history() {
        let mut acc = vec![ADAGRAD_START; 2];
        let rates = RowRates::AdaGrad(SharedMatrix::new(&mut acc, 1));
        let first = rates.rate(0, 0.1, || 1.0);
        assert!((first - 0.1 / (1.0 + ADAGRAD_START).sqrt()).abs() < 1e-7);
        let second = rates.rate(0, 0.1, || 3.0);
        assert!((second - 0.1 / (4.0 + ADAGRAD_START).sqrt()).abs() < 1e-7);
        // Row 1 was never touched: its first step is as large as row 0's was.
        assert!((rates.rate(1, 0.1, || 1.0) - first).abs() < 1e-7);
        assert_eq!(RowRates::Sgd.rate(0, 0.1, || unreachable!()), 0.1);
    }
}
