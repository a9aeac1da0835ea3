//! `word count` vocabulary files, and `load_embeddings` (which sniffs all three vector formats):
//! both take a path, so the bytes go through one temporary file per run.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

fn scratch() -> &'static PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| std::env::temp_dir().join(format!("w2v-fuzz-{}.in", std::process::id())))
}

fuzz_target!(|data: &[u8]| {
    let path = scratch();
    std::fs::write(path, data).expect("write the fuzz input to a temporary file");
    let _ = w2v::vocab::read_counts(path);
    let _ = w2v::formats::load_embeddings(path, None);
});
