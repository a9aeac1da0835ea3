//! Corpus inputs end to end: compressed files and stdin, folders, and damaged streams.

mod common;
use common::*;

use std::io::Write;
use std::path::Path;
use std::process::Output;

fn gzip(text: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(text).unwrap();
    e.finish().unwrap()
}

fn bzip2(text: &[u8]) -> Vec<u8> {
    let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
    e.write_all(text).unwrap();
    e.finish().unwrap()
}

fn xz(text: &[u8]) -> Vec<u8> {
    let mut e = liblzma::write::XzEncoder::new(Vec::new(), 1);
    e.write_all(text).unwrap();
    e.finish().unwrap()
}

fn zstd(text: &[u8]) -> Vec<u8> {
    zstd::encode_all(text, 1).unwrap()
}

/// Trains a small repeatable model from `inputs` (and `stdin`, if given) and returns the
/// word2vec text vectors it wrote.
fn vectors(dir: &TempDir, inputs: &[&Path], extra: &[&str], stdin: Option<&[u8]>) -> String {
    let out = dir.path("v.txt");
    let o = train_output(inputs, &out, extra, stdin);
    assert_ok(&o);
    std::fs::read_to_string(out).unwrap()
}

fn train_output(inputs: &[&Path], out: &Path, extra: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut cmd = w2v();
    cmd.args([
        "train",
        "--quiet",
        "--threads",
        "1",
        "--seed",
        "1",
        "--epochs",
        "1",
    ])
    .args(["--dim", "8", "--min-count", "1", "--input"])
    .args(inputs)
    .args(extra)
    .arg("--save-vectors")
    .arg(out);
    match stdin {
        None => run(&mut cmd),
        Some(bytes) => run_with_stdin(&mut cmd, bytes),
    }
}

#[test]
fn every_compression_gives_the_same_model_as_plain_text() {
    let dir = TempDir::new("compressed");
    let text = topic_corpus(200);
    let plain = dir.write("corpus.txt", &text);
    let expected = vectors(&dir, &[&plain], &[], None);
    // Names that do not match the format: the content decides.
    for (name, bytes) in [
        ("a.gz", gzip(text.as_bytes())),
        ("b.bz2", bzip2(text.as_bytes())),
        ("c.xz", xz(text.as_bytes())),
        ("d.zst", zstd(text.as_bytes())),
        ("e.txt", gzip(text.as_bytes())),
    ] {
        let file = dir.write(name, bytes);
        assert_eq!(vectors(&dir, &[&file], &[], None), expected, "{name}");
    }
}

#[test]
fn gzip_on_stdin_is_decompressed() {
    let dir = TempDir::new("stdin-gz");
    let text = topic_corpus(200);
    let plain = dir.write("corpus.txt", &text);
    let expected = vectors(&dir, &[&plain], &[], None);
    let got = vectors(&dir, &[Path::new("-")], &[], Some(&gzip(text.as_bytes())));
    assert_eq!(got, expected);
}

#[test]
fn multi_member_gzip_reads_every_member() {
    let dir = TempDir::new("multi-gz");
    let text = topic_corpus(200);
    let (first, second) = text.split_at(text.len() / 2);
    let plain = dir.write("corpus.txt", &text);
    let expected = vectors(&dir, &[&plain], &[], None);
    let mut both = gzip(first.as_bytes());
    both.extend(gzip(second.as_bytes()));
    let cat = dir.write("cat.gz", both);
    assert_eq!(vectors(&dir, &[&cat], &[], None), expected);
}

#[test]
fn folder_reads_files_below_it_in_sorted_order_skipping_hidden_ones() {
    let dir = TempDir::new("folder");
    let text = topic_corpus(300);
    let lines: Vec<&str> = text.lines().collect();
    let parts: Vec<String> = lines.chunks(100).map(|c| c.join("\n") + "\n").collect();
    let corpus = dir.path("corpus");
    std::fs::create_dir_all(corpus.join("sub")).unwrap();
    std::fs::create_dir_all(corpus.join(".git")).unwrap();
    // Sorted by path: a.txt, b.txt.gz, sub/c.txt.
    std::fs::write(corpus.join("sub/c.txt"), &parts[2]).unwrap();
    std::fs::write(corpus.join("a.txt"), &parts[0]).unwrap();
    std::fs::write(corpus.join("b.txt.gz"), gzip(parts[1].as_bytes())).unwrap();
    std::fs::write(corpus.join(".hidden.txt"), "zz yy xx\n").unwrap();
    std::fs::write(corpus.join(".git/HEAD"), "ww vv\n").unwrap();
    let joined = dir.write("joined.txt", parts.concat());
    let expected = vectors(&dir, &[&joined], &[], None);
    assert_eq!(vectors(&dir, &[&corpus], &[], None), expected);

    // The extension filter: `a.txt` and `sub/c.txt` only.
    std::fs::write(corpus.join("notes.md"), "mm nn\n").unwrap();
    let filtered = dir.write("filtered.txt", parts[0].clone() + &parts[2]);
    let expected = vectors(&dir, &[&filtered], &[], None);
    let got = vectors(&dir, &[&corpus], &["--input-ext", "txt"], None);
    assert_eq!(got, expected);
}

