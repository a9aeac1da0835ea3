//! The corpus spilled to a temporary file (`--spill`, `--tmp-dir`): the same model as in
//! memory, stdin included, and no file left behind however the run ends.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{
    assert_ok, assert_one_line_error, run, run_with_stdin, stderr, w2v, Lcg, Started, TempDir,
};

/// Zipf-like text: a few hundred distinct words, so ranks take one- and two-byte varints,
/// and some words fall below --min-count 3 and are dropped.
fn skewed_corpus(sentences: usize) -> String {
    let mut rng = Lcg(7);
    let mut text = String::new();
    for _ in 0..sentences {
        let len = 1 + rng.next(15);
        for _ in 0..len {
            let range = 1 + rng.next(600);
            let w = rng.next(range);
            text.push_str(&format!("w{w} "));
        }
        text.push('\n');
    }
    text
}

/// `w2v train` on `input` (a path, or `-`) into `model`, one thread, with `extra` flags
/// (2 epochs and --min-count 3 unless they say otherwise).
fn train_cmd(input: &Path, model: &Path, extra: &[&str]) -> Command {
    let mut cmd = w2v();
    cmd.args(["train", "--threads", "1", "--seed", "7", "--dim", "16"]);
    for (flag, default) in [("--epochs", "2"), ("--min-count", "3")] {
        if !extra.contains(&flag) {
            cmd.args([flag, default]);
        }
    }
    cmd.arg("--input")
        .arg(input)
        .arg("--output")
        .arg(model)
        .args(extra);
    cmd
}

/// The summary line of a run.
fn summary(o: &Output) -> String {
    let err = stderr(o);
    let line = err.lines().find(|l| l.starts_with("trained "));
    line.unwrap_or_else(|| panic!("no summary in: {err}"))
        .to_string()
}

fn assert_empty(dir: &Path) {
    let left: Vec<_> = std::fs::read_dir(dir).unwrap().collect();
    assert!(
        left.is_empty(),
        "left behind in {}: {left:?}",
        dir.display()
    );
}

#[test]
fn spilled_and_in_memory_models_are_byte_identical() {
    let dir = TempDir::new("spill-same");
    let corpus = dir.write("c.txt", skewed_corpus(6000));
    let tmp = dir.path("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let cases: [&[&str]; 4] = [
        &[],
        &["--cbow", "--negative", "5", "--no-hs"],
        &["--minn", "3", "--maxn", "4", "--buckets", "5000"],
        // Pruning while counting rewrites the spilled ids through the prune map.
        &["--max-vocab", "150", "--sample", "0"],
    ];
    for (i, flags) in cases.iter().enumerate() {
        let (memory, spilled) = (dir.path("memory.w2v"), dir.path("spilled.w2v"));
        let o = run(train_cmd(&corpus, &memory, flags).args(["--spill", "never"]));
        assert_ok(&o);
        assert!(!summary(&o).contains("spilled"), "{}", summary(&o));
        let o = run(train_cmd(&corpus, &spilled, flags)
            .args(["--spill", "always", "--tmp-dir"])
            .arg(&tmp));
        assert_ok(&o);
        assert!(summary(&o).contains("(spilled, "), "{}", summary(&o));
        let (a, b) = (
            std::fs::read(&memory).unwrap(),
            std::fs::read(&spilled).unwrap(),
        );
        assert!(
            a == b,
            "case {i} {flags:?}: the spilled run trained another model"
        );
        assert_empty(&tmp);
    }
    if let Some(prunes) = stderr(&run(&mut train_cmd(&corpus, &dir.path("p.w2v"), cases[3])))
        .lines()
        .find(|l| l.contains("pruned"))
    {
        assert!(prunes.contains("--max-vocab"), "{prunes}");
    } else {
        panic!("--max-vocab 150 did not prune: the case tests nothing");
    }
}

#[test]
fn small_corpora_stay_in_memory_by_default() {
    let dir = TempDir::new("spill-auto");
    let corpus = dir.write("c.txt", skewed_corpus(500));
    let o = run(&mut train_cmd(&corpus, &dir.path("m.w2v"), &[]));
    assert_ok(&o);
    assert!(!summary(&o).contains("spilled"), "{}", summary(&o));
    assert_eq!(dir.names(""), ["c.txt", "m.w2v"]);
}

#[test]
fn stdin_is_spilled_like_a_file() {
    let dir = TempDir::new("spill-stdin");
    let text = skewed_corpus(3000);
    let corpus = dir.write("c.txt", &text);
    let (from_file, from_stdin) = (dir.path("file.w2v"), dir.path("stdin.w2v"));
    assert_ok(&run(&mut train_cmd(
        &corpus,
        &from_file,
        &["--spill", "never"],
    )));
    let o = run_with_stdin(
        &mut train_cmd(Path::new("-"), &from_stdin, &["--spill", "always"]),
        &text,
    );
    assert_ok(&o);
    assert!(summary(&o).contains("(spilled, "), "{}", summary(&o));
    assert_eq!(
        std::fs::read(&from_file).unwrap(),
        std::fs::read(&from_stdin).unwrap()
    );
    // The default folder is the output's: nothing is left there.
    assert_eq!(dir.names(""), ["c.txt", "file.w2v", "stdin.w2v"]);
}

