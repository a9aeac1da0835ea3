//! w2v's own model file: everything needed to export, evaluate, query or resume.
//!
//! Layout: magic `W2VMODEL`, format version (u32 LE), header length (u64 LE), the header
//! (bincode: settings, vocabulary, tree links, training info, matrix shapes, then the optional
//! training-state section), then the input, node and negative matrices as raw little-endian
//! f32, and last, for a partial AdaGrad model, its accumulators. The floats are not bincode so
//! that reading them costs one copy, and their sizes are checked against the file length
//! before anything is allocated.

use std::fs::File;
use std::io::{self, BufReader, Read, Write};
use std::path::Path;

use bincode::Options;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::{Model, Settings, TrainingInfo};
use crate::train::TrainingState;
use crate::tree::{tree_from_checked_links, TreeLinks};
use crate::vocab::Vocab;

pub const MAGIC: &[u8; 8] = b"W2VMODEL";
/// 2: settings gained the tree kind. 3: settings gained the optimizer. 4: settings gained the
/// subword n-grams, and the header the n-gram buckets that have rows. 5: settings gained the
/// softmax output layers. 6: settings gained the L2 weight decay, the optimizers' constants and
/// the output layer's rate, and the header the training state of a partial model, so it can be
/// resumed (2 to 5 still read). Trees of `TreeKind::Semantic` (appended to the enum) need no
/// new version: every tree is stored as its links. 7: the state keeps every optimizer's
/// state (RMSProp's and Adam's too, Adam's first moments, the L2 decay clocks) for all three
/// matrices, where 6 kept AdaGrad's accumulators of word and node rows only.
pub const FORMAT_VERSION: u32 = 7;
const OLDEST_READABLE: u32 = 2;
const PREFIX_LEN: u64 = 8 + 4 + 8;

/// The header; versions 4 and 5 differ only in their settings (`SettingsV4`, `SettingsV5`).
#[derive(Serialize, Deserialize)]
struct Header<S = Settings> {
    settings: S,
    vocab: Vocab,
    tree: Option<TreeLinks>,
    info: TrainingInfo,
    /// Sorted n-gram buckets with a row, after the word rows of the input matrix.
    ngram_buckets: Vec<u32>,
    input_rows: u64,
    node_rows: u64,
    negative_rows: u64,
}

/// The header of format 7: version 5's, then the training state of a partial model.
#[derive(Serialize, Deserialize)]
struct HeaderV7 {
    header: Header,
    state: Option<StateSection>,
}

/// A partial model's training state, and for each matrix whose optimizer state follows the
/// matrices (none, or input, nodes and word outputs in that order) how many state floats,
/// first-moment floats and decay clocks (u64) it has, stored in that order.
#[derive(Serialize, Deserialize)]
struct StateSection {
    state: TrainingState,
    optimizer: Vec<[u64; 3]>,
}

/// Format 6's header: AdaGrad's accumulators of input and node rows were all a state kept.
#[derive(Serialize, Deserialize)]
struct HeaderV6 {
    header: Header,
    state: Option<StateSectionV6>,
}

#[derive(Serialize, Deserialize)]
struct StateSectionV6 {
    state: TrainingState,
    input_acc: u64,
    node_acc: u64,
}

impl From<HeaderV6> for HeaderV7 {
    /// Version 6's accumulators are version 7's state floats of the input and node rows.
    fn from(h: HeaderV6) -> HeaderV7 {
        HeaderV7 {
            header: h.header,
            state: h.state.map(|s| StateSection {
                state: s.state,
                optimizer: if s.input_acc + s.node_acc == 0 {
                    Vec::new()
                } else {
                    vec![[s.input_acc, 0, 0], [s.node_acc, 0, 0], [0, 0, 0]]
                },
            }),
        }
    }
}

/// The header of format versions 2 and 3: no n-grams, settings of the version's shape.
#[derive(Serialize, Deserialize)]
struct OldHeader<S> {
    settings: S,
    vocab: Vocab,
    tree: Option<TreeLinks>,
    info: TrainingInfo,
    input_rows: u64,
    node_rows: u64,
    negative_rows: u64,
}

/// Settings as format version 4 stored them: without the softmax output layers.
#[derive(Serialize, Deserialize)]
struct SettingsV4 {
    architecture: crate::model::Architecture,
    dim: usize,
    window: usize,
    min_count: u64,
    max_vocab: Option<usize>,
    sample: f64,
    alpha: f32,
    epochs: u32,
    threads: usize,
    seed: u64,
    hs: bool,
    tree: crate::model::TreeKind,
    optimizer: crate::model::Optimizer,
    negative: u32,
    ns_exponent: f64,
    tokenizer: crate::corpus::Tokenizer,
    lowercase: bool,
    subwords: Option<crate::subwords::NgramSettings>,
}

