//! Micro-benchmarks of the training hot path, on divan.
//!
//! ```text
//! cargo bench --bench kernels                          # everything (a few seconds)
//! cargo bench --bench kernels -- hs_step ns_step       # names matching either pattern
//! cargo bench --bench kernels -- avx2                  # one kernel
//! cargo bench --bench kernels -- --sample-count 500    # steadier (default 100 samples)
//! ```
//!
//! Each benchmark runs with every kernel this CPU has: portable, and AVX2+FMA and AVX-512 where
//! detected (the others are listed on stderr as skipped). One iteration is one call: of a
//! kernel, a table lookup, a draw, or one output-layer step for a group of contexts. Kernel
//! calls run inside a function compiled with the kernel's CPU features, as the training worker
//! is, so the kernel inlines there; a call into that function is part of each iteration.
//!
//! Throughput columns count items: for `dot`, `axpy`, `dot_many` and `update_many` an item is
//! a floating-point operation (a multiply-add counts as two), so `Gitem/s` reads GFLOP/s; for
//! `hs_step` a node on the path times a context, for `ns_step` a scored word (the target or a
//! negative) times a context; for the table and the sampler, a lookup or a draw.
//!
//! Without `--bench` (as `cargo test --benches` runs it) divan runs every benchmark once: a
//! smoke test, no timings. Everything goes through the library's public API.

#![deny(clippy::undocumented_unsafe_blocks)]

use std::fmt;
use std::sync::{Once, OnceLock};

use divan::counter::ItemsCount;
use divan::{black_box, Bencher};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
#[cfg(target_arch = "x86_64")]
use w2v::internals::{
    AliasSampler, Avx2Fma, Avx512, HierarchicalSoftmax, Kernel, KernelChoice, Local,
    NegativeSampling, OutputLayer, Portable, Row, RowMut, Sgd, SharedMatrix, SigmoidTable,
};
use w2v::tree::Tree;

fn main() {
    divan::main();
}

const DIMS: [usize; 2] = [100, 300];
/// Vectors per `dot_many` / `update_many` call: the mean skip-gram group with window 5 (the
/// reach is uniform in 1..=5 on each side, so 6 contexts on average) and the largest group.
const GROUPS: [usize; 2] = [6, 16];
/// Contexts per output-layer step (the mean group, as above).
const HS_GROUP: usize = 6;
/// Vocabulary of the output-layer benchmarks: about that of the 10M-word bench corpus at
/// --min-count 5, so the node and output matrices are far larger than the caches, as in training.
const STEP_VOCAB: usize = 70_000;
const NEGATIVES: u32 = 5;
/// A typical learning rate; updates are real, so the matrices change as in training.
const ALPHA: f32 = 0.025;
/// Output-layer steps per timed sample, so each sample averages over many targets.
const STEPS_PER_SAMPLE: u32 = 100;

// ---- kernels and cases ----------------------------------------------------------------------

/// A kernel to benchmark, and how to enter code compiled for its CPU features.
trait BenchKernel: Kernel {
    fn enter<R>(self, f: impl FnOnce() -> R) -> R;
}

impl BenchKernel for Portable {
    #[inline(always)]
    fn enter<R>(self, f: impl FnOnce() -> R) -> R {
        f()
    }
}

