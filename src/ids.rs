//! The corpus as word ids, where training reads it from: memory, or a temporary file once the
//! corpus is too large for memory (see [`crate::spill`]). Training sees one interface: chunks
//! of sentences, read one at a time into a thread's own buffers.

use std::ops::Range;
use std::path::PathBuf;

use crate::corpus::EncodedCorpus;
use crate::error::Result;
use crate::spill::{ProvisionalSpill, SpilledCorpus};
use crate::train::CHUNK_WORDS;

/// Corpora up to this many words stay in memory by default (64 MiB of ids, less than the
/// model of a typical vocabulary); larger ones are spilled, so memory stops growing with the
/// corpus. Reading a spilled chunk costs a system call and a varint decode per 10,000 words,
/// invisible next to training them, so the limit only spares small runs the disk.
pub const SPILL_ABOVE_WORDS: u64 = 1 << 24;

/// Where the corpus's ids are kept between the scan and training.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CorpusStorage {
    /// In memory, whatever its size (4 bytes a word).
    Memory,
    /// In memory up to `above_words` words, then in an unlinked temporary file in `dir`
    /// (created before any text is read, so an unusable folder fails at once).
    Spill { dir: PathBuf, above_words: u64 },
}

/// Collects provisional ids while the corpus is counted: in memory, then (past the limit)
/// in a spill file.
pub(crate) struct IdWriter {
    memory: EncodedCorpus,
    spill: Option<ProvisionalSpill>,
    spilling: bool,
    above_words: u64,
}

impl IdWriter {
    pub(crate) fn new(storage: &CorpusStorage) -> Result<Self> {
        let (spill, above_words) = match storage {
            CorpusStorage::Memory => (None, u64::MAX),
            CorpusStorage::Spill { dir, above_words } => {
                (Some(ProvisionalSpill::new(dir)?), *above_words)
            }
        };
        Ok(IdWriter {
            memory: EncodedCorpus::default(),
            spilling: spill.is_some() && above_words == 0,
            spill,
            above_words,
        })
    }

    #[inline]
    pub(crate) fn push(&mut self, id: u32) -> Result<()> {
        if self.spilling {
            return self.spill_mut().push(id);
        }
        self.memory.push(id);
        if self.memory.ids.len() as u64 >= self.above_words {
            self.start_spilling()?;
        }
        Ok(())
    }

    #[inline]
    pub(crate) fn end_sentence(&mut self) -> Result<()> {
        if self.spilling {
            return self.spill_mut().end_sentence();
        }
        self.memory.end_sentence();
        Ok(())
    }

    /// Renumbers the ids after the vocabulary was pruned.
    pub(crate) fn remap(&mut self, map: &[u32]) -> Result<()> {
        if self.spilling {
            return self.spill_mut().remap(map);
        }
        self.memory.remap(map);
        Ok(())
    }

    /// Rewrites the ids as ranks (`map`: provisional id → rank or `DROPPED`).
    pub(crate) fn finish(mut self, map: &[u32], vocab_len: usize) -> Result<Corpus> {
        if self.spilling {
            let spill = self.spill.take().expect("spilling without a file");
            return Ok(Corpus::spilled(spill.finish(map, vocab_len)?));
        }
        self.memory.end_sentence();
        self.memory.remap(map);
        Ok(Corpus::in_memory(self.memory))
    }

    fn spill_mut(&mut self) -> &mut ProvisionalSpill {
        self.spill.as_mut().expect("spilling without a file")
    }

    /// Moves what memory holds into the file; from now on every id goes there.
    #[cold]
    fn start_spilling(&mut self) -> Result<()> {
        let memory = std::mem::take(&mut self.memory);
        self.spill_mut()
            .take_from_memory(&memory.ids, &memory.ends)?;
        self.spilling = true;
        Ok(())
    }
}

/// The corpus as ranks in the vocabulary, in memory or spilled, cut into units of training
/// work of about [`CHUNK_WORDS`] words (whole sentences).
#[derive(Debug)]
pub struct Corpus(Stored);

#[derive(Debug)]
enum Stored {
    Memory {
        corpus: EncodedCorpus,
        /// Sentence ranges of the chunks.
        chunks: Vec<Range<usize>>,
    },
    Spilled(SpilledCorpus),
}

impl Corpus {
    pub fn in_memory(corpus: EncodedCorpus) -> Self {
        let chunks = corpus.chunks(CHUNK_WORDS);
        Corpus(Stored::Memory { corpus, chunks })
    }

    fn spilled(spilled: SpilledCorpus) -> Self {
        Corpus(Stored::Spilled(spilled))
    }

    /// Words in all sentences.
    pub fn words(&self) -> u64 {
        match &self.0 {
            Stored::Memory { corpus, .. } => corpus.ids.len() as u64,
            Stored::Spilled(s) => s.words(),
        }
    }

