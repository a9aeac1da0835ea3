//! The `w2v` command: arguments in, library calls, one line per error out.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

static STOP: AtomicBool = AtomicBool::new(false);
static TRAINING: AtomicBool = AtomicBool::new(false);

use clap::{Args, Parser, Subcommand, ValueEnum};

use w2v::corpus::{Input, Tokenizer};
use w2v::model::{Architecture, Optimizer, Settings, TreeKind};
use w2v::{Error, Result};

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
struct TrainArgs {
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
    /// Analogy questions (questions-words.txt format).
    #[arg(long, required_unless_present = "similarity")]
    analogies: Option<PathBuf>,
    /// Word-pair similarity file (`word1 word2 score` lines).
    #[arg(long)]
    similarity: Option<PathBuf>,
    /// Only the most frequent N words are candidates for analogies.
    #[arg(long, default_value_t = 30_000)]
    restrict: usize,
    /// Analogy scoring: 3CosAdd or 3CosMul.
    #[arg(long, value_enum, default_value_t = MethodArg::Add)]
    method: MethodArg,
    /// Print the results as JSON.
    #[arg(long)]
    json: bool,
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
    /// How many neighbours.
    #[arg(short, default_value_t = 10)]
    k: usize,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("w2v: {}", one_line(&e.render().to_string()));
            return ExitCode::from(2);
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("w2v: error: {e}");
            ExitCode::from(if e.is_usage() { 2 } else { 1 })
        }
    }
}

/// clap's message without its usage block, on one line.
fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("For more information"))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
        + " (see --help)"
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Train(args) => train(args),
        Command::Eval(args) => eval(args),
        Command::Export(args) => export(args),
        Command::Similar(args) => similar(args),
        Command::Predict(args) => predict(args),
        Command::PlotDiagnostics(args) => plot_diagnostics(args),
    }
}

fn train(a: TrainArgs) -> Result<()> {
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
    let settings = Settings {
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
    };
    let job = w2v::pipeline::TrainJob {
        inputs: a.input.iter().map(|s| Input::parse(s)).collect(),
        output: a.output,
        settings,
        read_vocab: a.read_vocab,
        save_vocab: a.save_vocab,
        loss_log: a.loss_log,
        diagnostics: a.diagnostics,
        quiet: a.quiet,
    };
    // First Ctrl-C: finish the current chunk and save what is trained (marked partial);
    // a second one, or one before training starts, quits at once.
    let _ = ctrlc::set_handler(|| {
        if STOP.swap(true, Ordering::SeqCst) || !TRAINING.load(Ordering::SeqCst) {
            eprintln!("\nw2v: interrupted");
            std::process::exit(130);
        }
        eprintln!("\nw2v: stopping: saving the model trained so far (Ctrl-C again to quit now)");
    });
    let summary =
        w2v::pipeline::run_training(&job, &STOP, || TRAINING.store(true, Ordering::SeqCst))?;
    if summary.stats.invalid_utf8_bytes > 0 {
        eprintln!(
            "w2v: warning: {} bytes of invalid UTF-8 were replaced by U+FFFD",
            summary.stats.invalid_utf8_bytes
        );
    }
    if summary.prunes > 0 {
        eprintln!(
            "w2v: warning: --max-vocab pruned rare words {} times while counting; counts of rare \
             words are lower bounds",
            summary.prunes
        );
    }
    let r = &summary.report;
    if r.interrupted {
        eprintln!(
            "w2v: interrupted after {} of {} epochs; saved a partial model to {}",
            r.epochs.len(),
            job.settings.epochs,
            job.output.display()
        );
        std::process::exit(130);
    }
    if !job.quiet {
        eprintln!(
            "trained {} words in {:.1} s ({:.0}k words/s), vocabulary {} words, corpus {} \
             words,{} final loss {}, peak memory {} -> {}",
            r.words,
            r.seconds,
            r.words_per_sec() / 1e3,
            summary.vocab_size,
            summary.corpus_words,
            summary
                .mean_code_len
                .map_or(String::new(), |l| format!(" mean code length {l:.2},")),
            r.epochs
                .last()
                .map_or("n/a".to_string(), |e| format!("{:.4}", e.loss)),
            w2v::progress::peak_memory_bytes()
                .map_or("n/a".to_string(), |b| format!("{} MB", b / 1_000_000)),
            job.output.display()
        );
    }
    Ok(())
}

fn eval(a: EvalArgs) -> Result<()> {
    use w2v::eval::{analogy, similarity};
    let emb = w2v::formats::load_embeddings(&a.model)?;
    if let Some(path) = &a.analogies {
        let sections = analogy::load_questions(path)?;
        let method = match a.method {
            MethodArg::Add => analogy::Method::Add,
            MethodArg::Mul => analogy::Method::Mul,
        };
        let report = analogy::evaluate_analogies(&emb, &sections, a.restrict, method);
        if a.json {
            println!("{}", serde_json_line(&report));
        } else {
            println!("{}", report.to_string().trim_end());
        }
    }
    if let Some(path) = &a.similarity {
        let report = similarity::evaluate_similarity(&emb, &similarity::load_pairs(path)?);
        if a.json {
            println!("{}", serde_json_line(&report));
        } else {
            println!("{report}");
        }
    }
    Ok(())
}

fn serde_json_line<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("reports serialize")
}

fn export(a: ExportArgs) -> Result<()> {
    let emb = w2v::formats::load_embeddings(&a.model)?;
    if w2v::pipeline::same_file(&a.model, &a.output) {
        return Err(Error::Usage(format!(
            "{} is the input; refusing to overwrite it",
            a.output.display()
        )));
    }
    match a.format {
        FormatArg::Text => w2v::formats::word2vec_text::write_path(&emb, &a.output),
        FormatArg::Binary => w2v::formats::word2vec_binary::write_path(&emb, &a.output),
    }
}

fn similar(a: SimilarArgs) -> Result<()> {
    let emb = w2v::formats::load_embeddings(&a.model)?;
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

fn predict(a: PredictArgs) -> Result<()> {
    use std::io::Write;
    let model = w2v::formats::native::read_path(&a.model)?;
    let context = a
        .context
        .iter()
        .map(|w| {
            model
                .vocab
                .id(w)
                .ok_or_else(|| Error::UnknownWord(w.clone()))
        })
        .collect::<Result<Vec<u32>>>()?;
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
            return Err(Error::io("<stdout>", e))
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

fn plot_diagnostics(a: PlotDiagnosticsArgs) -> Result<()> {
    if w2v::pipeline::same_file(&a.csv, &a.output) {
        return Err(Error::Usage(format!(
            "{} is the input; refusing to overwrite it",
            a.output.display()
        )));
    }
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
    })
}
