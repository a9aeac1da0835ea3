//! The vector kernels of the training hot path: dot product and y += a·x.
//!
//! Three implementations behind one trait, chosen once per training run: portable code written
//! so that LLVM vectorises it (eight independent partial sums, since float addition is not
//! reassociated otherwise), and AVX2+FMA or AVX-512 intrinsics selected at run time. The
//! training loop is generic over the kernel, so each copy is compiled with its kernel inlined.
//! `W2V_KERNEL=portable|avx2|avx512` caps the choice, for comparisons.

use crate::shared::{Row, RowMut};

/// The kernel a training run uses, holding its token (see [`Avx2Fma`]).
#[derive(Debug, Clone, Copy)]
pub enum KernelChoice {
    Portable(Portable),
    #[cfg(target_arch = "x86_64")]
    Avx2Fma(Avx2Fma),
    #[cfg(target_arch = "x86_64")]
    Avx512(Avx512),
}

/// The widest kernel `W2V_KERNEL` allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Cap {
    Portable,
    Avx2,
    Avx512,
}

impl KernelChoice {
    /// The widest kernel this CPU runs, capped by `W2V_KERNEL` when set (the older
    /// `W2V_PORTABLE_KERNEL` still forces the portable one).
    pub fn detect() -> KernelChoice {
        let cap = if std::env::var_os("W2V_PORTABLE_KERNEL").is_some() {
            Cap::Portable
        } else {
            match std::env::var("W2V_KERNEL").as_deref() {
                Ok("portable") => Cap::Portable,
                Ok("avx2") => Cap::Avx2,
                _ => Cap::Avx512,
            }
        };
        Self::widest(cap)
    }

    #[cfg_attr(not(target_arch = "x86_64"), allow(unused_variables))]
    fn widest(cap: Cap) -> KernelChoice {
        #[cfg(target_arch = "x86_64")]
        {
            if let Some(k) = Avx512::detect().filter(|_| cap >= Cap::Avx512) {
                return KernelChoice::Avx512(k);
            }
            if let Some(k) = Avx2Fma::detect().filter(|_| cap >= Cap::Avx2) {
                return KernelChoice::Avx2Fma(k);
            }
        }
        KernelChoice::Portable(Portable)
    }
}

/// Dot product and axpy over equal-length rows.
///
/// Methods take the kernel by value: for the SIMD kernels that value is the proof, made by
/// run-time detection, that the CPU has the instructions they execute. Operands are row
/// handles, not slices, because most are rows other threads write meanwhile (see `shared`);
/// every method checks the lengths it relies on.
pub trait Kernel: Copy + Send + Sync + 'static {
    fn dot(self, a: Row<'_>, b: Row<'_>) -> f32;
    /// `y += alpha * x`
    fn axpy(self, alpha: f32, x: Row<'_>, y: RowMut<'_>);

    /// `out[j] = row · vectors[j]`, reading `row` once for several vectors.
    #[inline(always)]
    fn dot_many(self, row: Row<'_>, vectors: &[Row<'_>], out: &mut [f32]) {
        for (&v, o) in vectors.iter().zip(out) {
            *o = self.dot(row, v);
        }
    }

    /// In one pass: `grads[j] += g[j] * row` with the row as it was, then
    /// `row += rate · Σ g[j] * vectors[j]`. `grads` holds one row per vector. The input side
    /// gets the raw gradient and the row its own step size, so an optimizer can scale each
    /// parameter row separately.
    #[inline(always)]
    fn update_many(
        self,
        row: RowMut<'_>,
        vectors: &[Row<'_>],
        rate: f32,
        g: &[f32],
        grads: &mut [f32],
    ) {
        for (grad, &gj) in grads.chunks_exact_mut(row.len()).zip(g) {
            self.axpy(gj, row.as_row(), grad.into());
        }
        for (&v, &gj) in vectors.iter().zip(g) {
            self.axpy(rate * gj, v, row);
        }
    }
}

