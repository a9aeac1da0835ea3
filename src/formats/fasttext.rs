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
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::Path;

use ndarray::Array2;

use super::{MAX_DIM, RESERVE_CAP};
use crate::model::{Architecture, Model};
use crate::subwords::{self, NgramSettings};
use crate::vectors::{NgramVectors, Vectors};
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
    /// The arguments block as stored, for writing the model again.
    args: Args,
    ntokens: i64,
    /// Labels of a supervised model (read past, not kept: such a model is not written again).
    nlabels: usize,
    output: Array2<f32>,
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
        let rows_of_input = rows.iter().map(|&r| {
            self.input
                .row(r)
                .to_slice()
                .expect("rows of a standard-layout matrix are contiguous")
        });
        Some(crate::subwords::fasttext_mean(
            self.dim(),
            rows_of_input,
            rows.len(),
        ))
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

    /// The arguments block the file holds.
    pub fn args(&self) -> &Args {
        &self.args
    }

    /// The vocabulary's vectors and the n-gram rows (fastText's dense layout), moving the
    /// input matrix rather than copying it.
    pub fn into_vectors(self) -> Vectors {
        let embeddings = self.to_embeddings();
        let first = self.words.len();
        let ngrams = self.ngrams.map(|settings| {
            NgramVectors::dense(settings, self.input, first)
                .expect("the reader checked the input matrix is words + buckets rows")
        });
        Vectors { embeddings, ngrams }
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
    let t = f64::from_le_bytes(input.bytes::<8>("the model arguments")?);
    let [dim, ws, epoch, min_count, neg, word_ngrams, loss, model, bucket, minn, maxn, lr_update_rate] =
        args;
    let raw_args = Args {
        dim,
        ws,
        epoch,
        min_count,
        neg,
        word_ngrams,
        loss,
        model,
        bucket,
        minn,
        maxn,
        lr_update_rate,
        t,
    };
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
    // Written again as version 12, the model must keep meaning what it meant.
    let raw_args = Args { maxn, ..raw_args };
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
    let ntokens = input.i64("the dictionary")?;
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

    // The output matrix is not needed for word vectors, but it must be whole and end the
    // file; it is kept so that the model can be written again.
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
    let (m, n) = (m as usize, n as usize);
    let values = input.f32s(m * n, "the output matrix")?;
    let output = Array2::from_shape_vec((m, n), values)
        .map_err(|e| fail(format!("the output matrix: {e}")))?;

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
        args: raw_args,
        ntokens,
        nlabels: nlabels as usize,
        output,
    })
}

/// fastText's arguments block (`Args::save`): how the model was trained. `loss` and `model`
/// are fastText's enums (loss: 1 hs, 2 ns, 3 softmax, 4 ova; model: 1 cbow, 2 sg, 3 sup).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Args {
    pub dim: i32,
    pub ws: i32,
    pub epoch: i32,
    pub min_count: i32,
    pub neg: i32,
    pub word_ngrams: i32,
    pub loss: i32,
    pub model: i32,
    pub bucket: i32,
    pub minn: i32,
    pub maxn: i32,
    pub lr_update_rate: i32,
    /// The subsampling threshold.
    pub t: f64,
}

/// The version this writer writes: fastText 0.9's.
pub const WRITE_VERSION: i32 = 12;
const LOSS_HS: i32 = 1;
const LOSS_NS: i32 = 2;
const MODEL_CBOW: i32 = 1;
const MODEL_SG: i32 = 2;
/// fastText's `pruneidx_size` for a dictionary that was never pruned.
const NOT_PRUNED: i64 = -1;

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

fn to_i32(value: impl TryInto<i32>, what: &str) -> io::Result<i32> {
    value
        .try_into()
        .map_err(|_| invalid(format!("{what} does not fit fastText's 32-bit field")))
}