#[cfg(target_arch = "x86_64")]
impl BenchKernel for Avx2Fma {
    #[inline(always)]
    fn enter<R>(self, f: impl FnOnce() -> R) -> R {
        // SAFETY: `with_avx2_fma` needs AVX2 and FMA; `self` exists, so the CPU has them.
        unsafe { with_avx2_fma(f) }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn with_avx2_fma<R>(f: impl FnOnce() -> R) -> R {
    f()
}

#[cfg(target_arch = "x86_64")]
impl BenchKernel for Avx512 {
    #[inline(always)]
    fn enter<R>(self, f: impl FnOnce() -> R) -> R {
        // SAFETY: `with_avx512` needs AVX-512F, AVX2 and FMA; `self` exists, so the CPU has
        // them.
        unsafe { with_avx512(f) }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx2,fma")]
fn with_avx512<R>(f: impl FnOnce() -> R) -> R {
    f()
}

/// Runs `$body` with `$k` bound to the token in `$kernel`, monomorphised per kernel.
macro_rules! with_kernel {
    ($kernel:expr, |$k:ident| $body:expr) => {
        match $kernel {
            KernelChoice::Portable($k) => $body,
            #[cfg(target_arch = "x86_64")]
            KernelChoice::Avx2Fma($k) => $body,
            #[cfg(target_arch = "x86_64")]
            KernelChoice::Avx512($k) => $body,
        }
    };
}

fn kernel_name(kernel: KernelChoice) -> &'static str {
    match kernel {
        KernelChoice::Portable(_) => "portable",
        #[cfg(target_arch = "x86_64")]
        KernelChoice::Avx2Fma(_) => "avx2",
        #[cfg(target_arch = "x86_64")]
        KernelChoice::Avx512(_) => "avx512",
    }
}

/// Every kernel this CPU runs; the first call says on stderr which are skipped.
fn kernels() -> Vec<KernelChoice> {
    #[allow(unused_mut)]
    let mut all = vec![KernelChoice::Portable(Portable)];
    #[cfg(target_arch = "x86_64")]
    {
        let mut lacking = Vec::new();
        match Avx2Fma::detect() {
            Some(k) => all.push(KernelChoice::Avx2Fma(k)),
            None => lacking.push("avx2 (needs avx2, fma)"),
        }
        match Avx512::detect() {
            Some(k) => all.push(KernelChoice::Avx512(k)),
            None => lacking.push("avx512 (needs avx512f, avx2, fma)"),
        }
        static SAID: Once = Once::new();
        SAID.call_once(|| {
            for kernel in lacking {
                eprintln!("skipped: CPU lacks the features of kernel {kernel}");
            }
        });
    }
    all
}

/// One benchmark case: a kernel, a vector width and, for the grouped kernels, a group size.
#[derive(Clone, Copy)]
struct Case {
    kernel: KernelChoice,
    dim: usize,
    group: Option<usize>,
}

impl fmt::Display for Case {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "d{}/", self.dim)?;
        if let Some(m) = self.group {
            write!(f, "m{m}/")?;
        }
        f.write_str(kernel_name(self.kernel))
    }
}

/// Each width with each kernel.
fn cases() -> Vec<Case> {
    DIMS.iter()
        .flat_map(|&dim| {
            kernels().into_iter().map(move |kernel| Case {
                kernel,
                dim,
                group: None,
            })
        })
        .collect()
}

/// Each width and group size with each kernel.
fn group_cases() -> Vec<Case> {
    cases()
        .into_iter()
        .flat_map(|c| {
            GROUPS.iter().map(move |&m| Case {
                group: Some(m),
                ..c
            })
        })
        .collect()
}

fn random_vec(rng: &mut SmallRng, n: usize, scale: f32) -> Vec<f32> {
    (0..n).map(|_| rng.random_range(-scale..scale)).collect()
}

/// Counts falling as 1/rank (Zipf, exponent 1), sorted in descending order like a vocabulary.
fn zipf_counts(words: usize) -> Vec<u64> {
    (1..=words).map(|r| (1e9 / r as f64) as u64 + 1).collect()
}

// ---- vector kernels -------------------------------------------------------------------------

#[divan::bench(args = cases())]
fn dot(bencher: Bencher, case: Case) {
    let mut rng = SmallRng::seed_from_u64(1);
    let (a, b) = (
        random_vec(&mut rng, case.dim, 1.0),
        random_vec(&mut rng, case.dim, 1.0),
    );
    let (a, b) = (Row::from(&a), Row::from(&b));
    let bencher = bencher.counter(ItemsCount::new(2 * case.dim));
    with_kernel!(case.kernel, |k| bencher
        .bench_local(|| k.enter(|| k.dot(black_box(a), black_box(b)))))
}

#[divan::bench(args = cases())]
fn axpy(bencher: Bencher, case: Case) {
    let mut rng = SmallRng::seed_from_u64(2);
    let x = random_vec(&mut rng, case.dim, 1.0);
    let mut y = random_vec(&mut rng, case.dim, 1.0);
    let (x, y) = (Row::from(&x), RowMut::from(&mut y[..]));
    let mut alpha = 1e-3;
    let bencher = bencher.counter(ItemsCount::new(2 * case.dim));
    with_kernel!(case.kernel, |k| bencher.bench_local(|| {
        // Alternating signs keep y bounded however long it runs.
        alpha = -alpha;
        k.enter(|| k.axpy(black_box(alpha), black_box(x), black_box(y)))
    }))
}

#[divan::bench(args = group_cases())]
fn dot_many(bencher: Bencher, case: Case) {
    let (dim, m) = (case.dim, case.group.unwrap_or(1));
    let mut rng = SmallRng::seed_from_u64(3);
    let row = random_vec(&mut rng, dim, 1.0);
    let vs: Vec<Vec<f32>> = (0..m).map(|_| random_vec(&mut rng, dim, 1.0)).collect();
    let refs: Vec<Row> = vs.iter().map(Row::from).collect();
    let row = Row::from(&row);
    let mut out = vec![0f32; m];
    let bencher = bencher.counter(ItemsCount::new(2 * m * dim));
    with_kernel!(case.kernel, |k| bencher.bench_local(|| k.enter(
        || k.dot_many(black_box(row), black_box(&refs), black_box(&mut out))
    )))
}

#[divan::bench(args = group_cases())]
fn update_many(bencher: Bencher, case: Case) {
    let (dim, m) = (case.dim, case.group.unwrap_or(1));
    let mut rng = SmallRng::seed_from_u64(4);
    let mut row = random_vec(&mut rng, dim, 1.0);
    let vs: Vec<Vec<f32>> = (0..m).map(|_| random_vec(&mut rng, dim, 1.0)).collect();
    let refs: Vec<Row> = vs.iter().map(Row::from).collect();
    let g = random_vec(&mut rng, m, 1e-3);
    let minus_g: Vec<f32> = g.iter().map(|x| -x).collect();
    let mut grads = vec![0f32; m * dim];
    let row = RowMut::from(&mut row[..]);
    let mut flip = false;
    // grads[j] += g[j]·row (2·m·dim) and row += Σ g[j]·v[j] (2·m·dim).
    let bencher = bencher.counter(ItemsCount::new(4 * m * dim));
    with_kernel!(case.kernel, |k| bencher.bench_local(|| {
        // Alternating signs keep the row bounded however long it runs.
        flip = !flip;
        let g = if flip { &g } else { &minus_g };
        k.enter(|| {
            k.update_many(
                black_box(row),
                black_box(&refs),
                black_box(0.025),
                black_box(g),
                black_box(&mut grads),
            )
        })
    }))
}

// ---- sigmoid table and sampler --------------------------------------------------------------

/// Arguments of the table lookups, all inside the table's range.
fn table_inputs() -> Vec<f32> {
    random_vec(&mut SmallRng::seed_from_u64(5), 1024, 5.99)
}

#[divan::bench]
fn sigmoid_table(bencher: Bencher) {
    let (table, xs) = (SigmoidTable::default(), table_inputs());
    let mut i = 0;
    bencher.counter(ItemsCount::new(1usize)).bench_local(|| {
        i = (i + 1) & 1023;
        table.sigmoid(black_box(xs[i]))
    });
}

#[divan::bench]
fn log_sigmoid_table(bencher: Bencher) {
    let (table, xs) = (SigmoidTable::default(), table_inputs());
    let mut i = 0;
    bencher.counter(ItemsCount::new(1usize)).bench_local(|| {
        i = (i + 1) & 1023;
        table.log_sigmoid(black_box(xs[i]))
    });
}

/// Draws from Zipf counts^0.75 over a vocabulary of `words`; the 1M-word table no longer fits
/// in cache.
#[divan::bench(args = [10_000, 100_000, 1_000_000])]
fn alias_sample(bencher: Bencher, words: usize) {
    let sampler = AliasSampler::new(&zipf_counts(words), 0.75);
    let mut rng = SmallRng::seed_from_u64(6);
    bencher
        .counter(ItemsCount::new(1usize))
        .bench_local(|| sampler.sample(&mut rng));
}

// ---- output-layer steps ---------------------------------------------------------------------

/// Input vectors and pre-drawn (target, contexts) pairs for the output-layer steps: targets and
/// contexts follow the unigram distribution of Zipf counts, as centre words do without
/// subsampling, so rows come from all over the matrices.
struct StepFixture {
    words: usize,
    tree: Tree,
    /// Negatives' distribution: counts^0.75.
    sampler: AliasSampler,
    input: Vec<f32>,
    /// (target, contexts), a power of two of them.
    steps: Vec<(u32, [u32; HS_GROUP])>,
}

impl StepFixture {
    fn new(words: usize, dim: usize) -> StepFixture {
        let counts = zipf_counts(words);
        let unigram = AliasSampler::new(&counts, 1.0);
        let mut rng = SmallRng::seed_from_u64(7);
        let input = random_vec(&mut rng, words * dim, 0.5 / dim as f32);
        let steps = (0..1 << 16)
            .map(|_| {
                let target = unigram.sample(&mut rng);
                (target, std::array::from_fn(|_| unigram.sample(&mut rng)))
            })
            .collect();
        StepFixture {
            words,
            tree: Tree::huffman(&counts),
            sampler: AliasSampler::new(&counts, 0.75),
            input,
            steps,
        }
    }

