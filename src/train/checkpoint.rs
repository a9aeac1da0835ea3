//! What a partial model keeps so that training goes on exactly where it stopped.
//!
//! Training stops only at chunk boundaries (Ctrl-C, or a checkpoint), and a chunk's random
//! numbers come from (seed, epoch, chunk), so the schedule position (epoch, next chunk), the
//! learning-rate position (the shared word counter) and what each thread had not yet added to
//! it are all the rest needs; with one thread the resumed run repeats the uninterrupted one
//! bit for bit. AdaGrad's accumulators go with them.

use serde::{Deserialize, Serialize};

use super::rates::OptimizerRows;
use super::EpochReport;
use crate::error::{Error, Result};
use crate::ids::Corpus;
use crate::model::Model;
use crate::vocab::Vocab;

/// Where a run stopped, and what it needs to go on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingState {
    /// The epoch in progress (0-based) and its first chunk not yet trained.
    pub epoch: u32,
    pub next_chunk: u64,
    /// The shared word counter the learning rate decays with.
    pub words_done: u64,
    /// Per training thread, what it had not yet reported.
    pub threads: Vec<ThreadCarry>,
    /// The finished epochs, for the loss log and the summary.
    pub epochs: Vec<EpochReport>,
    /// Training time before the stop, so epoch times go on counting from it.
    pub seconds: f64,
    pub corpus: CorpusFingerprint,
    /// The optimizer's and the L2 decay's state of the input, node and word-output matrices,
    /// in that order; empty under plain SGD. Kept out of the serialized header: the native
    /// format stores them as raw numbers after the matrices.
    #[serde(skip)]
    pub optimizer: Vec<OptimizerRows>,
}

/// A thread's words trained but not yet added to the shared counter (they decide when the
/// learning rate next moves), and its loss over the epoch so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct ThreadCarry {
    pub unreported_words: u64,
    pub loss: f64,
    pub predictions: u64,
}

/// A check that a resumed run reads the same corpus: its words, its cut into chunks, and a
/// hash of its word ids and sentence ends (one pass over the ids, a few milliseconds for
/// ten million words, once per run).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorpusFingerprint {
    pub words: u64,
    pub chunks: u64,
    pub hash: u64,
}

impl CorpusFingerprint {
    pub fn of(corpus: &Corpus) -> Result<Self> {
        // FNV-1a over the ids, with u32::MAX (never an id) ending each sentence.
        let mut hash = 0xcbf2_9ce4_8422_2325u64;
        let mut mix = |x: u32| hash = (hash ^ x as u64).wrapping_mul(0x0000_0100_0000_01b3);
        let mut reader = corpus.reader();
        for c in 0..corpus.chunks() {
            let Some(chunk) = reader.read(c)? else { break };
            for sentence in chunk.sentences() {
                sentence.iter().for_each(|&id| mix(id));
                mix(u32::MAX);
            }
        }
        Ok(CorpusFingerprint {
            words: corpus.words(),
            chunks: corpus.chunks() as u64,
            hash,
        })
    }

    /// The cheap part, enough to catch a caller that skipped [`check_resume`].
    pub(crate) fn same_size(&self, corpus: &Corpus) -> bool {
        self.words == corpus.words() && self.chunks == corpus.chunks() as u64
    }
}

/// When to save during training, and how.
pub struct Checkpoints<'a> {
    /// Every this many epochs (a fraction is fine); must be positive.
    pub every_epochs: f64,
    /// Saves the model, which then holds its training state and is marked partial.
    pub save: &'a mut dyn FnMut(&Model) -> Result<()>,
}

/// The first checkpoint strictly after global chunk `pos` (epoch × chunks + chunk): the
/// k-th falls on chunk round(k × every × chunks).
pub(crate) fn next_checkpoint(every_epochs: f64, chunks: u64, pos: u64) -> u64 {
    let step = every_epochs * chunks as f64;
    let mut k = (pos as f64 / step).floor().max(0.0) as u64;
    loop {
        let at = (k as f64 * step).round() as u64;
        if at > pos {
            return at;
        }
        k += 1;
    }
}

fn differs(reason: String) -> Error {
    Error::CannotResume { reason }
}

/// Whether `model`, a partial model with training state, can go on with `vocab` and
/// `corpus` (as read now); the error names the first difference.
pub fn check_resume(model: &Model, vocab: &Vocab, corpus: &Corpus) -> Result<()> {
    let Some(state) = &model.state else {
        return Err(differs(if model.info.partial {
            "the model is partial but holds no training state (saved by an older w2v, or by \
             an interrupted --init run)"
                .into()
        } else {
            format!(
                "the model finished training ({} epochs); there is nothing to resume (training \
                 a finished model on more text is --init)",
                model.info.epochs_done
            )
        }));
    };
    let what = "the corpus differs from the checkpoint's:";
    let (now, then) = (vocab, &model.vocab);
    if now.len() != then.len() {
        return Err(differs(format!(
            "{what} its vocabulary has {} words, the checkpoint's {}",
            now.len(),
            then.len()
        )));
    }
    let words = now.words().iter().zip(then.words());
    let counts = now.counts().iter().zip(then.counts());
    if let Some((rank, ((w, w0), (c, c0)))) = words
        .zip(counts)
        .enumerate()
        .find(|(_, ((w, w0), (c, c0)))| w != w0 || c != c0)
    {
        return Err(differs(format!(
            "{what} its word {} is '{w}' seen {c} times, the checkpoint's '{w0}' seen {c0} times",
            rank + 1
        )));
    }
    let fingerprint = CorpusFingerprint::of(corpus)?;
    let then = state.corpus;
    if fingerprint.words != then.words {
        return Err(differs(format!(
            "{what} it has {} words, the checkpoint's {}",
            fingerprint.words, then.words
        )));
    }
    if fingerprint.chunks != then.chunks || fingerprint.hash != then.hash {
        return Err(differs(format!(
            "{what} the same words and counts, but not in the same sentences and order"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkpoints_fall_on_fractions_of_epochs() {
        // 10 chunks an epoch, every quarter epoch: 3 (2.5 rounds up), 5, 8 (7.5), 10, ...
        let mut at = Vec::new();
        let mut pos = 0;
        for _ in 0..5 {
            pos = next_checkpoint(0.25, 10, pos);
            at.push(pos);
        }
        assert_eq!(at, [3, 5, 8, 10, 13]);
        // Finer than a chunk: the next chunk boundary.
        assert_eq!(next_checkpoint(0.01, 10, 4), 5);
        assert_eq!(next_checkpoint(2.0, 10, 0), 20);
        assert_eq!(next_checkpoint(2.0, 10, 20), 40);
    }
}
