//! Intrinsic evaluation against the standard benchmark files: analogy accuracy and word-pair
//! similarity correlation.

pub mod analogy;
pub mod similarity;

pub use analogy::{
    evaluate_analogies, load_questions, parse_questions, AnalogyReport, Method, Score, Section,
    SectionScore,
};
pub use similarity::{evaluate_similarity, load_pairs, parse_pairs, SimilarityReport, WordPair};

use std::collections::HashMap;

use ndarray::{Array2, ArrayView2};

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
