//! `w2v train`: checks the outputs, reads and counts the text, trains with progress on
//! stderr, saves the model and the optional logs, and handles Ctrl-C.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use clap::parser::ValueSource;
use clap::ArgMatches;

use w2v::corpus::{Input, TokenizeOptions, Tokenizer};
use w2v::formats::destination::{self, PathTarget};
use w2v::formats::Destination;
use w2v::ids::{CorpusStorage, SPILL_ABOVE_WORDS};
use w2v::model::{Architecture, Model, Optimizer, Settings, SoftmaxKind, TreeKind};
use w2v::scan::Words;
use w2v::subwords::NgramSettings;

use super::progress::{self, Display};
use super::{
    paths, phrases, CliResult, Failure, FormatArg, LossArg, OptimizerArg, SpillArg, TokenizerArg,
    TrainArgs, TreeArg,
};

/// Set by the first Ctrl-C: training stops at the next chunk and saves what it has.
static STOP: AtomicBool = AtomicBool::new(false);
/// Set once the text is read and training runs, so a Ctrl-C knows there is something to save.
static TRAINING: AtomicBool = AtomicBool::new(false);

pub fn train(a: TrainArgs, matches: Option<&ArgMatches>) -> CliResult {
    let resumed = a.resume.as_deref().map(read_resumable).transpose()?;
    let initial = a.init.as_deref().map(read_initial).transpose()?;
    let settings = match (&resumed, &initial) {
        (Some(model), _) => resume_settings(&a, matches, &model.settings)?,
        (None, Some(model)) => init_settings(&a, matches, &model.settings)?,
        (None, None) => settings(&a)?,
    };
    Model::check_settings(&settings)?;
    check_init(&a)?;
    check_checkpoints(&a)?;
    if a.diagnostics.is_some() && resumed.is_some() {
        return Err(Failure::Usage(
            "--diagnostics cannot be combined with --resume: checkpoints do not keep the \
             gradient statistics"
                .into(),
        ));
    }
    if a.diagnostics.is_some() && !settings.hs {
        return Err(Failure::Usage(
            "--diagnostics records hierarchical-softmax gradients; it needs --hs".into(),
        ));
    }
    let named: Vec<Input> = a.input.iter().map(|s| Input::parse(s)).collect();
    let inputs = w2v::source::expand_folders(&named, a.input_ext.as_deref())?;
    check_outputs(&a, &inputs)?;
    let tree_source = tree_source(&a, &settings, resumed.is_some() || initial.is_some())?;
    for warning in unlikely_settings(&settings) {
        eprintln!("w2v: warning: {warning}");
    }
    // First Ctrl-C: finish the current chunk and save what is trained (marked partial);
    // a second one, or one before training starts, quits at once: the user asked to, and
    // nothing is lost that was not already going to be.
    let _ = ctrlc::set_handler(|| {
        if STOP.swap(true, Ordering::SeqCst) || !TRAINING.load(Ordering::SeqCst) {
            phrases::remove_scratch();
            eprintln!("\nw2v: interrupted");
            std::process::exit(130);
        }
        eprintln!("\nw2v: stopping: saving the model trained so far (Ctrl-C again to quit now)");
    });

    let display = Display::new(a.quiet);
    // With --phrases, the joined text is written to a scratch file and read from there, split
    // as it was written.
    let mut scan_options = TokenizeOptions {
        tokenizer: settings.tokenizer,
        lowercase: settings.lowercase,
    };
    let mut inputs = inputs;
    let scratch = match phrase_schedule(&a)? {
        Some(schedule) => {
            let scratch = phrases::Scratch::new()?;
            let joined = scratch.path("phrases.txt");
            let file = std::fs::File::create(&joined).map_err(|e| w2v::Error::io(&joined, e))?;
            let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
            let report = phrases::run_passes(
                &inputs,
                scan_options,
                &schedule,
                &scratch,
                display,
                &mut out,
            )
            .map_err(|e| match e {
                phrases::PassesFailure::Output(e) => w2v::Error::io(&joined, e).into(),
                phrases::PassesFailure::Other(f) => f,
            })?;
            drop(out);
            phrases::warn_about(&report, "the phrase table cap");
            inputs = vec![Input::Path(joined)];
            scan_options = TokenizeOptions {
                tokenizer: Tokenizer::Whitespace,
                lowercase: false,
            };
            Some(scratch)
        }
        None => None,
    };
    // File sizes: compressed ones count their compressed bytes, as reading reports them.
    let total_bytes = inputs
        .iter()
        .map(|i| match i {
            Input::Path(p) => std::fs::metadata(p).ok().map(|m| m.len()),
            Input::Stdin => None,
        })
        .sum::<Option<u64>>();
    let reading = progress::reading_bar(total_bytes, display);
    let words = match (&initial, a.read_vocab.as_deref()) {
        (Some(model), _) => Words::Model {
            vocab: &model.vocab,
            add_new: a.update_vocab,
            max_vocab: settings.max_vocab,
        },
        (None, Some(path)) => Words::File(path),
        (None, None) => Words::Count {
            max_vocab: settings.max_vocab,
        },
    };
    let scanned = w2v::scan::scan(
        &inputs,
        scan_options,
        settings.min_count,
        words,
        &storage(&a),
        |n| reading.inc(n),
    );
    reading.finish_and_clear();
    drop(scratch);
    let scanned = scanned?;
    if let Some(destination) = &a.save_vocab {
        paths::write_output(destination, |out| scanned.vocab.write_counts(out))?;
    }
    let vocab_size = scanned.vocab.len();
    // A small corpus is the user's to judge; a --min-count that cuts it down that far is not.
    if vocab_size < FEW_WORDS && vocab_size < scanned.distinct {
        eprintln!(
            "w2v: warning: --min-count {} leaves only {vocab_size} of {} words; vectors of so \
             few words mean little (lower --min-count or use more text)",
            settings.min_count, scanned.distinct
        );
    }
    let corpus_words = scanned.corpus.words();
    let spill_bytes = scanned.corpus.spill_bytes();
    let mut model = match (resumed, initial) {
        (Some(mut model), _) => {
            w2v::train::check_resume(&model, &scanned.vocab, &scanned.corpus)
                .map_err(|e| resume_failure(&a, e))?;
            model.settings = settings.clone();
            model
        }
        (None, Some(mut model)) => {
            model.settings = settings.clone();
            model.grow(scanned.vocab);
            model
        }
        (None, None) => new_model(
            &settings,
            scanned.vocab,
            &scanned.corpus,
            tree_source,
            display,
        )?,
    };
    let bar = progress::TrainingBar::new(
        corpus_words * settings.epochs as u64,
        settings.epochs,
        display,
    );
    TRAINING.store(true, Ordering::SeqCst);
    // Checkpoints replace --output (a regular file; see check_checkpoints) atomically.
    // How many checkpoints were saved, and the seconds training waited for them.
    let saving = std::cell::Cell::new((0u32, 0.0f64));
    let mut save_checkpoint = |model: &Model| {
        let start = std::time::Instant::now();
        let saved = match &a.output {
            Some(output) => output.write_with(|out| w2v::formats::native::write(model, out)),
            None => Ok(()),
        };
        let (n, seconds) = saving.get();
        saving.set((n + 1, seconds + start.elapsed().as_secs_f64()));
        saved
    };
    let checkpoints = a.checkpoint_every.map(|every| w2v::train::Checkpoints {
        every_epochs: every,
        save: &mut save_checkpoint,
    });
    let report = w2v::train::train_with(
        &mut model,
        &scanned.corpus,
        &bar,
        &STOP,
        a.diagnostics.is_some(),
        checkpoints,
    );
    bar.finish();
    let report = report?;
    drop(scanned.corpus);
    let mean_code_len = model
        .tree
        .as_ref()
        .map(|t| t.mean_code_len(model.vocab.counts()));
    let ngram_rows = model.ngram_buckets.len();
    // An interrupted --init run cannot be resumed (a resumed run counts its text afresh,
    // and the vocabulary came from the model): it is saved as a plain partial model, and
    // never over the model it started from.
    let init_interrupted = report.interrupted && a.init.is_some();
    if init_interrupted {
        model.state = None;
    }
    let keep_initial = init_interrupted
        && a.init.as_deref().is_some_and(|init| {
            a.output
                .as_ref()
                .and_then(Destination::path)
                .is_some_and(|out| paths::same_file(out, init))
        });
    save(&a, model, !keep_initial)?;
    if let Some(destination) = &a.loss_log {
        paths::write_output(destination, |out| w2v::train::write_loss_csv(&report, out))?;
    }
    if let Some(destination) = &a.diagnostics {
        let rows: Vec<_> = (1..)
            .zip(&report.gradients)
            .flat_map(|(epoch, stats)| w2v::diagnostics::rows(epoch, stats))
            .collect();
        paths::write_output(destination, |out| w2v::diagnostics::write_csv(&rows, out))?;
    }

    if scanned.stats.invalid_utf8_bytes > 0 {
        eprintln!(
            "w2v: warning: {} bytes of invalid UTF-8 were replaced by U+FFFD",
            scanned.stats.invalid_utf8_bytes
        );
    }
    if scanned.prunes > 0 {
        eprintln!(
            "w2v: warning: --max-vocab pruned rare words {} times while counting; counts of rare \
             words are lower bounds",
            scanned.prunes
        );
    }
    if report.interrupted {
        let (done, epochs) = (report.epochs.len(), settings.epochs);
        match a.init.as_deref() {
            Some(init) if keep_initial => eprintln!(
                "w2v: interrupted after {done} of {epochs} epochs; {} is left as it was (it is \
                 both --init and --output)",
                init.display()
            ),
            Some(_) => eprintln!(
                "w2v: interrupted after {done} of {epochs} epochs; saved a partial model to {} \
                 (a run with --init cannot be resumed: run it again)",
                saved_to(&a)
            ),
            None => eprintln!(
                "w2v: interrupted after {done} of {epochs} epochs; saved a partial model to {}{}",
                saved_to(&a),
                if a.output.is_some() {
                    " (go on with --resume)"
                } else {
                    ""
                }
            ),
        }
        return Err(Failure::Interrupted);
    }
    if display != Display::Quiet {
        let (n, seconds) = saving.get();
        if n > 0 {
            // scripts/bench-checkpoint.sh reads this line.
            eprintln!("checkpoints: {n} saved in {seconds:.2} s");
        }
        if let Some(len) = mean_code_len {
            // Hierarchical softmax's cost per prediction; scripts/hs-report.sh reads it.
            eprintln!("hierarchical softmax: mean code length {len:.2}");
        }
        eprintln!(
            "{}",
            summary(
                &report,
                &settings,
                (vocab_size, ngram_rows),
                progress::peak_memory_bytes(),
                spill_bytes,
                saved_to(&a)
            )
        );
    }
    Ok(())
}

