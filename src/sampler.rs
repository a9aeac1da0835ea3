//! Negative samples: words drawn from the unigram distribution raised to a power.
//!
//! An alias table (Vose's method) gives exact probabilities with O(1) draws and 8 bytes per
//! word, where word2vec's 10^8-entry table costs 400 MB and rounds small probabilities.

use rand::RngCore;

pub struct AliasSampler {
    /// Acceptance threshold of each column, scaled to u32.
    accept: Vec<u32>,
    alias: Vec<u32>,
}

impl AliasSampler {
    /// Probabilities proportional to `count^exponent`.
    pub fn new(counts: &[u64], exponent: f64) -> AliasSampler {
        let n = counts.len();
        assert!(n > 0);
        let weights = Self::weights(counts, exponent);
        let total: f64 = weights.iter().sum();
        let mut scaled: Vec<f64> = weights.iter().map(|w| w * n as f64 / total).collect();
        let mut accept = vec![u32::MAX; n];
        let mut alias: Vec<u32> = (0..n as u32).collect();
        let (mut small, mut large): (Vec<usize>, Vec<usize>) =
            (0..n).partition(|&i| scaled[i] < 1.0);
        while let (Some(s), Some(&l)) = (small.pop(), large.last()) {
            accept[s] = (scaled[s] * u32::MAX as f64) as u32;
            alias[s] = l as u32;
            scaled[l] -= 1.0 - scaled[s];
            if scaled[l] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        // Leftovers are 1 up to rounding: always accept.
        AliasSampler { accept, alias }
    }

    /// The unnormalised probability of each word, `count^exponent`: what `new` draws by, for
    /// layers that correct for the proposal (the sampled softmax).
    pub fn weights(counts: &[u64], exponent: f64) -> Vec<f64> {
        counts.iter().map(|&c| (c as f64).powf(exponent)).collect()
    }

    #[inline(always)]
    pub fn sample<R: RngCore>(&self, rng: &mut R) -> u32 {
        let r = rng.next_u64();
        let column = (((r >> 32) * self.accept.len() as u64) >> 32) as usize;
        if (r as u32) <= self.accept[column] {
            column as u32
        } else {
            self.alias[column]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn empirical_frequencies_match_count_to_the_power() {
        let counts: Vec<u64> = vec![100_000, 20_000, 5000, 700, 90, 10, 1, 1];
        let sampler = AliasSampler::new(&counts, 0.75);
        let mut rng = rand::rngs::SmallRng::seed_from_u64(11);
        let draws = 4_000_000;
        let mut seen = vec![0u64; counts.len()];
        for _ in 0..draws {
            seen[sampler.sample(&mut rng) as usize] += 1;
        }
        let weights: Vec<f64> = counts.iter().map(|&c| (c as f64).powf(0.75)).collect();
        let total: f64 = weights.iter().sum();
        for (i, w) in weights.iter().enumerate() {
            let p = w / total;
            let expected = p * draws as f64;
            let sd = (draws as f64 * p * (1.0 - p)).sqrt();
            let got = seen[i] as f64;
            assert!(
                (got - expected).abs() < 5.0 * sd + 1.0,
                "word {i}: {got} draws, expected {expected:.0} ± {sd:.0}"
            );
        }
    }

    #[test]
    fn exponent_zero_is_uniform_and_one_is_proportional() {
        let s = AliasSampler::new(&[1000, 1], 0.0);
        let mut rng = rand::rngs::SmallRng::seed_from_u64(1);
        let ones = (0..100_000).filter(|_| s.sample(&mut rng) == 1).count();
        assert!((ones as i64 - 50_000).abs() < 1500, "{ones}");
        let s = AliasSampler::new(&[3, 1], 1.0);
        let ones = (0..100_000).filter(|_| s.sample(&mut rng) == 1).count();
        assert!((ones as i64 - 25_000).abs() < 1500, "{ones}");
    }
}
