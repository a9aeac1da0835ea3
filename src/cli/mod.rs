//! The command line: clap arguments, the commands they run, and how failures are worded.

mod eval;
mod failure;
mod paths;
mod phrases;
mod plot;
mod progress;
mod query;
mod train;
mod word2vec_args;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{
    ArgGroup, ArgMatches, Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum,
};

use w2v::formats::Destination;

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
    // Boxed: its many options make it several times the size of the other commands' args.
    Train(Box<TrainArgs>),
    /// Score a model or vector file on analogy questions or word-pair similarities.
    Eval(EvalArgs),
    /// Write the vectors in word2vec text or binary format.
    Export(ExportArgs),
    /// Print the nearest neighbours of a word by cosine similarity.
    Similar(SimilarArgs),
    /// Print words' vectors as `word v1 v2 ...` lines (word2vec's text layout).
    Vector(VectorArgs),
    /// Answer a is to b as c is to ? (3CosAdd or 3CosMul).
    Analogy(AnalogyArgs),
    /// Print the most probable centre words for a context under a model's output layer.
    Predict(PredictArgs),
    /// Held-out log-likelihood and perplexity of text under a model's output layer.
    Likelihood(LikelihoodArgs),
    /// Draw a chart (SVG or PNG): loss curves, a word map, or gradient diagnostics.
    Plot(plot::PlotArgs),
    /// `plot diagnostics` under its earlier name, kept so scripts keep working.
    #[command(hide = true)]
    PlotDiagnostics(plot::PlotDiagnosticsArgs),
    /// Join frequent word pairs into phrases (`new york` -> `new_york`), as word2phrase does.
    Phrases(PhrasesArgs),
}

/// Options also answer to the names word2vec, gensim and fastText users type (`--size`,
/// `--iter`, `--min_count`, `--lr`, ...); word2vec's single-dash lines are translated before
/// parsing (see `word2vec_args`).
#[derive(Args)]
#[command(allow_negative_numbers = true)]
#[command(group(ArgGroup::new("outputs").required(true).multiple(true)
    .args(["output", "save_vectors"])))]
