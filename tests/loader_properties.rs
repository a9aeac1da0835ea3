//! Property tests for the file loaders: whatever the bytes, every loader returns `Ok` or `Err`
//! and never panics; and word2vec text and binary exports read back exactly.
//!
//! The coverage-guided counterpart is the cargo-fuzz project in `fuzz/` (docs/fuzzing.md).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use ndarray::Array2;
use proptest::prelude::*;
use proptest::sample::Index;
use w2v::formats::{self, native, word2vec_binary, word2vec_text, Sniffed, VectorFormat};
use w2v::model::{Model, Settings};
use w2v::vocab::{self, Vocab};
use w2v::Embeddings;

/// A fresh file per call: the path-taking loaders (`read_counts`, `load_embeddings`) need one,
/// and proptest cases of different tests run in parallel.
fn scratch_file(bytes: &[u8]) -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!("w2v-loader-props-{}-{n}", std::process::id()));
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Runs every loader on `bytes`; a panic anywhere fails the property. Results are ignored.
fn all_loaders(bytes: &[u8]) {
    let path = Path::new("prop");
    let len = bytes.len() as u64;
    let _ = native::is_native(bytes);
    let _ = native::read(bytes, path, len);
    // A file that changed size between `metadata()` and the read.
    let _ = native::read(bytes, path, len + 13);
    let _ = native::read(bytes, path, len.saturating_sub(13));
    let _ = formats::sniff_word2vec(bytes, len);
    // A prefix of a longer file, as `load_embeddings` sniffs it.
    let _ = formats::sniff_word2vec(bytes, len + 1000);
    let _ = word2vec_text::read(bytes, path);
    let _ = word2vec_binary::read(bytes, path, Some(len));
    let _ = word2vec_binary::read(bytes, path, None);
    let _ = w2v::eval::analogy::parse_questions(bytes, path);
    let file = scratch_file(bytes);
    let _ = vocab::read_counts(&file);
    let _ = formats::load_embeddings(&file, None);
    let _ = formats::load_embeddings(&file, Some(VectorFormat::Text));
    let _ = formats::load_embeddings(&file, Some(VectorFormat::Binary));
    std::fs::remove_file(&file).unwrap();
}

/// Words the writers accept: non-empty, no ASCII whitespace (any other character is fine,
/// including controls and non-ASCII whitespace, which the readers do not split on).
fn word() -> impl Strategy<Value = String> {
    "[^ \t\n\r\x0C]{1,12}"
}

/// Random embeddings; `any_bits` allows NaN payloads, which only the binary format keeps.
fn embeddings(any_bits: bool) -> impl Strategy<Value = Embeddings> {
    let value = any::<u32>()
        .prop_map(f32::from_bits)
        .prop_filter("text cannot keep NaN bits", move |v| {
            any_bits || !v.is_nan()
        });
    (1usize..8, 1usize..6).prop_flat_map(move |(rows, dim)| {
        (
            prop::collection::vec(word(), rows),
            prop::collection::vec(value.clone(), rows * dim),
        )
            .prop_map(move |(words, values)| {
                Embeddings::new(words, Array2::from_shape_vec((rows, dim), values).unwrap())
            })
    })
}

/// A small valid native model: 2 to 6 words, dimension 1 to 4, each output-layer combination.
fn native_model() -> impl Strategy<Value = Vec<u8>> {
    (2usize..7, 1usize..5, 0usize..3, any::<u64>()).prop_map(|(words, dim, layers, seed)| {
        let (hs, negative) = [(true, 0), (false, 3), (true, 2)][layers];
        let settings = Settings {
            dim,
            hs,
            negative,
            seed,
            ..Settings::default()
        };
        // Counts in descending order, as a vocabulary is.
        let counts = (0..words as u64).map(|i| 10 * (words as u64 - i)).collect();
        let names = (0..words).map(|i| format!("w{i}")).collect();
        let mut model = Model::new(settings, Vocab::new(names, counts));
        model.info.partial = seed % 2 == 0;
        let mut bytes = Vec::new();
        native::write(&model, &mut bytes).unwrap();
        bytes
    })
}

fn text_file() -> impl Strategy<Value = Vec<u8>> {
    embeddings(false).prop_map(|emb| {
        let mut bytes = Vec::new();
        word2vec_text::write(&emb, &mut bytes).unwrap();
        bytes
    })
}

fn binary_file() -> impl Strategy<Value = Vec<u8>> {
    embeddings(true).prop_map(|emb| {
        let mut bytes = Vec::new();
        word2vec_binary::write(&emb, &mut bytes).unwrap();
        bytes
    })
}

/// One damage to a file; positions are drawn as `Index` so they fit whatever the length.
#[derive(Debug, Clone)]
enum Edit {
    Xor(Index, u8),
    Set(Index, u8),
    Insert(Index, u8),
    Remove(Index),
    Truncate(Index),
}

