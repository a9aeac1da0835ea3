//! A model: its settings, vocabulary, tree and parameter matrices; everything export, eval
//! and resuming need.

use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use crate::corpus::Tokenizer;
use crate::embeddings::Embeddings;
use crate::subwords::{occupied_buckets, BucketRows, NgramSettings, WordRows};
use crate::tree::Tree;
use crate::vectors::{NgramTable, NgramVectors, Vectors};
use crate::vocab::Vocab;

/// The tree hierarchical softmax walks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TreeKind {
    /// Frequent words get short codes (word2vec's choice): fewest steps per word.
    Huffman,
    /// Every code has length about log2 V.
    Balanced,
    /// Built from word vectors: related words share subtrees, cut by count so codes stay
    /// about as short as Huffman's (`Tree::semantic`). Added last, so older files still read.
    Semantic,
}

/// How each step's gradient becomes a parameter update. Every rule is sparse and row-wise
/// (see `train::rates`); new variants go last, so older model files still read.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Optimizer {
    /// One learning rate for every row, decaying linearly (word2vec's rule).
    Sgd,
    /// The same decaying rate, divided per row by the root of that row's accumulated squared
    /// gradient: rows updated rarely (deep nodes, rare words) keep larger steps.
    AdaGrad,
    /// The rate divided per row by the root of an exponential average (decay `rho`) of the
    /// row's mean squared gradient element.
    RmsProp { rho: f32 },
    /// Lazy sparse Adam: per-element first moment (decay `beta1`; doubles the memory of
    /// every trained matrix), per-row second moment (`beta2`) and per-row step count.
    Adam { beta1: f32, beta2: f32 },
}

impl Optimizer {
    /// RMSProp's default decay: 0.99 rather than the 0.9 of TensorFlow and Keras. A row's
    /// average moves only when the row is touched, and a longer memory gave a lower training
    /// loss with both layers (skip-gram, first 12 MB of bench-10m, 1 epoch, alpha 0.01, 1
    /// thread, `scripts/optimizer-sweep.sh`): HS 7.948 vs 7.996 (analogy 2.66 vs 2.44 %),
    /// NS 2.359 vs 2.752 (1.84 vs 2.41 %); SGD: 8.032 and 2.668.
    pub const RHO: f32 = 0.99;
    /// Adam's defaults (Kingma & Ba): they suit sparse rows too, since each row counts its
    /// own steps for the bias correction. (ε is `train::rates::ADAPTIVE_EPS`, 1e-8.)
    pub const BETA1: f32 = 0.9;
    pub const BETA2: f32 = 0.999;

    pub fn name(self) -> &'static str {
        match self {
            Optimizer::Sgd => "sgd",
            Optimizer::AdaGrad => "adagrad",
            Optimizer::RmsProp { .. } => "rmsprop",
            Optimizer::Adam { .. } => "adam",
        }
    }
}

/// A softmax over words, trained instead of hierarchical softmax and negative sampling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SoftmaxKind {
    /// The exact softmax over the whole vocabulary: O(V·dim) per prediction, the objective
    /// hierarchical softmax and sampling approximate.
    Full,
    /// Importance-sampled softmax over the target and `negative` words drawn from the
    /// unigram^`ns_exponent` distribution (Jean et al. 2015).
    Sampled,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Architecture {
    /// Predict each context word's neighbours from it (word2vec's default).
    SkipGram,
    /// Predict each word from the mean of its context.
    Cbow,
}

