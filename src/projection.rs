//! Word vectors projected to two dimensions for a map (`w2v plot map`): principal component
//! analysis, deterministic, without a linear-algebra library.
//!
//! The covariance matrix is D x D (D = vector dimension, a few hundred at most); its top two
//! eigenvectors come from subspace iteration (power iteration on two vectors kept orthonormal),
//! then a 2 x 2 Rayleigh-Ritz step picks the axes inside the converged plane, so two nearly
//! equal eigenvalues still give the right plane quickly.
//!
//! No t-SNE: the maintained Rust implementation (the `bhtsne` crate) runs its gradient in
//! parallel with rayon and from a random start, so a map would not repeat run to run, and it
//! brings an FFT stack and its own RNG stack along; PCA is exact, repeatable and keeps the
//! large-scale distances that a map with equal axes shows.

use ndarray::{s, Array1, Array2, ArrayView2, Axis};

/// Points in the plane of the two principal components.
#[derive(Debug, Clone, PartialEq)]
pub struct Projection {
    /// One (PC1, PC2) pair per input row, in input order.
    pub points: Vec<[f64; 2]>,
    /// The share of the total variance along each component (0 when there is none).
    pub variance_share: [f64; 2],
}

/// Subspace iterations at most; each costs two D x D matrix-vector products (about 0.3 s for all
/// of them at D = 300). The plane converges at the rate of the third variance over the
/// second: real word vectors take tens of iterations; the cap binds only when the two are
/// nearly equal, and then no plane shows much more than another.
const MAX_ITERATIONS: usize = 1000;
/// Converged when the plane moves less than this (its dimension minus the sum of the squared
/// cosines of the angles between the old and the new plane).
const TOLERANCE: f64 = 1e-15;

/// Projects `vectors` (one row per point) onto their top two principal components. Each
/// component's sign is fixed so that its largest coordinate is positive, so the same input
/// always gives the same picture.
pub fn pca_2d(vectors: ArrayView2<'_, f32>) -> Projection {
    let (n, dim) = vectors.dim();
    let mut centred = vectors.mapv(f64::from);
    if n > 0 {
        let mean = centred.mean_axis(Axis(0)).expect("rows");
        centred -= &mean;
    }
    let covariance = centred.t().dot(&centred) / n.max(1) as f64;
    let total: f64 = covariance.diag().sum();
    let mut axes = Array2::<f64>::zeros((dim, 2));
    let mut variances = [0.0; 2];
    if total > 0.0 {
        let k = dim.min(2);
        let (plane_axes, plane_variances) = top_eigenvectors(&covariance, k);
        axes.slice_mut(s![.., ..k]).assign(&plane_axes);
        variances[..k].copy_from_slice(&plane_variances);
    }
    let coordinates = centred.dot(&axes);
    Projection {
        points: coordinates
            .rows()
            .into_iter()
            .map(|r| [r[0], r[1]])
            .collect(),
        variance_share: variances.map(|v| if total > 0.0 { v / total } else { 0.0 }),
    }
}

/// The `k` (1 or 2) leading eigenvectors (as columns) and eigenvalues of the symmetric
/// matrix `m`, largest first; a direction with no variance comes out as a zero column.
fn top_eigenvectors(m: &Array2<f64>, k: usize) -> (Array2<f64>, Vec<f64>) {
    let dim = m.nrows();
    // A fixed start that no realistic eigenvector is orthogonal to: uneven, non-repeating
    // coordinates (quasi-random, from the golden ratio's fractional multiples).
    let mut q = Array2::from_shape_fn((dim, k), |(i, j)| {
        let t = ((i * k + j + 1) as f64 * 0.618_033_988_749_894_9).fract();
        t - 0.5
    });
    orthonormalize(&mut q);
    for _ in 0..MAX_ITERATIONS {
        let mut next = m.dot(&q);
        orthonormalize(&mut next);
        // Each unit column of `next` lying in the old plane adds 1 to the squared overlap.
        let rank = next
            .columns()
            .into_iter()
            .filter(|c| c.iter().any(|v| *v != 0.0));
        let overlap = q.t().dot(&next);
        let moved = rank.count() as f64 - overlap.iter().map(|c| c * c).sum::<f64>();
        q = next;
        if moved < TOLERANCE {
            break;
        }
    }
    // Rayleigh-Ritz: the best axes inside the plane found.
    let h = q.t().dot(&m.dot(&q));
    let (rotation, values) = symmetric_eigen_small(&h);
    let mut axes = q.dot(&rotation);
    for mut axis in axes.columns_mut() {
        let largest =
            axis.iter().copied().fold(
                0.0f64,
                |best, v| if v.abs() > best.abs() { v } else { best },
            );
        if largest < 0.0 {
            axis.mapv_inplace(|v| -v);
        }
    }
    (axes, values.iter().map(|v| v.max(0.0)).collect())
}

/// Gram-Schmidt on the columns, in order; a column that depends on the earlier ones (no
/// variance left in any new direction) becomes zero.
fn orthonormalize(q: &mut Array2<f64>) {
    for j in 0..q.ncols() {
        let mut column: Array1<f64> = q.column(j).to_owned();
        let scale = column.dot(&column).sqrt();
        for i in 0..j {
            let earlier = q.column(i);
            let along = earlier.dot(&column);
            column.scaled_add(-along, &earlier);
        }
        let norm = column.dot(&column).sqrt();
        if norm > 1e-12 * scale && norm > 0.0 {
            column /= norm;
        } else {
            column.fill(0.0);
        }
        q.column_mut(j).assign(&column);
    }
}