/// Plain Rust, for any CPU.
#[derive(Clone, Copy, Debug)]
pub struct Portable;

impl Kernel for Portable {
    #[inline(always)]
    fn dot(self, a: Row<'_>, b: Row<'_>) -> f32 {
        assert_eq!(a.len(), b.len());
        let n = a.len();
        let (pa, pb) = (a.as_ptr(), b.as_ptr());
        let mut acc = [0f32; 8];
        let mut i = 0;
        // SAFETY: every read is of an element below `n` (the loop bounds), and both rows are
        // valid for `n` reads (`Row`'s invariant; lengths checked above).
        unsafe {
            for _ in 0..n / 8 {
                for (l, lane) in acc.iter_mut().enumerate() {
                    *lane += *pa.add(i + l) * *pb.add(i + l);
                }
                i += 8;
            }
            let mut sum =
                ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
            while i < n {
                sum += *pa.add(i) * *pb.add(i);
                i += 1;
            }
            sum
        }
    }

    #[inline(always)]
    fn axpy(self, alpha: f32, x: Row<'_>, y: RowMut<'_>) {
        assert_eq!(x.len(), y.len());
        let (px, py) = (x.as_ptr(), y.as_mut_ptr());
        for i in 0..x.len() {
            // SAFETY: `i` is below the length of both; `x` is valid for that many reads and
            // `y` for reads and writes (the handles' invariants; lengths checked above).
            unsafe { *py.add(i) += alpha * *px.add(i) };
        }
    }
}

/// AVX2 with fused multiply-add. A token: the private field means only [`Avx2Fma::detect`]
/// makes one, so a value of this type proves the CPU runs these instructions, and its safe
/// methods cannot execute them on a CPU that lacks them.
#[cfg(target_arch = "x86_64")]
#[derive(Clone, Copy, Debug)]
pub struct Avx2Fma {
    _detected: (),
}

#[cfg(target_arch = "x86_64")]
impl Avx2Fma {
    /// The token, if this CPU has AVX2 and FMA.
    pub fn detect() -> Option<Avx2Fma> {
        (is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma"))
            .then_some(Avx2Fma { _detected: () })
    }
}

/// `dot_many` four vectors at a time with `dot4`, the rest one by one.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn dot_many_by_fours<K: Kernel>(
    k: K,
    row: Row<'_>,
    vectors: &[Row<'_>],
    out: &mut [f32],
    dot4: impl Fn(Row<'_>, [Row<'_>; 4]) -> [f32; 4],
) {
    assert!(out.len() >= vectors.len());
    let mut j = 0;
    while j + 4 <= vectors.len() {
        let quad = [vectors[j], vectors[j + 1], vectors[j + 2], vectors[j + 3]];
        out[j..j + 4].copy_from_slice(&dot4(row, quad));
        j += 4;
    }
    for i in j..vectors.len() {
        out[i] = k.dot(row, vectors[i]);
    }
}

/// The lengths the intrinsic `update_many` kernels rely on. The product is checked: handles
/// may alias, so `vectors.len() * dim` is not bounded by any allocation's size.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn check_many_lengths(row: RowMut<'_>, vectors: &[Row<'_>], g: &[f32], grads: &[f32]) {
    let dim = row.len();
    assert!(g.len() >= vectors.len() && vectors.len().checked_mul(dim) == Some(grads.len()));
    assert!(vectors.iter().all(|v| v.len() == dim));
}

#[cfg(target_arch = "x86_64")]
impl Kernel for Avx2Fma {
    #[inline(always)]
    fn dot(self, a: Row<'_>, b: Row<'_>) -> f32 {
        // SAFETY: `avx2::dot` needs AVX2 and FMA; `self` exists, so the CPU has them.
        unsafe { avx2::dot(a, b) }
    }

