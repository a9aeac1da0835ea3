//! Training: threads × (sentence → subsample → window → skip-gram or CBOW step → output layer).
//!
//! All threads update one model without locks (see `shared`). Work is handed out in chunks of
//! about `CHUNK_WORDS` words; each chunk's random numbers come from its own seed (run seed,
//! epoch, chunk index), so the random draws do not depend on which thread takes a chunk. One
//! atomic word counter drives progress and the learning rate, which decays linearly from alpha
//! to alpha·1e-4 over all epochs of all threads together.

mod checkpoint;
mod input;
mod loss_log;
pub(crate) mod output;
pub(crate) mod rates;

pub use checkpoint::{check_resume, Checkpoints, CorpusFingerprint, ThreadCarry, TrainingState};
pub use loss_log::{read_loss_csv, write_loss_csv, LossRecord, LOSS_CSV_FIELDS};
pub use rates::OptimizerRows;

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use rand::rngs::SmallRng;
use rand::{RngCore, SeedableRng};

use crate::corpus::MAX_SENTENCE_WORDS;
use crate::diagnostics::{GradientStats, Probe};
use crate::error::{Error, Result};
use crate::ids::Corpus;
#[cfg(target_arch = "x86_64")]
use crate::kernels::{Avx2Fma, Avx512};
use crate::kernels::{Kernel, KernelChoice, SigmoidTable};
use crate::model::{Architecture, Model, SoftmaxKind, TrainingInfo};
use crate::sampler::AliasSampler;
use crate::shared::{Row, RowMut, SharedMatrix};
use input::{InputSide, SubwordInput, WordInput};
use output::{
    Both, FullSoftmax, HierarchicalSoftmax, Local, NegativeSampling, OutputLayer, SampledSoftmax,
    WordLayer, GROUP, LOCAL_NODE_ROWS,
};

const _: () = assert!(SKIPGRAM_GROUP <= GROUP);
use rates::{Rates, RowState, Rule, Schedule, Sgd};

/// Words per unit of work handed to a thread, and per update of the shared counter.
pub(crate) const CHUNK_WORDS: usize = 10_000;
/// Words a thread trains between merges of its private output rows (see `LocalRows`).
const MERGE_WORDS: usize = 200;
const REPORT_WORDS: u64 = 10_000;
/// Contexts of one centre word that go to the output layer together in skip-gram. A group
/// scores every context against a node row before updating it once with their summed
/// gradients: faster (independent dot products), but further from word2vec's one-at-a-time
/// SGD the larger it is. bench-10m skip-gram + HS, 5 seeds: all of a window's contexts (up
/// to 10) in one group, median 28.43 %; groups of 4, 28.76 %, at 10 % more time; one at a
/// time, 28.87 % (3 seeds) at 45 % more time.
const SKIPGRAM_GROUP: usize = 4;

/// Where training reports to; the trainer knows nothing of terminals.
pub trait Observer: Sync {
    fn progress(&self, _progress: &Progress) {}
    fn epoch_done(&self, _report: &EpochReport) {}
}

/// An observer that ignores everything.
pub struct Silent;
impl Observer for Silent {}