/// Eigenvectors (columns) and eigenvalues, largest first, of a symmetric 1 x 1 or 2 x 2
/// matrix, in closed form.
fn symmetric_eigen_small(h: &Array2<f64>) -> (Array2<f64>, Vec<f64>) {
    if h.nrows() == 1 {
        return (Array2::ones((1, 1)), vec![h[[0, 0]]]);
    }
    let (a, b, c) = (h[[0, 0]], 0.5 * (h[[0, 1]] + h[[1, 0]]), h[[1, 1]]);
    let mid = 0.5 * (a + c);
    let radius = (0.25 * (a - c) * (a - c) + b * b).sqrt();
    let (l1, l2) = (mid + radius, mid - radius);
    // The angle of the first eigenvector; exact also when b = 0.
    let theta = 0.5 * (2.0 * b).atan2(a - c);
    let (sin, cos) = theta.sin_cos();
    let vectors = Array2::from_shape_vec((2, 2), vec![cos, -sin, sin, cos]).expect("2 x 2");
    (vectors, vec![l1, l2])
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    /// Points a_i * u + b_i * w + offset in 6-D, with u, w orthonormal and a, b centred and
    /// uncorrelated, var(a) > var(b): the components are exactly u and w.
    fn plane_points() -> (Array2<f32>, Vec<(f64, f64)>) {
        let u = [0.6, 0.0, 0.8, 0.0, 0.0, 0.0];
        let w = [0.0, 0.0, 0.0, 0.0, 0.6, -0.8];
        let offset = [1.0, -2.0, 0.5, 3.0, 0.0, 1.0];
        // a = ±3, ±1; b = ±1 with a·b = 0.
        let ab = vec![(3.0, 1.0), (-3.0, 1.0), (1.0, -1.0), (-1.0, -1.0)];
        let rows = Array2::from_shape_fn((ab.len(), 6), |(r, d)| {
            (ab[r].0 * u[d] + ab[r].1 * w[d] + offset[d]) as f32
        });
        (rows, ab)
    }

    #[test]
    fn recovers_the_axes_and_variance_of_points_in_a_plane() {
        let (rows, ab) = plane_points();
        let p = pca_2d(rows.view());
        // var(a) = 5, var(b) = 1.
        assert!((p.variance_share[0] - 5.0 / 6.0).abs() < 1e-6, "{p:?}");
        assert!((p.variance_share[1] - 1.0 / 6.0).abs() < 1e-6, "{p:?}");
        for (point, (a, b)) in p.points.iter().zip(&ab) {
            // Up to each component's sign: u's largest coordinate is positive (0.8), w's is
            // -0.8, so the second axis is -w.
            assert!((point[0] - a).abs() < 1e-5, "{point:?} vs {a}");
            assert!((point[1] + b).abs() < 1e-5, "{point:?} vs {b}");
        }
    }

    #[test]
    fn equal_variances_still_span_the_plane_and_runs_repeat_bit_for_bit() {
        // A square: both directions have the same variance, so power iteration alone would
        // not settle on axes; the plane is what matters.
        let rows = Array2::from_shape_vec(
            (4, 3),
            vec![1., 0., 5., -1., 0., 5., 0., 1., 5., 0., -1., 5.],
        )
        .unwrap();
        let p = pca_2d(rows.view());
        assert!((p.variance_share[0] - 0.5).abs() < 1e-9, "{p:?}");
        assert!((p.variance_share[1] - 0.5).abs() < 1e-9, "{p:?}");
        for point in &p.points {
            let radius = point[0].hypot(point[1]);
            assert!((radius - 1.0).abs() < 1e-9, "{point:?}");
        }
        assert_eq!(pca_2d(rows.view()), p);
    }

    #[test]
    fn degenerate_inputs_give_finite_points() {
        let same = Array2::from_elem((3, 4), 2.0f32);
        let p = pca_2d(same.view());
        assert_eq!(p.points, vec![[0.0, 0.0]; 3]);
        assert_eq!(p.variance_share, [0.0, 0.0]);
        // All points on one line: the second component has nothing.
        let line = Array2::from_shape_fn((5, 3), |(r, d)| (r as f32) * [1.0, 2.0, 2.0][d]);
        let p = pca_2d(line.view());
        assert!((p.variance_share[0] - 1.0).abs() < 1e-9, "{p:?}");
        assert!(p.points.iter().all(|q| q[1].abs() < 1e-9), "{p:?}");
        assert!(
            ((p.points[4][0] - p.points[0][0]).abs() - 12.0).abs() < 1e-9,
            "{p:?}"
        );
        // One dimension, one point, no points.
        let one_d = Array2::from_shape_vec((3, 1), vec![1.0f32, 2.0, 6.0]).unwrap();
        let p = pca_2d(one_d.view());
        assert_eq!(p.points.iter().map(|q| q[1]).sum::<f64>(), 0.0);
        assert!((p.points[2][0] - 3.0).abs() < 1e-9, "{p:?}");
        assert_eq!(
            pca_2d(Array2::<f32>::zeros((1, 5)).view()).points,
            [[0.0; 2]]
        );
        assert!(pca_2d(Array2::<f32>::zeros((0, 5)).view())
            .points
            .is_empty());
    }
}