pub(crate) struct TrainArgs {
    /// Text to train on: files, folders or `-` for stdin; repeat for several. gzip, bzip2, xz
    /// and zstd files (and stdin) are decompressed, recognised by content, not name. A folder
    /// is read as every file below it, in sorted path order, skipping hidden names.
    #[arg(long, short, alias = "train", required = true, num_args = 1..)]
    input: Vec<String>,
    /// When reading folders, only files with these extensions (e.g. `txt,gz`).
    #[arg(long, value_delimiter = ',', value_name = "EXT,...")]
    input_ext: Option<Vec<String>>,
    /// Where to save the model (w2v's native format); `-` writes it to stdout.
    #[arg(long, short)]
    output: Option<Destination>,
    /// Also (or instead) write the word vectors in word2vec's format, for gensim and others;
    /// `-` writes them to stdout.
    #[arg(long)]
    save_vectors: Option<Destination>,
    /// Format of --save-vectors: text, as word2vec and gensim default to, or binary.
    #[arg(long, value_enum, default_value_t = FormatArg::Text, requires = "save_vectors")]
    format: FormatArg,
    /// CBOW instead of skip-gram.
    #[arg(long)]
    cbow: bool,
    /// Vector dimension.
    #[arg(long, visible_aliases = ["size", "vector-size"], alias = "vector_size",
        default_value_t = 100)]
    dim: usize,
    /// Maximum context reach on each side (the reach is drawn uniformly from 1..=window).
    #[arg(long, visible_alias = "ws", default_value_t = 5)]
    window: usize,
    /// Drop words seen fewer times.
    #[arg(long, aliases = ["min_count", "minCount"], default_value_t = 5)]
    min_count: u64,
    /// Keep at most this many distinct words while counting, pruning rare ones.
    #[arg(long, alias = "max_vocab")]
    max_vocab: Option<usize>,
    /// Subsampling threshold for frequent words (0 turns it off).
    #[arg(long, default_value_t = 1e-3)]
    sample: f64,
    /// Starting learning rate [default: 0.025 skip-gram, 0.05 CBOW; 0.3 with AdaGrad, 0.01
    /// with RMSProp and Adam].
    #[arg(long, visible_alias = "lr")]
    alpha: Option<f32>,
    /// The output layer's learning rate as a multiple of --alpha (the input rows' rate)
    /// [default: 2 with subwords (--minn/--maxn), else 1].
    #[arg(long, value_name = "R")]
    output_rate: Option<f32>,
    /// Passes over the corpus.
    #[arg(long, visible_alias = "iter", alias = "epoch", default_value_t = 5)]
    epochs: u32,
    /// Training threads [default: all cores].
    #[arg(long, visible_alias = "workers", alias = "thread")]
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
    /// The output layer: hierarchical softmax, negative sampling, both, the exact softmax, or
    /// the sampled softmax [default: hs, or ns when --negative K is given].
    #[arg(long, value_enum)]
    loss: Option<LossArg>,
    /// Hierarchical softmax (on by default; with --negative K, trains both layers).
    #[arg(long, overrides_with = "no_hs")]
    hs: bool,
    /// Turn hierarchical softmax off (needs --negative).
    #[arg(long)]
    no_hs: bool,
    /// The tree hierarchical softmax walks.
    #[arg(long, value_enum, default_value_t = TreeArg::Huffman)]
    tree: TreeArg,
    /// Word vectors (word2vec text or binary, a w2v or fastText model) to build --tree
    /// semantic from [default: a first pass, 1 epoch with the Huffman tree].
    #[arg(long, value_name = "VECTORS")]
    tree_from: Option<PathBuf>,
    /// How gradients become updates: word2vec's SGD, or AdaGrad, RMSProp or (lazy) Adam, each
    /// with one second-moment figure per row, for every output layer and the input rows.
    #[arg(long, value_enum, default_value_t = OptimizerArg::Sgd)]
    optimizer: OptimizerArg,
    /// RMSProp's decay of its squared-gradient average (--optimizer rmsprop) [default: 0.99].
    #[arg(long, value_name = "RHO")]
    rho: Option<f32>,
    /// Adam's first-moment decay (--optimizer adam) [default: 0.9].
    #[arg(long, value_name = "B1")]
    beta1: Option<f32>,
    /// Adam's second-moment decay (--optimizer adam) [default: 0.999].
    #[arg(long, value_name = "B2")]
    beta2: Option<f32>,
    /// L2 weight decay: each row shrinks by (1 - alpha·LAMBDA) per word trained, applied
    /// lazily when a step touches the row (0: off).
    #[arg(long, value_name = "LAMBDA", default_value_t = 0.0)]
    l2: f32,
    /// Negative samples per prediction; alone it means negative sampling without
    /// hierarchical softmax, as in word2vec and gensim [default: 0, or 5 with --loss ns, 64
    /// with --loss sampled-softmax].
    #[arg(long, visible_alias = "neg")]
    negative: Option<u32>,
    /// Exponent of the unigram distribution negatives are drawn from.
    #[arg(long, alias = "ns_exponent", default_value_t = 0.75)]
    ns_exponent: f64,
    /// Shortest character n-gram of fastText-style subword vectors: giving --minn or --maxn
    /// turns them on (the other defaults to fastText's 3 or 6); `<` and `>` mark the word's
    /// ends.
    #[arg(long, value_name = "N")]
    minn: Option<usize>,
    /// Longest character n-gram (`--maxn 0`, as in fastText, means no subwords).
    #[arg(long, value_name = "N")]
    maxn: Option<usize>,
    /// How many rows n-grams are hashed into (fastText's -bucket); w2v keeps rows only for
    /// buckets the vocabulary's n-grams reach [default: 2000000].
    #[arg(long, alias = "bucket", value_name = "N")]
    buckets: Option<u32>,
    /// Save the vocabulary as `word count` lines; `-` writes them to stdout.
    #[arg(long, alias = "save_vocab")]
    save_vocab: Option<Destination>,
    /// Use the words and counts of this file instead of counting the corpus.
    #[arg(long, alias = "read_vocab")]
    read_vocab: Option<PathBuf>,
    /// Write per-epoch loss as CSV: epoch,words,loss,alpha,seconds; `-` writes it to stdout.
    #[arg(long, alias = "loss_log")]
    loss_log: Option<Destination>,
    /// Write sampled hierarchical-softmax gradient statistics per epoch, by tree depth and
    /// frequency band, as CSV (draw them with `w2v plot diagnostics`); `-` writes it to stdout.
    #[arg(long)]
    diagnostics: Option<Destination>,
    /// Where the corpus's word ids go: kept in memory up to 16.8M words, then spilled to a
    /// temporary file (auto); always spilled; or always in memory (4 bytes a word).
    #[arg(long, value_enum, default_value_t = SpillArg::Auto)]
    spill: SpillArg,
    /// Folder for the spilled corpus (about 2 bytes a word, twice that at its peak; removed
    /// however w2v ends)
    /// [default: beside the output, or the system's temporary folder for stdout].
    #[arg(long, value_name = "DIR")]
    tmp_dir: Option<PathBuf>,
    /// Join frequent word pairs into phrases first, in this many passes (word2phrase on the
    /// fly; no intermediate file to make). 0: no phrases.
    #[arg(long, default_value_t = 0, value_name = "PASSES")]
    phrases: u32,
    /// The score a pair must beat to join: one value for the last pass, each earlier pass
    /// doubling it (200 then 100 for two passes, as word2vec's demo), or one value per pass.
    #[arg(long, value_delimiter = ',', value_name = "T,...",
        value_parser = phrases::parse_threshold)]
    phrase_threshold: Option<Vec<f32>>,
    /// Words and pairs seen fewer times never join (word2phrase's -min-count).
    #[arg(long, default_value_t = w2v::phrases::DEFAULT_MIN_COUNT)]
    phrase_min_count: u64,
    /// Save the model with all it needs to resume to --output every N epochs (a fraction
    /// such as 0.25 is fine), each checkpoint replacing the last.
    #[arg(long, value_name = "EPOCHS", value_parser = train::parse_checkpoint_every)]
    checkpoint_every: Option<f64>,
    /// Go on training a partial model (saved by Ctrl-C or --checkpoint-every) on the same
    /// inputs; options not given take the model's values. --output may be the model itself.
    #[arg(long, value_name = "MODEL")]
    resume: Option<PathBuf>,
    /// Train a finished model further on new text: its vocabulary (the text's other words
    /// are dropped) and its settings, unless options change those that may change.
    /// --output may be the model itself.
    #[arg(long, value_name = "MODEL", conflicts_with = "resume")]
    init: Option<PathBuf>,
    /// With --init: add the text's words that reach --min-count as new rows.
    #[arg(long, requires = "init")]
    update_vocab: bool,
    /// No progress bars, epoch lines or summary.
    #[arg(long, short)]
    quiet: bool,
}