#[derive(Debug, Clone, Copy)]
pub struct Progress {
    pub epoch: u32,
    pub words_done: u64,
    pub words_total: u64,
    pub alpha: f32,
    /// Mean loss per prediction so far in this epoch.
    pub loss: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EpochReport {
    /// 1-based.
    pub epoch: u32,
    /// Words processed since the start of training.
    pub words: u64,
    /// Mean negative log-likelihood per prediction over this epoch.
    pub loss: f64,
    /// Learning rate at the end of the epoch.
    pub alpha: f32,
    /// Seconds since the start of training.
    pub seconds: f64,
}

#[derive(Debug, Clone, Default)]
pub struct TrainReport {
    pub words: u64,
    pub seconds: f64,
    pub epochs: Vec<EpochReport>,
    /// Stopped early by the stop flag.
    pub interrupted: bool,
    /// Sampled gradient statistics of each finished epoch, when asked for.
    pub gradients: Vec<GradientStats>,
}

impl TrainReport {
    pub fn words_per_sec(&self) -> f64 {
        self.words as f64 / self.seconds.max(1e-9)
    }
}

/// Trains `model` on `corpus` (ids must be ranks in `model.vocab`), in memory or spilled.
/// Setting `stop` ends training at the next chunk boundary; the model then holds what was
/// trained so far, and the state to go on from there (see [`TrainingState`]).
/// `diagnostics` samples hierarchical-softmax gradients into the report (it changes nothing
/// that is trained).
pub fn train(
    model: &mut Model,
    corpus: &Corpus,
    observer: &dyn Observer,
    stop: &AtomicBool,
    diagnostics: bool,
) -> Result<TrainReport> {
    train_with(model, corpus, observer, stop, diagnostics, None)
}

/// As [`train`], saving the model with its training state at the points `checkpoints` asks
/// for. A model that holds a training state (a partial model read back; check it first with
/// [`check_resume`]) goes on from where it stopped instead of starting over.
pub fn train_with(
    model: &mut Model,
    corpus: &Corpus,
    observer: &dyn Observer,
    stop: &AtomicBool,
    diagnostics: bool,
    mut checkpoints: Option<Checkpoints<'_>>,
) -> Result<TrainReport> {
    if model.settings.softmax == Some(SoftmaxKind::Full) {
        output::check_full_softmax_cost(&model.settings, model.vocab.counts())?;
    }
    let chunks = corpus.chunks() as u64;
    let end = model.settings.epochs as u64 * chunks;
    let threads = model.settings.threads.max(1);
    let diagnostics = diagnostics && model.settings.hs;
    let model_was_resumed = model.state.is_some();
    let mut state = match model.state.take() {
        Some(state) => state,
        None => fresh_state(corpus),
    };
    // A fresh run hashes its corpus only when it first saves its state.
    let mut hashed = model_was_resumed;
    check_state(model, &state, corpus)?;
    let mut carries: Vec<Carry> = (0..threads).map(|_| Carry::new(diagnostics)).collect();
    for (i, saved) in std::mem::take(&mut state.threads).into_iter().enumerate() {
        match carries.get_mut(i) {
            Some(carry) => carry.saved = saved,
            // Fewer threads than before: the others' words are counted at once.
            None => {
                state.words_done += saved.unreported_words;
                carries[0].saved.loss += saved.loss;
                carries[0].saved.predictions += saved.predictions;
            }
        }
    }
    let word_rows = model.word_rows();
    let dim = model.dim();
    let rule = Rule::from(model.settings.optimizer);
    let l2 = model.settings.l2;
    // Optimizer state and decay clocks live for the run, and checkpoints keep all of it.
    let mut rows_state = (rule != Rule::Sgd || l2 > 0.0).then(|| {
        [model.input.len(), model.nodes.len(), model.negatives.len()]
            .map(|len| RowState::new(rule, len / dim, dim, l2 > 0.0))
    });
    if model_was_resumed {
        restore_rows(rows_state.as_mut(), &state.optimizer)?;
        state.optimizer = Vec::new();
    }
    let schedule = Schedule {
        alpha0: model.settings.alpha,
        total_words: corpus.words() * model.settings.epochs as u64,
    };
    let counter = AtomicU64::new(state.words_done);
    let clock = Clock {
        start: Instant::now(),
        before: state.seconds,
    };
    let mut report = TrainReport {
        epochs: std::mem::take(&mut state.epochs),
        ..Default::default()
    };
    let mut pos = state.epoch as u64 * chunks + state.next_chunk;
    loop {
        let to = checkpoints.as_ref().map_or(end, |c| {
            checkpoint::next_checkpoint(c.every_epochs, chunks, pos).min(end)
        });
        let shared = Shared {
            corpus,
            observer,
            stop,
            counter: &counter,
            clock,
            diagnostics,
        };
        pos = segment(
            model,
            &word_rows,
            rows_state.as_mut(),
            &shared,
            (pos, to),
            &mut carries,
            &mut report,
        )?;
        if pos >= end || stop.load(Ordering::Relaxed) {
            break;
        }
        let Some(checkpoints) = checkpoints.as_mut() else {
            break;
        };
        // Saving reads the model and its state; training goes on from the same numbers.
        hash_once(&mut state, corpus, &mut hashed)?;
        keep_state(
            model,
            state,
            rows_state.as_ref(),
            (pos, chunks),
            &counter,
            &carries,
            &report,
            clock,
        );
        let saved = (checkpoints.save)(model);
        state = model.state.take().expect("the state was just stored");
        report.epochs = std::mem::take(&mut state.epochs);
        saved?;
    }
    report.seconds = clock.now();
    report.interrupted = pos < end;
    if report.interrupted {
        // The decay clocks go into the state instead: resuming goes on lazily.
        hash_once(&mut state, corpus, &mut hashed)?;
        keep_state(
            model,
            state,
            rows_state.as_ref(),
            (pos, chunks),
            &counter,
            &carries,
            &report,
            clock,
        );
    } else {
        // The final decay pass: every row as if it had decayed at every word.
        let words = counter.load(Ordering::Relaxed);
        for (state, matrix) in rows_state.iter().flatten().zip([
            &mut model.input,
            &mut model.nodes,
            &mut model.negatives,
        ]) {
            if let Some(decay) = state.decay(l2, schedule) {
                decay.catch_up_all(matrix, dim, words);
            }
        }
        model.info = info_of(&report, words, false);
    }
    report.words = model.info.words_processed;
    Ok(report)
}

/// Puts a checkpoint's optimizer state back into the run's, refusing one that does not fit
/// (another optimizer, --l2 on one side only, other matrix sizes).
fn restore_rows(rows: Option<&mut [RowState; 3]>, saved: &[OptimizerRows]) -> Result<()> {
    let fits = match rows {
        Some(rows) => {
            saved.len() == rows.len() && rows.iter_mut().zip(saved).all(|(r, s)| r.restore(s))
        }
        None => saved.is_empty(),
    };
    if fits {
        Ok(())
    } else {
        Err(Error::CannotResume {
            reason: "the training state is damaged (its optimizer state does not fit the model)"
                .into(),
        })
    }
}

/// Training time: this run's, plus what the run it resumes took.
#[derive(Clone, Copy)]
struct Clock {
    start: Instant,
    before: f64,
}

impl Clock {
    fn now(&self) -> f64 {
        self.before + self.start.elapsed().as_secs_f64()
    }
}

/// The training info of a model after `report`, `words` counted.
fn info_of(report: &TrainReport, words: u64, partial: bool) -> TrainingInfo {
    TrainingInfo {
        epochs_done: report.epochs.len() as u32,
        words_processed: words,
        partial,
        final_loss: report.epochs.last().map(|e| e.loss),
    }
}

/// Stores in `model` the state at global chunk `pos`, marking it partial, with a copy of
/// `rows`, the run's optimizer state.
#[allow(clippy::too_many_arguments)]
fn keep_state(
    model: &mut Model,
    mut state: TrainingState,
    rows: Option<&[RowState; 3]>,
    (pos, chunks): (u64, u64),
    counter: &AtomicU64,
    carries: &[Carry],
    report: &TrainReport,
    clock: Clock,
) {
    state.optimizer = rows.map_or_else(Vec::new, |rows| {
        rows.iter().map(RowState::snapshot).collect()
    });
    state.epoch = (pos / chunks) as u32;
    state.next_chunk = pos % chunks;
    state.words_done = counter.load(Ordering::Relaxed);
    state.threads = carries.iter().map(|c| c.saved).collect();
    state.epochs = report.epochs.clone();
    state.seconds = clock.now();
    let unreported: u64 = carries.iter().map(|c| c.saved.unreported_words).sum();
    model.info = info_of(report, state.words_done + unreported, true);
    model.state = Some(state);
}

/// The state of a run that has not started (its optimizer state is the run's own).
fn fresh_state(corpus: &Corpus) -> TrainingState {
    TrainingState {
        epoch: 0,
        next_chunk: 0,
        words_done: 0,
        threads: Vec::new(),
        epochs: Vec::new(),
        seconds: 0.0,
        corpus: CorpusFingerprint {
            words: corpus.words(),
            chunks: corpus.chunks() as u64,
            hash: 0,
        },
        optimizer: Vec::new(),
    }
}

/// Fills in the corpus hash of a fresh run's state, the first time it is saved.
fn hash_once(state: &mut TrainingState, corpus: &Corpus, hashed: &mut bool) -> Result<()> {
    if !*hashed {
        state.corpus = CorpusFingerprint::of(corpus)?;
        *hashed = true;
    }
    Ok(())
}

/// Refuses a state that does not belong to this model and corpus.
fn check_state(model: &Model, state: &TrainingState, corpus: &Corpus) -> Result<()> {
    let damaged = |what: &str| {
        Err(Error::CannotResume {
            reason: format!("the training state is damaged ({what})"),
        })
    };
    if !state.corpus.same_size(corpus) {
        return Err(Error::CannotResume {
            reason: "the corpus differs from the checkpoint's".into(),
        });
    }
    if state.epoch >= model.settings.epochs || state.next_chunk >= state.corpus.chunks {
        return damaged("its position is past the end of training");
    }
    Ok(())
}

/// What every segment of a run shares.
struct Shared<'a> {
    corpus: &'a Corpus,
    observer: &'a dyn Observer,
    stop: &'a AtomicBool,
    counter: &'a AtomicU64,
    clock: Clock,
    diagnostics: bool,
}