/// Signature, arguments and dictionary (all entries words), up to the input matrix.
fn write_head(
    args: &Args,
    words: &[String],
    counts: &[u64],
    ntokens: i64,
    out: &mut dyn Write,
) -> io::Result<()> {
    if words.is_empty() {
        return Err(invalid("cannot write a model without words".into()));
    }
    if let Some(word) = words.iter().find(|w| w.is_empty() || w.contains('\0')) {
        return Err(invalid(format!(
            "cannot write word {word:?} into a fastText model: empty or holds a NUL"
        )));
    }
    let size = to_i32(words.len(), "the vocabulary size")?;
    let mut head = Vec::with_capacity(128);
    head.extend_from_slice(&MAGIC.to_le_bytes());
    head.extend_from_slice(&WRITE_VERSION.to_le_bytes());
    for v in [
        args.dim,
        args.ws,
        args.epoch,
        args.min_count,
        args.neg,
        args.word_ngrams,
        args.loss,
        args.model,
        args.bucket,
        args.minn,
        args.maxn,
        args.lr_update_rate,
    ] {
        head.extend_from_slice(&v.to_le_bytes());
    }
    head.extend_from_slice(&args.t.to_le_bytes());
    head.extend_from_slice(&size.to_le_bytes());
    head.extend_from_slice(&size.to_le_bytes());
    head.extend_from_slice(&0i32.to_le_bytes());
    head.extend_from_slice(&ntokens.to_le_bytes());
    head.extend_from_slice(&NOT_PRUNED.to_le_bytes());
    out.write_all(&head)?;
    let mut entry = Vec::new();
    for (word, &count) in words.iter().zip(counts) {
        entry.clear();
        entry.extend_from_slice(word.as_bytes());
        entry.push(0);
        entry.extend_from_slice(&(count.min(i64::MAX as u64) as i64).to_le_bytes());
        entry.push(0); // entry_type::word
        out.write_all(&entry)?;
    }
    Ok(())
}

/// A matrix header after its quantization flag (always false: w2v writes dense matrices).
fn write_matrix_head(rows: usize, cols: usize, out: &mut dyn Write) -> io::Result<()> {
    out.write_all(&[0])?;
    out.write_all(&(rows as i64).to_le_bytes())?;
    out.write_all(&(cols as i64).to_le_bytes())
}

fn write_row(
    row: impl IntoIterator<Item = f32>,
    buf: &mut Vec<u8>,
    out: &mut dyn Write,
) -> io::Result<()> {
    buf.clear();
    for x in row {
        buf.extend_from_slice(&x.to_le_bytes());
    }
    out.write_all(buf)
}