    #[inline(always)]
    fn axpy(self, alpha: f32, x: Row<'_>, y: RowMut<'_>) {
        // SAFETY: `avx2::axpy` needs AVX2 and FMA; `self` exists, so the CPU has them.
        unsafe { avx2::axpy(alpha, x, y) }
    }

    #[inline(always)]
    fn dot_many(self, row: Row<'_>, vectors: &[Row<'_>], out: &mut [f32]) {
        dot_many_by_fours(self, row, vectors, out, |r, quad| {
            // SAFETY: `avx2::dot4` needs AVX2 and FMA; `self` exists, so the CPU has them.
            unsafe { avx2::dot4(r, quad) }
        });
    }

    #[inline(always)]
    fn update_many(
        self,
        row: RowMut<'_>,
        vectors: &[Row<'_>],
        rate: f32,
        g: &[f32],
        grads: &mut [f32],
    ) {
        // SAFETY: `avx2::update_many` needs AVX2 and FMA; `self` exists, so the CPU has them.
        unsafe { avx2::update_many(row, vectors, rate, g, grads) }
    }
}

/// AVX-512 (F) where one row meets several vectors (skip-gram groups): 16 lanes, masked loads
/// and stores for the tail, so a 100-wide row is seven operations with no scalar remainder.
/// Single-vector operations use the AVX2 code. A token like [`Avx2Fma`]: only
/// [`Avx512::detect`] makes one.
#[cfg(target_arch = "x86_64")]
#[derive(Clone, Copy, Debug)]
pub struct Avx512 {
    _detected: (),
}

#[cfg(target_arch = "x86_64")]
impl Avx512 {
    /// The token, if this CPU has AVX-512F, AVX2 and FMA.
    pub fn detect() -> Option<Avx512> {
        (is_x86_feature_detected!("avx512f")
            && is_x86_feature_detected!("avx2")
            && is_x86_feature_detected!("fma"))
        .then_some(Avx512 { _detected: () })
    }

    /// The AVX2+FMA token: `detect` checked those features too.
    #[inline(always)]
    fn avx2(self) -> Avx2Fma {
        Avx2Fma { _detected: () }
    }
}

#[cfg(target_arch = "x86_64")]
impl Kernel for Avx512 {
    /// One pair of vectors: the AVX2 kernel. Measured on CBOW (one vector per node), a 512-bit
    /// version with its masked tail and wider reduction was 8 % slower.
    #[inline(always)]
    fn dot(self, a: Row<'_>, b: Row<'_>) -> f32 {
        self.avx2().dot(a, b)
    }

    #[inline(always)]
    fn axpy(self, alpha: f32, x: Row<'_>, y: RowMut<'_>) {
        self.avx2().axpy(alpha, x, y)
    }

    #[inline(always)]
    fn dot_many(self, row: Row<'_>, vectors: &[Row<'_>], out: &mut [f32]) {
        dot_many_by_fours(self, row, vectors, out, |r, quad| {
            // SAFETY: `avx512::dot4` needs AVX-512F; `self` exists, so the CPU has it.
            unsafe { avx512::dot4(r, quad) }
        });
    }

    #[inline(always)]
    fn update_many(
        self,
        row: RowMut<'_>,
        vectors: &[Row<'_>],
        rate: f32,
        g: &[f32],
        grads: &mut [f32],
    ) {
        if vectors.len() > 1 {
            // SAFETY: `avx512::update_many` needs AVX-512F; `self` exists, so the CPU has it.
            unsafe { avx512::update_many(row, vectors, rate, g, grads) }
        } else {
            self.avx2().update_many(row, vectors, rate, g, grads)
        }
    }
}

/// The AVX-512 kernels. Safe functions that need the CPU feature: a caller without it enabled
/// must use `unsafe` and show the CPU has it; they check every length they rely on.
#[cfg(target_arch = "x86_64")]
mod avx512 {
    use super::check_many_lengths;
    use crate::shared::{Row, RowMut};
    use std::arch::x86_64::*;

