//! Checks on the files a command names, made before any work starts, so a bad output path
//! fails in a moment instead of after training; and the one way commands write an output.

use std::fs;
use std::io::{self, ErrorKind, Write};
use std::path::{Path, PathBuf};

use w2v::formats::destination::{self, Destination, PathTarget};
use w2v::Error;

use super::{CliResult, Failure};

/// An output as the command line named it.
pub type Output<'a> = (&'static str, &'a Destination);
/// An input file as the command line named it.
pub type InputFile<'a> = (&'static str, &'a Path);

/// What a path names on disk: its resolved path, and its inode when it exists, so hard links
/// and paths through `..` or symlinks compare equal.
#[derive(Debug)]
struct Identity {
    path: PathBuf,
    inode: Option<(u64, u64)>,
}

impl Identity {
    /// `None` for a path that names nothing yet.
    fn of(path: &Path) -> Option<Identity> {
        let inode = inode(path);
        // A pipe reached through `/proc` has an inode but no path.
        let path = match fs::canonicalize(path) {
            Ok(path) => path,
            Err(_) if inode.is_some() => path.to_path_buf(),
            Err(_) => return None,
        };
        Some(Identity { path, inode })
    }

    fn same(&self, other: &Identity) -> bool {
        self.path == other.path || (self.inode.is_some() && self.inode == other.inode)
    }
}

/// Whether two paths name the same existing file.
pub fn same_file(a: &Path, b: &Path) -> bool {
    match (Identity::of(a), Identity::of(b)) {
        (Some(a), Some(b)) => a.same(&b),
        _ => false,
    }
}

#[cfg(unix)]
fn inode(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn inode(_: &Path) -> Option<(u64, u64)> {
    None
}

/// Terminals and `/dev/null` are shared sinks: two outputs (or an input and an output) may
/// name the same one without harm.
#[cfg(unix)]
fn is_shared_sink(path: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    fs::metadata(path).is_ok_and(|m| m.file_type().is_char_device())
}

#[cfg(not(unix))]
fn is_shared_sink(_: &Path) -> bool {
    false
}

/// Refuses, with one line naming the flag, any output that cannot be written or would
/// destroy something: a missing or unwritable folder, a directory, an input, the same file as
/// another output, or more than one output on stdout.
pub fn check_outputs(outputs: &[Output], inputs: &[InputFile]) -> CliResult {
    let on_stdout: Vec<&str> = outputs
        .iter()
        .filter(|(_, d)| **d == Destination::Stdout)
        .map(|(flag, _)| *flag)
        .collect();
    if let [first, second, ..] = on_stdout[..] {
        return Err(Failure::Usage(format!(
            "{first} and {second} are both `-`; only one output can go to stdout"
        )));
    }
    let inputs: Vec<(&str, &Path, Identity)> = inputs
        .iter()
        .filter_map(|&(flag, path)| Some((flag, path, Identity::of(path)?)))
        .collect();
    let mut seen: Vec<(&str, &Path, Identity)> = Vec::new();
    for &(flag, destination) in outputs {
        let (path, identity) = match destination {
            Destination::Stdout => (Path::new("-"), stdout_identity()),
            Destination::Path(path) => (path.as_path(), file_identity(flag, path)?),
        };
        let usage =
            |problem: String| Failure::Usage(format!("{flag} {}: {problem}", path.display()));
        let Some(identity) = identity else { continue };
        if let Some((input_flag, input, _)) = inputs.iter().find(|(_, _, i)| i.same(&identity)) {
            return Err(usage(format!(
                "it is the {input_flag} {}; refusing to overwrite an input",
                input.display()
            )));
        }
        if let Some((other_flag, other, _)) = seen.iter().find(|(_, _, o)| o.same(&identity)) {
            return Err(usage(format!(
                "the same file as {other_flag} {}; give each output its own file",
                other.display()
            )));
        }
        seen.push((flag, path, identity));
    }
    Ok(())
}

/// Checks one output path; gives what it names, `None` for a shared sink or a new file in a
/// folder that cannot be resolved.
fn file_identity(flag: &str, path: &Path) -> Result<Option<Identity>, Failure> {
    let usage = |problem: String| Failure::Usage(format!("{flag} {}: {problem}", path.display()));
    let resolved = destination::resolve(path).map_err(|e| match e.kind() {
        ErrorKind::NotADirectory => usage(not_a_folder(path)),
        _ => usage(e.to_string()),
    })?;
    Ok(match resolved {
        PathTarget::Replace(file) => replaceable(&file).map_err(usage)?,
        PathTarget::InPlace(special) if is_shared_sink(&special) => None,
        PathTarget::InPlace(special) => Identity::of(&special),
    })
}

/// The file or pipe stdout is, which another output may also name (as `/dev/stdout`).
fn stdout_identity() -> Option<Identity> {
    let stdout = Path::new("/dev/stdout");
    if is_shared_sink(stdout) {
        return None;
    }
    Identity::of(stdout)
}

/// Names the file that a path goes through as if it were a folder.
fn not_a_folder(path: &Path) -> String {
    let file = path
        .ancestors()
        .skip(1)
        .find(|a| fs::metadata(a).is_ok_and(|m| !m.is_dir()));
    match file {
        Some(file) => format!("{} is not a folder", file.display()),
        None => "a folder on the path is not a folder".into(),
    }
}

/// Whether a regular file can be replaced: its folder exists and takes new files (tried by
/// creating and removing one). Gives the file's identity, existing or not.
fn replaceable(file: &Path) -> Result<Option<Identity>, String> {
    let Some(name) = file.file_name() else {
        return Err("not a file name".into());
    };
    let folder = match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    match fs::metadata(folder) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => return Err(format!("{} is not a folder", folder.display())),
        Err(e) if e.kind() == ErrorKind::NotFound => {
            return Err(format!("folder {} does not exist", folder.display()))
        }
        Err(e) => return Err(format!("folder {}: {e}", folder.display())),
    }
    let probe = folder.join(format!(".w2v-probe-{}", std::process::id()));
    let create = || {
        fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&probe)
    };
    // A probe left by a crashed run with the same process id is ours to remove.
    let created = match create() {
        Err(e) if e.kind() == ErrorKind::AlreadyExists => {
            fs::remove_file(&probe).and_then(|()| create())
        }
        created => created,
    };
    created
        .and_then(|_| fs::remove_file(&probe))
        .map_err(|e| format!("cannot create files in folder {}: {e}", folder.display()))?;
    let Ok(folder) = fs::canonicalize(folder) else {
        return Ok(None);
    };
    let path = folder.join(name);
    Ok(Some(Identity {
        inode: inode(&path),
        path,
    }))
}

/// Refuses to pour a binary format onto a terminal, where it would be garbage.
pub fn refuse_binary_on_terminal(flag: &str, destination: &Destination) -> CliResult {
    use std::io::IsTerminal;
    if *destination == Destination::Stdout && io::stdout().is_terminal() {
        return Err(Failure::Usage(format!(
            "{flag} -: refusing to write binary data to a terminal; redirect stdout or name a file"
        )));
    }
    Ok(())
}

/// Writes one output. A closed stdout (`| head`) is a normal way to stop reading, not an
/// error.
pub fn write_output(
    destination: &Destination,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> CliResult {
    match destination.write_with(write) {
        Err(Error::Io { source, .. })
            if *destination == Destination::Stdout && source.kind() == ErrorKind::BrokenPipe =>
        {
            Ok(())
        }
        written => Ok(written?),
    }
}
