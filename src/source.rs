//! Where corpus bytes come from: a file, stdin or a folder of files, each decompressed when its
//! first bytes are a gzip, bzip2, xz or zstd magic number (the content decides, not the name).
//!
//! Everything streams: a decoder sits between the file and the tokenizer's bounded buffer, so
//! a compressed corpus is never held whole in memory.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::Arc;

use crate::corpus::Input;
use crate::error::{Error, Result};

/// How an input's bytes are encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    Plain,
    Gzip,
    Bzip2,
    Xz,
    Zstd,
}

impl Compression {
    /// The longest magic number we look for.
    const MAGIC_BYTES: usize = 6;

    /// Reads the format from an input's first bytes.
    pub fn detect(head: &[u8]) -> Compression {
        const MAGICS: [(&[u8], Compression); 4] = [
            (&[0x1f, 0x8b], Compression::Gzip),
            (b"BZh", Compression::Bzip2),
            (&[0xfd, b'7', b'z', b'X', b'Z', 0x00], Compression::Xz),
            (&[0x28, 0xb5, 0x2f, 0xfd], Compression::Zstd),
        ];
        MAGICS
            .iter()
            .find(|(magic, _)| head.starts_with(magic))
            .map_or(Compression::Plain, |(_, kind)| *kind)
    }

    pub fn name(self) -> &'static str {
        match self {
            Compression::Plain => "plain",
            Compression::Gzip => "gzip",
            Compression::Bzip2 => "bzip2",
            Compression::Xz => "xz",
            Compression::Zstd => "zstd",
        }
    }
}

/// An open input: its (decompressed) text, and how many raw bytes have been read from the
/// file so far, which is what progress over file sizes should count.
pub(crate) struct Source {
    pub text: Box<dyn Read>,
    pub compression: Compression,
    raw: Arc<AtomicU64>,
}

impl Source {
    pub fn open(input: &Input) -> Result<Source> {
        match input {
            Input::Stdin => Source::from_reader(io::stdin(), "<stdin>"),
            Input::Path(p) => {
                let meta = std::fs::metadata(p).map_err(|e| Error::io(p, e))?;
                if meta.is_dir() {
                    return Err(Error::NotText {
                        input: p.display().to_string(),
                        problem: "is a folder; list its files first (see source::expand_folders)"
                            .into(),
                    });
                }
                Source::from_reader(File::open(p).map_err(|e| Error::io(p, e))?, p)
            }
        }
    }

    /// Wraps `reader` in the decoder its first bytes call for.
    pub fn from_reader(
        reader: impl Read + Send + 'static,
        name: impl AsRef<Path>,
    ) -> Result<Source> {
        let raw = Arc::new(AtomicU64::new(0));
        let mut counted = Counted {
            inner: reader,
            count: Arc::clone(&raw),
        };
        let mut head = Vec::with_capacity(Compression::MAGIC_BYTES);
        (&mut counted)
            .take(Compression::MAGIC_BYTES as u64)
            .read_to_end(&mut head)
            .map_err(|e| Error::io(name.as_ref(), e))?;
        let compression = Compression::detect(&head);
        let bytes = io::Cursor::new(head).chain(counted);
        let decoder: Box<dyn Read + Send> = match compression {
            Compression::Plain => Box::new(bytes),
            // Multi-member decoders: `cat a.gz b.gz` is a valid gzip file, and the rest
            // must not be dropped silently (gensim #3246).
            Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(BufReader::new(bytes))),
            Compression::Bzip2 => Box::new(bzip2::read::MultiBzDecoder::new(bytes)),
            Compression::Xz => Box::new(liblzma::read::XzDecoder::new_multi_decoder(bytes)),
            Compression::Zstd => Box::new(
                zstd::stream::read::Decoder::new(bytes).map_err(|e| Error::io(name.as_ref(), e))?,
            ),
        };
        // Decompressing on its own thread overlaps it with tokenizing when there are two cores.
        let text: Box<dyn Read> = match compression {
            Compression::Plain => decoder,
            _ => Box::new(Pipelined::spawn(decoder)),
        };
        Ok(Source {
            text,
            compression,
            raw,
        })
    }

    /// Raw (compressed) bytes read from the underlying file or stdin so far.
    pub fn raw_bytes(&self) -> u64 {
        self.raw.load(Ordering::Relaxed)
    }

    /// The error for a failed read after `text_bytes` bytes of text came out.
    pub fn read_error(&self, input: &Input, text_bytes: u64, source: io::Error) -> Error {
        match self.compression {
            Compression::Plain => match input {
                Input::Path(p) => Error::io(p, source),
                Input::Stdin => Error::io("<stdin>", source),
            },
            format => Error::Decompress {
                input: input.display_name(),
                format: format.name(),
                bytes_out: text_bytes,
                source,
            },
        }
    }
}

