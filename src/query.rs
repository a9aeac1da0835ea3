//! Queries on word vectors: a word's vector, its nearest neighbours by cosine similarity, and
//! analogies (a is to b as c is to ?).

use std::collections::HashMap;

use ndarray::{s, Array2, ArrayView1};

use crate::eval::analogy::Method;
use crate::eval::{lowercase_index, normalize_rows};
use crate::{Embeddings, Error, Result, Vectors};

/// The `k` words most cosine-similar to `word`, best first, without the word itself. Normalises
/// the whole matrix per call; for many queries normalise once and use [`nearest_to_vector`].
pub fn similar(emb: &Embeddings, word: &str, k: usize) -> Result<Vec<(String, f32)>> {
    similar_with(emb, None, word, k)
}

/// [`similar`] for any word: one outside the vocabulary is placed by its character n-grams
/// when the vectors have them (see [`Vectors::oov_vector`]); the neighbours are vocabulary
/// words.
pub fn similar_any(vectors: &Vectors, word: &str, k: usize) -> Result<Vec<(String, f32)>> {
    similar_with(&vectors.embeddings, Some(vectors), word, k)
}

/// A query word: a vocabulary row, or a vector made for a word outside the vocabulary.
enum Term {
    Row(usize),
    Made(Vec<f32>),
}

impl Term {
    fn find(emb: &Embeddings, oov: Option<&Vectors>, word: &str) -> Result<Term> {
        match (find_row(emb, word), oov) {
            (Some(row), _) => Ok(Term::Row(row)),
            (None, Some(vectors)) => vectors.oov_vector(word).map(Term::Made),
            (None, None) => Err(Error::unknown_word(word)),
        }
    }

    /// The row to leave out of the answers, if the word has one.
    fn row(&self) -> Option<usize> {
        match self {
            Term::Row(row) => Some(*row),
            Term::Made(_) => None,
        }
    }

    /// The unit-length vector.
    fn unit(&self, emb: &Embeddings) -> ndarray::Array1<f32> {
        let v = match self {
            Term::Row(row) => emb.vector(*row).to_owned(),
            Term::Made(v) => ndarray::Array1::from(v.clone()),
        };
        let n = v.len();
        normalize_rows(v.into_shape_with_order((1, n)).expect("one row").view())
            .row(0)
            .to_owned()
    }
}

fn similar_with(
    emb: &Embeddings,
    oov: Option<&Vectors>,
    word: &str,
    k: usize,
) -> Result<Vec<(String, f32)>> {
    let term = Term::find(emb, oov, word)?;
    let normed = emb.normalized();
    let exclude: Vec<usize> = term.row().into_iter().collect();
    let unit = match &term {
        Term::Row(row) => normed.row(*row).to_owned(),
        Term::Made(_) => term.unit(emb),
    };
    let hits = nearest_to_vector(&normed, unit.view(), k, &exclude);
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

/// Word lookups for many queries: the same rule as [`find_row`] (exact spelling, then the most
/// frequent case-insensitive match) in constant time per word.
pub struct WordIndex {
    exact: HashMap<String, usize>,
    folded: HashMap<String, usize>,
}

impl WordIndex {
    pub fn new(emb: &Embeddings) -> WordIndex {
        let mut exact = HashMap::with_capacity(emb.len());
        for (row, word) in emb.words.iter().enumerate() {
            exact.entry(word.clone()).or_insert(row);
        }
        WordIndex {
            exact,
            folded: lowercase_index(&emb.words),
        }
    }

    pub fn row(&self, word: &str) -> Option<usize> {
        self.exact
            .get(word)
            .or_else(|| self.folded.get(&word.to_lowercase()))
            .copied()
    }
}

/// The row of `word` and the spelling it was found under, or [`Error::UnknownWord`].
pub fn vector<'a>(emb: &'a Embeddings, word: &str) -> Result<(&'a str, ArrayView1<'a, f32>)> {
    let row = find_row(emb, word).ok_or_else(|| Error::unknown_word(word))?;
    Ok((&emb.words[row], emb.vector(row)))
}

/// Answers to "a is to b as c is to ?": the `k` best words by `method` (3CosAdd or 3CosMul,
/// scored exactly as analogy evaluation scores them), best first, without a, b and c. Only the
/// `restrict` most frequent words are candidates when given (as in evaluation); the three
/// words themselves may be rarer.
pub fn analogy(
    emb: &Embeddings,
    words: [&str; 3],
    k: usize,
    method: Method,
    restrict: Option<usize>,
) -> Result<Vec<(String, f32)>> {
    analogy_with(emb, None, words, k, method, restrict)
}

/// [`analogy`] where a, b and c may be outside the vocabulary, placed by their character
/// n-grams when the vectors have them; answers are vocabulary words.
pub fn analogy_any(
    vectors: &Vectors,
    words: [&str; 3],
    k: usize,
    method: Method,
    restrict: Option<usize>,
) -> Result<Vec<(String, f32)>> {
    analogy_with(
        &vectors.embeddings,
        Some(vectors),
        words,
        k,
        method,
        restrict,
    )
}

