//! Vectors for words outside the vocabulary (issue 13): `vector`, `similar`, `analogy`,
//! `predict` and `eval --oov` build them from character n-grams; `export --format fasttext`
//! writes a `.bin` that w2v reads back with the same vectors. Models are made here, with
//! random rows, so that every expected value is computed from the rows themselves.

mod common;

use std::path::{Path, PathBuf};

use common::{assert_ok, assert_one_line_error, run, run_with_stdin, stderr, stdout, w2v, TempDir};
use w2v::model::{Model, Settings};
use w2v::subwords::{fasttext_hash, ngrams, NgramSettings};
use w2v::vocab::Vocab;

const WORDS: [&str; 10] = [
    "the", "walk", "walked", "walking", "talk", "talked", "talks", "jump", "café", "play",
];

fn ngram_settings() -> NgramSettings {
    NgramSettings::new(3, 5, 4000).unwrap()
}

/// A model over WORDS with random input rows (word and n-gram rows) and random
/// hierarchical-softmax nodes, saved in w2v's format.
fn subword_model(dir: &TempDir, subwords: Option<NgramSettings>) -> (PathBuf, Model) {
    let counts = (0..WORDS.len() as u64).map(|i| 50 - i).collect();
    let vocab = Vocab::new(WORDS.iter().map(|w| w.to_string()).collect(), counts);
    let settings = Settings {
        dim: 8,
        subwords,
        seed: 11,
        ..Settings::default()
    };
    let mut model = Model::new(settings, vocab);
    for (i, x) in model.nodes.iter_mut().enumerate() {
        *x = ((i * 37 % 17) as f32 - 8.0) / 10.0;
    }
    let path = dir.path("model.w2v");
    w2v::formats::native::write_path(&model, &path).unwrap();
    (path, model)
}

/// `word v1 v2 ...` lines of `w2v vector`.
fn printed_vectors(out: &str) -> Vec<(String, Vec<f32>)> {
    out.lines()
        .map(|l| {
            let mut fields = l.split(' ');
            let word = fields.next().unwrap().to_string();
            (word, fields.map(|x| x.parse().unwrap()).collect())
        })
        .collect()
}

/// By hand from the rows: every n-gram of the word, its bucket's row if the model keeps
/// one (zero otherwise), summed and divided by the number of n-grams.
fn hand_oov_vector(model: &Model, word: &str) -> (Vec<f64>, usize, usize) {
    let s = model.settings.subwords.unwrap();
    let (v, dim) = (model.vocab.len(), model.dim());
    let grams = ngrams(word, s.minn, s.maxn);
    let mut sum = vec![0f64; dim];
    let mut known = 0;
    for g in &grams {
        let bucket = fasttext_hash(g.as_bytes()) % s.buckets;
        if let Ok(i) = model.ngram_buckets.binary_search(&bucket) {
            known += 1;
            let row = &model.input[(v + i) * dim..(v + i + 1) * dim];
            sum.iter_mut()
                .zip(row)
                .for_each(|(s, &x)| *s += f64::from(x));
        }
    }
    let n = grams.len() as f64;
    (sum.into_iter().map(|x| x / n).collect(), known, grams.len())
}

fn vector_of(model: &Path, word: &str) -> Vec<f32> {
    let out = run(w2v().arg("vector").arg(model).arg(word));
    assert_ok(&out);
    let rows = printed_vectors(&stdout(&out));
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].0, word);
    rows[0].1.clone()
}

#[test]
fn oov_vector_is_the_mean_over_all_its_ngrams() {
    let dir = TempDir::new("oov-hand");
    let (path, model) = subword_model(&dir, Some(ngram_settings()));
    // "walks" shares <wa, wal, walk, ... with the vocabulary but has n-grams it lacks (ks>).
    for word in ["walks", "talking", "cafés"] {
        let (expected, known, all) = hand_oov_vector(&model, word);
        assert!(
            known > 0 && known < all,
            "{word}: {known} of {all} n-grams known"
        );
        let got = vector_of(&path, word);
        assert_eq!(got.len(), expected.len());
        for (g, e) in got.iter().zip(&expected) {
            assert!(
                (f64::from(*g) - e).abs() < 1e-6,
                "{word}: {got:?} vs {expected:?}"
            );
        }
    }
    // A vocabulary word is the mean of its own row and its n-gram rows, as exported.
    let exported = model.clone().into_embeddings();
    let walk = WORDS.iter().position(|w| *w == "walk").unwrap();
    assert_eq!(vector_of(&path, "walk"), exported.vector(walk).to_vec());
}

