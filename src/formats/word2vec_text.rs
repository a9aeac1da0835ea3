//! word2vec's text format (`-binary 0`): a `V D` line, then `word v1 ... vD` per line.
//!
//! Values are written with Rust's shortest round-trip `Display`, so a text export reads back
//! bit for bit. Words that are not UTF-8 are decoded lossily rather than rejected, matching
//! the binary reader: one odd token should not make a whole vector file unusable.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::Path;

use ndarray::Array2;

use super::{check_writable, read_header, write_atomically, RESERVE_CAP};
use crate::{Embeddings, Error, Result};

/// Pass a buffered writer: values are written one at a time.
pub fn write<W: Write>(emb: &Embeddings, mut out: W) -> io::Result<()> {
    check_writable(emb)?;
    writeln!(out, "{} {}", emb.len(), emb.dim())?;
    for (word, row) in emb.words.iter().zip(emb.vectors.rows()) {
        out.write_all(word.as_bytes())?;
        for v in row {
            write!(out, " {v}")?;
        }
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// word2vec C's exact bytes (`-binary 0`): every value printed with `%lf` (six decimals) and
/// followed by a space, so a line ends in " \n". For comparing with C's files byte for byte;
/// six decimals lose precision, so [`write()`] stays the default.
pub fn write_c_layout<W: Write>(emb: &Embeddings, mut out: W) -> io::Result<()> {
    check_writable(emb)?;
    writeln!(out, "{} {}", emb.len(), emb.dim())?;
    for (word, row) in emb.words.iter().zip(emb.vectors.rows()) {
        out.write_all(word.as_bytes())?;
        out.write_all(b" ")?;
        for &v in row {
            // C promotes the float to double for printf; the same here, then the same
            // correctly rounded six decimals.
            write!(out, "{:.6} ", v as f64)?;
        }
        out.write_all(b"\n")?;
    }
    Ok(())
}

pub fn write_path(emb: &Embeddings, path: &Path) -> Result<()> {
    write_atomically(path, |out| write(emb, out))
}

/// Tolerates word2vec C's trailing spaces, `\r\n` and blank lines; stops after the `V` rows
/// the header promises, as word2vec C does.
pub fn read<R: BufRead>(mut input: R, path: &Path) -> Result<Embeddings> {
    let (rows, dim) = read_header(&mut input, path)?;
    // Generous for any float notation, yet bounds memory on a file without newlines.
    let max_line = 4096 + 128 * dim as u64;
    let mut words = Vec::with_capacity(rows.min(RESERVE_CAP / dim));
    let mut values = Vec::with_capacity((rows * dim).min(RESERVE_CAP));
    let mut line = Vec::new();
    let mut line_no = 1;
    while words.len() < rows {
        let row = words.len() + 1;
        line_no += 1;
        line.clear();
        let n = (&mut input)
            .take(max_line)
            .read_until(b'\n', &mut line)
            .map_err(|e| Error::io(path, e))?;
        let fail = |msg: String| Error::format(path, format!("row {row} (line {line_no}): {msg}"));
        if n == 0 {
            let msg = format!(
                "header promises {rows} rows but the file ends after {}",
                row - 1
            );
            return Err(Error::format(path, msg));
        }
        if n as u64 == max_line && line.last() != Some(&b'\n') {
            return Err(fail(format!("line longer than {max_line} bytes")));
        }
        match parse_row(&line, dim, &mut values) {
            Ok(Some(word)) => words.push(String::from_utf8_lossy(word).into_owned()),
            Ok(None) => {}
            Err(msg) => return Err(fail(msg)),
        }
    }
    let vectors = Array2::from_shape_vec((rows, dim), values).expect("rows * dim values read");
    Ok(Embeddings::new(words, vectors))
}

/// Appends one line's `dim` values to `values` and returns its word, or `None` for a blank
/// line; the sniffer uses this too, so detection and reading cannot disagree.
pub(super) fn parse_row<'a>(
    line: &'a [u8],
    dim: usize,
    values: &mut Vec<f32>,
) -> std::result::Result<Option<&'a [u8]>, String> {
    let mut tokens = line
        .split(u8::is_ascii_whitespace)
        .filter(|t| !t.is_empty());
    let Some(word) = tokens.next() else {
        return Ok(None);
    };
    let start = values.len();
    for token in tokens {
        if values.len() - start == dim {
            return Err(format!("more than {dim} values"));
        }
        values.push(parse_value(token).ok_or_else(|| not_a_number(token))?);
    }
    match values.len() - start {
        n if n == dim => Ok(Some(word)),
        n => Err(format!("expected {dim} values, found {n}")),
    }
}

pub(super) fn parse_value(token: &[u8]) -> Option<f32> {
    std::str::from_utf8(token).ok()?.parse().ok()
}

pub(super) fn not_a_number(token: &[u8]) -> String {
    let shown = String::from_utf8_lossy(&token[..token.len().min(32)]);
    format!("{shown:?} is not a number")
}