/// Where a semantic tree's vectors come from, when one is to be built.
enum TreeSource {
    /// `--tree-from`, loaded before the corpus is read so that a bad file fails at once.
    File(PathBuf, Box<w2v::vectors::Vectors>),
    /// A first pass over the corpus.
    FirstPass,
}

/// `--tree-from` and `--tree semantic` checked, and the vectors loaded if a tree is to be
/// built from them. Without hierarchical softmax there is no tree, and the tree options are
/// ignored as `--tree balanced` is; a resumed or continued run keeps its model's tree.
fn tree_source(a: &TrainArgs, s: &Settings, resuming: bool) -> CliResult<Option<TreeSource>> {
    if a.tree_from.is_some() && !matches!(a.tree, TreeArg::Semantic) {
        return Err(Failure::Usage(
            "--tree-from gives the vectors of --tree semantic; add --tree semantic".into(),
        ));
    }
    if !s.hs || s.tree != TreeKind::Semantic {
        return Ok(None);
    }
    if resuming {
        if a.tree_from.is_some() {
            eprintln!(
                "w2v: warning: --tree-from is not read with --resume or --init: the \
                 model's semantic tree goes on"
            );
        }
        return Ok(None);
    }
    Ok(Some(match &a.tree_from {
        Some(path) => {
            let vectors = w2v::formats::load_vectors(path, None)
                .map_err(|e| Failure::Failed(format!("--tree-from: {e}")))?;
            TreeSource::File(path.clone(), Box::new(vectors))
        }
        None => TreeSource::FirstPass,
    }))
}

