//! Word vectors that can also make a vector for a word they never saw, from its character
//! n-grams (fastText's subwords, issue 13), whatever file they came from.
//!
//! A word outside the vocabulary gets the mean over ALL its n-grams of their bucket rows, an
//! n-gram whose bucket has no row (or an all-zero row) counting as zero. fastText computes
//! exactly that from its dense layout (every bucket has a row); w2v keeps rows only for the
//! buckets its vocabulary reaches and writes the others as zero rows into `.bin` files, so
//! w2v's own answer and fastText's answer from w2v's export are the same number. A word none
//! of whose n-grams has a row has no vector: [`Error::NoKnownNgrams`], never a zero vector
//! that would rank as similar to nothing and everything.

use ndarray::{Array2, ArrayView1, ArrayView2};

use crate::subwords::{self, NgramSettings};
use crate::{Embeddings, Error, Result};

/// Borrowed n-gram rows: which buckets have a row and the rows themselves.
#[derive(Debug, Clone, Copy)]
pub struct NgramTable<'a> {
    pub settings: &'a NgramSettings,
    /// Sorted, distinct buckets with a row (w2v's compact layout); `None`: every bucket has
    /// one, row = bucket (fastText's dense layout).
    pub buckets: Option<&'a [u32]>,
    /// One row per listed bucket, or `settings.buckets` rows when dense.
    pub rows: ArrayView2<'a, f32>,
    /// The model was trained on lowercased text, so a word's n-grams are those of its
    /// lowercase form (as the corpus reader would have made it).
    pub lowercase: bool,
}

impl NgramTable<'_> {
    fn bucket_row(&self, bucket: u32) -> Option<ArrayView1<'_, f32>> {
        let slot = match self.buckets {
            None => bucket as usize,
            Some(listed) => listed.binary_search(&bucket).ok()?,
        };
        (slot < self.rows.nrows()).then(|| self.rows.row(slot))
    }

    /// The vector of a word from its n-grams alone (see the module doc), or `None` when none
    /// of them has a non-zero row. Summed in fastText's order in f32 and scaled by `1/n`
    /// computed in f64, as fastText's `getWordVector` does, so the values agree bit for bit.
    pub fn word_vector(&self, word: &str) -> Option<Vec<f32>> {
        let lower;
        let word = if self.lowercase && word.chars().any(char::is_uppercase) {
            lower = word.to_lowercase();
            &lower
        } else {
            word
        };
        // Bucket numbers: rows relative to a vocabulary of size 0.
        let mut buckets = Vec::new();
        subwords::push_ngram_rows(word, self.settings, 0, &mut buckets);
        let known: Vec<&[f32]> = buckets
            .iter()
            .filter_map(|&bucket| self.bucket_row(bucket))
            .filter(|row| row.iter().any(|&x| x != 0.0))
            .map(|row| row.to_slice().expect("rows of a standard-layout matrix"))
            .collect();
        if known.is_empty() {
            return None;
        }
        Some(subwords::fasttext_mean(
            self.rows.ncols(),
            known,
            buckets.len(),
        ))
    }
}

/// Owned n-gram rows (see [`NgramTable`]).
#[derive(Debug, Clone, PartialEq)]
pub struct NgramVectors {
    settings: NgramSettings,
    buckets: Option<Vec<u32>>,
    /// The bucket rows are rows `first..` of this matrix: a model's whole input matrix can be
    /// moved in (word rows first) instead of copying its bucket rows out.
    rows: Array2<f32>,
    first: usize,
    lowercase: bool,
}

impl NgramVectors {
    /// fastText's dense layout: rows `first..` of `matrix` are buckets `0..settings.buckets`.
    pub fn dense(settings: NgramSettings, matrix: Array2<f32>, first: usize) -> Result<Self> {
        let have = matrix.nrows().saturating_sub(first);
        if first > matrix.nrows() || have != settings.buckets as usize {
            return Err(Error::Unsupported(format!(
                "n-gram table: {have} rows for {} buckets",
                settings.buckets
            )));
        }
        Ok(NgramVectors {
            settings,
            buckets: None,
            rows: matrix,
            first,
            lowercase: false,
        })
    }

    /// w2v's compact layout: rows `first..` of `matrix` belong to `buckets` (sorted, distinct,
    /// below `settings.buckets`), one each.
    pub fn listed(
        settings: NgramSettings,
        buckets: Vec<u32>,
        matrix: Array2<f32>,
        first: usize,
    ) -> Result<Self> {
        let sorted = buckets.windows(2).all(|w| w[0] < w[1]);
        let in_range = buckets.last().is_none_or(|&b| b < settings.buckets);
        if !sorted || !in_range || first + buckets.len() != matrix.nrows() {
            return Err(Error::Unsupported(format!(
                "n-gram table: {} rows for {} listed buckets (sorted: {sorted}, in range: \
                 {in_range})",
                matrix.nrows().saturating_sub(first),
                buckets.len()
            )));
        }
        Ok(NgramVectors {
            settings,
            buckets: Some(buckets),
            rows: matrix,
            first,
            lowercase: false,
        })
    }

    /// Words were lowercased in training: look n-grams up for a word's lowercase form.
    pub fn with_lowercase(self, lowercase: bool) -> Self {
        NgramVectors { lowercase, ..self }
    }

    pub fn settings(&self) -> &NgramSettings {
        &self.settings
    }

    pub fn table(&self) -> NgramTable<'_> {
        NgramTable {
            settings: &self.settings,
            buckets: self.buckets.as_deref(),
            rows: self.rows.slice(ndarray::s![self.first.., ..]),
            lowercase: self.lowercase,
        }
    }

    /// See [`NgramTable::word_vector`].
    pub fn word_vector(&self, word: &str) -> Option<Vec<f32>> {
        self.table().word_vector(word)
    }
}

