//! One pass over the text: count words and keep the corpus as ids (in memory, or spilled to a
//! temporary file when large), then fix the vocabulary and rewrite the ids as ranks. Reading
//! once means stdin works and epochs never re-tokenize.

use std::path::Path;

use crate::corpus::{try_read_tokens, Input, ReadStats, Token, TokenizeOptions, DROPPED};
use crate::error::{Error, Result};
use crate::ids::{Corpus, CorpusStorage, IdWriter};
use crate::vocab::{read_counts, Vocab, VocabBuilder};

pub struct Scanned {
    pub vocab: Vocab,
    pub corpus: Corpus,
    pub stats: ReadStats,
    /// How often the vocabulary cap pruned rare words while counting.
    pub prunes: u32,
    /// Distinct words counted, before the minimum count.
    pub distinct: usize,
}

/// Where the vocabulary comes from.
#[derive(Debug, Clone, Copy)]
pub enum Words<'a> {
    /// The text's own words, keeping at most `max_vocab` distinct ones while counting.
    Count { max_vocab: Option<usize> },
    /// The words and counts of a `word count` file; the text's other words are dropped.
    File(&'a Path),
    /// A model's words, in its order, their counts going on from the model's; with
    /// `add_new`, the text's other words reaching the minimum count follow them (counted
    /// with `max_vocab` as above), else they are dropped.
    Model {
        vocab: &'a Vocab,
        add_new: bool,
        max_vocab: Option<usize>,
    },
}

/// Reads `inputs`, taking the vocabulary from `words` and applying `min_count` to words it
/// counts; the ids are kept as `storage` says. `on_bytes` is told of every block read, for
/// progress.
pub fn scan(
    inputs: &[Input],
    options: TokenizeOptions,
    min_count: u64,
    words: Words<'_>,
    storage: &CorpusStorage,
    on_bytes: impl FnMut(u64),
) -> Result<Scanned> {
    let mut builder = match words {
        Words::File(path) => VocabBuilder::frozen(read_counts(path)?),
        Words::Count { max_vocab } => VocabBuilder::new(max_vocab),
        Words::Model {
            vocab,
            add_new,
            max_vocab,
        } => VocabBuilder::known(vocab, add_new, max_vocab),
    };
    let mut corpus = IdWriter::new(storage)?;
    let stats = try_read_tokens(inputs, options, on_bytes, |token| match token {
        Token::Word(w) => {
            let id = builder.add(w);
            if id != DROPPED {
                corpus.push(id)?;
            }
            if builder.needs_prune() {
                let map = builder.prune();
                corpus.remap(&map)?;
            }
            Ok(())
        }
        Token::SentenceEnd => corpus.end_sentence(),
    })?;
    if stats.words == 0 {
        return Err(Error::EmptyCorpus {
            inputs: crate::corpus::describe_inputs(inputs),
        });
    }
    let prunes = builder.prunes;
    let distinct = builder.len();
    let (vocab, map) = builder.finish(min_count);
    if vocab.len() < 2 {
        return Err(Error::TooFewWords {
            distinct,
            kept: vocab.len(),
            min_count,
        });
    }
    let corpus = corpus.finish(&map, vocab.len())?;
    if corpus.words() == 0 {
        return Err(Error::NoKnownWords {
            inputs: crate::corpus::describe_inputs(inputs),
        });
    }
    Ok(Scanned {
        vocab,
        corpus,
        stats,
        prunes,
        distinct,
    })
}