/// A fresh model; with `--tree semantic`, its tree built from `source`'s vectors.
fn new_model(
    settings: &Settings,
    vocab: w2v::vocab::Vocab,
    corpus: &w2v::ids::Corpus,
    source: Option<TreeSource>,
    display: Display,
) -> CliResult<Model> {
    let Some(source) = source else {
        return Ok(Model::new(settings.clone(), vocab));
    };
    let (rows, dim, from) = match source {
        TreeSource::File(path, vectors) => {
            let dim = vectors.dim();
            (
                vocab_rows(&vectors, vocab.words()),
                dim,
                path.display().to_string(),
            )
        }
        TreeSource::FirstPass => {
            if display != Display::Quiet {
                eprintln!(
                    "semantic tree: no --tree-from, so a first pass (1 epoch, Huffman tree) \
                     trains the vectors it is built from"
                );
            }
            let first_settings = Settings {
                tree: TreeKind::Huffman,
                epochs: 1,
                ..settings.clone()
            };
            let mut first = Model::new(first_settings, vocab.clone());
            let bar = progress::TrainingBar::new(corpus.words(), 1, display);
            let report = w2v::train::train(&mut first, corpus, &bar, &STOP, false);
            bar.finish();
            let report = report?;
            if display != Display::Quiet {
                eprintln!("semantic tree: first pass done in {:.1} s", report.seconds);
            }
            let emb = first.into_embeddings();
            let dim = emb.dim();
            (
                emb.vectors.into_raw_vec_and_offset().0,
                dim,
                "the first pass".to_string(),
            )
        }
    };
    let start = std::time::Instant::now();
    let built = w2v::tree::Tree::semantic(vocab.counts(), &rows, dim).map_err(|_| {
        Failure::Failed(format!(
            "--tree semantic: none of the {} vocabulary words has a usable vector in {from} \
             (missing, zero or not finite)",
            vocab.len()
        ))
    })?;
    if built.missing > 0 {
        eprintln!(
            "w2v: warning: {} of {} vocabulary words have no vector in {from}; they share a \
             Huffman subtree under the semantic tree's root",
            built.missing,
            vocab.len()
        );
    }
    if display != Display::Quiet {
        eprintln!(
            "semantic tree: built from {from} in {:.1} s; mean code length {:.2} (Huffman's \
             {:.2})",
            start.elapsed().as_secs_f64(),
            built.tree.mean_code_len(vocab.counts()),
            w2v::tree::Tree::huffman(vocab.counts()).mean_code_len(vocab.counts())
        );
    }
    Ok(Model::with_tree(settings.clone(), vocab, Some(built.tree)))
}

/// One row per vocabulary word from `vectors` (found by `w2v similar`'s rule, exact spelling
/// then any case; from n-grams for words a fastText model lacks), zero where there is none.
fn vocab_rows(vectors: &w2v::vectors::Vectors, words: &[String]) -> Vec<f32> {
    let dim = vectors.dim();
    let index = w2v::query::WordIndex::new(&vectors.embeddings);
    let mut rows = vec![0f32; words.len() * dim];
    for (word, out) in words.iter().zip(rows.chunks_exact_mut(dim.max(1))) {
        let found = match index.row(word) {
            Some(row) => Some(vectors.embeddings.vector(row).to_vec()),
            None => vectors.oov_vector(word).ok(),
        };
        if let Some(found) = found {
            out.copy_from_slice(&found);
        }
    }
    rows
}

