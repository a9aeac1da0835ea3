//! Character n-grams of words and their rows, as fastText computes them (issue 13).
//!
//! fastText represents a word by its own vector plus the vectors of its character n-grams:
//! the word is wrapped as `<word>` (so prefixes and suffixes differ from inner pieces), every
//! run of `minn..=maxn` characters of that is an n-gram, and an n-gram's vector is row
//! `vocab_size + hash(ngram) % buckets` of the input matrix: n-grams are hashed into a fixed
//! number of buckets instead of being counted into a vocabulary. To read and write fastText
//! models and to be compared with it, the n-grams, their order and the hash must be exactly
//! fastText's; `tests/subwords.rs` checks them against rows the real fastText gave
//! (`tests/fixtures/fasttext-subwords.tsv`).
//!
//! fastText gives its end-of-sentence token `</s>` no n-grams. w2v's vocabulary has no such
//! token, so these functions do not special-case it: a caller that keeps one must skip it.

use crate::error::{Error, Result, Setting};

/// fastText's marker before a word: `<` and `>` make `<ab` (a prefix) differ from `ab`.
const BEGIN_OF_WORD: u8 = b'<';
/// fastText's marker after a word.
const END_OF_WORD: u8 = b'>';

/// The longest n-gram allowed, in characters. fastText sets no cap, but a word costs
/// `maxn` n-grams per character, so a larger value is a mistake rather than a choice.
pub const MAX_NGRAM_CHARS: usize = 30;

/// The most buckets: fastText stores the count and the rows as signed 32-bit integers, and
/// keeping `buckets < 2^31` leaves room for any vocabulary below 2^31 words in a `u32` row.
pub const MAX_BUCKETS: u32 = i32::MAX as u32;

/// Which character n-grams a word gets and how many rows they share.
///
/// "No n-grams" (fastText's `maxn = 0`, plain word2vec) is not a value of this type: it is
/// `Option::<NgramSettings>::None`, so code that has settings always has a non-empty range.
/// [`NgramSettings::from_fasttext`] maps fastText's numbers onto that.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NgramSettings {
    /// Shortest n-gram, in characters (Unicode scalar values), `<` and `>` included.
    pub minn: usize,
    /// Longest n-gram, in characters.
    pub maxn: usize,
    /// How many rows the n-grams are hashed into.
    pub buckets: u32,
}

impl NgramSettings {
    /// fastText's defaults for unsupervised training: `-minn 3 -maxn 6 -bucket 2000000`.
    pub const FASTTEXT_DEFAULT: NgramSettings = NgramSettings {
        minn: 3,
        maxn: 6,
        buckets: 2_000_000,
    };

    /// Checked settings: `1 <= minn <= maxn <= MAX_NGRAM_CHARS`, `1 <= buckets <= MAX_BUCKETS`.
    pub fn new(minn: usize, maxn: usize, buckets: u32) -> Result<Self> {
        let settings = NgramSettings {
            minn,
            maxn,
            buckets,
        };
        settings.validate()?;
        Ok(settings)
    }

    /// Reads fastText's numbers: `maxn == 0` means no n-grams (whatever `minn` and `buckets`
    /// are, as in fastText), anything else must pass [`NgramSettings::new`].
    pub fn from_fasttext(minn: usize, maxn: usize, buckets: u32) -> Result<Option<Self>> {
        if maxn == 0 {
            return Ok(None);
        }
        NgramSettings::new(minn, maxn, buckets).map(Some)
    }

    /// Why these settings cannot work, if they cannot. The fields are public, so a value
    /// built by hand is checked here too.
    pub fn validate(&self) -> Result<()> {
        if self.minn == 0 {
            return Err(Error::setting(
                Setting::Minn,
                "must be at least 1 (an n-gram has at least one character)",
            ));
        }
        if self.maxn > MAX_NGRAM_CHARS {
            return Err(Error::setting(
                Setting::Maxn,
                format!("must be at most {MAX_NGRAM_CHARS}, got {}", self.maxn),
            ));
        }
        if self.maxn < self.minn {
            return Err(Error::setting(
                Setting::Maxn,
                format!(
                    "must be at least the shortest n-gram length ({}), got {}",
                    self.minn, self.maxn
                ),
            ));
        }
        if self.buckets == 0 || self.buckets > MAX_BUCKETS {
            return Err(Error::setting(
                Setting::Buckets,
                format!("must be between 1 and {MAX_BUCKETS}, got {}", self.buckets),
            ));
        }
        Ok(())
    }
}

