//! The input side of a training step: which rows make a word's input vector, and how the
//! gradient the output layer hands back reaches them.
//!
//! - [`WordInput`]: a word is its own row (word2vec). The vector is the row itself and every
//!   gradient is applied at once, with the row's step size.
//! - [`SubwordInput`]: a word is the mean of its own row and its character n-gram rows
//!   (fastText). Building that mean costs a read of every row, and applying a gradient a
//!   write of every row, about 12 rows a token on English text at n = 3..6. A word at one
//!   sentence position serves as context for up to 2·window centre words, so the vector is
//!   built once per position, the gradients of all its uses are summed, and the sum is
//!   written to the rows once, when the position has left every window. The vector a
//!   position trains with is thus up to 2·window steps stale, as delayed Hogwild updates are.
//!
//! The trainer sees positions of the current sentence, not words, so that the second kind can
//! cache by position; the first just looks the word up.

use std::ops::RangeInclusive;

use super::rates::{Rates, Sgd};
use crate::kernels::Kernel;
use crate::shared::{Row, RowMut, SharedMatrix};
use crate::subwords::WordRows;

pub(crate) trait InputSide: Sync {
    /// A training thread's own working memory.
    type Cache;

    fn cache(&self) -> Self::Cache;

    /// Builds the vectors of `positions` of `sentence` that are not built yet. Positions are
    /// asked for in increasing order within a sentence. `words` is the thread's word count,
    /// the clock of lazy decay, which reaches a row before it is read.
    fn prepare<K: Kernel>(
        &self,
        k: K,
        cache: &mut Self::Cache,
        sentence: &[u32],
        positions: RangeInclusive<usize>,
        words: u64,
    );

    /// The input vector of position `pos` (prepared).
    fn vector<'a>(&'a self, cache: &'a Self::Cache, sentence: &[u32], pos: usize) -> Row<'a>;

    /// Takes the raw gradient (no learning rate) for the vector of position `pos`.
    fn learn<K: Kernel>(
        &self,
        k: K,
        cache: &mut Self::Cache,
        sentence: &[u32],
        pos: usize,
        grad: &[f32],
        alpha: f32,
    );

    /// The sentence is done: everything learned from it reaches the rows.
    fn finish_sentence<K: Kernel>(&self, k: K, cache: &mut Self::Cache, sentence: &[u32]);

    /// A hint that `word` enters the window soon: start loading its rows.
    fn prefetch(&self, word: u32);

    /// The matrix of every input row (for checks after an epoch).
    fn rows(&self) -> &SharedMatrix<'_>;
}

/// word2vec's input side: one row per word.
pub(crate) struct WordInput<'a, R = Sgd> {
    pub rows: SharedMatrix<'a>,
    /// How the rows are updated.
    pub rates: R,
}

impl<R: Rates> InputSide for WordInput<'_, R> {
    type Cache = ();

    fn cache(&self) {}

    #[inline(always)]
    fn prepare<K: Kernel>(
        &self,
        _: K,
        _: &mut (),
        sentence: &[u32],
        positions: RangeInclusive<usize>,
        words: u64,
    ) {
        if !R::PLAIN {
            for pos in positions {
                let word = sentence[pos] as usize;
                self.rates.touch(word, self.rows.row_mut(word), words);
            }
        }
    }

    #[inline(always)]
    fn vector<'a>(&'a self, _: &'a (), sentence: &[u32], pos: usize) -> Row<'a> {
        self.rows.row(sentence[pos] as usize)
    }

    /// Moves the word's row along the raw gradient by its step size.
    #[inline(always)]
    fn learn<K: Kernel>(
        &self,
        k: K,
        _: &mut (),
        sentence: &[u32],
        pos: usize,
        grad: &[f32],
        alpha: f32,
    ) {
        let word = sentence[pos] as usize;
        let row = self.rows.row_mut(word);
        // One vector: no scratch needed.
        self.rates.apply(
            k,
            word,
            row,
            &[Row::from(grad)],
            &[1.0],
            alpha,
            &mut Vec::new(),
        );
    }

    #[inline(always)]
    fn finish_sentence<K: Kernel>(&self, _: K, _: &mut (), _: &[u32]) {}

    #[inline(always)]
    fn prefetch(&self, word: u32) {
        self.rows.prefetch(word as usize);
    }

    fn rows(&self) -> &SharedMatrix<'_> {
        &self.rows
    }
}

/// fastText's input side: a word is the mean of its own row and its n-gram rows, and every
/// one of those rows takes the word's whole gradient (as fastText updates them), each through
/// its own state under an adaptive rule.
pub(crate) struct SubwordInput<'a, R = Sgd> {
    pub rows: SharedMatrix<'a>,
    pub words: &'a WordRows,
    pub dim: usize,
    /// Cached positions: more than a window reaches either side of a centre word.
    pub slots: usize,
    /// How the rows are updated.
    pub rates: R,
}