impl From<SettingsV4> for Settings {
    fn from(s: SettingsV4) -> Settings {
        Settings::from(SettingsV5 {
            architecture: s.architecture,
            dim: s.dim,
            window: s.window,
            min_count: s.min_count,
            max_vocab: s.max_vocab,
            sample: s.sample,
            alpha: s.alpha,
            epochs: s.epochs,
            threads: s.threads,
            seed: s.seed,
            hs: s.hs,
            tree: s.tree,
            optimizer: s.optimizer,
            negative: s.negative,
            ns_exponent: s.ns_exponent,
            tokenizer: s.tokenizer,
            lowercase: s.lowercase,
            subwords: s.subwords,
            softmax: None,
        })
    }
}

/// Settings as format version 5 stored them: one learning rate for every layer, no L2.
#[derive(Serialize, Deserialize)]
struct SettingsV5 {
    architecture: crate::model::Architecture,
    dim: usize,
    window: usize,
    min_count: u64,
    max_vocab: Option<usize>,
    sample: f64,
    alpha: f32,
    epochs: u32,
    threads: usize,
    seed: u64,
    hs: bool,
    tree: crate::model::TreeKind,
    optimizer: crate::model::Optimizer,
    negative: u32,
    ns_exponent: f64,
    tokenizer: crate::corpus::Tokenizer,
    lowercase: bool,
    subwords: Option<crate::subwords::NgramSettings>,
    softmax: Option<crate::model::SoftmaxKind>,
}

impl From<SettingsV5> for Settings {
    fn from(s: SettingsV5) -> Settings {
        Settings {
            architecture: s.architecture,
            dim: s.dim,
            window: s.window,
            min_count: s.min_count,
            max_vocab: s.max_vocab,
            sample: s.sample,
            alpha: s.alpha,
            epochs: s.epochs,
            threads: s.threads,
            seed: s.seed,
            hs: s.hs,
            tree: s.tree,
            optimizer: s.optimizer,
            negative: s.negative,
            ns_exponent: s.ns_exponent,
            tokenizer: s.tokenizer,
            lowercase: s.lowercase,
            subwords: s.subwords,
            softmax: s.softmax,
            output_rate: 1.0,
            l2: 0.0,
        }
    }
}

impl<S: Into<Settings>> Header<S> {
    /// This header with its settings in today's shape.
    fn upgrade(self) -> Header {
        let h = self;
        Header {
            settings: h.settings.into(),
            vocab: h.vocab,
            tree: h.tree,
            info: h.info,
            ngram_buckets: h.ngram_buckets,
            input_rows: h.input_rows,
            node_rows: h.node_rows,
            negative_rows: h.negative_rows,
        }
    }
}

/// Settings as format version 3 stored them: without subwords.
#[derive(Serialize, Deserialize)]
struct SettingsV3 {
    architecture: crate::model::Architecture,
    dim: usize,
    window: usize,
    min_count: u64,
    max_vocab: Option<usize>,
    sample: f64,
    alpha: f32,
    epochs: u32,
    threads: usize,
    seed: u64,
    hs: bool,
    tree: crate::model::TreeKind,
    optimizer: crate::model::Optimizer,
    negative: u32,
    ns_exponent: f64,
    tokenizer: crate::corpus::Tokenizer,
    lowercase: bool,
}

/// Settings as format version 2 stored them: without the optimizer, which was always SGD.
#[derive(Serialize, Deserialize)]
struct SettingsV2 {
    architecture: crate::model::Architecture,
    dim: usize,
    window: usize,
    min_count: u64,
    max_vocab: Option<usize>,
    sample: f64,
    alpha: f32,
    epochs: u32,
    threads: usize,
    seed: u64,
    hs: bool,
    tree: crate::model::TreeKind,
    negative: u32,
    ns_exponent: f64,
    tokenizer: crate::corpus::Tokenizer,
    lowercase: bool,
}

impl From<SettingsV2> for SettingsV3 {
    fn from(s: SettingsV2) -> SettingsV3 {
        SettingsV3 {
            architecture: s.architecture,
            dim: s.dim,
            window: s.window,
            min_count: s.min_count,
            max_vocab: s.max_vocab,
            sample: s.sample,
            alpha: s.alpha,
            epochs: s.epochs,
            threads: s.threads,
            seed: s.seed,
            hs: s.hs,
            tree: s.tree,
            optimizer: crate::model::Optimizer::Sgd,
            negative: s.negative,
            ns_exponent: s.ns_exponent,
            tokenizer: s.tokenizer,
            lowercase: s.lowercase,
        }
    }
}