/// `--spill`.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum SpillArg {
    Auto,
    Always,
    Never,
}

/// `w2v phrases`: word2phrase's options, and the inputs and tokenizer of `train`.
#[derive(Args)]
#[command(allow_negative_numbers = true)]
pub(crate) struct PhrasesArgs {
    /// Text to read: files, folders or `-` for stdin, as for `train` (compressed ones too).
    #[arg(long, short, alias = "train", required = true, num_args = 1..)]
    input: Vec<String>,
    /// When reading folders, only files with these extensions (e.g. `txt,gz`).
    #[arg(long, value_delimiter = ',', value_name = "EXT,...")]
    input_ext: Option<Vec<String>>,
    /// Where to write the text with phrases joined, a sentence a line; `-` writes to stdout.
    #[arg(long, short)]
    output: Destination,
    /// The score a pair must beat to join, (count(ab) - min-count) / (count(a) count(b)) *
    /// words: one value for the last pass, each earlier pass doubling it, or one per pass
    /// [default: 100].
    #[arg(long, value_delimiter = ',', value_name = "T,...",
        value_parser = phrases::parse_threshold)]
    threshold: Option<Vec<f32>>,
    /// Words and pairs seen fewer times never join.
    #[arg(long, aliases = ["min_count", "minCount"],
        default_value_t = w2v::phrases::DEFAULT_MIN_COUNT)]
    min_count: u64,
    /// Passes: each joins pairs of the previous pass's tokens, so two make up to four-word
    /// phrases.
    #[arg(long, default_value_t = 1, value_parser = phrases::parse_passes)]
    passes: u32,
    /// Keep at most this many distinct words plus word pairs while counting, pruning rare
    /// ones, so memory stays bounded.
    #[arg(long, alias = "max_vocab", default_value_t = w2v::phrases::DEFAULT_MAX_ENTRIES)]
    max_vocab: usize,
    /// How text is split into words.
    #[arg(long, value_enum, default_value_t = TokenizerArg::Unicode)]
    tokenizer: TokenizerArg,
    /// Lowercase every word.
    #[arg(long)]
    lowercase: bool,
    /// No progress bars or summary.
    #[arg(long, short)]
    quiet: bool,
}

