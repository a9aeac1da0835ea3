//! End-to-end tests: the real `w2v` binary on small corpora made here.

mod common;

use common::*;

use std::path::Path;
use std::process::{Command, Output, Stdio};

fn train_args(input: &Path, output: &Path) -> Vec<String> {
    [
        "train",
        "--input",
        input.to_str().unwrap(),
        "--output",
        output.to_str().unwrap(),
        "--dim",
        "16",
        "--min-count",
        "1",
        "--epochs",
        "3",
        "--quiet",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// The loss column of a `--loss-log` CSV, after checking its header.
fn losses(path: &Path) -> Vec<f64> {
    let csv = std::fs::read_to_string(path).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("epoch,words,loss,alpha,seconds"));
    lines
        .map(|l| l.split(',').nth(2).unwrap().parse().unwrap())
        .collect()
}

#[test]
fn words_sharing_contexts_end_up_closer_skipgram_and_cbow() {
    let dir = TempDir::new("topics");
    let corpus = dir.write("c.txt", topic_corpus(600));
    for arch in [None, Some("--cbow")] {
        let model = dir.path("m.w2v");
        let mut args = train_args(&corpus, &model);
        args.extend(arch.map(String::from));
        // Two threads: hierarchical softmax then trains the nodes next to the root in
        // per-thread copies that are merged back (the corpus is one work chunk, so one thread
        // trains it all, and its merges alone must carry the root's training).
        args.extend(["--sample", "0", "--threads", "2"].map(String::from));
        let o = run(w2v().args(&args));
        assert!(o.status.success(), "{}", stderr(&o));
        let vecs = dir.path("v.txt");
        let o = run(w2v()
            .args(["export", model.to_str().unwrap(), "--format", "text", "-o"])
            .arg(&vecs));
        assert!(o.status.success(), "{}", stderr(&o));
        let rows = read_text_vectors(&vecs);
        let get = |w: &str| &rows.iter().find(|(x, _)| x == w).unwrap().1;
        let mut same = 0.0;
        let mut cross = 0.0;
        for i in 0..6 {
            for j in 0..6 {
                if i != j {
                    same += cosine(get(&format!("a{i}")), get(&format!("a{j}")));
                    same += cosine(get(&format!("b{i}")), get(&format!("b{j}")));
                }
                cross += 2.0 * cosine(get(&format!("a{i}")), get(&format!("b{j}")));
            }
        }
        let (same, cross) = (same / 60.0, cross / 72.0);
        assert!(
            same > cross + 0.3,
            "{arch:?}: same-topic {same} vs cross-topic {cross}"
        );
    }
}

#[test]
fn one_thread_with_a_seed_is_bit_for_bit_repeatable() {
    let dir = TempDir::new("repeat");
    let corpus = dir.write("c.txt", topic_corpus(300));
    let mut models = Vec::new();
    for (i, seed) in ["7", "7", "8"].iter().enumerate() {
        let model = dir.path(&format!("m{i}.w2v"));
        let mut args = train_args(&corpus, &model);
        args.extend([
            "--seed".into(),
            seed.to_string(),
            "--threads".into(),
            "1".into(),
            "--sample".into(),
            "1e-2".into(),
        ]);
        let o = run(w2v().args(&args));
        assert!(o.status.success(), "{}", stderr(&o));
        models.push(std::fs::read(&model).unwrap());
    }
    assert!(models[0] == models[1], "same seed, same bytes");
    assert!(models[0] != models[2], "another seed, another model");
}

#[test]
fn stdin_and_multiple_inputs_are_read() {
    let dir = TempDir::new("stdin");
    let text = topic_corpus(50);
    let model = dir.path("m.w2v");
    let vocab = dir.path("vocab.txt");
    let o = run_with_stdin(
        w2v()
            .args([
                "train",
                "--input",
                "-",
                "--min-count",
                "1",
                "--epochs",
                "1",
                "--dim",
                "8",
                "-q",
            ])
            .arg("--output")
            .arg(&model)
            .arg("--save-vocab")
            .arg(&vocab),
        &text,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let saved = std::fs::read_to_string(&vocab).unwrap();
    assert_eq!(saved.lines().count(), 12);
    let total: u64 = saved
        .lines()
        .map(|l| l.split(' ').nth(1).unwrap().parse::<u64>().unwrap())
        .sum();
    assert_eq!(total, 50 * 12);

    // Two files count as one corpus; --read-vocab restricts to the saved words.
    let a = dir.write("a.txt", "zz a1 a2\n");
    let b = dir.write("b.txt", "a1 a2 zz\n");
    let vocab2 = dir.path("vocab2.txt");
    let o = run(w2v()
        .args([
            "train",
            "--min-count",
            "1",
            "--epochs",
            "1",
            "--dim",
            "4",
            "-q",
            "--input",
        ])
        .arg(&a)
        .arg(&b)
        .arg("--read-vocab")
        .arg(&vocab)
        .arg("--save-vocab")
        .arg(&vocab2)
        .arg("--output")
        .arg(&model));
    assert!(o.status.success(), "{}", stderr(&o));
    let words: Vec<String> = std::fs::read_to_string(&vocab2)
        .unwrap()
        .lines()
        .map(|l| l.split(' ').next().unwrap().to_string())
        .collect();
    assert_eq!(words.len(), 12, "vocabulary comes from the file: {words:?}");
    assert!(!words.contains(&"zz".to_string()));
}

/// With stderr a pipe or a log file, progress is a plain line now and then (about every tenth
/// of an epoch), so logs of long runs are not silent; each says which epoch of how many.
#[test]
fn a_log_gets_progress_lines_every_tenth_of_an_epoch() {
    let dir = TempDir::new("progress-log");
    // 240,000 words: the trainer reports every 10,000, so each tenth has reports to show.
    let corpus = dir.write("c.txt", topic_corpus(20_000));
    let o = run(w2v()
        .args(["train", "--epochs", "2", "--dim", "8", "--threads", "1"])
        .args(["--min-count", "1", "--sample", "0", "--input"])
        .arg(&corpus)
        .arg("--output")
        .arg(dir.path("m.w2v")));
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    for epoch in ["1/2", "2/2"] {
        let percents: Vec<u32> = err
            .lines()
            .filter_map(|l| l.strip_prefix(&format!("epoch {epoch}: ")))
            .filter_map(|rest| rest.split('%').next()?.trim().parse().ok())
            .collect();
        assert!(percents.len() >= 5, "epoch {epoch}: {percents:?}\n{err}");
        assert!(
            percents.windows(2).all(|w| w[0] < w[1]) && percents.iter().all(|&p| p < 100),
            "epoch {epoch}: {percents:?}"
        );
    }
}

#[test]
fn summary_line_and_loss_log() {
    let dir = TempDir::new("summary");
    let corpus = dir.write("c.txt", topic_corpus(400));
    let model = dir.path("m.w2v");
    let log = dir.path("loss.csv");
    let o = run(w2v()
        .args([
            "train",
            "--min-count",
            "1",
            "--epochs",
            "4",
            "--dim",
            "16",
            "--threads",
            "2",
        ])
        .arg("--input")
        .arg(&corpus)
        .arg("--output")
        .arg(&model)
        .arg("--loss-log")
        .arg(&log));
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    let last = err.trim_end().lines().last().unwrap();
    assert!(
        last.starts_with("trained ")
            && last.contains("words/s")
            && last.contains("skip-gram + HS, 12 words,"),
        "{err}"
    );
    // One line per finished epoch, besides the progress lines a log gets.
    assert_eq!(
        err.lines()
            .filter(|l| l.starts_with("epoch ") && l.contains(": loss "))
            .count(),
        4,
        "{err}"
    );
    let losses = losses(&log);
    assert_eq!(losses.len(), 4);
    assert!(losses[3] < losses[0], "loss falls: {losses:?}");
}

#[test]
fn export_binary_matches_text_and_loads_back() {
    let dir = TempDir::new("export");
    let corpus = dir.write("c.txt", topic_corpus(100));
    let model = dir.path("m.w2v");
    let o = run(w2v().args(train_args(&corpus, &model)));
    assert!(o.status.success(), "{}", stderr(&o));
    let text = dir.path("v.txt");
    let bin = dir.path("v.bin");
    for (fmt, out) in [("text", &text), ("binary", &bin)] {
        let o = run(w2v()
            .arg("export")
            .arg(&model)
            .args(["--format", fmt, "--output"])
            .arg(out));
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let rows = read_text_vectors(&text);
    let raw = std::fs::read(&bin).unwrap();
    let header_end = raw.iter().position(|&b| b == b'\n').unwrap();
    assert_eq!(&raw[..header_end], b"12 16");
    // Binary: word, space, 16 little-endian f32, newline, per row.
    let mut at = header_end + 1;
    for (word, vector) in &rows {
        assert_eq!(&raw[at..at + word.len()], word.as_bytes());
        at += word.len();
        assert_eq!(raw[at], b' ');
        at += 1;
        for v in vector {
            assert_eq!(f32::from_le_bytes(raw[at..at + 4].try_into().unwrap()), *v);
            at += 4;
        }
        assert_eq!(raw[at], b'\n');
        at += 1;
    }
    assert_eq!(at, raw.len());
    // Both exported files convert back to each other exactly.
    let again = dir.path("again.txt");
    let o = run(w2v()
        .arg("export")
        .arg(&bin)
        .args(["--format", "text", "-o"])
        .arg(&again));
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        std::fs::read(&again).unwrap(),
        std::fs::read(&text).unwrap()
    );
}

#[test]
fn one_long_line_and_invalid_utf8_train_with_a_warning() {
    let dir = TempDir::new("longline");
    let mut bytes = Vec::new();
    let mut rng = Lcg(3);
    while bytes.len() < 3_000_000 {
        bytes.extend_from_slice(format!("w{} ", rng.next(50)).as_bytes());
    }
    bytes.extend_from_slice(b"bad\xff\xfeword\n");
    let corpus = dir.write("one-line.txt", &bytes);
    let model = dir.path("m.w2v");
    let o = run(w2v()
        .args(["train", "--epochs", "1", "--dim", "8", "--input"])
        .arg(&corpus)
        .arg("--output")
        .arg(&model));
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("warning: 2 bytes of invalid UTF-8"), "{err}");
}

#[test]
fn bad_inputs_get_one_clear_line() {
    let dir = TempDir::new("bad");
    let model = dir.path("m.w2v");
    let train = |input: &Path, extra: &[&str]| {
        run(w2v()
            .args(["train", "--epochs", "1", "--input"])
            .arg(input)
            .arg("--output")
            .arg(&model)
            .args(extra))
    };
    assert_one_line_error(&train(&dir.path("missing.txt"), &[]), 1, "missing.txt");
    assert_one_line_error(&train(&dir.0, &[]), 1, "no files");
    assert_one_line_error(&train(&dir.write("empty.txt", ""), &[]), 1, "no words");
    assert_one_line_error(
        &train(&dir.write("ws.txt", " \n\t \r\n"), &[]),
        1,
        "no words",
    );
    assert_one_line_error(
        &train(&dir.write("rare.txt", "a b c d\n"), &[]),
        1,
        "--min-count",
    );
    let gz = dir.write("c.gz", [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3]);
    assert_one_line_error(&train(&gz, &[]), 1, "gzip stream ends early after 0 bytes");
    let ok = dir.write("ok.txt", topic_corpus(20));
    for (opt, val) in [
        ("--dim", "0"),
        ("--window", "0"),
        ("--epochs", "0"),
        ("--threads", "0"),
        ("--threads", "100000"),
        ("--alpha", "0"),
        ("--alpha", "-1"),
        ("--sample", "-0.5"),
    ] {
        assert_one_line_error(&train(&ok, &[opt, val]), 2, opt);
    }
    assert_one_line_error(&train(&ok, &["--no-hs"]), 2, "--negative");
    // Never overwrite an input.
    let o = run(w2v()
        .args(["train", "--min-count", "1", "--input"])
        .arg(&ok)
        .arg("--output")
        .arg(&ok));
    assert_one_line_error(&o, 2, "refusing to overwrite");
    assert_eq!(std::fs::read_to_string(&ok).unwrap(), topic_corpus(20));
    assert!(!model.exists(), "no output from failed runs");
}

#[test]
fn damaged_model_files_are_refused() {
    let dir = TempDir::new("damaged");
    let corpus = dir.write("c.txt", topic_corpus(40));
    let model = dir.path("m.w2v");
    let o = run(w2v().args(train_args(&corpus, &model)));
    assert!(o.status.success(), "{}", stderr(&o));
    let bytes = std::fs::read(&model).unwrap();
    let cut = dir.write("cut.w2v", &bytes[..bytes.len() / 2]);
    let out = dir.path("out.txt");
    let export = |m: &Path| {
        run(w2v()
            .arg("export")
            .arg(m)
            .args(["--format", "text", "-o"])
            .arg(&out))
    };
    assert_one_line_error(&export(&cut), 1, "truncated");
    let mut newer = bytes.clone();
    newer[8] = 99;
    assert_one_line_error(&export(&dir.write("newer.w2v", &newer)), 1, "newer");
    assert_one_line_error(
        &export(&dir.write("foreign.w2v", b"hello world\n")),
        1,
        "not a w2v model",
    );
    assert_one_line_error(&export(&dir.path("absent.w2v")), 1, "absent.w2v");
    assert!(!out.exists());
    // Refuses to export over its own input.
    let o = run(w2v()
        .arg("export")
        .arg(&model)
        .args(["--format", "text", "-o"])
        .arg(&model));
    assert_one_line_error(&o, 2, "refusing to overwrite");
    assert_eq!(std::fs::read(&model).unwrap(), bytes);
}

#[test]
fn usage_errors_exit_2() {
    let o = run(w2v().args(["train"]));
    assert_eq!(o.status.code(), Some(2));
    let o = run(w2v().args(["frobnicate"]));
    assert_eq!(o.status.code(), Some(2));
    let o = run(w2v().args(["--help"]));
    assert_eq!(o.status.code(), Some(0));
}

/// Mean same-topic minus cross-topic cosine of a trained model's vectors.
fn topic_separation(model: &Path, dir: &TempDir) -> f32 {
    let vecs = dir.path("sep.txt");
    let o = run(w2v()
        .arg("export")
        .arg(model)
        .args(["--format", "text", "-o"])
        .arg(&vecs));
    assert!(o.status.success(), "{}", stderr(&o));
    let rows = read_text_vectors(&vecs);
    let get = |w: String| rows.iter().find(|(x, _)| *x == w).unwrap().1.clone();
    let (mut same, mut cross) = (0.0, 0.0);
    for i in 0..6 {
        for j in 0..6 {
            if i != j {
                same += cosine(&get(format!("a{i}")), &get(format!("a{j}"))) / 30.0;
            }
            cross += cosine(&get(format!("a{i}")), &get(format!("b{j}"))) / 36.0;
        }
    }
    same - cross
}

#[test]
fn every_output_layer_and_architecture_trains() {
    let dir = TempDir::new("combos");
    let corpus = dir.write("c.txt", topic_corpus(600));
    for arch in [&[][..], &["--cbow"][..]] {
        for layer in [
            &[][..],
            &["--no-hs", "--negative", "5"][..],
            &["--hs", "--negative", "3"][..],
        ] {
            let model = dir.path("m.w2v");
            let log = dir.path("loss.csv");
            let o = run(w2v()
                .args(train_args(&corpus, &model))
                .args(["--sample", "0", "--threads", "1", "--loss-log"])
                .arg(&log)
                .args(arch)
                .args(layer));
            assert!(o.status.success(), "{arch:?} {layer:?}: {}", stderr(&o));
            let losses = losses(&log);
            assert!(
                losses.iter().all(|l| l.is_finite() && *l > 0.0),
                "{losses:?}"
            );
            assert!(
                losses[2] < losses[0],
                "{arch:?} {layer:?}: loss falls {losses:?}"
            );
            let sep = topic_separation(&model, &dir);
            assert!(sep > 0.3, "{arch:?} {layer:?}: topic separation {sep}");
        }
    }
}

#[test]
fn loss_does_not_depend_on_the_thread_count() {
    let dir = TempDir::new("threads");
    let corpus = dir.write("c.txt", topic_corpus(3000));
    let mut finals = Vec::new();
    for threads in ["1", "2"] {
        let model = dir.path("m.w2v");
        let log = dir.path("loss.csv");
        let o = run(w2v()
            .args(train_args(&corpus, &model))
            .args(["--threads", threads, "--negative", "2", "--loss-log"])
            .arg(&log));
        assert!(o.status.success(), "{}", stderr(&o));
        let last = *losses(&log).last().unwrap();
        finals.push(last);
    }
    let diff = (finals[0] - finals[1]).abs() / finals[0];
    assert!(diff < 0.02, "final loss with 1 vs 2 threads: {finals:?}");
}

#[test]
fn a_huge_learning_rate_is_reported_not_saved() {
    let dir = TempDir::new("nan");
    let corpus = dir.write("c.txt", topic_corpus(200));
    let model = dir.path("m.w2v");
    let o = run(w2v().args(train_args(&corpus, &model)).args([
        "--threads",
        "1",
        "--alpha",
        "1e30",
        "--no-hs",
        "--negative",
        "3",
    ]));
    assert_one_line_error(&o, 1, "learning rate");
    assert!(!model.exists());
}

/// A running `w2v` whose stderr is read line by line as it comes, so the test can wait for
/// what the program says instead of guessing how long it takes (and the pipe never fills).
struct Watched {
    child: std::process::Child,
    lines: std::sync::mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Watched {
    fn spawn(mut cmd: Command) -> Watched {
        let mut child = spawn_in_background(&mut cmd, Stdio::piped());
        let stderr = child.stderr.take().unwrap();
        let (send, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        Watched {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Blocks until a stderr line satisfies `wanted`; fails the test after `secs` seconds.
    fn wait_for_line(&mut self, wanted: impl Fn(&str) -> bool, secs: u64) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    let done = wanted(&line);
                    self.seen.push(line);
                    if done {
                        return;
                    }
                }
                Err(_) => {
                    let _ = self.child.kill();
                    panic!("no such line within {secs} s; stderr: {:?}", self.seen);
                }
            }
        }
    }

    /// Waits for the exit (at most `secs` seconds) and returns the code and all of stderr.
    fn finish(mut self, secs: u64) -> (Option<i32>, String) {
        let start = std::time::Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if start.elapsed().as_secs() > secs {
                let _ = self.child.kill();
                panic!("w2v did not stop within {secs} s; stderr: {:?}", self.seen);
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        // The reader thread ends at EOF, which the exit brings.
        self.seen.extend(self.lines.iter());
        (status.code(), self.seen.join("\n"))
    }

    #[cfg(unix)]
    fn interrupt(&self) {
        interrupt(&self.child);
    }
}

#[cfg(unix)]
fn interrupt(child: &std::process::Child) {
    let ok = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
}

#[cfg(unix)]
#[test]
fn ctrl_c_saves_a_partial_model_and_a_second_one_quits() {
    let dir = TempDir::new("sigint");
    let corpus = dir.write("c.txt", topic_corpus(20_000));
    let model = dir.path("m.w2v");
    let spawn = || {
        let mut cmd = w2v();
        cmd.args([
            "train",
            "--epochs",
            "500",
            "--dim",
            "50",
            "--min-count",
            "1",
            "--input",
        ])
        .arg(&corpus)
        .arg("--output")
        .arg(&model);
        Watched::spawn(cmd)
    };
    // Training has started once the first epoch line or progress line is out.
    let training = |l: &str| l.starts_with("epoch ");
    let mut child = spawn();
    child.wait_for_line(training, 60);
    child.interrupt();
    let (code, err) = child.finish(30);
    assert_eq!(code, Some(130), "{err}");
    assert!(err.contains("partial model"), "{err}");
    let saved = w2v::formats::native::read_path(&model).expect("a loadable model");
    assert!(saved.info.partial);
    assert!(saved.info.words_processed > 0);

    std::fs::remove_file(&model).unwrap();
    let mut child = spawn();
    child.wait_for_line(training, 60);
    child.interrupt();
    child.wait_for_line(|l| l.contains("stopping") || l.contains("interrupted"), 30);
    child.interrupt();
    let (code, err) = child.finish(10);
    assert_eq!(code, Some(130), "{err}");
    assert!(err.contains("interrupted"), "{err}");
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_is_an_error_and_leaves_the_old_file() {
    let dir = TempDir::new("full");
    let corpus = dir.write("c.txt", topic_corpus(100));
    let model = dir.path("m.w2v");
    let o = run(w2v()
        .args([
            "train",
            "--dim",
            "300",
            "--min-count",
            "1",
            "--epochs",
            "1",
            "-q",
            "--input",
        ])
        .arg(&corpus)
        .arg("--output")
        .arg(&model));
    assert!(o.status.success(), "{}", stderr(&o));
    let out = dir.write("out.txt", "previous contents");
    // Writes beyond 8 KiB fail with EFBIG (SIGXFSZ ignored), as on a full disk.
    let o = run(Command::new("bash")
        .arg("-c")
        .arg("trap '' XFSZ; ulimit -f 8; exec \"$0\" export \"$1\" --format text -o \"$2\"")
        .arg(env!("CARGO_BIN_EXE_w2v"))
        .arg(&model)
        .arg(&out));
    assert_one_line_error(&o, 1, "too large");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "previous contents");
    let mut names: Vec<String> = std::fs::read_dir(&dir.0)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["c.txt", "m.w2v", "out.txt"],
        "no temporary file left"
    );
}

#[test]
fn awkward_text_is_read_and_binary_files_are_refused() {
    let dir = TempDir::new("awkward");
    let model = dir.path("m.w2v");
    let vocab = dir.path("vocab.txt");
    let train = |input: &Path| {
        run(w2v()
            .args([
                "train",
                "--epochs",
                "1",
                "--dim",
                "4",
                "--min-count",
                "1",
                "-q",
                "--input",
            ])
            .arg(input)
            .arg("--output")
            .arg(&model)
            .arg("--save-vocab")
            .arg(&vocab))
    };
    let words = |o: &Output| -> Vec<String> {
        assert!(o.status.success(), "{}", stderr(o));
        let mut w: Vec<String> = std::fs::read_to_string(&vocab)
            .unwrap()
            .lines()
            .map(|l| l.split(' ').next().unwrap().to_string())
            .collect();
        w.sort();
        w
    };
    // CRLF, tabs and a stray NUL separate words.
    let o = train(&dir.write("crlf.txt", "alpha\tbeta\r\ngamma\0alpha beta\r\n"));
    assert_eq!(words(&o), ["alpha", "beta", "gamma"]);
    // A 10 kB "word" is cut to 100 bytes.
    let o = train(&dir.write("long.txt", format!("x{} short short\n", "y".repeat(10_000))));
    let w = words(&o);
    assert_eq!(w.len(), 2);
    assert_eq!(w[1].len(), 100);
    // 50 MB on one line, no newline at all.
    let mut big = String::with_capacity(50_000_100);
    let mut i = 0u32;
    while big.len() < 50_000_000 {
        big.push_str(["one ", "two ", "three ", "four "][(i % 4) as usize]);
        i += 1;
    }
    let o = train(&dir.write("big.txt", big));
    assert_eq!(words(&o), ["four", "one", "three", "two"]);
    // Binary garbage is refused with a reason.
    let mut garbage = Vec::new();
    let mut rng = Lcg(9);
    for _ in 0..100_000 {
        garbage.push(rng.next(256) as u8);
    }
    assert_one_line_error(
        &train(&dir.write("garbage.bin", &garbage)),
        1,
        "binary file",
    );
}

#[test]
fn diagnostics_change_nothing_and_draw_a_chart() {
    let dir = TempDir::new("diag");
    let corpus = dir.write("c.txt", topic_corpus(600));
    let csv = dir.path("d.csv");
    let mut models = Vec::new();
    for with in [false, true] {
        let model = dir.path(&format!("m{with}.w2v"));
        let mut cmd = w2v();
        cmd.args(train_args(&corpus, &model)).args([
            "--threads",
            "1",
            "--seed",
            "3",
            "--sample",
            "0",
        ]);
        if with {
            cmd.arg("--diagnostics").arg(&csv);
        }
        let o = run(&mut cmd);
        assert!(o.status.success(), "{}", stderr(&o));
        models.push(std::fs::read(&model).unwrap());
    }
    assert!(
        models[0] == models[1],
        "sampling gradients must not change training"
    );

    let text = std::fs::read_to_string(&csv).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("epoch,grouping,bucket,samples,mean_abs_grad,mean_update_norm,saturated_share")
    );
    let rows: Vec<Vec<String>> = lines
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect();
    for epoch in ["1", "2", "3"] {
        let of = |grouping: &str| {
            rows.iter()
                .filter(|r| r[0] == epoch && r[1] == grouping)
                .collect::<Vec<_>>()
        };
        let depths = of("depth");
        assert_eq!(depths[0][2], "0", "the root is sampled in every epoch");
        let root_samples: u64 = depths[0][3].parse().unwrap();
        let band_samples: u64 = of("band")
            .iter()
            .map(|r| r[3].parse::<u64>().unwrap())
            .sum();
        let depth_samples: u64 = depths.iter().map(|r| r[3].parse::<u64>().unwrap()).sum();
        // Every sampled step records each node on its path: once per depth and once per band.
        assert_eq!(band_samples, depth_samples);
        // One step in 64 is sampled. A step is one group of at most 4 contexts of a centre
        // word: 600 sentences of 12 words, window 5 with the reach uniform in 1..=5.
        let steps: f64 = (0..12usize)
            .flat_map(|pos| {
                (1..=5usize).map(move |reach| {
                    let contexts = reach.min(pos) + reach.min(11 - pos);
                    contexts.div_ceil(4) as f64 / 5.0
                })
            })
            .sum::<f64>()
            * 600.0;
        let expected = steps / 64.0;
        assert!(
            (root_samples as f64 - expected).abs() < 0.1 * expected,
            "{root_samples} sampled steps, expected about {expected:.0}"
        );
        for r in &rows {
            let g: f64 = r[4].parse().unwrap();
            let share: f64 = r[6].parse().unwrap();
            assert!(
                (0.0..=1.0).contains(&g) && (0.0..=1.0).contains(&share),
                "{r:?}"
            );
        }
    }
    // The error signal at the root shrinks as the model learns.
    let root_g = |epoch: &str| -> f64 {
        rows.iter()
            .find(|r| r[0] == epoch && r[1] == "depth" && r[2] == "0")
            .unwrap()[4]
            .parse()
            .unwrap()
    };
    assert!(
        root_g("3") < root_g("1"),
        "{} vs {}",
        root_g("3"),
        root_g("1")
    );

    let svg = dir.path("d.svg");
    let o = run(w2v().arg("plot-diagnostics").arg(&csv).arg("-o").arg(&svg));
    assert!(o.status.success(), "{}", stderr(&o));
    let chart = std::fs::read_to_string(&svg).unwrap();
    assert!(chart.starts_with("<svg") && chart.contains("</svg>"));
    assert_eq!(
        chart.matches("<polyline").count(),
        3 * 6,
        "3 epochs x 6 panels"
    );

    let o = run(w2v()
        .arg("plot-diagnostics")
        .arg(&corpus)
        .arg("-o")
        .arg(&svg));
    assert_one_line_error(&o, 1, "diagnostics");
    let no_hs = run(w2v()
        .args(train_args(&corpus, &dir.path("x.w2v")))
        .args(["--no-hs", "--negative", "3", "--diagnostics"])
        .arg(dir.path("x.csv")));
    assert_one_line_error(&no_hs, 2, "--diagnostics");
}

