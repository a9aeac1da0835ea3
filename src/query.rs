//! Nearest-neighbour queries by cosine similarity.

use ndarray::{Array2, ArrayView1};

use crate::{Embeddings, Error, Result};

/// The `k` words most cosine-similar to `word`, best first, without the word itself. Normalises
/// the whole matrix per call; for many queries normalise once and use [`nearest_to_vector`].
pub fn similar(emb: &Embeddings, word: &str, k: usize) -> Result<Vec<(String, f32)>> {
    let row = find_row(emb, word).ok_or_else(|| Error::unknown_word(word))?;
    let normed = emb.normalized();
    let hits = nearest_to_vector(&normed, normed.row(row), k, &[row]);
    Ok(hits
        .into_iter()
        .map(|(i, score)| (emb.words[i].clone(), score))
        .collect())
}

/// Exact spelling first, so "Apple" and "apple" stay distinct when both exist; otherwise the most
/// frequent case-insensitive match, so users need not guess the capitalisation.
pub fn find_row(emb: &Embeddings, word: &str) -> Option<usize> {
    emb.words.iter().position(|w| w == word).or_else(|| {
        let lower = word.to_lowercase();
        emb.words.iter().position(|w| w.to_lowercase() == lower)
    })
}

/// Top `k` rows by dot product with `v` (cosine when `v` is unit length), best first, ties to
/// the more frequent row. Partial selection keeps this O(V) for large vocabularies.
pub fn nearest_to_vector(
    normalized: &Array2<f32>,
    v: ArrayView1<f32>,
    k: usize,
    exclude: &[usize],
) -> Vec<(usize, f32)> {
    let scores = normalized.dot(&v);
    let mut hits: Vec<(usize, f32)> = scores
        .iter()
        .copied()
        .enumerate()
        .filter(|(i, _)| !exclude.contains(i))
        .collect();
    let order = |x: &(usize, f32), y: &(usize, f32)| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0));
    if k < hits.len() {
        hits.select_nth_unstable_by(k, order);
        hits.truncate(k);
    }
    hits.sort_unstable_by(order);
    hits
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    fn emb() -> Embeddings {
        let words = ["cat", "dog", "Car", "car", "kitten", "truck"];
        let vectors = array![
            [1.0, 0.0, 0.0],
            [0.8, 0.6, 0.0],
            [0.0, 0.0, 2.0],
            [0.1, 0.0, 1.0],
            [3.0, 0.3, 0.0],
            [0.0, 0.6, 0.8],
        ];
        Embeddings::new(words.map(String::from).to_vec(), vectors)
    }

    #[test]
    fn similar_orders_by_cosine_and_excludes_self() {
        let e = emb();
        let got = similar(&e, "cat", 3).unwrap();
        let words: Vec<&str> = got.iter().map(|(w, _)| w.as_str()).collect();
        assert_eq!(words, ["kitten", "dog", "car"]);
        assert!((got[1].1 - 0.8).abs() < 1e-6);
        assert!(got.windows(2).all(|w| w[0].1 >= w[1].1));
        // k beyond the vocabulary returns everything but the word itself.
        let all = similar(&e, "cat", 100).unwrap();
        assert_eq!(all.len(), 5);
        assert!(all.iter().all(|(w, _)| w != "cat"));
        assert!(similar(&e, "cat", 0).unwrap().is_empty());
    }

    #[test]
    fn lookup_prefers_exact_case_then_most_frequent() {
        let e = emb();
        assert_eq!(find_row(&e, "car"), Some(3));
        assert_eq!(find_row(&e, "Car"), Some(2));
        assert_eq!(find_row(&e, "CAR"), Some(2));
        assert_eq!(find_row(&e, "Kitten"), Some(4));
        assert_eq!(similar(&e, "CAR", 1).unwrap()[0].0, "car");
        assert!(
            matches!(similar(&e, "horse", 3), Err(Error::UnknownWord { word }) if word == "horse")
        );
    }

    #[test]
    fn nearest_to_vector_partial_selection_and_ties() {
        let n = array![[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [0.6, 0.8], [-1.0, 0.0]];
        let v = ndarray::arr1(&[1.0f32, 0.0]);
        let got = nearest_to_vector(&n, v.view(), 3, &[]);
        assert_eq!(got, [(0, 1.0), (2, 1.0), (3, 0.6)]);
        let got = nearest_to_vector(&n, v.view(), 2, &[0, 3]);
        assert_eq!(got, [(2, 1.0), (1, 0.0)]);
    }
}