/// 32-bit FNV-1a as fastText's `Dictionary::hash` computes it, which is not quite FNV-1a:
/// each byte goes through a signed char first, so a byte >= 0x80 is sign-extended (0xC3 is
/// XORed in as 0xFFFF_FFC3). Every non-ASCII n-gram depends on that, so it must be kept to
/// find the rows of fastText models.
pub fn fasttext_hash(bytes: &[u8]) -> u32 {
    bytes.iter().fold(FNV_OFFSET, |h, &b| hash_step(h, b))
}

const FNV_OFFSET: u32 = 2_166_136_261;
const FNV_PRIME: u32 = 16_777_619;

/// One byte of [`fasttext_hash`]; FNV-1a extends byte by byte, so the n-grams that start at
/// one position are hashed together in one pass.
#[inline]
fn hash_step(h: u32, byte: u8) -> u32 {
    // `as i8 as i32 as u32` is C++'s `uint32_t(int8_t(byte))`: the sign extension.
    (h ^ (byte as i8 as i32 as u32)).wrapping_mul(FNV_PRIME)
}

/// A UTF-8 continuation byte (`10xxxxxx`): fastText counts characters by the other bytes.
#[inline]
fn is_continuation(byte: u8) -> bool {
    byte & 0xC0 == 0x80
}

/// Calls `visit(ngram_bytes, hash)` for each n-gram of `word`, in fastText's order: by start
/// position in `<word>`, then by length. The 1-character n-grams `<` and `>` are left out, as
/// fastText's `computeSubwords` leaves them out (they say nothing about the word); the whole
/// `<word>` is included when it has at most `maxn` characters.
fn for_each_ngram(word: &str, minn: usize, maxn: usize, mut visit: impl FnMut(&[u8], u32)) {
    let mut wrapped = Vec::with_capacity(word.len() + 2);
    wrapped.push(BEGIN_OF_WORD);
    wrapped.extend_from_slice(word.as_bytes());
    wrapped.push(END_OF_WORD);
    let len = wrapped.len();
    for start in 0..len {
        if is_continuation(wrapped[start]) {
            continue;
        }
        let mut h = FNV_OFFSET;
        let mut end = start;
        let mut chars = 0;
        while end < len && chars < maxn {
            chars += 1;
            h = hash_step(h, wrapped[end]);
            end += 1;
            while end < len && is_continuation(wrapped[end]) {
                h = hash_step(h, wrapped[end]);
                end += 1;
            }
            let lone_marker = chars == 1 && (start == 0 || end == len);
            if chars >= minn && !lone_marker {
                visit(&wrapped[start..end], h);
            }
        }
    }
}

/// The character n-grams of `word` with `minn..=maxn` characters, in fastText's order (see
/// the module doc), repeats included: for inspection and tests; training wants
/// [`ngram_rows`].
pub fn ngrams(word: &str, minn: usize, maxn: usize) -> Vec<String> {
    let mut out = Vec::new();
    for_each_ngram(word, minn, maxn, |bytes, _| {
        // Slices of valid UTF-8 cut at character starts are valid UTF-8.
        out.push(String::from_utf8_lossy(bytes).into_owned());
    });
    out
}

/// The input-matrix rows of `word`'s n-grams, appended to `rows`: `vocab_size + hash % buckets`
/// for each n-gram, in fastText's order. Repeats are kept as fastText keeps them (an n-gram
/// that occurs twice, or two n-grams in one bucket, count twice in the word's average).
/// Appends rather than returns so a caller can reuse one buffer.
///
/// `vocab_size` must be below 2^31 (fastText's limit too), so that a row fits in a `u32`.
pub fn push_ngram_rows(word: &str, settings: &NgramSettings, vocab_size: u32, rows: &mut Vec<u32>) {
    debug_assert!(settings.validate().is_ok() && vocab_size <= MAX_BUCKETS);
    for_each_ngram(word, settings.minn, settings.maxn, |_, h| {
        rows.push(vocab_size + h % settings.buckets);
    });
}

