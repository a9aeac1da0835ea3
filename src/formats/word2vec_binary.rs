//! word2vec's binary format (`-binary 1`): a `V D` line, then per word its bytes, a space,
//! `D` little-endian f32 and a newline. Some gensim versions omit that newline; both read.
//! Bytes after the last row are an error: the header would not describe the file.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::Path;

use ndarray::Array2;

use super::{check_writable, read_header, write_atomically, RESERVE_CAP};
use crate::{Embeddings, Error, Result};

/// A longer run of bytes without a space means this is not a word2vec binary file.
pub(super) const MAX_WORD: usize = 1000;

pub fn write<W: Write>(emb: &Embeddings, mut out: W) -> io::Result<()> {
    check_writable(emb)?;
    writeln!(out, "{} {}", emb.len(), emb.dim())?;
    let mut record = Vec::new();
    for (word, row) in emb.words.iter().zip(emb.vectors.rows()) {
        record.clear();
        record.extend_from_slice(word.as_bytes());
        record.push(b' ');
        row.iter()
            .for_each(|v| record.extend_from_slice(&v.to_le_bytes()));
        record.push(b'\n');
        out.write_all(&record)?;
    }
    Ok(())
}

pub fn write_path(emb: &Embeddings, path: &Path) -> Result<()> {
    write_atomically(path, |out| write(emb, out))
}

/// With `file_len`, a header promising more than the file can hold is refused before any
/// allocation; without it, the reservation is capped and grows as rows arrive.
pub fn read<R: BufRead>(mut input: R, path: &Path, file_len: Option<u64>) -> Result<Embeddings> {
    let (rows, dim) = read_header(&mut input, path)?;
    let io_err = |e| Error::io(path, e);
    let reserve = match file_len {
        Some(len) => {
            // Each row needs at least a one-byte word, a space and its values.
            let need = (rows as u64).checked_mul(4 * dim as u64 + 2);
            if need.is_none_or(|need| need > len) {
                let msg = format!(
                    "header promises {rows} rows of {dim} values but the file has only {len} bytes"
                );
                return Err(Error::format(path, msg));
            }
            rows * dim
        }
        None => (rows * dim).min(RESERVE_CAP),
    };
    let mut words = Vec::with_capacity(rows.min(reserve / dim + 1));
    let mut values = Vec::with_capacity(reserve);
    let mut word = Vec::new();
    let mut raw = vec![0u8; 4 * dim];
    for row in 1..=rows {
        let fail = |msg: &str| Error::format(path, format!("row {row} of {rows}: {msg}"));
        skip_newlines(&mut input).map_err(io_err)?;
        word.clear();
        let n = (&mut input)
            .take(MAX_WORD as u64 + 1)
            .read_until(b' ', &mut word)
            .map_err(io_err)?;
        if word.pop() != Some(b' ') {
            return Err(match n {
                0 => fail("file ends before this row (truncated?)"),
                n if n > MAX_WORD => fail(&format!(
                    "no space within {MAX_WORD} bytes; not word2vec binary"
                )),
                _ => fail("file ends inside the word (truncated?)"),
            });
        }
        if word.is_empty() {
            return Err(fail("empty word"));
        }
        input.read_exact(&mut raw).map_err(|e| match e.kind() {
            io::ErrorKind::UnexpectedEof => fail("file ends inside the vector (truncated?)"),
            _ => io_err(e),
        })?;
        let floats = raw
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]));
        values.extend(floats);
        words.push(String::from_utf8_lossy(&word).into_owned());
    }
    // Bytes after the last row mean the header does not describe this file.
    skip_newlines(&mut input).map_err(io_err)?;
    if !input.fill_buf().map_err(io_err)?.is_empty() {
        let msg = format!("data after the last of the {rows} rows the header promises");
        return Err(Error::format(path, msg));
    }
    let vectors = Array2::from_shape_vec((rows, dim), values).expect("rows * dim values read");
    Ok(Embeddings::new(words, vectors))
}

pub fn read_path(path: &Path) -> Result<Embeddings> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
    read(BufReader::with_capacity(1 << 16, file), path, Some(len))
}