    /// Lanes `i..n` of a 16-lane block starting at `i`, all 16 when at least 16 are left.
    #[inline(always)]
    fn lanes(i: usize, n: usize) -> __mmask16 {
        let left = n - i;
        if left >= 16 {
            0xFFFF
        } else {
            ((1u32 << left) - 1) as __mmask16
        }
    }

    /// Four dot products against one row; panics unless all lengths are equal.
    #[inline]
    #[target_feature(enable = "avx512f")]
    pub fn dot4(row: Row<'_>, v: [Row<'_>; 4]) -> [f32; 4] {
        let n = row.len();
        assert!(v.iter().all(|x| x.len() == n));
        let pr = row.as_ptr();
        let p = [v[0].as_ptr(), v[1].as_ptr(), v[2].as_ptr(), v[3].as_ptr()];
        let mut acc = [_mm512_setzero_ps(); 4];
        let mut i = 0;
        for _ in 0..n.div_ceil(16) {
            let m = lanes(i, n);
            // SAFETY: the masked loads touch lanes `i..n` only, and the five rows are each
            // valid for `n` reads (`Row`'s invariant; lengths checked above).
            unsafe {
                let r = _mm512_maskz_loadu_ps(m, pr.add(i));
                for k in 0..4 {
                    acc[k] = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, p[k].add(i)), r, acc[k]);
                }
            }
            i += 16;
        }
        [
            _mm512_reduce_add_ps(acc[0]),
            _mm512_reduce_add_ps(acc[1]),
            _mm512_reduce_add_ps(acc[2]),
            _mm512_reduce_add_ps(acc[3]),
        ]
    }

    /// See `Kernel::update_many`; panics unless the lengths fit.
    #[inline]
    #[target_feature(enable = "avx512f")]
    pub fn update_many(
        row: RowMut<'_>,
        vectors: &[Row<'_>],
        rate: f32,
        g: &[f32],
        grads: &mut [f32],
    ) {
        check_many_lengths(row, vectors, g, grads);
        let n = row.len();
        let pr = row.as_mut_ptr();
        let pg = grads.as_mut_ptr();
        let step = _mm512_set1_ps(rate);
        let mut i = 0;
        for _ in 0..n.div_ceil(16) {
            let m = lanes(i, n);
            // SAFETY: the masked loads and stores touch lanes `i..n` of `row`, of each vector
            // and of each `n`-wide gradient row `j < vectors.len()` of `grads`, all checked to
            // be that long (`Row`'s invariant for the rows); `g` has an entry per vector.
            unsafe {
                let r = _mm512_maskz_loadu_ps(m, pr.add(i));
                let mut delta = _mm512_setzero_ps();
                for (j, v) in vectors.iter().enumerate() {
                    let gj = _mm512_set1_ps(*g.get_unchecked(j));
                    let pgj = pg.add(j * n + i);
                    let grad = _mm512_fmadd_ps(gj, r, _mm512_maskz_loadu_ps(m, pgj));
                    _mm512_mask_storeu_ps(pgj, m, grad);
                    delta = _mm512_fmadd_ps(gj, _mm512_maskz_loadu_ps(m, v.as_ptr().add(i)), delta);
                }
                _mm512_mask_storeu_ps(pr.add(i), m, _mm512_fmadd_ps(step, delta, r));
            }
            i += 16;
        }
    }
}

