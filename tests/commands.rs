//! End-to-end tests of what word2vec, gensim and fastText users type: option aliases,
//! word2vec's single-dash lines, the output-layer options, `--save-vectors`, the `vector` and
//! `analogy` commands, `--json`, and eval's report. Plus training once per SIMD kernel.

mod common;

use common::*;

use std::path::PathBuf;
use std::process::Output;

use serde_json::Value;

/// Mean same-topic minus cross-topic cosine.
fn topic_separation(rows: &[(String, Vec<f32>)]) -> f32 {
    let get = |w: String| &rows.iter().find(|(x, _)| *x == w).unwrap().1;
    let (mut same, mut cross) = (0.0, 0.0);
    for i in 0..6 {
        for j in 0..6 {
            if i != j {
                same += cosine(get(format!("a{i}")), get(format!("a{j}"))) / 30.0;
            }
            cross += cosine(get(format!("a{i}")), get(format!("b{j}"))) / 36.0;
        }
    }
    same - cross
}

/// man = e0, woman = e1, king = e0 + e2, queen = e1 + e2 (king - man + woman = queen), plus
/// unrelated words, as word2vec text vectors.
fn royal_vectors(dir: &TempDir) -> PathBuf {
    let rows = [
        ("man", "1 0 0 0"),
        ("woman", "0 1 0 0"),
        ("king", "1 0 1 0"),
        ("queen", "0 1 1 0"),
        ("apple", "0 0 0 1"),
        ("pear", "0 0.1 0 1"),
        ("prince", "1 0 1.2 0.3"),
    ];
    let mut text = format!("{} 4\n", rows.len());
    for (w, v) in rows {
        text.push_str(&format!("{w} {v}\n"));
    }
    dir.write("royals.txt", text)
}

fn summary_line(o: &Output) -> String {
    let err = stderr(o);
    err.lines()
        .rfind(|l| l.starts_with("trained "))
        .unwrap_or_else(|| panic!("no summary line in: {err}"))
        .to_string()
}

#[test]
fn word2vec_command_lines_train_like_word2vec() {
    let dir = TempDir::new("w2vline");
    let corpus = dir.write("c.txt", topic_corpus(300));
    let vectors = dir.path("v.txt");
    let o = run(w2v()
        .args(["train", "-train"])
        .arg(&corpus)
        .arg("-output")
        .arg(&vectors)
        .args([
            "-size",
            "16",
            "-min-count",
            "1",
            "-iter",
            "2",
            "-threads",
            "1",
        ]));
    assert_ok(&o);
    assert!(
        stderr(&o).contains("reading word2vec's options as: w2v train --input"),
        "{}",
        stderr(&o)
    );
    // word2vec's defaults: CBOW with 5 negative samples, no hierarchical softmax.
    assert!(summary_line(&o).contains(": CBOW + NS (5), 12 words,"));
    let rows = read_text_vectors(&vectors);
    assert_eq!((rows.len(), rows[0].1.len()), (12, 16));

    // Without the subcommand, with -binary 1 and word2vec's spelling of the output layer.
    let bin = dir.path("v.bin");
    let o = run(w2v()
        .arg("-train")
        .arg(&corpus)
        .arg("-output")
        .arg(&bin)
        .args(["-binary", "1", "-cbow", "0", "-hs", "1", "-negative", "0"])
        .args(["-size", "8", "-min-count", "1", "-iter", "1", "-debug", "0"]));
    assert_ok(&o);
    assert!(stderr(&o).is_empty(), "-debug 0 is quiet: {}", stderr(&o));
    let raw = std::fs::read(&bin).unwrap();
    assert!(raw.starts_with(b"12 8\n"));
    // Each row: the word, a space, 8 little-endian f32, a newline.
    assert_eq!(raw.len(), 5 + word_bytes(&raw) + 12 * (1 + 8 * 4 + 1));

    // What cannot be translated fails with exit 2 and says why, never the help with exit 0.
    for (args, needle) in [
        (
            &["-size", "50", "-hs", "0", "-classes", "5"][..],
            "-classes",
        ),
        (&["-hs", "2"][..], "-hs takes 0 or 1"),
        (&["-hsx", "1"][..], "unknown option -hsx"),
        (&["-size"][..], "-size needs a value"),
    ] {
        let o = run(w2v()
            .args(["train", "-train"])
            .arg(&corpus)
            .arg("-output")
            .arg(dir.path("x"))
            .args(args));
        assert_one_line_error(&o, 2, needle);
    }
    assert!(!dir.path("x").exists());
}