impl From<SettingsV3> for Settings {
    fn from(s: SettingsV3) -> Settings {
        Settings {
            architecture: s.architecture,
            dim: s.dim,
            window: s.window,
            min_count: s.min_count,
            max_vocab: s.max_vocab,
            sample: s.sample,
            alpha: s.alpha,
            epochs: s.epochs,
            threads: s.threads,
            seed: s.seed,
            hs: s.hs,
            tree: s.tree,
            optimizer: s.optimizer,
            negative: s.negative,
            ns_exponent: s.ns_exponent,
            tokenizer: s.tokenizer,
            lowercase: s.lowercase,
            subwords: None,
            softmax: None,
            output_rate: 1.0,
            l2: 0.0,
        }
    }
}

impl<S: Into<SettingsV3>> From<OldHeader<S>> for Header {
    fn from(h: OldHeader<S>) -> Header {
        Header {
            settings: Settings::from(h.settings.into()),
            vocab: h.vocab,
            tree: h.tree,
            info: h.info,
            ngram_buckets: Vec::new(),
            input_rows: h.input_rows,
            node_rows: h.node_rows,
            negative_rows: h.negative_rows,
        }
    }
}

impl HeaderV7 {
    fn stateless(header: Header) -> HeaderV7 {
        HeaderV7 {
            header,
            state: None,
        }
    }
}

fn bincode_options(limit: u64) -> impl Options {
    bincode::DefaultOptions::new()
        .with_fixint_encoding()
        .with_little_endian()
        .with_limit(limit)
        .reject_trailing_bytes()
}

pub fn write<W: Write>(model: &Model, mut out: W) -> io::Result<()> {
    let dim = model.dim();
    let header = Header {
        settings: model.settings.clone(),
        vocab: model.vocab.clone(),
        tree: model.tree.as_ref().map(|t| t.links().clone()),
        info: model.info.clone(),
        ngram_buckets: model.ngram_buckets.clone(),
        input_rows: (model.input.len() / dim) as u64,
        node_rows: (model.nodes.len() / dim) as u64,
        negative_rows: (model.negatives.len() / dim) as u64,
    };
    let state = model.state.as_ref().map(|state| StateSection {
        state: state.clone(),
        optimizer: state
            .optimizer
            .iter()
            .map(|o| [o.state.len(), o.moments.len(), o.clocks.len()].map(|n| n as u64))
            .collect(),
    });
    let bytes = bincode_options(u64::MAX)
        .serialize(&HeaderV7 { header, state })
        .map_err(io::Error::other)?;
    out.write_all(MAGIC)?;
    out.write_all(&FORMAT_VERSION.to_le_bytes())?;
    out.write_all(&(bytes.len() as u64).to_le_bytes())?;
    out.write_all(&bytes)?;
    for matrix in [&model.input, &model.nodes, &model.negatives] {
        write_f32s(matrix, &mut out)?;
    }
    for rows in model.state.iter().flat_map(|s| &s.optimizer) {
        write_f32s(&rows.state, &mut out)?;
        write_f32s(&rows.moments, &mut out)?;
        for clock in &rows.clocks {
            out.write_all(&clock.to_le_bytes())?;
        }
    }
    out.flush()
}

fn write_f32s<W: Write>(values: &[f32], out: &mut W) -> io::Result<()> {
    let mut buf = Vec::with_capacity(64 * 1024);
    for chunk in values.chunks(16 * 1024) {
        buf.clear();
        for v in chunk {
            buf.extend_from_slice(&v.to_le_bytes());
        }
        out.write_all(&buf)?;
    }
    Ok(())
}

pub fn write_path(model: &Model, path: &Path) -> Result<()> {
    super::write_atomically(path, |out| write(model, out))
}

/// Whether the first bytes of a file are a w2v model's.
pub fn is_native(prefix: &[u8]) -> bool {
    prefix.starts_with(MAGIC)
}

pub fn read_path(path: &Path) -> Result<Model> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
    read(BufReader::new(file), path, len)
}