/// Per thread: the vectors of the sentence positions in reach, and their summed gradients.
pub(crate) struct PositionCache {
    /// Which position each slot holds (`EMPTY` for none).
    held: Vec<usize>,
    /// `slots × dim`: the input vector of the held position.
    vectors: Vec<f32>,
    /// `slots × dim`: the gradient summed over the position's uses, scaled by the learning
    /// rate under plain SGD, raw under an adaptive rule (which scales it when it is written).
    pending: Vec<f32>,
    /// The learning rate of the current sentence (it changes only between sentences).
    alpha: f32,
    /// Scratch for the adaptive rules.
    direction: Vec<f32>,
}

const EMPTY: usize = usize::MAX;

impl<R: Rates> SubwordInput<'_, R> {
    /// Slots for positions pos - reach ..= pos + reach of any window of `window`.
    pub fn slots_for(window: usize) -> usize {
        2 * window + 2
    }

    /// Writes the summed gradient of the position in `slot` to every row of its word.
    #[inline(always)]
    fn flush<K: Kernel>(&self, k: K, cache: &mut PositionCache, slot: usize, sentence: &[u32]) {
        let pos = cache.held[slot];
        if pos == EMPTY {
            return;
        }
        let dim = self.dim;
        let pending = Row::from(&cache.pending[slot * dim..(slot + 1) * dim]);
        for &row in self.words.of(sentence[pos] as usize) {
            let (r, row) = (row as usize, self.rows.row_mut(row as usize));
            if R::PLAIN {
                k.axpy(1.0, pending, row);
            } else {
                self.rates.apply(
                    k,
                    r,
                    row,
                    &[pending],
                    &[1.0],
                    cache.alpha,
                    &mut cache.direction,
                );
            }
        }
        cache.held[slot] = EMPTY;
    }
}