#[test]
fn empty_folder_is_an_error() {
    let dir = TempDir::new("empty-folder");
    let corpus = dir.path("corpus");
    std::fs::create_dir_all(&corpus).unwrap();
    std::fs::write(corpus.join(".hidden"), "a b c\n").unwrap();
    let o = train_output(&[&corpus], &dir.path("v.txt"), &[], None);
    assert_one_line_error(&o, 1, "no files to read");
}

/// A corpus long enough that half of its gzip stream holds many bytes of text.
fn long_text() -> String {
    topic_corpus(20_000)
}

#[test]
fn truncated_gzip_is_an_error_naming_the_file_and_how_far_it_got() {
    let dir = TempDir::new("truncated-gz");
    let mut bytes = gzip(long_text().as_bytes());
    bytes.truncate(bytes.len() / 2);
    let file = dir.write("corpus.txt.gz", bytes);
    let o = train_output(&[&file], &dir.path("v.txt"), &[], None);
    assert_one_line_error(&o, 1, "corpus.txt.gz: gzip stream ends early after ");
    let err = stderr(&o);
    let count: u64 = err
        .split("after ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("a byte count in: {err}"));
    assert!(count > 0 && count < long_text().len() as u64, "{err}");
    assert!(
        !dir.path("v.txt").exists(),
        "no model from a truncated corpus"
    );
}

#[test]
fn corrupt_streams_are_errors_not_shorter_corpora() {
    let dir = TempDir::new("corrupt");
    let text = long_text();
    for (name, mut bytes) in [
        ("c.gz", gzip(text.as_bytes())),
        ("c.bz2", bzip2(text.as_bytes())),
        ("c.xz", xz(text.as_bytes())),
        ("c.zst", zstd(text.as_bytes())),
    ] {
        let middle = bytes.len() / 2;
        for b in &mut bytes[middle..middle + 8] {
            *b ^= 0x5a;
        }
        let file = dir.write(name, bytes);
        let o = train_output(&[&file], &dir.path("v.txt"), &[], None);
        assert_one_line_error(&o, 1, name);
        assert!(stderr(&o).contains("stream"), "{name}: {}", stderr(&o));
    }
}

/// Issue 14's bad inputs, each one line naming the file and no output left behind: a folder
/// whose files hold no words, a compressed file with a binary inside (anywhere in a folder),
/// and a file that cannot be opened in the middle of a folder.
#[test]
fn folders_without_text_and_unreadable_members_are_one_line_errors_and_leave_no_model() {
    let dir = TempDir::new("bad-folders");
    let text = topic_corpus(50);
    type Files<'a> = Vec<(&'a str, Vec<u8>)>;
    let cases: Vec<(&str, Files, &str)> = vec![
        (
            "blank",
            vec![("a.txt", Vec::new()), ("b.txt", b"  \n\n".to_vec())],
            "no words found",
        ),
        (
            "binary-inside",
            vec![
                ("a.txt", text.as_bytes().to_vec()),
                // An executable-like payload: NUL bytes between ASCII, gzipped.
                (
                    "b.gz",
                    gzip(&b"\x7fELF\x02\x01\x01\0\0\0\0\0main\0\0\0".repeat(500)),
                ),
                ("c.txt", text.as_bytes().to_vec()),
            ],
            "b.gz: looks like a binary file",
        ),
    ];
    for (name, files, needle) in cases {
        let folder = dir.path(name);
        std::fs::create_dir_all(&folder).unwrap();
        for (file, bytes) in files {
            std::fs::write(folder.join(file), bytes).unwrap();
        }
        let model = dir.path(&format!("{name}.w2v"));
        let o = run(w2v()
            .args(["train", "-q", "--min-count", "1", "--input"])
            .arg(&folder)
            .arg("--output")
            .arg(&model));
        assert_one_line_error(&o, 1, needle);
        assert!(!model.exists(), "{name}: a model was written");
    }
    // A member that cannot be opened (a dangling link: permissions do not stop root).
    let folder = dir.path("dangling");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("a.txt"), &text).unwrap();
    std::os::unix::fs::symlink(dir.path("gone.txt"), folder.join("b.txt")).unwrap();
    std::fs::write(folder.join("c.txt"), &text).unwrap();
    let model = dir.path("dangling.w2v");
    let o = run(w2v()
        .args(["train", "-q", "--min-count", "1", "--input"])
        .arg(&folder)
        .arg("--output")
        .arg(&model));
    assert_one_line_error(&o, 1, "b.txt");
    assert!(!model.exists(), "a model was written");
}