/// Bytes of the words in a binary vectors file of 12 rows of 8 floats.
fn word_bytes(raw: &[u8]) -> usize {
    let (mut at, mut total) = (5, 0);
    for _ in 0..12 {
        let space = raw[at..].iter().position(|&b| b == b' ').unwrap();
        total += space;
        at += space + 1 + 8 * 4 + 1;
    }
    total
}

#[test]
fn gensim_and_fasttext_spellings_are_accepted() {
    let dir = TempDir::new("aliases");
    let corpus = dir.write("c.txt", topic_corpus(100));
    let vocab = dir.path("vocab.txt");
    let vectors = dir.path("v.txt");
    let o = run(w2v()
        .args(["train", "-q", "-i"])
        .arg(&corpus)
        .arg("-o")
        .arg(dir.path("m.w2v"))
        .args([
            "--size",
            "8",
            "--iter",
            "1",
            "--min_count",
            "1",
            "--workers",
            "1",
        ])
        .args([
            "--ws",
            "2",
            "--lr",
            "0.05",
            "--neg",
            "2",
            "--ns_exponent",
            "0.5",
        ])
        .args(["--max_vocab", "100", "--save_vocab"])
        .arg(&vocab)
        .arg("--save-vectors")
        .arg(&vectors));
    assert_ok(&o);
    assert!(stderr(&o).is_empty(), "-q is quiet: {}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&vocab).unwrap().lines().count(), 12);
    assert_eq!(read_text_vectors(&vectors)[0].1.len(), 8);

    let o = run(w2v()
        .args(["train", "--input"])
        .arg(&corpus)
        .arg("--save-vectors")
        .arg(&vectors)
        .args([
            "--vector-size",
            "4",
            "--epoch",
            "1",
            "--minCount",
            "1",
            "--thread",
            "1",
        ])
        .args(["--loss", "ns", "--read_vocab"])
        .arg(&vocab));
    assert_ok(&o);
    assert!(summary_line(&o).contains("skip-gram + NS (5), 12 words"));
    assert_eq!(read_text_vectors(&vectors)[0].1.len(), 4);
}

#[test]
fn value_forms_of_flags_say_what_to_write() {
    let dir = TempDir::new("valueforms");
    let corpus = dir.write("c.txt", topic_corpus(20));
    for (flag, value, needle) in [
        ("--cbow", "1", "write --cbow alone"),
        ("--cbow", "0", "omit --cbow"),
        ("--hs", "0", "--loss ns"),
        ("--hs", "1", "write --hs alone"),
    ] {
        let o = run(w2v()
            .args(["train", flag, value, "-i"])
            .arg(&corpus)
            .arg("-o")
            .arg(dir.path("m.w2v")));
        assert_one_line_error(&o, 2, needle);
    }
}

#[test]
fn output_layer_options_and_the_summary_line() {
    let dir = TempDir::new("layers");
    let corpus = dir.write("c.txt", topic_corpus(100));
    let model = dir.path("m.w2v");
    let train = |extra: &[&str]| {
        run(w2v()
            .args(["train", "--dim", "8", "--min-count", "1", "--epochs", "1"])
            .args(["--threads", "1", "--input"])
            .arg(&corpus)
            .arg("--output")
            .arg(&model)
            .args(extra))
    };
    for (extra, layer, has_tree) in [
        (&[][..], "skip-gram + HS,", true),
        (&["--negative", "3"][..], "skip-gram + NS (3),", false),
        (
            &["--no-hs", "--negative", "3"][..],
            "skip-gram + NS (3),",
            false,
        ),
        (
            &["--hs", "--negative", "2"][..],
            "skip-gram + HS + NS (2),",
            true,
        ),
        (&["--loss", "ns"][..], "skip-gram + NS (5),", false),
        (
            &["--loss", "hs+ns", "--neg", "4"][..],
            "+ HS + NS (4),",
            true,
        ),
        (&["--cbow", "--loss", "hs"][..], "CBOW + HS,", true),
        (
            &["--loss", "hs", "--negative", "0"][..],
            "skip-gram + HS,",
            true,
        ),
    ] {
        let o = train(extra);
        assert_ok(&o);
        let line = summary_line(&o);
        assert!(line.contains(layer), "{extra:?}: {line}");
        assert!(
            line.contains("words/s") && line.contains(", 12 words,"),
            "{line}"
        );
        let fixed = line.len() - model.to_str().unwrap().len();
        assert!(fixed <= 100, "{fixed} columns before the path: {line}");
        // predict reads the layer that really trained: the tree when there is one, else a
        // softmax over the negative-sampling output vectors.
        let o = run(w2v().arg("predict").arg(&model).args(["--context", "a1"]));
        assert_ok(&o);
        let said = if has_tree {
            "tree nodes"
        } else {
            "negative sampling"
        };
        assert!(stderr(&o).contains(said), "{extra:?}: {}", stderr(&o));
    }
    for (extra, first, second) in [
        (
            &["--loss", "hs", "--negative", "5"][..],
            "--loss hs",
            "--negative 5",
        ),
        (
            &["--loss", "ns", "--negative", "0"][..],
            "--loss ns",
            "--negative 0",
        ),
        (&["--no-hs", "--loss", "hs"][..], "--loss hs", "--no-hs"),
        (&["--hs", "--loss", "ns"][..], "--loss ns", "--hs"),
    ] {
        let o = train(extra);
        assert_one_line_error(&o, 2, first);
        assert!(stderr(&o).contains(second), "{}", stderr(&o));
    }
}

#[test]
fn save_vectors_writes_what_export_writes() {
    let dir = TempDir::new("savevectors");
    let corpus = dir.write("c.txt", topic_corpus(100));
    for format in ["text", "binary"] {
        let (model, vectors, exported) = (dir.path("m.w2v"), dir.path("v"), dir.path("e"));
        let o = run(w2v()
            .args([
                "train",
                "-q",
                "--dim",
                "8",
                "--min-count",
                "1",
                "--epochs",
                "1",
            ])
            .args(["--threads", "1", "--format", format, "-i"])
            .arg(&corpus)
            .arg("-o")
            .arg(&model)
            .arg("--save-vectors")
            .arg(&vectors));
        assert_ok(&o);
        let o = run(w2v()
            .arg("export")
            .arg(&model)
            .args(["--format", format, "-o"])
            .arg(&exported));
        assert_ok(&o);
        assert_eq!(
            std::fs::read(&vectors).unwrap(),
            std::fs::read(&exported).unwrap(),
            "{format}"
        );
    }
    let o = run(w2v()
        .args(["train", "-i"])
        .arg(&corpus)
        .arg("--save-vectors")
        .arg(&corpus));
    assert_one_line_error(&o, 2, "refusing to overwrite");
    let o = run(w2v()
        .args(["train", "--format", "binary", "-i"])
        .arg(&corpus)
        .arg("-o")
        .arg(dir.path("m2.w2v")));
    assert_one_line_error(&o, 2, "--save-vectors");
}

#[test]
fn vector_prints_word2vec_rows_from_arguments_or_stdin() {
    let dir = TempDir::new("vector");
    let corpus = dir.write("c.txt", topic_corpus(100));
    let (model, text) = (dir.path("m.w2v"), dir.path("v.txt"));
    let o = run(w2v()
        .args([
            "train",
            "-q",
            "--dim",
            "8",
            "--min-count",
            "1",
            "--epochs",
            "1",
            "-i",
        ])
        .arg(&corpus)
        .arg("-o")
        .arg(&model)
        .arg("--save-vectors")
        .arg(&text));
    assert_ok(&o);
    let exported = std::fs::read_to_string(&text).unwrap();
    let line_of = |w: &str| {
        exported
            .lines()
            .find(|l| l.split(' ').next() == Some(w))
            .unwrap()
            .to_string()
    };

    let o = run(w2v().arg("vector").arg(&model).args(["a1", "B2"]));
    assert_ok(&o);
    // Same digits as the exported text: shortest round-trip floats.
    assert_eq!(
        stdout(&o),
        format!("{}\n{}\n", line_of("a1"), line_of("b2"))
    );

    let o = run(w2v().arg("vector").arg(&model).args(["a1", "zz"]));
    assert_one_line_error(&o, 1, "'zz' is not in the vocabulary");
    assert!(stdout(&o).is_empty(), "nothing printed before the check");

    // From stdin: unknown words are warned about and skipped; the exit code tells at the end.
    for args in [&[][..], &["-"][..]] {
        let o = run_with_stdin(
            w2v().arg("vector").arg(&model).args(args),
            "a3\nzz\n\n  b4 \n",
        );
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        assert_eq!(
            stdout(&o),
            format!("{}\n{}\n", line_of("a3"), line_of("b4"))
        );
        let err = stderr(&o);
        assert!(
            err.contains("warning: 'zz' is not in the vocabulary"),
            "{err}"
        );
        assert!(err.contains("1 of 3 words"), "{err}");
    }
    let o = run_with_stdin(w2v().arg("vector").arg(&model), "a3\n");
    assert_ok(&o);

    let o = run_with_stdin(
        w2v().arg("vector").arg(&model).args(["a1", "-", "--json"]),
        "zz\nb1\n",
    );
    assert_eq!(o.status.code(), Some(1));
    let doc: Value = serde_json::from_str(&stdout(&o)).expect("one JSON document");
    assert_eq!(doc["dim"], 8);
    assert_eq!(doc["unknown"], serde_json::json!(["zz"]));
    let rows = doc["vectors"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1]["word"], "b1");
    let from_json: Vec<f32> = rows[1]["vector"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap() as f32)
        .collect();
    assert_eq!(
        from_json,
        parse_rows([line_of("b1").as_str()].into_iter())[0].1
    );
}

