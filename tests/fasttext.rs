//! fastText `.bin` models: the reader against vectors fastText itself printed for the
//! committed fixture (made by scripts/make-fasttext-fixture.py), damaged files as errors
//! never panics, and the CLI reading a fastText model.

use std::path::{Path, PathBuf};
use std::process::Command;

use proptest::prelude::*;
use w2v::formats::{self, fasttext};
use w2v::Error;

const FIXTURE: &str = "tests/fixtures/tiny.fasttext.bin";
const VECTORS: &str = "tests/fixtures/tiny.fasttext.vectors.txt";

fn fixture_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURE)
}

fn fixture() -> Vec<u8> {
    std::fs::read(fixture_path()).unwrap()
}

fn vectors_file() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(VECTORS)).unwrap()
}

/// fastText's dictionary: (word, count) in its order, from the `count` lines.
fn expected_counts() -> Vec<(String, u64)> {
    vectors_file()
        .lines()
        .filter_map(|l| l.strip_prefix("count "))
        .map(|l| {
            let (word, n) = l.rsplit_once(' ').unwrap();
            (word.to_string(), n.parse().unwrap())
        })
        .collect()
}

/// (in vocabulary?, word, fastText's get_word_vector) for each `iv` and `oov` line.
fn expected() -> Vec<(bool, String, Vec<f32>)> {
    vectors_file()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("count "))
        .map(|line| {
            let mut fields = line.split(' ');
            let in_vocab = match fields.next().unwrap() {
                "iv" => true,
                "oov" => false,
                other => panic!("kind {other}"),
            };
            let word = fields.next().unwrap().to_string();
            let values = fields.map(|v| v.parse::<f64>().unwrap() as f32).collect();
            (in_vocab, word, values)
        })
        .collect()
}

fn read_bytes(bytes: &[u8]) -> w2v::Result<fasttext::FastTextModel> {
    fasttext::read(bytes, Path::new("m.bin"), bytes.len() as u64)
}

/// Within 1e-5 of fastText's values, relative to the vector's size (the OOV vectors of this
/// briefly trained model are ~1e-5 small, so an absolute bound would accept anything). The
/// reader sums and scales in f32 as fastText does, so today the values are bit-identical.
fn assert_close(word: &str, got: &[f32], want: &[f32]) {
    assert_eq!(got.len(), want.len(), "{word}");
    let norm = want.iter().map(|v| v * v).sum::<f32>().sqrt();
    assert!(norm > 0.0, "{word}: fastText's vector is zero");
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() <= 1e-5 * norm, "{word}: {got:?} vs {want:?}");
    }
}

#[test]
fn vectors_match_fasttext() {
    let model = read_bytes(&fixture()).unwrap();
    assert_eq!(model.version(), 12);
    assert_eq!((model.dim(), model.minn(), model.maxn()), (8, 3, 5));
    assert_eq!(model.bucket(), 1000);
    let (words, counts): (Vec<String>, Vec<u64>) = expected_counts().into_iter().unzip();
    assert_eq!(words.len(), 58);
    assert_eq!(model.words(), words);
    assert_eq!(model.counts(), counts);
    assert_eq!(model.input().nrows(), model.words().len() + 1000);
    let expected = expected();
    assert!(expected.iter().filter(|e| !e.0).count() >= 5);
    for (in_vocab, word, want) in &expected {
        assert_eq!(model.words().contains(word), *in_vocab, "{word}");
        let got = model.word_vector(word).unwrap();
        assert_close(word, &got, want);
    }
    // The .vec view holds the same in-vocabulary vectors, in dictionary order.
    let emb = model.to_embeddings();
    assert_eq!(emb.words, model.words());
    for (_, word, want) in expected.iter().filter(|e| e.0) {
        let row = emb.words.iter().position(|w| w == word).unwrap();
        assert_close(word, emb.vector(row).as_slice().unwrap(), want);
    }
}

#[test]
fn a_word_without_ngrams_has_no_vector() {
    let model = read_bytes(&fixture()).unwrap();
    // "<>" has no n-gram of 3 to 5 characters; "</s>" is never split.
    assert_eq!(model.word_vector(""), None);
    assert!(model.word_vector("</s>").is_some());
    // Out of the vocabulary, with n-grams: a vector from buckets alone.
    assert!(model.word_vector("xyzzy").is_some());
}

#[test]
fn load_embeddings_recognises_fasttext_models() {
    let emb = formats::load_embeddings(&fixture_path(), None).unwrap();
    let model = read_bytes(&fixture()).unwrap();
    assert_eq!(emb, model.to_embeddings());
}

fn format_message(result: w2v::Result<fasttext::FastTextModel>) -> String {
    match result {
        Err(Error::Format { message, .. }) => message,
        other => panic!("expected a format error, got {other:?}"),
    }
}

#[test]
fn every_truncation_is_an_error() {
    let bytes = fixture();
    let mut cuts: Vec<usize> = (0..200).collect();
    cuts.extend((200..bytes.len()).step_by(97));
    cuts.extend(bytes.len() - 40..bytes.len());
    for cut in cuts {
        let message = format_message(read_bytes(&bytes[..cut]));
        assert!(!message.is_empty(), "cut {cut}");
    }
    // Also when the reader is told the whole length but the stream stops early.
    let short = &bytes[..bytes.len() / 2];
    let result = fasttext::read(short, Path::new("m.bin"), bytes.len() as u64);
    assert!(format_message(result).contains("truncated"));
    // And a byte too many.
    let mut long = bytes.clone();
    long.push(0);
    assert!(format_message(read_bytes(&long)).contains("output matrix"));
}