#[test]
fn a_word_without_known_ngrams_is_one_clear_error() {
    let dir = TempDir::new("oov-none");
    let (path, model) = subword_model(&dir, Some(ngram_settings()));
    let (_, known, _) = hand_oov_vector(&model, "zzqx");
    assert_eq!(known, 0);
    let needle = "'zzqx' is not in the vocabulary and none of its character n-grams is known";
    for args in [
        vec!["vector", "zzqx"],
        vec!["similar", "zzqx"],
        vec!["analogy", "walk", "walked", "zzqx"],
    ] {
        let mut cmd = w2v();
        cmd.arg(args[0]).arg(&path).args(&args[1..]);
        assert_one_line_error(&run(&mut cmd), 1, needle);
    }
    let out = run(w2v()
        .args(["predict"])
        .arg(&path)
        .args(["--context", "walk", "zzqx"]));
    assert_one_line_error(&out, 1, needle);
    // From stdin the word is a warning, the others are printed, the exit code says so.
    let out = run_with_stdin(w2v().arg("vector").arg(&path), "walks\nzzqx\nthe\n");
    assert_eq!(out.status.code(), Some(1));
    let words: Vec<String> = printed_vectors(&stdout(&out))
        .into_iter()
        .map(|(w, _)| w)
        .collect();
    assert_eq!(words, ["walks", "the"]);
    assert!(stderr(&out).contains(needle), "{}", stderr(&out));
    // A word-only model says only that the word is unknown.
    let plain = TempDir::new("oov-plain");
    let (plain_path, _) = subword_model(&plain, None);
    assert_one_line_error(
        &run(w2v().arg("vector").arg(&plain_path).arg("walks")),
        1,
        "'walks' is not in the vocabulary",
    );
}

#[test]
fn similar_analogy_and_predict_take_oov_words() {
    let dir = TempDir::new("oov-queries");
    let (path, model) = subword_model(&dir, Some(ngram_settings()));
    let normed = |v: &[f32]| {
        let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.iter().map(|x| x / n).collect::<Vec<_>>()
    };
    // similar: the neighbours of "walks" ranked by cosine with its n-gram vector.
    let out = run(w2v().arg("similar").arg(&path).args(["walks", "-k", "3"]));
    assert_ok(&out);
    let oov = normed(&vector_of(&path, "walks"));
    let emb = model.clone().into_embeddings();
    let mut by_cosine: Vec<(f32, &str)> = WORDS
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let v = normed(emb.vector(i).as_slice().unwrap());
            (v.iter().zip(&oov).map(|(a, b)| a * b).sum(), *w)
        })
        .collect();
    by_cosine.sort_by(|a, b| b.0.total_cmp(&a.0));
    let listed: Vec<String> = stdout(&out)
        .lines()
        .map(|l| l.split('\t').next().unwrap().to_string())
        .collect();
    let expected: Vec<&str> = by_cosine.iter().take(3).map(|(_, w)| *w).collect();
    assert_eq!(listed, expected);
    // analogy with an OOV word answers with vocabulary words, not excluding anything for it.
    let out = run(w2v()
        .arg("analogy")
        .arg(&path)
        .args(["walk", "walks", "talk", "-k", "20"]));
    assert_ok(&out);
    let answers = stdout(&out).lines().count();
    assert_eq!(answers, WORDS.len() - 2, "all but walk and talk");
    // predict: an OOV context word moves the prediction, and works alone.
    let predict = |context: &[&str]| {
        let out = run(w2v()
            .arg("predict")
            .arg(&path)
            .arg("--json")
            .arg("--context")
            .args(context));
        assert_ok(&out);
        stdout(&out)
    };
    assert_ne!(predict(&["walks"]), predict(&["the"]));
    assert_ne!(predict(&["the", "walks"]), predict(&["the"]));
}

