//! Reading text: bytes in bounded chunks → tokens → sentence breaks.
//!
//! Nothing here ever holds a whole line: a text8-style corpus (one 100 MB line) streams through
//! a fixed-size buffer. Chunks are cut at ASCII whitespace, which never occurs inside a UTF-8
//! multi-byte sequence or inside a token, so cutting never changes the tokens.

use std::io;
use std::path::PathBuf;

use unicode_segmentation::UnicodeSegmentation;

use crate::error::{Error, Result};
use crate::source::Source;

/// word2vec's MAX_SENTENCE_LENGTH: longer lines are cut into pieces of this many words.
pub(crate) const MAX_SENTENCE_WORDS: usize = 1000;
/// Longer words are cut at a character boundary (word2vec cuts at 99 bytes).
pub(crate) const MAX_WORD_BYTES: usize = 100;
const CHUNK_BYTES: usize = 1 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Tokenizer {
    /// UAX #29 word boundaries, keeping segments with a letter or digit.
    Unicode,
    /// Split on ASCII whitespace exactly like word2vec C.
    Whitespace,
}

#[derive(Debug, Clone, Copy)]
pub struct TokenizeOptions {
    pub tokenizer: Tokenizer,
    pub lowercase: bool,
}

/// Where text comes from: a file, or standard input (`-`); either may be compressed (see
/// [`crate::source`]). Folders are listed into files by [`crate::source::expand_folders`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Path(PathBuf),
    Stdin,
}

impl Input {
    pub fn parse(arg: &str) -> Input {
        if arg == "-" {
            Input::Stdin
        } else {
            Input::Path(PathBuf::from(arg))
        }
    }

    pub fn display_name(&self) -> String {
        match self {
            Input::Path(p) => p.display().to_string(),
            Input::Stdin => "<stdin>".to_string(),
        }
    }
}

/// What the tokenizer hands on: a word, or the end of a sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Token<'a> {
    Word(&'a str),
    SentenceEnd,
}

/// Totals over all inputs, for the summary and the invalid-UTF-8 warning.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ReadStats {
    pub bytes: u64,
    pub invalid_utf8_bytes: u64,
    pub words: u64,
    pub truncated_words: u64,
}

