//! fastText's binary model (`.bin`), read the way fastText's `FastText::loadModel` reads it, so
//! that its word vectors, including those of words it never saw (from character n-grams), come
//! out as fastText's own `getWordVector` gives them.
//!
//! Layout (all little-endian): i32 magic, i32 version; the arguments (i32 dim, ws, epoch,
//! minCount, neg, wordNgrams, loss, model, bucket, minn, maxn, lrUpdateRate; f64 t); the
//! dictionary (i32 size, nwords, nlabels; i64 ntokens, pruneidx_size; per entry a
//! NUL-terminated word, i64 count, i8 type; then pruneidx_size pairs of i32); a bool (quantized
//! input), the input matrix (i64 rows, i64 cols, rows * cols f32), a bool (quantized output)
//! and the output matrix. Input rows are the `nwords` words, then `bucket` n-gram buckets.
//!
//! Every size a header announces is checked against the bytes left in the file before
//! anything is allocated, so a damaged file is an error, never an out-of-memory abort.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use ndarray::Array2;

use super::{MAX_DIM, RESERVE_CAP};
use crate::subwords::{self, NgramSettings};
use crate::{Embeddings, Error, Result};

/// fastText's `FASTTEXT_FILEFORMAT_MAGIC_INT32`.
pub const MAGIC: i32 = 793_712_314;
/// The versions fastText 0.9 writes (12) and still reads with the same layout (11).
const VERSIONS: [i32; 2] = [11, 12];
/// fastText's end-of-sentence token: in the vocabulary, but never split into n-grams.
const EOS: &str = "</s>";
/// fastText's `model_name::sup`: version 11 supervised models had no character n-grams.
const SUPERVISED: i32 = 3;
/// Longer dictionary entries are damage, not words.
const MAX_WORD: usize = 1 << 16;
/// A dictionary entry is at least its NUL, an i64 count and an i8 type.
const MIN_ENTRY: u64 = 10;

/// True if `prefix` (a file's first bytes) starts with fastText's magic number.
pub fn is_fasttext(prefix: &[u8]) -> bool {
    prefix.starts_with(&MAGIC.to_le_bytes())
}

/// The parts of a fastText model that give word vectors: the words, the subword settings and
/// the input matrix (word rows, then n-gram bucket rows).
#[derive(Debug, Clone)]
pub struct FastTextModel {
    version: i32,
    words: Vec<String>,
    counts: Vec<u64>,
    minn: usize,
    maxn: usize,
    bucket: usize,
    /// The n-grams words are made of; `None` when the model has none.
    ngrams: Option<NgramSettings>,
    input: Array2<f32>,
    /// Word -> row; a word stored twice maps to its last row, as fastText's lookup table does.
    index: HashMap<String, usize>,
}

impl FastTextModel {
    pub fn version(&self) -> i32 {
        self.version
    }

    /// The vocabulary words (labels of supervised models excluded), in the file's order.
    pub fn words(&self) -> &[String] {
        &self.words
    }

    /// Each word's corpus count, as fastText stored it.
    pub fn counts(&self) -> &[u64] {
        &self.counts
    }

    pub fn dim(&self) -> usize {
        self.input.ncols()
    }

    pub fn minn(&self) -> usize {
        self.minn
    }

    pub fn maxn(&self) -> usize {
        self.maxn
    }

    pub fn bucket(&self) -> usize {
        self.bucket
    }

    /// The input matrix: `words().len() + bucket()` rows of `dim()` values.
    pub fn input(&self) -> &Array2<f32> {
        &self.input
    }