pub fn read_path(path: &Path) -> Result<Embeddings> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    read(BufReader::with_capacity(1 << 16, file), path)
}

#[cfg(test)]
mod tests {

    #[test]
    fn c_layout_is_six_decimals_each_followed_by_a_space() {
        let emb = Embeddings::new(
            vec!["a".into(), "b".into()],
            Array2::from_shape_vec((2, 3), vec![0.5, -1e-9, 1.0 / 3.0, -0.0, 123.45679, 2e-7])
                .unwrap(),
        );
        let mut out = Vec::new();
        write_c_layout(&emb, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out.clone()).unwrap(),
            "2 3\na 0.500000 -0.000000 0.333333 \nb -0.000000 123.456787 0.000000 \n"
        );
        // Readers of the default layout read C's too.
        let back = read(&out[..], Path::new("c.txt")).unwrap();
        assert_eq!(back.words, emb.words);
        assert_eq!(back.vectors[[0, 0]], 0.5);
    }

    use super::*;
    use crate::formats::tests::{assert_same, random_embeddings, scratch_dir};
    use ndarray::array;

    fn parse(text: &[u8]) -> Result<Embeddings> {
        read(text, Path::new("v.txt"))
    }

    #[test]
    fn round_trip_is_exact() {
        let emb = random_embeddings(300, 17, 3);
        let mut buf = Vec::new();
        write(&emb, &mut buf).unwrap();
        assert_same(&parse(&buf).unwrap(), &emb);
    }

    #[test]
    fn layout_matches_word2vec() {
        let emb = Embeddings::new(
            vec!["the".into(), "é".into()],
            array![[0.5, -1.0], [0.0, 1e-3]],
        );
        let mut buf = Vec::new();
        write(&emb, &mut buf).unwrap();
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            "2 2\nthe 0.5 -1\né 0 0.001\n"
        );
    }

    #[test]
    fn tolerates_trailing_spaces_crlf_and_blank_lines() {
        let emb = parse(b"2 3 \r\nthe 1 2 3 \r\n\r\nof 4.5 -5e-1 6 \r\n").unwrap();
        assert_eq!(emb.words, ["the", "of"]);
        assert_eq!(emb.vectors, array![[1.0, 2.0, 3.0], [4.5, -0.5, 6.0]]);
    }

    #[test]
    fn non_utf8_words_decode_lossily() {
        assert_eq!(parse(b"1 1\n\xffa 1\n").unwrap().words, ["\u{fffd}a"]);
    }

    #[test]
    fn malformed_files_are_errors() {
        let cases: &[(&[u8], &str)] = &[
            (b"", "missing"),
            (b"the 1 2\n", "missing"),
            (b"2\n", "missing"),
            (b"0 3\n", "implausible"),
            (b"2 0\n", "implausible"),
            (b"2 2000000\n", "implausible"),
            (b"9999999999999999999 100\n", "too large"),
            (b"2 2\nthe\n", "row 1 (line 2): expected 2 values, found 0"),
            (
                b"2 2\nthe 1\n",
                "row 1 (line 2): expected 2 values, found 1",
            ),
            (b"2 2\nthe 1 2 3\n", "row 1 (line 2): more than 2 values"),
            (
                b"2 2\nthe 1 2\nof 1 2.5.3\n",
                "row 2 (line 3): \"2.5.3\" is not a number",
            ),
            (
                b"2 2\nthe 1 2\n",
                "promises 2 rows but the file ends after 1",
            ),
        ];
        for (text, expected) in cases {
            let message = parse(text).unwrap_err().to_string();
            assert!(message.contains(expected), "{message:?} lacks {expected:?}");
        }
        let mut long = b"1 1\nw".to_vec();
        long.resize(10_000, b'x');
        assert!(parse(&long)
            .unwrap_err()
            .to_string()
            .contains("longer than"));
    }

    #[test]
    fn huge_header_fails_without_huge_allocation() {
        let err = parse(b"100000000 100\nthe 1 2\n").unwrap_err().to_string();
        assert!(err.contains("expected 100 values"), "{err}");
        let row: String = (0..100).map(|i| format!(" {i}")).collect();
        let err = parse(format!("100000000 100\nthe{row}\n").as_bytes()).unwrap_err();
        assert!(err.to_string().contains("ends after 1"), "{err}");
    }

    #[test]
    fn writer_refuses_unreadable_words() {
        for word in ["", "two words", "tab\t"] {
            let emb = Embeddings::new(vec![word.into()], array![[1.0]]);
            assert!(write(&emb, Vec::new()).is_err());
        }
    }

    #[test]
    fn path_round_trip() {
        let dir = scratch_dir("text-path");
        let path = dir.join("v.txt");
        let emb = random_embeddings(20, 5, 9);
        write_path(&emb, &path).unwrap();
        assert_same(&read_path(&path).unwrap(), &emb);
        assert!(matches!(
            read_path(&dir.join("missing")),
            Err(Error::Io { .. })
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
