//! Vector file formats shared with other tools, and the non-destructive write every output
//! uses ([`destination`]).

pub mod destination;
pub mod native;
pub mod word2vec_binary;
pub mod word2vec_text;

use std::fs::File;
use std::io::{self, BufRead, Read};
use std::path::Path;

use crate::{Embeddings, Error, Result};

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
    if rows == 0 || dim == 0 || dim > MAX_DIM as u64 {
        return Err(Error::format(
            path,
            format!("implausible header '{rows} {dim}'"),
        ));
    }
    let fits = rows
        .checked_mul(dim)
        .and_then(|n| n.checked_mul(4))
        .is_some_and(|bytes| bytes <= isize::MAX as u64);
    if !fits {
        return Err(Error::format(
            path,
            format!("header '{rows} {dim}' is too large"),
        ));
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

/// Decides the format from a file's first bytes (up to a few KiB), so users need not say.
pub fn sniff_word2vec(prefix: &[u8]) -> Option<VectorFormat> {
    let end = prefix.iter().position(|&b| b == b'\n')?;
    let (rows, dim) = parse_header(&prefix[..end])?;
    if rows == 0 || dim == 0 {
        return None;
    }
    let body = &prefix[end + 1..];
    // The prefix may cut a multi-byte character; only an error before the cut is binary.
    let body = match std::str::from_utf8(body) {
        Ok(s) => s,
        Err(e) if e.error_len().is_none() => std::str::from_utf8(&body[..e.valid_up_to()]).ok()?,
        Err(_) => return Some(VectorFormat::Binary),
    };
    if body
        .chars()
        .any(|c| c.is_control() && !c.is_ascii_whitespace())
    {
        return Some(VectorFormat::Binary);
    }
    let complete = body.ends_with('\n');
    let lines: Vec<&str> = body.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let mut values: Vec<&str> = line.split_ascii_whitespace().skip(1).collect();
        let last = i + 1 == lines.len() && !complete;
        if last {
            values.pop(); // may be a number cut short
        }
        let parsed = values.iter().all(|v| v.parse::<f32>().is_ok());
        let count_ok = if last {
            values.len() <= dim as usize
        } else {
            values.len() as u64 == dim
        };
        if !parsed || !(count_ok || line.trim().is_empty()) {
            return Some(VectorFormat::Binary);
        }
    }
    Some(VectorFormat::Text)
}

/// Loads word vectors from a w2v model or a word2vec text or binary file, by content.
pub fn load_embeddings(path: &Path) -> Result<Embeddings> {
    let mut head = Vec::with_capacity(4096);
    File::open(path)
        .and_then(|f| f.take(4096).read_to_end(&mut head))
        .map_err(|e| Error::io(path, e))?;
    if native::is_native(&head) {
        return Ok(native::read_path(path)?.into_embeddings());
    }
    match sniff_word2vec(&head) {
        Some(VectorFormat::Text) => word2vec_text::read_path(path),
        Some(VectorFormat::Binary) => word2vec_binary::read_path(path),
        None => Err(Error::format(
            path,
            "not a w2v model nor a word2vec text or binary vector file",
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

    #[test]
    fn sniff_detects_both_formats() {
        let emb = random_embeddings(200, 30, 1);
        let mut text = Vec::new();
        word2vec_text::write(&emb, &mut text).unwrap();
        let mut binary = Vec::new();
        word2vec_binary::write(&emb, &mut binary).unwrap();
        // Cuts anywhere: mid-number, mid-character, right after the header.
        for cut in [4096, 4095, 1000, 999, 100, 12] {
            assert_eq!(
                sniff_word2vec(&text[..cut]),
                Some(VectorFormat::Text),
                "cut {cut}"
            );
            assert_eq!(
                sniff_word2vec(&binary[..cut]),
                Some(VectorFormat::Binary),
                "cut {cut}"
            );
        }
        assert_eq!(
            sniff_word2vec(b"2 3 \r\nthe 1 2 3 \r\na 4 5 6 \r\n"),
            Some(VectorFormat::Text)
        );
        // A short row is not word2vec text.
        assert_eq!(
            sniff_word2vec(b"2 3\nthe 1 2\n"),
            Some(VectorFormat::Binary)
        );
    }

    #[test]
    fn sniff_rejects_non_vector_files() {
        let mut rng = SmallRng::seed_from_u64(7);
        for _ in 0..100 {
            let bytes: Vec<u8> = (0..4096).map(|_| rng.random()).collect();
            assert_eq!(sniff_word2vec(&bytes), None);
        }
        for bad in [
            &b""[..],
            b"2 3",
            b"0 3\nx\n",
            b"the quick brown fox\n",
            b"2 x\n",
        ] {
            assert_eq!(sniff_word2vec(bad), None);
        }
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