/// Writes a w2v model as a fastText `.bin` (version 12) that fastText and gensim's
/// `load_facebook_model` load.
///
/// The input matrix is fastText's dense layout, V word rows then `buckets` n-gram rows, the
/// buckets w2v keeps no row for written as zeros, so fastText's vector for any word is w2v's.
/// Without subwords, minn, maxn and bucket are 0, as fastText writes for `-maxn 0`. The
/// output matrix is V × dim: the negative-sampling vectors (loss ns), or else the
/// hierarchical-softmax node rows (loss hs) negated, because fastText's code bit 1 is
/// word2vec's 0, with a zero last row (a tree of V leaves has V - 1 nodes). fastText rebuilds
/// its Huffman tree from the counts, the same tree as w2v's Huffman tree; a balanced tree's
/// node rows do not carry over.
pub fn write_model(model: &Model, out: &mut dyn Write) -> io::Result<()> {
    let s = &model.settings;
    let (v, dim) = (model.vocab.len(), model.dim());
    let (bucket, minn, maxn) = match &s.subwords {
        Some(n) => (
            to_i32(n.buckets, "the bucket count")?,
            to_i32(n.minn, "minn")?,
            to_i32(n.maxn, "maxn")?,
        ),
        None => (0, 0, 0),
    };
    let ns = !model.negatives.is_empty();
    let args = Args {
        dim: to_i32(dim, "the dimension")?,
        ws: to_i32(s.window, "the window")?,
        epoch: to_i32(s.epochs, "the number of epochs")?,
        min_count: to_i32(s.min_count.min(i32::MAX as u64), "the minimum count")?,
        neg: to_i32(s.negative, "the number of negatives")?,
        word_ngrams: 1,
        loss: if ns { LOSS_NS } else { LOSS_HS },
        model: match s.architecture {
            Architecture::SkipGram => MODEL_SG,
            Architecture::Cbow => MODEL_CBOW,
        },
        bucket,
        minn,
        maxn,
        lr_update_rate: 100,
        t: s.sample,
    };
    let ntokens = model.vocab.total_count().min(i64::MAX as u64) as i64;
    write_head(
        &args,
        model.vocab.words(),
        model.vocab.counts(),
        ntokens,
        out,
    )?;

    fn row(m: &[f32], r: usize, dim: usize) -> &[f32] {
        &m[r * dim..(r + 1) * dim]
    }
    let mut buf = Vec::with_capacity(4 * dim);
    let zeros = vec![0f32; dim];
    write_matrix_head(v + bucket as usize, dim, out)?;
    for r in 0..v {
        write_row(row(&model.input, r, dim).iter().copied(), &mut buf, out)?;
    }
    let mut listed = model.ngram_buckets.iter().enumerate().peekable();
    for b in 0..bucket as u32 {
        match listed.next_if(|&(_, &lb)| lb == b) {
            Some((i, _)) => {
                write_row(row(&model.input, v + i, dim).iter().copied(), &mut buf, out)?
            }
            None => write_row(zeros.iter().copied(), &mut buf, out)?,
        }
    }
    write_matrix_head(v, dim, out)?;
    if ns {
        for r in 0..v {
            write_row(row(&model.negatives, r, dim).iter().copied(), &mut buf, out)?;
        }
    } else {
        for r in 0..v {
            match r < v - 1 && !model.nodes.is_empty() {
                true => write_row(row(&model.nodes, r, dim).iter().map(|x| -x), &mut buf, out)?,
                false => write_row(zeros.iter().copied(), &mut buf, out)?,
            }
        }
    }
    out.flush()
}

