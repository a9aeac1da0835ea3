//! Vector file formats shared with other tools, and the non-destructive write every output
//! uses ([`destination`]).

pub mod destination;
pub mod fasttext;
pub mod native;
pub mod word2vec_binary;
pub mod word2vec_text;

use std::fs::File;
use std::io::{self, BufRead, Read};
use std::path::Path;

use crate::{Embeddings, Error, Result, Vectors};

pub use destination::{write_atomically, Destination};

/// The two layouts word2vec C writes; both begin with the same `V D` header line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VectorFormat {
    Text,
    Binary,
}

/// Larger dimensions are garbage headers, not real embeddings.
const MAX_DIM: usize = 1_000_000;
/// Floats reserved up front when the header cannot be checked against the file size (16 MiB).
const RESERVE_CAP: usize = 1 << 22;

/// Parses a `V D` header line, tolerating a trailing space and `\r\n`; zeros are left to callers.
fn parse_header(line: &[u8]) -> Option<(u64, u64)> {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let line = line.strip_suffix(b" ").unwrap_or(line);
    // At most 19 digits, so the parse cannot overflow u64.
    let number = |s: &[u8]| match s.len() {
        1..=19 if s.iter().all(u8::is_ascii_digit) => std::str::from_utf8(s).ok()?.parse().ok(),
        _ => None,
    };
    let space = line.iter().position(|&b| b == b' ')?;
    Some((number(&line[..space])?, number(&line[space + 1..])?))
}

/// Reads and validates the header; bounded so a headerless binary blob is not slurped whole.
fn read_header<R: BufRead>(input: &mut R, path: &Path) -> Result<(usize, usize)> {
    let mut line = Vec::new();
    input
        .by_ref()
        .take(64)
        .read_until(b'\n', &mut line)
        .map_err(|e| Error::io(path, e))?;
    let Some((rows, dim)) = parse_header(&line) else {
        return Err(Error::format(path, "missing word2vec header line 'V D'"));
    };
    check_header(rows, dim).map_err(|msg| Error::format(path, msg))
}

/// Refuses headers no real file has, and sizes that cannot be addressed.
fn check_header(rows: u64, dim: u64) -> std::result::Result<(usize, usize), String> {
    if rows == 0 || dim == 0 || dim > MAX_DIM as u64 {
        return Err(format!("implausible header '{rows} {dim}'"));
    }
    let fits = rows
        .checked_mul(dim)
        .and_then(|n| n.checked_mul(4))
        .is_some_and(|bytes| bytes <= isize::MAX as u64);
    if !fits {
        return Err(format!("header '{rows} {dim}' is too large"));
    }
    Ok((rows as usize, dim as usize))
}

/// Both writers refuse what their own readers would reject, before writing a byte.
fn check_writable(emb: &Embeddings) -> io::Result<()> {
    let invalid = |msg: String| Err(io::Error::new(io::ErrorKind::InvalidInput, msg));
    if emb.is_empty() || emb.dim() == 0 || emb.dim() > MAX_DIM {
        return invalid(format!(
            "cannot write {} words of dimension {}",
            emb.len(),
            emb.dim()
        ));
    }
    match emb
        .words
        .iter()
        .find(|w| w.is_empty() || w.bytes().any(|b| b.is_ascii_whitespace()))
    {
        Some(word) => invalid(format!(
            "cannot write word {word:?}: empty or contains whitespace"
        )),
        None => Ok(()),
    }
}

/// What a file's first bytes and its length say about its word2vec layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sniffed {
    /// Exactly one layout fits.
    Format(VectorFormat),
    /// Both layouts fit what was seen, so only the user can say which it is.
    Ambiguous,
    /// Neither layout fits; the reason names what broke each.
    Neither(String),
}

/// How much of a file `load_embeddings` looks at: dozens of rows of usual dimensions.
pub const SNIFF_LEN: usize = 1 << 16;

