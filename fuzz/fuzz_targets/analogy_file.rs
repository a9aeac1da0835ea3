//! Analogy question files (`: section` lines, then `a b c d`): Ok or Err, never a panic.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = w2v::eval::analogy::parse_questions(data, Path::new("fuzz-questions.txt"));
});