/// `--checkpoint-every`: a positive number of epochs.
pub(super) fn parse_checkpoint_every(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(n) if n.is_finite() && n > 0.0 => Ok(n),
        _ => Err(format!(
            "must be a positive number of epochs (such as 1 or 0.25), not '{s}'"
        )),
    }
}

/// Checkpoints replace --output again and again, so it must be a regular file.
fn check_checkpoints(a: &TrainArgs) -> CliResult {
    if a.checkpoint_every.is_none() {
        return Ok(());
    }
    let not_a_file = |what: &str| {
        Err(Failure::Usage(format!(
            "--checkpoint-every saves to --output, which must be a regular file ({what})"
        )))
    };
    match &a.output {
        None => not_a_file("there is no --output"),
        Some(Destination::Stdout) => not_a_file("it is stdout"),
        Some(Destination::Path(path)) => match destination::resolve(path) {
            Ok(PathTarget::InPlace(_)) => {
                not_a_file(&format!("{} is a pipe or device", path.display()))
            }
            // A bad path is check_outputs's to report.
            Ok(PathTarget::Replace(_)) | Err(_) => Ok(()),
        },
    }
}

/// The model `--resume` names, if it can be resumed at all.
fn read_resumable(path: &Path) -> CliResult<Model> {
    let model = w2v::formats::native::read_path(path)?;
    if model.state.is_none() {
        let reason = if model.info.partial {
            "it is a partial model without training state (saved by an older w2v, or by \
             an interrupted --init run)"
                .to_string()
        } else {
            format!(
                "it finished training ({} epochs), there is nothing to resume; to train it on \
                 more text, use --init",
                model.info.epochs_done
            )
        };
        return Err(Failure::Usage(format!(
            "--resume {}: {reason}",
            path.display()
        )));
    }
    Ok(model)
}

/// The model `--init` names, if it is a finished w2v model.
fn read_initial(path: &Path) -> CliResult<Model> {
    let refuse = |why: String| Err(Failure::Usage(format!("--init {}: {why}", path.display())));
    let mut prefix = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| std::io::Read::read_to_end(&mut std::io::Read::take(f, 8), &mut prefix))
        .map_err(|e| Failure::Failed(format!("--init {}: {e}", path.display())))?;
    if !w2v::formats::native::is_native(&prefix) {
        return refuse(
            "not a model saved by `w2v train --output` (no W2VMODEL header); word vectors \
             alone (word2vec or fastText files) lack the output layer training goes on with"
                .into(),
        );
    }
    let model = w2v::formats::native::read_path(path)?;
    if model.info.partial {
        let done = format!(
            "{} of {} epochs done",
            model.info.epochs_done, model.settings.epochs
        );
        return refuse(if model.state.is_some() {
            format!(
                "it is a checkpoint of an unfinished run ({done}); go on with --resume {}",
                path.display()
            )
        } else {
            format!(
                "it is an unfinished model ({done}) without the state --resume needs; --init \
                 continues finished models"
            )
        });
    }
    Ok(model)
}

/// Options `--init` cannot take.
fn check_init(a: &TrainArgs) -> CliResult {
    if a.init.is_none() {
        return Ok(());
    }
    let refuse = |what: &str| {
        Err(Failure::Usage(format!(
            "--init cannot be combined with {what}"
        )))
    };
    if a.read_vocab.is_some() {
        return refuse(
            "--read-vocab: the vocabulary is the model's (add words with --update-vocab)",
        );
    }
    if a.checkpoint_every.is_some() {
        return refuse(
            "--checkpoint-every: a resumed run counts its text afresh, but this one's \
             vocabulary comes from the model",
        );
    }
    Ok(())
}

/// The `--init` model's settings, with the options given that may change (learning rate,
/// epochs, window, subsampling, ...) applied. Those the model's matrices, tree or words were
/// made with cannot change: one given with another value is refused, naming both.
fn init_settings(
    a: &TrainArgs,
    matches: Option<&ArgMatches>,
    saved: &Settings,
) -> CliResult<Settings> {
    let asked = settings(a)?;
    // The number of samples may change, except a sampled softmax's.
    let layers = |s: &Settings| match s.softmax {
        Some(_) => output_layer(s),
        None => output_layer_kind(s).to_string(),
    };
    let mut fixed = shape_checks(&asked, saved);
    fixed.extend([
        (
            &["loss", "hs", "no_hs", "negative"][..],
            Some("output layer"),
            layers(&asked),
            layers(saved),
        ),
        (
            &["tree"],
            None,
            lower_debug(&asked.tree),
            lower_debug(&saved.tree),
        ),
    ]);
    if let Some((flag, now, then)) = first_difference(matches, &fixed) {
        return Err(Failure::Usage(format!(
            "{flag} {now} differs from the --init model's {then}, and cannot change when \
             training goes on"
        )));
    }
    // Threads are the machine's, not the model's: all cores unless --threads says.
    let mut settings = Settings {
        threads: asked.threads,
        ..saved.clone()
    };
    let mut take = |ids: &[&str], set: &mut dyn FnMut(&mut Settings)| {
        if ids.iter().any(|id| given(matches, id)) {
            set(&mut settings);
        }
    };
    take(&["window"], &mut |s| s.window = asked.window);
    take(&["min_count"], &mut |s| s.min_count = asked.min_count);
    take(&["max_vocab"], &mut |s| s.max_vocab = asked.max_vocab);
    take(&["sample"], &mut |s| s.sample = asked.sample);
    take(&["epochs"], &mut |s| s.epochs = asked.epochs);
    take(&["seed"], &mut |s| s.seed = asked.seed);
    take(&["negative"], &mut |s| s.negative = asked.negative);
    take(&["ns_exponent"], &mut |s| s.ns_exponent = asked.ns_exponent);
    take(&["output_rate"], &mut |s| s.output_rate = asked.output_rate);
    take(&["l2"], &mut |s| s.l2 = asked.l2);
    // A new optimizer brings its own default rate; its state starts afresh either way.
    take(&["optimizer", "rho", "beta1", "beta2"], &mut |s| {
        s.optimizer = asked.optimizer;
        s.alpha = asked.alpha;
    });
    take(&["alpha"], &mut |s| s.alpha = asked.alpha);
    Ok(settings)
}