impl<R: Rates> InputSide for SubwordInput<'_, R> {
    type Cache = PositionCache;

    fn cache(&self) -> PositionCache {
        PositionCache {
            held: vec![EMPTY; self.slots],
            vectors: vec![0.0; self.slots * self.dim],
            pending: vec![0.0; self.slots * self.dim],
            alpha: 0.0,
            direction: Vec::new(),
        }
    }

    #[inline(always)]
    fn prepare<K: Kernel>(
        &self,
        k: K,
        cache: &mut PositionCache,
        sentence: &[u32],
        positions: RangeInclusive<usize>,
        words: u64,
    ) {
        let dim = self.dim;
        for pos in positions {
            let slot = pos % self.slots;
            if cache.held[slot] == pos {
                continue;
            }
            // The slot's old position is more than a window behind every centre from here on.
            self.flush(k, cache, slot, sentence);
            let rows = self.words.of(sentence[pos] as usize);
            let vector = &mut cache.vectors[slot * dim..(slot + 1) * dim];
            vector.fill(0.0);
            for &row in rows {
                if !R::PLAIN {
                    let r = row as usize;
                    self.rates.touch(r, self.rows.row_mut(r), words);
                }
                k.axpy(
                    1.0,
                    self.rows.row(row as usize),
                    RowMut::from(&mut vector[..]),
                );
            }
            // As fastText averages: the sum times 1/n, with 1/n computed in double.
            let scale = (1.0 / rows.len() as f64) as f32;
            vector.iter_mut().for_each(|x| *x *= scale);
            cache.pending[slot * dim..(slot + 1) * dim].fill(0.0);
            cache.held[slot] = pos;
        }
    }

    #[inline(always)]
    fn vector<'a>(&'a self, cache: &'a PositionCache, _: &[u32], pos: usize) -> Row<'a> {
        let slot = pos % self.slots;
        debug_assert_eq!(cache.held[slot], pos, "position not prepared");
        Row::from(&cache.vectors[slot * self.dim..(slot + 1) * self.dim])
    }

    #[inline(always)]
    fn learn<K: Kernel>(
        &self,
        k: K,
        cache: &mut PositionCache,
        _: &[u32],
        pos: usize,
        grad: &[f32],
        alpha: f32,
    ) {
        let slot = pos % self.slots;
        debug_assert_eq!(cache.held[slot], pos, "position not prepared");
        let pending = &mut cache.pending[slot * self.dim..(slot + 1) * self.dim];
        if R::PLAIN {
            k.axpy(alpha, Row::from(grad), RowMut::from(pending));
        } else {
            k.axpy(1.0, Row::from(grad), RowMut::from(pending));
            cache.alpha = alpha;
        }
    }

    fn finish_sentence<K: Kernel>(&self, k: K, cache: &mut PositionCache, sentence: &[u32]) {
        for slot in 0..self.slots {
            self.flush(k, cache, slot, sentence);
        }
    }

    #[inline(always)]
    fn prefetch(&self, word: u32) {
        for &row in self.words.of(word as usize) {
            self.rows.prefetch(row as usize);
        }
    }

    fn rows(&self) -> &SharedMatrix<'_> {
        &self.rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::Portable;
    use crate::subwords::{occupied_buckets, BucketRows, NgramSettings};

    /// Three words with n-grams of 2..=3 characters, rows filled with distinct values.
    fn setup() -> (Vec<String>, WordRows, Vec<f32>) {
        let words: Vec<String> = ["ab", "abc", "ba"].iter().map(|w| w.to_string()).collect();
        let ngrams = NgramSettings::new(2, 3, 1000).unwrap();
        let buckets = occupied_buckets(words.iter().map(String::as_str), &ngrams);
        let layout = BucketRows {
            settings: &ngrams,
            buckets: &buckets,
            first_row: 3,
        };
        let table = WordRows::new(&words, &layout);
        let rows = 3 + buckets.len();
        let data = (0..rows * 2).map(|i| (i as f32).sin()).collect();
        (words, table, data)
    }

    fn mean_of(rows: &[u32], data: &[f32]) -> Vec<f32> {
        let mut sum = [0f32; 2];
        for &r in rows {
            sum[0] += data[r as usize * 2];
            sum[1] += data[r as usize * 2 + 1];
        }
        sum.iter().map(|s| s / rows.len() as f32).collect()
    }

    /// A position's vector is the mean of its word's rows; the gradients of all its uses,
    /// scaled by their rates, reach every one of those rows when the sentence is done.
    #[test]
    fn vectors_are_row_means_and_gradients_reach_every_row() {
        let (_, table, mut data) = setup();
        let before = data.clone();
        let sentence = [1u32, 0, 1];
        let expected = mean_of(table.of(1), &before);
        {
            let input = SubwordInput {
                rows: SharedMatrix::new(&mut data, 2),
                words: &table,
                dim: 2,
                slots: SubwordInput::<Sgd>::slots_for(1),
                rates: Sgd,
            };
            let mut cache = input.cache();
            input.prepare(Portable, &mut cache, &sentence, 0..=2, 0);
            let v = input.vector(&cache, &sentence, 0).to_vec();
            assert!(v.iter().zip(&expected).all(|(a, b)| (a - b).abs() < 1e-6));
            // Position 0 learns twice, position 2 (the same word) once.
            input.learn(Portable, &mut cache, &sentence, 0, &[1.0, -2.0], 0.5);
            input.learn(Portable, &mut cache, &sentence, 0, &[3.0, 0.0], 0.5);
            input.learn(Portable, &mut cache, &sentence, 2, &[0.0, 4.0], 0.25);
            // Nothing is written before the sentence is done.
            assert_eq!(input.rows.row(1).to_vec(), before[2..4]);
            input.finish_sentence(Portable, &mut cache, &sentence);
        }
        // Each row of word 1 moved by 0.5·(1,-2) + 0.5·(3,0) + 0.25·(0,4) = (2, 0) for every
        // time it is among the word's rows; no other row moved.
        let rows1 = table.of(1);
        for r in 0..data.len() / 2 {
            let moved = [
                data[2 * r] - before[2 * r],
                data[2 * r + 1] - before[2 * r + 1],
            ];
            let times = rows1.iter().filter(|&&x| x as usize == r).count() as f32;
            let want = [2.0 * times, 0.0];
            assert!(
                (moved[0] - want[0]).abs() < 1e-5 && (moved[1] - want[1]).abs() < 1e-5,
                "row {r}: moved {moved:?}, want {want:?}"
            );
        }
    }

    /// A slot reused by a later position first writes what the earlier one learned.
    #[test]
    fn evicted_positions_are_written_before_reuse() {
        let (_, table, mut data) = setup();
        let before = data.clone();
        let sentence = [2u32, 0, 0, 0, 0];
        let input = SubwordInput {
            rows: SharedMatrix::new(&mut data, 2),
            words: &table,
            dim: 2,
            slots: 2,
            rates: Sgd,
        };
        let mut cache = input.cache();
        input.prepare(Portable, &mut cache, &sentence, 0..=1, 0);
        input.learn(Portable, &mut cache, &sentence, 0, &[1.0, 1.0], 1.0);
        // Position 2 takes position 0's slot.
        input.prepare(Portable, &mut cache, &sentence, 2..=2, 0);
        let own = input.rows.row(2).to_vec();
        assert!((own[0] - before[4] - 1.0).abs() < 1e-6, "{own:?}");
        assert!((own[1] - before[5] - 1.0).abs() < 1e-6, "{own:?}");
    }
}
