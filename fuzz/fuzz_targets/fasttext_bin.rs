//! fastText `.bin` models: any bytes give Ok or Err, never a panic, and a model that loads
//! answers word-vector queries (in and out of its vocabulary) without panicking either.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("fuzz.bin");
    let _ = w2v::formats::fasttext::is_fasttext(data);
    // With the true length, and with lengths that disagree with the bytes actually there.
    let _ = w2v::formats::fasttext::read(data, path, data.len() as u64 + 13);
    let _ = w2v::formats::fasttext::read(data, path, (data.len() as u64).saturating_sub(13));
    if let Ok(model) = w2v::formats::fasttext::read(data, path, data.len() as u64) {
        let _ = model.word_vector("café");
        let _ = model.word_vector("");
        let _ = model.to_embeddings();
        // What loads can be written again and reads back; OOV vectors never panic.
        let mut bytes = Vec::new();
        if w2v::formats::fasttext::write(&model, &mut bytes).is_ok() {
            let again = w2v::formats::fasttext::read(&bytes[..], path, bytes.len() as u64);
            assert!(again.is_ok(), "a written model reads back");
        }
        let vectors = model.into_vectors();
        let _ = vectors.oov_vector("café");
        let _ = vectors.oov_vector("");
    }
});
