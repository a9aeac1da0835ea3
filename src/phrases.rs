//! Phrases: word2phrase's pass. Count words and adjacent word pairs, then read the text again
//! and join a pair `a b` into the one token `a_b` when
//! `(count(ab) − min_count) / (count(a) · count(b)) · total_words > threshold`.
//!
//! As in word2phrase: a word or pair seen fewer than `min_count` times never joins, a token
//! that was just joined is not joined again with the next word in the same pass (two passes
//! make phrases of up to four words), and the score is computed in `f32` in word2phrase's order
//! so that borderline pairs fall the same way. Unlike word2phrase, pairs never span a sentence
//! break (word2phrase counts pairs across line ends but never joins them), and a joined token
//! is a pair of tokens, not the string `a_b`, so a word `a_b` already in the text keeps its own
//! count.
//!
//! Memory stays bounded: when words plus pairs outgrow `max_entries`, the rarest are pruned as
//! word2vec's ReduceVocab does (drop counts ≤ k, then k + 1 next time).

use std::collections::HashMap;
use std::io::{self, Write};

use foldhash::fast::FixedState;

use crate::corpus::{read_tokens, Input, ReadStats, Token, TokenizeOptions};
use crate::error::{Error, Result, Setting};
use crate::vocab::WordMap;

/// word2phrase's defaults: threshold 100, minimum count 5.
pub const DEFAULT_THRESHOLD: f32 = 100.0;
pub const DEFAULT_MIN_COUNT: u64 = 5;
/// Words plus pairs kept while counting: about 300 MB of tables at most. bench-10m (10.8M
/// words) has about 3.6M, so ordinary corpora are never pruned.
pub const DEFAULT_MAX_ENTRIES: usize = 10_000_000;

/// One pass's settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PhraseSettings {
    pub threshold: f32,
    pub min_count: u64,
    pub max_entries: usize,
}

impl Default for PhraseSettings {
    fn default() -> Self {
        PhraseSettings {
            threshold: DEFAULT_THRESHOLD,
            min_count: DEFAULT_MIN_COUNT,
            max_entries: DEFAULT_MAX_ENTRIES,
        }
    }
}

impl PhraseSettings {
    pub fn check(&self) -> Result<()> {
        if !(self.threshold.is_finite() && self.threshold >= 0.0) {
            return Err(Error::setting(
                Setting::PhraseThreshold,
                format!("must be a number ≥ 0, not {}", self.threshold),
            ));
        }
        if self.max_entries < 2 {
            return Err(Error::setting(Setting::MaxVocab, "must be at least 2"));
        }
        Ok(())
    }
}

/// word2phrase's score, in `f32` and in its order of operations.
pub fn score(pair: u64, a: u64, b: u64, min_count: u64, total_words: u64) -> f32 {
    (pair - min_count) as f32 / a as f32 / b as f32 * total_words as f32
}

/// Word and pair counts of one text. Words get ids, so a pair is one `u64` key; pruning
/// renumbers the ids so they stay below `max_entries`.
#[derive(Debug)]
pub struct PhraseCounts {
    /// Word → (id, count).
    words: WordMap<(u32, u64)>,
    /// (id of a) << 32 | id of b → count.
    pairs: HashMap<u64, u64, FixedState>,
    total_words: u64,
    max_entries: usize,
    prune_at_most: u64,
    /// How often pruning ran: counts of rare words and pairs are then lower bounds.
    pub prunes: u32,
    /// The previous word's id in the current sentence.
    previous: Option<u32>,
}

fn pair_key(a: u32, b: u32) -> u64 {
    (u64::from(a) << 32) | u64::from(b)
}

impl PhraseCounts {
    pub fn new(max_entries: usize) -> Self {
        PhraseCounts {
            words: WordMap::default(),
            pairs: HashMap::default(),
            total_words: 0,
            max_entries,
            prune_at_most: 1,
            prunes: 0,
            previous: None,
        }
    }

    pub fn total_words(&self) -> u64 {
        self.total_words
    }

    /// Distinct words plus distinct pairs held.
    pub fn entries(&self) -> usize {
        self.words.len() + self.pairs.len()
    }

    pub fn word_count(&self, word: &str) -> u64 {
        self.words.get(word).map_or(0, |&(_, c)| c)
    }

    pub fn pair_count(&self, a: &str, b: &str) -> u64 {
        match (self.words.get(a), self.words.get(b)) {
            (Some(&(a, _)), Some(&(b, _))) => self.pairs.get(&pair_key(a, b)).copied().unwrap_or(0),
            _ => 0,
        }
    }