/// Reads a model of `file_len` bytes, checking every size against it before allocating.
pub fn read<R: Read>(mut input: R, path: &Path, file_len: u64) -> Result<Model> {
    let bad = |msg: String| Error::format(path, msg);
    let truncated = || bad("the model file is truncated".to_string());
    if file_len < PREFIX_LEN {
        let mut head = Vec::new();
        let _ = input.take(PREFIX_LEN).read_to_end(&mut head);
        return Err(if head.starts_with(MAGIC) {
            truncated()
        } else {
            bad("not a w2v model (no W2VMODEL header)".into())
        });
    }
    let mut prefix = [0u8; PREFIX_LEN as usize];
    input
        .read_exact(&mut prefix)
        .map_err(|e| read_error(path, e))?;
    if &prefix[..8] != MAGIC {
        return Err(bad("not a w2v model (no W2VMODEL header)".into()));
    }
    let version = u32::from_le_bytes(prefix[8..12].try_into().unwrap());
    if !(OLDEST_READABLE..=FORMAT_VERSION).contains(&version) {
        return Err(bad(if version > FORMAT_VERSION {
            format!(
                "model format version {version} is newer than this w2v reads \
                 ({FORMAT_VERSION}); use a newer w2v"
            )
        } else {
            format!(
                "model format version {version} is from an older w2v; retrain or export it \
                 with that version"
            )
        }));
    }
    let header_len = u64::from_le_bytes(prefix[12..20].try_into().unwrap());
    if header_len > file_len - PREFIX_LEN {
        return Err(truncated());
    }
    let mut header_bytes = vec![0u8; header_len as usize];
    input
        .read_exact(&mut header_bytes)
        .map_err(|e| read_error(path, e))?;
    let options = bincode_options(header_len);
    let HeaderV7 { header, state } = match version {
        2 => options
            .deserialize::<OldHeader<SettingsV2>>(&header_bytes)
            .map(Header::from)
            .map(HeaderV7::stateless),
        3 => options
            .deserialize::<OldHeader<SettingsV3>>(&header_bytes)
            .map(Header::from)
            .map(HeaderV7::stateless),
        4 => options
            .deserialize::<Header<SettingsV4>>(&header_bytes)
            .map(Header::upgrade)
            .map(HeaderV7::stateless),
        5 => options
            .deserialize::<Header<SettingsV5>>(&header_bytes)
            .map(Header::upgrade)
            .map(HeaderV7::stateless),
        6 => options
            .deserialize::<HeaderV6>(&header_bytes)
            .map(HeaderV7::from),
        _ => options.deserialize(&header_bytes),
    }
    .map_err(|e| bad(format!("damaged model header ({e})")))?;
    drop(header_bytes);

    let s = &header.settings;
    let v = header.vocab.len() as u64;
    let ngram_rows = header.ngram_buckets.len() as u64;
    let buckets_fit = match &s.subwords {
        Some(ngrams) => {
            ngrams.validate().is_ok()
                && header.ngram_buckets.windows(2).all(|w| w[0] < w[1])
                && header
                    .ngram_buckets
                    .last()
                    .is_none_or(|&b| b < ngrams.buckets)
        }
        None => ngram_rows == 0,
    };
    if s.dim == 0 || v < 2 || !buckets_fit || header.input_rows != v + ngram_rows {
        return Err(bad("damaged model header (inconsistent sizes)".into()));
    }
    let expected_nodes = if s.hs { v - 1 } else { 0 };
    let expected_negatives = if s.has_word_output_rows() { v } else { 0 };
    if header.node_rows != expected_nodes || header.negative_rows != expected_negatives {
        return Err(bad(
            "damaged model header (inconsistent matrix sizes)".into()
        ));
    }
    // The optimizer state: none, or one entry per matrix with at most a few state floats, a
    // first moment per element and a clock per row (resuming checks the exact sizes).
    let optimizer = state.as_ref().map_or(&[][..], |s| &s.optimizer[..]);
    let matrix_rows = [header.input_rows, header.node_rows, header.negative_rows];
    let optimizer_fits = (optimizer.is_empty() || optimizer.len() == 3)
        && optimizer
            .iter()
            .zip(matrix_rows)
            .all(|(&[st, mo, cl], rows)| st <= rows * 4 && mo <= rows * s.dim as u64 && cl <= rows);
    let optimizer_bytes: u64 = optimizer
        .iter()
        .map(|&[st, mo, cl]| 4 * (st + mo) + 8 * cl)
        .sum();
    if !optimizer_fits
        || state
            .as_ref()
            .is_some_and(|s| !header.info.partial || s.state.threads.len() > 1024)
    {
        return Err(bad("damaged training state (inconsistent sizes)".into()));
    }
    let floats = (header.input_rows + header.node_rows + header.negative_rows)
        .checked_mul(s.dim as u64)
        .and_then(|f| f.checked_mul(4))
        .and_then(|f| f.checked_add(optimizer_bytes));
    let expected_len = floats.and_then(|f| f.checked_add(PREFIX_LEN + header_len));
    match expected_len {
        Some(n) if n == file_len => {}
        Some(n) if n > file_len => return Err(truncated()),
        Some(n) => {
            return Err(bad(format!(
                "{} unexpected bytes after the model data",
                file_len - n
            )))
        }
        None => return Err(bad("damaged model header (sizes overflow)".into())),
    }
    let tree = match header.tree {
        Some(links) if s.hs => Some(
            tree_from_checked_links(links, v as usize)
                .map_err(|m| bad(format!("damaged tree: {m}")))?,
        ),
        None if !s.hs => None,
        _ => {
            return Err(bad(
                "damaged model header (tree does not match settings)".into()
            ))
        }
    };
    let dim = s.dim;
    let input_vectors = read_f32s(&mut input, header.input_rows as usize * dim, path)?;
    let nodes = read_f32s(&mut input, header.node_rows as usize * dim, path)?;
    let negatives = read_f32s(&mut input, header.negative_rows as usize * dim, path)?;
    let state = match state {
        Some(section) => {
            let mut state = section.state;
            for &[st, mo, cl] in &section.optimizer {
                state.optimizer.push(crate::train::OptimizerRows {
                    state: read_f32s(&mut input, st as usize, path)?,
                    moments: read_f32s(&mut input, mo as usize, path)?,
                    clocks: read_u64s(&mut input, cl as usize, path)?,
                });
            }
            Some(state)
        }
        None => None,
    };
    Ok(Model {
        settings: header.settings,
        vocab: header.vocab,
        tree,
        input: input_vectors,
        ngram_buckets: header.ngram_buckets,
        nodes,
        negatives,
        info: header.info,
        state,
    })
}