impl Architecture {
    pub fn name(self) -> &'static str {
        match self {
            Architecture::SkipGram => "skip-gram",
            Architecture::Cbow => "cbow",
        }
    }

    /// The starting learning rate when none is given: word2vec's for SGD; for AdaGrad, whose
    /// steps shrink with each row's history, 0.3 (the best of 0.025-1.0 after one epoch of
    /// skip-gram and CBOW on bench-10m; see docs/hierarchical-softmax.md). RMSProp and Adam
    /// move each element of a row by about alpha per step whatever the gradient's scale, so
    /// their rate is a step length: RMSPROP_ALPHA and ADAM_ALPHA below.
    pub fn default_alpha_for(self, optimizer: Optimizer) -> f32 {
        match optimizer {
            Optimizer::Sgd => self.default_alpha(),
            Optimizer::AdaGrad => 0.3,
            Optimizer::RmsProp { .. } => RMSPROP_ALPHA,
            Optimizer::Adam { .. } => ADAM_ALPHA,
        }
    }

    /// word2vec's default starting learning rate.
    pub fn default_alpha(self) -> f32 {
        match self {
            Architecture::SkipGram => 0.025,
            Architecture::Cbow => 0.05,
        }
    }
}

/// RMSProp's default rate (see `Architecture::default_alpha_for`): of 0.003, 0.01 and 0.03
/// (ρ 0.9, the sweep of `Optimizer::RHO`), 0.01 gave the lowest loss with HS (7.996 vs 8.064,
/// 8.062) and the best analogy score with NS (2.41 %; loss 2.752 vs 2.969, 2.687).
pub const RMSPROP_ALPHA: f32 = 0.01;
/// Adam's default rate: of 0.003, 0.01 and 0.03 in the same sweep, 0.01 gave the lowest loss
/// with both layers (HS 8.046 vs 8.060, 8.230; NS 2.541 vs 2.636, 2.669). Ten times Adam's
/// usual 0.001: a row takes a step only when its word comes up.
pub const ADAM_ALPHA: f32 = 0.01;

/// Training settings, stored in the model so that a model says how it was made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    pub architecture: Architecture,
    pub dim: usize,
    pub window: usize,
    pub min_count: u64,
    pub max_vocab: Option<usize>,
    pub sample: f64,
    pub alpha: f32,
    pub epochs: u32,
    pub threads: usize,
    pub seed: u64,
    pub hs: bool,
    pub tree: TreeKind,
    pub optimizer: Optimizer,
    /// Negative samples per prediction; with the sampled softmax, its samples.
    pub negative: u32,
    pub ns_exponent: f64,
    pub tokenizer: Tokenizer,
    pub lowercase: bool,
    /// Character n-grams on the input side (fastText's subwords); `None`: word rows only.
    pub subwords: Option<NgramSettings>,
    /// A softmax output layer instead of hierarchical softmax / negative sampling.
    pub softmax: Option<SoftmaxKind>,
    /// The output layer's learning rate as a multiple of `alpha` (the input rows' rate).
    pub output_rate: f32,
    /// L2 weight decay per word trained, applied lazily to the rows steps touch; 0: none.
    pub l2: f32,
}

impl Settings {
    /// Whether an output layer keeps one row per word (negative sampling or a softmax).
    pub fn has_word_output_rows(&self) -> bool {
        self.negative > 0 || self.softmax.is_some()
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            architecture: Architecture::SkipGram,
            dim: 100,
            window: 5,
            min_count: 5,
            max_vocab: None,
            sample: 1e-3,
            alpha: Architecture::SkipGram.default_alpha(),
            epochs: 5,
            threads: 1,
            seed: 1,
            hs: true,
            tree: TreeKind::Huffman,
            optimizer: Optimizer::Sgd,
            negative: 0,
            ns_exponent: 0.75,
            tokenizer: Tokenizer::Unicode,
            lowercase: false,
            subwords: None,
            softmax: None,
            output_rate: 1.0,
            l2: 0.0,
        }
    }
}

