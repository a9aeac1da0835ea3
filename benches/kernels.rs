//! Micro-benchmarks of the training hot path, on a small std-only harness (no criterion):
//! each benchmark is warmed up and calibrated to about `--ms` milliseconds per repetition, then
//! repeated `--reps` times. The table gives the median ns per call, the spread of the
//! repetitions ((max - min) / median) and, where counting makes sense, GFLOP/s (flops per
//! call / ns per call; a multiply-add counts as two).
//!
//! ```text
//! cargo bench --bench kernels                        # everything (about half a minute)
//! cargo bench --bench kernels -- hs_step avx2        # names containing "hs_step" or "avx2"
//! cargo bench --bench kernels -- --reps 21 --ms 100  # steadier figures
//! ```
//!
//! Without `--bench` (as `cargo test --benches` runs it) every benchmark makes a few calls only:
//! a smoke test, no timings.
//!
//! Everything goes through the library's public API. Timed loops for the AVX2+FMA kernel run
//! inside a function compiled with those features, so the kernels inline into the loop as they
//! do into the training worker.

use std::hint::black_box;
use std::time::{Duration, Instant};

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
#[cfg(target_arch = "x86_64")]
use w2v::kernels::{Avx2Fma, Avx512};
use w2v::kernels::{Kernel, Portable, SigmoidTable};
use w2v::sampler::AliasSampler;
use w2v::shared::{Row, RowMut, SharedMatrix};
use w2v::train::output::{HierarchicalSoftmax, Local, NegativeSampling, OutputLayer};
use w2v::train::rates::RowRates;
use w2v::tree::Tree;

const DIMS: [usize; 2] = [100, 300];
/// Vectors per `dot_many` / `update_many` call: the mean skip-gram group with window 5 (the
/// reach is uniform in 1..=5 on each side, so 6 contexts on average) and the largest group.
const GROUPS: [usize; 2] = [6, 16];
/// Contexts per hierarchical-softmax step (the mean group, as above).
const HS_GROUP: usize = 6;
/// Vocabulary of the output-layer benchmarks: about that of the 10M-word bench corpus at
/// --min-count 5, so the node and output matrices are far larger than the caches, as in training.
const STEP_VOCAB: usize = 70_000;
const NEGATIVES: u32 = 5;
/// A typical learning rate; updates are real, so the matrices change as in training.
const ALPHA: f32 = 0.025;

struct Config {
    filters: Vec<String>,
    /// Timings wanted (`--bench` given); otherwise a smoke run.
    timed: bool,
    reps: usize,
    rep_time: Duration,
}

impl Config {
    fn from_args() -> Config {
        let mut cfg = Config {
            filters: Vec::new(),
            timed: false,
            reps: 11,
            rep_time: Duration::from_millis(30),
        };
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            let mut number = |what: &str| -> u64 {
                args.next()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or_else(|| panic!("{what} needs a whole number"))
            };
            match arg.as_str() {
                "--bench" => cfg.timed = true,
                "--reps" => cfg.reps = number("--reps").max(1) as usize,
                "--ms" => cfg.rep_time = Duration::from_millis(number("--ms").max(1)),
                a if a.starts_with('-') => {} // other libtest flags: ignored
                a => cfg.filters.push(a.to_string()),
            }
        }
        cfg
    }

    fn wants(&self, name: &str) -> bool {
        self.filters.is_empty() || self.filters.iter().any(|f| name.contains(f.as_str()))
    }
}

/// A kernel to benchmark, and how to enter code compiled for it.
trait BenchKernel: Kernel {
    const NAME: &'static str;
    fn enter<R>(self, f: impl FnOnce() -> R) -> R;
}

impl BenchKernel for Portable {
    const NAME: &'static str = "portable";
    #[inline(always)]
    fn enter<R>(self, f: impl FnOnce() -> R) -> R {
        f()
    }
}

