//! Held-out log-likelihood: how probable a model's output layer finds the words of text it
//! did not train on. This is the objective hierarchical softmax, sampling and the full
//! softmax all approximate, so it is the yardstick for comparing them directly.
//!
//! The predictions are the model's own: CBOW predicts each word from the mean input vector
//! of its context, skip-gram each context word from the centre word's input vector. Unlike
//! training, the window is fixed (no random shrinking) and nothing is subsampled, so every
//! model is scored on exactly the same predictions. Words outside the vocabulary are dropped,
//! as training drops them, and counted.

use ndarray::ArrayView2;
use rayon::prelude::*;

use crate::corpus::{read_tokens, Input, Token, TokenizeOptions};
use crate::model::{Architecture, Model};
use crate::predict::{push_mean, Layer, Scorer};
use crate::{Error, Result};

/// Sentences are scored in batches of about this many words, so memory stays bounded
/// whatever the size of the text.
const BATCH_WORDS: usize = 1 << 18;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LikelihoodReport {
    pub layer: Layer,
    /// Words of the text in the vocabulary / outside it.
    pub words: u64,
    pub unknown_words: u64,
    /// Predictions scored: words (CBOW) or (centre, context) pairs (skip-gram).
    pub predictions: u64,
    /// Σ ln P over the predictions, in nats.
    pub log_likelihood: f64,
}

impl LikelihoodReport {
    /// Mean ln P per prediction.
    pub fn mean(&self) -> f64 {
        self.log_likelihood / self.predictions.max(1) as f64
    }

    /// exp(−mean): the number of equally likely words the model is as unsure as.
    pub fn perplexity(&self) -> f64 {
        (-self.mean()).exp()
    }
}

/// Scores `inputs` with `model`'s output layer using a context of `window` words each side.
pub fn held_out_log_likelihood(
    model: &Model,
    inputs: &[Input],
    window: usize,
) -> Result<LikelihoodReport> {
    if window == 0 {
        return Err(Error::Unsupported(
            "a window of 0 words leaves nothing to predict from".into(),
        ));
    }
    let scorer = Scorer::new(model)?;
    let dim = model.dim();
    // Input vectors once: with subwords each is a mean over many rows.
    let inputs_by_word: Vec<f32> = (0..model.vocab.len() as u32)
        .flat_map(|w| model.input_vector(w))
        .collect();
    let mut report = LikelihoodReport {
        layer: scorer.layer(),
        words: 0,
        unknown_words: 0,
        predictions: 0,
        log_likelihood: 0.0,
    };
    let scoring = Scoring {
        scorer: &scorer,
        inputs: &inputs_by_word,
        dim,
        window,
        cbow: model.settings.architecture == Architecture::Cbow,
    };
    let mut sentences: Vec<Vec<u32>> = Vec::new();
    let mut current = Vec::new();
    let mut batched = 0usize;
    let options = TokenizeOptions {
        tokenizer: model.settings.tokenizer,
        lowercase: model.settings.lowercase,
    };
    read_tokens(
        inputs,
        options,
        |_| {},
        |token| match token {
            Token::Word(word) => match model.vocab.id(word) {
                Some(id) => {
                    current.push(id);
                    report.words += 1;
                }
                None => report.unknown_words += 1,
            },
            Token::SentenceEnd => {
                batched += current.len();
                sentences.push(std::mem::take(&mut current));
                if batched >= BATCH_WORDS {
                    scoring.add(&sentences, &mut report);
                    sentences.clear();
                    batched = 0;
                }
            }
        },
    )?;
    sentences.push(current);
    scoring.add(&sentences, &mut report);
    if report.predictions == 0 {
        return Err(Error::Unsupported(format!(
            "the text has no prediction to score: {} words in the vocabulary, {} outside it \
             (a sentence needs two known words)",
            report.words, report.unknown_words
        )));
    }
    Ok(report)
}

struct Scoring<'a> {
    scorer: &'a Scorer<'a>,
    /// V × dim input vectors.
    inputs: &'a [f32],
    dim: usize,
    window: usize,
    cbow: bool,
}

impl Scoring<'_> {
    /// Scores a batch in parallel and adds it to `report` in sentence order, so the sum does
    /// not depend on the number of threads.
    fn add(&self, sentences: &[Vec<u32>], report: &mut LikelihoodReport) {
        let sums: Vec<(u64, f64)> = sentences.par_iter().map(|s| self.sentence(s)).collect();
        for (n, ll) in sums {
            report.predictions += n;
            report.log_likelihood += ll;
        }
    }

    /// One hidden vector per centre word with its targets, then one call to the scorer.
    fn sentence(&self, ids: &[u32]) -> (u64, f64) {
        let dim = self.dim;
        let mut hiddens: Vec<f32> = Vec::with_capacity(ids.len() * dim);
        let mut targets = Vec::new();
        let mut offsets = vec![0];
        let mut sum = vec![0f64; dim];
        for (i, &centre) in ids.iter().enumerate() {
            let lo = i.saturating_sub(self.window);
            let hi = (i + self.window + 1).min(ids.len());
            let context = (lo..hi).filter(|&j| j != i).map(|j| ids[j]);
            if self.cbow {
                let rows = context.map(|w| &self.inputs[w as usize * dim..][..dim]);
                if push_mean(&mut sum, rows, &mut hiddens) == 0 {
                    continue;
                }
                targets.push(centre);
            } else {
                if hi - lo < 2 {
                    continue;
                }
                hiddens.extend_from_slice(&self.inputs[centre as usize * dim..][..dim]);
                targets.extend(context);
            }
            offsets.push(targets.len());
        }
        if targets.is_empty() {
            return (0, 0.0);
        }
        let hiddens =
            ArrayView2::from_shape((offsets.len() - 1, dim), &hiddens).expect("one row per centre");
        let ll = self.scorer.sum_log_probs(hiddens, &targets, &offsets);
        (targets.len() as u64, ll)
    }
}