    pub(crate) fn add(&mut self, token: Token<'_>) {
        let word = match token {
            Token::Word(w) => w,
            Token::SentenceEnd => {
                self.previous = None;
                return;
            }
        };
        self.total_words += 1;
        let id = match self.words.get_mut(word) {
            Some((id, count)) => {
                *count += 1;
                *id
            }
            None => {
                let id = self.words.len() as u32;
                self.words.insert(word.into(), (id, 1));
                id
            }
        };
        if let Some(previous) = self.previous {
            *self.pairs.entry(pair_key(previous, id)).or_insert(0) += 1;
        }
        self.previous = Some(id);
        if self.entries() > self.max_entries {
            self.prune();
        }
    }

    /// Drops words and pairs seen at most k times (k rising by one each round) until the
    /// tables fit, and renumbers the surviving words densely.
    fn prune(&mut self) {
        while self.entries() > self.max_entries {
            let at_most = self.prune_at_most;
            let mut renumbered = vec![u32::MAX; self.words.len()];
            self.words.retain(|_, &mut (_, count)| count > at_most);
            for (next, (id, _)) in self.words.values_mut().enumerate() {
                renumbered[*id as usize] = next as u32;
                *id = next as u32;
            }
            // Draining keeps the table's allocation for the pairs still to come.
            let kept: Vec<(u64, u64)> = self
                .pairs
                .drain()
                .filter(|&(_, count)| count > at_most)
                .filter_map(|(key, count)| {
                    let a = renumbered[(key >> 32) as usize];
                    let b = renumbered[(key & 0xffff_ffff) as usize];
                    (a != u32::MAX && b != u32::MAX).then(|| (pair_key(a, b), count))
                })
                .collect();
            self.pairs.extend(kept);
            self.previous = self
                .previous
                .map(|p| renumbered[p as usize])
                .filter(|&p| p != u32::MAX);
            self.prune_at_most += 1;
            self.prunes += 1;
        }
    }
}

/// Joins pairs in a token stream: feed it tokens, it hands on the joined stream. A word is
/// held back until the next token shows whether the two join.
pub struct Joiner<'c> {
    counts: &'c PhraseCounts,
    threshold: f32,
    min_count: u64,
    /// The held-back token, and the id and count of its last word when it may still join
    /// (a known, frequent word that is not itself the result of a join).
    pending: String,
    has_pending: bool,
    joinable: Option<(u32, u64)>,
    /// Pairs joined so far.
    pub joined: u64,
}

impl<'c> Joiner<'c> {
    pub fn new(counts: &'c PhraseCounts, settings: &PhraseSettings) -> Self {
        Joiner {
            counts,
            threshold: settings.threshold,
            // A count of 0 would divide by zero: a word must have been seen to join.
            min_count: settings.min_count,
            pending: String::new(),
            has_pending: false,
            joinable: None,
            joined: 0,
        }
    }

    pub(crate) fn push(&mut self, token: Token<'_>, sink: &mut impl FnMut(Token<'_>)) {
        let word = match token {
            Token::Word(w) => w,
            Token::SentenceEnd => {
                self.flush(sink);
                sink(Token::SentenceEnd);
                return;
            }
        };
        let floor = self.min_count.max(1);
        let this = self
            .counts
            .words
            .get(word)
            .copied()
            .filter(|&(_, c)| c >= floor);
        let join = match (self.joinable, this) {
            (Some((a, count_a)), Some((b, count_b))) => {
                let pair = self.counts.pairs.get(&pair_key(a, b)).copied();
                pair.filter(|&p| p >= floor).is_some_and(|p| {
                    score(p, count_a, count_b, self.min_count, self.counts.total_words)
                        > self.threshold
                })
            }
            _ => false,
        };
        if join {
            self.pending.push('_');
            self.pending.push_str(word);
            self.joined += 1;
            self.joinable = None;
        } else {
            self.flush(sink);
            self.pending.push_str(word);
            self.has_pending = true;
            self.joinable = this;
        }
    }

    fn flush(&mut self, sink: &mut impl FnMut(Token<'_>)) {
        if self.has_pending {
            sink(Token::Word(&self.pending));
        }
        self.pending.clear();
        self.has_pending = false;
        self.joinable = None;
    }

    /// Hands on the last held-back word.
    pub(crate) fn finish(&mut self, sink: &mut impl FnMut(Token<'_>)) {
        self.flush(sink);
    }
}

/// Writes a token stream as text: words separated by a space, a sentence a line.
struct TextWriter<'w> {
    out: &'w mut dyn Write,
    line_started: bool,
    failed: Option<io::Error>,
}

