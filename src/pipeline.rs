//! One pass over the text: count words and keep the corpus as ids, then fix the vocabulary
//! and rewrite the ids as ranks. Reading once means stdin works and epochs never re-tokenize.

use std::path::Path;

use crate::corpus::{
    read_tokens, EncodedCorpus, Input, ReadStats, Token, TokenizeOptions, DROPPED,
};
use crate::error::{Error, Result};
use crate::vocab::{read_counts, Vocab, VocabBuilder};

pub struct Scanned {
    pub vocab: Vocab,
    pub corpus: EncodedCorpus,
    pub stats: ReadStats,
    /// How often `--max-vocab` pruned rare words while counting.
    pub prunes: u32,
}

/// Reads `inputs`, counting words (or, with `read_vocab`, using that file's words and counts),
/// and applies `min_count`. `on_bytes` is told of every block read, for progress.
pub fn scan(
    inputs: &[Input],
    options: TokenizeOptions,
    min_count: u64,
    max_vocab: Option<usize>,
    read_vocab: Option<&Path>,
    on_bytes: impl FnMut(u64),
) -> Result<Scanned> {
    let mut builder = match read_vocab {
        Some(path) => VocabBuilder::frozen(read_counts(path)?),
        None => VocabBuilder::new(max_vocab),
    };
    let mut corpus = EncodedCorpus::default();
    let stats = read_tokens(inputs, options, on_bytes, |token| match token {
        Token::Word(w) => {
            let id = builder.add(w);
            if id != DROPPED {
                corpus.push(id);
            }
            if builder.needs_prune() {
                let map = builder.prune();
                corpus.remap(&map);
            }
        }
        Token::SentenceEnd => corpus.end_sentence(),
    })?;
    corpus.end_sentence();
    if stats.words == 0 {
        return Err(Error::Corpus(format!(
            "{}: no words found (the input is empty or only whitespace)",
            crate::corpus::describe_inputs(inputs)
        )));
    }
    let prunes = builder.prunes;
    let distinct = builder.len();
    let (vocab, map) = builder.finish(min_count);
    if vocab.len() < 2 {
        return Err(Error::Corpus(format!(
            "{} distinct words, but {} reach --min-count {min_count}; a model needs at least 2 \
             (lower --min-count or use a larger corpus)",
            distinct,
            if vocab.is_empty() {
                "none".to_string()
            } else {
                "only 1".to_string()
            },
        )));
    }
    corpus.remap(&map);
    Ok(Scanned {
        vocab,
        corpus,
        stats,
        prunes,
    })
}

/// Everything `w2v train` was asked to do.
pub struct TrainJob {
    pub inputs: Vec<Input>,
    pub output: std::path::PathBuf,
    pub settings: crate::model::Settings,
    pub read_vocab: Option<std::path::PathBuf>,
    pub save_vocab: Option<std::path::PathBuf>,
    pub loss_log: Option<std::path::PathBuf>,
    /// Where to write sampled hierarchical-softmax gradient statistics (CSV).
    pub diagnostics: Option<std::path::PathBuf>,
    pub quiet: bool,
}

pub struct TrainSummary {
    pub vocab_size: usize,
    pub corpus_words: u64,
    pub stats: ReadStats,
    pub prunes: u32,
    pub report: crate::train::TrainReport,
    /// Frequency-weighted mean path length in the tree (hierarchical softmax only).
    pub mean_code_len: Option<f64>,
}

/// Reads, counts, trains and saves: the whole of `w2v train`.
/// `on_training_start` runs once the text is read and training begins, so an interrupt
/// handler knows whether there is anything to save.
pub fn run_training(
    job: &TrainJob,
    stop: &std::sync::atomic::AtomicBool,
    on_training_start: impl FnOnce(),
) -> Result<TrainSummary> {
    use crate::model::Model;
    use crate::progress;

    Model::check_settings(&job.settings)?;
    if job.diagnostics.is_some() && !job.settings.hs {
        return Err(Error::Usage(
            "--diagnostics records hierarchical-softmax gradients; it needs --hs".into(),
        ));
    }
    let outputs = [
        Some(&job.output),
        job.save_vocab.as_ref(),
        job.loss_log.as_ref(),
        job.diagnostics.as_ref(),
    ];
    for out in outputs.into_iter().flatten() {
        if crate::corpus::is_input(out, &job.inputs)
            || job.read_vocab.as_ref().is_some_and(|r| same_file(r, out))
        {
            return Err(Error::Usage(format!(
                "{} is an input; refusing to overwrite it",
                out.display()
            )));
        }
    }
    let visible = progress::visible(job.quiet);
    let total_bytes: u64 = job
        .inputs
        .iter()
        .map(|i| match i {
            Input::Path(p) => std::fs::metadata(p).map(|m| m.len()).unwrap_or(0),
            Input::Stdin => 0,
        })
        .sum();
    let reading = progress::reading_bar(total_bytes, visible);
    let s = &job.settings;
    let scanned = scan(
        &job.inputs,
        TokenizeOptions {
            tokenizer: s.tokenizer,
            lowercase: s.lowercase,
        },
        s.min_count,
        s.max_vocab,
        job.read_vocab.as_deref(),
        |n| reading.inc(n),
    );
    reading.finish_and_clear();
    let scanned = scanned?;
    if let Some(path) = &job.save_vocab {
        crate::formats::write_atomically(path, |out| scanned.vocab.write_counts(out))?;
    }
    let vocab_size = scanned.vocab.len();
    let corpus_words = scanned.corpus.ids.len() as u64;
    let mut model = Model::new(job.settings.clone(), scanned.vocab);
    let bar = progress::TrainingBar::new(corpus_words * s.epochs as u64, visible, !job.quiet);
    on_training_start();
    let report = crate::train::train(
        &mut model,
        &scanned.corpus,
        &bar,
        stop,
        job.diagnostics.is_some(),
    );
    bar.finish();
    let report = report?;
    drop(scanned.corpus);
    crate::formats::native::write_path(&model, &job.output)?;
    if let Some(path) = &job.loss_log {
        crate::formats::write_atomically(path, |out| {
            use std::io::Write;
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
    if let Some(path) = &job.diagnostics {
        let rows: Vec<_> = (1..)
            .zip(&report.gradients)
            .flat_map(|(epoch, stats)| crate::diagnostics::rows(epoch, stats))
            .collect();
        crate::formats::write_atomically(path, |out| crate::diagnostics::write_csv(&rows, out))?;
    }
    let mean_code_len = model
        .tree
        .as_ref()
        .map(|t| t.mean_code_len(model.vocab.counts()));
    Ok(TrainSummary {
        vocab_size,
        corpus_words,
        stats: scanned.stats,
        prunes: scanned.prunes,
        report,
        mean_code_len,
    })
}

/// Whether two paths name the same existing file.
pub fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}