    /// fastText's `getWordVector`: the mean of the input rows of the word's subwords (its own
    /// row if it is in the vocabulary, then one row per character n-gram). `None` for a word
    /// outside the vocabulary that has no n-grams (e.g. when the model was trained without).
    pub fn word_vector(&self, word: &str) -> Option<Vec<f32>> {
        let rows = self.subword_rows(word);
        if rows.is_empty() {
            return None;
        }
        let mut sum = vec![0f32; self.dim()];
        for &row in &rows {
            for (s, v) in sum.iter_mut().zip(self.input.row(row)) {
                *s += v;
            }
        }
        // fastText scales by `1.0 / n` computed in double and rounded to its float `real`.
        let scale = (1.0 / rows.len() as f64) as f32;
        sum.iter_mut().for_each(|s| *s *= scale);
        Some(sum)
    }

    /// The vectors fastText's `.vec` file holds: every vocabulary word's [`Self::word_vector`].
    pub fn to_embeddings(&self) -> Embeddings {
        let mut vectors = Array2::zeros((self.words.len(), self.dim()));
        for (word, mut row) in self.words.iter().zip(vectors.rows_mut()) {
            // Vocabulary words always have at least their own row.
            if let Some(v) = self.word_vector(word) {
                row.iter_mut().zip(v).for_each(|(r, v)| *r = v);
            }
        }
        Embeddings::new(self.words.clone(), vectors)
    }

    /// Input rows of the word's subwords, in fastText's order (`Dictionary::getSubwords`).
    fn subword_rows(&self, word: &str) -> Vec<usize> {
        let mut rows: Vec<usize> = self.index.get(word).copied().into_iter().collect();
        if let (Some(settings), false) = (&self.ngrams, word == EOS) {
            // The reader checked that the word count fits below 2^31.
            let ngram_rows = subwords::ngram_rows(word, settings, self.words.len() as u32);
            rows.extend(ngram_rows.into_iter().map(|r| r as usize));
        }
        rows
    }
}

pub fn read_path(path: &Path) -> Result<FastTextModel> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
    read(BufReader::new(file), path, len)
}

