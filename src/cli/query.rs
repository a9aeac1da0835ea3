//! The query commands: `similar`, `vector`, `analogy` and `predict`. Results go to stdout as
//! tab-separated lines, or as one JSON document with `--json`.

use std::io::{BufRead, BufWriter, ErrorKind, Write};

use serde::Serialize;
use w2v::query::WordIndex;
use w2v::Error;

use super::{AnalogyArgs, CliResult, Failure, PredictArgs, SimilarArgs, VectorArgs};

/// Runs `write` on buffered stdout. A closed pipe (`| head`) is a normal way to stop reading.
fn to_stdout(write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> CliResult {
    let mut out = BufWriter::new(std::io::stdout().lock());
    match write(&mut out).and_then(|()| out.flush()) {
        Err(e) if e.kind() != ErrorKind::BrokenPipe => Err(Error::io("<stdout>", e).into()),
        _ => Ok(()),
    }
}

/// Serialized from typed structs, not `json!`, so f32 scores and vectors keep their shortest
/// round-trip spelling and fields their order.
fn print_json(doc: &impl Serialize) -> CliResult {
    let doc = serde_json::to_string(doc).expect("query results serialize");
    to_stdout(|out| writeln!(out, "{doc}"))
}

#[derive(Serialize)]
struct Neighbour<'a> {
    word: &'a str,
    similarity: f32,
}

#[derive(Serialize)]
struct Neighbours<'a> {
    word: &'a str,
    neighbours: Vec<Neighbour<'a>>,
}

#[derive(Serialize)]
struct Answer<'a> {
    word: &'a str,
    score: f32,
}

#[derive(Serialize)]
struct Answers<'a> {
    a: &'a str,
    b: &'a str,
    c: &'a str,
    method: w2v::eval::Method,
    answers: Vec<Answer<'a>>,
}

#[derive(Serialize)]
struct WordVector {
    word: String,
    vector: Vec<f32>,
}

#[derive(Serialize)]
struct Vectors<'a> {
    dim: usize,
    vectors: Vec<WordVector>,
    unknown: &'a [String],
}

#[derive(Serialize)]
struct Prediction<'a> {
    word: &'a str,
    probability: f64,
}

#[derive(Serialize)]
struct Predictions<'a> {
    context: &'a [String],
    /// The output layer the probabilities come from.
    layer: &'static str,
    predictions: Vec<Prediction<'a>>,
    /// With a tree: how much of it the search visited.
    #[serde(skip_serializing_if = "Option::is_none")]
    nodes_visited: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tree_nodes: Option<usize>,
}

pub fn similar(a: SimilarArgs) -> CliResult {
    let vectors = w2v::formats::load_vectors(&a.model, a.input_format.format())?;
    let found = w2v::query::similar_any(&vectors, &a.word, a.k)?;
    if a.json {
        return print_json(&Neighbours {
            word: &a.word,
            neighbours: found
                .iter()
                .map(|(word, similarity)| Neighbour {
                    word,
                    similarity: *similarity,
                })
                .collect(),
        });
    }
    to_stdout(|out| {
        found
            .iter()
            .try_for_each(|(word, score)| writeln!(out, "{word}\t{score:.4}"))
    })
}

pub fn analogy(a: AnalogyArgs) -> CliResult {
    let vectors = w2v::formats::load_vectors(&a.model, a.input_format.format())?;
    let method = a.method.method();
    let answers = w2v::query::analogy_any(&vectors, [&a.a, &a.b, &a.c], a.k, method, a.restrict)?;
    if a.json {
        return print_json(&Answers {
            a: &a.a,
            b: &a.b,
            c: &a.c,
            method,
            answers: answers
                .iter()
                .map(|(word, score)| Answer {
                    word,
                    score: *score,
                })
                .collect(),
        });
    }
    to_stdout(|out| {
        answers
            .iter()
            .try_for_each(|(word, score)| writeln!(out, "{word}\t{score:.4}"))
    })
}

/// Where `vector` takes its words from.
enum Words<'a> {
    Given(&'a str),
    Stdin,
}

