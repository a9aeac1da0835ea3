//! `w2v plot loss|map|diagnostics`: charts written as SVG or PNG, chosen by the output's
//! extension. The charts themselves are in the library (`w2v::plots`).

use std::io::Read;
use std::path::{Path, PathBuf};

use clap::{ArgGroup, Args, Subcommand, ValueEnum};

use w2v::formats::Destination;
use w2v::plots::{self, ImageFormat};
use w2v::query::WordIndex;
use w2v::Error;

use super::{paths, CliResult, Failure, InputFormatArg};

#[derive(Args)]
pub(crate) struct PlotArgs {
    #[command(subcommand)]
    chart: PlotCommand,
}

#[derive(Subcommand)]
enum PlotCommand {
    /// Learning curves of `train --loss-log` files, one line per run, to compare runs.
    Loss(PlotLossArgs),
    /// Words as labelled points in the plane of their vectors' two principal components (PCA).
    Map(PlotMapArgs),
    /// A `train --diagnostics` CSV: six panels of hierarchical-softmax gradient statistics.
    Diagnostics(PlotDiagnosticsArgs),
    /// One column of a CSV table (a benchmark script's results) as horizontal bars, one per
    /// row, to compare runs.
    Bars(PlotBarsArgs),
}

/// Where a chart goes, and in which format.
#[derive(Args)]
struct ImageOutput {
    /// Where to write the chart: SVG or PNG by the file's extension (.svg, .png); `-` writes
    /// SVG to stdout.
    #[arg(long, short)]
    output: Destination,
    /// The image format, when the extension should not decide (PNG on stdout, a FIFO).
    #[arg(long, value_enum)]
    format: Option<ImageFormatArg>,
}

#[derive(Clone, Copy, ValueEnum)]
enum ImageFormatArg {
    Svg,
    Png,
}

impl ImageOutput {
    /// The format to write, decided before any work. `fallback` is the format of an output
    /// whose extension names none (the old `plot-diagnostics` wrote SVG to any name).
    fn format(&self, fallback: Option<ImageFormat>) -> CliResult<ImageFormat> {
        let format = match (self.format, &self.output) {
            (Some(ImageFormatArg::Svg), _) => ImageFormat::Svg,
            (Some(ImageFormatArg::Png), _) => ImageFormat::Png,
            (None, Destination::Stdout) => ImageFormat::Svg,
            (None, Destination::Path(path)) => {
                let extension = path.extension().map(|e| e.to_string_lossy());
                match extension.as_deref().and_then(ImageFormat::from_extension) {
                    Some(format) => format,
                    None => fallback.ok_or_else(|| {
                        let what = match extension {
                            Some(e) => format!("unknown image type `.{e}`"),
                            None => "no extension to tell the image type".to_string(),
                        };
                        Failure::Usage(format!(
                            "--output {}: {what}; name a .svg or .png file, or pass --format \
                             svg or --format png",
                            path.display()
                        ))
                    })?,
                }
            }
        };
        if format.is_binary() {
            paths::refuse_binary_on_terminal("--output", &self.output)?;
        }
        Ok(format)
    }

    fn write(&self, chart: &impl plots::Chart, format: ImageFormat) -> CliResult {
        let bytes = plots::render(chart, format)?;
        paths::write_output(&self.output, |out| out.write_all(&bytes))
    }
}

pub(crate) fn plot(a: PlotArgs) -> CliResult {
    match a.chart {
        PlotCommand::Loss(args) => loss(args),
        PlotCommand::Map(args) => map(args),
        PlotCommand::Diagnostics(args) => diagnostics(args, None),
        PlotCommand::Bars(args) => bars(args),
    }
}

#[derive(Args)]
struct PlotBarsArgs {
    /// A CSV file with a header row.
    table: PathBuf,
    /// The column holding the values; rows where it is not a number are left out (warned).
    #[arg(long)]
    column: String,
    /// The column naming each bar [default: the first].
    #[arg(long)]
    label_column: Option<String>,
    #[command(flatten)]
    output: ImageOutput,
    /// Chart title [default: the column's name].
    #[arg(long)]
    title: Option<String>,
}