/// `--loss`: fastText's option name. New output layers add a value here and a case in
/// `train::output_layer`.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum LossArg {
    /// Hierarchical softmax alone.
    Hs,
    /// Negative sampling alone (5 negatives unless --negative K).
    Ns,
    /// Both layers, trained side by side.
    #[value(name = "hs+ns")]
    HsNs,
    /// The exact softmax over the whole vocabulary (small vocabularies only).
    Softmax,
    /// Importance-sampled softmax (64 samples unless --negative K).
    SampledSoftmax,
}

#[derive(Clone, Copy, ValueEnum)]
enum OptimizerArg {
    Sgd,
    Adagrad,
    Rmsprop,
    Adam,
}

#[derive(Clone, Copy, ValueEnum)]
enum TreeArg {
    /// Frequent words get short codes (word2vec's tree).
    Huffman,
    /// Every code about log2 V long.
    Balanced,
    /// Similar words share subtrees, split by 2-means on word vectors, cut by count.
    Semantic,
}

#[derive(Clone, Copy, ValueEnum)]
enum TokenizerArg {
    Unicode,
    Whitespace,
}

impl TokenizerArg {
    fn tokenizer(self) -> w2v::corpus::Tokenizer {
        match self {
            TokenizerArg::Unicode => w2v::corpus::Tokenizer::Unicode,
            TokenizerArg::Whitespace => w2v::corpus::Tokenizer::Whitespace,
        }
    }
}

#[derive(Args)]
#[command(group(ArgGroup::new("tests").required(true).multiple(true)
    .args(["analogies", "similarity"])))]
struct EvalArgs {
    /// A w2v model, a fastText .bin model, or word2vec text or binary vectors.
    model: PathBuf,
    /// Analogy questions (questions-words.txt format); repeat for several files.
    #[arg(long)]
    analogies: Vec<PathBuf>,
    /// Word-pair similarity file (`word1 word2 score` lines); repeat for several files.
    #[arg(long)]
    similarity: Vec<PathBuf>,
    /// Layout of a word2vec vector file: detected, or given when detection cannot tell
    /// (w2v models are always recognised).
    #[arg(long, value_enum, default_value_t = InputFormatArg::Auto)]
    input_format: InputFormatArg,
    /// Only the most frequent N words are candidates for analogies (0: all words).
    #[arg(long, default_value_t = 30_000)]
    restrict: usize,
    /// Analogy scoring: 3CosAdd or 3CosMul.
    #[arg(long, value_enum, default_value_t = MethodArg::Add)]
    method: MethodArg,
    /// Also score the questions and pairs the standard protocol skips, building vectors for
    /// words outside the vocabulary from their character n-grams; reported separately, after
    /// the standard figures (and as "oov" in --json).
    #[arg(long)]
    oov: bool,
    /// Print the results as one JSON document.
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

impl MethodArg {
    fn method(self) -> w2v::eval::Method {
        match self {
            MethodArg::Add => w2v::eval::Method::Add,
            MethodArg::Mul => w2v::eval::Method::Mul,
        }
    }
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
    format: ExportFormatArg,
    /// Where to write the vectors; `-` writes them to stdout.
    #[arg(long, short)]
    output: Destination,
}

/// The word2vec layouts w2v writes.
#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    /// Text with shortest round-trip decimals: reads back bit for bit.
    Text,
    /// word2vec's binary: a space, D little-endian f32 and a newline per word.
    Binary,
    /// word2vec C's exact text bytes: six decimals (`%lf`), a space after every value.
    CText,
}