/// Decides the layout from a file's first bytes (`prefix`, ideally [`SNIFF_LEN`] of them) and
/// its total length. Text must parse row by row as the text reader would, whatever bytes the
/// words hold (word2vec C cuts long words mid-character); binary must have its word
/// separators and record sizes agree with the header and the file length. A wrong guess
/// would give garbage vectors, so when both fit the answer is [`Sniffed::Ambiguous`].
pub fn sniff_word2vec(prefix: &[u8], file_len: u64) -> Sniffed {
    let Some(end) = prefix.iter().position(|&b| b == b'\n') else {
        return Sniffed::Neither("no 'V D' header line".into());
    };
    let Some((rows, dim)) = parse_header(&prefix[..end]) else {
        return Sniffed::Neither("no 'V D' header line".into());
    };
    let (rows, dim) = match check_header(rows, dim) {
        Ok(shape) => shape,
        Err(msg) => return Sniffed::Neither(msg),
    };
    let body = &prefix[end + 1..];
    let file_len = file_len.max(prefix.len() as u64);
    let complete = prefix.len() as u64 == file_len;
    let body_len = file_len - (end as u64 + 1);
    let text = text_problem(body, complete, rows, dim);
    let binary = binary_problem(body, body_len, complete, rows, dim);
    match (text, binary) {
        (None, None) => Sniffed::Ambiguous,
        (None, Some(_)) => Sniffed::Format(VectorFormat::Text),
        (Some(_), None) => Sniffed::Format(VectorFormat::Binary),
        (Some(t), Some(b)) => Sniffed::Neither(format!("as text, {t}; as binary, {b}")),
    }
}

/// Why `body` (the bytes after the header) cannot be word2vec text, checking the rows seen
/// exactly as the text reader will.
fn text_problem(body: &[u8], complete: bool, rows: usize, dim: usize) -> Option<String> {
    let mut seen = 0;
    let mut values = Vec::new();
    for (i, line) in body.split_inclusive(|&b| b == b'\n').enumerate() {
        if seen == rows {
            return None;
        }
        let line_no = i + 2;
        if !complete && !line.ends_with(b"\n") {
            // Cut by the prefix: the last token may be a number cut short, or the word.
            let mut tokens = line
                .split(u8::is_ascii_whitespace)
                .filter(|t| !t.is_empty())
                .skip(1)
                .collect::<Vec<_>>();
            tokens.pop();
            if tokens.len() >= dim {
                return Some(format!("line {line_no}: more than {dim} values"));
            }
            let bad = tokens
                .iter()
                .find(|t| word2vec_text::parse_value(t).is_none());
            return bad.map(|t| format!("line {line_no}: {}", word2vec_text::not_a_number(t)));
        }
        values.clear();
        match word2vec_text::parse_row(line, dim, &mut values) {
            Ok(None) => {}
            Ok(Some(_)) => seen += 1,
            Err(msg) => return Some(format!("line {line_no}: {msg}")),
        }
    }
    (complete && seen < rows)
        .then(|| format!("the header promises {rows} rows but the file has {seen}"))
}

/// Why `body` cannot be word2vec binary: per row a word without line breaks, a space and
/// `4 * dim` bytes, rows ending all with or all without `\n`, and a file length that fits the
/// rows not seen. `body_len` is the whole file's length after the header.
fn binary_problem(
    body: &[u8],
    body_len: u64,
    complete: bool,
    rows: usize,
    dim: usize,
) -> Option<String> {
    use word2vec_binary::MAX_WORD;
    let record = 4 * dim;
    let (mut pos, mut walked) = (0, 0);
    let mut newline: Option<bool> = None;
    let cut = |row: usize| complete.then(|| format!("the file ends inside row {row} of {rows}"));
    while walked < rows {
        let row = walked + 1;
        let rest = &body[pos..];
        let Some(space) = rest.iter().take(MAX_WORD + 1).position(|&b| b == b' ') else {
            if rest.len() > MAX_WORD {
                return Some(format!("row {row}: no space within {MAX_WORD} bytes"));
            }
            if complete {
                return cut(row);
            }
            break;
        };
        let word = &rest[..space];
        if word.is_empty() {
            return Some(format!("row {row}: empty word"));
        }
        if word.contains(&b'\n') {
            return Some(format!("row {row}: a word holds a line break"));
        }
        let end = space + 1 + record;
        if rest.len() < end {
            if complete {
                return cut(row);
            }
            break;
        }
        if row == rows {
            let after = body_len - (pos + end) as u64;
            return match (after, rest.get(end)) {
                (0, _) | (1, None | Some(b'\n')) => None,
                (n, _) => Some(format!("{n} bytes follow the last of the {rows} rows")),
            };
        }
        let Some(&next) = rest.get(end) else {
            if complete {
                return cut(row + 1);
            }
            break;
        };
        let ends_in_newline = next == b'\n';
        if *newline.get_or_insert(ends_in_newline) != ends_in_newline {
            return Some(format!(
                "row {row}: rows end both with and without a line break"
            ));
        }
        pos += end + usize::from(ends_in_newline);
        walked += 1;
    }
    // The rows not seen need a word of 1 to MAX_WORD bytes, a space and their values each.
    let rows_left = (rows - walked) as u128;
    let bytes_left = u128::from(body_len - pos as u64);
    let least = rows_left * (record as u128 + 2);
    let most = rows_left * (record as u128 + 2 + MAX_WORD as u128);
    if bytes_left < least {
        return Some(format!(
            "the file is too short for {rows} rows of {dim} values"
        ));
    }
    if bytes_left > most {
        return Some(format!(
            "the file is too long for {rows} rows of {dim} values"
        ));
    }
    None
}