    /// Built on first use and shared by the kernels and both layers, so a filter that skips
    /// the steps skips building it.
    fn get(dim: usize) -> &'static StepFixture {
        static FIXTURES: [OnceLock<StepFixture>; DIMS.len()] = [OnceLock::new(), OnceLock::new()];
        let i = DIMS
            .iter()
            .position(|&d| d == dim)
            .expect("a benchmarked width");
        FIXTURES[i].get_or_init(|| StepFixture::new(STEP_VOCAB, dim))
    }
}

/// The steps of one benchmark: its layer, the input rows and the next (target, contexts).
struct Steps<'a, O> {
    out: O,
    fx: &'a StepFixture,
    input: SharedMatrix<'a>,
    grads: Vec<f32>,
    local: Local,
    next: usize,
}

impl<O: OutputLayer> Steps<'_, O> {
    /// `step_many` with the group's hidden vectors, as skip-gram calls it (gradients zeroed
    /// first; adding them to the input rows afterwards is not included).
    #[inline(always)]
    fn step<K: Kernel>(&mut self, k: K) -> f32 {
        let (target, contexts) = &self.fx.steps[self.next];
        self.next = (self.next + 1) & (self.fx.steps.len() - 1);
        let mut hiddens = [Row::EMPTY; HS_GROUP];
        for (h, &c) in hiddens.iter_mut().zip(contexts) {
            self.input.prefetch(c as usize);
            *h = self.input.row(c as usize);
        }
        self.grads.fill(0.0);
        self.out.step_many(
            k,
            &mut self.local,
            *target,
            &hiddens,
            &mut self.grads,
            ALPHA,
        )
    }
}