impl<'w> TextWriter<'w> {
    fn new(out: &'w mut dyn Write) -> Self {
        TextWriter {
            out,
            line_started: false,
            failed: None,
        }
    }

    fn write(&mut self, token: Token<'_>) {
        if self.failed.is_some() {
            return;
        }
        let written = match token {
            Token::Word(w) => {
                let space = if self.line_started { " " } else { "" };
                self.line_started = true;
                self.out
                    .write_all(space.as_bytes())
                    .and_then(|()| self.out.write_all(w.as_bytes()))
            }
            Token::SentenceEnd => {
                let newline = self.line_started;
                self.line_started = false;
                if newline {
                    self.out.write_all(b"\n")
                } else {
                    Ok(())
                }
            }
        };
        if let Err(e) = written {
            self.failed = Some(e);
        }
    }

    fn finish(mut self) -> io::Result<()> {
        self.write(Token::SentenceEnd);
        match self.failed {
            Some(e) => Err(e),
            None => self.out.flush(),
        }
    }
}

/// Why a pass stopped: the text could not be read, or the output could not be written (the
/// caller knows which file that is).
#[derive(Debug)]
pub enum PassError {
    Read(Error),
    Write(io::Error),
}

impl From<Error> for PassError {
    fn from(e: Error) -> Self {
        PassError::Read(e)
    }
}

/// Counts the words and pairs of `inputs`. With `tee`, the tokens are also written there as
/// text (a sentence a line), for a second reading of input that cannot be read twice (stdin).
pub fn count(
    inputs: &[Input],
    options: TokenizeOptions,
    max_entries: usize,
    on_bytes: impl FnMut(u64),
    tee: Option<&mut dyn Write>,
) -> std::result::Result<(PhraseCounts, ReadStats), PassError> {
    let mut counts = PhraseCounts::new(max_entries);
    let mut tee = tee.map(TextWriter::new);
    let stats = read_tokens(inputs, options, on_bytes, |token| {
        counts.add(token);
        if let Some(tee) = tee.as_mut() {
            tee.write(token);
        }
    })?;
    if stats.words == 0 {
        return Err(PassError::Read(Error::EmptyCorpus {
            inputs: crate::corpus::describe_inputs(inputs),
        }));
    }
    if let Some(tee) = tee {
        tee.finish().map_err(PassError::Write)?;
    }
    Ok((counts, stats))
}

/// What a joining pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JoinReport {
    pub words_read: u64,
    /// Pairs joined (occurrences, not distinct pairs).
    pub joined: u64,
}