#[test]
fn wrong_magic_and_versions_are_named() {
    let bytes = fixture();
    let mut magic = bytes.clone();
    magic[0] ^= 1;
    assert!(format_message(read_bytes(&magic)).contains("not a fastText model"));
    for version in [99i32, 10, -1] {
        let mut other = bytes.clone();
        other[4..8].copy_from_slice(&version.to_le_bytes());
        let message = format_message(read_bytes(&other));
        assert!(message.contains(&format!("version {version}")), "{message}");
    }
    // Version 11 unsupervised models read like version 12 ones.
    let mut v11 = bytes.clone();
    v11[4..8].copy_from_slice(&11i32.to_le_bytes());
    assert_eq!(read_bytes(&v11).unwrap().maxn(), 5);
    // Version 11 supervised models had no n-grams: fastText sets maxn to 0, so words outside
    // the vocabulary have no vector. (The model kind is the 8th argument, at byte 36.)
    v11[36..40].copy_from_slice(&3i32.to_le_bytes());
    let supervised = read_bytes(&v11).unwrap();
    assert_eq!(supervised.maxn(), 0);
    assert_eq!(supervised.word_vector("xyzzy"), None);
    assert!(supervised.word_vector("café").is_some());
}

/// Offset of the quantization flag: right after the dictionary (no pruned index).
fn quant_flag_offset(bytes: &[u8]) -> usize {
    let mut pos = 8 + 12 * 4 + 8;
    let size = i32::from_le_bytes(bytes[pos..pos + 4].try_into().unwrap());
    pos += 12 + 16;
    for _ in 0..size {
        pos += bytes[pos..].iter().position(|&b| b == 0).unwrap() + 1 + 9;
    }
    pos
}

#[test]
fn quantized_models_and_impossible_headers_are_refused() {
    let bytes = fixture();
    let flag = quant_flag_offset(&bytes);
    assert_eq!(bytes[flag], 0);
    let mut ftz = bytes.clone();
    ftz[flag] = 1;
    assert!(format_message(read_bytes(&ftz)).contains("quantized fastText models (.ftz)"));
    // An input matrix far larger than the file: refused before allocating.
    let mut huge = bytes.clone();
    huge[flag + 1..flag + 9].copy_from_slice(&(i64::MAX / 3).to_le_bytes());
    assert!(format_message(read_bytes(&huge)).contains("input matrix"));
    // A dictionary promising more entries than the file has bytes.
    let mut dict = bytes.clone();
    let size_at = 8 + 12 * 4 + 8;
    dict[size_at..size_at + 4].copy_from_slice(&i32::MAX.to_le_bytes());
    dict[size_at + 4..size_at + 8].copy_from_slice(&i32::MAX.to_le_bytes());
    assert!(format_message(read_bytes(&dict)).contains("promises"));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn damaged_models_never_panic(
        flips in proptest::collection::vec((any::<proptest::sample::Index>(), any::<u8>()), 1..8),
        cut in any::<proptest::sample::Index>(),
    ) {
        let mut bytes = fixture();
        for (at, xor) in flips {
            let i = at.index(bytes.len());
            bytes[i] ^= xor;
        }
        let _ = read_bytes(&bytes);
        let end = cut.index(bytes.len() + 1);
        let _ = read_bytes(&bytes[..end]);
        if let Ok(model) = read_bytes(&bytes) {
            let _ = model.word_vector("café");
            let _ = model.to_embeddings();
        }
    }

    #[test]
    fn random_bytes_after_the_magic_never_panic(
        tail in proptest::collection::vec(any::<u8>(), 0..512),
        version in prop_oneof![Just(11i32), Just(12i32), any::<i32>()],
    ) {
        let mut bytes = fasttext::MAGIC.to_le_bytes().to_vec();
        bytes.extend(version.to_le_bytes());
        bytes.extend(tail);
        let _ = read_bytes(&bytes);
    }
}

#[test]
fn cli_reads_fasttext_models() {
    let out = Command::new(env!("CARGO_BIN_EXE_w2v"))
        .args(["vector"])
        .arg(fixture_path())
        .args(["café", "walking"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let expected = expected();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    for line in lines {
        let mut fields = line.split(' ');
        let word = fields.next().unwrap();
        let got: Vec<f32> = fields.map(|v| v.parse().unwrap()).collect();
        let (_, _, want) = expected.iter().find(|e| e.1 == word).unwrap();
        assert_close(word, &got, want);
    }

    let out = Command::new(env!("CARGO_BIN_EXE_w2v"))
        .args(["similar"])
        .arg(fixture_path())
        .arg("walking")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.stdout.is_empty());
}

#[test]
fn cli_names_a_damaged_fasttext_model() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cut.bin");
    let bytes = fixture();
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_w2v"))
        .arg("vector")
        .arg(&path)
        .arg("café")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("w2v: error: "), "{stderr}");
    assert!(stderr.contains("cut.bin"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
