//! w2v's own model file: any bytes must give Ok or Err, never a panic.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // `file_len` is the true length, as `read_path` passes it from the file's metadata.
    let _ = w2v::formats::native::read(data, Path::new("fuzz.w2v"), data.len() as u64);
    let _ = w2v::formats::native::is_native(data);
});
