//! Outputs never destroy anything: the real `w2v` binary writing to symlinks, FIFOs, devices,
//! stdout (`-`), existing files, and refusing bad output paths before any work starts.

mod common;

use common::*;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn assert_success(o: &Output) {
    assert!(o.status.success(), "stderr: {}", stderr(o));
}

fn assert_one_line_error(o: &Output, code: i32, needles: &[&str]) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(code), "stderr: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    assert!(err.starts_with("w2v: error:"), "{err}");
    for needle in needles {
        assert!(err.contains(needle), "{needle:?} not in: {err}");
    }
}

/// Sentences of 12 words drawn from `words` distinct ones.
fn corpus(sentences: usize, words: usize) -> String {
    let mut rng = Lcg(42);
    let mut text = String::new();
    for _ in 0..sentences {
        for _ in 0..12 {
            text.push_str(&format!("w{} ", rng.next(words)));
        }
        text.push('\n');
    }
    text
}

/// A quick `train` of `input` into `output`, plus `extra` options.
fn train(input: &Path, output: impl AsRef<std::ffi::OsStr>, extra: &[&str]) -> Command {
    let mut cmd = w2v();
    cmd.args(["train", "--dim", "16", "--min-count", "1", "--epochs", "3"])
        .args(["--threads", "1", "-q", "--input"])
        .arg(input)
        .arg("--output")
        .arg(output)
        .args(extra);
    cmd
}

/// A small model trained in `dir`, as `m.w2v`, with a vocabulary of `words`.
fn small_model(dir: &TempDir, words: usize) -> PathBuf {
    let corpus = dir.write("small.txt", corpus(200, words));
    let model = dir.path("m.w2v");
    assert_success(&run(&mut train(&corpus, &model, &[])));
    model
}

/// word2vec text vectors: checks the header against the rows and gives the words.
fn text_vector_words(text: &[u8]) -> Vec<String> {
    let text = std::str::from_utf8(text).unwrap();
    let mut lines = text.lines();
    let header: Vec<usize> = lines
        .next()
        .expect("a header line")
        .split(' ')
        .map(|x| x.parse().unwrap())
        .collect();
    let words: Vec<String> = lines
        .map(|l| {
            let mut parts = l.split(' ');
            let word = parts.next().unwrap().to_string();
            let values: Vec<f32> = parts.map(|x| x.parse().unwrap()).collect();
            assert_eq!(values.len(), header[1], "{l}");
            word
        })
        .collect();
    assert_eq!(words.len(), header[0]);
    words
}

fn export_text_to(model: &Path, output: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut cmd = w2v();
    cmd.arg("export")
        .arg(model)
        .args(["--format", "text", "--output"])
        .arg(output);
    cmd
}

#[cfg(unix)]
fn is_symlink(path: &Path) -> bool {
    std::fs::symlink_metadata(path)
        .unwrap()
        .file_type()
        .is_symlink()
}

#[cfg(unix)]
#[test]
fn a_symlink_output_writes_its_target_and_stays_a_link() {
    use std::os::unix::fs::symlink;
    let dir = TempDir::new("symlink");
    let corpus = dir.write("c.txt", corpus(200, 20));
    std::fs::create_dir(dir.path("store")).unwrap();
    let target = dir.write("store/model.w2v", "old contents");
    let link = dir.path("m.w2v");
    symlink("store/model.w2v", &link).unwrap();
    assert_success(&run(&mut train(&corpus, &link, &[])));
    assert!(is_symlink(&link), "the link was replaced");
    assert_eq!(
        std::fs::read_link(&link).unwrap(),
        Path::new("store/model.w2v")
    );
    let model = w2v::formats::native::read_path(&target).expect("the target holds the model");
    assert_eq!(model.vocab.len(), 20);

    // A dangling link: the file it names is created, the link kept.
    let dangling = dir.path("vectors.txt");
    symlink("store/vectors.txt", &dangling).unwrap();
    assert_success(&run(&mut export_text_to(&link, &dangling)));
    assert!(is_symlink(&dangling));
    let words = text_vector_words(&std::fs::read(dir.path("store/vectors.txt")).unwrap());
    assert_eq!(words.len(), 20);
    assert_eq!(
        dir.names("store"),
        ["model.w2v", "vectors.txt"],
        "temp files"
    );
}

/// Makes a FIFO with the system's `mkfifo`.
#[cfg(unix)]
fn mkfifo(path: &Path) {
    let made = Command::new("mkfifo").arg(path).status().expect("mkfifo");
    assert!(made.success());
}