/// A resume refused by the library, naming the model; other errors (reading a spilled
/// corpus) stay what they are.
fn resume_failure(a: &TrainArgs, e: w2v::Error) -> Failure {
    match (&e, a.resume.as_deref()) {
        (w2v::Error::CannotResume { .. }, Some(path)) => {
            Failure::Usage(format!("--resume {}: {e}", path.display()))
        }
        _ => e.into(),
    }
}

/// A setting checked against a saved model's: the clap ids that set it, what it is called
/// when several flags make it, its value asked for now and the saved one, as text.
type Check = (
    &'static [&'static str],
    Option<&'static str>,
    String,
    String,
);

/// The settings a model's matrices and words were made with, which neither --resume nor
/// --init can change.
fn shape_checks(asked: &Settings, saved: &Settings) -> Vec<Check> {
    let subwords = |s: &Settings| match &s.subwords {
        Some(n) => format!("n-grams {}-{} in {} buckets", n.minn, n.maxn, n.buckets),
        None => "no subwords".to_string(),
    };
    vec![
        (
            &["cbow"],
            Some("architecture"),
            asked.architecture.name().into(),
            saved.architecture.name().into(),
        ),
        (&["dim"], None, asked.dim.to_string(), saved.dim.to_string()),
        (
            &["tokenizer"],
            None,
            lower_debug(&asked.tokenizer),
            lower_debug(&saved.tokenizer),
        ),
        (
            &["lowercase"],
            Some("lowercasing"),
            asked.lowercase.to_string(),
            saved.lowercase.to_string(),
        ),
        (
            &["minn", "maxn", "buckets"],
            Some("subwords"),
            subwords(asked),
            subwords(saved),
        ),
    ]
}

/// The first check whose option was typed with another value than the saved one:
/// ("--flag" or "--flag: what", now, saved).
fn first_difference(
    matches: Option<&ArgMatches>,
    checks: &[Check],
) -> Option<(String, String, String)> {
    checks.iter().find_map(|(ids, what, now, then)| {
        let id = ids.iter().find(|id| given(matches, id))?;
        (now != then).then(|| {
            let flag = format!("--{}", id.replace('_', "-"));
            let flag = what.map_or(flag.clone(), |w| format!("{flag}: {w}"));
            (flag, now.clone(), then.clone())
        })
    })
}

fn lower_debug(x: &dyn std::fmt::Debug) -> String {
    format!("{x:?}").to_lowercase()
}

/// Whether the option with this clap id was typed on the command line.
fn given(matches: Option<&ArgMatches>, id: &str) -> bool {
    matches.is_some_and(|m| m.value_source(id) == Some(ValueSource::CommandLine))
}

/// The checkpoint's settings, after checking that every one the command line gives agrees
/// with it. `--threads` may differ (with a warning): only one-thread runs repeat exactly
/// anyway.
fn resume_settings(
    a: &TrainArgs,
    matches: Option<&ArgMatches>,
    saved: &Settings,
) -> CliResult<Settings> {
    let asked = settings(a)?;
    let mut checks = shape_checks(&asked, saved);
    checks.extend([
        (
            &["window"][..],
            None,
            asked.window.to_string(),
            saved.window.to_string(),
        ),
        (
            &["min_count"],
            None,
            asked.min_count.to_string(),
            saved.min_count.to_string(),
        ),
        (
            &["max_vocab"],
            None,
            lower_debug(&asked.max_vocab),
            lower_debug(&saved.max_vocab),
        ),
        (
            &["sample"],
            None,
            asked.sample.to_string(),
            saved.sample.to_string(),
        ),
        (
            &["alpha"],
            None,
            asked.alpha.to_string(),
            saved.alpha.to_string(),
        ),
        (
            &["epochs"],
            None,
            asked.epochs.to_string(),
            saved.epochs.to_string(),
        ),
        (
            &["seed"],
            None,
            asked.seed.to_string(),
            saved.seed.to_string(),
        ),
        (
            &["tree"],
            None,
            lower_debug(&asked.tree),
            lower_debug(&saved.tree),
        ),
        (
            &["optimizer"],
            None,
            lower_debug(&asked.optimizer),
            lower_debug(&saved.optimizer),
        ),
        (
            &["loss", "hs", "no_hs", "negative"],
            Some("output layer"),
            output_layer(&asked),
            output_layer(saved),
        ),
        (
            &["ns_exponent"],
            None,
            asked.ns_exponent.to_string(),
            saved.ns_exponent.to_string(),
        ),
    ]);
    if let Some((flag, now, then)) = first_difference(matches, &checks) {
        return Err(Failure::Usage(format!(
            "{flag} {now} differs from the checkpoint's {then}"
        )));
    }
    let mut settings = saved.clone();
    if given(matches, "threads") && asked.threads != saved.threads {
        eprintln!(
            "w2v: warning: --threads {} differs from the checkpoint's {}: training goes on, \
             but only runs with --threads 1 throughout repeat bit for bit",
            asked.threads, saved.threads
        );
        settings.threads = asked.threads;
    }
    Ok(settings)
}