fn bars(a: PlotBarsArgs) -> CliResult {
    paths::check_outputs(&[("--output", &a.output.output)], &[("TABLE", &a.table)])?;
    let format = a.output.format(None)?;
    let label_column = match a.label_column {
        Some(name) => name,
        None => first_column(&a.table)?,
    };
    let table = plots::bars::read_bars(&a.table, &label_column, &a.column)?;
    if table.bars.is_empty() {
        return Err(Failure::Failed(format!(
            "{}: no row has a number in column '{}'; nothing to draw",
            a.table.display(),
            a.column
        )));
    }
    if !table.skipped.is_empty() {
        eprintln!(
            "w2v: warning: left out (no number in '{}'): {}",
            a.column,
            table.skipped.join(", ")
        );
    }
    let chart = plots::bars::BarChart {
        bars: &table.bars,
        title: a.title.as_deref().unwrap_or(&a.column),
        value_label: &a.column,
    };
    a.output.write(&chart, format)
}

/// The name of a CSV file's first column.
fn first_column(path: &Path) -> CliResult<String> {
    use std::io::BufRead;
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut header = String::new();
    std::io::BufReader::new(file)
        .read_line(&mut header)
        .map_err(|e| Error::io(path, e))?;
    Ok(header.split(',').next().unwrap_or("").trim().to_string())
}

#[derive(Args)]
struct PlotLossArgs {
    /// Loss logs written by `w2v train --loss-log`; each is one line, named by its file name.
    #[arg(required = true, num_args = 1.., value_name = "LOSSLOG")]
    logs: Vec<PathBuf>,
    #[command(flatten)]
    output: ImageOutput,
    /// Chart title.
    #[arg(long, default_value = "training loss by epoch")]
    title: String,
}

fn loss(a: PlotLossArgs) -> CliResult {
    let inputs: Vec<paths::InputFile> = a.logs.iter().map(|p| ("LOSSLOG", p.as_path())).collect();
    paths::check_outputs(&[("--output", &a.output.output)], &inputs)?;
    let format = a.output.format(None)?;
    let labels = run_labels(&a.logs);
    let mut runs = Vec::new();
    let mut empty = Vec::new();
    for (path, label) in a.logs.iter().zip(labels) {
        let records = w2v::train::read_loss_csv(path)?;
        if records.is_empty() {
            empty.push(path);
        } else {
            runs.push(plots::loss::LossRun { label, records });
        }
    }
    if runs.is_empty() {
        let which = match a.logs.len() {
            1 => a.logs[0].display().to_string(),
            _ => "any loss log".to_string(),
        };
        return Err(Failure::Failed(format!(
            "no finished epoch in {which}; nothing to draw"
        )));
    }
    for path in empty {
        eprintln!(
            "w2v: warning: {}: no finished epoch; the run has no line",
            path.display()
        );
    }
    let chart = plots::loss::LossChart {
        runs: &runs,
        title: &a.title,
    };
    a.output.write(&chart, format)
}

/// Legend labels: the file names, or the paths as given when two runs share a file name
/// (`run1/loss.csv`, `run2/loss.csv`).
fn run_labels(logs: &[PathBuf]) -> Vec<String> {
    let names: Vec<String> = logs
        .iter()
        .map(|p| match p.file_name() {
            Some(name) => name.to_string_lossy().into_owned(),
            None => p.display().to_string(),
        })
        .collect();
    let unique = names
        .iter()
        .enumerate()
        .all(|(i, n)| !names[..i].contains(n));
    if unique {
        names
    } else {
        logs.iter().map(|p| p.display().to_string()).collect()
    }
}

#[derive(Args)]
#[command(group(ArgGroup::new("selection").required(true).args(["words", "top"])))]
struct PlotMapArgs {
    /// A w2v model, a fastText .bin model, or word2vec text or binary vectors.
    model: PathBuf,
    /// Layout of a word2vec vector file: detected, or given when detection cannot tell
    /// (w2v models are always recognised).
    #[arg(long, value_enum, default_value_t = InputFormatArg::Auto)]
    input_format: InputFormatArg,
    /// The words to place: a file of words separated by spaces or newlines; `-` reads them
    /// from stdin. Words not in the model are warned about and left out.
    #[arg(long, value_name = "FILE")]
    words: Option<PathBuf>,
    /// The N most frequent words (the model's first N).
    #[arg(long, value_name = "N")]
    top: Option<usize>,
    #[command(flatten)]
    output: ImageOutput,
    /// Chart title [default: the model's file name and the number of words].
    #[arg(long)]
    title: Option<String>,
}

/// How many unknown words a warning lists by name.
const UNKNOWN_LISTED: usize = 5;

