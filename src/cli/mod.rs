//! The command line: clap arguments, the commands they run, and how failures are worded.

mod failure;
mod paths;
mod progress;
mod train;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use w2v::Error;

pub use failure::Failure;

/// What a command returns: the library's errors and the binary's own usage errors.
pub type CliResult<T = ()> = std::result::Result<T, Failure>;

#[derive(Parser)]
#[command(
    name = "w2v",
    version,
    about = "Train, evaluate and export word2vec embeddings"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train embeddings on text files (or stdin) and save a model.
    Train(TrainArgs),
    /// Score a model or vector file on analogy questions or word-pair similarities.
    Eval(EvalArgs),
    /// Write the vectors in word2vec text or binary format.
    Export(ExportArgs),
    /// Print the nearest neighbours of a word by cosine similarity.
    Similar(SimilarArgs),
    /// Print the most probable centre words for a context under a hierarchical-softmax model.
    Predict(PredictArgs),
    /// Draw a `train --diagnostics` CSV as an SVG chart.
    PlotDiagnostics(PlotDiagnosticsArgs),
}

#[derive(Args)]
#[command(allow_negative_numbers = true)]
pub(crate) struct TrainArgs {
    /// Text to train on; repeat for several files; `-` reads stdin.
    #[arg(long, short, required = true, num_args = 1..)]
    input: Vec<String>,
    /// Where to save the model (w2v's native format).
    #[arg(long, short)]
    output: PathBuf,
    /// CBOW instead of skip-gram.
    #[arg(long)]
    cbow: bool,
    /// Vector dimension.
    #[arg(long, default_value_t = 100)]
    dim: usize,
    /// Maximum context reach on each side (the reach is drawn uniformly from 1..=window).
    #[arg(long, default_value_t = 5)]
    window: usize,
    /// Drop words seen fewer times.
    #[arg(long, default_value_t = 5)]
    min_count: u64,
    /// Keep at most this many distinct words while counting, pruning rare ones.
    #[arg(long)]
    max_vocab: Option<usize>,
    /// Subsampling threshold for frequent words (0 turns it off).
    #[arg(long, default_value_t = 1e-3)]
    sample: f64,
    /// Starting learning rate [default: 0.025 skip-gram, 0.05 CBOW; 0.3 with AdaGrad].
    #[arg(long)]
    alpha: Option<f32>,
    /// Passes over the corpus.
    #[arg(long, default_value_t = 5)]
    epochs: u32,
    /// Training threads [default: all cores].
    #[arg(long)]
    threads: Option<usize>,
    /// Random seed; with --threads 1 the model is bit-for-bit repeatable.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// How text is split into words.
    #[arg(long, value_enum, default_value_t = TokenizerArg::Unicode)]
    tokenizer: TokenizerArg,
    /// Lowercase every word.
    #[arg(long)]
    lowercase: bool,
    /// Hierarchical softmax (on by default).
    #[arg(long, overrides_with = "no_hs")]
    hs: bool,
    /// Turn hierarchical softmax off (needs --negative).
    #[arg(long)]
    no_hs: bool,
    /// The tree hierarchical softmax walks.
    #[arg(long, value_enum, default_value_t = TreeArg::Huffman)]
    tree: TreeArg,
    /// How gradients become updates: word2vec's SGD, or AdaGrad with one accumulator per
    /// row (hierarchical softmax only).
    #[arg(long, value_enum, default_value_t = OptimizerArg::Sgd)]
    optimizer: OptimizerArg,
    /// Negative samples per prediction (0 = off).
    #[arg(long, default_value_t = 0)]
    negative: u32,
    /// Exponent of the unigram distribution negatives are drawn from.
    #[arg(long, default_value_t = 0.75)]
    ns_exponent: f64,
    /// Save the vocabulary as `word count` lines.
    #[arg(long)]
    save_vocab: Option<PathBuf>,
    /// Use the words and counts of this file instead of counting the corpus.
    #[arg(long)]
    read_vocab: Option<PathBuf>,
    /// Write per-epoch loss as CSV: epoch,words,loss,alpha,seconds.
    #[arg(long)]
    loss_log: Option<PathBuf>,
    /// Write sampled hierarchical-softmax gradient statistics per epoch, by tree depth and
    /// frequency band, as CSV (draw them with `w2v plot-diagnostics`).
    #[arg(long)]
    diagnostics: Option<PathBuf>,
    /// No progress bars, epoch lines or summary.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum OptimizerArg {
    Sgd,
    Adagrad,
}

#[derive(Clone, Copy, ValueEnum)]
enum TreeArg {
    Huffman,
    Balanced,
}