/// Trains global chunks `from..to` (epoch × chunks + chunk), or until stopped; returns where
/// it stopped. The model's matrices are shared with the threads only for the segment, so
/// that between segments the model can be saved whole.
fn segment(
    model: &mut Model,
    word_rows: &Option<crate::subwords::WordRows>,
    rows_state: Option<&mut [RowState; 3]>,
    shared: &Shared<'_>,
    (from, to): (u64, u64),
    carries: &mut [Carry],
    report: &mut TrainReport,
) -> Result<u64> {
    let Model {
        settings,
        vocab,
        tree,
        input,
        ngram_buckets: _,
        nodes,
        negatives,
        info: _,
        state: _,
    } = model;
    let dim = settings.dim;
    let table = SigmoidTable::default();
    let schedule = Schedule {
        alpha0: settings.alpha,
        total_words: shared.corpus.words() * settings.epochs as u64,
    };
    let run = Run {
        architecture: settings.architecture,
        window: settings.window,
        dim,
        corpus: shared.corpus,
        chunks: shared.corpus.chunks() as u64,
        keep: keep_thresholds(vocab.counts(), settings.sample),
        output_rate: settings.output_rate,
        schedule,
        counter: shared.counter,
        seed: settings.seed,
        observer: shared.observer,
        stop: shared.stop,
        failed: AtomicBool::new(false),
        diagnostics: shared.diagnostics,
        running: Mutex::new((0.0, 0)),
        clock: shared.clock,
    };
    let sampler =
        (settings.negative > 0).then(|| AliasSampler::new(vocab.counts(), settings.ns_exponent));
    let parts = Parts {
        settings,
        counts: vocab.counts(),
        tree: tree.as_ref(),
        table: &table,
        sampler: sampler.as_ref(),
        word_rows: word_rows.as_ref(),
    };
    let span = Span {
        from,
        to,
        carries,
        report,
    };
    match rows_state {
        None => parts.train(&run, input, nodes, negatives, [Sgd, Sgd, Sgd], span),
        Some([a, b, c]) => {
            let rates = [a, b, c].map(|s| s.rates(settings.l2, schedule));
            parts.train(&run, input, nodes, negatives, rates, span)
        }
    }
}