/// Where the corpus's ids are kept: `--spill`, in `--tmp-dir` or beside the output.
fn storage(a: &TrainArgs) -> CorpusStorage {
    let above_words = match a.spill {
        SpillArg::Never => return CorpusStorage::Memory,
        SpillArg::Auto => SPILL_ABOVE_WORDS,
        SpillArg::Always => 0,
    };
    CorpusStorage::Spill {
        dir: a.tmp_dir.clone().unwrap_or_else(|| default_tmp_dir(a)),
        above_words,
    }
}

/// Beside the first output file (its disk is the user's choice for big files), or the
/// system's temporary folder when the outputs are stdout, a FIFO or a device.
fn default_tmp_dir(a: &TrainArgs) -> PathBuf {
    [a.output.as_ref(), a.save_vectors.as_ref()]
        .into_iter()
        .flatten()
        .filter_map(Destination::path)
        .find(|p| std::fs::metadata(p).map_or(true, |m| m.is_file()))
        .map(|p| match p.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        })
        .unwrap_or_else(std::env::temp_dir)
}

/// The phrase passes `--phrases` asks for, if any.
fn phrase_schedule(a: &TrainArgs) -> CliResult<Option<phrases::Schedule>> {
    if a.phrases == 0 {
        if a.phrase_threshold.is_some() {
            return Err(Failure::Usage(
                "--phrase-threshold needs --phrases PASSES (how many passes to join pairs in)"
                    .into(),
            ));
        }
        return Ok(None);
    }
    phrases::schedule(
        "--phrase-threshold",
        a.phrase_threshold.as_deref(),
        a.phrases,
        a.phrase_min_count,
        w2v::phrases::DEFAULT_MAX_ENTRIES,
    )
    .map(Some)
}

/// The native model (unless `model_too` is false) and/or the word2vec vectors, whichever
/// were asked for.
fn save(a: &TrainArgs, model: Model, model_too: bool) -> CliResult {
    if let Some(destination) = a.output.as_ref().filter(|_| model_too) {
        paths::write_output(destination, |out| w2v::formats::native::write(&model, out))?;
    }
    if let Some(destination) = &a.save_vectors {
        let emb = model.into_embeddings();
        paths::write_output(destination, |out| a.format.write(&emb, out))?;
    }
    Ok(())
}

/// The output named in messages: the model, or the vectors when no model is saved.
fn saved_to(a: &TrainArgs) -> &Destination {
    a.output
        .as_ref()
        .or(a.save_vectors.as_ref())
        .expect("clap requires --output or --save-vectors")
}

/// The run in one line that fits in 100 columns before the path for a text8-sized run, e.g.
/// `trained 85.0M words in 123.4 s (689k words/s): skip-gram + HS + NS (5), 71290 words, peak
/// 550 MB -> m.w2v`. The final loss is on the epoch line just above it. A spilled corpus adds
/// `(spilled, 160 MB on disk)` after the words; scripts read `N words, peak M MB -> `.
fn summary(
    report: &w2v::train::TrainReport,
    settings: &Settings,
    (vocab_size, ngram_rows): (usize, usize),
    peak_memory: Option<u64>,
    spill_bytes: Option<u64>,
    path: &Destination,
) -> String {
    let architecture = match settings.architecture {
        Architecture::SkipGram => "skip-gram",
        Architecture::Cbow => "CBOW",
    };
    let memory = peak_memory.map_or("n/a".to_string(), |b| format!("{} MB", b / 1_000_000));
    let rows = match &settings.subwords {
        Some(n) => format!(
            "{vocab_size} words + {} n-gram rows ({}-{})",
            short_count(ngram_rows as u64),
            n.minn,
            n.maxn
        ),
        None => format!("{vocab_size} words"),
    };
    let spilled = spill_bytes.map_or(String::new(), |b| {
        format!(" (spilled, {:.0} MB on disk)", b as f64 / 1e6)
    });
    format!(
        "trained {} words{spilled} in {:.1} s ({:.0}k words/s): {architecture} + {}, {rows}, \
         peak {memory} -> {}",
        short_count(report.words),
        report.seconds,
        report.words_per_sec() / 1e3,
        output_layer(settings),
        path
    )
}

/// 9999, 12.3k, 85.0M, 1.2G: three significant digits are plenty for a count of words read.
fn short_count(n: u64) -> String {
    match n {
        0..10_000 => n.to_string(),
        10_000..1_000_000 => format!("{:.1}k", n as f64 / 1e3),
        1_000_000..1_000_000_000 => format!("{:.1}M", n as f64 / 1e6),
        _ => format!("{:.1}G", n as f64 / 1e9),
    }
}