#[derive(Clone, Copy, ValueEnum)]
enum TokenizerArg {
    Unicode,
    Whitespace,
}

#[derive(Args)]
struct EvalArgs {
    /// A w2v model, or word2vec text or binary vectors.
    model: PathBuf,
    /// Layout of a word2vec vector file: detected, or given when detection cannot tell
    /// (w2v models are always recognised).
    #[arg(long, value_enum, default_value_t = InputFormatArg::Auto)]
    input_format: InputFormatArg,
    /// Analogy questions (questions-words.txt format).
    #[arg(long, required_unless_present = "similarity")]
    analogies: Option<PathBuf>,
    /// Word-pair similarity file (`word1 word2 score` lines).
    #[arg(long)]
    similarity: Option<PathBuf>,
    /// Only the most frequent N words are candidates for analogies (0: all words).
    #[arg(long, default_value_t = 30_000)]
    restrict: usize,
    /// Analogy scoring: 3CosAdd or 3CosMul.
    #[arg(long, value_enum, default_value_t = MethodArg::Add)]
    method: MethodArg,
    /// Print the results as JSON.
    #[arg(long)]
    json: bool,
}

/// How a word2vec vector file is read (`--input-format`, on every command that reads vectors;
/// not `--format`, which `export` uses for what it writes).
#[derive(Clone, Copy, ValueEnum)]
enum InputFormatArg {
    /// Decide from the content; refuse a file that fits both layouts.
    Auto,
    /// word2vec's text layout (`-binary 0`): a word and its values per line.
    Text,
    /// word2vec's binary layout (`-binary 1`): a word, a space and little-endian f32s.
    Binary,
}