/// Reads `inputs` again and writes them to `out` with pairs joined, a sentence a line. With
/// `next`, the written tokens are counted too, for the next pass.
pub fn join(
    inputs: &[Input],
    options: TokenizeOptions,
    counts: &PhraseCounts,
    settings: &PhraseSettings,
    on_bytes: impl FnMut(u64),
    out: &mut dyn Write,
    mut next: Option<&mut PhraseCounts>,
) -> std::result::Result<JoinReport, PassError> {
    let mut writer = TextWriter::new(out);
    let mut joiner = Joiner::new(counts, settings);
    let mut sink = |token: Token<'_>| {
        writer.write(token);
        if let Some(next) = next.as_deref_mut() {
            next.add(token);
        }
    };
    let stats = read_tokens(inputs, options, on_bytes, |token| {
        joiner.push(token, &mut sink)
    })?;
    joiner.finish(&mut sink);
    writer.finish().map_err(PassError::Write)?;
    Ok(JoinReport {
        words_read: stats.words,
        joined: joiner.joined,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts_of(text: &str, max_entries: usize) -> PhraseCounts {
        let mut c = PhraseCounts::new(max_entries);
        for line in text.lines() {
            for w in line.split_whitespace() {
                c.add(Token::Word(w));
            }
            c.add(Token::SentenceEnd);
        }
        c
    }

    fn joined(text: &str, settings: PhraseSettings) -> String {
        let counts = counts_of(text, settings.max_entries);
        let mut joiner = Joiner::new(&counts, &settings);
        let mut out = String::new();
        let mut sink = |t: Token<'_>| match t {
            Token::Word(w) => {
                if !out.is_empty() && !out.ends_with('\n') {
                    out.push(' ');
                }
                out.push_str(w);
            }
            Token::SentenceEnd => out.push('\n'),
        };
        for line in text.lines() {
            for w in line.split_whitespace() {
                joiner.push(Token::Word(w), &mut sink);
            }
            joiner.push(Token::SentenceEnd, &mut sink);
        }
        joiner.finish(&mut sink);
        out
    }

    #[test]
    fn score_is_word2phrase_formula() {
        // (12 − 5) / (20 · 10) · 1000 = 35, by hand.
        assert_eq!(score(12, 20, 10, 5, 1000), 35.0);
        // (5 − 5) / anything = 0: a pair at exactly the minimum count never joins.
        assert_eq!(score(5, 7, 9, 5, 1_000_000), 0.0);
    }

    #[test]
    fn counts_words_and_pairs_within_sentences() {
        let c = counts_of("a b a b\nb a\n", 100);
        assert_eq!(c.total_words(), 6);
        assert_eq!(c.word_count("a"), 3);
        assert_eq!(c.pair_count("a", "b"), 2);
        // "b" ends line 1 and "b" starts line 2: no pair across the break.
        assert_eq!(c.pair_count("b", "b"), 0);
        assert_eq!(c.pair_count("b", "a"), 2);
    }

    /// 40 words: "new" 8 times, "york" 6, "new york" 6, "is" 4, "big" 4, "is big" 4, "the" 18.
    /// With min-count 2, by hand: new york scores (6 − 2) / (8 · 6) · 40 = 3.33 and is big
    /// (4 − 2) / (4 · 4) · 40 = 5; the new (4 − 2) / (18 · 8) · 40 = 0.56.
    fn corpus() -> String {
        let mut text = String::new();
        for _ in 0..4 {
            text.push_str("new york is big\n");
        }
        text.push_str("the new york the new the\n");
        text.push_str("the new york the new the\n");
        text.push_str("the ".repeat(12).trim_end());
        text.push('\n');
        text
    }

    #[test]
    fn joins_exactly_the_pairs_above_the_threshold() {
        let text = corpus();
        let c = counts_of(&text, 1000);
        assert_eq!(c.total_words(), 40);
        assert_eq!(
            (
                c.word_count("new"),
                c.word_count("york"),
                c.word_count("the")
            ),
            (8, 6, 18),
            "hand counts"
        );
        assert_eq!(c.pair_count("new", "york"), 6);
        let s = |threshold| PhraseSettings {
            threshold,
            min_count: 2,
            max_entries: 1000,
        };
        // 3.33 > 3 and 5 > 3: both join; york is (3.33) does not, york being taken.
        let out = joined(&text, s(3.0));
        assert!(out.starts_with("new_york is_big\n"), "{out}");
        assert!(out.contains("\nthe new_york the new the\n"), "{out}");
        // 3.33 < 4 < 5: only is_big.
        let out = joined(&text, s(4.0));
        assert!(out.starts_with("new york is_big\n"), "{out}");
        // Above both: nothing joins, and the text comes back word for word.
        assert_eq!(joined(&text, s(6.0)), text);
    }

    #[test]
    fn a_joined_pair_does_not_join_the_next_word() {
        // a b and b c both score high; "a b c" gives a_b c, not a_b_c.
        let text = "a b c\n".repeat(10);
        let settings = PhraseSettings {
            threshold: 0.5,
            min_count: 1,
            max_entries: 1000,
        };
        assert_eq!(joined(&text, settings), "a_b c\n".repeat(10));
    }

    #[test]
    fn pruning_bounds_the_tables_and_keeps_frequent_pairs() {
        let mut text = String::new();
        for i in 0..3000 {
            text.push_str(&format!("new york rare{i} x{i}\n"));
        }
        let c = counts_of(&text, 200);
        assert!(c.prunes > 0);
        assert!(c.entries() <= 200);
        // The frequent pair survives every prune with its full count.
        assert_eq!(c.pair_count("new", "york"), 3000);
        assert_eq!(c.word_count("york"), 3000);
        assert_eq!(c.total_words(), 12000);
    }

    #[test]
    fn settings_refuse_negative_and_nan_thresholds() {
        for threshold in [-1.0, f32::NAN, f32::INFINITY] {
            let s = PhraseSettings {
                threshold,
                ..Default::default()
            };
            assert!(matches!(
                s.check(),
                Err(Error::InvalidSetting {
                    setting: Setting::PhraseThreshold,
                    ..
                })
            ));
        }
        assert!(PhraseSettings::default().check().is_ok());
    }
}