#[cfg(unix)]
fn is_fifo(path: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::metadata(path).unwrap().file_type().is_fifo()
}

/// Runs `cmd` (which writes into `fifo`) while a thread reads the FIFO; gives what was read.
#[cfg(unix)]
fn read_fifo_while(fifo: &Path, cmd: &mut Command) -> (Output, Vec<u8>) {
    let reader_path = fifo.to_path_buf();
    let reader = std::thread::spawn(move || std::fs::read(&reader_path).unwrap());
    // Holding a write end of our own (this open returns once the reader's has) means the
    // reader sees the end only when we drop it, after w2v exits: it never waits for a w2v
    // that wrote elsewhere.
    let keeper = std::fs::OpenOptions::new().write(true).open(fifo).unwrap();
    let o = run(cmd);
    drop(keeper);
    (o, reader.join().unwrap())
}

#[cfg(unix)]
#[test]
fn a_fifo_output_is_written_in_place() {
    let dir = TempDir::new("fifo");
    let model = small_model(&dir, 20);
    let fifo = dir.path("vectors.fifo");
    mkfifo(&fifo);
    let (o, data) = read_fifo_while(&fifo, &mut export_text_to(&model, &fifo));
    assert_success(&o);
    assert_eq!(text_vector_words(&data).len(), 20);
    assert!(is_fifo(&fifo), "the FIFO was replaced");

    let corpus = dir.path("small.txt");
    let (o, data) = read_fifo_while(
        &fifo,
        train(&corpus, dir.path("m2.w2v"), &["--loss-log"]).arg(&fifo),
    );
    assert_success(&o);
    let csv = String::from_utf8(data).unwrap();
    assert!(csv.starts_with("epoch,words,loss,alpha,seconds\n"), "{csv}");
    assert_eq!(csv.lines().count(), 4, "{csv}");
    assert!(is_fifo(&fifo));
    assert_eq!(
        dir.names(""),
        ["m.w2v", "m2.w2v", "small.txt", "vectors.fifo"]
    );
}

#[test]
fn dash_writes_each_output_to_stdout() {
    let dir = TempDir::new("dash");
    let model = small_model(&dir, 20);
    let corpus = dir.path("small.txt");

    let o = run(export_text_to(&model, "-").current_dir(&dir.0));
    assert_success(&o);
    assert_eq!(text_vector_words(&o.stdout).len(), 20);
    let file = dir.path("vectors.txt");
    assert_success(&run(&mut export_text_to(&model, &file)));
    assert_eq!(o.stdout, std::fs::read(&file).unwrap());

    let o = run(train(&corpus, dir.path("m2.w2v"), &["--loss-log", "-"]).current_dir(&dir.0));
    assert_success(&o);
    let csv = String::from_utf8(o.stdout).unwrap();
    assert!(csv.starts_with("epoch,words,loss,alpha,seconds\n"), "{csv}");
    assert_eq!(csv.lines().count(), 4, "{csv}");

    let o = run(train(&corpus, dir.path("m3.w2v"), &["--save-vocab", "-"]).current_dir(&dir.0));
    assert_success(&o);
    let vocab = String::from_utf8(o.stdout).unwrap();
    assert_eq!(vocab.lines().count(), 20, "{vocab}");
    assert!(vocab
        .lines()
        .all(|l| l.split(' ').nth(1).unwrap().parse::<u64>().is_ok()));

    // The model itself: the bytes on stdout load as the same model as a file run's.
    let o = run(train(&corpus, "-", &[]).current_dir(&dir.0));
    assert_success(&o);
    let piped = dir.write("piped.w2v", &o.stdout);
    let piped = w2v::formats::native::read_path(&piped).expect("a model on stdout");
    let saved = w2v::formats::native::read_path(&model).unwrap();
    assert_eq!(piped.vocab.words(), saved.vocab.words());
    assert_eq!(piped.input, saved.input, "--threads 1 runs are repeatable");

    let o = run(train(&corpus, dir.path("m4.w2v"), &["--diagnostics", "-"]).current_dir(&dir.0));
    assert_success(&o);
    let csv = dir.write("grads.csv", &o.stdout);
    let o = run(w2v()
        .arg("plot-diagnostics")
        .arg(&csv)
        .args(["--output", "-"])
        .current_dir(&dir.0));
    assert_success(&o);
    let svg = String::from_utf8(o.stdout).unwrap();
    assert!(
        svg.contains("<svg") && svg.trim_end().ends_with("</svg>"),
        "{svg}"
    );

    // Only one output can take stdout.
    let o = run(train(&corpus, "-", &["--loss-log", "-"]).current_dir(&dir.0));
    assert_one_line_error(&o, 2, &["--output", "--loss-log", "`-`"]);
    assert!(o.stdout.is_empty());
    assert!(!dir.path("-").exists(), "`-` is not a file name");
}