/// The AVX2+FMA kernels. Safe functions that need the CPU features: a caller without them
/// enabled must use `unsafe` and show the CPU has them; they check every length they rely on.
#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::check_many_lengths;
    use crate::shared::{Row, RowMut};
    use std::arch::x86_64::*;

    /// `a · b`; panics unless the lengths are equal.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    pub fn dot(a: Row<'_>, b: Row<'_>) -> f32 {
        assert_eq!(a.len(), b.len());
        let n = a.len();
        let (pa, pb) = (a.as_ptr(), b.as_ptr());
        // SAFETY: every load reads elements below `n` (the loop bounds), and both rows are
        // valid for `n` reads (`Row`'s invariant; lengths checked above).
        unsafe {
            let mut acc0 = _mm256_setzero_ps();
            let mut acc1 = _mm256_setzero_ps();
            let mut i = 0;
            for _ in 0..n / 16 {
                acc0 =
                    _mm256_fmadd_ps(_mm256_loadu_ps(pa.add(i)), _mm256_loadu_ps(pb.add(i)), acc0);
                acc1 = _mm256_fmadd_ps(
                    _mm256_loadu_ps(pa.add(i + 8)),
                    _mm256_loadu_ps(pb.add(i + 8)),
                    acc1,
                );
                i += 16;
            }
            if i + 8 <= n {
                acc0 =
                    _mm256_fmadd_ps(_mm256_loadu_ps(pa.add(i)), _mm256_loadu_ps(pb.add(i)), acc0);
                i += 8;
            }
            let acc = _mm256_add_ps(acc0, acc1);
            let mut quad = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
            // A four-wide remainder (dim 100) joins the sum before the horizontal add, not
            // after it as a chain of scalar adds.
            if i + 4 <= n {
                quad = _mm_fmadd_ps(_mm_loadu_ps(pa.add(i)), _mm_loadu_ps(pb.add(i)), quad);
                i += 4;
            }
            let pair = _mm_add_ps(quad, _mm_movehl_ps(quad, quad));
            let single = _mm_add_ss(pair, _mm_shuffle_ps(pair, pair, 1));
            let mut sum = _mm_cvtss_f32(single);
            while i < n {
                sum += *pa.add(i) * *pb.add(i);
                i += 1;
            }
            sum
        }
    }

    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn hsum(v: __m256) -> f32 {
        let quad = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
        let pair = _mm_add_ps(quad, _mm_movehl_ps(quad, quad));
        _mm_cvtss_f32(_mm_add_ss(pair, _mm_shuffle_ps(pair, pair, 1)))
    }

    /// Four dot products against one row; panics unless all lengths are equal.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    pub fn dot4(row: Row<'_>, v: [Row<'_>; 4]) -> [f32; 4] {
        let n = row.len();
        assert!(v.iter().all(|x| x.len() == n));
        let pr = row.as_ptr();
        let p = [v[0].as_ptr(), v[1].as_ptr(), v[2].as_ptr(), v[3].as_ptr()];
        // SAFETY: every load reads elements below `n` (the loop bounds), and the five rows are
        // each valid for `n` reads (`Row`'s invariant; lengths checked above).
        unsafe {
            let mut acc = [_mm256_setzero_ps(); 4];
            let mut i = 0;
            for _ in 0..n / 8 {
                let r = _mm256_loadu_ps(pr.add(i));
                for k in 0..4 {
                    acc[k] = _mm256_fmadd_ps(_mm256_loadu_ps(p[k].add(i)), r, acc[k]);
                }
                i += 8;
            }
            if i + 4 <= n {
                // Zero-extended, so the upper lanes add nothing.
                let r = _mm256_zextps128_ps256(_mm_loadu_ps(pr.add(i)));
                for k in 0..4 {
                    let x = _mm256_zextps128_ps256(_mm_loadu_ps(p[k].add(i)));
                    acc[k] = _mm256_fmadd_ps(x, r, acc[k]);
                }
                i += 4;
            }
            let mut out = [hsum(acc[0]), hsum(acc[1]), hsum(acc[2]), hsum(acc[3])];
            while i < n {
                for k in 0..4 {
                    out[k] += *pr.add(i) * *p[k].add(i);
                }
                i += 1;
            }
            out
        }
    }

    /// See `Kernel::update_many`; panics unless the lengths fit.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    pub fn update_many(
        row: RowMut<'_>,
        vectors: &[Row<'_>],
        rate: f32,
        g: &[f32],
        grads: &mut [f32],
    ) {
        check_many_lengths(row, vectors, g, grads);
        let n = row.len();
        let pr = row.as_mut_ptr();
        let pg = grads.as_mut_ptr();
        // SAFETY: every load and store touches elements below `n` (the loop bounds) of `row`,
        // of each vector and of each `n`-wide gradient row `j < vectors.len()` of `grads`, all
        // checked to be that long (`Row`'s invariant for the rows); `g` has an entry per
        // vector.
        unsafe {
            let step = _mm256_set1_ps(rate);
            let mut i = 0;
            while i + 8 <= n {
                let r = _mm256_loadu_ps(pr.add(i));
                let mut delta = _mm256_setzero_ps();
                for (j, v) in vectors.iter().enumerate() {
                    let gj = _mm256_set1_ps(*g.get_unchecked(j));
                    let pgj = pg.add(j * n + i);
                    _mm256_storeu_ps(pgj, _mm256_fmadd_ps(gj, r, _mm256_loadu_ps(pgj)));
                    delta = _mm256_fmadd_ps(gj, _mm256_loadu_ps(v.as_ptr().add(i)), delta);
                }
                _mm256_storeu_ps(pr.add(i), _mm256_fmadd_ps(step, delta, r));
                i += 8;
            }
            if i + 4 <= n {
                let r = _mm_loadu_ps(pr.add(i));
                let mut delta = _mm_setzero_ps();
                for (j, v) in vectors.iter().enumerate() {
                    let gj = _mm_set1_ps(*g.get_unchecked(j));
                    let pgj = pg.add(j * n + i);
                    _mm_storeu_ps(pgj, _mm_fmadd_ps(gj, r, _mm_loadu_ps(pgj)));
                    delta = _mm_fmadd_ps(gj, _mm_loadu_ps(v.as_ptr().add(i)), delta);
                }
                _mm_storeu_ps(pr.add(i), _mm_fmadd_ps(_mm_set1_ps(rate), delta, r));
                i += 4;
            }
            while i < n {
                let r = *pr.add(i);
                let mut delta = 0.0;
                for (j, v) in vectors.iter().enumerate() {
                    let gj = *g.get_unchecked(j);
                    *pg.add(j * n + i) += gj * r;
                    delta += gj * *v.as_ptr().add(i);
                }
                *pr.add(i) = r + rate * delta;
                i += 1;
            }
        }
    }

    /// `y += alpha * x`; panics unless the lengths are equal.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    pub fn axpy(alpha: f32, x: Row<'_>, y: RowMut<'_>) {
        assert_eq!(x.len(), y.len());
        let n = x.len();
        let (px, py) = (x.as_ptr(), y.as_mut_ptr());
        // SAFETY: every load and store touches elements below `n` (the loop bounds); `x` is
        // valid for `n` reads and `y` for `n` reads and writes (the handles' invariants;
        // lengths checked above).
        unsafe {
            let a = _mm256_set1_ps(alpha);
            let mut i = 0;
            for _ in 0..n / 8 {
                let v = _mm256_fmadd_ps(a, _mm256_loadu_ps(px.add(i)), _mm256_loadu_ps(py.add(i)));
                _mm256_storeu_ps(py.add(i), v);
                i += 8;
            }
            if i + 4 <= n {
                let v = _mm_fmadd_ps(
                    _mm_set1_ps(alpha),
                    _mm_loadu_ps(px.add(i)),
                    _mm_loadu_ps(py.add(i)),
                );
                _mm_storeu_ps(py.add(i), v);
                i += 4;
            }
            while i < n {
                *py.add(i) += alpha * *px.add(i);
                i += 1;
            }
        }
    }
}