fn analogy_with(
    emb: &Embeddings,
    oov: Option<&Vectors>,
    [a, b, c]: [&str; 3],
    k: usize,
    method: Method,
    restrict: Option<usize>,
) -> Result<Vec<(String, f32)>> {
    let terms = [
        Term::find(emb, oov, a)?,
        Term::find(emb, oov, b)?,
        Term::find(emb, oov, c)?,
    ];
    let n = restrict.map_or(emb.len(), |r| r.min(emb.len()));
    let candidates = normalize_rows(emb.vectors.slice(s![..n, ..]));
    let cosines = |term: &Term| match term {
        Term::Row(row) => {
            let unit = normalize_rows(emb.vectors.slice(s![*row..*row + 1, ..]));
            candidates.dot(&unit.row(0))
        }
        Term::Made(_) => candidates.dot(&term.unit(emb)),
    };
    let (ca, cb, cc) = (cosines(&terms[0]), cosines(&terms[1]), cosines(&terms[2]));
    let scores: Vec<f32> = (0..n)
        .map(|i| method.combine(ca[i], cb[i], cc[i]))
        .collect();
    let exclude: Vec<usize> = terms.iter().filter_map(Term::row).collect();
    Ok(best(&scores, k, &exclude)
        .into_iter()
        .map(|(i, score)| (emb.words[i].clone(), score))
        .collect())
}

/// Top `k` rows by dot product with `v` (cosine when `v` is unit length), best first, ties to
/// the more frequent row.
pub fn nearest_to_vector(
    normalized: &Array2<f32>,
    v: ArrayView1<f32>,
    k: usize,
    exclude: &[usize],
) -> Vec<(usize, f32)> {
    let scores = normalized.dot(&v);
    best(scores.as_slice().expect("contiguous"), k, exclude)
}

/// The `k` highest scores with their rows, best first, ties to the lower (more frequent) row.
/// Partial selection keeps this O(V) for large vocabularies.
fn best(scores: &[f32], k: usize, exclude: &[usize]) -> Vec<(usize, f32)> {
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

    /// man = e0, woman = e1, king = e0 + e2, queen = e1 + e2: king - man + woman = queen.
    fn royals() -> Embeddings {
        let words = ["man", "woman", "king", "queen", "apple", "Queenly"];
        let vectors = array![
            [1.0, 0.0, 0.0, 0.0],
            [0.0, 1.0, 0.0, 0.0],
            [1.0, 0.0, 1.0, 0.0],
            [0.0, 1.0, 1.0, 0.0],
            [0.0, 0.0, 0.0, 1.0],
            [0.0, 2.0, 2.1, 0.0],
        ];
        Embeddings::new(words.map(String::from).to_vec(), vectors)
    }

    #[test]
    fn analogy_answers_best_first_without_the_question_words() {
        let e = royals();
        for method in [Method::Add, Method::Mul] {
            let got = analogy(&e, ["man", "king", "Woman"], 10, method, None).unwrap();
            let words: Vec<&str> = got.iter().map(|(w, _)| w.as_str()).collect();
            assert_eq!(words[..2], ["queen", "Queenly"], "{method:?}");
            assert_eq!(words.len(), 3, "{method:?}: all but man, king, woman");
            assert!(got.windows(2).all(|w| w[0].1 >= w[1].1));
            // The score is the method's formula on the three cosines.
            let cos = |x: usize, y: usize| {
                let n = e.normalized();
                n.row(x).dot(&n.row(y))
            };
            let expected = method.combine(cos(3, 0), cos(3, 2), cos(3, 1));
            assert!((got[0].1 - expected).abs() < 1e-6, "{method:?}");
            // Restricted to the 4 most frequent words, only queen is left.
            let top = analogy(&e, ["man", "king", "woman"], 10, method, Some(4)).unwrap();
            assert_eq!(top.len(), 1);
            assert_eq!(top[0].0, "queen");
        }
        assert_eq!(
            analogy(&e, ["man", "king", "woman"], 1, Method::Add, None)
                .unwrap()
                .len(),
            1
        );
        assert!(matches!(
            analogy(&e, ["man", "duke", "woman"], 3, Method::Add, None),
            Err(Error::UnknownWord { word }) if word == "duke"
        ));
    }

    #[test]
    fn word_index_agrees_with_find_row() {
        let e = emb();
        let index = WordIndex::new(&e);
        for w in ["cat", "car", "Car", "CAR", "Kitten", "TRUCK", "horse", ""] {
            assert_eq!(index.row(w), find_row(&e, w), "{w}");
        }
        let (word, v) = vector(&e, "CAR").unwrap();
        assert_eq!(word, "Car");
        assert_eq!(v, e.vector(2));
        assert!(matches!(
            vector(&e, "horse"),
            Err(Error::UnknownWord { .. })
        ));
    }
}