/// The newline ending the previous record is optional, so it is skipped rather than expected.
fn skip_newlines<R: BufRead>(input: &mut R) -> io::Result<()> {
    loop {
        let buf = input.fill_buf()?;
        let newlines = buf.iter().take_while(|&&b| b == b'\n').count();
        let done = buf.is_empty() || newlines < buf.len();
        input.consume(newlines);
        if done {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::tests::{assert_same, random_embeddings, scratch_dir};
    use ndarray::array;

    fn parse(bytes: &[u8], file_len: Option<u64>) -> Result<Embeddings> {
        read(bytes, Path::new("v.bin"), file_len)
    }

    fn tiny() -> Embeddings {
        Embeddings::new(
            vec!["a".into(), "bc".into()],
            array![[1.0, -2.0], [0.5, 0.0]],
        )
    }

    const TINY_BYTES: &[u8] =
        b"2 2\na \x00\x00\x80\x3f\x00\x00\x00\xc0\nbc \x00\x00\x00\x3f\x00\x00\x00\x00\n";

    #[test]
    fn layout_matches_word2vec() {
        let mut buf = Vec::new();
        write(&tiny(), &mut buf).unwrap();
        assert_eq!(buf, TINY_BYTES);
    }

    #[test]
    fn round_trip_is_exact() {
        let emb = random_embeddings(300, 17, 5);
        let mut buf = Vec::new();
        write(&emb, &mut buf).unwrap();
        assert_same(&parse(&buf, Some(buf.len() as u64)).unwrap(), &emb);
        assert_same(&parse(&buf, None).unwrap(), &emb);
    }

    #[test]
    fn reads_records_without_trailing_newline() {
        let gensim = b"2 2\na \x00\x00\x80\x3f\x00\x00\x00\xc0bc \x00\x00\x00\x3f\x00\x00\x00\x00";
        assert_same(&parse(gensim, Some(gensim.len() as u64)).unwrap(), &tiny());
    }

    #[test]
    fn every_truncation_is_an_error() {
        let mut buf = Vec::new();
        write(&random_embeddings(5, 3, 11), &mut buf).unwrap();
        // Dropping only the final newline leaves the valid gensim variant.
        for cut in 0..buf.len() - 1 {
            let part = &buf[..cut];
            assert!(
                parse(part, None).is_err(),
                "cut at {cut} read without error"
            );
            assert!(
                parse(part, Some(cut as u64)).is_err(),
                "cut at {cut} read without error"
            );
        }
        assert!(parse(&buf[..buf.len() - 1], None).is_ok());
        let err = parse(&buf[..buf.len() - 3], None).unwrap_err().to_string();
        assert!(
            err.contains("row 5 of 5: file ends inside the vector"),
            "{err}"
        );
    }

    #[test]
    fn huge_header_is_refused_before_allocating() {
        let bytes = b"100000000 100\na \x00\x00\x80\x3f";
        let err = parse(bytes, Some(bytes.len() as u64))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("promises 100000000 rows of 100 values but the file has only 20 bytes")
        );
        let err = parse(bytes, None).unwrap_err().to_string();
        assert!(
            err.contains("row 1 of 100000000: file ends inside the vector"),
            "{err}"
        );
    }

    #[test]
    fn garbage_is_an_error() {
        let mut long_word = b"1 1\n".to_vec();
        long_word.resize(5000, b'x');
        let cases: &[(&[u8], &str)] = &[
            (b"", "missing"),
            (b"\x7fELF\x02\x01\x01\x00", "missing"),
            (b"0 2\n", "implausible"),
            (&long_word, "row 1 of 1: no space within 1000 bytes"),
            (b"1 1\n \x00\x00\x80\x3f\n", "row 1 of 1: empty word"),
            (
                b"1 1\na \x00\x00\x80\x3f\nxyz",
                "data after the last of the 1 rows",
            ),
        ];
        for (bytes, expected) in cases {
            for len in [None, Some(bytes.len() as u64)] {
                let err = parse(bytes, len).unwrap_err().to_string();
                assert!(err.contains(expected), "{err:?} lacks {expected:?}");
            }
        }
    }

    #[test]
    fn non_utf8_words_decode_lossily() {
        let emb = parse(b"1 1\n\xffa \x00\x00\x80\x3f\n", None).unwrap();
        assert_eq!(emb.words, ["\u{fffd}a"]);
        assert_eq!(emb.vectors, array![[1.0]]);
    }

    #[test]
    fn path_round_trip() {
        let dir = scratch_dir("binary-path");
        let path = dir.join("v.bin");
        let emb = random_embeddings(20, 5, 13);
        write_path(&emb, &path).unwrap();
        assert_same(&read_path(&path).unwrap(), &emb);
        assert!(matches!(
            read_path(&dir.join("missing")),
            Err(Error::Io { .. })
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
