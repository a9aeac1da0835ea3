//! Intrinsic evaluation against the standard benchmark files: analogy accuracy and word-pair
//! similarity correlation.

pub mod analogy;
pub mod likelihood;
pub mod similarity;

pub use analogy::{
    evaluate_analogies, evaluate_analogies_oov, load_questions, parse_questions, AnalogyReport,
    Method, OovAnalogyReport, Score, Section, SectionScore,
};
pub use similarity::{
    evaluate_similarity, evaluate_similarity_oov, load_pairs, parse_pairs, OovSimilarityReport,
    SimilarityReport, WordPair,
};

use std::collections::HashMap;
use std::fmt;
use std::io::BufRead;
use std::path::{Path, PathBuf};

use ndarray::{Array2, ArrayView2};

use crate::{Error, Result};

/// A line of a benchmark file that was skipped. The library only collects these; the caller
/// decides whether and how to show them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub path: PathBuf,
    /// 1-based.
    pub line: u64,
    /// Says what was expected and that the line was skipped.
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.path.display(), self.line, self.message)
    }
}

impl Warning {
    fn new(path: &Path, line: u64, message: impl Into<String>) -> Warning {
        Warning {
            path: path.to_path_buf(),
            line,
            message: message.into(),
        }
    }
}

/// Calls `each` with every line's number (1-based) and its trimmed text, decoded lossily so
/// that one bad byte costs at most its line, not the file.
fn for_each_line<R: BufRead>(mut r: R, path: &Path, mut each: impl FnMut(u64, &str)) -> Result<()> {
    let mut raw = Vec::new();
    let mut n = 0;
    loop {
        raw.clear();
        if r.read_until(b'\n', &mut raw)
            .map_err(|e| Error::io(path, e))?
            == 0
        {
            return Ok(());
        }
        n += 1;
        each(n, String::from_utf8_lossy(&raw).trim());
    }
}

/// What a benchmark file parsed to, and the lines skipped on the way.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed<T> {
    pub value: T,
    pub warnings: Vec<Warning>,
}

/// A file that parses to nothing is an error, not an empty benchmark that scores `n/a`; the
/// message says how many lines were skipped and why the first one was.
fn nothing_usable(path: &Path, what: &str, skipped: &[Warning]) -> Error {
    let why = match skipped {
        [] => String::new(),
        [first, ..] => format!(
            " ({} skipped; line {}: {})",
            match skipped.len() {
                1 => "1 line".to_string(),
                n => format!("{n} lines"),
            },
            first.line,
            first.message
        ),
    };
    Error::format(path, format!("no {what} found{why}"))
}

/// Benchmarks are matched case-insensitively; rows are in frequency order, so keeping the first
/// row per lowercase form picks the most frequent spelling, as compute-accuracy and gensim do.
pub(crate) fn lowercase_index(words: &[String]) -> HashMap<String, usize> {
    let mut index = HashMap::with_capacity(words.len());
    for (row, word) in words.iter().enumerate() {
        index.entry(word.to_lowercase()).or_insert(row);
    }
    index
}

/// Unit rows of a slice, so a restricted vocabulary never pays for normalising the whole matrix.
pub(crate) fn normalize_rows(m: ArrayView2<f32>) -> Array2<f32> {
    let mut out = m.to_owned();
    for mut row in out.rows_mut() {
        let norm = row.dot(&row).sqrt();
        if norm > 0.0 {
            row /= norm;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowercase_index_keeps_most_frequent_spelling() {
        let words: Vec<String> = ["Paris", "the", "paris", "PARIS"]
            .map(String::from)
            .to_vec();
        let index = lowercase_index(&words);
        assert_eq!(index["paris"], 0);
        assert_eq!(index["the"], 1);
        assert_eq!(index.len(), 2);
    }
}
