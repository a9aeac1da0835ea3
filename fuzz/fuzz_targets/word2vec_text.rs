//! word2vec text vectors (and format sniffing): any bytes give Ok or Err, never a panic.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = w2v::formats::sniff_word2vec(data, data.len() as u64);
    let _ = w2v::formats::word2vec_text::read(data, Path::new("fuzz.txt"));
});