/// One hierarchical-softmax step for a group of contexts on a 70k-word Zipf vocabulary.
/// Samples of [`STEPS_PER_SAMPLE`] steps: one step is long enough for divan to time it alone,
/// but its cost depends on the target's path and on which rows are in cache.
#[divan::bench(args = cases(), sample_size = STEPS_PER_SAMPLE)]
fn hs_step(bencher: Bencher, case: Case) {
    let (dim, fx) = (case.dim, StepFixture::get(case.dim));
    let mean_path = fx
        .steps
        .iter()
        .map(|&(t, _)| fx.tree.code_len(t) as f64)
        .sum::<f64>()
        / fx.steps.len() as f64;
    let table = SigmoidTable::default();
    // Random, not zero: a zeroed Vec's pages are mapped on first touch, and those page faults
    // would land in the first samples.
    let mut nodes = random_vec(&mut SmallRng::seed_from_u64(10), (fx.words - 1) * dim, 0.1);
    let mut input = fx.input.clone();
    let mut steps = Steps {
        out: HierarchicalSoftmax {
            tree: &fx.tree,
            nodes: SharedMatrix::new(&mut nodes, dim),
            table: &table,
            rates: Sgd,
            local_from: usize::MAX,
        },
        fx,
        input: SharedMatrix::new(&mut input, dim),
        grads: vec![0f32; HS_GROUP * dim],
        local: Local::new(8, false),
        next: 0,
    };
    let pairs = (mean_path * HS_GROUP as f64).round() as usize;
    let bencher = bencher.counter(ItemsCount::new(pairs));
    with_kernel!(case.kernel, |k| bencher
        .bench_local(|| k.enter(|| steps.step(k))))
}

/// One negative-sampling step (5 negatives) for a group of contexts, as `hs_step`.
#[divan::bench(args = cases(), sample_size = STEPS_PER_SAMPLE)]
fn ns_step(bencher: Bencher, case: Case) {
    let (dim, fx) = (case.dim, StepFixture::get(case.dim));
    let table = SigmoidTable::default();
    // Random, not zero: see `hs_step`.
    let mut negatives = random_vec(&mut SmallRng::seed_from_u64(11), fx.words * dim, 0.1);
    let mut input = fx.input.clone();
    let mut steps = Steps {
        out: NegativeSampling {
            negatives: SharedMatrix::new(&mut negatives, dim),
            sampler: &fx.sampler,
            k: NEGATIVES,
            table: &table,
            rates: Sgd,
        },
        fx,
        input: SharedMatrix::new(&mut input, dim),
        grads: vec![0f32; HS_GROUP * dim],
        local: Local::new(9, false),
        next: 0,
    };
    let scored = HS_GROUP * (NEGATIVES as usize + 1);
    let bencher = bencher.counter(ItemsCount::new(scored));
    with_kernel!(case.kernel, |k| bencher
        .bench_local(|| k.enter(|| steps.step(k))))
}