/// [`push_ngram_rows`] into a new vector.
pub fn ngram_rows(word: &str, settings: &NgramSettings, vocab_size: u32) -> Vec<u32> {
    let mut rows = Vec::new();
    push_ngram_rows(word, settings, vocab_size, &mut rows);
    rows
}

/// The buckets the n-grams of `words` fall in, sorted and distinct.
///
/// Only these buckets can be reached while training on these words, so w2v keeps rows for
/// them alone (fastText allocates every bucket: 2M rows, 800 MB at dim 100). The hashing and
/// the bucket numbers stay fastText's, so a model still maps onto fastText's layout: the
/// buckets listed here hold the trained rows, every other bucket is zero.
pub fn occupied_buckets<'a>(
    words: impl IntoIterator<Item = &'a str>,
    settings: &NgramSettings,
) -> Vec<u32> {
    let mut buckets = Vec::new();
    for word in words {
        for_each_ngram(word, settings.minn, settings.maxn, |_, h| {
            buckets.push(h % settings.buckets);
        });
    }
    buckets.sort_unstable();
    buckets.dedup();
    buckets
}

/// fastText's mean of a word's rows: summed in order in f32, then times `1/n` computed in f64
/// and rounded to f32, as `getWordVector` does, so the values agree with fastText bit for bit.
/// `n` may exceed the rows given: rows that do not exist count as zero.
pub fn fasttext_mean<'a>(
    dim: usize,
    rows: impl IntoIterator<Item = &'a [f32]>,
    n: usize,
) -> Vec<f32> {
    let mut sum = vec![0f32; dim];
    for row in rows {
        sum.iter_mut().zip(row).for_each(|(s, x)| *s += x);
    }
    let scale = (1.0 / n as f64) as f32;
    sum.iter_mut().for_each(|s| *s *= scale);
    sum
}

/// Where n-gram rows sit in an input matrix laid out as w2v keeps it: the word rows first,
/// then one row per occupied bucket, in bucket order.
#[derive(Debug, Clone, Copy)]
pub struct BucketRows<'a> {
    pub settings: &'a NgramSettings,
    /// Sorted, distinct bucket numbers (see [`occupied_buckets`]).
    pub buckets: &'a [u32],
    /// Row of the first bucket: the vocabulary size.
    pub first_row: u32,
}

impl BucketRows<'_> {
    /// The row holding `bucket`, if the bucket has one.
    #[inline]
    pub fn row(&self, bucket: u32) -> Option<u32> {
        self.buckets
            .binary_search(&bucket)
            .ok()
            .map(|i| self.first_row + i as u32)
    }

    /// Appends the rows of `word`'s n-grams that have one, in fastText's order with repeats,
    /// and returns how many n-grams the word has in all (with or without a row).
    pub fn push_rows(&self, word: &str, rows: &mut Vec<u32>) -> usize {
        let mut all = 0;
        for_each_ngram(word, self.settings.minn, self.settings.maxn, |_, h| {
            all += 1;
            if let Some(row) = self.row(h % self.settings.buckets) {
                rows.push(row);
            }
        });
        all
    }
}

/// Every vocabulary word's input rows (its own row, then its n-gram rows), flattened: what a
/// training step averages and updates, looked up once instead of hashed per use.
#[derive(Debug, Clone, Default)]
pub struct WordRows {
    starts: Vec<u32>,
    rows: Vec<u32>,
}

impl WordRows {
    /// The rows of `words` (row `i` is word `i`) with n-gram rows placed by `buckets`, which
    /// must list every bucket these words' n-grams fall in.
    pub fn new(words: &[String], buckets: &BucketRows<'_>) -> WordRows {
        let mut starts = Vec::with_capacity(words.len() + 1);
        let mut rows = Vec::new();
        for (i, word) in words.iter().enumerate() {
            starts.push(rows.len() as u32);
            rows.push(i as u32);
            let all = buckets.push_rows(word, &mut rows);
            debug_assert_eq!(rows.len() - starts[i] as usize, all + 1, "bucket missing");
        }
        starts.push(rows.len() as u32);
        WordRows { starts, rows }
    }

