//! Where an output goes, and how it is written without destroying anything: a regular file is
//! replaced atomically, a symlink keeps pointing at its (atomically replaced) target, and a
//! FIFO or device is written in place instead of being swapped for a regular file.

use std::ffi::OsString;
use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::{Error, Result};

/// An output: standard output, or a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    Stdout,
    Path(PathBuf),
}

/// `-` is standard output, the usual convention; `./-` names a file called `-`.
impl From<OsString> for Destination {
    fn from(arg: OsString) -> Self {
        if arg == "-" {
            Destination::Stdout
        } else {
            Destination::Path(arg.into())
        }
    }
}

impl From<&str> for Destination {
    fn from(arg: &str) -> Self {
        OsString::from(arg).into()
    }
}

impl fmt::Display for Destination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Destination::Stdout => f.write_str("<stdout>"),
            Destination::Path(p) => write!(f, "{}", p.display()),
        }
    }
}

impl Destination {
    pub fn path(&self) -> Option<&Path> {
        match self {
            Destination::Stdout => None,
            Destination::Path(p) => Some(p),
        }
    }

    /// Runs `write` on a buffered writer to this destination and flushes it; a path is written
    /// as [`write_atomically`] does. Errors name the path, or `<stdout>`.
    pub fn write_with(&self, write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> Result<()> {
        match self {
            Destination::Stdout => {
                let mut out = BufWriter::new(io::stdout().lock());
                write(&mut out)
                    .and_then(|()| out.flush())
                    .map_err(|e| Error::io("<stdout>", e))
            }
            Destination::Path(path) => write_atomically(path, write),
        }
    }
}

/// How a path gets written, decided by what is at the path now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathTarget {
    /// A regular file, existing or new: written to a temporary file in this file's folder, then
    /// renamed onto it. For a symlink (even a dangling one) this is the file it points to, so
    /// the link survives.
    Replace(PathBuf),
    /// A FIFO, device or socket, or a file reached through an open file descriptor in `/proc`
    /// (`/dev/stdout` redirected to a file): opened and appended to in place; replacing it
    /// would destroy it, or for a redirect, the text already there (`>> log`).
    InPlace(PathBuf),
}

/// Symlink chains longer than this are loops, as the kernel decides.
const MAX_LINK_HOPS: usize = 40;

/// Resolves where writing `path` would put the bytes; a directory is an error.
pub fn resolve(path: &Path) -> io::Result<PathTarget> {
    match fs::metadata(path) {
        Ok(meta) if meta.is_dir() => Err(io::Error::new(
            ErrorKind::IsADirectory,
            "is a directory, not a file",
        )),
        Ok(meta) if meta.is_file() => {
            if reached_through_proc(path) {
                Ok(PathTarget::InPlace(path.to_path_buf()))
            } else if fs::symlink_metadata(path)?.file_type().is_symlink() {
                Ok(PathTarget::Replace(fs::canonicalize(path)?))
            } else {
                Ok(PathTarget::Replace(path.to_path_buf()))
            }
        }
        // `/dev/stdout` and its kin are magic links: opening the path itself reaches the pipe
        // or terminal, where the link's text (`pipe:[123]`) would not.
        Ok(_) => Ok(PathTarget::InPlace(path.to_path_buf())),
        Err(e) if e.kind() == ErrorKind::NotFound => follow_dangling(path).map(PathTarget::Replace),
        Err(e) => Err(e),
    }
}

/// Whether a link on the way to `path`, or `path` itself, is one of `/proc`'s views of an open
/// file (`/dev/stdout` -> `/proc/self/fd/1`), which stand for the descriptor rather than a
/// name to replace.
fn reached_through_proc(path: &Path) -> bool {
    let in_proc = |p: &Path| {
        let folder = p.parent().filter(|f| !f.as_os_str().is_empty());
        fs::canonicalize(folder.unwrap_or(Path::new("."))).is_ok_and(|f| f.starts_with("/proc"))
    };
    let mut current = path.to_path_buf();
    for _ in 0..MAX_LINK_HOPS {
        if in_proc(&current) {
            return true;
        }
        match fs::read_link(&current) {
            Ok(target) => {
                current = match current.parent() {
                    Some(folder) if target.is_relative() => folder.join(target),
                    _ => target,
                };
            }
            Err(_) => return false,
        }
    }
    false
}

/// The file a chain of symlinks ends at, when that file does not exist yet.
fn follow_dangling(path: &Path) -> io::Result<PathBuf> {
    let mut current = path.to_path_buf();
    for _ in 0..MAX_LINK_HOPS {
        match fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let target = fs::read_link(&current)?;
                current = match current.parent() {
                    Some(folder) if target.is_relative() => folder.join(target),
                    _ => target,
                };
            }
            _ => return Ok(current),
        }
    }
    Err(io::Error::other("too many levels of symbolic links"))
}