#[test]
fn analogy_answers_and_excludes_the_question_words() {
    let dir = TempDir::new("analogy");
    let vectors = royal_vectors(&dir);
    for method in ["add", "mul"] {
        let o = run(w2v()
            .arg("analogy")
            .arg(&vectors)
            .args(["man", "king", "woman", "-k", "3", "--method", method]));
        assert_ok(&o);
        let out = stdout(&o);
        let words: Vec<&str> = out.lines().map(|l| l.split('\t').next().unwrap()).collect();
        assert_eq!(words.len(), 3, "{out}");
        assert_eq!(words[0], "queen", "{method}: {out}");
        assert!(!words.iter().any(|w| ["man", "king", "woman"].contains(w)));
        let scores: Vec<f32> = out
            .lines()
            .map(|l| l.split('\t').nth(1).unwrap().parse().unwrap())
            .collect();
        assert!(scores.windows(2).all(|s| s[0] >= s[1]), "{out}");
    }
    // 3CosAdd's top score is cos(queen, king) - cos(queen, man) + cos(queen, woman).
    let o = run(w2v()
        .arg("analogy")
        .arg(&vectors)
        .args(["man", "king", "woman", "-k", "1", "--json"]));
    assert_ok(&o);
    let doc: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(
        (doc["a"].as_str(), doc["method"].as_str()),
        (Some("man"), Some("add"))
    );
    let answers = doc["answers"].as_array().unwrap();
    assert_eq!(answers.len(), 1);
    assert_eq!(answers[0]["word"], "queen");
    let s = std::f64::consts::FRAC_1_SQRT_2;
    let expected = 0.5 - 0.0 + s;
    assert!((answers[0]["score"].as_f64().unwrap() - expected).abs() < 1e-6);
    // Restricted to the 3 most frequent words, no candidate is left.
    let o =
        run(w2v()
            .arg("analogy")
            .arg(&vectors)
            .args(["man", "king", "woman", "--restrict", "3"]));
    assert_ok(&o);
    assert!(stdout(&o).is_empty());
    let o = run(w2v()
        .arg("analogy")
        .arg(&vectors)
        .args(["man", "duke", "woman"]));
    assert_one_line_error(&o, 1, "'duke' is not in the vocabulary");
}

