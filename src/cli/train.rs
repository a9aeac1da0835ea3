//! `w2v train`: checks the outputs, reads and counts the text, trains with progress on
//! stderr, saves the model and the optional logs, and handles Ctrl-C.

use std::sync::atomic::{AtomicBool, Ordering};

use w2v::corpus::{Input, TokenizeOptions, Tokenizer};
use w2v::model::{Architecture, Model, Optimizer, Settings, TreeKind};

use super::progress::{self, Display};
use super::{paths, CliResult, Failure, OptimizerArg, TokenizerArg, TrainArgs, TreeArg};

/// Set by the first Ctrl-C: training stops at the next chunk and saves what it has.
static STOP: AtomicBool = AtomicBool::new(false);
/// Set once the text is read and training runs, so a Ctrl-C knows there is something to save.
static TRAINING: AtomicBool = AtomicBool::new(false);

pub fn train(a: TrainArgs) -> CliResult {
    let settings = settings(&a);
    Model::check_settings(&settings)?;
    if a.diagnostics.is_some() && !settings.hs {
        return Err(Failure::Usage(
            "--diagnostics records hierarchical-softmax gradients; it needs --hs".into(),
        ));
    }
    let inputs: Vec<Input> = a.input.iter().map(|s| Input::parse(s)).collect();
    check_outputs(&a, &inputs)?;
    // First Ctrl-C: finish the current chunk and save what is trained (marked partial);
    // a second one, or one before training starts, quits at once: the user asked to, and
    // nothing is lost that was not already going to be.
    let _ = ctrlc::set_handler(|| {
        if STOP.swap(true, Ordering::SeqCst) || !TRAINING.load(Ordering::SeqCst) {
            eprintln!("\nw2v: interrupted");
            std::process::exit(130);
        }
        eprintln!("\nw2v: stopping: saving the model trained so far (Ctrl-C again to quit now)");
    });

    let display = Display::new(a.quiet);
    let total_bytes = inputs
        .iter()
        .map(|i| match i {
            Input::Path(p) => std::fs::metadata(p).ok().map(|m| m.len()),
            Input::Stdin => None,
        })
        .sum::<Option<u64>>();
    let reading = progress::reading_bar(total_bytes, display);
    let scanned = w2v::scan::scan(
        &inputs,
        TokenizeOptions {
            tokenizer: settings.tokenizer,
            lowercase: settings.lowercase,
        },
        settings.min_count,
        settings.max_vocab,
        a.read_vocab.as_deref(),
        |n| reading.inc(n),
    );
    reading.finish_and_clear();
    let scanned = scanned?;
    if let Some(destination) = &a.save_vocab {
        paths::write_output(destination, |out| scanned.vocab.write_counts(out))?;
    }
    let vocab_size = scanned.vocab.len();
    let corpus_words = scanned.corpus.ids.len() as u64;
    let mut model = Model::new(settings.clone(), scanned.vocab);
    let bar = progress::TrainingBar::new(
        corpus_words * settings.epochs as u64,
        settings.epochs,
        display,
    );
    TRAINING.store(true, Ordering::SeqCst);
    let report = w2v::train::train(
        &mut model,
        &scanned.corpus,
        &bar,
        &STOP,
        a.diagnostics.is_some(),
    );
    bar.finish();
    let report = report?;
    drop(scanned.corpus);
    paths::write_output(&a.output, |out| w2v::formats::native::write(&model, out))?;
    if let Some(destination) = &a.loss_log {
        paths::write_output(destination, |out| {
            writeln!(out, "epoch,words,loss,alpha,seconds")?;
            for e in &report.epochs {
                writeln!(
                    out,
                    "{},{},{:.6},{:.8},{:.3}",
                    e.epoch, e.words, e.loss, e.alpha, e.seconds
                )?;
            }
            Ok(())
        })?;
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
        eprintln!(
            "w2v: interrupted after {} of {} epochs; saved a partial model to {}",
            report.epochs.len(),
            settings.epochs,
            a.output
        );
        return Err(Failure::Interrupted);
    }
    if display != Display::Quiet {
        let mean_code_len = model
            .tree
            .as_ref()
            .map(|t| t.mean_code_len(model.vocab.counts()));
        eprintln!(
            "trained {} words in {:.1} s ({:.0}k words/s), vocabulary {} words, corpus {} \
             words,{} final loss {}, peak memory {} -> {}",
            report.words,
            report.seconds,
            report.words_per_sec() / 1e3,
            vocab_size,
            corpus_words,
            mean_code_len.map_or(String::new(), |l| format!(" mean code length {l:.2},")),
            report
                .epochs
                .last()
                .map_or("n/a".to_string(), |e| format!("{:.4}", e.loss)),
            progress::peak_memory_bytes()
                .map_or("n/a".to_string(), |b| format!("{} MB", b / 1_000_000)),
            a.output
        );
    }
    Ok(())
}

/// The library settings the arguments ask for.
fn settings(a: &TrainArgs) -> Settings {
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
    let optimizer = match a.optimizer {
        OptimizerArg::Sgd => Optimizer::Sgd,
        OptimizerArg::Adagrad => Optimizer::AdaGrad,
    };
    Settings {
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
        hs: !a.no_hs,
        tree: match a.tree {
            TreeArg::Huffman => TreeKind::Huffman,
            TreeArg::Balanced => TreeKind::Balanced,
        },
        optimizer,
        negative: a.negative,
        ns_exponent: a.ns_exponent,
        tokenizer: match a.tokenizer {
            TokenizerArg::Unicode => Tokenizer::Unicode,
            TokenizerArg::Whitespace => Tokenizer::Whitespace,
        },
        lowercase: a.lowercase,
    }
}

/// Every file `train` writes, checked before any text is read.
fn check_outputs(a: &TrainArgs, inputs: &[Input]) -> CliResult {
    let outputs: Vec<paths::Output> = [
        ("--output", Some(&a.output)),
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
    paths::refuse_binary_on_terminal("--output", &a.output)
}
