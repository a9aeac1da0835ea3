//! `w2v eval`: every analogy and similarity file in one run, as a text report per file or as
//! one JSON document.

use std::path::{Path, PathBuf};

use serde::Serialize;
use w2v::eval::{analogy, similarity};

use super::{CliResult, EvalArgs};

/// A report with the file it scores, for JSON.
#[derive(Serialize)]
struct FromFile<'a, T: Serialize> {
    file: &'a Path,
    #[serde(flatten)]
    report: T,
}

#[derive(Serialize)]
struct Reports<'a> {
    model: &'a Path,
    analogies: Vec<FromFile<'a, analogy::AnalogyReport>>,
    similarity: Vec<FromFile<'a, similarity::SimilarityReport>>,
}

pub fn eval(a: EvalArgs) -> CliResult {
    // Test files first: a typo in one should not cost loading a large model.
    let questions = load_all(&a.analogies, analogy::load_questions)?;
    let pairs = load_all(&a.similarity, similarity::load_pairs)?;
    let emb = w2v::formats::load_embeddings(&a.model)?;
    let method = a.method.method();
    let reports = Reports {
        model: &a.model,
        analogies: questions
            .iter()
            .map(|(file, sections)| FromFile {
                file,
                report: analogy::evaluate_analogies(&emb, sections, a.restrict, method),
            })
            .collect(),
        similarity: pairs
            .iter()
            .map(|(file, pairs)| FromFile {
                file,
                report: similarity::evaluate_similarity(&emb, pairs),
            })
            .collect(),
    };
    if a.json {
        let doc = serde_json::to_string(&reports).expect("reports serialize");
        println!("{doc}");
        return Ok(());
    }
    let mut blocks = Vec::new();
    for r in &reports.analogies {
        blocks.push(format!(
            "{} ({}, {} most frequent words)\n{}",
            r.file.display(),
            r.report.method,
            r.report.restrict,
            r.report
        ));
    }
    for r in &reports.similarity {
        blocks.push(format!("{}: {}", r.file.display(), r.report));
    }
    // Analogy blocks are separated by a blank line; the last line of an analogies-only run is
    // the total, which scripts read.
    println!("{}", blocks.join("\n\n"));
    Ok(())
}

fn load_all<T>(
    files: &[PathBuf],
    load: impl Fn(&Path) -> w2v::Result<T>,
) -> w2v::Result<Vec<(&Path, T)>> {
    files.iter().map(|f| Ok((f.as_path(), load(f)?))).collect()
}