    /// The rows of word `word`: its own first.
    #[inline(always)]
    pub fn of(&self, word: usize) -> &[u32] {
        &self.rows[self.starts[word] as usize..self.starts[word + 1] as usize]
    }

    /// All rows of all words (a word's rows in a row); for sizing and statistics.
    pub fn total(&self) -> usize {
        self.rows.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grams(word: &str, minn: usize, maxn: usize) -> Vec<String> {
        ngrams(word, minn, maxn)
    }

    #[test]
    fn multibyte_characters_count_once() {
        // "où" is 3 bytes but 2 characters: <où> has 4 characters.
        assert_eq!(grams("où", 3, 6), ["<où", "<où>", "où>"]);
        assert_eq!(grams("où", 1, 2), ["<o", "o", "où", "ù", "ù>"]);
    }

    #[test]
    fn short_words_and_lone_markers() {
        assert_eq!(grams("a", 3, 6), ["<a>"]);
        // Neither `<` nor `>` alone, but `a` alone is kept.
        assert_eq!(grams("a", 1, 1), ["a"]);
        assert_eq!(grams("a", 1, 3), ["<a", "<a>", "a", "a>"]);
        // Nothing fits when <word> is shorter than minn.
        assert!(grams("a", 4, 6).is_empty());
        assert!(grams("", 3, 6).is_empty());
        assert_eq!(grams("", 1, 2), ["<>"]);
    }

    #[test]
    fn whole_word_within_maxn_is_an_ngram() {
        // <abcd> is exactly 6 characters.
        let six = grams("abcd", 6, 6);
        assert_eq!(six, ["<abcd>"]);
        // One more character and it is not.
        assert_eq!(grams("abcde", 6, 6), ["<abcde", "abcde>"]);
    }

    #[test]
    fn order_is_start_then_length() {
        assert_eq!(grams("abc", 3, 4), ["<ab", "<abc", "abc", "abc>", "bc>"]);
        assert_eq!(grams("abc", 2, 2), ["<a", "ab", "bc", "c>"]);
    }

    #[test]
    fn counts_match_the_formula() {
        // A word of w characters wraps to L = w + 2; there are L - n + 1 n-grams of length n,
        // less the two lone markers when n == 1.
        let word = "日本語のテキスト";
        let l = word.chars().count() + 2;
        for minn in 1..=5 {
            for maxn in minn..=8 {
                let expected: usize = (minn..=maxn.min(l))
                    .map(|n| l - n + 1 - if n == 1 { 2 } else { 0 })
                    .sum();
                assert_eq!(grams(word, minn, maxn).len(), expected, "{minn}..={maxn}");
            }
        }
    }

    #[test]
    fn hash_sign_extends_high_bytes() {
        // Plain FNV-1a zero-extends each byte; fastText's does not.
        let zero_extended = |bytes: &[u8]| {
            bytes.iter().fold(2_166_136_261u32, |h, &b| {
                (h ^ u32::from(b)).wrapping_mul(16_777_619)
            })
        };
        // ASCII is the same either way; the FNV-1a test vectors hold.
        assert_eq!(fasttext_hash(b""), 0x811c_9dc5);
        assert_eq!(fasttext_hash(b"a"), 0xe40c_292c);
        assert_eq!(fasttext_hash(b"foobar"), 0xbf9c_f968);
        assert_eq!(fasttext_hash(b"<the>"), zero_extended(b"<the>"));
        // 0xC3 goes in as 0xFFFF_FFC3.
        let by_hand = (0x811c_9dc5u32 ^ 0xFFFF_FFC3).wrapping_mul(16_777_619);
        assert_eq!(fasttext_hash(&[0xC3]), by_hand);
        assert_ne!(fasttext_hash(&[0xC3]), zero_extended(&[0xC3]));
        assert_ne!(
            fasttext_hash("où".as_bytes()),
            zero_extended("où".as_bytes())
        );
    }

    #[test]
    fn rows_are_offset_by_the_vocabulary_and_keep_repeats() {
        let one = NgramSettings::new(1, 2, 1).unwrap();
        // Every n-gram falls in the single bucket, right after the word rows.
        assert_eq!(ngram_rows("ab", &one, 7), [7; 5]);
        let s = NgramSettings::new(2, 2, 1000).unwrap();
        // "aa" occurs twice in <aaa>: both count.
        let rows = ngram_rows("aaa", &s, 10);
        assert_eq!(grams("aaa", 2, 2), ["<a", "aa", "aa", "a>"]);
        assert_eq!(rows[1], rows[2]);
        for (row, gram) in rows.iter().zip(grams("aaa", 2, 2)) {
            assert_eq!(*row, 10 + fasttext_hash(gram.as_bytes()) % 1000);
        }
        let mut buffer = vec![99];
        push_ngram_rows("aaa", &s, 10, &mut buffer);
        assert_eq!(buffer[0], 99);
        assert_eq!(buffer[1..], rows[..]);
    }

    /// The compact table gives a word the same n-grams as fastText's layout, in its order,
    /// with each row moved from `V + bucket` to `V + position of the bucket`.
    #[test]
    fn compact_rows_follow_the_hashed_layout() {
        let s = NgramSettings::new(2, 3, 50).unwrap();
        let words: Vec<String> = ["abc", "bcd", "ab"].iter().map(|w| w.to_string()).collect();
        let buckets = occupied_buckets(words.iter().map(String::as_str), &s);
        assert!(buckets.windows(2).all(|w| w[0] < w[1]));
        let layout = BucketRows {
            settings: &s,
            buckets: &buckets,
            first_row: 3,
        };
        let table = WordRows::new(&words, &layout);
        for (i, word) in words.iter().enumerate() {
            let rows = table.of(i);
            assert_eq!(rows[0], i as u32);
            let hashed = ngram_rows(word, &s, 0);
            assert_eq!(rows.len(), hashed.len() + 1);
            for (&row, &bucket) in rows[1..].iter().zip(&hashed) {
                assert_eq!(buckets[(row - 3) as usize], bucket);
            }
        }
        // A word outside the vocabulary finds rows only for buckets the vocabulary reached.
        let mut rows = Vec::new();
        let all = layout.push_rows("abz", &mut rows);
        assert_eq!(all, grams("abz", 2, 3).len());
        assert!(!rows.is_empty() && rows.len() < all, "{rows:?} of {all}");
        assert_eq!(
            layout.push_rows("qq", &mut Vec::new()),
            grams("qq", 2, 3).len()
        );
    }

    #[test]
    fn settings_are_checked() {
        assert!(NgramSettings::new(3, 6, 2_000_000).is_ok());
        assert!(NgramSettings::FASTTEXT_DEFAULT.validate().is_ok());
        assert!(NgramSettings::new(4, 4, 1).is_ok());
        assert!(NgramSettings::new(1, MAX_NGRAM_CHARS, MAX_BUCKETS).is_ok());
        let setting = |r: Result<NgramSettings>| match r {
            Err(Error::InvalidSetting { setting, .. }) => setting,
            other => panic!("{other:?}"),
        };
        assert_eq!(setting(NgramSettings::new(0, 6, 10)), Setting::Minn);
        assert_eq!(setting(NgramSettings::new(4, 3, 10)), Setting::Maxn);
        assert_eq!(
            setting(NgramSettings::new(3, MAX_NGRAM_CHARS + 1, 10)),
            Setting::Maxn
        );
        assert_eq!(setting(NgramSettings::new(3, 6, 0)), Setting::Buckets);
        assert_eq!(
            setting(NgramSettings::new(3, 6, MAX_BUCKETS + 1)),
            Setting::Buckets
        );
    }

    #[test]
    fn fasttext_maxn_zero_means_off() {
        assert_eq!(NgramSettings::from_fasttext(0, 0, 0).unwrap(), None);
        assert_eq!(NgramSettings::from_fasttext(3, 0, 2_000_000).unwrap(), None);
        assert_eq!(
            NgramSettings::from_fasttext(3, 6, 2_000_000).unwrap(),
            Some(NgramSettings::FASTTEXT_DEFAULT)
        );
        assert!(NgramSettings::from_fasttext(3, 2, 2_000_000).is_err());
    }
}