/// Which output layer trained, as the summary says it.
fn output_layer(s: &Settings) -> String {
    match output_layer_kind(s) {
        kind @ ("softmax" | "HS") => kind.to_string(),
        kind => format!("{kind} ({})", s.negative),
    }
}

/// The output layer's name without its number of samples.
fn output_layer_kind(s: &Settings) -> &'static str {
    match (s.softmax, s.hs, s.negative) {
        (Some(SoftmaxKind::Full), ..) => "softmax",
        (Some(SoftmaxKind::Sampled), ..) => "sampled softmax",
        (None, true, 0) => "HS",
        (None, true, _) => "HS + NS",
        (None, false, _) => "NS",
    }
}

/// word2vec's and gensim's number of negative samples.
const DEFAULT_NEGATIVE: u32 = 5;

/// Samples per prediction of the sampled softmax: the usual choice in sampled-softmax
/// language models (TensorFlow's examples use 64). Its gradient is a self-normalised
/// estimate whose bias shrinks as 1/K, so it wants far more draws than negative sampling's 5.
const DEFAULT_SAMPLED: u32 = 64;

/// Hierarchical softmax, the number of negative samples (or softmax samples) and the softmax
/// layer from `--loss`, `--hs`/`--no-hs` and `--negative`. Without `--loss`, `--negative K` alone means negative sampling alone (as
/// in word2vec and gensim) and hierarchical softmax stays on only if `--hs` says so;
/// contradictions are usage errors naming both flags.
fn output_layer_settings(a: &TrainArgs) -> CliResult<(bool, u32, Option<SoftmaxKind>)> {
    let hs_flag = match (a.hs, a.no_hs) {
        (true, _) => Some(true),
        (_, true) => Some(false),
        _ => None,
    };
    let hs_name = |on: bool| if on { "--hs" } else { "--no-hs" };
    let conflict = |what: String| Err(Failure::Usage(what));
    let Some(loss) = a.loss else {
        return Ok(match a.negative {
            None | Some(0) => (hs_flag.unwrap_or(true), 0, None),
            Some(k) => (hs_flag.unwrap_or(false), k, None),
        });
    };
    // Whether hierarchical softmax trains, and how many words are sampled by default (0:
    // none may be).
    let (hs, default_k, softmax, name) = match loss {
        LossArg::Hs => (true, 0, None, "hs"),
        LossArg::Ns => (false, DEFAULT_NEGATIVE, None, "ns"),
        LossArg::HsNs => (true, DEFAULT_NEGATIVE, None, "hs+ns"),
        LossArg::Softmax => (false, 0, Some(SoftmaxKind::Full), "softmax"),
        LossArg::SampledSoftmax => (
            false,
            DEFAULT_SAMPLED,
            Some(SoftmaxKind::Sampled),
            "sampled-softmax",
        ),
    };
    if let Some(flag) = hs_flag.filter(|&on| on != hs) {
        let hint = if matches!(loss, LossArg::Ns | LossArg::HsNs) {
            " (use --loss hs+ns for both layers)"
        } else {
            ""
        };
        return conflict(format!("{} contradicts --loss {name}{hint}", hs_name(flag)));
    }
    match (default_k, a.negative) {
        (0, Some(k)) if k > 0 => conflict(format!(
            "--negative {k} contradicts --loss {name}{}",
            match loss {
                LossArg::Softmax =>
                    ", which scores every word (use --loss sampled-softmax to \
                                     sample K words)",
                _ => " (use --loss hs+ns for both layers)",
            }
        )),
        (0, _) => Ok((hs, 0, softmax)),
        (_, Some(0)) => conflict(format!(
            "--negative 0 contradicts --loss {name}, which samples {}",
            if softmax.is_some() {
                "words"
            } else {
                "negatives"
            }
        )),
        (default, k) => Ok((hs, k.unwrap_or(default), softmax)),
    }
}

/// Fewer words than this after --min-count draw a warning: legal, but rarely what was meant.
const FEW_WORDS: usize = 100;

/// Settings that are legal but almost surely a mistake, one warning line each.
fn unlikely_settings(s: &Settings) -> Vec<String> {
    let mut warnings = Vec::new();
    if s.sample >= 1.0 {
        warnings.push(format!(
            "--sample {} keeps every word: subsampling is off (word2vec uses 1e-3 to 1e-5; 0 \
             turns it off explicitly)",
            s.sample
        ));
    }
    if s.epochs > 100 {
        warnings.push(format!(
            "--epochs {} is far more passes than word2vec-style training needs (5 is usual; \
             15-20 for small corpora)",
            s.epochs
        ));
    }
    if s.dim > 1000 {
        warnings.push(format!(
            "--dim {} is unusually large (100-300 is usual); it costs memory and time in \
             proportion",
            s.dim
        ));
    }
    warnings
}

/// The library settings the arguments ask for.
/// The output layer's rate relative to the input rows' with subwords. An n-gram model's input
/// vector is a mean of ~12 rows that every word shares with others, and its output rows, one
/// per word, carry what words mean apart from their spelling; at fastText's single rate they
/// learn too little of it. bench-10m, skip-gram + NS 5, n-grams 3-6 (docs/subwords.md): rate
/// 1, analogy total 63.8 % (semantic 13.8); output rate 2, 64.0 % (semantic 17.5); alpha
/// doubled everywhere, 61.7 % (semantic 17.8, syntactic down 3 points).
const SUBWORD_OUTPUT_RATE: f32 = 2.0;

