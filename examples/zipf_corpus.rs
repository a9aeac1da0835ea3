//! Writes a synthetic corpus to stdout: `--tokens` words drawn from `--vocab` distinct words with
//! Zipf frequencies (word of rank r has probability ∝ r^-exponent), named `w1` (the most
//! frequent) to `wN`, `--line-words` to a line (a newline ends a sentence). For the
//! vocabulary-scaling benchmark (scripts/bench-scaling.sh):
//!
//! ```text
//! cargo run --release --example zipf_corpus -- --vocab 100000 --tokens 10000000 --seed 1 > zipf.txt
//! ```
//!
//! With a large vocabulary and few tokens not every word occurs: the expected count of the
//! rarest word is tokens / (vocab · H), H = Σ r^-exponent (about 14.4 for a million words).

use std::io::Write;

use rand::rngs::SmallRng;
use rand::SeedableRng;
use w2v::internals::AliasSampler;

struct Args {
    vocab: u64,
    tokens: u64,
    seed: u64,
    exponent: f64,
    line_words: u64,
}

fn usage() -> ! {
    eprintln!(
        "usage: zipf_corpus --vocab N --tokens M [--seed S] [--exponent E] [--line-words L]\n\
         (defaults: seed 1, exponent 1, 20 words a line); the corpus goes to stdout"
    );
    std::process::exit(2);
}

fn number<T: std::str::FromStr>(flag: &str, value: &str) -> T {
    value.parse().unwrap_or_else(|_| {
        eprintln!("zipf_corpus: {flag}: '{value}' is not a valid number");
        usage()
    })
}

fn parse_args() -> Args {
    let mut a = Args {
        vocab: 0,
        tokens: 0,
        seed: 1,
        exponent: 1.0,
        line_words: 20,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().unwrap_or_else(|| usage());
        match flag.as_str() {
            "--vocab" => a.vocab = number(&flag, &value),
            "--tokens" => a.tokens = number(&flag, &value),
            "--seed" => a.seed = number(&flag, &value),
            "--exponent" => a.exponent = number(&flag, &value),
            "--line-words" => a.line_words = number(&flag, &value),
            _ => usage(),
        }
    }
    if a.vocab == 0 || a.tokens == 0 || a.line_words == 0 || a.vocab > u32::MAX as u64 {
        usage();
    }
    a
}

/// Appends `w{n}` to `out` without going through the formatting machinery.
fn push_word(out: &mut Vec<u8>, n: u32) {
    let mut digits = [0u8; 10];
    let mut i = digits.len();
    let mut n = n;
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.push(b'w');
    out.extend_from_slice(&digits[i..]);
}

fn main() {
    let a = parse_args();
    // The library's alias sampler draws index i with probability ∝ count_i^p; with count = rank
    // and p = -exponent that is exactly Zipf, O(1) per draw.
    let ranks: Vec<u64> = (1..=a.vocab).collect();
    let sampler = AliasSampler::new(&ranks, -a.exponent);
    let mut rng = SmallRng::seed_from_u64(a.seed);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 20, stdout.lock());
    let mut line = Vec::with_capacity(256);
    let mut written = 0u64;
    while written < a.tokens {
        line.clear();
        let n = a.line_words.min(a.tokens - written);
        for k in 0..n {
            if k > 0 {
                line.push(b' ');
            }
            push_word(&mut line, sampler.sample(&mut rng) + 1);
        }
        line.push(b'\n');
        written += n;
        if let Err(e) = out.write_all(&line) {
            // A closed pipe (`| head`) is a normal way to stop reading.
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                return;
            }
            eprintln!("zipf_corpus: {e}");
            std::process::exit(1);
        }
    }
    if let Err(e) = out.flush() {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("zipf_corpus: {e}");
            std::process::exit(1);
        }
    }
}