#[test]
fn similar_and_predict_print_one_json_document() {
    let dir = TempDir::new("json");
    let vectors = royal_vectors(&dir);
    let o = run(w2v()
        .arg("similar")
        .arg(&vectors)
        .args(["apple", "-k", "2", "--json"]));
    assert_ok(&o);
    let doc: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(doc["word"], "apple");
    let n = doc["neighbours"].as_array().unwrap();
    assert_eq!(n.len(), 2);
    assert_eq!(n[0]["word"], "pear");
    let expected = 1.0 / (1.01f64).sqrt();
    assert!((n[0]["similarity"].as_f64().unwrap() - expected).abs() < 1e-6);

    let corpus = dir.write("c.txt", topic_corpus(100));
    let model = dir.path("m.w2v");
    let o = run(w2v()
        .args([
            "train",
            "-q",
            "--dim",
            "8",
            "--min-count",
            "1",
            "--epochs",
            "1",
            "-i",
        ])
        .arg(&corpus)
        .arg("-o")
        .arg(&model));
    assert_ok(&o);
    let o =
        run(w2v()
            .arg("predict")
            .arg(&model)
            .args(["--context", "a1", "a2", "--all", "--json"]));
    assert_ok(&o);
    let doc: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let p = doc["predictions"].as_array().unwrap();
    assert_eq!(p.len(), 12);
    let total: f64 = p.iter().map(|x| x["probability"].as_f64().unwrap()).sum();
    assert!((total - 1.0).abs() < 1e-9, "{total}");
    assert_eq!(doc["context"], serde_json::json!(["a1", "a2"]));
    assert!(doc["nodes_visited"].as_u64().unwrap() <= doc["tree_nodes"].as_u64().unwrap());
}

