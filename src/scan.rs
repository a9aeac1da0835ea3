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

/// Reads `inputs`, counting words (or, with `read_vocab`, using that file's words and counts),
/// and applies `min_count`; the ids are kept as `storage` says. `on_bytes` is told of every
/// block read, for progress.
pub fn scan(
    inputs: &[Input],
    options: TokenizeOptions,
    min_count: u64,
    max_vocab: Option<usize>,
    read_vocab: Option<&Path>,
    storage: &CorpusStorage,
    on_bytes: impl FnMut(u64),
) -> Result<Scanned> {
    let mut builder = match read_vocab {
        Some(path) => VocabBuilder::frozen(read_counts(path)?),
        None => VocabBuilder::new(max_vocab),
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
    Ok(Scanned {
        vocab,
        corpus,
        stats,
        prunes,
        distinct,
    })
}