/// How training went, kept with the model.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TrainingInfo {
    pub epochs_done: u32,
    pub words_processed: u64,
    /// True when training was interrupted and the model holds what was trained so far.
    pub partial: bool,
    pub final_loss: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub settings: Settings,
    pub vocab: Vocab,
    /// Present with hierarchical softmax.
    pub tree: Option<Tree>,
    /// Input rows, row = rank: V word rows, then with subwords one row per bucket in
    /// `ngram_buckets`. Without subwords these are the embeddings.
    pub input: Vec<f32>,
    /// With subwords: the n-gram buckets that have a row (sorted; see
    /// `subwords::occupied_buckets`). Empty without.
    pub ngram_buckets: Vec<u32>,
    /// Internal-node vectors of the tree, (V-1) × dim; empty without hierarchical softmax.
    pub nodes: Vec<f32>,
    /// Output vectors of words, V × dim, for negative sampling or a softmax; empty without.
    pub negatives: Vec<f32>,
    pub info: TrainingInfo,
    /// What a partial model needs to go on training exactly where it stopped.
    pub state: Option<crate::train::TrainingState>,
}

impl Model {
    /// A fresh model: input rows (words, then n-grams) uniform in ±0.5/dim (word2vec's
    /// start), outputs zero.
    ///
    /// Panics with `TreeKind::Semantic` and hierarchical softmax: that tree needs word
    /// vectors; build it with `Tree::semantic` and pass it to [`Model::with_tree`].
    pub fn new(settings: Settings, vocab: Vocab) -> Model {
        let tree = settings.hs.then(|| match settings.tree {
            TreeKind::Huffman => Tree::huffman(vocab.counts()),
            TreeKind::Balanced => Tree::balanced(vocab.len()),
            TreeKind::Semantic => panic!("a semantic tree is built from vectors: Model::with_tree"),
        });
        Model::with_tree(settings, vocab, tree)
    }

    /// A fresh model (as [`Model::new`]) walking `tree`, which must be a tree over the
    /// vocabulary when hierarchical softmax is on, and `None` when it is off.
    pub fn with_tree(settings: Settings, vocab: Vocab, tree: Option<Tree>) -> Model {
        assert_eq!(
            tree.is_some(),
            settings.hs,
            "a tree exactly with hierarchical softmax"
        );
        assert!(
            tree.as_ref().is_none_or(|t| t.leaves() == vocab.len()),
            "one leaf per word"
        );
        let (v, dim) = (vocab.len(), settings.dim);
        let ngram_buckets = match &settings.subwords {
            Some(ngrams) => occupied_buckets(vocab.words().iter().map(String::as_str), ngrams),
            None => Vec::new(),
        };
        let mut rng = rand::rngs::SmallRng::seed_from_u64(settings.seed);
        let half = 0.5 / dim as f32;
        let input = (0..(v + ngram_buckets.len()) * dim)
            .map(|_| rng.random_range(-half..half))
            .collect();
        let nodes = if settings.hs {
            vec![0.0; (v - 1) * dim]
        } else {
            Vec::new()
        };
        let negatives = if settings.has_word_output_rows() {
            vec![0.0; v * dim]
        } else {
            Vec::new()
        };
        Model {
            settings,
            vocab,
            tree,
            input,
            ngram_buckets,
            nodes,
            negatives,
            info: TrainingInfo::default(),
            state: None,
        }
    }