fn map(a: PlotMapArgs) -> CliResult {
    let mut inputs = vec![("model", a.model.as_path())];
    if let Some(words) = a.words.as_deref().filter(|w| *w != Path::new("-")) {
        inputs.push(("--words", words));
    }
    paths::check_outputs(&[("--output", &a.output.output)], &inputs)?;
    let format = a.output.format(None)?;
    if a.top == Some(0) {
        return Err(Failure::Usage(
            "--top 0: the map needs at least one word".into(),
        ));
    }
    let asked = match &a.words {
        Some(file) => Some(read_words(file)?),
        None => None,
    };
    let emb = w2v::formats::load_embeddings(&a.model, a.input_format.format())?;
    let rows: Vec<usize> = match (&asked, a.top) {
        (Some((file, words)), _) => rows_of(&emb, words, file)?,
        (None, Some(n)) => (0..n.min(emb.len())).collect(),
        (None, None) => unreachable!("clap requires --words or --top"),
    };
    let words: Vec<String> = rows.iter().map(|&r| emb.words[r].clone()).collect();
    let vectors = emb.vectors.select(ndarray::Axis(0), &rows);
    let projection = w2v::projection::pca_2d(vectors.view());
    let title = a.title.unwrap_or_else(|| {
        format!(
            "{}: {} words, PCA",
            a.model.file_name().unwrap_or_default().to_string_lossy(),
            words.len()
        )
    });
    let chart = plots::map::MapChart {
        title: &title,
        words: &words,
        projection: &projection,
    };
    a.output.write(&chart, format)
}

/// The words of `--words` and how errors name their source.
fn read_words(file: &Path) -> CliResult<(String, Vec<String>)> {
    let (name, text) = if file == Path::new("-") {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| Error::io("<stdin>", e))?;
        ("stdin".to_string(), text)
    } else {
        let text = std::fs::read_to_string(file).map_err(|e| Error::io(file, e))?;
        (file.display().to_string(), text)
    };
    let words: Vec<String> = text.split_whitespace().map(str::to_string).collect();
    if words.is_empty() {
        return Err(Failure::Usage(format!("--words {name}: no words in it")));
    }
    Ok((name, words))
}

/// The model's rows for `words`, each once, in the order asked; the words the model lacks are
/// one warning (the first few by name), and none found is an error.
fn rows_of(emb: &w2v::Embeddings, words: &[String], source: &str) -> CliResult<Vec<usize>> {
    let index = WordIndex::new(emb);
    let mut rows = Vec::new();
    let mut unknown: Vec<&str> = Vec::new();
    for word in words {
        match index.row(word) {
            Some(row) if !rows.contains(&row) => rows.push(row),
            Some(_) => {}
            None if !unknown.contains(&word.as_str()) => unknown.push(word),
            None => {}
        }
    }
    let mut listed = unknown[..unknown.len().min(UNKNOWN_LISTED)].join(", ");
    if unknown.len() > UNKNOWN_LISTED {
        listed += &format!(" and {} more", unknown.len() - UNKNOWN_LISTED);
    }
    if rows.is_empty() {
        return Err(Failure::Failed(format!(
            "none of the words in {source} is in the model ({listed}); nothing to draw"
        )));
    }
    if !unknown.is_empty() {
        let count = unknown.len();
        let verb = if count == 1 { "is" } else { "are" };
        eprintln!(
            "w2v: warning: {count} of the words in {source} {verb} not in the model and left \
             out: {listed}"
        );
    }
    Ok(rows)
}

#[derive(Args)]
pub(crate) struct PlotDiagnosticsArgs {
    /// A CSV written by `w2v train --diagnostics`.
    csv: PathBuf,
    #[command(flatten)]
    output: ImageOutput,
    /// Chart title [default: the CSV's file name].
    #[arg(long)]
    title: Option<String>,
}

/// `plot diagnostics`; the hidden `plot-diagnostics` of earlier versions passes
/// `Some(Svg)` as the format of an output whose extension names none, as it always wrote SVG.
pub(crate) fn diagnostics(a: PlotDiagnosticsArgs, fallback: Option<ImageFormat>) -> CliResult {
    paths::check_outputs(&[("--output", &a.output.output)], &[("CSV", &a.csv)])?;
    let format = a.output.format(fallback)?;
    let rows = w2v::diagnostics::read_csv(&a.csv)?;
    let title = a.title.unwrap_or_else(|| {
        format!(
            "hierarchical-softmax gradients: {}",
            a.csv.file_name().unwrap_or_default().to_string_lossy()
        )
    });
    let chart = plots::diagnostics::DiagnosticsChart {
        rows: &rows,
        title: &title,
    };
    a.output.write(&chart, format)
}