fn settings(a: &TrainArgs) -> CliResult<Settings> {
    let (hs, negative, softmax) = output_layer_settings(a)?;
    let architecture = if a.cbow {
        Architecture::Cbow
    } else {
        Architecture::SkipGram
    };
    let threads = a.threads.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    let subwords = subword_settings(a)?;
    let optimizer = optimizer_settings(a)?;
    Ok(Settings {
        architecture,
        dim: a.dim,
        window: a.window,
        min_count: a.min_count,
        max_vocab: a.max_vocab,
        sample: a.sample,
        alpha: a.alpha.unwrap_or(architecture.default_alpha_for(optimizer)),
        epochs: a.epochs,
        threads,
        seed: a.seed,
        hs,
        tree: match a.tree {
            TreeArg::Huffman => TreeKind::Huffman,
            TreeArg::Balanced => TreeKind::Balanced,
            TreeArg::Semantic => TreeKind::Semantic,
        },
        optimizer,
        negative,
        ns_exponent: a.ns_exponent,
        tokenizer: match a.tokenizer {
            TokenizerArg::Unicode => Tokenizer::Unicode,
            TokenizerArg::Whitespace => Tokenizer::Whitespace,
        },
        lowercase: a.lowercase,
        subwords,
        softmax,
        output_rate: a.output_rate.unwrap_or(if subwords.is_some() {
            SUBWORD_OUTPUT_RATE
        } else {
            1.0
        }),
        l2: a.l2,
    })
}

/// `--optimizer` with its constants; a constant of another optimizer is refused.
fn optimizer_settings(a: &TrainArgs) -> CliResult<Optimizer> {
    let foreign = |flag: &str, owner: &str| {
        Err(Failure::Usage(format!(
            "{flag} is an option of --optimizer {owner}, not of --optimizer {}",
            match a.optimizer {
                OptimizerArg::Sgd => "sgd",
                OptimizerArg::Adagrad => "adagrad",
                OptimizerArg::Rmsprop => "rmsprop",
                OptimizerArg::Adam => "adam",
            }
        )))
    };
    let rmsprop = matches!(a.optimizer, OptimizerArg::Rmsprop);
    let adam = matches!(a.optimizer, OptimizerArg::Adam);
    if a.rho.is_some() && !rmsprop {
        return foreign("--rho", "rmsprop");
    }
    for (flag, given) in [("--beta1", a.beta1), ("--beta2", a.beta2)] {
        if given.is_some() && !adam {
            return foreign(flag, "adam");
        }
    }
    Ok(match a.optimizer {
        OptimizerArg::Sgd => Optimizer::Sgd,
        OptimizerArg::Adagrad => Optimizer::AdaGrad,
        OptimizerArg::Rmsprop => Optimizer::RmsProp {
            rho: a.rho.unwrap_or(Optimizer::RHO),
        },
        OptimizerArg::Adam => Optimizer::Adam {
            beta1: a.beta1.unwrap_or(Optimizer::BETA1),
            beta2: a.beta2.unwrap_or(Optimizer::BETA2),
        },
    })
}

/// `--minn`/`--maxn`/`--buckets`: either length turns subwords on, with fastText's default
/// for the other; `--maxn 0` means none, as in fastText.
fn subword_settings(a: &TrainArgs) -> CliResult<Option<NgramSettings>> {
    let default = NgramSettings::FASTTEXT_DEFAULT;
    if a.minn.is_none() && a.maxn.is_none() {
        return match a.buckets {
            Some(_) => Err(Failure::Usage(
                "--buckets sizes the n-gram table of subword vectors; turn them on with \
                 --minn N and/or --maxn N"
                    .into(),
            )),
            None => Ok(None),
        };
    }
    if a.maxn == Some(0) {
        return Ok(None);
    }
    Ok(Some(NgramSettings {
        minn: a.minn.unwrap_or(default.minn),
        maxn: a.maxn.unwrap_or(default.maxn.max(a.minn.unwrap_or(0))),
        buckets: a.buckets.unwrap_or(default.buckets),
    }))
}

/// Every file `train` writes, checked before any text is read.
fn check_outputs(a: &TrainArgs, inputs: &[Input]) -> CliResult {
    let outputs: Vec<paths::Output> = [
        ("--output", a.output.as_ref()),
        ("--save-vectors", a.save_vectors.as_ref()),
        ("--save-vocab", a.save_vocab.as_ref()),
        ("--loss-log", a.loss_log.as_ref()),
        ("--diagnostics", a.diagnostics.as_ref()),
    ]
    .into_iter()
    .filter_map(|(flag, destination)| Some((flag, destination?)))
    .collect();
    let mut input_files: Vec<paths::InputFile> = inputs
        .iter()
        .filter_map(|i| match i {
            Input::Path(p) => Some(("--input", p.as_path())),
            Input::Stdin => None,
        })
        .collect();
    input_files.extend(a.read_vocab.as_deref().map(|p| ("--read-vocab", p)));
    paths::check_outputs(&outputs, &input_files)?;
    if let Some(output) = &a.output {
        paths::refuse_binary_on_terminal("--output", output)?;
    }
    if let (Some(vectors), FormatArg::Binary) = (&a.save_vectors, a.format) {
        paths::refuse_binary_on_terminal("--save-vectors", vectors)?;
    }
    Ok(())
}