/// The hidden vector of a subword model's context is the mean of its words' composed
/// vectors (own row and n-gram rows), not of their bare rows.
#[test]
fn predict_uses_composed_vectors() {
    let dir = TempDir::new("oov-predict-lib");
    let (_, model) = subword_model(&dir, Some(ngram_settings()));
    let walk = model.vocab.id("walk").unwrap();
    let hidden = w2v::predict::hidden_from_context(&model, &[walk]);
    let composed = model.clone().into_embeddings();
    for (h, c) in hidden.iter().zip(composed.vector(walk as usize)) {
        assert!((h - c).abs() < 1e-7, "{hidden:?}");
    }
    let bare = &model.input[walk as usize * model.dim()..(walk as usize + 1) * model.dim()];
    assert_ne!(hidden, bare);
    let by_word = w2v::predict::hidden_from_words(&model, &["walk"]).unwrap();
    assert_eq!(by_word, hidden);
}

fn questions(dir: &TempDir) -> PathBuf {
    // Two questions in the vocabulary, three with one word outside it (one of which is the
    // expected answer), and one whose OOV word has no known n-gram.
    dir.write(
        "questions.txt",
        ": tenses\nwalk walked talk talked\ntalk talked walk walked\n\
         walk walks talk talks\nwalk walking talk talkings\nwalk walks talk talked\n\
         zzqx walked talk talked\n",
    )
}

#[test]
fn eval_oov_reports_skipped_questions_apart() {
    let dir = TempDir::new("oov-eval");
    let (path, model) = subword_model(&dir, Some(ngram_settings()));
    let q = questions(&dir);
    let pairs = dir.write(
        "pairs.txt",
        "walk walked 8\ntalkings talk 7\nthe walking 1\nwalks the 2\njump play 3\n",
    );
    let eval = |extra: &[&str], model: &Path| {
        let out = run(w2v()
            .arg("eval")
            .arg(model)
            .arg("--analogies")
            .arg(&q)
            .arg("--similarity")
            .arg(&pairs)
            .args(extra));
        assert_ok(&out);
        stdout(&out)
    };
    // The standard protocol ignores n-grams: same report as the exported vectors give.
    let text = dir.path("vectors.txt");
    assert_ok(&run(w2v()
        .arg("export")
        .arg(&path)
        .args(["--format", "text", "--output"])
        .arg(&text)));
    let standard = eval(&[], &path);
    let replace = |s: &str| s.replace(path.to_str().unwrap(), "MODEL");
    assert_eq!(
        replace(&standard),
        eval(&[], &text).replace(text.to_str().unwrap(), "MODEL")
    );
    assert!(standard.contains("/2 seen of 6 questions"), "{standard}");
    assert!(!standard.contains("oov total"), "{standard}");
    // --oov prints the same standard report first, then the extra questions apart.
    let with_oov = eval(&["--oov"], &path);
    assert!(with_oov.starts_with(&standard), "{with_oov}");
    let extra = &with_oov[standard.len()..];
    assert!(
        extra.contains("scored of 4 skipped questions (1 with the answer outside the candidates, 1 without vectors)"),
        "{extra}"
    );
    assert!(extra.contains("/3 scored"), "{extra}");
    assert!(extra.contains("oov: spearman"), "{extra}");
    // JSON: "oov" only with --oov, the standard figures identical.
    let json = |extra: &[&str]| -> serde_json::Value {
        serde_json::from_str(&eval(&[&["--json"], extra].concat(), &path)).unwrap()
    };
    let (plain, oov) = (json(&[]), json(&["--oov"]));
    let analogies = &oov["analogies"][0];
    assert!(plain["analogies"][0].get("oov").is_none());
    let mut without = analogies.clone();
    without.as_object_mut().unwrap().remove("oov");
    assert_eq!(without, plain["analogies"][0]);
    assert_eq!(analogies["oov"]["skipped"], 4);
    assert_eq!(analogies["oov"]["total"]["seen"], 3);
    assert_eq!(analogies["oov"]["no_vector"], 1);
    let sim = &oov["similarity"][0]["oov"];
    assert_eq!(sim["skipped"], 2);
    assert_eq!(sim["used"], 2);
    assert_eq!(sim["all_used"], 5);
    // The oov total counts a question right when its answer is the best candidate.
    let right = analogies["oov"]["total"]["correct"].as_u64().unwrap();
    assert!(
        right <= 2,
        "the question answered by an OOV word cannot be right"
    );
    // A model without n-grams has nothing to build OOV vectors from.
    let plain_dir = TempDir::new("oov-eval-plain");
    let (plain_path, _) = subword_model(&plain_dir, None);
    let out = run(w2v()
        .arg("eval")
        .arg(&plain_path)
        .arg("--analogies")
        .arg(&q)
        .arg("--oov"));
    assert_one_line_error(&out, 2, "--oov");
    drop(model);
}

