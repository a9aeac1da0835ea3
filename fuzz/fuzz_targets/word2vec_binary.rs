//! word2vec binary vectors (and format sniffing): any bytes give Ok or Err, never a panic.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("fuzz.bin");
    let _ = w2v::formats::sniff_word2vec(data, data.len() as u64);
    // Both ways the reader is used: with the file's true length, and streaming without one.
    let _ = w2v::formats::word2vec_binary::read(data, path, Some(data.len() as u64));
    let _ = w2v::formats::word2vec_binary::read(data, path, None);
});
