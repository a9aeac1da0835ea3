//! `w2v eval`: every analogy and similarity file in one run, as a text report per file or as
//! one JSON document.

use std::path::{Path, PathBuf};

use serde::Serialize;
use w2v::eval::{analogy, similarity, Parsed, Warning};
use w2v::Error;

use super::{CliResult, EvalArgs, Failure, LikelihoodArgs};

/// A report with the file it scores, for JSON.
#[derive(Serialize)]
struct FromFile<'a, T: Serialize> {
    file: &'a Path,
    #[serde(flatten)]
    report: T,
}

/// A standard report, and with `--oov` the one on what it skipped.
#[derive(Serialize)]
struct WithOov<T: Serialize, O: Serialize> {
    #[serde(flatten)]
    standard: T,
    #[serde(skip_serializing_if = "Option::is_none")]
    oov: Option<O>,
}

#[derive(Serialize)]
struct Reports<'a> {
    model: &'a Path,
    analogies: Vec<FromFile<'a, WithOov<analogy::AnalogyReport, analogy::OovAnalogyReport>>>,
    similarity:
        Vec<FromFile<'a, WithOov<similarity::SimilarityReport, similarity::OovSimilarityReport>>>,
}

pub fn eval(a: EvalArgs) -> CliResult {
    // Test files first: a typo in one should not cost loading a large model.
    let questions = load_all(&a.analogies, analogy::load_questions)?;
    let pairs = load_all(&a.similarity, similarity::load_pairs)?;
    let vectors = w2v::formats::load_vectors(&a.model, a.input_format.format())?;
    if a.oov && vectors.ngrams.is_none() {
        return Err(Failure::Usage(format!(
            "--oov scores words outside the vocabulary by their character n-grams, and {} has \
             none (a word2vec file, or a model trained without --minn/--maxn)",
            a.model.display()
        )));
    }
    let emb = &vectors.embeddings;
    let method = a.method.method();
    // 0 lifts the restriction, as in word2vec's compute-accuracy.
    let restrict = match a.restrict {
        0 => usize::MAX,
        n => n,
    };
    let reports = Reports {
        model: &a.model,
        analogies: questions
            .iter()
            .map(|(file, sections)| FromFile {
                file,
                report: WithOov {
                    standard: analogy::evaluate_analogies(emb, sections, restrict, method),
                    oov: a.oov.then(|| {
                        analogy::evaluate_analogies_oov(&vectors, sections, restrict, method)
                    }),
                },
            })
            .collect(),
        similarity: pairs
            .iter()
            .map(|(file, pairs)| FromFile {
                file,
                report: WithOov {
                    standard: similarity::evaluate_similarity(emb, pairs),
                    oov: a
                        .oov
                        .then(|| similarity::evaluate_similarity_oov(&vectors, pairs)),
                },
            })
            .collect(),
    };
    // A file that scores nothing is an error, not a report of n/a.
    for r in &reports.analogies {
        let oov_seen = r.report.oov.as_ref().map_or(0, |o| o.total.seen);
        let r = FromFile {
            file: r.file,
            report: &r.report.standard,
        };
        if r.report.total.seen == 0 && oov_seen == 0 {
            let words = if r.report.restrict < emb.len() {
                format!("the {} most frequent words of", r.report.restrict)
            } else {
                "the vocabulary of".to_string()
            };
            let message = format!(
                "none of the {} questions has all four words in {words} {}",
                r.report.questions,
                a.model.display()
            );
            return Err(Error::format(r.file, message).into());
        }
    }
    for r in &reports.similarity {
        let oov_scored = r
            .report
            .oov
            .as_ref()
            .is_some_and(|o| o.all_spearman.is_some());
        if r.report.standard.spearman.is_none() && !oov_scored {
            let message = no_correlation(&r.report.standard, &a.model);
            return Err(Error::format(r.file, message).into());
        }
    }
    if a.json {
        let doc = serde_json::to_string(&reports).expect("reports serialize");
        println!("{doc}");
        return Ok(());
    }
    let mut blocks = Vec::new();
    for r in &reports.analogies {
        let standard = &r.report.standard;
        blocks.push(format!(
            "{} ({}, {} most frequent words)\n{}",
            r.file.display(),
            standard.method,
            standard.restrict,
            standard
        ));
    }
    for r in &reports.similarity {
        blocks.push(format!("{}: {}", r.file.display(), r.report.standard));
    }
    // Out-of-vocabulary figures come after all the standard ones, apart.
    for r in &reports.analogies {
        if let Some(oov) = &r.report.oov {
            blocks.push(format!(
                "{} (out-of-vocabulary words from character n-grams; answers among the {} \
                 most frequent words)\n{oov}",
                r.file.display(),
                r.report.standard.restrict
            ));
        }
    }
    for r in &reports.similarity {
        if let Some(oov) = &r.report.oov {
            blocks.push(format!("{}: {oov}", r.file.display()));
        }
    }
    // Analogy blocks are separated by a blank line; the last line of an analogies-only run is
    // the total, which scripts read.
    println!("{}", blocks.join("\n\n"));
    Ok(())
}

