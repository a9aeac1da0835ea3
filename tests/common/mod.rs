//! Helpers the end-to-end test files share: the real binary, scratch folders, output checks
//! and small generated corpora. Each test file uses a different subset.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The `w2v` binary cargo built for these tests.
pub fn w2v() -> Command {
    Command::new(env!("CARGO_BIN_EXE_w2v"))
}

/// A fresh folder per test, removed when dropped (also when the test fails); `.0` is its path.
pub struct TempDir(pub PathBuf, tempfile::TempDir);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        let dir = tempfile::Builder::new()
            .prefix(&format!("w2v-{name}-"))
            .tempdir()
            .expect("a scratch folder");
        TempDir(dir.path().to_path_buf(), dir)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    pub fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }

    /// The names in the folder (or one of its sub-folders, "" for itself), sorted.
    pub fn names(&self, folder: &str) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.path(folder))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

/// `w2v train --input INPUT --output OUTPUT --threads 1 --seed SEED`: the start of every
/// end-to-end training whose result a test compares byte for byte.
pub fn repeatable_training(input: &Path, output: &Path, seed: &str) -> Command {
    let mut cmd = w2v();
    cmd.args(["train", "--input"])
        .arg(input)
        .arg("--output")
        .arg(output)
        .args(["--threads", "1", "--seed", seed]);
    cmd
}

/// `w2v train --input CORPUS` with the small settings end-to-end tests of the output layers
/// share: dim 16, every word kept, 5 epochs, no subsampling, one quiet thread.
pub fn small_training(corpus: &Path) -> Command {
    let mut cmd = w2v();
    cmd.args(["train", "--input"]).arg(corpus).args([
        "--dim",
        "16",
        "--min-count",
        "1",
        "--epochs",
        "5",
        "--sample",
        "0",
        "--threads",
        "1",
        "-q",
    ]);
    cmd
}

/// Runs with nothing on stdin.
pub fn run(cmd: &mut Command) -> Output {
    cmd.stdin(Stdio::null()).output().expect("run w2v")
}

/// Runs with `input` on stdin.
pub fn run_with_stdin(cmd: &mut Command, input: impl AsRef<[u8]>) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_ref())
        .unwrap();
    child.wait_with_output().unwrap()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn assert_ok(o: &Output) {
    assert!(o.status.success(), "stderr: {}", stderr(o));
}

/// A failure reads as one `w2v: error:` line containing `needle`, never a panic or help.
pub fn assert_one_line_error(o: &Output, code: i32, needle: &str) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(code), "stderr: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    assert!(err.starts_with("w2v: error:"), "{err}");
    assert!(
        !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
        "{err}"
    );
    assert!(!stdout(o).contains("Usage:"), "no help on stdout");
    assert!(err.contains(needle), "expected '{needle}' in: {err}");
}

/// Deterministic pseudo-random numbers for corpus generation.
pub struct Lcg(pub u64);

impl Lcg {
    pub fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na: f32 = a.iter().map(|x| x * x).sum::<f32>().sqrt();
    let nb: f32 = b.iter().map(|x| x * x).sum::<f32>().sqrt();
    dot / (na * nb)
}

/// Two topics: words of topic A only ever appear among A's context words, B's among B's.
pub fn topic_corpus(sentences: usize) -> String {
    let mut rng = Lcg(42);
    let mut text = String::new();
    for s in 0..sentences {
        let topic = if s % 2 == 0 { "a" } else { "b" };
        for _ in 0..12 {
            text.push_str(&format!("{topic}{} ", rng.next(6)));
        }
        text.push('\n');
    }
    text
}

/// Reads word2vec text vectors into (word, vector) pairs, checking the header.
pub fn read_text_vectors(path: &Path) -> Vec<(String, Vec<f32>)> {
    parse_text_vectors(&std::fs::read_to_string(path).unwrap())
}

/// Parses word2vec text vectors, checking the header.
pub fn parse_text_vectors(text: &str) -> Vec<(String, Vec<f32>)> {
    let mut lines = text.lines();
    let header: Vec<usize> = lines
        .next()
        .unwrap()
        .split(' ')
        .map(|x| x.parse().unwrap())
        .collect();
    let rows = parse_rows(lines);
    assert_eq!(rows.len(), header[0]);
    assert!(rows.iter().all(|(_, v)| v.len() == header[1]));
    rows
}