impl InputFormatArg {
    fn format(self) -> Option<w2v::formats::VectorFormat> {
        match self {
            InputFormatArg::Auto => None,
            InputFormatArg::Text => Some(w2v::formats::VectorFormat::Text),
            InputFormatArg::Binary => Some(w2v::formats::VectorFormat::Binary),
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum MethodArg {
    Add,
    Mul,
}

#[derive(Args)]
struct ExportArgs {
    /// A w2v model (or word2vec vectors, to convert between formats).
    model: PathBuf,
    /// Layout of a word2vec vector file: detected, or given when detection cannot tell
    /// (w2v models are always recognised).
    #[arg(long, value_enum, default_value_t = InputFormatArg::Auto)]
    input_format: InputFormatArg,
    /// The format to write (the input's is --input-format).
    #[arg(long, value_enum)]
    format: FormatArg,
    #[arg(long, short)]
    output: PathBuf,
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    Text,
    Binary,
}

#[derive(Args)]
struct SimilarArgs {
    /// A w2v model, or word2vec text or binary vectors.
    model: PathBuf,
    word: String,
    /// Layout of a word2vec vector file: detected, or given when detection cannot tell
    /// (w2v models are always recognised).
    #[arg(long, value_enum, default_value_t = InputFormatArg::Auto)]
    input_format: InputFormatArg,
    /// How many neighbours.
    #[arg(short, default_value_t = 10)]
    k: usize,
}

/// Parses the arguments, runs the command and turns its outcome into an exit code: 0, 1 for
/// a failure, 2 for a usage error, 130 after Ctrl-C.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("w2v: {}", failure::one_line(&e.render().to_string()));
            return ExitCode::from(2);
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => failure.report(),
    }
}

fn run(cli: Cli) -> CliResult {
    match cli.command {
        Command::Train(args) => train::train(args),
        Command::Eval(args) => eval(args),
        Command::Export(args) => export(args),
        Command::Similar(args) => similar(args),
        Command::Predict(args) => predict(args),
        Command::PlotDiagnostics(args) => plot_diagnostics(args),
    }
}

fn eval(a: EvalArgs) -> CliResult {
    use w2v::eval::{analogy, similarity};
    let emb = w2v::formats::load_embeddings(&a.model, a.input_format.format())?;
    if let Some(path) = &a.analogies {
        let sections = analogy::load_questions(path)?;
        print_warnings(&sections.warnings);
        let method = match a.method {
            MethodArg::Add => analogy::Method::Add,
            MethodArg::Mul => analogy::Method::Mul,
        };
        // 0 lifts the restriction, as in word2vec's compute-accuracy.
        let restrict = if a.restrict == 0 {
            usize::MAX
        } else {
            a.restrict
        };
        let report = analogy::evaluate_analogies(&emb, &sections.value, restrict, method);
        if report.total.seen == 0 {
            let words = if report.restrict < emb.len() {
                format!("the {} most frequent words of", report.restrict)
            } else {
                "the vocabulary of".to_string()
            };
            let msg = format!(
                "none of the {} questions has all four words in {words} {}",
                report.questions,
                a.model.display()
            );
            return Err(Error::format(path, msg).into());
        }
        if a.json {
            println!("{}", serde_json_line(&report));
        } else {
            println!("{}", report.to_string().trim_end());
        }
    }
    if let Some(path) = &a.similarity {
        let pairs = similarity::load_pairs(path)?;
        print_warnings(&pairs.warnings);
        let report = similarity::evaluate_similarity(&emb, &pairs.value);
        if report.spearman.is_none() {
            return Err(Error::format(path, no_correlation(&report, &a.model)).into());
        }
        if a.json {
            println!("{}", serde_json_line(&report));
        } else {
            println!("{report}");
        }
    }
    Ok(())
}

/// Why a similarity file gave no correlation, in place of printing `n/a`.
fn no_correlation(r: &w2v::eval::SimilarityReport, model: &std::path::Path) -> String {
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
fn print_warnings(warnings: &[w2v::eval::Warning]) {
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

fn serde_json_line<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("reports serialize")
}

fn export(a: ExportArgs) -> CliResult {
    paths::refuse_overwriting_inputs(&[&a.model], &[&a.output])?;
    let emb = w2v::formats::load_embeddings(&a.model, a.input_format.format())?;
    match a.format {
        FormatArg::Text => w2v::formats::word2vec_text::write_path(&emb, &a.output)?,
        FormatArg::Binary => w2v::formats::word2vec_binary::write_path(&emb, &a.output)?,
    }
    Ok(())
}

fn similar(a: SimilarArgs) -> CliResult {
    let emb = w2v::formats::load_embeddings(&a.model, a.input_format.format())?;
    for (word, score) in w2v::query::similar(&emb, &a.word, a.k)? {
        println!("{word}\t{score:.4}");
    }
    Ok(())
}

#[derive(Args)]
struct PredictArgs {
    /// A w2v model trained with hierarchical softmax.
    model: PathBuf,
    /// Context words; their mean vector is scored through the tree, as in CBOW.
    #[arg(long, required = true, num_args = 1..)]
    context: Vec<String>,
    /// How many words.
    #[arg(short, default_value_t = 10)]
    k: usize,
    /// Print every word's probability, most probable first (overrides -k).
    #[arg(long)]
    all: bool,
}

fn predict(a: PredictArgs) -> CliResult {
    use std::io::Write;
    let model = w2v::formats::native::read_path(&a.model)?;
    let context = a
        .context
        .iter()
        .map(|w| model.vocab.id(w).ok_or_else(|| Error::unknown_word(w)))
        .collect::<w2v::Result<Vec<u32>>>()?;
    let predictor = w2v::predict::Predictor::new(&model)?;
    let hidden = w2v::predict::hidden_from_context(&model, &context);
    // k = V walks the whole tree and yields every word in order of probability.
    let k = if a.all { model.vocab.len() } else { a.k };
    let found = predictor.top_k(&hidden, k);
    let words = model.vocab.words();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let written = found
        .top
        .iter()
        .try_for_each(|p| writeln!(out, "{}\t{:.6e}", words[p.word as usize], p.probability));
    // A closed pipe (`| head`) is a normal way to stop reading.
    match written.and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            return Err(Error::io("<stdout>", e).into())
        }
        _ => {}
    }
    eprintln!(
        "visited {} of {} tree nodes",
        found.nodes_visited,
        predictor.tree_nodes()
    );
    Ok(())
}

#[derive(Args)]
struct PlotDiagnosticsArgs {
    /// A CSV written by `w2v train --diagnostics`.
    csv: PathBuf,
    /// Where to write the chart (SVG).
    #[arg(long, short)]
    output: PathBuf,
    /// Chart title [default: the CSV's file name].
    #[arg(long)]
    title: Option<String>,
}

fn plot_diagnostics(a: PlotDiagnosticsArgs) -> CliResult {
    paths::refuse_overwriting_inputs(&[&a.csv], &[&a.output])?;
    let rows = w2v::diagnostics::read_csv(&a.csv)?;
    let title = a.title.unwrap_or_else(|| {
        format!(
            "hierarchical-softmax gradients: {}",
            a.csv.file_name().unwrap_or_default().to_string_lossy()
        )
    });
    let svg = w2v::diagnostics::svg::render(&rows, &title);
    w2v::formats::write_atomically(&a.output, |out| {
        use std::io::Write;
        out.write_all(svg.as_bytes())
    })?;
    Ok(())
}