/// What the layers of a run are built from, besides the matrices.
struct Parts<'a> {
    settings: &'a crate::model::Settings,
    counts: &'a [u64],
    tree: Option<&'a crate::tree::Tree>,
    table: &'a SigmoidTable,
    sampler: Option<&'a AliasSampler>,
    word_rows: Option<&'a crate::subwords::WordRows>,
}

impl Parts<'_> {
    /// Builds the input side and output layers over the matrices, each matrix updated by its
    /// own rates (input, nodes, word outputs), and trains.
    fn train<R: Rates>(
        &self,
        run: &Run<'_>,
        input: &mut [f32],
        nodes: &mut [f32],
        negatives: &mut [f32],
        rates: [R; 3],
        span: Span<'_>,
    ) -> Result<u64> {
        let settings = self.settings;
        let dim = settings.dim;
        let threads = span.carries.len();
        let [input_rates, node_rates, word_rates] = rates;
        let hs = self
            .tree
            .filter(|_| settings.hs)
            .map(|tree| HierarchicalSoftmax {
                tree,
                local_from: if threads > 1 {
                    tree.internal_nodes().saturating_sub(LOCAL_NODE_ROWS)
                } else {
                    usize::MAX
                },
                nodes: SharedMatrix::new(nodes, dim),
                table: self.table,
                rates: node_rates,
            });
        let word_layer = match settings.softmax {
            None => self.sampler.map(|sampler| {
                WordLayer::Negative(NegativeSampling {
                    negatives: SharedMatrix::new(negatives, dim),
                    sampler,
                    k: settings.negative,
                    table: self.table,
                    rates: word_rates,
                })
            }),
            Some(SoftmaxKind::Full) => Some(WordLayer::Full(FullSoftmax {
                rows: SharedMatrix::new(negatives, dim),
                rates: word_rates,
            })),
            Some(SoftmaxKind::Sampled) => self.sampler.map(|sampler| {
                WordLayer::Sampled(SampledSoftmax {
                    rows: SharedMatrix::new(negatives, dim),
                    sampler,
                    k: settings.negative,
                    log_expected: SampledSoftmax::log_expected_draws(
                        self.counts,
                        settings.ns_exponent,
                        settings.negative,
                    ),
                    rates: word_rates,
                })
            }),
        };
        match self.word_rows {
            None => {
                let input = WordInput {
                    rows: SharedMatrix::new(input, dim),
                    rates: input_rates,
                };
                run.epochs_with(&input, hs, word_layer, span)
            }
            Some(words) => {
                let input = SubwordInput {
                    rows: SharedMatrix::new(input, dim),
                    words,
                    dim,
                    slots: SubwordInput::<R>::slots_for(settings.window),
                    rates: input_rates,
                };
                run.epochs_with(&input, hs, word_layer, span)
            }
        }
    }
}

/// Per word, the subsampling keep probability scaled to u32: word2vec's
/// (sqrt(f / t) + 1) · t / f with f the word's share of the corpus and t = `sample`.
fn keep_thresholds(counts: &[u64], sample: f64) -> Vec<u32> {
    if sample <= 0.0 {
        return Vec::new();
    }
    let threshold = sample * counts.iter().sum::<u64>() as f64;
    counts
        .iter()
        .map(|&c| {
            let c = c.max(1) as f64;
            let p = ((c / threshold).sqrt() + 1.0) * threshold / c;
            (p.min(1.0) * u32::MAX as f64) as u32
        })
        .collect()
}

/// Everything the threads share for one segment of a training run.
struct Run<'a> {
    architecture: Architecture,
    window: usize,
    dim: usize,
    corpus: &'a Corpus,
    chunks: u64,
    keep: Vec<u32>,
    /// The output layer's rate as a multiple of the input rows' (see `Settings::output_rate`).
    output_rate: f32,
    /// The learning rate's linear decay over all epochs.
    schedule: Schedule,
    counter: &'a AtomicU64,
    seed: u64,
    observer: &'a dyn Observer,
    stop: &'a AtomicBool,
    /// Set when a thread cannot read its chunk, so that the others stop too.
    failed: AtomicBool,
    diagnostics: bool,
    /// Loss sum and prediction count of the current epoch, for the progress display.
    running: Mutex<(f64, u64)>,
    clock: Clock,
}

/// The global chunks a segment trains, the threads' carries and the report it adds to.
struct Span<'a> {
    from: u64,
    to: u64,
    carries: &'a mut [Carry],
    report: &'a mut TrainReport,
}