/// Loads every file, printing the lines each skipped.
fn load_all<T>(
    files: &[PathBuf],
    load: impl Fn(&Path) -> w2v::Result<Parsed<T>>,
) -> w2v::Result<Vec<(&Path, T)>> {
    files
        .iter()
        .map(|f| {
            let parsed = load(f)?;
            print_warnings(&parsed.warnings);
            Ok((f.as_path(), parsed.value))
        })
        .collect()
}

/// Why a similarity file gave no correlation, in place of printing `n/a`.
fn no_correlation(r: &similarity::SimilarityReport, model: &Path) -> String {
    let pairs = r.used + r.oov;
    match r.used {
        0 => format!(
            "no pair has both words in the vocabulary of {} (all {pairs} out of vocabulary)",
            model.display()
        ),
        1 => format!(
            "only 1 of {pairs} pairs has both words in the vocabulary of {}; a correlation \
             needs at least 2",
            model.display()
        ),
        n => format!(
            "no correlation: the scores or the cosines of all {n} pairs in the vocabulary \
             are equal"
        ),
    }
}

/// Skipped lines of a benchmark file: the first few, then how many more, so a damaged file
/// does not bury the results.
fn print_warnings(warnings: &[Warning]) {
    const SHOWN: usize = 5;
    for w in warnings.iter().take(SHOWN) {
        eprintln!("w2v: warning: {w}");
    }
    if let Some(first) = warnings.get(SHOWN) {
        eprintln!(
            "w2v: warning: {}: {} more lines skipped",
            first.path.display(),
            warnings.len() - SHOWN
        );
    }
}

#[derive(Serialize)]
struct Likelihood<'a> {
    model: &'a Path,
    layer: &'static str,
    window: usize,
    words: u64,
    unknown_words: u64,
    predictions: u64,
    /// Σ ln P in nats.
    log_likelihood: f64,
    mean_log_likelihood: f64,
    perplexity: f64,
}

/// `w2v likelihood`: the held-out log-likelihood of text under the model's output layer.
pub fn likelihood(a: LikelihoodArgs) -> CliResult {
    use w2v::corpus::Input;
    let named: Vec<Input> = a.input.iter().map(|s| Input::parse(s)).collect();
    let inputs = w2v::source::expand_folders(&named, None)?;
    let model = w2v::formats::native::read_path(&a.model)?;
    let window = a.window.unwrap_or(model.settings.window);
    if window == 0 {
        return Err(Failure::Usage("--window 0: must be at least 1".into()));
    }
    let r = w2v::eval::likelihood::held_out_log_likelihood(&model, &inputs, window)?;
    if a.json {
        let doc = Likelihood {
            model: &a.model,
            layer: r.layer.name(),
            window,
            words: r.words,
            unknown_words: r.unknown_words,
            predictions: r.predictions,
            log_likelihood: r.log_likelihood,
            mean_log_likelihood: r.mean(),
            perplexity: r.perplexity(),
        };
        println!(
            "{}",
            serde_json::to_string(&doc).expect("report serializes")
        );
        return Ok(());
    }
    println!(
        "held-out log-likelihood: {:.4} nats per prediction (perplexity {:.1}) over {} \
         predictions, window {window}, {}",
        r.mean(),
        r.perplexity(),
        r.predictions,
        r.layer.name()
    );
    println!(
        "words: {} in the vocabulary, {} outside it (dropped)",
        r.words, r.unknown_words
    );
    Ok(())
}