/// Loads word vectors from a w2v model, a fastText `.bin` model (its vocabulary's vectors, as
/// its `.vec` holds them), or a word2vec text or binary file: `format` says which word2vec
/// layout, `None` decides by content and refuses files that fit both (w2v and fastText models
/// are recognised by their magic numbers either way).
pub fn load_embeddings(path: &Path, format: Option<VectorFormat>) -> Result<Embeddings> {
    load_vectors(path, format).map(|v| v.embeddings)
}

/// [`load_embeddings`] with the n-gram rows of models that have them (w2v models trained with
/// subwords, fastText models), so that words outside the vocabulary get vectors too; word2vec
/// files have none.
pub fn load_vectors(path: &Path, format: Option<VectorFormat>) -> Result<Vectors> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
    let mut head = Vec::with_capacity(SNIFF_LEN.min(len as usize));
    (&file)
        .take(SNIFF_LEN as u64)
        .read_to_end(&mut head)
        .map_err(|e| Error::io(path, e))?;
    if native::is_native(&head) {
        return Ok(native::read_path(path)?.into_vectors());
    }
    if fasttext::is_fasttext(&head) {
        return Ok(fasttext::read_path(path)?.into_vectors());
    }
    let format = match format {
        Some(format) => format,
        None => match sniff_word2vec(&head, len) {
            Sniffed::Format(format) => format,
            Sniffed::Ambiguous if len > head.len() as u64 => {
                return read_either(path).map(Vectors::from)
            }
            Sniffed::Ambiguous => {
                return Err(Error::AmbiguousVectorFormat {
                    path: path.to_path_buf(),
                })
            }
            Sniffed::Neither(why) => {
                let msg =
                    format!("not a w2v model nor a word2vec text or binary vector file ({why})");
                return Err(Error::format(path, msg));
            }
        },
    };
    match format {
        VectorFormat::Text => word2vec_text::read_path(path),
        VectorFormat::Binary => word2vec_binary::read_path(path),
    }
    .map(Vectors::from)
}