/// Reads a fastText model of `file_len` bytes; every count is checked against what is left.
pub fn read<R: BufRead>(input: R, path: &Path, file_len: u64) -> Result<FastTextModel> {
    let mut input = Counted {
        inner: input,
        pos: 0,
        len: file_len,
        path,
    };
    let fail = |msg: String| Error::format(path, msg);

    let magic = input.i32("the magic number")?;
    if magic != MAGIC {
        return Err(fail("not a fastText model (wrong magic number)".into()));
    }
    let version = input.i32("the version")?;
    if !VERSIONS.contains(&version) {
        return Err(fail(format!(
            "fastText model version {version} is not supported (this reader knows versions 11 \
             and 12)"
        )));
    }

    // Args: dim ws epoch minCount neg wordNgrams loss model bucket minn maxn lrUpdateRate t.
    let mut args = [0i32; 12];
    for arg in &mut args {
        *arg = input.i32("the model arguments")?;
    }
    input.bytes::<8>("the model arguments")?;
    let [dim, _ws, _epoch, _min_count, _neg, _word_ngrams, loss, model, bucket, minn, maxn, _] =
        args;
    if !(1..=MAX_DIM as i64).contains(&i64::from(dim)) {
        return Err(fail(format!("implausible dimension {dim}")));
    }
    if !(1..=4).contains(&loss) || !(1..=3).contains(&model) {
        return Err(fail(format!("unknown loss {loss} or model kind {model}")));
    }
    if bucket < 0 || minn < 0 || maxn < 0 {
        return Err(fail(format!(
            "negative bucket, minn or maxn ({bucket}, {minn}, {maxn})"
        )));
    }
    // Old supervised models had no character n-grams; fastText forces maxn to 0 for them.
    let maxn = if version == 11 && model == SUPERVISED {
        0
    } else {
        maxn
    };
    if bucket == 0 && maxn > 0 && minn <= maxn {
        return Err(fail(format!(
            "character n-grams ({minn} to {maxn}) but no buckets"
        )));
    }
    let (dim, bucket, minn, maxn) = (dim as usize, bucket as usize, minn as usize, maxn as usize);
    // fastText makes no n-grams when maxn is 0 or below minn, and treats minn 0 as 1 (every
    // n-gram has a character); longer n-grams than w2v handles are refused, not misread.
    let ngrams = if maxn == 0 || bucket == 0 || maxn < minn {
        None
    } else {
        Some(
            NgramSettings::new(minn.max(1), maxn, bucket as u32)
                .map_err(|e| fail(format!("n-grams w2v cannot read: {e}")))?,
        )
    };

    // Dictionary.
    let size = input.i32("the dictionary")?;
    let nwords = input.i32("the dictionary")?;
    let nlabels = input.i32("the dictionary")?;
    let _ntokens = input.i64("the dictionary")?;
    let prune_size = input.i64("the dictionary")?;
    if size < 0
        || nwords < 0
        || nlabels < 0
        || i64::from(size) != i64::from(nwords) + i64::from(nlabels)
    {
        return Err(fail(format!(
            "inconsistent dictionary sizes ({size} entries, {nwords} words, {nlabels} labels)"
        )));
    }
    if u64::from(size as u32) * MIN_ENTRY > input.left() {
        return Err(fail(format!(
            "the dictionary promises {size} entries but the file has only {} bytes left",
            input.left()
        )));
    }
    let (size, nwords) = (size as usize, nwords as usize);
    let mut words = Vec::with_capacity(nwords);
    let mut counts = Vec::with_capacity(nwords);
    let mut raw = Vec::new();
    for entry in 0..size {
        let what = || format!("dictionary entry {} of {size}", entry + 1);
        raw.clear();
        let n = (&mut input.inner)
            .take(MAX_WORD as u64 + 1)
            .read_until(0, &mut raw)
            .map_err(|e| Error::io(path, e))?;
        input.pos += n as u64;
        if raw.pop() != Some(0) {
            return Err(fail(if n > MAX_WORD {
                format!("{}: no word end within {MAX_WORD} bytes", what())
            } else {
                format!("the file ends inside {} (truncated?)", what())
            }));
        }
        let count = input.i64(&what())?;
        let [kind] = input.bytes::<1>(&what())?;
        // Words come first, then labels.
        let expected = u8::from(entry >= nwords);
        if kind != expected || count < 0 {
            return Err(fail(format!(
                "{}: bad entry type {kind} or count {count}",
                what()
            )));
        }
        if entry < nwords {
            // fastText words are the corpus's bytes; UTF-8 for any UTF-8 corpus.
            words.push(String::from_utf8_lossy(&raw).into_owned());
            counts.push(count as u64);
        }
    }
    if prune_size > 0 {
        let bytes = (prune_size as u64).saturating_mul(8);
        input.skip(bytes, "the pruned-n-gram index")?;
    }

    let quantized = input.bool("the quantization flag")?;
    if quantized {
        return Err(fail(
            "quantized fastText models (.ftz) are not supported".into(),
        ));
    }
    if prune_size >= 0 {
        // fastText itself refuses these: "Invalid model file" (its issue #332).
        return Err(fail(
            "a pruned dictionary in a model that is not quantized (fastText refuses these too)"
                .into(),
        ));
    }

    let rows = nwords + bucket;
    let (m, n) = (
        input.i64("the input matrix")?,
        input.i64("the input matrix")?,
    );
    if m != rows as i64 || n != dim as i64 {
        return Err(fail(format!(
            "the input matrix is {m} x {n}, expected {rows} x {dim} ({nwords} words + {bucket} \
             buckets, dimension {dim})"
        )));
    }
    let values = input.f32s(rows * dim, "the input matrix")?;
    let input_matrix = Array2::from_shape_vec((rows, dim), values)
        .map_err(|e| fail(format!("the input matrix: {e}")))?;

    // The output matrix is not needed for word vectors, but it must be whole and end the file.
    input.bool("the output quantization flag")?;
    let (m, n) = (
        input.i64("the output matrix")?,
        input.i64("the output matrix")?,
    );
    let expected = (m >= 0 && n >= 0)
        .then(|| (m as u64).checked_mul(n as u64)?.checked_mul(4))
        .flatten();
    if expected != Some(input.left()) {
        return Err(fail(format!(
            "the output matrix ({m} x {n}) does not fill the {} bytes left in the file",
            input.left()
        )));
    }
    input.skip(input.left(), "the output matrix")?;

    let mut index = HashMap::with_capacity(words.len());
    for (row, word) in words.iter().enumerate() {
        index.insert(word.clone(), row);
    }
    Ok(FastTextModel {
        version,
        words,
        counts,
        minn,
        maxn,
        bucket,
        ngrams,
        input: input_matrix,
        index,
    })
}

