//! `w2v::subwords` against the real fastText: `tests/fixtures/fasttext-subwords.tsv` holds the
//! n-grams and rows fastText 0.9.2 gave some words (ASCII, accented, Greek, CJK, emoji) under
//! three n-gram settings; see `scripts/make-fasttext-subword-fixture.py` for how it was made.

use w2v::subwords::{ngram_rows, ngrams, NgramSettings};

const FIXTURE: &str = include_str!("fixtures/fasttext-subwords.tsv");

struct Case<'a> {
    line: usize,
    settings: NgramSettings,
    nwords: u32,
    word: &'a str,
    ngrams: Vec<&'a str>,
    rows: Vec<u32>,
}

fn cases() -> Vec<Case<'static>> {
    FIXTURE
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.starts_with('#') && !l.is_empty())
        .map(|(i, l)| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), 7, "line {}: {l:?}", i + 1);
            let number = |s: &str| s.parse::<u32>().unwrap();
            Case {
                line: i + 1,
                settings: NgramSettings::new(
                    number(f[0]) as usize,
                    number(f[1]) as usize,
                    number(f[2]),
                )
                .unwrap(),
                nwords: number(f[3]),
                word: f[4],
                ngrams: f[5].split(' ').filter(|s| !s.is_empty()).collect(),
                rows: f[6]
                    .split(' ')
                    .filter(|s| !s.is_empty())
                    .map(number)
                    .collect(),
            }
        })
        .collect()
}

#[test]
fn fixture_covers_what_it_claims() {
    let cases = cases();
    assert!(cases.len() >= 30, "{} cases", cases.len());
    // Non-ASCII words (where the hash's sign extension matters) and 4-byte characters.
    assert!(cases
        .iter()
        .any(|c| c.word.chars().any(|ch| ch.len_utf8() == 2)));
    assert!(cases
        .iter()
        .any(|c| c.word.chars().any(|ch| ch.len_utf8() == 3)));
    assert!(cases
        .iter()
        .any(|c| c.word.chars().any(|ch| ch.len_utf8() == 4)));
    // Some word has two n-grams in one row: repeats are part of what is checked.
    assert!(cases.iter().any(|c| {
        let mut rows = c.rows.clone();
        rows.sort_unstable();
        rows.windows(2).any(|w| w[0] == w[1])
    }));
    for c in &cases {
        assert_eq!(c.ngrams.len(), c.rows.len(), "line {}", c.line);
    }
}

#[test]
fn ngrams_match_fasttext() {
    for c in cases() {
        let ours = ngrams(c.word, c.settings.minn, c.settings.maxn);
        assert_eq!(ours, c.ngrams, "line {}: {}", c.line, c.word);
    }
}

#[test]
fn rows_match_fasttext() {
    for c in cases() {
        let ours = ngram_rows(c.word, &c.settings, c.nwords);
        assert_eq!(ours, c.rows, "line {}: {}", c.line, c.word);
    }
}