#[test]
fn a_closed_stdout_pipe_ends_the_export_quietly() {
    let dir = TempDir::new("pipe");
    // 1000 words of dimension 16: far more text than a pipe buffers.
    let corpus = dir.write("c.txt", corpus(2000, 1000));
    let model = dir.path("m.w2v");
    assert_success(&run(&mut train(&corpus, &model, &[])));
    let mut child = export_text_to(&model, "-")
        .current_dir(&dir.0)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut header = String::new();
    {
        use std::io::BufRead;
        let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
        stdout.read_line(&mut header).unwrap();
    } // Closes the pipe, as `| head -1` does.
    assert_eq!(header, "1000 16\n");
    let o = child.wait_with_output().unwrap();
    assert_success(&o);
    assert_eq!(stderr(&o), "");
}

#[test]
fn a_missing_folder_fails_before_any_work() {
    let dir = TempDir::new("missing");
    // 600,000 words over 1000 distinct ones: a full run takes about 9 s of CPU, so an error
    // within a second came before training, as the missing epoch lines confirm.
    let big = dir.write("big.txt", corpus(50_000, 1000));
    let model = dir.path("m.w2v");
    let missing = dir.path("no/such/folder/out.txt");
    let missing_folder = dir.path("no/such/folder");
    for flag in ["--output", "--save-vocab", "--loss-log", "--diagnostics"] {
        let mut cmd = w2v();
        cmd.args(["train", "--min-count", "1", "--input"]).arg(&big);
        if flag != "--output" {
            cmd.arg("--output").arg(&model);
        }
        cmd.arg(flag).arg(&missing);
        let start = Instant::now();
        let o = run(&mut cmd);
        let took = start.elapsed();
        let wanted = format!(
            "{flag} {}: folder {} does not exist",
            missing.display(),
            missing_folder.display()
        );
        assert_one_line_error(&o, 2, &[&wanted]);
        assert!(
            took < Duration::from_secs(1),
            "{flag}: failed after {took:?}"
        );
        assert!(!stderr(&o).contains("epoch"), "{flag}: trained first");
        assert!(!model.exists(), "{flag}: a model was saved");
    }
    // A file where a folder should be.
    let o = run(&mut train(&big, big.join("m.w2v"), &[]));
    assert_one_line_error(&o, 2, &["--output", "big.txt is not a folder"]);

    let small = small_model(&dir, 20);
    let o = run(&mut export_text_to(&small, &missing));
    assert_one_line_error(&o, 2, &["--output", "does not exist"]);
    let csv = dir.write("grads.csv", "epoch\n");
    let o = run(w2v()
        .arg("plot-diagnostics")
        .arg(&csv)
        .arg("--output")
        .arg(&missing));
    assert_one_line_error(&o, 2, &["--output", "does not exist"]);
    let o = run(&mut export_text_to(&small, &dir.0));
    assert_one_line_error(&o, 2, &["--output", "is a directory"]);
    assert_eq!(
        dir.names(""),
        ["big.txt", "grads.csv", "m.w2v", "small.txt"]
    );
}

#[test]
fn two_outputs_naming_one_file_are_refused() {
    let dir = TempDir::new("same");
    let corpus = dir.write("c.txt", corpus(200, 20));
    let model = dir.path("m.w2v");
    std::fs::create_dir(dir.path("sub")).unwrap();
    let through_dots = dir.path("sub/../m.w2v");
    for (flag, other) in [("--loss-log", &model), ("--save-vocab", &through_dots)] {
        let o = run(train(&corpus, &model, &[flag]).arg(other));
        assert_one_line_error(&o, 2, &[flag, "same file as --output"]);
        assert!(!model.exists());
    }
    // One of them through stdout: `-` and `/dev/stdout` are the same pipe here.
    if Path::new("/dev/stdout").exists() {
        let o = run(train(&corpus, "-", &["--loss-log", "/dev/stdout"]).current_dir(&dir.0));
        assert_one_line_error(&o, 2, &["--loss-log /dev/stdout", "same file"]);
    }
    #[cfg(unix)]
    {
        std::fs::write(&model, "old").unwrap();
        std::os::unix::fs::symlink(&model, dir.path("link")).unwrap();
        std::fs::hard_link(&model, dir.path("hard")).unwrap();
        for other in ["link", "hard"] {
            let o = run(train(&corpus, &model, &["--diagnostics"]).arg(dir.path(other)));
            assert_one_line_error(&o, 2, &["--diagnostics", "same file as --output"]);
        }
        assert_eq!(std::fs::read(&model).unwrap(), b"old");
    }
}