#[test]
fn adagrad_trains_every_architecture_and_tree() {
    let dir = TempDir::new("adagrad");
    let corpus = dir.write("c.txt", topic_corpus(600));
    for arch in [&[][..], &["--cbow"][..]] {
        for tree in ["huffman", "balanced"] {
            let model = dir.path("m.w2v");
            let log = dir.path("loss.csv");
            let o = run(w2v()
                .args(train_args(&corpus, &model))
                .args(["--sample", "0", "--threads", "1"])
                .args(["--optimizer", "adagrad", "--tree", tree])
                .arg("--loss-log")
                .arg(&log)
                .args(arch));
            assert!(o.status.success(), "{arch:?} {tree}: {}", stderr(&o));
            let losses = losses(&log);
            assert!(losses[2] < losses[0], "{arch:?} {tree}: {losses:?}");
            let sep = topic_separation(&model, &dir);
            assert!(sep > 0.3, "{arch:?} {tree}: topic separation {sep}");
        }
    }
    // No longer HS-only: with negative sampling beside it too (tests/optimizers.rs has more).
    let o = run(w2v().args(train_args(&corpus, &dir.path("x.w2v"))).args([
        "--optimizer",
        "adagrad",
        "--negative",
        "5",
    ]));
    assert_ok(&o);
}