    /// Makes this finished model train on with `vocab`: the model's words first, in their
    /// order (their counts may change), then any new words by descending count. New words
    /// get rows as a fresh model's (inputs uniform in ±0.5/dim, drawn from the seed and the
    /// old vocabulary size so they do not repeat the old rows' start; outputs zero), and with
    /// subwords their new n-gram buckets get rows the same way; old rows are kept. With
    /// hierarchical softmax the old tree is kept whole and a tree over the new words (of the
    /// model's kind) is grafted beside it (see [`Tree::graft`]): every trained node keeps its
    /// meaning, and the new nodes start at zero.
    pub fn grow(&mut self, vocab: Vocab) {
        let (v, dim) = (self.vocab.len(), self.settings.dim);
        assert!(
            vocab.len() >= v && vocab.words()[..v] == *self.vocab.words(),
            "a grown vocabulary starts with the model's words"
        );
        let n = vocab.len() - v;
        let mut rng = rand::rngs::SmallRng::seed_from_u64(self.settings.seed ^ (v as u64) << 32);
        let half = 0.5 / dim as f32;
        let mut random_rows = |rows: usize| -> Vec<f32> {
            (0..rows * dim)
                .map(|_| rng.random_range(-half..half))
                .collect()
        };
        let new_words = &vocab.words()[v..];
        let new_rows = random_rows(n);
        match &self.settings.subwords {
            None => self.input.extend_from_slice(&new_rows),
            Some(ngrams) => {
                let mut added = occupied_buckets(new_words.iter().map(String::as_str), ngrams);
                added.retain(|b| self.ngram_buckets.binary_search(b).is_err());
                let mut added_rows = random_rows(added.len()).into_iter();
                let old_rows = self.input.split_off(v * dim);
                self.input.extend_from_slice(&new_rows);
                // Both bucket lists are sorted: merge them, each bucket bringing its row.
                let mut buckets = Vec::with_capacity(self.ngram_buckets.len() + added.len());
                let (mut i, mut j) = (0, 0);
                while i < self.ngram_buckets.len() || j < added.len() {
                    let old_first = j == added.len()
                        || (i < self.ngram_buckets.len() && self.ngram_buckets[i] < added[j]);
                    if old_first {
                        buckets.push(self.ngram_buckets[i]);
                        self.input
                            .extend_from_slice(&old_rows[i * dim..(i + 1) * dim]);
                        i += 1;
                    } else {
                        buckets.push(added[j]);
                        self.input.extend(added_rows.by_ref().take(dim));
                        j += 1;
                    }
                }
                self.ngram_buckets = buckets;
            }
        }
        if n > 0 {
            if let Some(tree) = &self.tree {
                let counts = &vocab.counts()[v..];
                // New words have no trained vectors to split by, so a semantic tree takes
                // them as it takes words without vectors: in a Huffman subtree.
                let added = (n >= 2).then(|| match self.settings.tree {
                    TreeKind::Huffman | TreeKind::Semantic => Tree::huffman(counts),
                    TreeKind::Balanced => Tree::balanced(n),
                });
                self.tree = Some(tree.graft(added.as_ref()));
                self.nodes.resize((v + n - 1) * dim, 0.0);
            }
            if self.settings.has_word_output_rows() {
                self.negatives.resize((v + n) * dim, 0.0);
            }
        }
        self.vocab = vocab;
    }