/// Bytes that matter to the parsers, mixed with arbitrary ones.
fn edit_byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        prop::sample::select(vec![
            0u8, 1, 0x7f, 0x80, 0xff, b' ', b'\n', b'\r', b'0', b'9', b'-', b':'
        ]),
        any::<u8>(),
    ]
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    let edit = prop_oneof![
        (any::<Index>(), 1u8..).prop_map(|(i, b)| Edit::Xor(i, b)),
        (any::<Index>(), edit_byte()).prop_map(|(i, b)| Edit::Set(i, b)),
        (any::<Index>(), edit_byte()).prop_map(|(i, b)| Edit::Insert(i, b)),
        any::<Index>().prop_map(Edit::Remove),
        any::<Index>().prop_map(Edit::Truncate),
    ];
    prop::collection::vec(edit, 1..6)
}

fn apply(mut bytes: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for edit in edits {
        let len = bytes.len();
        match *edit {
            Edit::Insert(ref i, b) => bytes.insert(i.index(len + 1), b),
            _ if len == 0 => {}
            Edit::Xor(ref i, b) => bytes[i.index(len)] ^= b,
            Edit::Set(ref i, b) => bytes[i.index(len)] = b,
            Edit::Remove(ref i) => {
                bytes.remove(i.index(len));
            }
            Edit::Truncate(ref i) => bytes.truncate(i.index(len)),
        }
    }
    bytes
}

/// Lines of tokens the parsers care about, so random input gets past the first line.
fn token_soup() -> impl Strategy<Value = Vec<u8>> {
    let token = prop_oneof![
        prop::sample::select(vec![
            "1",
            "2",
            "3",
            "0",
            "-1",
            "1e9",
            "2.5",
            "-0",
            "inf",
            "NaN",
            "1e-45",
            ":",
            ": s",
            "the",
            "é",
            "\u{a0}",
            "\t",
            "\r",
            "99999999999999999999",
        ])
        .prop_map(|s| s.as_bytes().to_vec()),
        prop::collection::vec(any::<u8>(), 1..4),
    ];
    let line = prop::collection::vec(token, 0..6).prop_map(|tokens| {
        let mut line = tokens.join(&b' ');
        line.push(b'\n');
        line
    });
    prop::collection::vec(line, 0..8).prop_map(|lines| lines.concat())
}

/// Bit-exact comparison, so that -0.0 / 0.0 and NaN payloads count.
fn assert_same(a: &Embeddings, b: &Embeddings) -> Result<(), TestCaseError> {
    prop_assert_eq!(&a.words, &b.words);
    prop_assert_eq!(a.vectors.dim(), b.vectors.dim());
    for (x, y) in a.vectors.iter().zip(b.vectors.iter()) {
        prop_assert_eq!(x.to_bits(), y.to_bits(), "{} vs {}", x, y);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        all_loaders(&bytes);
    }

    #[test]
    fn header_then_random_bytes_never_panic(
        rows in 0u64..20,
        dim in 0u64..20,
        body in prop::collection::vec(any::<u8>(), 0..400),
    ) {
        let mut bytes = format!("{rows} {dim}\n").into_bytes();
        bytes.extend_from_slice(&body);
        all_loaders(&bytes);
    }

    #[test]
    fn token_soup_never_panics(bytes in token_soup()) {
        all_loaders(&bytes);
    }

    #[test]
    fn damaged_native_models_never_panic(model in native_model(), edits in edits()) {
        all_loaders(&apply(model, &edits));
    }

    #[test]
    fn damaged_text_files_never_panic(file in text_file(), edits in edits()) {
        all_loaders(&apply(file, &edits));
    }

    #[test]
    fn damaged_binary_files_never_panic(file in binary_file(), edits in edits()) {
        all_loaders(&apply(file, &edits));
    }

    #[test]
    fn text_files_are_never_taken_for_binary(file in text_file()) {
        let sniffed = formats::sniff_word2vec(&file, file.len() as u64);
        prop_assert!(
            matches!(sniffed, Sniffed::Format(VectorFormat::Text) | Sniffed::Ambiguous),
            "{:?}", sniffed
        );
    }

    #[test]
    fn binary_files_are_never_taken_for_text(file in binary_file()) {
        let sniffed = formats::sniff_word2vec(&file, file.len() as u64);
        prop_assert!(
            matches!(sniffed, Sniffed::Format(VectorFormat::Binary) | Sniffed::Ambiguous),
            "{:?}", sniffed
        );
    }

    #[test]
    fn valid_native_models_read_back(model in native_model()) {
        let len = model.len() as u64;
        prop_assert!(native::read(&model[..], Path::new("m"), len).is_ok());
    }

    #[test]
    fn text_round_trip_is_exact(emb in embeddings(false)) {
        let mut bytes = Vec::new();
        word2vec_text::write(&emb, &mut bytes).unwrap();
        let back = word2vec_text::read(&bytes[..], Path::new("v.txt")).unwrap();
        assert_same(&back, &emb)?;
    }

    #[test]
    fn binary_round_trip_is_exact(emb in embeddings(true)) {
        let mut bytes = Vec::new();
        word2vec_binary::write(&emb, &mut bytes).unwrap();
        let path = Path::new("v.bin");
        let back = word2vec_binary::read(&bytes[..], path, Some(bytes.len() as u64)).unwrap();
        assert_same(&back, &emb)?;
        let streamed = word2vec_binary::read(&bytes[..], path, None).unwrap();
        assert_same(&streamed, &emb)?;
    }
}