/// What a thread hands on to the thread that continues its work after a pause: what it has
/// not reported, and its gradient sampler.
struct Carry {
    saved: ThreadCarry,
    probe: Option<Probe>,
}

impl Carry {
    fn new(diagnostics: bool) -> Carry {
        Carry {
            saved: ThreadCarry::default(),
            probe: diagnostics.then(Probe::default),
        }
    }
}

/// One thread's share of one epoch's work: chunks from `next_chunk` up to `limit`.
struct Job<'a> {
    epoch: u32,
    next_chunk: &'a AtomicUsize,
    limit: usize,
}

/// What one thread accumulated over its work.
#[derive(Default)]
struct Tally {
    loss: f64,
    predictions: u64,
    /// Why the thread stopped early (its chunk could not be read).
    error: Option<Error>,
}

impl Run<'_> {
    fn alpha(&self, words_done: u64) -> f32 {
        self.schedule.alpha(words_done)
    }

    /// Trains with whichever output layers there are.
    fn epochs_with<I: InputSide, R: Rates>(
        &self,
        input: &I,
        hs: Option<HierarchicalSoftmax<'_, R>>,
        words: Option<WordLayer<'_, R>>,
        span: Span<'_>,
    ) -> Result<u64> {
        match (hs, words) {
            (Some(hs), Some(WordLayer::Negative(ns))) => self.epochs(input, &Both { hs, ns }, span),
            (Some(hs), None) => self.epochs(input, &hs, span),
            (None, Some(WordLayer::Negative(ns))) => self.epochs(input, &ns, span),
            (None, Some(WordLayer::Full(full))) => self.epochs(input, &full, span),
            (None, Some(WordLayer::Sampled(sampled))) => self.epochs(input, &sampled, span),
            (Some(_), Some(_)) => Err(Error::setting(
                crate::error::Setting::OutputLayer,
                "cannot combine a softmax with hierarchical softmax: it trains alone",
            )),
            (None, None) => Err(Error::setting(
                crate::error::Setting::OutputLayer,
                "has nothing to train: hierarchical softmax is off and there are no negative \
                 samples",
            )),
        }
    }

    /// Trains the span's chunks epoch by epoch, a scope of threads per epoch (or part of
    /// one); returns the global chunk it got to.
    fn epochs<I: InputSide, O: OutputLayer>(
        &self,
        input: &I,
        out: &O,
        span: Span<'_>,
    ) -> Result<u64> {
        let Span {
            from,
            to,
            carries,
            report,
        } = span;
        let chunks = self.chunks;
        let mut pos = from;
        while pos < to && !self.stop.load(Ordering::Relaxed) {
            let epoch = (pos / chunks) as u32;
            let epoch_start = epoch as u64 * chunks;
            let limit = if to >= epoch_start + chunks {
                usize::MAX
            } else {
                (to - epoch_start) as usize
            };
            let next_chunk = AtomicUsize::new((pos - epoch_start) as usize);
            *self.running.lock().unwrap() = carries.iter().fold((0.0, 0), |(l, n), c| {
                (l + c.saved.loss, n + c.saved.predictions)
            });
            let job = Job {
                epoch,
                next_chunk: &next_chunk,
                limit,
            };
            let mut tallies: Vec<Tally> = std::thread::scope(|scope| {
                let handles: Vec<_> = carries
                    .iter_mut()
                    .map(|carry| {
                        let job = &job;
                        scope.spawn(move || self.worker(input, out, job, carry))
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().expect("training thread"))
                    .collect()
            });
            if let Some(e) = tallies.iter_mut().find_map(|t| t.error.take()) {
                return Err(e);
            }
            if !is_finite(input.rows()) {
                return Err(Error::Diverged {
                    epoch: epoch + 1,
                    alpha: self.schedule.alpha0,
                });
            }
            // Every chunk handed out below this one was trained whole.
            let reached = next_chunk
                .load(Ordering::Relaxed)
                .min(limit)
                .min(chunks as usize);
            pos = epoch_start + reached as u64;
            if reached < chunks as usize {
                break;
            }
            self.end_epoch(epoch, carries, report);
        }
        Ok(pos)
    }

    /// Counts what the threads had not, reports the epoch and starts the threads' next one.
    fn end_epoch(&self, epoch: u32, carries: &mut [Carry], report: &mut TrainReport) {
        // Threads count their words when they run out of chunks; only after a stop that came
        // as the last chunk finished is there anything left.
        let left: u64 = carries.iter().map(|c| c.saved.unreported_words).sum();
        if left > 0 {
            self.counter.fetch_add(left, Ordering::Relaxed);
        }
        let (loss, predictions) = carries.iter().fold((0.0, 0), |(l, n), c| {
            (l + c.saved.loss, n + c.saved.predictions)
        });
        let gradients = self.diagnostics.then(|| {
            let mut all = GradientStats::default();
            for p in carries.iter().filter_map(|c| c.probe.as_ref()) {
                all.merge(&p.stats);
            }
            all
        });
        for carry in carries.iter_mut() {
            *carry = Carry::new(self.diagnostics);
        }
        let words = self.counter.load(Ordering::Relaxed);
        let epoch_report = EpochReport {
            epoch: epoch + 1,
            words,
            loss: loss / predictions.max(1) as f64,
            alpha: self.alpha(words),
            seconds: self.clock.now(),
        };
        report.epochs.push(epoch_report);
        report.gradients.extend(gradients);
        self.observer.epoch_done(&epoch_report);
    }

    /// Picks the fastest kernel this CPU has, once per thread and epoch.
    fn worker<I: InputSide, O: OutputLayer>(
        &self,
        input: &I,
        out: &O,
        job: &Job<'_>,
        carry: &mut Carry,
    ) -> Tally {
        match KernelChoice::detect() {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `worker_avx512` needs AVX-512F, AVX2 and FMA; the token `k` exists only
            // if `Avx512::detect` found them on this CPU.
            KernelChoice::Avx512(k) => unsafe { self.worker_avx512(k, input, out, job, carry) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `worker_avx2` needs AVX2 and FMA; the token `k` exists only if
            // `Avx2Fma::detect` found them on this CPU.
            KernelChoice::Avx2Fma(k) => unsafe { self.worker_avx2(k, input, out, job, carry) },
            KernelChoice::Portable(k) => self.worker_with(k, input, out, job, carry),
        }
    }

    /// The whole worker compiled with AVX-512, so the kernels inline into it.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx2,fma")]
    fn worker_avx512<I: InputSide, O: OutputLayer>(
        &self,
        k: Avx512,
        input: &I,
        out: &O,
        job: &Job<'_>,
        carry: &mut Carry,
    ) -> Tally {
        self.worker_with(k, input, out, job, carry)
    }

    /// The whole worker compiled with AVX2+FMA, so the kernels inline into it.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    fn worker_avx2<I: InputSide, O: OutputLayer>(
        &self,
        k: Avx2Fma,
        input: &I,
        out: &O,
        job: &Job<'_>,
        carry: &mut Carry,
    ) -> Tally {
        self.worker_with(k, input, out, job, carry)
    }

    /// Trains chunks until the job's run out (then counts its words), training stops, or
    /// the job's limit; what it has not counted goes back into `carry`.
    #[inline(always)]
    fn worker_with<K: Kernel, I: InputSide, O: OutputLayer>(
        &self,
        k: K,
        input: &I,
        out: &O,
        job: &Job<'_>,
        carry: &mut Carry,
    ) -> Tally {
        let epoch = job.epoch;
        let mut buffers = Buffers {
            hidden: vec![0.0; self.dim],
            grad: vec![0.0; self.dim],
            grads: vec![0.0; self.dim * SKIPGRAM_GROUP],
            contexts: Vec::with_capacity(2 * self.window),
            sentence: Vec::with_capacity(MAX_SENTENCE_WORDS),
        };
        let mut cache = input.cache();
        let mut tally = Tally {
            loss: carry.saved.loss,
            predictions: carry.saved.predictions,
            error: None,
        };
        let mut reported = Tally {
            loss: tally.loss,
            predictions: tally.predictions,
            error: None,
        };
        let mut local = Local::new(0, false);
        local.probe = carry.probe.take();
        local.rows = out.local_rows();
        let mut unmerged_words = 0;
        let mut unreported_words = carry.saved.unreported_words;
        // Words trained as this thread knows it: the shared count at its last report.
        let mut reported_words = self.counter.load(Ordering::Relaxed);
        let mut alpha = self.alpha(reported_words);
        let mut reader = self.corpus.reader();
        let mut ran_out = false;
        while !self.stop.load(Ordering::Relaxed) && !self.failed.load(Ordering::Relaxed) {
            let c = job.next_chunk.fetch_add(1, Ordering::Relaxed);
            if c >= job.limit {
                break;
            }
            let chunk = match reader.read(c) {
                Ok(Some(chunk)) => chunk,
                Ok(None) => {
                    ran_out = true;
                    break;
                }
                Err(e) => {
                    tally.error = Some(e);
                    self.failed.store(true, Ordering::Relaxed);
                    break;
                }
            };
            local.rng = SmallRng::seed_from_u64(chunk_seed(self.seed, epoch, c));
            for words in chunk.sentences() {
                local.words = reported_words + unreported_words;
                buffers.sentence.clear();
                if self.keep.is_empty() {
                    buffers.sentence.extend_from_slice(words);
                } else {
                    for &w in words {
                        if local.rng.next_u32() <= self.keep[w as usize] {
                            buffers.sentence.push(w);
                        }
                    }
                }
                let step = Step {
                    k,
                    input,
                    out,
                    alpha,
                    out_alpha: alpha * self.output_rate,
                };
                match self.architecture {
                    Architecture::SkipGram => self.skipgram_sentence(
                        &step,
                        &mut cache,
                        &mut local,
                        &mut buffers,
                        &mut tally,
                    ),
                    Architecture::Cbow => {
                        self.cbow_sentence(&step, &mut cache, &mut local, &mut buffers, &mut tally)
                    }
                }
                input.finish_sentence(k, &mut cache, &buffers.sentence);
                unmerged_words += words.len();
                if unmerged_words >= MERGE_WORDS {
                    if let Some(rows) = local.rows.as_mut() {
                        out.merge(rows);
                    }
                    unmerged_words = 0;
                }
                unreported_words += words.len() as u64;
                if unreported_words >= REPORT_WORDS {
                    (alpha, reported_words) =
                        self.report(epoch, unreported_words, &tally, &mut reported);
                    unreported_words = 0;
                }
            }
        }
        if let Some(rows) = local.rows.as_mut() {
            out.merge(rows);
        }
        if ran_out {
            self.report(epoch, unreported_words, &tally, &mut reported);
            unreported_words = 0;
        }
        carry.saved = ThreadCarry {
            unreported_words,
            loss: tally.loss,
            predictions: tally.predictions,
        };
        carry.probe = local.probe;
        tally
    }

    /// Adds this thread's words to the shared counter and its loss to the running figure;
    /// returns the new learning rate and the words trained in all.
    fn report(&self, epoch: u32, words: u64, tally: &Tally, reported: &mut Tally) -> (f32, u64) {
        let done = self.counter.fetch_add(words, Ordering::Relaxed) + words;
        let alpha = self.alpha(done);
        let loss = {
            let mut running = self.running.lock().unwrap();
            running.0 += tally.loss - reported.loss;
            running.1 += tally.predictions - reported.predictions;
            running.0 / running.1.max(1) as f64
        };
        reported.loss = tally.loss;
        reported.predictions = tally.predictions;
        self.observer.progress(&Progress {
            epoch: epoch + 1,
            words_done: done,
            words_total: self.schedule.total_words,
            alpha,
            loss,
        });
        (alpha, done)
    }

    /// Skip-gram: each context word's vector predicts the centre word through the output layer.
    /// A centre word's contexts go to the output layer [`SKIPGRAM_GROUP`] at a time (see `step_many`).
    #[inline(always)]
    fn skipgram_sentence<K: Kernel, I: InputSide, O: OutputLayer>(
        &self,
        step: &Step<'_, K, I, O>,
        cache: &mut I::Cache,
        local: &mut Local,
        buffers: &mut Buffers,
        tally: &mut Tally,
    ) {
        let Step {
            k,
            input,
            out,
            alpha,
            out_alpha,
        } = *step;
        let sentence = &buffers.sentence;
        let n = sentence.len();
        let dim = self.dim;
        for pos in 0..n {
            self.prefetch_next(input, out, sentence, pos);
            let reach = self.draw_window(&mut local.rng);
            let target = sentence[pos];
            let (lo, hi) = (pos.saturating_sub(reach), (pos + reach).min(n - 1));
            input.prepare(k, cache, sentence, lo..=hi, local.words);
            buffers.contexts.clear();
            buffers.contexts.extend((lo..=hi).filter(|&c| c != pos));
            let mut loss = 0.0f32;
            for group in buffers.contexts.chunks(SKIPGRAM_GROUP) {
                let grads = &mut buffers.grads[..group.len() * dim];
                grads.fill(0.0);
                {
                    let mut hiddens = [Row::EMPTY; SKIPGRAM_GROUP];
                    for (h, &c) in hiddens.iter_mut().zip(group) {
                        *h = input.vector(cache, sentence, c);
                    }
                    loss +=
                        out.step_many(k, local, target, &hiddens[..group.len()], grads, out_alpha);
                }
                for (grad, &c) in grads.chunks_exact(dim).zip(group) {
                    input.learn(k, cache, sentence, c, grad, alpha);
                }
            }
            tally.loss += loss as f64;
            tally.predictions += buffers.contexts.len() as u64;
        }
    }

    /// CBOW: the mean of the context vectors predicts the centre word; every context vector
    /// gets the whole input-side gradient (word2vec's rule).
    #[inline(always)]
    fn cbow_sentence<K: Kernel, I: InputSide, O: OutputLayer>(
        &self,
        step: &Step<'_, K, I, O>,
        cache: &mut I::Cache,
        local: &mut Local,
        buffers: &mut Buffers,
        tally: &mut Tally,
    ) {
        let Step {
            k,
            input,
            out,
            alpha,
            out_alpha,
        } = *step;
        let sentence = &buffers.sentence;
        let n = sentence.len();
        for pos in 0..n {
            self.prefetch_next(input, out, sentence, pos);
            let reach = self.draw_window(&mut local.rng);
            let (lo, hi) = (pos.saturating_sub(reach), (pos + reach).min(n - 1));
            if hi == lo {
                continue;
            }
            input.prepare(k, cache, sentence, lo..=hi, local.words);
            buffers.hidden.fill(0.0);
            for c in (lo..=hi).filter(|&c| c != pos) {
                k.axpy(
                    1.0,
                    input.vector(cache, sentence, c),
                    RowMut::from(&mut buffers.hidden[..]),
                );
            }
            let inv = 1.0 / (hi - lo) as f32;
            buffers.hidden.iter_mut().for_each(|x| *x *= inv);
            buffers.grad.fill(0.0);
            let loss = out.step(
                k,
                local,
                sentence[pos],
                Row::from(&buffers.hidden),
                &mut buffers.grad,
                out_alpha,
            );
            for c in (lo..=hi).filter(|&c| c != pos) {
                input.learn(k, cache, sentence, c, &buffers.grad, alpha);
            }
            tally.loss += loss as f64;
            tally.predictions += 1;
        }
    }

    /// While position `pos` trains, starts loading what position `pos + 1` will need: its
    /// output rows and the word that enters the window. Their loads are cache misses, and
    /// issuing them one word early hides them behind this word's work.
    #[inline(always)]
    fn prefetch_next<I: InputSide, O: OutputLayer>(
        &self,
        input: &I,
        out: &O,
        sentence: &[u32],
        pos: usize,
    ) {
        if let Some(&next) = sentence.get(pos + 1) {
            out.prefetch(next);
        }
        if let Some(&entering) = sentence.get(pos + 1 + self.window) {
            input.prefetch(entering);
        }
    }

    /// word2vec's dynamic window: the reach is uniform in 1..=window.
    #[inline(always)]
    fn draw_window(&self, rng: &mut SmallRng) -> usize {
        let r = ((rng.next_u32() as u64 * self.window as u64) >> 32) as usize;
        self.window - r
    }
}