/// `word v1 v2 ...` lines.
pub fn parse_rows<'a>(lines: impl Iterator<Item = &'a str>) -> Vec<(String, Vec<f32>)> {
    lines
        .map(|l| {
            let mut parts = l.split(' ');
            let w = parts.next().unwrap().to_string();
            (w, parts.map(|x| x.parse().unwrap()).collect())
        })
        .collect()
}

/// About `words` words of Zipf-like text over `{prefix}N` (rank ~ 1/(u² + floor): a few
/// frequent words and a long tail of a few hundred), 4-20 words a line.
pub fn zipf_text(words: usize, seed: u64, prefix: &str, floor: f64) -> String {
    let mut rng = Lcg(seed);
    let mut text = String::new();
    let mut n = 0;
    while n < words {
        let len = 4 + rng.next(17);
        for _ in 0..len {
            let u = (rng.next(10_000) + 1) as f64 / 10_000.0;
            text.push_str(&format!("{prefix}{} ", (1.0 / (u * u + floor)) as u64));
        }
        text.push('\n');
        n += len;
    }
    text
}

/// Spawns `cmd` with no stdin, its stdout dropped and its stderr as given (`Stdio::piped()` to
/// read it): a run a test watches or stops while it works.
pub fn spawn_in_background(cmd: &mut Command, stderr: Stdio) -> std::process::Child {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .unwrap()
}

/// Spawns `cmd` (a training run with checkpoints into `checkpoint`), waits for the first
/// checkpoint file to appear, and kills the process outright (SIGKILL: no handler runs).
pub fn kill_after_first_checkpoint(cmd: &mut Command, checkpoint: &Path, timeout_secs: u64) {
    let mut child = spawn_in_background(cmd, Stdio::null());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(timeout_secs);
    while !checkpoint.exists() {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("training ended ({status}) before its first checkpoint");
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no checkpoint appeared"
        );
        std::thread::yield_now();
    }
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success(), "killed before it finished");
}

/// A run started in the background and read (on stderr) up to a line the test waits for.
pub struct Started {
    pub child: std::process::Child,
    lines: std::io::BufReader<std::process::ChildStderr>,
    /// Everything the run has written to stderr so far.
    seen: String,
}

impl Started {
    /// Spawns `cmd` and reads its stderr until a line for which `wanted` holds.
    pub fn until(cmd: &mut Command, wanted: impl Fn(&str) -> bool) -> Started {
        use std::io::BufRead;
        let mut child = spawn_in_background(cmd, Stdio::piped());
        let mut lines = std::io::BufReader::new(child.stderr.take().unwrap());
        let mut seen = String::new();
        loop {
            let mut line = String::new();
            if lines.read_line(&mut line).unwrap() == 0 {
                panic!("the run ended before the line waited for: {seen}");
            }
            seen.push_str(&line);
            if wanted(&line) {
                break;
            }
        }
        Started { child, lines, seen }
    }

    /// Sends `signal` (as `kill` spells it: `-INT`, `-KILL`), waits for the run to end, and
    /// gives its exit status and all it wrote to stderr.
    pub fn signal(mut self, signal: &str) -> (std::process::ExitStatus, String) {
        use std::io::Read;
        let sent = Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(sent.success());
        self.lines.read_to_string(&mut self.seen).unwrap();
        (self.child.wait().unwrap(), self.seen)
    }
}

/// Spawns `cmd` (a training run), waits for a progress line (one with a `%`) starting with
/// `prefix` (such as `"epoch 3/4:"`), sends SIGINT, and gives the exit code and everything
/// the run wrote to stderr.
pub fn interrupt_at_progress(cmd: &mut Command, prefix: &str) -> (Option<i32>, String) {
    let started = Started::until(cmd, |line| line.starts_with(prefix) && line.contains('%'));
    let (status, seen) = started.signal("-INT");
    (status.code(), seen)
}