fn read_error(path: &Path, e: io::Error) -> Error {
    if e.kind() == io::ErrorKind::UnexpectedEof {
        Error::format(path, "the model file is truncated")
    } else {
        Error::io(path, e)
    }
}

fn read_u64s<R: Read>(input: &mut R, n: usize, path: &Path) -> Result<Vec<u64>> {
    let mut buf = [0u8; 8];
    (0..n)
        .map(|_| {
            input
                .read_exact(&mut buf)
                .map_err(|e| read_error(path, e))?;
            Ok(u64::from_le_bytes(buf))
        })
        .collect()
}

fn read_f32s<R: Read>(input: &mut R, n: usize, path: &Path) -> Result<Vec<f32>> {
    let mut out = Vec::with_capacity(n);
    let mut buf = vec![0u8; 64 * 1024];
    while out.len() < n {
        let take = ((n - out.len()) * 4).min(buf.len());
        input
            .read_exact(&mut buf[..take])
            .map_err(|e| read_error(path, e))?;
        out.extend(
            buf[..take]
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes(b.try_into().unwrap())),
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Settings;

    fn small_model(hs: bool, negative: u32) -> Model {
        let vocab = Vocab::new(
            vec!["the".into(), "cat".into(), "sat".into(), "mat".into()],
            vec![9, 5, 3, 2],
        );
        let settings = Settings {
            dim: 3,
            hs,
            negative,
            ..Settings::default()
        };
        let mut m = Model::new(settings, vocab);
        for (i, x) in m.nodes.iter_mut().enumerate() {
            *x = i as f32 * 0.5;
        }
        for (i, x) in m.negatives.iter_mut().enumerate() {
            *x = -(i as f32);
        }
        m.info.partial = true;
        m
    }

    fn bytes_of(m: &Model) -> Vec<u8> {
        let mut buf = Vec::new();
        write(m, &mut buf).unwrap();
        buf
    }

    #[test]
    fn round_trips_every_output_layer() {
        for (hs, neg) in [(true, 0), (false, 5), (true, 3)] {
            let m = small_model(hs, neg);
            let buf = bytes_of(&m);
            let back = read(&buf[..], Path::new("m"), buf.len() as u64).unwrap();
            assert_eq!(back, m);
        }
    }

    /// A semantic tree is stored as its links, like the others (no format change: the tree
    /// kind's new variant is appended), and reads back as the same tree, not rebuilt.
    #[test]
    fn round_trips_a_semantic_tree() {
        use crate::model::TreeKind;
        use crate::tree::Tree;
        let vocab = Vocab::new(
            vec!["the".into(), "cat".into(), "sat".into(), "mat".into()],
            vec![9, 5, 3, 2],
        );
        let vectors = [1.0, 0.0, 0.0, 1.0, 0.9, 0.1, 0.1, 0.9];
        let tree = Tree::semantic(vocab.counts(), &vectors, 2).unwrap().tree;
        assert_ne!(tree, Tree::huffman(vocab.counts()));
        let settings = Settings {
            dim: 3,
            tree: TreeKind::Semantic,
            ..Settings::default()
        };
        let m = Model::with_tree(settings, vocab, Some(tree));
        let buf = bytes_of(&m);
        let back = read(&buf[..], Path::new("m"), buf.len() as u64).unwrap();
        assert_eq!(back, m);
    }

    /// A subword model keeps its n-gram rows and the buckets they belong to; a header whose
    /// bucket list disagrees with its settings is refused.
    #[test]
    fn round_trips_subwords_and_checks_their_buckets() {
        let vocab = Vocab::new(
            vec!["the".into(), "cat".into(), "sat".into()],
            vec![9, 5, 3],
        );
        let settings = Settings {
            dim: 2,
            subwords: Some(crate::subwords::NgramSettings::new(2, 3, 100).unwrap()),
            ..Settings::default()
        };
        let m = Model::new(settings, vocab);
        assert!(!m.ngram_buckets.is_empty());
        assert_eq!(m.input.len(), (3 + m.ngram_buckets.len()) * 2);
        let buf = bytes_of(&m);
        let back = read(&buf[..], Path::new("m"), buf.len() as u64).unwrap();
        assert_eq!(back, m);

        let mut unsorted = m.clone();
        unsorted.ngram_buckets.swap(0, 1);
        let buf = bytes_of(&unsorted);
        let err = read(&buf[..], Path::new("m"), buf.len() as u64).unwrap_err();
        assert!(err.to_string().contains("inconsistent sizes"), "{err}");
    }

    /// Both softmax layers keep one output row per word, and the file says which trained.
    #[test]
    fn round_trips_softmax_models() {
        use crate::model::SoftmaxKind;
        for (kind, negative) in [(SoftmaxKind::Full, 0), (SoftmaxKind::Sampled, 4)] {
            let mut m = small_model(false, negative);
            m.settings.softmax = Some(kind);
            m.negatives = (0..4 * 3).map(|i| i as f32 * 0.25).collect();
            let buf = bytes_of(&m);
            let back = read(&buf[..], Path::new("m"), buf.len() as u64).unwrap();
            assert_eq!(back, m);
            // Without its output rows, the same header is inconsistent.
            let mut cut = m.clone();
            cut.negatives.clear();
            let buf = bytes_of(&cut);
            let err = read(&buf[..], Path::new("m"), buf.len() as u64).unwrap_err();
            assert!(err.to_string().contains("inconsistent"), "{err}");
        }
    }

    /// A version-4 file (settings without the softmax layers) still loads, without one.
    #[test]
    fn version_4_models_still_load() {
        let m = small_model(true, 2);
        let s = m.settings.clone();
        let header = Header {
            settings: SettingsV4 {
                architecture: s.architecture,
                dim: s.dim,
                window: s.window,
                min_count: s.min_count,
                max_vocab: s.max_vocab,
                sample: s.sample,
                alpha: s.alpha,
                epochs: s.epochs,
                threads: s.threads,
                seed: s.seed,
                hs: s.hs,
                tree: s.tree,
                optimizer: s.optimizer,
                negative: s.negative,
                ns_exponent: s.ns_exponent,
                tokenizer: s.tokenizer,
                lowercase: s.lowercase,
                subwords: s.subwords,
            },
            vocab: m.vocab.clone(),
            tree: m.tree.as_ref().map(|t| t.links().clone()),
            info: m.info.clone(),
            ngram_buckets: Vec::new(),
            input_rows: 4,
            node_rows: 3,
            negative_rows: 4,
        };
        let bytes = bincode_options(u64::MAX).serialize(&header).unwrap();
        let mut buf = MAGIC.to_vec();
        buf.extend_from_slice(&4u32.to_le_bytes());
        buf.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
        buf.extend_from_slice(&bytes);
        for matrix in [&m.input, &m.nodes, &m.negatives] {
            write_f32s(matrix, &mut buf).unwrap();
        }
        let back = read(&buf[..], Path::new("m"), buf.len() as u64).unwrap();
        assert_eq!(back, m);
        assert_eq!(back.settings.softmax, None);
    }

    /// A partial model with AdaGrad: its training state and accumulators.
    fn partial_adagrad_model() -> Model {
        use crate::train::{CorpusFingerprint, ThreadCarry, TrainingState};
        let mut m = small_model(true, 0);
        m.settings.optimizer = crate::model::Optimizer::AdaGrad;
        m.state = Some(TrainingState {
            epoch: 2,
            next_chunk: 7,
            words_done: 123_456,
            threads: vec![ThreadCarry {
                unreported_words: 17,
                loss: 2.5,
                predictions: 40,
            }],
            epochs: Vec::new(),
            seconds: 1.5,
            corpus: CorpusFingerprint {
                words: 60_000,
                chunks: 6,
                hash: 0xdead_beef,
            },
            optimizer: vec![
                crate::train::OptimizerRows {
                    state: vec![0.5, 1.5, 2.5, 3.5],
                    ..Default::default()
                },
                crate::train::OptimizerRows {
                    state: vec![9.0, 8.0, 7.0],
                    ..Default::default()
                },
                crate::train::OptimizerRows::default(),
            ],
        });
        m
    }

    /// A partial model with Adam and L2: state floats, first moments and decay clocks.
    fn partial_adam_model() -> Model {
        let mut m = partial_adagrad_model();
        m.settings.optimizer = crate::model::Optimizer::Adam {
            beta1: 0.9,
            beta2: 0.999,
        };
        let dim = m.dim() as u64;
        let rows = |n: u64, seed: f32| crate::train::OptimizerRows {
            state: (0..n * 4).map(|i| seed + i as f32).collect(),
            moments: (0..n * dim).map(|i| seed - i as f32).collect(),
            clocks: (0..n).map(|i| 1_000_000_007 * (i + 1)).collect(),
        };
        m.state.as_mut().unwrap().optimizer = vec![rows(4, 0.25), rows(3, 7.5), rows(0, 0.0)];
        m
    }

    #[test]
    fn round_trips_adam_moments_and_decay_clocks() {
        let m = partial_adam_model();
        let buf = bytes_of(&m);
        let back = read(&buf[..], Path::new("m"), buf.len() as u64).unwrap();
        assert_eq!(back, m);
        let err = read(&buf[..buf.len() - 3], Path::new("m"), buf.len() as u64 - 3).unwrap_err();
        assert!(err.to_string().contains("truncated"), "{err}");
    }

    /// Format 6 kept AdaGrad's accumulators of input and node rows after the matrices; they
    /// read back as version 7's state floats of those matrices.
    #[test]
    fn reads_format_6_training_states() {
        let m = partial_adagrad_model();
        let dim = m.dim();
        let state = m.state.clone().unwrap();
        let header = HeaderV6 {
            header: Header {
                settings: m.settings.clone(),
                vocab: m.vocab.clone(),
                tree: m.tree.as_ref().map(|t| t.links().clone()),
                info: m.info.clone(),
                ngram_buckets: Vec::new(),
                input_rows: (m.input.len() / dim) as u64,
                node_rows: (m.nodes.len() / dim) as u64,
                negative_rows: 0,
            },
            state: Some(StateSectionV6 {
                state: state.clone(),
                input_acc: state.optimizer[0].state.len() as u64,
                node_acc: state.optimizer[1].state.len() as u64,
            }),
        };
        let bytes = bincode_options(u64::MAX).serialize(&header).unwrap();
        let mut buf = MAGIC.to_vec();
        buf.extend_from_slice(&6u32.to_le_bytes());
        buf.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
        buf.extend_from_slice(&bytes);
        for matrix in [&m.input, &m.nodes, &m.negatives] {
            write_f32s(matrix, &mut buf).unwrap();
        }
        write_f32s(&state.optimizer[0].state, &mut buf).unwrap();
        write_f32s(&state.optimizer[1].state, &mut buf).unwrap();
        let back = read(&buf[..], Path::new("m"), buf.len() as u64).unwrap();
        assert_eq!(back, m);
    }

    #[test]
    fn round_trips_the_training_state() {
        let m = partial_adagrad_model();
        let buf = bytes_of(&m);
        let back = read(&buf[..], Path::new("m"), buf.len() as u64).unwrap();
        assert_eq!(back, m);
        // Every cut of a file with a state section is refused as truncated too.
        for cut in 8..buf.len() {
            let err = read(&buf[..cut], Path::new("m"), cut as u64).unwrap_err();
            assert!(err.to_string().contains("truncated"), "cut {cut}: {err}");
        }
    }

    /// Accumulator counts that do not fit the model are refused before anything is read.
    #[test]
    fn lying_accumulator_counts_are_refused() {
        let mut m = partial_adagrad_model();
        m.state.as_mut().unwrap().optimizer[1].clocks = vec![1; 4];
        let buf = bytes_of(&m);
        let err = read(&buf[..], Path::new("m"), buf.len() as u64).unwrap_err();
        assert!(err.to_string().contains("training state"), "{err}");
        // A state in a model not marked partial is damaged too.
        let mut m = partial_adagrad_model();
        m.info.partial = false;
        let buf = bytes_of(&m);
        let err = read(&buf[..], Path::new("m"), buf.len() as u64).unwrap_err();
        assert!(err.to_string().contains("training state"), "{err}");
    }

    /// A version-5 file (settings without L2) still loads, with L2 off; a version-6 file
    /// keeps L2 and the optimizers' constants.
    #[test]
    fn version_5_models_still_load_and_6_keeps_l2() {
        let mut m = small_model(true, 2);
        m.settings.optimizer = crate::model::Optimizer::RmsProp { rho: 0.95 };
        let s = m.settings.clone();
        let header = Header {
            settings: SettingsV5 {
                architecture: s.architecture,
                dim: s.dim,
                window: s.window,
                min_count: s.min_count,
                max_vocab: s.max_vocab,
                sample: s.sample,
                alpha: s.alpha,
                epochs: s.epochs,
                threads: s.threads,
                seed: s.seed,
                hs: s.hs,
                tree: s.tree,
                optimizer: s.optimizer,
                negative: s.negative,
                ns_exponent: s.ns_exponent,
                tokenizer: s.tokenizer,
                lowercase: s.lowercase,
                subwords: s.subwords,
                softmax: s.softmax,
            },
            vocab: m.vocab.clone(),
            tree: m.tree.as_ref().map(|t| t.links().clone()),
            info: m.info.clone(),
            ngram_buckets: Vec::new(),
            input_rows: 4,
            node_rows: 3,
            negative_rows: 4,
        };
        let bytes = bincode_options(u64::MAX).serialize(&header).unwrap();
        let mut buf = MAGIC.to_vec();
        buf.extend_from_slice(&5u32.to_le_bytes());
        buf.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
        buf.extend_from_slice(&bytes);
        for matrix in [&m.input, &m.nodes, &m.negatives] {
            write_f32s(matrix, &mut buf).unwrap();
        }
        let back = read(&buf[..], Path::new("m"), buf.len() as u64).unwrap();
        assert_eq!(back, m);
        assert_eq!(back.state, None);
        assert_eq!(back.settings.l2, 0.0);
        assert_eq!(back.settings.output_rate, 1.0);
        m.settings.output_rate = 2.0;
        m.settings.l2 = 1e-5;
        m.settings.optimizer = crate::model::Optimizer::Adam {
            beta1: 0.8,
            beta2: 0.99,
        };
        let buf = bytes_of(&m);
        assert_eq!(read(&buf[..], Path::new("m"), buf.len() as u64).unwrap(), m);
    }

    #[test]
    fn every_truncation_is_a_clear_error() {
        let buf = bytes_of(&small_model(true, 2));
        for cut in 0..buf.len() {
            let err = read(&buf[..cut], Path::new("m"), cut as u64).unwrap_err();
            let msg = err.to_string();
            assert!(
                msg.contains("truncated") || msg.contains("not a w2v model"),
                "cut {cut}: {msg}"
            );
        }
    }

    #[test]
    fn foreign_and_newer_files_are_refused() {
        let mut buf = bytes_of(&small_model(true, 0));
        buf[8..12].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
        let err = read(&buf[..], Path::new("m"), buf.len() as u64).unwrap_err();
        assert!(err.to_string().contains("newer"), "{err}");
        let text = b"3 2\nthe 1 2\n";
        let err = read(&text[..], Path::new("m"), text.len() as u64).unwrap_err();
        assert!(err.to_string().contains("not a w2v model"), "{err}");
    }

    /// A version-2 file (settings without the optimizer) still loads, as an SGD model.
    #[test]
    fn version_2_models_still_load() {
        let m = small_model(true, 0);
        let s = m.settings.clone();
        let header = OldHeader {
            settings: SettingsV2 {
                architecture: s.architecture,
                dim: s.dim,
                window: s.window,
                min_count: s.min_count,
                max_vocab: s.max_vocab,
                sample: s.sample,
                alpha: s.alpha,
                epochs: s.epochs,
                threads: s.threads,
                seed: s.seed,
                hs: s.hs,
                tree: s.tree,
                negative: s.negative,
                ns_exponent: s.ns_exponent,
                tokenizer: s.tokenizer,
                lowercase: s.lowercase,
            },
            vocab: m.vocab.clone(),
            tree: m.tree.as_ref().map(|t| t.links().clone()),
            info: m.info.clone(),
            input_rows: 4,
            node_rows: 3,
            negative_rows: 0,
        };
        let bytes = bincode_options(u64::MAX).serialize(&header).unwrap();
        let mut buf = MAGIC.to_vec();
        buf.extend_from_slice(&2u32.to_le_bytes());
        buf.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
        buf.extend_from_slice(&bytes);
        for matrix in [&m.input, &m.nodes] {
            write_f32s(matrix, &mut buf).unwrap();
        }
        let back = read(&buf[..], Path::new("m"), buf.len() as u64).unwrap();
        assert_eq!(back, m);
        assert_eq!(back.settings.optimizer, crate::model::Optimizer::Sgd);
    }

    #[test]
    fn corrupted_bytes_never_panic() {
        let buf = bytes_of(&small_model(true, 2));
        for i in 8..buf.len().min(400) {
            for flip in [0x01u8, 0x80, 0xff] {
                let mut bad = buf.clone();
                bad[i] ^= flip;
                let _ = read(&bad[..], Path::new("m"), bad.len() as u64);
            }
        }
    }
}