/// Keeps temporary names distinct between writes in one process (e.g. parallel tests).
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Writes `path` without destroying what is there: a regular file (or a symlink's target) is
/// replaced atomically, so readers never see a half-written file and a failed write keeps the
/// previous one and leaves no temporary file; a FIFO or device is written in place.
pub fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<()> {
    let written = match resolve(path) {
        Ok(PathTarget::Replace(file)) => replace(&file, write),
        Ok(PathTarget::InPlace(special)) => write_in_place(&special, write),
        Err(e) => Err(e),
    };
    written.map_err(|e| Error::io(path, e))
}

fn replace(file: &Path, write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<()> {
    let Some(name) = file.file_name() else {
        return Err(io::Error::new(ErrorKind::InvalidInput, "not a file path"));
    };
    let tmp = file.with_file_name(format!(
        ".{}.tmp-{}-{}",
        name.to_string_lossy(),
        std::process::id(),
        TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    // The replacement keeps the old file's permissions: a private file stays private.
    let permissions = fs::metadata(file).ok().map(|m| m.permissions());
    let attempt = || -> io::Result<()> {
        let created = create_new(&tmp)?;
        if let Some(permissions) = permissions {
            created.set_permissions(permissions)?;
        }
        let mut out = BufWriter::new(created);
        write(&mut out)?;
        out.flush()?;
        out.get_ref().sync_all()?;
        drop(out);
        fs::rename(&tmp, file)
    };
    attempt().inspect_err(|_| {
        let _ = fs::remove_file(&tmp);
    })
}

/// Never opens through a symlink someone placed at the temporary name; a stale temporary
/// file from a crashed run with the same process id is removed first.
fn create_new(tmp: &Path) -> io::Result<File> {
    let open = || OpenOptions::new().write(true).create_new(true).open(tmp);
    match open() {
        Err(e) if e.kind() == ErrorKind::AlreadyExists => {
            fs::remove_file(tmp)?;
            open()
        }
        result => result,
    }
}

fn write_in_place(
    special: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    // Appending changes nothing for a pipe or device, and keeps what a redirect holds.
    let mut out = BufWriter::new(OpenOptions::new().append(true).open(special)?);
    write(&mut out)?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::tests::scratch_dir;

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn dash_is_stdout_and_anything_else_a_path() {
        assert_eq!(Destination::from("-"), Destination::Stdout);
        assert_eq!(
            Destination::from("./-"),
            Destination::Path(PathBuf::from("./-"))
        );
        assert_eq!(Destination::Stdout.to_string(), "<stdout>");
        assert_eq!(
            Destination::from("a/b.txt").path(),
            Some(Path::new("a/b.txt"))
        );
    }

    #[test]
    fn a_failed_write_keeps_the_old_file_and_its_permissions() {
        let dir = scratch_dir("destination-keep");
        let path = dir.join("out.txt");
        write_atomically(&path, |w| w.write_all(b"old")).unwrap();
        let err = write_atomically(&path, |w| {
            w.write_all(b"partial")?;
            Err(io::Error::other("boom"))
        });
        assert!(matches!(err, Err(Error::Io { .. })), "{err:?}");
        assert_eq!(fs::read(&path).unwrap(), b"old");
        assert_eq!(names(&dir), ["out.txt"], "temporary file left behind");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
            write_atomically(&path, |w| w.write_all(b"new")).unwrap();
            let mode = fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        Destination::Path(path.clone())
            .write_with(|w| w.write_all(b"newer"))
            .unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"newer");
        assert_eq!(names(&dir), ["out.txt"]);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_keep_pointing_at_their_rewritten_target() {
        use std::os::unix::fs::symlink;
        let dir = scratch_dir("destination-symlink");
        fs::create_dir(dir.join("real")).unwrap();
        fs::write(dir.join("real/file"), b"old").unwrap();
        symlink("real/file", dir.join("link")).unwrap();
        // A chain ending at a file that does not exist yet.
        symlink("real/new", dir.join("dangling")).unwrap();
        symlink("dangling", dir.join("chain")).unwrap();
        assert_eq!(
            resolve(&dir.join("link")).unwrap(),
            PathTarget::Replace(fs::canonicalize(dir.join("real/file")).unwrap())
        );
        assert_eq!(
            resolve(&dir.join("chain")).unwrap(),
            PathTarget::Replace(dir.join("real/new"))
        );
        write_atomically(&dir.join("link"), |w| w.write_all(b"new")).unwrap();
        write_atomically(&dir.join("chain"), |w| w.write_all(b"created")).unwrap();
        assert_eq!(fs::read(dir.join("real/file")).unwrap(), b"new");
        assert_eq!(fs::read(dir.join("real/new")).unwrap(), b"created");
        for link in ["link", "dangling", "chain"] {
            let meta = fs::symlink_metadata(dir.join(link)).unwrap();
            assert!(meta.file_type().is_symlink(), "{link} was replaced");
        }
        assert_eq!(names(&dir.join("real")), ["file", "new"]);
        symlink("loop2", dir.join("loop1")).unwrap();
        symlink("loop1", dir.join("loop2")).unwrap();
        assert!(write_atomically(&dir.join("loop1"), |w| w.write_all(b"x")).is_err());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn devices_are_written_in_place_and_folders_refused() {
        use std::os::unix::fs::FileTypeExt;
        let null = Path::new("/dev/null");
        assert_eq!(resolve(null).unwrap(), PathTarget::InPlace(null.into()));
        write_atomically(null, |w| w.write_all(b"discarded")).unwrap();
        assert!(fs::metadata(null).unwrap().file_type().is_char_device());
        let dir = scratch_dir("destination-folder");
        let err = resolve(&dir).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::IsADirectory);
        fs::remove_dir_all(&dir).unwrap();
    }
}