    /// Units of training work.
    pub fn chunks(&self) -> usize {
        match &self.0 {
            Stored::Memory { chunks, .. } => chunks.len(),
            Stored::Spilled(s) => s.chunks(),
        }
    }

    /// The most disk the temporary file(s) took at once, if the corpus was spilled.
    pub fn spill_bytes(&self) -> Option<u64> {
        match &self.0 {
            Stored::Memory { .. } => None,
            Stored::Spilled(s) => Some(s.peak_bytes),
        }
    }

    /// A reader with its own buffers, one per training thread.
    pub(crate) fn reader(&self) -> ChunkReader<'_> {
        ChunkReader {
            corpus: self,
            bytes: Vec::new(),
            ids: Vec::new(),
            ends: Vec::new(),
        }
    }
}

/// Reads chunks of a [`Corpus`]; a spilled chunk is decoded into the reader's buffers (about
/// [`CHUNK_WORDS`] words), an in-memory one is borrowed as it is.
pub(crate) struct ChunkReader<'a> {
    corpus: &'a Corpus,
    bytes: Vec<u8>,
    ids: Vec<u32>,
    ends: Vec<usize>,
}

impl ChunkReader<'_> {
    /// Chunk `c`'s sentences, or `None` past the last chunk.
    #[inline]
    pub(crate) fn read(&mut self, c: usize) -> Result<Option<ChunkView<'_>>> {
        match &self.corpus.0 {
            Stored::Memory { corpus, chunks } => Ok(chunks.get(c).map(|range| ChunkView {
                ids: &corpus.ids,
                start: range.start.checked_sub(1).map_or(0, |s| corpus.ends[s]),
                ends: &corpus.ends[range.clone()],
            })),
            Stored::Spilled(spilled) => {
                if c >= spilled.chunks() {
                    return Ok(None);
                }
                spilled.read_chunk(c, &mut self.bytes, &mut self.ids, &mut self.ends)?;
                Ok(Some(ChunkView {
                    ids: &self.ids,
                    start: 0,
                    ends: &self.ends,
                }))
            }
        }
    }
}

/// One chunk's sentences: the first is `ids[start..ends[0]]`, then `ids[ends[i-1]..ends[i]]`.
pub(crate) struct ChunkView<'a> {
    ids: &'a [u32],
    start: usize,
    ends: &'a [usize],
}

impl<'a> ChunkView<'a> {
    #[inline]
    pub(crate) fn sentences(&self) -> impl Iterator<Item = &'a [u32]> + 'a {
        let ids = self.ids;
        let mut start = self.start;
        self.ends.iter().map(move |&end| {
            let sentence = &ids[start..end];
            start = end;
            sentence
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sentences_of(corpus: &Corpus) -> Vec<Vec<Vec<u32>>> {
        let mut reader = corpus.reader();
        let mut out = Vec::new();
        for c in 0.. {
            let Some(view) = reader.read(c).unwrap() else {
                break;
            };
            out.push(view.sentences().map(<[u32]>::to_vec).collect());
        }
        assert_eq!(out.len(), corpus.chunks());
        out
    }

    /// Writes the same ids (with a prune in the middle) through each storage.
    fn corpus(storage: CorpusStorage) -> Corpus {
        let mut w = IdWriter::new(&storage).unwrap();
        for s in 0..4000u32 {
            for i in 0..(s % 11) {
                w.push((s + i * 13) % 50).unwrap();
            }
            w.end_sentence().unwrap();
            if s == 1500 {
                // Ids 40.. pruned, the rest renumbered.
                let map: Vec<u32> = (0..50)
                    .map(|i| if i < 40 { 39 - i } else { u32::MAX })
                    .collect();
                w.remap(&map).unwrap();
            }
        }
        let map: Vec<u32> = (0..50)
            .map(|i| if i % 7 == 3 { u32::MAX } else { i })
            .collect();
        w.finish(&map, 50).unwrap()
    }

    #[test]
    fn every_storage_gives_the_same_chunks() {
        let dir = tempfile::tempdir().unwrap();
        let memory = corpus(CorpusStorage::Memory);
        assert!(memory.chunks() >= 2);
        assert_eq!(memory.spill_bytes(), None);
        for above_words in [0, 1, 9_999, 30_000, u64::MAX] {
            let storage = CorpusStorage::Spill {
                dir: dir.path().to_path_buf(),
                above_words,
            };
            let other = corpus(storage);
            assert_eq!(other.words(), memory.words(), "above {above_words}");
            assert_eq!(
                sentences_of(&other),
                sentences_of(&memory),
                "above {above_words}"
            );
            assert_eq!(other.spill_bytes().is_some(), above_words < memory.words());
        }
        // The files were unlinked from the start.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