#[test]
fn fasttext_bin_reads_back_with_the_native_vectors() {
    let dir = TempDir::new("oov-bin");
    for (name, subwords) in [("sub", Some(ngram_settings())), ("plain", None)] {
        let (path, _) = subword_model(&dir, subwords);
        let bin = dir.path(&format!("{name}.bin"));
        assert_ok(&run(w2v()
            .arg("export")
            .arg(&path)
            .args(["--format", "fasttext", "--output"])
            .arg(&bin)));
        let mut words: Vec<&str> = WORDS.to_vec();
        if subwords.is_some() {
            words.extend(["walks", "talking", "cafés"]);
        }
        let vectors = |model: &Path| {
            let out = run(w2v().arg("vector").arg(model).args(&words));
            assert_ok(&out);
            stdout(&out)
        };
        assert_eq!(vectors(&bin), vectors(&path), "{name}");
        // Exported again from the .bin: the same bytes.
        let again = dir.path(&format!("{name}-again.bin"));
        assert_ok(&run(w2v()
            .arg("export")
            .arg(&bin)
            .args(["--format", "fasttext", "--output"])
            .arg(&again)));
        assert_eq!(std::fs::read(&bin).unwrap(), std::fs::read(&again).unwrap());
        std::fs::remove_file(&path).unwrap();
    }
}

#[test]
fn truncated_bin_and_word2vec_sources_are_refused() {
    let dir = TempDir::new("oov-bin-bad");
    let (path, _) = subword_model(&dir, Some(ngram_settings()));
    let bin = dir.path("m.bin");
    assert_ok(&run(w2v()
        .arg("export")
        .arg(&path)
        .args(["--format", "fasttext", "--output"])
        .arg(&bin)));
    let bytes = std::fs::read(&bin).unwrap();
    for cut in [10, 100, bytes.len() / 2, bytes.len() - 1] {
        let short = dir.write("short.bin", &bytes[..cut]);
        let out = run(w2v().arg("vector").arg(&short).arg("walk"));
        assert_one_line_error(&out, 1, "short.bin");
        let err = stderr(&out);
        assert!(
            err.contains("truncated") || err.contains("has only") || err.contains("does not fill"),
            "cut {cut}: {err}"
        );
    }
    // A word2vec file has no counts, n-grams or output layer to make a fastText model of.
    let text = dir.path("v.txt");
    assert_ok(&run(w2v()
        .arg("export")
        .arg(&path)
        .args(["--format", "text", "--output"])
        .arg(&text)));
    let out = run(w2v()
        .arg("export")
        .arg(&text)
        .args(["--format", "fasttext", "--output"])
        .arg(dir.path("x.bin")));
    assert_one_line_error(&out, 2, "--format fasttext needs a w2v model");
    assert!(!dir.path("x.bin").exists());
}