/// Precomputed logistic function on [-MAX_EXP, MAX_EXP], as word2vec does, plus its log for the
/// loss. Outside that range hierarchical softmax skips the update and negative sampling treats
/// the sigmoid as 0 or 1.
pub struct SigmoidTable {
    sigmoid: Vec<f32>,
    log_sigmoid: Vec<f32>,
    scale: f32,
}

pub const MAX_EXP: f32 = 6.0;
const TABLE_SIZE: usize = 2048;

impl Default for SigmoidTable {
    fn default() -> Self {
        let mut sigmoid = Vec::with_capacity(TABLE_SIZE + 1);
        let mut log_sigmoid = Vec::with_capacity(TABLE_SIZE + 1);
        for i in 0..=TABLE_SIZE {
            let x = (i as f64 / TABLE_SIZE as f64 * 2.0 - 1.0) * MAX_EXP as f64;
            let s = 1.0 / (1.0 + (-x).exp());
            sigmoid.push(s as f32);
            log_sigmoid.push(s.ln() as f32);
        }
        SigmoidTable {
            sigmoid,
            log_sigmoid,
            scale: TABLE_SIZE as f32 / (2.0 * MAX_EXP),
        }
    }
}

impl SigmoidTable {
    #[inline(always)]
    fn index(&self, x: f32) -> usize {
        // Rounded to nearest; callers guarantee |x| < MAX_EXP.
        ((x + MAX_EXP) * self.scale + 0.5) as usize
    }