/// Writes a fastText model read by [`read`] again, as version 12: same arguments,
/// dictionary and matrices. Supervised models (labels) are refused: their labels are not kept.
pub fn write(model: &FastTextModel, out: &mut dyn Write) -> io::Result<()> {
    if model.nlabels > 0 {
        return Err(invalid(
            "cannot write a supervised fastText model (its labels are not kept)".into(),
        ));
    }
    write_head(&model.args, &model.words, &model.counts, model.ntokens, out)?;
    let mut buf = Vec::new();
    for matrix in [&model.input, &model.output] {
        write_matrix_head(matrix.nrows(), matrix.ncols(), out)?;
        for row in matrix.rows() {
            write_row(row.iter().copied(), &mut buf, out)?;
        }
    }
    out.flush()
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Settings;
    use crate::vocab::Vocab;

    fn model(subwords: Option<NgramSettings>, negative: u32) -> Model {
        let words = ["the", "cat", "sat", "on", "mat", "café", "日本"];
        let counts = (0..words.len() as u64).map(|i| 100 - i).collect();
        let vocab = Vocab::new(words.iter().map(|w| w.to_string()).collect(), counts);
        let settings = Settings {
            dim: 6,
            subwords,
            hs: negative == 0,
            negative,
            ..Settings::default()
        };
        let mut model = Model::new(settings, vocab);
        // Outputs are zero in a fresh model; give them values the file must carry.
        for (i, x) in model
            .nodes
            .iter_mut()
            .chain(&mut model.negatives)
            .enumerate()
        {
            *x = i as f32 * 0.25 - 3.0;
        }
        model
    }

    fn round_trip(model: &Model) -> (Vec<u8>, FastTextModel) {
        let mut bytes = Vec::new();
        write_model(model, &mut bytes).unwrap();
        let read = read(&bytes[..], Path::new("m.bin"), bytes.len() as u64).unwrap();
        (bytes, read)
    }

    #[test]
    fn subword_model_reads_back_with_the_same_vectors() {
        let s = NgramSettings::new(3, 5, 5000).unwrap();
        let model = model(Some(s), 5);
        let (bytes, ft) = round_trip(&model);
        assert_eq!(ft.version(), WRITE_VERSION);
        assert_eq!(ft.words(), model.vocab.words());
        assert_eq!(ft.counts(), model.vocab.counts());
        assert_eq!((ft.minn(), ft.maxn(), ft.bucket()), (3, 5, 5000));
        assert_eq!(ft.input().nrows(), 7 + 5000);
        let native = model.clone().into_vectors();
        let from_file = ft.into_vectors();
        // In the vocabulary: bit for bit, the same sums in the same order.
        assert_eq!(native.embeddings, from_file.embeddings);
        // Outside it: a word sharing n-grams with the vocabulary, and one sharing none.
        for word in ["cats", "matte", "cafés"] {
            let a = native.oov_vector(word).unwrap();
            let b = from_file.oov_vector(word).unwrap();
            assert_eq!(a, b, "{word}");
        }
        for vectors in [&native, &from_file] {
            assert!(matches!(
                vectors.oov_vector("qqqqq"),
                Err(Error::NoKnownNgrams { .. })
            ));
        }
        // The output layer is the negative-sampling matrix.
        let ft = read(&bytes[..], Path::new("m.bin"), bytes.len() as u64).unwrap();
        assert_eq!(ft.args().loss, LOSS_NS);
        assert_eq!(ft.output.as_slice().unwrap(), &model.negatives[..]);
        // Written again as read: the same bytes.
        let mut again = Vec::new();
        write(&ft, &mut again).unwrap();
        assert!(again == bytes, "re-export differs");
    }

    #[test]
    fn word_only_model_has_no_ngrams_and_hs_nodes_negated() {
        let model = model(None, 0);
        let (_, ft) = round_trip(&model);
        assert_eq!((ft.minn(), ft.maxn(), ft.bucket()), (0, 0, 0));
        assert_eq!(ft.args().loss, LOSS_HS);
        assert_eq!(ft.args().model, MODEL_SG);
        let dim = model.dim();
        assert_eq!(ft.output.nrows(), model.vocab.len());
        for (r, row) in ft.output.rows().into_iter().enumerate() {
            for (c, &x) in row.iter().enumerate() {
                let want = model.nodes.get(r * dim + c).map_or(0.0, |v| -v);
                assert_eq!(x, want, "row {r}");
            }
        }
        let vectors = ft.into_vectors();
        assert!(vectors.ngrams.is_none());
        assert_eq!(vectors.embeddings, model.into_embeddings());
    }

    #[test]
    fn written_files_refuse_truncation() {
        let model = model(Some(NgramSettings::new(2, 3, 300).unwrap()), 3);
        let (bytes, _) = round_trip(&model);
        for cut in (0..bytes.len()).step_by(7).chain([bytes.len() - 1]) {
            let err = read(&bytes[..cut], Path::new("m.bin"), cut as u64).unwrap_err();
            assert!(matches!(err, Error::Format { .. }), "cut {cut}: {err}");
        }
        // A file longer than its matrices say is refused as well.
        let mut longer = bytes.clone();
        longer.extend([0; 4]);
        assert!(read(&longer[..], Path::new("m.bin"), longer.len() as u64).is_err());
    }

    #[test]
    fn unwritable_words_are_refused_before_writing() {
        let mut model = model(None, 0);
        let mut words = model.vocab.words().to_vec();
        words[1] = "a\0b".into();
        model.vocab = Vocab::new(words, model.vocab.counts().to_vec());
        let mut out = Vec::new();
        let err = write_model(&model, &mut out).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert!(out.is_empty());
    }

    /// A model fastText itself wrote (tests/fixtures, see scripts/make-fasttext-fixture.py)
    /// is written again byte for byte.
    #[test]
    fn fasttext_models_are_written_again_unchanged() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tiny.fasttext.bin");
        let bytes = std::fs::read(&path).unwrap();
        let model = read_path(&path).unwrap();
        let mut again = Vec::new();
        write(&model, &mut again).unwrap();
        assert!(again == bytes, "{} vs {} bytes", again.len(), bytes.len());
    }
}