#[test]
fn eval_reports_every_file_in_text_and_in_one_json_document() {
    let dir = TempDir::new("eval");
    let vectors = royal_vectors(&dir);
    let q1 = dir.write(
        "q1.txt",
        ": royal\nman king woman queen\nman woman king prince\n: fruit\napple pear man duke\n",
    );
    let q2 = dir.write("q2.txt", ": again\nwoman queen man king\n");
    let p1 = dir.write("p1.txt", "man woman 3\nking queen 5\napple pear 9\n");
    let p2 = dir.write("p2.txt", "man king 1\nman prince 2\napple duke 2\n");
    let eval = |extra: &[&str]| {
        let mut cmd = w2v();
        cmd.arg("eval").arg(&vectors);
        for (flag, file) in [("--analogies", &q1), ("--analogies", &q2)] {
            cmd.arg(flag).arg(file);
        }
        for (flag, file) in [("--similarity", &p1), ("--similarity", &p2)] {
            cmd.arg(flag).arg(file);
        }
        run(cmd.args(extra))
    };
    let o = eval(&["--method", "mul"]);
    assert_ok(&o);
    let out = stdout(&o);
    let header = format!("{} (3CosMul, 7 most frequent words)", q1.display());
    assert!(out.starts_with(&header), "{out}");
    assert!(
        out.contains(&format!("{} (3CosMul, 7", q2.display())),
        "{out}"
    );
    // Per-section figures read correct/seen.
    let royal = out.lines().find(|l| l.starts_with("royal")).unwrap();
    assert!(royal.ends_with("  1/2"), "{royal}");
    assert!(
        out.contains("total      50.00 %  1/2 seen of 3 questions"),
        "{out}"
    );
    assert!(
        out.contains(&format!("{}: spearman", p1.display())),
        "{out}"
    );
    let p2_line = out
        .lines()
        .find(|l| l.starts_with(&format!("{}: spearman ", p2.display())))
        .unwrap_or_else(|| panic!("no line for p2 in {out}"));
    assert!(!p2_line.contains("n/a"), "{p2_line}");

    // An analogies-only run ends with the total, whose second field is the accuracy.
    let o = run(w2v().arg("eval").arg(&vectors).arg("--analogies").arg(&q2));
    assert_ok(&o);
    let last = stdout(&o).trim_end().lines().last().unwrap().to_string();
    assert_eq!(
        last.split_whitespace().take(2).collect::<Vec<_>>(),
        ["total", "100.00"]
    );

    let o = eval(&["--json"]);
    assert_ok(&o);
    let doc: Value = serde_json::from_str(&stdout(&o)).expect("exactly one JSON document");
    let analogies = doc["analogies"].as_array().unwrap();
    let similarity = doc["similarity"].as_array().unwrap();
    assert_eq!((analogies.len(), similarity.len()), (2, 2));
    assert_eq!(analogies[0]["file"], q1.to_str().unwrap());
    assert_eq!(analogies[1]["file"], q2.to_str().unwrap());
    assert_eq!(analogies[0]["total"]["seen"], 2);
    assert_eq!(analogies[0]["method"], "add");
    assert_eq!(similarity[0]["file"], p1.to_str().unwrap());
    assert_eq!(similarity[0]["used"], 3);
    assert_eq!(similarity[1]["oov"], 1);
}