    /// σ(x) for |x| < MAX_EXP.
    #[inline(always)]
    pub fn sigmoid(&self, x: f32) -> f32 {
        self.sigmoid[self.index(x)]
    }

    /// σ(x) and ln σ(x) from one table index, for |x| < MAX_EXP.
    #[inline(always)]
    pub fn sigmoid_and_log(&self, x: f32) -> (f32, f32) {
        let i = self.index(x);
        (self.sigmoid[i], self.log_sigmoid[i])
    }

    /// ln σ(x) for any x: the table inside the range, the exact asymptote outside it.
    #[inline(always)]
    pub fn log_sigmoid(&self, x: f32) -> f32 {
        if x <= -MAX_EXP {
            x - x.exp().ln_1p()
        } else if x >= MAX_EXP {
            -(-x).exp().ln_1p()
        } else {
            self.log_sigmoid[self.index(x)]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    fn naive_dot(a: &[f32], b: &[f32]) -> f64 {
        a.iter().zip(b).map(|(x, y)| *x as f64 * *y as f64).sum()
    }

    fn check_kernel<K: Kernel>(k: K) {
        let mut rng = rand::rngs::SmallRng::seed_from_u64(3);
        for n in [0usize, 1, 7, 8, 9, 15, 16, 17, 100, 300] {
            let a: Vec<f32> = (0..n).map(|_| rng.random_range(-1.0..1.0)).collect();
            let b: Vec<f32> = (0..n).map(|_| rng.random_range(-1.0..1.0)).collect();
            assert!(
                (k.dot(Row::from(&a), Row::from(&b)) as f64 - naive_dot(&a, &b)).abs() < 1e-4,
                "n={n}"
            );
            let mut y = b.clone();
            k.axpy(0.5, Row::from(&a), RowMut::from(&mut y[..]));
            for i in 0..n {
                assert!((y[i] - (b[i] + 0.5 * a[i])).abs() < 1e-6);
            }
        }
    }

    fn check_many<K: Kernel>(k: K) {
        let mut rng = rand::rngs::SmallRng::seed_from_u64(8);
        for (dim, m) in [(100usize, 16usize), (7, 5), (8, 4), (33, 1), (100, 0)] {
            let mut rand_vec =
                |n: usize| -> Vec<f32> { (0..n).map(|_| rng.random_range(-1.0..1.0)).collect() };
            let row = rand_vec(dim);
            let vs: Vec<Vec<f32>> = (0..m).map(|_| rand_vec(dim)).collect();
            let refs: Vec<Row> = vs.iter().map(Row::from).collect();
            let g = rand_vec(m);
            let grads = rand_vec(m * dim);
            let mut dots = vec![0f32; m];
            k.dot_many(Row::from(&row), &refs, &mut dots);
            for j in 0..m {
                assert!((dots[j] as f64 - naive_dot(&row, &vs[j])).abs() < 1e-4);
            }
            let (mut row2, mut grads2) = (row.clone(), grads.clone());
            let rate = 0.75;
            k.update_many(RowMut::from(&mut row2[..]), &refs, rate, &g, &mut grads2);
            for i in 0..dim {
                let expected: f32 = row[i] + rate * (0..m).map(|j| g[j] * vs[j][i]).sum::<f32>();
                assert!((row2[i] - expected).abs() < 1e-5);
                for j in 0..m {
                    assert!(
                        (grads2[j * dim + i] - (grads[j * dim + i] + g[j] * row[i])).abs() < 1e-5
                    );
                }
            }
        }
    }

    /// The token, or None after saying on stderr that the test skips this kernel.
    #[cfg(target_arch = "x86_64")]
    fn or_skip<K>(token: Option<K>, missing: &[(&str, bool)]) -> Option<K> {
        if token.is_none() {
            let lacks: Vec<&str> = missing.iter().filter(|f| !f.1).map(|f| f.0).collect();
            eprintln!("skipped: CPU lacks {}", lacks.join(", "));
        }
        token
    }

    #[cfg(target_arch = "x86_64")]
    fn avx2_or_skip() -> Option<Avx2Fma> {
        let features = [
            ("avx2", is_x86_feature_detected!("avx2")),
            ("fma", is_x86_feature_detected!("fma")),
        ];
        or_skip(Avx2Fma::detect(), &features)
    }

    #[cfg(target_arch = "x86_64")]
    fn avx512_or_skip() -> Option<Avx512> {
        let features = [
            ("avx512f", is_x86_feature_detected!("avx512f")),
            ("avx2", is_x86_feature_detected!("avx2")),
            ("fma", is_x86_feature_detected!("fma")),
        ];
        or_skip(Avx512::detect(), &features)
    }

    #[test]
    fn many_kernels_match_naive() {
        check_many(Portable);
        #[cfg(target_arch = "x86_64")]
        if let Some(k) = avx2_or_skip() {
            check_many(k);
        }
        #[cfg(target_arch = "x86_64")]
        if let Some(k) = avx512_or_skip() {
            check_many(k);
        }
    }

    #[test]
    fn portable_kernel_matches_naive() {
        check_kernel(Portable);
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn avx2_kernel_matches_naive() {
        if let Some(k) = avx2_or_skip() {
            check_kernel(k);
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn avx512_kernel_matches_naive() {
        if let Some(k) = avx512_or_skip() {
            check_kernel(k);
        }
    }

    /// `W2V_KERNEL` caps the choice: the portable cap always gives the portable kernel, the
    /// AVX2 cap never AVX-512.
    #[test]
    fn the_cap_limits_the_kernel() {
        assert!(matches!(
            KernelChoice::widest(Cap::Portable),
            KernelChoice::Portable(_)
        ));
        #[cfg(target_arch = "x86_64")]
        assert!(!matches!(
            KernelChoice::widest(Cap::Avx2),
            KernelChoice::Avx512(_)
        ));
    }

    #[test]
    fn sigmoid_table_is_close_to_exact() {
        let t = SigmoidTable::default();
        let mut x = -5.999f32;
        while x < 6.0 {
            let exact = 1.0 / (1.0 + (-x as f64).exp());
            assert!((t.sigmoid(x) as f64 - exact).abs() < 2e-3, "x={x}");
            assert!((t.log_sigmoid(x) as f64 - exact.ln()).abs() < 1e-2, "x={x}");
            x += 0.01;
        }
        for x in [-30.0f32, -6.0, 6.0, 30.0] {
            let exact = -((-x as f64).exp()).ln_1p();
            assert!((t.log_sigmoid(x) as f64 - exact).abs() < 1e-4, "x={x}");
        }
    }
}
