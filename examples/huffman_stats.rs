//! Prints the Huffman tree statistics of a vocabulary file (`word count` lines, as
//! `w2v train --save-vocab` writes them): words, the mean code length weighted by count (the
//! expected number of tree nodes a hierarchical-softmax prediction visits when targets follow
//! the corpus frequencies, i.e. without subsampling) and the longest code.
//!
//! ```text
//! cargo run --release --example huffman_stats -- vocab.txt
//! words 62311 mean_code_len 11.2345 max_code_len 24
//! ```
//!
//! The tree is the library's `Tree::huffman`, the one `w2v train` builds from the same counts.

use w2v::tree::Tree;

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!(
            "usage: huffman_stats VOCAB_FILE   (word count per line, e.g. from --save-vocab)"
        );
        std::process::exit(2);
    };
    let words = match w2v::vocab::read_counts(path.as_ref()) {
        Ok(words) => words,
        Err(e) => {
            eprintln!("huffman_stats: {e}");
            std::process::exit(1);
        }
    };
    let mut counts: Vec<u64> = words.iter().map(|(_, c)| *c).collect();
    // --save-vocab writes rank order already; a stable sort keeps it and fixes other files.
    counts.sort_by(|a, b| b.cmp(a));
    if counts.len() < 2 {
        eprintln!("huffman_stats: a tree needs at least two words");
        std::process::exit(1);
    }
    let tree = Tree::huffman(&counts);
    println!(
        "words {} mean_code_len {:.4} max_code_len {}",
        counts.len(),
        tree.mean_code_len(&counts),
        tree.max_code_len()
    );
}