    /// Where the n-gram rows are, with subwords.
    pub fn bucket_rows(&self) -> Option<BucketRows<'_>> {
        self.settings.subwords.as_ref().map(|settings| BucketRows {
            settings,
            buckets: &self.ngram_buckets,
            first_row: self.vocab.len() as u32,
        })
    }

    /// Each word's input rows (own row, then n-gram rows), with subwords.
    pub fn word_rows(&self) -> Option<WordRows> {
        self.bucket_rows()
            .map(|layout| WordRows::new(self.vocab.words(), &layout))
    }

    pub fn dim(&self) -> usize {
        self.settings.dim
    }

    /// The word vectors, for export, evaluation and queries: a word's input row, or with
    /// subwords the mean of its rows (fastText's word vector).
    pub fn into_embeddings(self) -> Embeddings {
        self.into_vectors().embeddings
    }

    /// The word vectors and, with subwords, the n-gram rows that give vectors to words
    /// outside the vocabulary. The input matrix is moved, not copied.
    pub fn into_vectors(self) -> Vectors {
        let (v, dim) = (self.vocab.len(), self.settings.dim);
        let Some(settings) = self.settings.subwords else {
            let mut input = self.input;
            input.truncate(v * dim);
            let vectors =
                ndarray::Array2::from_shape_vec((v, dim), input).expect("input matrix is V × dim");
            return Vectors::from(Embeddings::new(self.vocab.words().to_vec(), vectors));
        };
        let mut vectors = ndarray::Array2::zeros((v, dim));
        for (word, mut out) in vectors.rows_mut().into_iter().enumerate() {
            out.iter_mut()
                .zip(self.input_vector(word as u32))
                .for_each(|(o, x)| *o = x);
        }
        let words = self.vocab.words().to_vec();
        let rows = v + self.ngram_buckets.len();
        let matrix = ndarray::Array2::from_shape_vec((rows, dim), self.input)
            .expect("input matrix is (V + buckets) × dim");
        let ngrams = NgramVectors::listed(settings, self.ngram_buckets, matrix, v)
            .expect("a model's buckets are sorted and in range")
            .with_lowercase(self.settings.lowercase);
        Vectors {
            embeddings: Embeddings::new(words, vectors),
            ngrams: Some(ngrams),
        }
    }

    /// The n-gram rows, borrowed, with subwords.
    pub fn ngram_table(&self) -> Option<NgramTable<'_>> {
        let (v, dim) = (self.vocab.len(), self.settings.dim);
        let settings = self.settings.subwords.as_ref()?;
        let rows = ndarray::ArrayView2::from_shape(
            (self.ngram_buckets.len(), dim),
            &self.input[v * dim..(v + self.ngram_buckets.len()) * dim],
        )
        .expect("input matrix is (V + buckets) × dim");
        Some(NgramTable {
            settings,
            buckets: Some(&self.ngram_buckets),
            rows,
            lowercase: self.settings.lowercase,
        })
    }

    /// The input vector of vocabulary word `word`: its row, or with subwords the mean of its
    /// own row and its n-gram rows (summed in f32, times 1/n computed in f64, as fastText).
    pub fn input_vector(&self, word: u32) -> Vec<f32> {
        let dim = self.settings.dim;
        let row = |r: u32| &self.input[r as usize * dim..(r as usize + 1) * dim];
        let Some(layout) = self.bucket_rows() else {
            return row(word).to_vec();
        };
        let mut rows = vec![word];
        layout.push_rows(&self.vocab.words()[word as usize], &mut rows);
        crate::subwords::fasttext_mean(dim, rows.iter().map(|&r| row(r)), rows.len())
    }

    /// Refuses settings that cannot train, naming the setting, before any work is done.
    pub fn check_settings(s: &Settings) -> crate::Result<()> {
        use crate::error::{Error, Setting};
        let fail = |setting: Setting, reason: &str| Err(Error::setting(setting, reason));
        if s.dim == 0 || s.dim > 100_000 {
            return fail(Setting::Dim, "must be between 1 and 100000");
        }
        if s.window == 0 || s.window > 1000 {
            return fail(Setting::Window, "must be between 1 and 1000");
        }
        if s.epochs == 0 {
            return fail(Setting::Epochs, "must be at least 1");
        }
        if s.threads == 0 || s.threads > 1024 {
            return fail(Setting::Threads, "must be between 1 and 1024");
        }
        if !(s.alpha.is_finite() && s.alpha > 0.0) {
            return fail(Setting::Alpha, "must be a positive number");
        }
        if !(s.output_rate.is_finite() && s.output_rate > 0.0 && s.output_rate <= 100.0) {
            return fail(
                Setting::OutputRate,
                "must be a number above 0 and at most 100",
            );
        }
        if !(s.sample.is_finite() && s.sample >= 0.0) {
            return fail(Setting::Sample, "must be 0 (off) or a positive number");
        }
        if let Some(kind) = s.softmax {
            if s.hs {
                return fail(
                    Setting::OutputLayer,
                    "cannot combine a softmax with hierarchical softmax: it trains alone",
                );
            }
            match (kind, s.negative) {
                (SoftmaxKind::Full, k) if k > 0 => {
                    return fail(
                        Setting::Negative,
                        "must be 0 with the full softmax, which scores every word",
                    )
                }
                (SoftmaxKind::Sampled, 0) => {
                    return fail(
                        Setting::Negative,
                        "must be at least 1: the sampled softmax draws that many words",
                    )
                }
                _ => {}
            }
        } else if !s.hs && s.negative == 0 {
            return fail(
                Setting::OutputLayer,
                "has nothing to train: hierarchical softmax is off and there are no negative samples",
            );
        }
        match s.optimizer {
            Optimizer::RmsProp { rho } if !(rho > 0.0 && rho < 1.0) => {
                return fail(Setting::Rho, "must be between 0 and 1 (both excluded)")
            }
            Optimizer::Adam { beta1, .. } if !(0.0..1.0).contains(&beta1) => {
                return fail(Setting::Beta1, "must be at least 0 and below 1")
            }
            Optimizer::Adam { beta2, .. } if !(0.0..1.0).contains(&beta2) => {
                return fail(Setting::Beta2, "must be at least 0 and below 1")
            }
            _ => {}
        }
        if !(s.l2.is_finite() && s.l2 >= 0.0) {
            return fail(Setting::L2, "must be 0 (off) or a positive number");
        }
        if s.l2 * s.alpha >= 1.0 {
            return fail(
                Setting::L2,
                "times the learning rate must be below 1, or every row decays to zero at once",
            );
        }
        if s.negative > 1000 {
            return fail(Setting::Negative, "must be at most 1000");
        }
        if !s.ns_exponent.is_finite() {
            return fail(Setting::NsExponent, "must be a finite number");
        }
        if s.max_vocab == Some(0) {
            return fail(Setting::MaxVocab, "must be at least 1");
        }
        if let Some(ngrams) = &s.subwords {
            ngrams.validate()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocab(words: &[&str], counts: &[u64]) -> Vocab {
        Vocab::new(
            words.iter().map(|w| w.to_string()).collect(),
            counts.to_vec(),
        )
    }

    #[test]
    fn growing_keeps_every_trained_row_and_adds_fresh_ones() {
        let settings = Settings {
            dim: 4,
            negative: 3,
            subwords: Some(NgramSettings {
                minn: 2,
                maxn: 3,
                buckets: 5000,
            }),
            ..Settings::default()
        };
        let mut model = Model::new(settings, vocab(&["cat", "dog", "cow"], &[9, 5, 4]));
        // As if trained: every output row non-zero.
        model.nodes.iter_mut().for_each(|x| *x = 1.0);
        model.negatives.iter_mut().for_each(|x| *x = 2.0);
        let old = model.clone();
        let row = |m: &Model, r: usize| m.input[r * 4..(r + 1) * 4].to_vec();
        model.grow(vocab(
            &["cat", "dog", "cow", "zebra", "yak"],
            &[12, 5, 6, 3, 2],
        ));
        let (v, n) = (3, 2);
        assert_eq!(model.vocab.counts(), [12, 5, 6, 3, 2]);
        for r in 0..v {
            assert_eq!(row(&model, r), row(&old, r));
        }
        // Old buckets keep their rows, wherever the merge put them; new ones start small.
        let buckets = &model.ngram_buckets;
        assert!(buckets.windows(2).all(|w| w[0] < w[1]));
        assert!(buckets.len() > old.ngram_buckets.len());
        for (i, b) in buckets.iter().enumerate() {
            let now = row(&model, v + n + i);
            match old.ngram_buckets.binary_search(b) {
                Ok(j) => assert_eq!(now, row(&old, v + j)),
                Err(_) => assert!(now.iter().all(|x| x.abs() <= 0.125 && *x != 0.0)),
            }
        }
        assert_eq!(model.input.len(), (v + n + buckets.len()) * 4);
        // Old node rows kept, two new ones (the new words' parent, the root) at zero.
        assert_eq!(model.nodes.len(), (v + n - 1) * 4);
        assert!(model.nodes[..(v - 1) * 4].iter().all(|&x| x == 1.0));
        assert!(model.nodes[(v - 1) * 4..].iter().all(|&x| x == 0.0));
        assert_eq!(model.tree.as_ref().unwrap().leaves(), v + n);
        assert!(model.negatives[..v * 4].iter().all(|&x| x == 2.0));
        assert!(model.negatives[v * 4..].iter().all(|&x| x == 0.0));
        assert_eq!(model.negatives.len(), (v + n) * 4);
    }
}