/// Reads every input in turn and calls `sink` for each token; sentences never exceed
/// [`MAX_SENTENCE_WORDS`] and every input ends with a sentence break. `on_bytes` is told the
/// raw bytes read from each file (compressed bytes for a compressed one), to match file sizes.
#[allow(
    dead_code,
    reason = "for readers whose sink cannot fail; scan's can (see try_read_tokens)"
)]
pub(crate) fn read_tokens(
    inputs: &[Input],
    options: TokenizeOptions,
    on_bytes: impl FnMut(u64),
    mut sink: impl FnMut(Token<'_>),
) -> Result<ReadStats> {
    try_read_tokens(inputs, options, on_bytes, |token| {
        sink(token);
        Ok(())
    })
}

/// [`read_tokens`] with a sink that can fail (e.g. writing the ids to disk): its first error
/// stops reading at once.
pub(crate) fn try_read_tokens(
    inputs: &[Input],
    options: TokenizeOptions,
    mut on_bytes: impl FnMut(u64),
    mut sink: impl FnMut(Token<'_>) -> Result<()>,
) -> Result<ReadStats> {
    let mut stats = ReadStats::default();
    for input in inputs {
        let mut source = Source::open(input)?;
        let text_before = stats.bytes;
        let mut state = Tokenizing {
            options,
            stats: &mut stats,
            sentence_words: 0,
            lowered: String::new(),
        };
        let result = state.run(&mut source, &input.display_name(), &mut on_bytes, &mut sink);
        match result {
            Ok(inner) => inner?,
            Err(e) => return Err(source.read_error(input, stats.bytes - text_before, e)),
        }
    }
    Ok(stats)
}

struct Tokenizing<'s> {
    options: TokenizeOptions,
    stats: &'s mut ReadStats,
    sentence_words: usize,
    lowered: String,
}

impl Tokenizing<'_> {
    /// The outer `io::Result` is a read error; the inner one rejects compressed input.
    fn run(
        &mut self,
        source: &mut Source,
        name: &str,
        on_bytes: &mut impl FnMut(u64),
        sink: &mut impl FnMut(Token<'_>) -> Result<()>,
    ) -> io::Result<Result<()>> {
        let mut buf = vec![0u8; CHUNK_BYTES];
        let mut filled = 0usize;
        let mut first = true;
        // After a forced cut inside an endless run of non-whitespace, the rest of that run is
        // the tail of an over-long word and is dropped.
        let mut skip_word_tail = false;
        let mut raw_reported = 0;
        loop {
            let n = match source.text.read(&mut buf[filled..]) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            filled += n;
            self.stats.bytes += n as u64;
            let raw = source.raw_bytes();
            on_bytes(raw - raw_reported);
            raw_reported = raw;
            if first {
                // Judge the input on a sample before tokenizing any of it.
                if filled < SNIFF_BYTES && n != 0 {
                    continue;
                }
                first = false;
                if let Some(problem) = not_text(&buf[..filled]) {
                    return Ok(Err(Error::NotText {
                        input: name.to_string(),
                        problem: problem.to_string(),
                    }));
                }
            }
            let eof = n == 0;
            let cut = if eof {
                filled
            } else if let Some(pos) = buf[..filled].iter().rposition(|b| b.is_ascii_whitespace()) {
                pos + 1
            } else if filled == buf.len() {
                // No whitespace in a whole chunk: cut at a character boundary.
                let mut cut = filled;
                while cut > 0 && (buf[cut - 1] & 0xC0) == 0x80 {
                    cut -= 1;
                }
                if cut > 0 && buf[cut - 1] >= 0xC0 {
                    cut -= 1;
                }
                if cut == 0 {
                    cut = filled;
                }
                cut
            } else {
                continue;
            };
            let mut start = 0;
            if skip_word_tail {
                start = buf[..cut]
                    .iter()
                    .position(|b| b.is_ascii_whitespace())
                    .unwrap_or(cut);
                skip_word_tail = start == cut;
            }
            let forced = !eof && cut > 0 && !buf[cut - 1].is_ascii_whitespace();
            if let Err(e) = self.piece(&buf[start..cut], sink) {
                return Ok(Err(e));
            }
            if forced {
                skip_word_tail = true;
            }
            buf.copy_within(cut..filled, 0);
            filled -= cut;
            if eof {
                break;
            }
        }
        Ok(self.end_sentence(sink))
    }

    fn piece(
        &mut self,
        bytes: &[u8],
        sink: &mut impl FnMut(Token<'_>) -> Result<()>,
    ) -> Result<()> {
        let owned;
        let text = match std::str::from_utf8(bytes) {
            Ok(s) => s,
            Err(_) => {
                let mut s = String::with_capacity(bytes.len());
                for chunk in bytes.utf8_chunks() {
                    s.push_str(chunk.valid());
                    if !chunk.invalid().is_empty() {
                        self.stats.invalid_utf8_bytes += chunk.invalid().len() as u64;
                        s.push(char::REPLACEMENT_CHARACTER);
                    }
                }
                owned = s;
                &owned
            }
        };
        let mut lines = text.split('\n').peekable();
        while let Some(line) = lines.next() {
            match self.options.tokenizer {
                Tokenizer::Whitespace => {
                    // A stray NUL separates words rather than hiding inside one.
                    let separators = |c: char| c.is_ascii_whitespace() || c == '\0';
                    for w in line.split(separators).filter(|w| !w.is_empty()) {
                        self.word(w, sink)?;
                    }
                }
                Tokenizer::Unicode => {
                    for w in line.unicode_words() {
                        self.word(w, sink)?;
                    }
                }
            }
            if lines.peek().is_some() {
                self.end_sentence(sink)?;
            }
        }
        Ok(())
    }

    fn word(&mut self, word: &str, sink: &mut impl FnMut(Token<'_>) -> Result<()>) -> Result<()> {
        let mut word = word;
        if word.len() > MAX_WORD_BYTES {
            let mut end = MAX_WORD_BYTES;
            while !word.is_char_boundary(end) {
                end -= 1;
            }
            word = &word[..end];
            self.stats.truncated_words += 1;
        }
        if self.options.lowercase && word.chars().any(char::is_uppercase) {
            self.lowered.clear();
            self.lowered
                .extend(word.chars().flat_map(char::to_lowercase));
            sink(Token::Word(&self.lowered))?;
        } else {
            sink(Token::Word(word))?;
        }
        self.stats.words += 1;
        self.sentence_words += 1;
        if self.sentence_words == MAX_SENTENCE_WORDS {
            self.end_sentence(sink)?;
        }
        Ok(())
    }

    fn end_sentence(&mut self, sink: &mut impl FnMut(Token<'_>) -> Result<()>) -> Result<()> {
        if self.sentence_words > 0 {
            self.sentence_words = 0;
            sink(Token::SentenceEnd)?;
        }
        Ok(())
    }
}

const SNIFF_BYTES: usize = 64 * 1024;

/// Why the start of an (already decompressed) input is not plain text, if it is not: a zip
/// archive, compressed twice, or binary (many NUL bytes, or mostly invalid UTF-8). Occasional
/// NULs and bad bytes are tolerated.
fn not_text(sample: &[u8]) -> Option<String> {
    match compressed_kind(sample) {
        Some("zip") => {
            return Some("looks like a zip archive, not text; unzip it first".into());
        }
        Some(kind) => {
            return Some(format!(
                "is still {kind}-compressed after decompressing; decompress it once first"
            ));
        }
        None => {}
    }
    let nuls = sample.iter().filter(|&&b| b == 0).count();
    if nuls > 16 && nuls * 100 > sample.len() {
        return Some(format!(
            "looks like a binary file, not text ({nuls} NUL bytes in the first {} bytes)",
            sample.len()
        ));
    }
    let invalid: usize = sample.utf8_chunks().map(|c| c.invalid().len()).sum();
    // A sample may end inside a character: allow for the last few bytes.
    if invalid > 3 && invalid * 10 > sample.len() * 3 {
        return Some(format!(
            "looks like a binary file, not text ({invalid} of the first {} bytes are not UTF-8)",
            sample.len()
        ));
    }
    None
}

/// Names the compression format when the first bytes carry its magic number.
fn compressed_kind(head: &[u8]) -> Option<&'static str> {
    const MAGICS: [(&[u8], &str); 5] = [
        (&[0x1f, 0x8b], "gzip"),
        (b"BZh", "bzip2"),
        (&[0xfd, b'7', b'z', b'X', b'Z', 0x00], "xz"),
        (&[0x28, 0xb5, 0x2f, 0xfd], "zstd"),
        (b"PK\x03\x04", "zip"),
    ];
    MAGICS
        .iter()
        .find(|(magic, _)| head.starts_with(magic))
        .map(|(_, kind)| *kind)
}

/// The corpus as vocabulary ids, built once so that epochs do not re-read or re-tokenize text.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct EncodedCorpus {
    /// Word ids of all sentences back to back.
    pub ids: Vec<u32>,
    /// `ids[ends[i-1]..ends[i]]` is sentence i.
    pub ends: Vec<usize>,
}

/// Marks an id whose word was dropped (below min-count or pruned).
pub(crate) const DROPPED: u32 = u32::MAX;

impl EncodedCorpus {
    pub fn push(&mut self, id: u32) {
        self.ids.push(id);
    }

    pub(crate) fn end_sentence(&mut self) {
        if self.ends.last().copied().unwrap_or(0) < self.ids.len() {
            self.ends.push(self.ids.len());
        }
    }

    pub fn sentences(&self) -> usize {
        self.ends.len()
    }

    pub fn sentence(&self, i: usize) -> &[u32] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.ids[start..self.ends[i]]
    }

    /// Rewrites ids through `map`, dropping words mapped to [`DROPPED`] and empty sentences.
    pub(crate) fn remap(&mut self, map: &[u32]) {
        let mut write = 0;
        let mut start = 0;
        let mut ends_out = 0;
        for s in 0..self.ends.len() {
            let end = self.ends[s];
            for read in start..end {
                let new = map[self.ids[read] as usize];
                if new != DROPPED {
                    self.ids[write] = new;
                    write += 1;
                }
            }
            start = end;
            let prev = if ends_out == 0 {
                0
            } else {
                self.ends[ends_out - 1]
            };
            if write > prev {
                self.ends[ends_out] = write;
                ends_out += 1;
            }
        }
        // Ids after the last break belong to a sentence still being read.
        for read in start..self.ids.len() {
            let new = map[self.ids[read] as usize];
            if new != DROPPED {
                self.ids[write] = new;
                write += 1;
            }
        }
        self.ids.truncate(write);
        self.ends.truncate(ends_out);
        self.ids.shrink_to_fit();
        self.ends.shrink_to_fit();
    }

    /// Splits sentences into consecutive ranges of about `words` words each, the unit of work
    /// that threads take in turn.
    pub fn chunks(&self, words: usize) -> Vec<std::ops::Range<usize>> {
        let mut chunks = Vec::new();
        let mut first = 0;
        let mut chunk_start_word = 0;
        for (i, &end) in self.ends.iter().enumerate() {
            if end - chunk_start_word >= words {
                chunks.push(first..i + 1);
                first = i + 1;
                chunk_start_word = end;
            }
        }
        if first < self.ends.len() {
            chunks.push(first..self.ends.len());
        }
        chunks
    }
}

/// Path shown in messages for an input list.
pub(crate) fn describe_inputs(inputs: &[Input]) -> String {
    let names: Vec<String> = inputs.iter().map(Input::display_name).collect();
    names.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn tokens_of(bytes: &[u8], tokenizer: Tokenizer, lowercase: bool) -> (Vec<String>, ReadStats) {
        let dir = std::env::temp_dir().join(format!(
            "w2v-corpus-test-{}-{}",
            std::process::id(),
            rand::random::<u64>()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("c.txt");
        std::fs::File::create(&path)
            .unwrap()
            .write_all(bytes)
            .unwrap();
        let mut out = Vec::new();
        let stats = read_tokens(
            &[Input::Path(path)],
            TokenizeOptions {
                tokenizer,
                lowercase,
            },
            |_| {},
            |t| match t {
                Token::Word(w) => out.push(w.to_string()),
                Token::SentenceEnd => out.push("</s>".to_string()),
            },
        )
        .unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        (out, stats)
    }

    #[test]
    fn whitespace_tokenizer_splits_like_word2vec() {
        let (t, _) = tokens_of(
            b"the cat\tsat\r\n\non  the mat",
            Tokenizer::Whitespace,
            false,
        );
        assert_eq!(t, ["the", "cat", "sat", "</s>", "on", "the", "mat", "</s>"]);
    }

    #[test]
    fn unicode_tokenizer_keeps_words_and_numbers_only() {
        let (t, _) = tokens_of(
            "Hello, world! It's 2024 — naïve café.\n".as_bytes(),
            Tokenizer::Unicode,
            true,
        );
        assert_eq!(
            t,
            ["hello", "world", "it's", "2024", "naïve", "café", "</s>"]
        );
    }

    #[test]
    fn long_line_is_cut_into_bounded_sentences() {
        let text = "w ".repeat(2500);
        let (t, stats) = tokens_of(text.as_bytes(), Tokenizer::Whitespace, false);
        let breaks: Vec<usize> = t
            .iter()
            .enumerate()
            .filter(|(_, w)| *w == "</s>")
            .map(|(i, _)| i)
            .collect();
        assert_eq!(breaks, [1000, 2001, 2502]);
        assert_eq!(stats.words, 2500);
    }

    #[test]
    fn words_are_cut_at_a_char_boundary() {
        let long = "é".repeat(80); // 160 bytes
        let (t, stats) = tokens_of(long.as_bytes(), Tokenizer::Whitespace, false);
        assert_eq!(t[0], "é".repeat(50));
        assert_eq!(stats.truncated_words, 1);
    }

    #[test]
    fn invalid_utf8_is_replaced_and_counted() {
        let (t, stats) = tokens_of(b"ab\xff\xfecd ok\n", Tokenizer::Whitespace, false);
        assert_eq!(t, ["ab\u{fffd}\u{fffd}cd", "ok", "</s>"]);
        assert_eq!(stats.invalid_utf8_bytes, 2);
    }

    #[test]
    fn chunk_boundaries_do_not_change_tokens() {
        // Words straddle the 1 MiB chunk boundary many times over.
        let mut text = String::new();
        let mut expected = Vec::new();
        let mut i = 0u64;
        while text.len() < 3 * CHUNK_BYTES {
            let w = format!("w{}é{}", i % 977, "x".repeat((i % 13) as usize));
            text.push_str(&w);
            expected.push(w);
            text.push(if i % 5000 == 4999 { '\n' } else { ' ' });
            i += 1;
        }
        let (t, _) = tokens_of(text.as_bytes(), Tokenizer::Whitespace, false);
        let words: Vec<String> = t.into_iter().filter(|w| w != "</s>").collect();
        assert_eq!(words, expected);
    }

    #[test]
    fn endless_word_is_truncated_once_and_rest_skipped() {
        let mut text = "a ".to_string();
        text.push_str(&"z".repeat(3 * CHUNK_BYTES));
        text.push_str(" b\n");
        let (t, stats) = tokens_of(text.as_bytes(), Tokenizer::Whitespace, false);
        assert_eq!(t, ["a", &"z".repeat(MAX_WORD_BYTES), "b", "</s>"]);
        assert_eq!(stats.truncated_words, 1);
    }

    fn gzip(text: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(text).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn gzip_input_reads_the_same_tokens_as_plain() {
        let text = b"the cat sat\non the mat\n";
        let plain = tokens_of(text, Tokenizer::Whitespace, false);
        let zipped = tokens_of(&gzip(text), Tokenizer::Whitespace, false);
        assert_eq!(zipped.0, plain.0);
        assert_eq!(zipped.1, plain.1);
    }

    #[test]
    fn truncated_gzip_is_an_error_naming_the_file_and_the_text_read() {
        let text: Vec<u8> = (0..200_000u32)
            .flat_map(|i| format!("w{} ", i.wrapping_mul(2654435761) % 5000).into_bytes())
            .collect();
        let mut bytes = gzip(&text);
        bytes.truncate(bytes.len() / 2);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.txt.gz");
        std::fs::write(&path, bytes).unwrap();
        let err = read_tokens(
            &[Input::Path(path.clone())],
            TokenizeOptions {
                tokenizer: Tokenizer::Whitespace,
                lowercase: false,
            },
            |_| {},
            |_| {},
        )
        .unwrap_err();
        let Error::Decompress {
            input,
            format,
            bytes_out,
            ..
        } = &err
        else {
            panic!("not a decompression error: {err}");
        };
        assert_eq!(input, &path.display().to_string());
        assert_eq!(*format, "gzip");
        assert!(*bytes_out > 0 && *bytes_out < text.len() as u64, "{err}");
        assert!(err.to_string().contains("ends early"), "{err}");
    }

    #[test]
    fn remap_drops_words_and_empty_sentences() {
        let mut c = EncodedCorpus::default();
        for s in [&[0u32, 1, 2][..], &[1, 1], &[2, 0]] {
            for &id in s {
                c.push(id);
            }
            c.end_sentence();
        }
        c.push(2);
        c.push(1);
        c.remap(&[10, DROPPED, 12]);
        assert_eq!(c.ids, [10, 12, 12, 10, 12]);
        assert_eq!(c.ends, [2, 4]);
        assert_eq!(c.sentence(1), &[12, 10]);
    }

    #[test]
    fn chunks_cover_all_sentences_in_order() {
        let mut c = EncodedCorpus::default();
        for len in [3usize, 5, 1, 7, 2, 2, 9] {
            for _ in 0..len {
                c.push(0);
            }
            c.end_sentence();
        }
        let chunks = c.chunks(6);
        assert_eq!(chunks, vec![0..2, 2..4, 4..7]);
    }
}