/// For the rare file whose first [`SNIFF_LEN`] bytes fit both layouts: the binary reader
/// checks separators and sizes up to the exact end of the file, the text reader every row,
/// so reading both decides; if both succeed the file really is ambiguous.
fn read_either(path: &Path) -> Result<Embeddings> {
    let binary = word2vec_binary::read_path(path);
    let text = word2vec_text::read_path(path);
    match (binary, text) {
        (Ok(_), Ok(_)) => Err(Error::AmbiguousVectorFormat {
            path: path.to_path_buf(),
        }),
        (Ok(emb), Err(_)) | (Err(_), Ok(emb)) => Ok(emb),
        (Err(binary), Err(text)) => Err(Error::format(
            path,
            format!("neither word2vec text ({text}) nor binary ({binary})"),
        )),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use ndarray::Array2;
    use rand::rngs::SmallRng;
    use rand::{Rng, SeedableRng};

    /// Random words (some non-ASCII) and values drawn from all finite bit patterns.
    pub(crate) fn random_embeddings(rows: usize, dim: usize, seed: u64) -> Embeddings {
        let mut rng = SmallRng::seed_from_u64(seed);
        let words = (0..rows)
            .map(|i| format!("w{i}_{}", ["", "é", "日本", "ß"][i % 4]))
            .collect();
        let mut values = vec![0.0, -0.0, 1e-45, f32::MIN_POSITIVE, f32::MAX];
        values.truncate(rows * dim);
        while values.len() < rows * dim {
            let v = f32::from_bits(rng.random());
            if v.is_finite() {
                values.push(v);
            }
        }
        Embeddings::new(words, Array2::from_shape_vec((rows, dim), values).unwrap())
    }

    /// Compares bits so that -0.0 and 0.0 count as different.
    pub(crate) fn assert_same(a: &Embeddings, b: &Embeddings) {
        assert_eq!(a.words, b.words);
        assert_eq!(a.vectors.dim(), b.vectors.dim());
        for (x, y) in a.vectors.iter().zip(b.vectors.iter()) {
            assert_eq!(x.to_bits(), y.to_bits(), "{x} vs {y}");
        }
    }

    /// A fresh directory per test, since tests run in parallel.
    pub(crate) fn scratch_dir(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("w2v-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn header_variants() {
        assert_eq!(parse_header(b"3 2\n"), Some((3, 2)));
        assert_eq!(parse_header(b"3 2 \r\n"), Some((3, 2)));
        for bad in [
            &b""[..],
            b"3\n",
            b"3  2\n",
            b" 3 2\n",
            b"a b\n",
            b"3 -2\n",
            b"3 2 1\n",
        ] {
            assert_eq!(parse_header(bad), None, "{bad:?}");
        }
        assert_eq!(parse_header(b"99999999999999999999 1\n"), None);
    }

    fn sniff_whole(bytes: &[u8]) -> Sniffed {
        sniff_word2vec(bytes, bytes.len() as u64)
    }

    const TEXT: Sniffed = Sniffed::Format(VectorFormat::Text);
    const BINARY: Sniffed = Sniffed::Format(VectorFormat::Binary);

    #[test]
    fn sniff_detects_both_formats() {
        let emb = random_embeddings(200, 30, 1);
        let mut text = Vec::new();
        word2vec_text::write(&emb, &mut text).unwrap();
        let mut binary = Vec::new();
        word2vec_binary::write(&emb, &mut binary).unwrap();
        assert_eq!(sniff_whole(&text), TEXT);
        assert_eq!(sniff_whole(&binary), BINARY);
        // A prefix of any length never gives the wrong answer, and a few rows are enough.
        for cut in 0..4096 {
            let (t, b) = (text.len() as u64, binary.len() as u64);
            let sniffed_text = sniff_word2vec(&text[..cut], t);
            let sniffed_binary = sniff_word2vec(&binary[..cut], b);
            assert!(sniffed_text != BINARY, "cut {cut}: {sniffed_text:?}");
            assert!(sniffed_binary != TEXT, "cut {cut}: {sniffed_binary:?}");
            if cut >= 3000 {
                assert_eq!(sniffed_text, TEXT, "cut {cut}");
                assert_eq!(sniffed_binary, BINARY, "cut {cut}");
            }
        }
        assert_eq!(sniff_whole(b"2 3 \r\nthe 1 2 3 \r\na 4 5 6 \r\n"), TEXT);
        // gensim's binary rows without the newline.
        assert_eq!(
            sniff_whole(b"2 1\na \x00\x00\x80\x3fbc \x00\x00\x00\x3f"),
            BINARY
        );
    }

    #[test]
    fn text_with_cut_multibyte_words_is_text() {
        // word2vec C cuts long words at 100 bytes, wherever a character ends.
        let bytes = b"3 2\ncaf\xc3 0.5 -1\n\xe6\x97 1 2\n\xff\xfe 3 4\n";
        assert_eq!(sniff_whole(bytes), TEXT);
        let emb = load_test_file("cut-utf8", bytes, None).unwrap();
        assert_eq!(emb.words, ["caf\u{fffd}", "\u{fffd}", "\u{fffd}\u{fffd}"]);
        assert_eq!(emb.vectors[[0, 1]], -1.0);
    }

    #[test]
    fn a_file_that_fits_both_layouts_is_ambiguous() {
        // As text: "a" = [1.25]; as binary: "a" = the four bytes "1.25" as an f32, then '\n'.
        let bytes = b"1 1\na 1.25\n";
        assert_eq!(sniff_whole(bytes), Sniffed::Ambiguous);
        let err = load_test_file("ambiguous", bytes, None).unwrap_err();
        assert!(matches!(err, Error::AmbiguousVectorFormat { .. }), "{err}");
        let text = load_test_file("ambiguous-t", bytes, Some(VectorFormat::Text)).unwrap();
        assert_eq!(text.vectors[[0, 0]], 1.25);
        let binary = load_test_file("ambiguous-b", bytes, Some(VectorFormat::Binary)).unwrap();
        assert_eq!(binary.vectors[[0, 0]], f32::from_le_bytes(*b"1.25"));
    }

    #[test]
    fn a_long_ambiguous_start_is_decided_by_the_whole_file() {
        // Rows "a 1.25" fit both layouts, for longer than the sniffer looks.
        let rows = SNIFF_LEN / 7 + 10;
        let mut bytes = format!("{} 1\n", rows + 1).into_bytes();
        bytes.extend(b"a 1.25\n".repeat(rows));
        let mut both = bytes.clone();
        both.extend(b"b 2.50\n");
        bytes.extend(b"b 2.50001\n");
        let len = bytes.len() as u64;
        assert_eq!(sniff_word2vec(&bytes[..SNIFF_LEN], len), Sniffed::Ambiguous);
        let emb = load_test_file("long-ambiguous", &bytes, None).unwrap();
        assert_eq!(emb.vectors[[rows, 0]], 2.50001);
        assert_eq!(emb.words[rows], "b");
        let err = load_test_file("long-ambiguous-both", &both, None).unwrap_err();
        assert!(matches!(err, Error::AmbiguousVectorFormat { .. }), "{err}");
    }

    fn load_test_file(
        name: &str,
        bytes: &[u8],
        format: Option<VectorFormat>,
    ) -> Result<Embeddings> {
        let dir = scratch_dir(name);
        let path = dir.join("v");
        std::fs::write(&path, bytes).unwrap();
        let result = load_embeddings(&path, format);
        std::fs::remove_dir_all(&dir).unwrap();
        result
    }

    #[test]
    fn sniff_rejects_non_vector_files() {
        let mut rng = SmallRng::seed_from_u64(7);
        for _ in 0..100 {
            let bytes: Vec<u8> = (0..4096).map(|_| rng.random()).collect();
            assert!(matches!(sniff_whole(&bytes), Sniffed::Neither(_)));
        }
        let neither = |bytes: &[u8]| match sniff_whole(bytes) {
            Sniffed::Neither(why) => why,
            other => panic!("{bytes:?}: {other:?}"),
        };
        for (bad, why) in [
            (&b""[..], "no 'V D' header"),
            (b"2 3", "no 'V D' header"),
            (b"the quick brown fox\n", "no 'V D' header"),
            (b"2 x\n", "no 'V D' header"),
            (b"0 3\nx\n", "implausible"),
            // A short row, and too few rows.
            (
                b"2 3\nthe 1 2\nof 1 2 3\n",
                "as text, line 2: expected 3 values, found 2",
            ),
            (
                b"2 1\nthe 1\n",
                "as text, the header promises 2 rows but the file has 1",
            ),
            // Binary with bytes after the last row, and cut inside a row.
            (
                b"1 1\na \x00\x00\x80\x3f\nxyz",
                "4 bytes follow the last of the 1 rows",
            ),
            (b"2 1\na \x00\x00\x80\x3f\nb \x00", "ends inside row 2 of 2"),
        ] {
            let got = neither(bad);
            assert!(got.contains(why), "{bad:?}: {got}");
        }
        // Rows that end both with and without a newline are not binary.
        let mixed = b"3 1\na \x00\x00\x80\x3f\nb \x00\x00\x80\x3fc \x00\x00\x80\x3f";
        assert!(neither(mixed).contains("both with and without"));
    }

    #[test]
    fn write_atomically_replaces_or_keeps() {
        let dir = scratch_dir("atomic");
        let path = dir.join("out.txt");
        write_atomically(&path, |w| w.write_all(b"old")).unwrap();
        let err = write_atomically(&path, |w| {
            w.write_all(b"partial")?;
            Err(io::Error::other("boom"))
        });
        assert!(matches!(err, Err(Error::Io { .. })));
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        write_atomically(&path, |w| w.write_all(b"new")).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        let names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["out.txt"], "temporary file left behind");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