impl FormatArg {
    fn write(self, emb: &w2v::Embeddings, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        use w2v::formats::{word2vec_binary, word2vec_text};
        match self {
            FormatArg::Text => word2vec_text::write(emb, out),
            FormatArg::Binary => word2vec_binary::write(emb, out),
            FormatArg::CText => word2vec_text::write_c_layout(emb, out),
        }
    }
}

/// What `export` writes: the word2vec layouts, or a whole fastText model.
#[derive(Clone, Copy, ValueEnum)]
enum ExportFormatArg {
    /// Text with shortest round-trip decimals: reads back bit for bit.
    Text,
    /// word2vec's binary: a space, D little-endian f32 and a newline per word.
    Binary,
    /// word2vec C's exact text bytes: six decimals (`%lf`), a space after every value.
    CText,
    /// fastText's `.bin` model (version 12), n-gram buckets included, for fastText and
    /// gensim's `load_facebook_model`; from a w2v model or a fastText `.bin`.
    Fasttext,
}

impl ExportFormatArg {
    fn vectors(self) -> Option<FormatArg> {
        match self {
            ExportFormatArg::Text => Some(FormatArg::Text),
            ExportFormatArg::Binary => Some(FormatArg::Binary),
            ExportFormatArg::CText => Some(FormatArg::CText),
            ExportFormatArg::Fasttext => None,
        }
    }
}

#[derive(Args)]
struct SimilarArgs {
    /// A w2v model, a fastText .bin model, or word2vec text or binary vectors.
    model: PathBuf,
    word: String,
    /// Layout of a word2vec vector file: detected, or given when detection cannot tell
    /// (w2v models are always recognised).
    #[arg(long, value_enum, default_value_t = InputFormatArg::Auto)]
    input_format: InputFormatArg,
    /// How many neighbours.
    #[arg(short, default_value_t = 10)]
    k: usize,
    /// Print one JSON document: {"word", "neighbours": [{"word", "similarity"}]}.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct VectorArgs {
    /// A w2v model, a fastText .bin model, or word2vec text or binary vectors.
    model: PathBuf,
    /// Layout of a word2vec vector file: detected, or given when detection cannot tell
    /// (w2v models are always recognised).
    #[arg(long, value_enum, default_value_t = InputFormatArg::Auto)]
    input_format: InputFormatArg,
    /// Words to print; none or `-` reads them from stdin, one per line (unknown ones are
    /// warned about and skipped, and the exit code is 1 at the end).
    words: Vec<String>,
    /// Print one JSON document: {"dim", "vectors": [{"word", "vector"}], "unknown": [...]}.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct AnalogyArgs {
    /// A w2v model, a fastText .bin model, or word2vec text or binary vectors.
    model: PathBuf,
    /// Layout of a word2vec vector file: detected, or given when detection cannot tell
    /// (w2v models are always recognised).
    #[arg(long, value_enum, default_value_t = InputFormatArg::Auto)]
    input_format: InputFormatArg,
    /// a is to b ...
    a: String,
    b: String,
    /// ... as c is to ?
    c: String,
    /// How many answers.
    #[arg(short, default_value_t = 10)]
    k: usize,
    /// Scoring: 3CosAdd or 3CosMul.
    #[arg(long, value_enum, default_value_t = MethodArg::Add)]
    method: MethodArg,
    /// Only the most frequent N words are candidate answers [default: all].
    #[arg(long)]
    restrict: Option<usize>,
    /// Print one JSON document: {"a", "b", "c", "method", "answers": [{"word", "score"}]}.
    #[arg(long)]
    json: bool,
}

/// Parses the arguments, runs the command and turns its outcome into an exit code: 0, 1 for
/// a failure, 2 for a usage error, 130 after Ctrl-C.
pub fn main() -> ExitCode {
    let translated = match word2vec_args::translate(std::env::args_os().collect()) {
        Ok(t) => t,
        Err(message) => return Failure::Usage(message).report(),
    };
    if translated.changed && !translated.args.iter().any(|a| a == "--quiet" || a == "-q") {
        let line: Vec<String> = translated.args[1..]
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        eprintln!("w2v: reading word2vec's options as: w2v {}", line.join(" "));
    }
    // The matches too: resuming asks which options were given on the command line.
    let parsed = Cli::command()
        .try_get_matches_from(translated.args)
        .and_then(|m| Cli::from_arg_matches(&m).map(|cli| (cli, m)));
    let (cli, matches) = match parsed {
        Ok(parsed) => parsed,
        Err(e) if !e.use_stderr() => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("w2v: {}", failure::one_line(&e.render().to_string()));
            return ExitCode::from(2);
        }
    };
    match run(cli, &matches) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => failure.report(),
    }
}