/// A reader that knows how many bytes of the file are left, and names what a cut file lost.
struct Counted<'p, R> {
    inner: R,
    pos: u64,
    len: u64,
    path: &'p Path,
}

impl<R: BufRead> Counted<'_, R> {
    fn left(&self) -> u64 {
        self.len.saturating_sub(self.pos)
    }

    fn error(&self, e: io::Error, what: &str) -> Error {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            Error::format(
                self.path,
                format!("the file ends inside {what} (truncated?)"),
            )
        } else {
            Error::io(self.path, e)
        }
    }

    fn bytes<const N: usize>(&mut self, what: &str) -> Result<[u8; N]> {
        let mut buf = [0; N];
        self.inner
            .read_exact(&mut buf)
            .map_err(|e| self.error(e, what))?;
        self.pos += N as u64;
        Ok(buf)
    }

    fn i32(&mut self, what: &str) -> Result<i32> {
        self.bytes(what).map(i32::from_le_bytes)
    }

    fn i64(&mut self, what: &str) -> Result<i64> {
        self.bytes(what).map(i64::from_le_bytes)
    }

    /// A C++ `bool` as fastText writes it: one byte, 0 or 1.
    fn bool(&mut self, what: &str) -> Result<bool> {
        match self.bytes::<1>(what)? {
            [0] => Ok(false),
            [1] => Ok(true),
            [b] => Err(Error::format(
                self.path,
                format!("{what}: byte {b} is not a bool"),
            )),
        }
    }

    fn check_left(&self, bytes: u64, what: &str) -> Result<()> {
        if bytes > self.left() {
            return Err(Error::format(
                self.path,
                format!(
                    "{what} needs {bytes} bytes but the file has only {} left",
                    self.left()
                ),
            ));
        }
        Ok(())
    }

    fn skip(&mut self, bytes: u64, what: &str) -> Result<()> {
        self.check_left(bytes, what)?;
        let copied = io::copy(&mut (&mut self.inner).take(bytes), &mut io::sink())
            .map_err(|e| self.error(e, what))?;
        self.pos += copied;
        if copied < bytes {
            return Err(self.error(io::ErrorKind::UnexpectedEof.into(), what));
        }
        Ok(())
    }

    /// `count` little-endian f32, checked against the bytes left before any allocation; the
    /// reservation is capped too, in case the length given was not the file's.
    fn f32s(&mut self, count: usize, what: &str) -> Result<Vec<f32>> {
        let bytes = (count as u64).saturating_mul(4);
        self.check_left(bytes, what)?;
        let mut values = Vec::with_capacity(count.min(RESERVE_CAP));
        let mut chunk = vec![0u8; 4 * count.clamp(1, 1 << 14)];
        let mut left = count;
        while left > 0 {
            let take = left.min(chunk.len() / 4);
            let buf = &mut chunk[..4 * take];
            self.inner
                .read_exact(buf)
                .map_err(|e| self.error(e, what))?;
            values.extend(
                buf.chunks_exact(4)
                    .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
            );
            left -= take;
        }
        self.pos += bytes;
        Ok(values)
    }
}
