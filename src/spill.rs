//! The corpus's word ids in a temporary file, so that memory does not grow with the corpus.
//!
//! Format: a word is the LEB128 varint of its id + 1 (the ranks of frequent words take one
//! byte); a sentence end is one 0 byte, which no word's encoding starts with. Sentences are
//! never empty. The final file (ids are ranks) comes with an in-memory index of where each
//! unit of training work (see [`CHUNK_WORDS`]) starts, so threads read their chunks with
//! positional reads and decode them into bounded buffers.
//!
//! Files are created already unlinked (tempfile's way: `O_TMPFILE`, or create and remove at
//! once), so they vanish however the process ends: success, an error, a second Ctrl-C that
//! exits at once, or a crash. Nothing is ever left behind to clean up.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::corpus::DROPPED;
use crate::error::{Error, Result, SpillStep};
use crate::train::CHUNK_WORDS;

/// The sentence-end byte.
const END: u8 = 0;
/// LEB128 of a u32 id + 1 takes at most 5 bytes.
const MAX_WORD_BYTES: usize = 5;
/// Block size for the sequential rewrites.
const BLOCK_BYTES: usize = 1 << 20;

/// Appends one word's encoding to `out`.
#[inline]
fn encode_word(id: u32, out: &mut [u8; MAX_WORD_BYTES]) -> usize {
    let mut v = id as u64 + 1;
    let mut n = 0;
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out[n] = byte;
            return n + 1;
        }
        out[n] = byte | 0x80;
        n += 1;
    }
}

/// What a damaged spill looks like, for [`Error::Spill`].
fn damaged(what: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.into())
}

/// Decodes a byte stream that may be cut anywhere (a varint may straddle two blocks).
#[derive(Debug, Default)]
struct Decoder {
    value: u64,
    shift: u32,
}

/// One decoded item: a word id, or `None` for a sentence end.
type Item = Option<u32>;

impl Decoder {
    /// Calls `f` for each complete item in `bytes`; ids must be below `limit`.
    #[inline]
    fn feed(
        &mut self,
        bytes: &[u8],
        limit: u32,
        mut f: impl FnMut(Item) -> io::Result<()>,
    ) -> io::Result<()> {
        for &b in bytes {
            if self.shift == 0 && b == END {
                f(None)?;
                continue;
            }
            self.value |= ((b & 0x7f) as u64) << self.shift;
            if b & 0x80 != 0 {
                self.shift += 7;
                if self.shift >= 7 * MAX_WORD_BYTES as u32 {
                    return Err(damaged("a word id longer than 5 bytes"));
                }
                continue;
            }
            let id = self.value.wrapping_sub(1);
            if self.value == 0 || id >= limit as u64 {
                return Err(damaged(format!(
                    "word id {} out of range (the vocabulary has {limit} words)",
                    self.value as i64 - 1
                )));
            }
            self.value = 0;
            self.shift = 0;
            f(Some(id as u32))?;
        }
        Ok(())
    }

    /// Whether the bytes so far ended at an item boundary.
    fn at_boundary(&self) -> bool {
        self.shift == 0 && self.value == 0
    }
}

/// An unlinked temporary file in `dir`.
fn create(dir: &Path) -> Result<File> {
    tempfile::tempfile_in(dir).map_err(|e| Error::spill(dir, SpillStep::Create, e))
}