#[test]
fn an_output_that_is_an_input_is_refused() {
    let dir = TempDir::new("input");
    let text = corpus(200, 20);
    let corpus = dir.write("c.txt", &text);
    std::fs::create_dir(dir.path("sub")).unwrap();
    for output in [corpus.clone(), dir.path("sub/../c.txt")] {
        let o = run(&mut train(&corpus, &output, &[]));
        assert_one_line_error(&o, 2, &["--output", "--input", "refusing to overwrite"]);
    }
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(&corpus, dir.path("link.txt")).unwrap();
        let o = run(&mut train(&corpus, dir.path("link.txt"), &[]));
        assert_one_line_error(&o, 2, &["refusing to overwrite"]);
    }
    assert_eq!(std::fs::read_to_string(&corpus).unwrap(), text);

    let vocab = dir.write("vocab.txt", "w1 5\nw2 5\n");
    let o = run(train(&corpus, dir.path("m.w2v"), &["--read-vocab"])
        .arg(&vocab)
        .arg("--save-vocab")
        .arg(&vocab));
    assert_one_line_error(&o, 2, &["--save-vocab", "--read-vocab"]);
    assert_eq!(std::fs::read_to_string(&vocab).unwrap(), "w1 5\nw2 5\n");

    let model = small_model(&dir, 20);
    let bytes = std::fs::read(&model).unwrap();
    let o = run(&mut export_text_to(&model, &model));
    assert_one_line_error(&o, 2, &["refusing to overwrite"]);
    assert_eq!(std::fs::read(&model).unwrap(), bytes);
    let o = run(w2v()
        .arg("plot-diagnostics")
        .arg(&vocab)
        .arg("--output")
        .arg(&vocab));
    assert_one_line_error(&o, 2, &["refusing to overwrite"]);
}

#[cfg(unix)]
#[test]
fn dev_null_stays_a_character_device() {
    use std::os::unix::fs::FileTypeExt;
    let dir = TempDir::new("null");
    let model = small_model(&dir, 20);
    let null = Path::new("/dev/null");
    // Two outputs may share a sink like /dev/null.
    let o = run(&mut train(
        &dir.path("small.txt"),
        null,
        &["--loss-log", "/dev/null"],
    ));
    assert_success(&o);
    assert_success(&run(&mut export_text_to(&model, null)));
    assert!(std::fs::metadata(null)
        .unwrap()
        .file_type()
        .is_char_device());
    assert_eq!(dir.names(""), ["m.w2v", "small.txt"]);
}

#[test]
fn an_existing_file_is_replaced_whole() {
    let dir = TempDir::new("replace");
    let model = small_model(&dir, 20);
    let out = dir.write("vectors.txt", "previous contents\n");
    #[cfg(unix)]
    let (old_inode, mode) = {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o600)).unwrap();
        (std::fs::metadata(&out).unwrap().ino(), 0o600)
    };
    assert_success(&run(&mut export_text_to(&model, &out)));
    assert_eq!(text_vector_words(&std::fs::read(&out).unwrap()).len(), 20);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let meta = std::fs::metadata(&out).unwrap();
        assert_ne!(meta.ino(), old_inode, "renamed into place, not rewritten");
        assert_eq!(meta.permissions().mode() & 0o777, mode, "permissions kept");
    }
    assert_eq!(dir.names(""), ["m.w2v", "small.txt", "vectors.txt"]);
}

/// `/dev/stdout` redirected to a file (`>> log`) is appended to: the file keeps what it held.
#[cfg(target_os = "linux")]
#[test]
fn dev_stdout_redirected_to_a_file_keeps_what_it_held() {
    let dir = TempDir::new("devstdout");
    let model = small_model(&dir, 20);
    let log = dir.write("log.txt", "earlier line\n");
    let appending = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
    let status = export_text_to(&model, "/dev/stdout")
        .stdin(Stdio::null())
        .stdout(appending)
        .status()
        .unwrap();
    assert!(status.success());
    let text = std::fs::read(&log).unwrap();
    let rest = text.strip_prefix(b"earlier line\n").expect("old line kept");
    assert_eq!(text_vector_words(rest).len(), 20);
    assert_eq!(dir.names(""), ["log.txt", "m.w2v", "small.txt"]);
}
