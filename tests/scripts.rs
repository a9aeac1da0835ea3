//! Every script in `scripts/` answers `--help` with its usage and does nothing else: it runs
//! from a copy of the script in an empty folder, with `cargo`, `python3`, `pip`, `curl` and
//! `w2v` on the PATH replaced by stubs that leave a mark when called.

use std::path::{Path, PathBuf};
use std::process::Command;

fn scripts() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts");
    let mut found: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "sh"))
        .collect();
    found.sort();
    found
}

/// Every file below `dir`, as paths relative to it.
fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().to_path_buf());
            }
        }
    }
    out.sort();
    out
}

#[cfg(unix)]
#[test]
fn every_script_answers_help_without_side_effects() {
    use std::os::unix::fs::PermissionsExt;
    let scripts = scripts();
    assert!(scripts.len() >= 5, "found {scripts:?}");
    for script in scripts {
        let name = script.file_name().unwrap().to_string_lossy().into_owned();
        let root = std::env::temp_dir().join(format!(
            "w2v-scripts-{}-{}",
            name.trim_end_matches(".sh"),
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&root);
        let (project, stubs, marks) =
            (root.join("project"), root.join("stubs"), root.join("marks"));
        for d in [&project.join("scripts"), &stubs, &marks] {
            std::fs::create_dir_all(d).unwrap();
        }
        std::fs::copy(&script, project.join("scripts").join(&name)).unwrap();
        for tool in ["cargo", "python3", "python", "pip", "curl", "wget", "w2v"] {
            let stub = stubs.join(tool);
            std::fs::write(
                &stub,
                format!("#!/bin/sh\ntouch '{}/{tool}'\nexit 1\n", marks.display()),
            )
            .unwrap();
            std::fs::set_permissions(&stub, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let before = files_below(&project);
        let path = format!("{}:{}", stubs.display(), std::env::var("PATH").unwrap());
        let out = Command::new("bash")
            .arg(project.join("scripts").join(&name))
            .arg("--help")
            .current_dir(&project)
            .env("PATH", path)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{name} --help exited {:?}: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            stdout.to_lowercase().contains("usage"),
            "{name} --help printed no usage: {stdout:?}"
        );
        let called: Vec<_> = std::fs::read_dir(&marks)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert!(called.is_empty(), "{name} --help ran {called:?}");
        assert_eq!(files_below(&project), before, "{name} --help wrote files");
        std::fs::remove_dir_all(&root).unwrap();
    }
}