#[test]
fn an_unusable_tmp_dir_is_one_error_line_before_reading() {
    let dir = TempDir::new("spill-nodir");
    let corpus = dir.write("c.txt", skewed_corpus(100));
    let missing = dir.path("no-such-folder");
    let o = run(
        train_cmd(&corpus, &dir.path("m.w2v"), &["--spill", "always"])
            .arg("--tmp-dir")
            .arg(&missing),
    );
    assert_one_line_error(&o, 1, "no-such-folder");
    assert!(stderr(&o).contains("--tmp-dir"), "{}", stderr(&o));
    assert_eq!(dir.names(""), ["c.txt"]);
}

#[test]
fn temp_files_are_gone_after_an_error() {
    let dir = TempDir::new("spill-error");
    let corpus = dir.write("c.txt", skewed_corpus(2000));
    let tmp = dir.path("tmp");
    std::fs::create_dir(&tmp).unwrap();
    // The ids are spilled, then no word reaches the minimum count.
    let flags = ["--spill", "always", "--min-count", "1000000"];
    let o = run(train_cmd(&corpus, &dir.path("m.w2v"), &flags)
        .arg("--tmp-dir")
        .arg(&tmp));
    assert_one_line_error(&o, 1, "--min-count");
    assert_empty(&tmp);
    assert_eq!(dir.names(""), ["c.txt", "tmp"]);
}

/// A disk that fills up while the ids are written: `ulimit -f` makes writes past 16 KiB fail
/// as they would on a full disk.
#[cfg(target_os = "linux")]
#[test]
fn a_full_tmp_dir_is_one_error_line() {
    let dir = TempDir::new("spill-full");
    let corpus = dir.write("c.txt", skewed_corpus(20_000));
    let tmp = dir.path("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let o = run(Command::new("bash")
        .arg("-c")
        .arg(
            "trap '' XFSZ; ulimit -f 16; exec \"$0\" train -q --spill always --tmp-dir \"$1\" \
             -i \"$2\" -o \"$3\"",
        )
        .arg(env!("CARGO_BIN_EXE_w2v"))
        .arg(&tmp)
        .arg(&corpus)
        .arg(dir.path("m.w2v")));
    assert_one_line_error(&o, 1, "cannot write the temporary file");
    assert_empty(&tmp);
    assert_eq!(dir.names(""), ["c.txt", "tmp"]);
}

/// The open spill file of a running `w2v`, as /proc shows it: its folder and "(deleted)".
#[cfg(target_os = "linux")]
fn open_spill_files(pid: u32, dir: &Path) -> Vec<String> {
    let dir = dir.canonicalize().unwrap();
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
        .filter(|target| target.starts_with(&dir))
        .map(|target| target.display().to_string())
        .collect()
}

/// While training, the spill is open in `--tmp-dir` (or beside the output) but has no name
/// there; Ctrl-C and even SIGKILL leave nothing behind.
#[cfg(target_os = "linux")]
#[test]
fn the_spill_is_in_its_folder_and_gone_however_the_run_ends() {
    let dir = TempDir::new("spill-signal");
    let corpus = dir.write("c.txt", skewed_corpus(20_000));
    let tmp = dir.path("tmp");
    let out = dir.path("out");
    std::fs::create_dir(&tmp).unwrap();
    std::fs::create_dir(&out).unwrap();
    for (tmp_dir, expected_in, signal) in [(Some(&tmp), &tmp, "-INT"), (None, &out, "-KILL")] {
        let flags = ["--spill", "always", "--epochs", "1000"];
        let mut cmd = train_cmd(&corpus, &out.join("m.w2v"), &flags);
        if let Some(t) = tmp_dir {
            cmd.arg("--tmp-dir").arg(t);
        }
        // Training has started (the spill is written) once an epoch line is out.
        let started = Started::until(&mut cmd, |line| line.starts_with("epoch "));
        let open = open_spill_files(started.child.id(), expected_in);
        assert_eq!(open.len(), 1, "{open:?}");
        assert!(open[0].ends_with("(deleted)"), "{open:?}");
        assert_empty(&tmp);
        let (status, _) = started.signal(signal);
        assert!(!status.success(), "{signal}: {status:?}");
        assert_empty(&tmp);
        let left: Vec<_> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|name| name != "m.w2v")
            .collect();
        assert!(
            left.is_empty(),
            "{signal}: left in the output folder: {left:?}"
        );
        let _ = std::fs::remove_file(out.join("m.w2v"));
    }
}