#[cfg(target_arch = "x86_64")]
impl BenchKernel for Avx2Fma {
    const NAME: &'static str = "avx2";
    #[inline(always)]
    fn enter<R>(self, f: impl FnOnce() -> R) -> R {
        // SAFETY: `self` exists, so the CPU has AVX2 and FMA.
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
    const NAME: &'static str = "avx512";
    #[inline(always)]
    fn enter<R>(self, f: impl FnOnce() -> R) -> R {
        // SAFETY: `self` exists, so the CPU has AVX-512F, AVX2 and FMA.
        unsafe { with_avx512(f) }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx2,fma")]
fn with_avx512<R>(f: impl FnOnce() -> R) -> R {
    f()
}

/// Runs `$bench(kernel, args)` for the portable kernel and, where the CPU has them, AVX2+FMA
/// and AVX-512.
macro_rules! each_kernel {
    ($bench:ident ( $($arg:expr),* )) => {{
        $bench(Portable, $($arg),*);
        #[cfg(target_arch = "x86_64")]
        if let Some(k) = Avx2Fma::detect() {
            $bench(k, $($arg),*);
        }
        #[cfg(target_arch = "x86_64")]
        if let Some(k) = Avx512::detect() {
            $bench(k, $($arg),*);
        }
    }};
}

struct Timing {
    median: f64,
    spread: f64,
}

/// Times `run(iters)`, which must make `iters` calls, inside [`BenchKernel::enter`] (all
/// generic, no dynamic calls, so `run` can inline there); None in a smoke run.
fn measure<K: BenchKernel>(k: K, cfg: &Config, mut run: impl FnMut(u64)) -> Option<Timing> {
    let mut time = |iters: u64| {
        let start = Instant::now();
        k.enter(|| run(iters));
        start.elapsed()
    };
    if !cfg.timed {
        time(3);
        return None;
    }
    // Warm-up and calibration: double the calls until a run takes a quarter of a repetition.
    let mut iters = 1u64;
    let iters = loop {
        let t = time(iters);
        if t >= cfg.rep_time / 4 {
            break ((iters as f64 * cfg.rep_time.as_secs_f64() / t.as_secs_f64()).ceil() as u64)
                .max(1);
        }
        iters *= 2;
    };
    let mut ns: Vec<f64> = (0..cfg.reps)
        .map(|_| time(iters).as_nanos() as f64 / iters as f64)
        .collect();
    ns.sort_by(f64::total_cmp);
    let median = ns[ns.len() / 2];
    Some(Timing {
        median,
        spread: (ns[ns.len() - 1] - ns[0]) / median,
    })
}

/// Measures and prints one row. `flops`: floating-point operations per call, if meaningful;
/// `note` gets the median ns per call.
fn bench<K: BenchKernel>(
    k: K,
    cfg: &Config,
    name: &str,
    flops: Option<f64>,
    note: impl Fn(f64) -> String,
    run: impl FnMut(u64),
) {
    if !cfg.wants(name) {
        return;
    }
    match measure(k, cfg, run) {
        None => println!("{name:<36} ok (smoke run)"),
        Some(t) => {
            let gflops = flops.map_or(String::new(), |f| format!("{:.2}", f / t.median));
            println!(
                "{name:<36} {:>11.2} {:>6.1}% {:>8}  {}",
                t.median,
                100.0 * t.spread,
                gflops,
                note(t.median)
            );
        }
    }
}

/// No note.
fn none(_: f64) -> String {
    String::new()
}

fn random_vec(rng: &mut SmallRng, n: usize, scale: f32) -> Vec<f32> {
    (0..n).map(|_| rng.random_range(-scale..scale)).collect()
}

/// Counts falling as 1/rank (Zipf, exponent 1), sorted in descending order like a vocabulary.
fn zipf_counts(words: usize) -> Vec<u64> {
    (1..=words).map(|r| (1e9 / r as f64) as u64 + 1).collect()
}

fn short(n: usize) -> String {
    match n {
        n if n >= 1_000_000 && n.is_multiple_of(1_000_000) => format!("{}M", n / 1_000_000),
        n if n >= 1000 && n.is_multiple_of(1000) => format!("{}k", n / 1000),
        n => n.to_string(),
    }
}

// ---- vector kernels -------------------------------------------------------------------------

fn bench_dot<K: BenchKernel>(k: K, cfg: &Config, dim: usize) {
    let mut rng = SmallRng::seed_from_u64(1);
    let (a, b) = (
        random_vec(&mut rng, dim, 1.0),
        random_vec(&mut rng, dim, 1.0),
    );
    let name = format!("dot/d{dim}/{}", K::NAME);
    bench(k, cfg, &name, Some(2.0 * dim as f64), none, |iters| {
        let mut sum = 0.0;
        for _ in 0..iters {
            sum += k.dot(black_box(Row::from(&a)), black_box(Row::from(&b)));
        }
        black_box(sum);
    });
}

fn bench_axpy<K: BenchKernel>(k: K, cfg: &Config, dim: usize) {
    let mut rng = SmallRng::seed_from_u64(2);
    let x = random_vec(&mut rng, dim, 1.0);
    let mut y = random_vec(&mut rng, dim, 1.0);
    let (x, y) = (Row::from(&x), RowMut::from(&mut y[..]));
    let name = format!("axpy/d{dim}/{}", K::NAME);
    bench(k, cfg, &name, Some(2.0 * dim as f64), none, |iters| {
        for i in 0..iters {
            // Alternating signs keep y bounded however long it runs.
            let alpha = if i & 1 == 0 { 1e-3 } else { -1e-3 };
            k.axpy(black_box(alpha), black_box(x), black_box(y));
        }
    });
}

fn bench_dot_many<K: BenchKernel>(k: K, cfg: &Config, dim: usize, m: usize) {
    let mut rng = SmallRng::seed_from_u64(3);
    let row = random_vec(&mut rng, dim, 1.0);
    let vs: Vec<Vec<f32>> = (0..m).map(|_| random_vec(&mut rng, dim, 1.0)).collect();
    let refs: Vec<Row> = vs.iter().map(Row::from).collect();
    let mut out = vec![0f32; m];
    let name = format!("dot_many/d{dim}/m{m}/{}", K::NAME);
    bench(k, cfg, &name, Some(2.0 * (m * dim) as f64), none, |iters| {
        for _ in 0..iters {
            k.dot_many(
                black_box(Row::from(&row)),
                black_box(&refs),
                black_box(&mut out),
            );
        }
    });
}

fn bench_update_many<K: BenchKernel>(k: K, cfg: &Config, dim: usize, m: usize) {
    let mut rng = SmallRng::seed_from_u64(4);
    let mut row = random_vec(&mut rng, dim, 1.0);
    let vs: Vec<Vec<f32>> = (0..m).map(|_| random_vec(&mut rng, dim, 1.0)).collect();
    let refs: Vec<Row> = vs.iter().map(Row::from).collect();
    let g = random_vec(&mut rng, m, 1e-3);
    let minus_g: Vec<f32> = g.iter().map(|x| -x).collect();
    let mut grads = vec![0f32; m * dim];
    let name = format!("update_many/d{dim}/m{m}/{}", K::NAME);
    // grads[j] += g[j]·row (2·m·dim) and row += Σ g[j]·v[j] (2·m·dim).
    bench(k, cfg, &name, Some(4.0 * (m * dim) as f64), none, |iters| {
        for i in 0..iters {
            let g = if i & 1 == 0 { &g } else { &minus_g };
            k.update_many(
                black_box(RowMut::from(&mut row[..])),
                black_box(&refs),
                black_box(0.025),
                black_box(g),
                black_box(&mut grads),
            );
        }
    });
}

// ---- sigmoid table and sampler --------------------------------------------------------------

fn bench_sigmoid(cfg: &Config) {
    let table = SigmoidTable::default();
    let mut rng = SmallRng::seed_from_u64(5);
    let xs = random_vec(&mut rng, 1024, 5.99);
    bench(
        Portable,
        cfg,
        "sigmoid/table",
        None,
        |_| "ns per lookup".into(),
        |iters| {
            let mut sum = 0.0;
            for i in 0..iters {
                sum += table.sigmoid(black_box(xs[i as usize & 1023]));
            }
            black_box(sum);
        },
    );
    bench(
        Portable,
        cfg,
        "log_sigmoid/table",
        None,
        |_| "ns per lookup".into(),
        |iters| {
            let mut sum = 0.0;
            for i in 0..iters {
                sum += table.log_sigmoid(black_box(xs[i as usize & 1023]));
            }
            black_box(sum);
        },
    );
}

fn bench_alias(cfg: &Config, words: usize) {
    let name = format!("alias_sample/V{}", short(words));
    if !cfg.wants(&name) {
        return;
    }
    let sampler = AliasSampler::new(&zipf_counts(words), 0.75);
    let mut rng = SmallRng::seed_from_u64(6);
    bench(
        Portable,
        cfg,
        &name,
        None,
        |_| "ns per draw, Zipf counts^0.75".into(),
        |iters| {
            let mut acc = 0u32;
            for _ in 0..iters {
                acc ^= sampler.sample(&mut rng);
            }
            black_box(acc);
        },
    );
}

// ---- output-layer steps ---------------------------------------------------------------------

/// Matrices and pre-drawn (target, contexts) pairs for the output-layer steps: targets and
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
}

/// Built on first use, so a filter that skips the steps skips building their matrices.
type LazyFixture = std::cell::OnceCell<StepFixture>;

/// `step_many` with the group's hidden vectors, as skip-gram calls it (gradients zeroed first;
/// adding them to the input rows afterwards is not included).
#[inline(always)]
fn run_steps<K: Kernel, O: OutputLayer>(
    k: K,
    out: &O,
    fx: &StepFixture,
    input: &SharedMatrix,
    grads: &mut [f32],
    local: &mut Local,
    iters: u64,
) {
    let mask = fx.steps.len() - 1;
    let mut loss = 0.0;
    for i in 0..iters {
        let (target, contexts) = &fx.steps[i as usize & mask];
        let mut hiddens = [Row::EMPTY; HS_GROUP];
        for (h, &c) in hiddens.iter_mut().zip(contexts) {
            input.prefetch(c as usize);
            *h = input.row(c as usize);
        }
        grads.fill(0.0);
        loss += out.step_many(k, local, *target, &hiddens, grads, ALPHA);
    }
    black_box(loss);
}

fn bench_hs_step<K: BenchKernel>(k: K, cfg: &Config, dim: usize, fx: &LazyFixture) {
    let name = format!(
        "hs_step/V{}/d{dim}/m{HS_GROUP}/{}",
        short(STEP_VOCAB),
        K::NAME
    );
    if !cfg.wants(&name) {
        return;
    }
    let fx = fx.get_or_init(|| StepFixture::new(STEP_VOCAB, dim));
    let mean_path = fx
        .steps
        .iter()
        .map(|&(t, _)| fx.tree.code_len(t) as f64)
        .sum::<f64>()
        / fx.steps.len() as f64;
    let table = SigmoidTable::default();
    // Random, not zero: a zeroed Vec's pages are mapped on first touch, and those page faults
    // would dominate the first repetitions.
    let mut nodes = random_vec(&mut SmallRng::seed_from_u64(10), (fx.words - 1) * dim, 0.1);
    let hs = HierarchicalSoftmax {
        tree: &fx.tree,
        nodes: SharedMatrix::new(&mut nodes, dim),
        table: &table,
        rates: RowRates::Sgd,
        local_from: usize::MAX,
    };
    let mut input = fx.input.clone();
    let input = SharedMatrix::new(&mut input, dim);
    let mut grads = vec![0f32; HS_GROUP * dim];
    let mut local = Local::new(8, false);
    // Per node on the path: dot_many (2·m·dim) and update_many (4·m·dim).
    let flops = mean_path * (6 * HS_GROUP * dim) as f64;
    let note = |ns: f64| {
        format!(
            "per group of {HS_GROUP} contexts; mean path {mean_path:.2} nodes, {:.2} ns per \
             node and context",
            ns / (mean_path * HS_GROUP as f64)
        )
    };
    bench(k, cfg, &name, Some(flops), note, |iters| {
        run_steps(k, &hs, fx, &input, &mut grads, &mut local, iters);
    });
}

fn bench_ns_step<K: BenchKernel>(k: K, cfg: &Config, dim: usize, fx: &LazyFixture) {
    let name = format!(
        "ns_step/V{}/d{dim}/k{NEGATIVES}/{}",
        short(STEP_VOCAB),
        K::NAME
    );
    if !cfg.wants(&name) {
        return;
    }
    let fx = fx.get_or_init(|| StepFixture::new(STEP_VOCAB, dim));
    let table = SigmoidTable::default();
    // Random, not zero: see `bench_hs_step`.
    let mut negatives = random_vec(&mut SmallRng::seed_from_u64(11), fx.words * dim, 0.1);
    let ns = NegativeSampling {
        negatives: SharedMatrix::new(&mut negatives, dim),
        sampler: &fx.sampler,
        k: NEGATIVES,
        table: &table,
    };
    let mut input = fx.input.clone();
    let input = SharedMatrix::new(&mut input, dim);
    let mut grads = vec![0f32; HS_GROUP * dim];
    let mut local = Local::new(9, false);
    // Per context and scored word (the target and k negatives): a dot and two axpys.
    let flops = (HS_GROUP * (NEGATIVES as usize + 1) * 6 * dim) as f64;
    let note = |ns: f64| {
        format!(
            "per group of {HS_GROUP} contexts, {NEGATIVES} negatives each; {:.2} ns per scored \
             word and context",
            ns / (HS_GROUP * (NEGATIVES as usize + 1)) as f64
        )
    };
    bench(k, cfg, &name, Some(flops), note, |iters| {
        run_steps(k, &ns, fx, &input, &mut grads, &mut local, iters);
    });
}

fn main() {
    let cfg = Config::from_args();
    if cfg.timed {
        println!(
            "{:<36} {:>11} {:>7} {:>8}  ({} reps of ~{} ms each; median)",
            "benchmark",
            "ns/call",
            "spread",
            "GFLOP/s",
            cfg.reps,
            cfg.rep_time.as_millis()
        );
    } else {
        println!("smoke run: each benchmark makes a few calls (pass --bench for timings)");
    }
    for dim in DIMS {
        each_kernel!(bench_dot(&cfg, dim));
    }
    for dim in DIMS {
        each_kernel!(bench_axpy(&cfg, dim));
    }
    for dim in DIMS {
        for m in GROUPS {
            each_kernel!(bench_dot_many(&cfg, dim, m));
        }
    }
    for dim in DIMS {
        for m in GROUPS {
            each_kernel!(bench_update_many(&cfg, dim, m));
        }
    }
    bench_sigmoid(&cfg);
    for words in [10_000, 100_000, 1_000_000] {
        bench_alias(&cfg, words);
    }
    for dim in DIMS {
        let fixture = LazyFixture::new();
        each_kernel!(bench_hs_step(&cfg, dim, &fixture));
        each_kernel!(bench_ns_step(&cfg, dim, &fixture));
    }
}