/// Words named on the command line must all have a vector (checked before anything is
/// printed); words read from stdin are a stream, so one without is a warning, and the exit
/// code says at the end whether any had none. Words outside the vocabulary get vectors from
/// their character n-grams when the model has them.
pub fn vector(a: VectorArgs) -> CliResult {
    let vectors = w2v::formats::load_vectors(&a.model, a.input_format.format())?;
    let emb = &vectors.embeddings;
    let index = WordIndex::new(emb);
    let sources: Vec<Words> = if a.words.is_empty() {
        vec![Words::Stdin]
    } else {
        a.words
            .iter()
            .map(|w| match w.as_str() {
                "-" => Words::Stdin,
                w => Words::Given(w),
            })
            .collect()
    };
    let find = |word: &str| -> w2v::Result<(String, Vec<f32>)> {
        match index.row(word) {
            Some(row) => Ok((emb.words[row].clone(), emb.vector(row).to_vec())),
            None => Ok((word.to_string(), vectors.oov_vector(word)?)),
        }
    };
    for source in &sources {
        if let Words::Given(w) = source {
            find(w)?;
        }
    }
    let mut printer = VectorPrinter::new(emb.dim(), a.json);
    let (mut unknown, mut asked) = (Vec::new(), 0usize);
    let mut lookup = |word: &str, printer: &mut VectorPrinter| -> CliResult {
        asked += 1;
        match find(word) {
            Ok((word, v)) => printer.print(word, v),
            Err(e) => {
                eprintln!("w2v: warning: {e}");
                unknown.push(word.to_string());
                Ok(())
            }
        }
    };
    for source in sources {
        match source {
            Words::Given(w) => lookup(w, &mut printer)?,
            Words::Stdin => {
                for line in std::io::stdin().lock().lines() {
                    let line = line.map_err(|e| Error::io("<stdin>", e))?;
                    let word = line.trim();
                    if !word.is_empty() {
                        lookup(word, &mut printer)?;
                    }
                }
            }
        }
    }
    printer.finish(&unknown)?;
    match unknown.len() {
        0 => Ok(()),
        n => Err(Failure::Failed(format!(
            "{n} of {asked} words were not in the vocabulary"
        ))),
    }
}

/// Text lines go out as they are found (so `vector` works in a pipeline, a word at a time);
/// JSON is one document at the end.
struct VectorPrinter {
    dim: usize,
    json: Option<Vec<WordVector>>,
}

impl VectorPrinter {
    fn new(dim: usize, json: bool) -> Self {
        VectorPrinter {
            dim,
            json: json.then(Vec::new),
        }
    }

    fn print(&mut self, word: String, vector: Vec<f32>) -> CliResult {
        if let Some(rows) = &mut self.json {
            rows.push(WordVector { word, vector });
            return Ok(());
        }
        // Shortest round-trip floats, as `export --format text` writes them.
        let mut line = word;
        for x in vector {
            line.push_str(&format!(" {x}"));
        }
        let mut out = std::io::stdout().lock();
        match writeln!(out, "{line}").and_then(|()| out.flush()) {
            Err(e) if e.kind() != ErrorKind::BrokenPipe => Err(Error::io("<stdout>", e).into()),
            _ => Ok(()),
        }
    }

    fn finish(self, unknown: &[String]) -> CliResult {
        match self.json {
            Some(vectors) => print_json(&Vectors {
                dim: self.dim,
                vectors,
                unknown,
            }),
            None => Ok(()),
        }
    }
}

pub fn predict(a: PredictArgs) -> CliResult {
    let model = w2v::formats::native::read_path(&a.model)?;
    let context: Vec<&str> = a.context.iter().map(String::as_str).collect();
    let hidden = w2v::predict::hidden_from_words(&model, &context)?;
    let scorer = w2v::predict::Scorer::new(&model)?;
    // k = V walks the whole tree and yields every word in order of probability.
    let k = if a.all { model.vocab.len() } else { a.k };
    let found = scorer.top_k(&hidden, k);
    let tree_nodes = match &scorer {
        w2v::predict::Scorer::Tree(p) => Some(p.tree_nodes()),
        w2v::predict::Scorer::Rows { .. } => None,
    };
    let words = model.vocab.words();
    if a.json {
        return print_json(&Predictions {
            context: &a.context,
            layer: scorer.layer().name(),
            predictions: found
                .top
                .iter()
                .map(|p| Prediction {
                    word: &words[p.word as usize],
                    probability: p.probability,
                })
                .collect(),
            nodes_visited: tree_nodes.map(|_| found.nodes_visited),
            tree_nodes,
        });
    }
    to_stdout(|out| {
        found
            .top
            .iter()
            .try_for_each(|p| writeln!(out, "{}\t{:.6e}", words[p.word as usize], p.probability))
    })?;
    match tree_nodes {
        Some(n) => eprintln!("visited {} of {n} tree nodes", found.nodes_visited),
        None => eprintln!(
            "scored all {} words: {}",
            found.nodes_visited,
            scorer.layer().name()
        ),
    }
    Ok(())
}