/// Reads exactly `buf.len()` bytes at `offset`.
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    #[cfg(unix)]
    {
        std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
    }
    #[cfg(windows)]
    {
        let (mut done, mut buf) = (0u64, buf);
        while !buf.is_empty() {
            match std::os::windows::fs::FileExt::seek_read(file, buf, offset + done) {
                Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
                Ok(n) => {
                    buf = &mut buf[n..];
                    done += n as u64;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

/// Bytes written through a buffer, counted.
struct Writer {
    out: BufWriter<File>,
    bytes: u64,
}

impl Writer {
    fn new(file: File) -> Self {
        Writer {
            out: BufWriter::with_capacity(BLOCK_BYTES, file),
            bytes: 0,
        }
    }

    #[inline]
    fn word(&mut self, id: u32) -> io::Result<()> {
        let mut buf = [0; MAX_WORD_BYTES];
        let n = encode_word(id, &mut buf);
        self.bytes += n as u64;
        self.out.write_all(&buf[..n])
    }

    #[inline]
    fn end(&mut self) -> io::Result<()> {
        self.bytes += 1;
        self.out.write_all(&[END])
    }

    fn into_file(self) -> io::Result<File> {
        self.out.into_inner().map_err(|e| e.into_error())
    }
}

/// The provisional ids of the corpus read so far, spilled while counting. Pruning and the
/// final vocabulary rewrite the file through an id map, as [`crate::corpus::EncodedCorpus`]
/// is remapped in memory.
pub(crate) struct ProvisionalSpill {
    dir: PathBuf,
    writer: Writer,
    /// Words of the sentence being written (not yet ended).
    sentence_words: u64,
    /// The most disk the files took at once.
    peak_bytes: u64,
}

impl ProvisionalSpill {
    /// Creates the (empty) file at once, so an unusable `dir` fails before any text is read.
    pub(crate) fn new(dir: &Path) -> Result<Self> {
        Ok(ProvisionalSpill {
            dir: dir.to_path_buf(),
            writer: Writer::new(create(dir)?),
            sentence_words: 0,
            peak_bytes: 0,
        })
    }

    fn write_error(&self, e: io::Error) -> Error {
        Error::spill(&self.dir, SpillStep::Write, e)
    }

    #[inline]
    pub(crate) fn push(&mut self, id: u32) -> Result<()> {
        self.sentence_words += 1;
        self.writer.word(id).map_err(|e| self.write_error(e))
    }

    /// Ends the sentence, unless it is empty.
    #[inline]
    pub(crate) fn end_sentence(&mut self) -> Result<()> {
        if self.sentence_words == 0 {
            return Ok(());
        }
        self.sentence_words = 0;
        self.writer.end().map_err(|e| self.write_error(e))
    }

    /// Rewrites the ids through `map` (old id → new id or [`DROPPED`]), dropping empty
    /// sentences; the sentence being read stays open.
    pub(crate) fn remap(&mut self, map: &[u32]) -> Result<()> {
        self.sentence_words = self.copy_mapped(map, |_, _| {})?;
        Ok(())
    }

    /// Rewrites the ids as ranks (`map`: provisional id → rank or [`DROPPED`]) into the file
    /// training reads, indexing its chunks.
    pub(crate) fn finish(mut self, map: &[u32], vocab_len: usize) -> Result<SpilledCorpus> {
        self.end_sentence()?;
        let mut offsets = vec![0u64];
        let mut chunk_words = 0u64;
        let mut words = 0u64;
        self.copy_mapped(map, |bytes, sentence_words| {
            words += sentence_words;
            chunk_words += sentence_words;
            if chunk_words >= CHUNK_WORDS as u64 {
                offsets.push(bytes);
                chunk_words = 0;
            }
        })?;
        let bytes = self.writer.bytes;
        if chunk_words > 0 {
            offsets.push(bytes);
        }
        let file = self
            .writer
            .into_file()
            .map_err(|e| Error::spill(&self.dir, SpillStep::Write, e))?;
        Ok(SpilledCorpus {
            dir: self.dir,
            file,
            offsets,
            words,
            vocab_len: vocab_len as u32,
            peak_bytes: self.peak_bytes.max(bytes),
            bytes,
        })
    }

    /// Copies the file into a new one through `map`; `on_sentence(bytes written, words)`
    /// follows each sentence written. Returns the words of a trailing sentence not yet ended.
    fn copy_mapped(&mut self, map: &[u32], mut on_sentence: impl FnMut(u64, u64)) -> Result<u64> {
        let fresh = Writer::new(create(&self.dir)?);
        let old = std::mem::replace(&mut self.writer, fresh);
        let old_bytes = old.bytes;
        let old = old.into_file().map_err(|e| self.write_error(e))?;
        let dir = &self.dir;
        let new = &mut self.writer;
        let mut decoder = Decoder::default();
        let mut sentence = 0u64;
        let mut block = vec![0u8; BLOCK_BYTES.min(old_bytes as usize)];
        let mut offset = 0u64;
        // Errors from `new` are write errors; from `old`, read errors: tell them apart.
        let mut write_failed = None;
        while offset < old_bytes {
            let n = (old_bytes - offset).min(BLOCK_BYTES as u64) as usize;
            read_at(&old, &mut block[..n], offset)
                .map_err(|e| Error::spill(dir, SpillStep::Read, e))?;
            offset += n as u64;
            let fed = decoder.feed(&block[..n], map.len() as u32, |item| {
                let written = match item {
                    Some(id) => match map[id as usize] {
                        DROPPED => Ok(()),
                        new_id => {
                            sentence += 1;
                            new.word(new_id)
                        }
                    },
                    None if sentence > 0 => {
                        let r = new.end();
                        on_sentence(new.bytes, sentence);
                        sentence = 0;
                        r
                    }
                    None => Ok(()),
                };
                written.map_err(|e| {
                    write_failed = Some(e);
                    io::Error::other("write failed")
                })
            });
            if let Some(e) = write_failed.take() {
                return Err(Error::spill(dir, SpillStep::Write, e));
            }
            fed.map_err(|e| Error::spill(dir, SpillStep::Read, e))?;
        }
        if !decoder.at_boundary() {
            let e = damaged("the file ends inside a word id");
            return Err(Error::spill(dir, SpillStep::Read, e));
        }
        self.peak_bytes = self.peak_bytes.max(old_bytes + self.writer.bytes);
        Ok(sentence)
    }

    /// Moves `ids` (sentences ending at `ends`, then an open sentence) into the file.
    pub(crate) fn take_from_memory(&mut self, ids: &[u32], ends: &[usize]) -> Result<()> {
        let mut start = 0;
        for &end in ends {
            for &id in &ids[start..end] {
                self.push(id)?;
            }
            self.end_sentence()?;
            start = end;
        }
        for &id in &ids[start..] {
            self.push(id)?;
        }
        Ok(())
    }
}

/// The corpus as ranks in a temporary file, with where each chunk starts.
#[derive(Debug)]
pub(crate) struct SpilledCorpus {
    dir: PathBuf,
    file: File,
    /// Chunk `c` is bytes `offsets[c]..offsets[c + 1]`.
    offsets: Vec<u64>,
    words: u64,
    vocab_len: u32,
    /// The size of this file.
    bytes: u64,
    /// The most disk the spill took at once (while rewriting, two files exist).
    pub(crate) peak_bytes: u64,
}

impl SpilledCorpus {
    pub(crate) fn words(&self) -> u64 {
        self.words
    }

    pub(crate) fn chunks(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Decodes chunk `c` into `ids` and `ends` (`ids[ends[i-1]..ends[i]]` is sentence i),
    /// reading through `bytes`. A file that does not decode is an error, never a panic.
    pub(crate) fn read_chunk(
        &self,
        c: usize,
        bytes: &mut Vec<u8>,
        ids: &mut Vec<u32>,
        ends: &mut Vec<usize>,
    ) -> Result<()> {
        let read_error = |e| Error::spill(&self.dir, SpillStep::Read, e);
        let (start, end) = (self.offsets[c], self.offsets[c + 1]);
        if end > self.bytes || start > end {
            return Err(read_error(damaged(
                "chunk index beyond the end of the file",
            )));
        }
        bytes.resize((end - start) as usize, 0);
        read_at(&self.file, bytes, start).map_err(read_error)?;
        ids.clear();
        ends.clear();
        let mut decoder = Decoder::default();
        decoder
            .feed(bytes, self.vocab_len, |item| {
                match item {
                    Some(id) => ids.push(id),
                    None => ends.push(ids.len()),
                }
                Ok(())
            })
            .map_err(read_error)?;
        if !decoder.at_boundary() || ends.last() != Some(&ids.len()) || ids.is_empty() {
            return Err(read_error(damaged("a chunk does not end with a sentence")));
        }
        Ok(())
    }

    /// Overwrites part of the file, to test that damage is caught.
    #[cfg(all(test, unix))]
    fn overwrite(&self, offset: u64, bytes: &[u8]) {
        std::os::unix::fs::FileExt::write_all_at(&self.file, bytes, offset).unwrap();
    }

    #[cfg(all(test, unix))]
    fn truncate(&self, len: u64) {
        self.file.set_len(len).unwrap();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spill(sentences: &[&[u32]], open: &[u32]) -> ProvisionalSpill {
        let dir = std::env::temp_dir();
        let mut s = ProvisionalSpill::new(&dir).unwrap();
        for sentence in sentences {
            for &id in *sentence {
                s.push(id).unwrap();
            }
            s.end_sentence().unwrap();
        }
        for &id in open {
            s.push(id).unwrap();
        }
        s
    }

    fn all_sentences(c: &SpilledCorpus) -> Vec<Vec<u32>> {
        let (mut bytes, mut ids, mut ends) = (Vec::new(), Vec::new(), Vec::new());
        let mut out = Vec::new();
        for chunk in 0..c.chunks() {
            c.read_chunk(chunk, &mut bytes, &mut ids, &mut ends)
                .unwrap();
            let mut start = 0;
            for &end in &ends {
                out.push(ids[start..end].to_vec());
                start = end;
            }
        }
        out
    }

    #[test]
    fn varints_round_trip_at_every_length() {
        for id in [0, 1, 126, 127, 128, 16_382, 16_383, 1 << 21, u32::MAX - 1] {
            let mut buf = [0; MAX_WORD_BYTES];
            let n = encode_word(id, &mut buf);
            let mut got = Vec::new();
            let mut d = Decoder::default();
            // One byte at a time: a varint may straddle blocks.
            for b in &buf[..n] {
                d.feed(std::slice::from_ref(b), u32::MAX, |i| {
                    got.push(i);
                    Ok(())
                })
                .unwrap();
            }
            assert_eq!(got, [Some(id)], "id {id}");
            assert!(buf[0] != END);
        }
    }

    #[test]
    fn spill_round_trips_through_the_final_map() {
        let sentences: Vec<Vec<u32>> = (0..5000u32)
            .map(|s| (0..(s % 17 + 1)).map(|w| (s * 31 + w * 7) % 300).collect())
            .collect();
        let refs: Vec<&[u32]> = sentences.iter().map(|s| &s[..]).collect();
        // Ranks: id 300 - 1 - id, so the bytes change length.
        let map: Vec<u32> = (0..300).map(|i| 299 - i).collect();
        let c = spill(&refs, &[]).finish(&map, 300).unwrap();
        let expected: Vec<Vec<u32>> = sentences
            .iter()
            .map(|s| s.iter().map(|&i| 299 - i).collect())
            .collect();
        assert_eq!(all_sentences(&c), expected);
        let total: u64 = expected.iter().map(|s| s.len() as u64).sum();
        assert_eq!(c.words(), total);
        assert!(c.chunks() >= 4, "{} chunks", c.chunks());
    }

    /// The same cases as `EncodedCorpus::remap`: dropped words, emptied sentences, and a
    /// sentence still open.
    #[test]
    fn remap_drops_words_and_empty_sentences() {
        let mut s = spill(&[&[0, 1, 2], &[1, 1], &[2, 0]], &[2, 1]);
        s.remap(&[10, DROPPED, 12]).unwrap();
        assert_eq!(s.sentence_words, 1);
        s.push(10).unwrap();
        let c = s.finish(&(0..13).collect::<Vec<_>>(), 13).unwrap();
        assert_eq!(
            all_sentences(&c),
            [vec![10, 12], vec![12, 10], vec![12, 10]]
        );
        assert!(c.peak_bytes >= c.bytes);
    }

    #[test]
    fn chunks_match_the_in_memory_chunks() {
        let mut memory = crate::corpus::EncodedCorpus::default();
        let mut s = ProvisionalSpill::new(&std::env::temp_dir()).unwrap();
        for i in 0..3000u32 {
            for w in 0..(i % 29 + 1) {
                memory.push(w);
                s.push(w).unwrap();
            }
            memory.end_sentence();
            s.end_sentence().unwrap();
        }
        let c = s.finish(&(0..29).collect::<Vec<_>>(), 29).unwrap();
        let ranges = memory.chunks(CHUNK_WORDS);
        assert_eq!(c.chunks(), ranges.len());
        let (mut bytes, mut ids, mut ends) = (Vec::new(), Vec::new(), Vec::new());
        for (chunk, range) in ranges.iter().enumerate() {
            c.read_chunk(chunk, &mut bytes, &mut ids, &mut ends)
                .unwrap();
            assert_eq!(ends.len(), range.len(), "chunk {chunk}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn damaged_or_short_spill_is_an_error() {
        let corpus = || {
            spill(&[&[1, 2, 3], &[200, 4]], &[])
                .finish(&(0..300).collect::<Vec<_>>(), 300)
                .unwrap()
        };
        let mut buf = (Vec::new(), Vec::new(), Vec::new());
        let mut read = |c: &SpilledCorpus| c.read_chunk(0, &mut buf.0, &mut buf.1, &mut buf.2);
        // A word id beyond the vocabulary.
        let c = corpus();
        c.overwrite(0, &[0xff, 0x7f]);
        let e = read(&c).unwrap_err();
        assert!(e.to_string().contains("out of range"), "{e}");
        // A chunk that stops inside a word.
        let c = corpus();
        c.overwrite(c.bytes - 1, &[0x81]);
        let e = read(&c).unwrap_err();
        assert!(
            matches!(
                e,
                Error::Spill {
                    step: SpillStep::Read,
                    ..
                }
            ),
            "{e}"
        );
        // A file shorter than its index.
        let c = corpus();
        c.truncate(c.bytes - 2);
        let e = read(&c).unwrap_err();
        assert!(
            matches!(
                e,
                Error::Spill {
                    step: SpillStep::Read,
                    ..
                }
            ),
            "{e}"
        );
        assert!(!e.to_string().contains('\n'));
        // An endless varint.
        let c = corpus();
        c.overwrite(0, &[0xff; 6]);
        assert!(read(&c).is_err());
    }

    #[test]
    fn unusable_folder_is_an_error_naming_it() {
        let dir = std::env::temp_dir().join("w2v-no-such-folder-for-spill");
        let Err(e) = ProvisionalSpill::new(&dir) else {
            panic!("created a spill in a missing folder");
        };
        assert!(matches!(
            e,
            Error::Spill {
                step: SpillStep::Create,
                ..
            }
        ));
        assert!(
            e.to_string().contains("w2v-no-such-folder-for-spill"),
            "{e}"
        );
    }
}