fn run(cli: Cli, matches: &ArgMatches) -> CliResult {
    match cli.command {
        Command::Train(args) => train::train(*args, matches.subcommand_matches("train")),
        Command::Eval(args) => eval::eval(args),
        Command::Export(args) => export(args),
        Command::Similar(args) => query::similar(args),
        Command::Vector(args) => query::vector(args),
        Command::Analogy(args) => query::analogy(args),
        Command::Predict(args) => query::predict(args),
        Command::Likelihood(args) => eval::likelihood(args),
        Command::Plot(args) => plot::plot(args),
        Command::PlotDiagnostics(args) => {
            plot::diagnostics(args, Some(w2v::plots::ImageFormat::Svg))
        }
        Command::Phrases(args) => phrases::phrases(args),
    }
}

fn export(a: ExportArgs) -> CliResult {
    paths::check_outputs(&[("--output", &a.output)], &[("model", &a.model)])?;
    if let ExportFormatArg::Binary | ExportFormatArg::Fasttext = a.format {
        paths::refuse_binary_on_terminal("--output", &a.output)?;
    }
    let Some(format) = a.format.vectors() else {
        return export_fasttext(&a);
    };
    let emb = w2v::formats::load_embeddings(&a.model, a.input_format.format())?;
    paths::write_output(&a.output, |out| format.write(&emb, out))
}

/// A fastText model needs what only models have (counts, n-gram rows, the output layer), so
/// word2vec vector files are refused rather than written with made-up parts.
fn export_fasttext(a: &ExportArgs) -> CliResult {
    use w2v::formats::{fasttext, native};
    let head = read_head(&a.model)?;
    if native::is_native(&head) {
        let model = native::read_path(&a.model)?;
        return paths::write_output(&a.output, |out| fasttext::write_model(&model, out));
    }
    if fasttext::is_fasttext(&head) {
        let model = fasttext::read_path(&a.model)?;
        return paths::write_output(&a.output, |out| fasttext::write(&model, out));
    }
    Err(Failure::Usage(format!(
        "{}: --format fasttext needs a w2v model or a fastText .bin model (a word2vec vector \
         file has no counts, n-grams or output layer)",
        a.model.display()
    )))
}

#[derive(Args)]
struct LikelihoodArgs {
    /// A w2v model with an output layer (as for `predict`).
    model: PathBuf,
    /// Text the model did not train on: files, folders or `-` for stdin, compressed or not.
    #[arg(long, short, required = true, num_args = 1..)]
    input: Vec<String>,
    /// Context words each side (fixed, never shrunk); default: the model's window.
    #[arg(long)]
    window: Option<usize>,
    /// Print one JSON document instead of the text report.
    #[arg(long)]
    json: bool,
}

/// The first bytes of a file, enough for the magic numbers.
fn read_head(path: &std::path::Path) -> CliResult<Vec<u8>> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| w2v::Error::io(path, e))?;
    let mut head = Vec::new();
    file.take(16)
        .read_to_end(&mut head)
        .map_err(|e| w2v::Error::io(path, e))?;
    Ok(head)
}

#[derive(Args)]
struct PredictArgs {
    /// A w2v model with an output layer: hierarchical softmax (its tree, searched best-first),
    /// a softmax or sampled softmax, or negative sampling (a softmax over its output vectors,
    /// as gensim's predict_output_word).
    model: PathBuf,
    /// Context words; their mean vector is scored by the output layer, as in CBOW.
    #[arg(long, required = true, num_args = 1..)]
    context: Vec<String>,
    /// How many words.
    #[arg(short, default_value_t = 10)]
    k: usize,
    /// Print every word's probability, most probable first (overrides -k).
    #[arg(long)]
    all: bool,
    /// Print one JSON document: {"context", "predictions": [{"word", "probability"}], ...}.
    #[arg(long)]
    json: bool,
}