/// What `W2V_KERNEL` can select on this CPU.
fn supported_kernels() -> Vec<&'static str> {
    let mut kernels = vec!["portable"];
    #[cfg(target_arch = "x86_64")]
    {
        let avx2 = is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma");
        if avx2 {
            kernels.push("avx2");
        } else {
            println!("skipped avx2: CPU lacks avx2 or fma");
        }
        if avx2 && is_x86_feature_detected!("avx512f") {
            kernels.push("avx512");
        } else {
            println!("skipped avx512: CPU lacks avx512f");
        }
    }
    kernels
}

#[test]
fn every_kernel_this_cpu_has_learns_the_same_model() {
    let dir = TempDir::new("kernels");
    let corpus = dir.write("c.txt", topic_corpus(600));
    let mut models = Vec::new();
    for kernel in supported_kernels() {
        let vectors = dir.path(&format!("{kernel}.txt"));
        let o = run(w2v()
            .env("W2V_KERNEL", kernel)
            .args([
                "train",
                "-q",
                "--dim",
                "16",
                "--min-count",
                "1",
                "--epochs",
                "3",
            ])
            .args(["--threads", "1", "--seed", "1", "--sample", "0", "-i"])
            .arg(&corpus)
            .arg("--save-vectors")
            .arg(&vectors));
        assert_ok(&o);
        let rows = read_text_vectors(&vectors);
        let sep = topic_separation(&rows);
        assert!(sep > 0.3, "{kernel}: topic separation {sep}");
        models.push((kernel, rows));
    }
    // FMA rounds differently, so the models are not bitwise equal, but the same seed and
    // thread give the same updates up to rounding: every word stays where it was.
    let (_, portable) = &models[0];
    for (kernel, rows) in &models[1..] {
        for ((w, a), (v, b)) in portable.iter().zip(rows) {
            assert_eq!(w, v);
            let c = cosine(a, b);
            assert!(
                c > 0.99,
                "{kernel}: '{w}' has cosine {c} to the portable model's"
            );
        }
    }
}

/// `--format c-text` writes word2vec C's `-binary 0` bytes: `%lf` values, each followed by a
/// space; the default text layout writes shortest round-trip values without it.
#[test]
fn export_c_text_writes_word2vec_c_bytes() {
    let dir = TempDir::new("c-text");
    let vectors = dir.write("v.txt", "2 3\nman 1 -0.25 0.1\nwoman 0 2.5e-7 -3.5\n");
    let export = |format: &str| {
        let o = run(w2v()
            .arg("export")
            .arg(&vectors)
            .args(["--format", format, "--output", "-"]));
        assert_ok(&o);
        stdout(&o)
    };
    assert_eq!(
        export("c-text"),
        "2 3\nman 1.000000 -0.250000 0.100000 \nwoman 0.000000 0.000000 -3.500000 \n"
    );
    assert_eq!(
        export("text"),
        "2 3\nman 1 -0.25 0.1\nwoman 0 0.00000025 -3.5\n"
    );
}