/// Counts the bytes that pass through, for progress over compressed files.
struct Counted<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Bytes a decoder thread produced; an empty chunk marks the end of the stream.
type Chunk = io::Result<Vec<u8>>;

/// A reader fed by a thread that runs `decoder`, a few bounded chunks ahead.
struct Pipelined {
    chunks: Receiver<Chunk>,
    current: Vec<u8>,
    pos: usize,
    ended: bool,
}

impl Pipelined {
    const CHUNK_BYTES: usize = 256 * 1024;

    fn spawn(mut decoder: Box<dyn Read + Send>) -> Pipelined {
        let (send, chunks) = sync_channel::<Chunk>(4);
        std::thread::spawn(move || loop {
            let mut buf = vec![0u8; Self::CHUNK_BYTES];
            let chunk = match decoder.read(&mut buf) {
                Ok(n) => {
                    buf.truncate(n);
                    Ok(buf)
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => Err(e),
            };
            let last = !matches!(&chunk, Ok(b) if !b.is_empty());
            // A closed channel means the reader stopped early: nothing more to do.
            if send.send(chunk).is_err() || last {
                break;
            }
        });
        Pipelined {
            chunks,
            current: Vec::new(),
            pos: 0,
            ended: false,
        }
    }
}

impl Read for Pipelined {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.current.len() {
            if self.ended {
                return Ok(0);
            }
            match self.chunks.recv() {
                Ok(Ok(chunk)) => {
                    self.ended = chunk.is_empty();
                    self.current = chunk;
                    self.pos = 0;
                }
                Ok(Err(e)) => {
                    self.ended = true;
                    return Err(e);
                }
                // The thread went away without marking the end: never a silently short text.
                Err(_) => {
                    self.ended = true;
                    return Err(io::Error::other("decompression stopped unexpectedly"));
                }
            }
        }
        let n = buf.len().min(self.current.len() - self.pos);
        buf[..n].copy_from_slice(&self.current[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// Replaces each folder among `inputs` by every regular file below it, in sorted path order,
/// skipping hidden files and folders (names starting with `.`); with `extensions`, only files
/// whose name ends in `.EXT` for one of them. Files and stdin named directly stay as they are.
pub fn expand_folders(inputs: &[Input], extensions: Option<&[String]>) -> Result<Vec<Input>> {
    let mut out = Vec::new();
    for input in inputs {
        match input {
            Input::Path(p) if p.is_dir() => {
                let mut files = Vec::new();
                collect_files(p, &mut files)?;
                files.retain(|f| matches_extension(f, extensions));
                files.sort();
                if files.is_empty() {
                    return Err(Error::NotText {
                        input: p.display().to_string(),
                        problem: match extensions {
                            None => "the folder has no files to read".into(),
                            Some(exts) => format!(
                                "the folder has no files ending in .{} to read",
                                exts.join(", .")
                            ),
                        },
                    });
                }
                out.extend(files.into_iter().map(Input::Path));
            }
            other => out.push(other.clone()),
        }
    }
    Ok(out)
}

fn is_hidden(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with('.'))
}

fn matches_extension(path: &Path, extensions: Option<&[String]>) -> bool {
    let Some(exts) = extensions else {
        return true;
    };
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    exts.iter().any(|e| {
        let e = e.trim_start_matches('.');
        name.len() > e.len() + 1
            && name.ends_with(e)
            && name.as_bytes()[name.len() - e.len() - 1] == b'.'
    })
}

/// Regular files below `dir`, skipping hidden names. Symlinks to files are followed; symlinks
/// to folders are not, so a link back up the tree cannot make the listing endless.
fn collect_files(dir: &Path, files: &mut Vec<PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let path = entry.path();
        if is_hidden(&path) {
            continue;
        }
        let link = entry
            .file_type()
            .map_err(|e| Error::io(&path, e))?
            .is_symlink();
        let meta = std::fs::metadata(&path).map_err(|e| Error::io(&path, e))?;
        if meta.is_dir() && link {
            continue;
        } else if meta.is_dir() {
            collect_files(&path, files)?;
        } else if meta.is_file() {
            files.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const TEXT: &[u8] = b"the quick brown fox jumps over the lazy dog\n";

    fn gzip(text: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(text).unwrap();
        e.finish().unwrap()
    }

    fn compressed(format: Compression, text: &[u8]) -> Vec<u8> {
        match format {
            Compression::Plain => text.to_vec(),
            Compression::Gzip => gzip(text),
            Compression::Bzip2 => {
                let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
                e.write_all(text).unwrap();
                e.finish().unwrap()
            }
            Compression::Xz => {
                let mut e = liblzma::write::XzEncoder::new(Vec::new(), 1);
                e.write_all(text).unwrap();
                e.finish().unwrap()
            }
            Compression::Zstd => zstd::encode_all(text, 1).unwrap(),
        }
    }

    fn read_all(bytes: Vec<u8>) -> (Compression, io::Result<Vec<u8>>) {
        let mut s = Source::from_reader(io::Cursor::new(bytes), "t").unwrap();
        let mut out = Vec::new();
        let r = s.text.read_to_end(&mut out).map(|_| out);
        (s.compression, r)
    }

    const ALL: [Compression; 5] = [
        Compression::Plain,
        Compression::Gzip,
        Compression::Bzip2,
        Compression::Xz,
        Compression::Zstd,
    ];

    #[test]
    fn every_format_is_detected_and_decoded() {
        for format in ALL {
            let (found, text) = read_all(compressed(format, TEXT));
            assert_eq!(found, format);
            assert_eq!(text.unwrap(), TEXT, "{format:?}");
        }
    }

    #[test]
    fn concatenated_streams_are_read_to_the_end() {
        for format in ALL {
            let mut both = compressed(format, b"first half\n");
            both.extend(compressed(format, b"second half\n"));
            let (_, text) = read_all(both);
            assert_eq!(text.unwrap(), b"first half\nsecond half\n", "{format:?}");
        }
    }

    #[test]
    fn truncated_streams_are_errors_not_short_text() {
        let long: Vec<u8> = (0..20_000u32)
            .flat_map(|i| format!("w{} ", i % 1000).into_bytes())
            .collect();
        for format in &ALL[1..] {
            let mut bytes = compressed(*format, &long);
            bytes.truncate(bytes.len() / 2);
            let (_, text) = read_all(bytes);
            assert!(text.is_err(), "{format:?} cut in half read without error");
        }
    }

    #[test]
    fn tiny_inputs_are_plain_text() {
        for bytes in [&b""[..], b"a", b"\x1f"] {
            let (found, text) = read_all(bytes.to_vec());
            assert_eq!(found, Compression::Plain);
            assert_eq!(text.unwrap(), bytes);
        }
    }

    #[test]
    fn raw_bytes_count_the_compressed_size() {
        let bytes = gzip(TEXT);
        let len = bytes.len() as u64;
        let mut s = Source::from_reader(io::Cursor::new(bytes), "t").unwrap();
        io::copy(&mut s.text, &mut io::sink()).unwrap();
        assert_eq!(s.raw_bytes(), len);
    }

    #[cfg(unix)]
    #[test]
    fn folder_listing_follows_file_links_but_not_folder_links() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("corpus");
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::write(root.join("sub/b.txt"), "b").unwrap();
        std::fs::write(dir.path().join("outside.txt"), "o").unwrap();
        std::os::unix::fs::symlink(dir.path().join("outside.txt"), root.join("a.txt")).unwrap();
        std::os::unix::fs::symlink(&root, root.join("sub/loop")).unwrap();
        let files = expand_folders(&[Input::Path(root.clone())], None).unwrap();
        assert_eq!(
            files,
            [
                Input::Path(root.join("a.txt")),
                Input::Path(root.join("sub/b.txt"))
            ]
        );
    }

    #[test]
    fn extension_filter_matches_whole_suffixes() {
        let exts = ["txt".to_string(), ".gz".to_string()];
        let m = |n: &str| matches_extension(Path::new(n), Some(&exts));
        assert!(m("a.txt") && m("dir/a.txt.gz") && m("b.gz"));
        assert!(!m("a.text") && !m("atxt") && !m("a.tgz") && !m(".gz"));
    }
}