/// Vectors for a vocabulary, and for other words too when the model had character n-grams.
#[derive(Debug, Clone, PartialEq)]
pub struct Vectors {
    /// The vocabulary's vectors (with n-grams: each the mean of the word's own row and its
    /// n-gram rows).
    pub embeddings: Embeddings,
    /// `None`: word vectors only (word2vec files, models trained without subwords).
    pub ngrams: Option<NgramVectors>,
}

impl From<Embeddings> for Vectors {
    fn from(embeddings: Embeddings) -> Self {
        Vectors {
            embeddings,
            ngrams: None,
        }
    }
}

impl Vectors {
    pub fn dim(&self) -> usize {
        self.embeddings.dim()
    }

    /// The vector of a word outside the vocabulary, from its n-grams: [`Error::UnknownWord`]
    /// when the vectors have no n-grams, [`Error::NoKnownNgrams`] when none of the word's has
    /// a row.
    pub fn oov_vector(&self, word: &str) -> Result<Vec<f32>> {
        let ngrams = self
            .ngrams
            .as_ref()
            .ok_or_else(|| Error::unknown_word(word))?;
        ngrams
            .word_vector(word)
            .ok_or_else(|| Error::NoKnownNgrams {
                word: word.to_string(),
            })
    }

    /// Any word's vector: its row when in the vocabulary (by [`crate::query::find_row`]'s
    /// rule), otherwise from its n-grams. One lookup costs O(V); many want
    /// [`crate::query::WordIndex`] and [`Vectors::oov_vector`].
    pub fn word_vector(&self, word: &str) -> Result<Vec<f32>> {
        match crate::query::find_row(&self.embeddings, word) {
            Some(row) => Ok(self.embeddings.vector(row).to_vec()),
            None => self.oov_vector(word),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::subwords::ngram_rows;

    fn settings() -> NgramSettings {
        NgramSettings::new(2, 3, 97).unwrap()
    }

    /// Row `b` of a dense table is `[b + 1, -(b + 1)]`.
    fn dense() -> NgramVectors {
        let s = settings();
        let rows = Array2::from_shape_fn((s.buckets as usize + 2, 2), |(r, c)| {
            let b = r as f32 - 1.0;
            if c == 0 {
                b
            } else {
                -b
            }
        });
        NgramVectors::dense(s, rows, 2).unwrap()
    }

    #[test]
    fn dense_mean_is_the_hand_computed_mean() {
        let table = dense();
        let buckets = ngram_rows("abc", &settings(), 0);
        let n = buckets.len() as f32;
        let expected: f32 = buckets.iter().map(|&b| b as f32 + 1.0).sum::<f32>() / n;
        let got = table.word_vector("abc").unwrap();
        assert!((got[0] - expected).abs() < 1e-5, "{got:?} vs {expected}");
        assert!((got[1] + expected).abs() < 1e-5);
    }

    #[test]
    fn listed_buckets_count_missing_ones_as_zero() {
        let s = settings();
        let buckets = ngram_rows("abc", &s, 0);
        let mut keep = buckets.clone();
        keep.sort_unstable();
        keep.dedup();
        // Keep only the smallest bucket, with a row of 3s.
        let kept = keep[0];
        let table = NgramVectors::listed(s, vec![kept], Array2::from_elem((1, 2), 3.0), 0).unwrap();
        let hits = buckets.iter().filter(|&&b| b == kept).count() as f32;
        let expected = 3.0 * hits / buckets.len() as f32;
        let got = table.word_vector("abc").unwrap();
        assert!((got[0] - expected).abs() < 1e-6, "{got:?} vs {expected}");
        // A word none of whose buckets is listed has no vector.
        let other = (0..1000)
            .map(|i| format!("q{i}"))
            .find(|w| !ngram_rows(w, &s, 0).contains(&kept))
            .unwrap();
        assert_eq!(table.word_vector(&other), None);
    }

    #[test]
    fn errors_say_why_there_is_no_vector() {
        let emb = Embeddings::new(vec!["a".into()], Array2::from_elem((1, 2), 1.0));
        let plain = Vectors::from(emb.clone());
        assert!(matches!(
            plain.word_vector("zz"),
            Err(Error::UnknownWord { .. })
        ));
        assert_eq!(plain.word_vector("A").unwrap(), [1.0, 1.0]);
        let zero = NgramVectors::dense(settings(), Array2::zeros((97, 2)), 0).unwrap();
        let with = Vectors {
            embeddings: emb,
            ngrams: Some(zero),
        };
        let err = with.word_vector("zz").unwrap_err();
        assert!(matches!(err, Error::NoKnownNgrams { .. }), "{err}");
        assert!(err.to_string().contains("none of its character n-grams"));
    }

    #[test]
    fn layouts_are_checked() {
        let s = settings();
        assert!(NgramVectors::dense(s, Array2::zeros((96, 2)), 0).is_err());
        assert!(NgramVectors::listed(s, vec![3, 2], Array2::zeros((2, 2)), 0).is_err());
        assert!(NgramVectors::listed(s, vec![97], Array2::zeros((1, 2)), 0).is_err());
        assert!(NgramVectors::listed(s, vec![1, 2], Array2::zeros((3, 2)), 0).is_err());
    }

    #[test]
    fn lowercased_models_look_up_the_lowercase_form() {
        let s = settings();
        let table = dense();
        let lower = table.word_vector("walks").unwrap();
        assert_ne!(table.word_vector("Walks").unwrap(), lower);
        let folding = dense().with_lowercase(true);
        assert_eq!(folding.word_vector("Walks").unwrap(), lower);
        assert_eq!(folding.settings(), &s);
    }
}