/// What every step of a sentence is given: the kernel, the two sides of the model and the
/// learning rate.
struct Step<'a, K, I, O> {
    k: K,
    input: &'a I,
    out: &'a O,
    /// The input rows' learning rate.
    alpha: f32,
    /// The output layer's.
    out_alpha: f32,
}

impl<K: Copy, I, O> Clone for Step<'_, K, I, O> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<K: Copy, I, O> Copy for Step<'_, K, I, O> {}

/// Whether every input row holds finite numbers (training diverged if not).
fn is_finite(rows: &SharedMatrix<'_>) -> bool {
    (0..rows.rows()).all(|r| rows.row(r).iter().all(f32::is_finite))
}

struct Buffers {
    hidden: Vec<f32>,
    grad: Vec<f32>,
    /// One gradient row per context word of a skip-gram group.
    grads: Vec<f32>,
    /// Sentence positions of a centre word's contexts.
    contexts: Vec<usize>,
    sentence: Vec<u32>,
}

/// A well-mixed seed per (run, epoch, chunk) (SplitMix64 finaliser).
fn chunk_seed(seed: u64, epoch: u32, chunk: usize) -> u64 {
    let mut z = seed
        ^ (epoch as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ (chunk as u64).wrapping_mul(0xD1B5_4A32_D192_ED03);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keep_probability_follows_word2vec() {
        // 1000 words in all, sample 1e-3 → t = 1; a word seen 100 times is kept with
        // (sqrt(100) + 1) / 100 = 0.11, a word seen once always.
        let keep = keep_thresholds(&[100, 899, 1], 1e-3);
        let p = keep[0] as f64 / u32::MAX as f64;
        assert!((p - 0.11).abs() < 1e-6, "{p}");
        assert_eq!(keep[2], u32::MAX);
        assert!(keep_thresholds(&[5, 5], 0.0).is_empty());
    }

    /// With two threads the nodes next to the root train only in per-thread copies; what
    /// they learn must reach the model through the merges.
    #[test]
    fn private_node_rows_are_merged_into_the_model() {
        use crate::model::Settings;
        use crate::vocab::Vocab;
        use rand::Rng;
        let (v, dim) = (40usize, 8usize);
        let counts: Vec<u64> = (0..v as u64).map(|i| 1000 - 10 * i).collect();
        let words = (0..v).map(|i| format!("w{i}")).collect();
        let settings = Settings {
            dim,
            threads: 2,
            epochs: 1,
            sample: 0.0,
            ..Default::default()
        };
        let mut model = Model::new(settings, Vocab::new(words, counts));
        // 30,000 words: three work chunks, so both threads train.
        let mut corpus = crate::corpus::EncodedCorpus::default();
        let mut rng = SmallRng::seed_from_u64(1);
        for _ in 0..3000 {
            for _ in 0..10 {
                corpus.push(rng.random_range(0..v as u32));
            }
            corpus.end_sentence();
        }
        let corpus = Corpus::in_memory(corpus);
        train(&mut model, &corpus, &Silent, &AtomicBool::new(false), false).unwrap();
        let rows = model.nodes.len() / dim;
        assert!(rows > LOCAL_NODE_ROWS);
        for r in rows - LOCAL_NODE_ROWS..rows {
            let row = &model.nodes[r * dim..(r + 1) * dim];
            assert!(row.iter().any(|x| *x != 0.0), "node row {r} never merged");
        }
    }

    #[test]
    fn chunk_seeds_differ() {
        let seeds: std::collections::HashSet<u64> = (0..3)
            .flat_map(|e| (0..100).map(move |c| chunk_seed(1, e, c)))
            .collect();
        assert_eq!(seeds.len(), 300);
    }
}
