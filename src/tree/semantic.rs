//! A data-driven tree (`TreeKind::Semantic`): the vocabulary split in two by similarity of
//! word vectors, recursively, as in Mnih & Hinton's hierarchical log-bilinear model, so that
//! an internal node separates groups of related words rather than words of similar frequency.
//!
//! Each split runs a few iterations of 2-means on the unit vectors of the node's words from a
//! deterministic start (the heaviest word and the word least similar to it), sorts the words
//! by their projection on the difference of the two centroids, and cuts that order where the
//! cumulative count comes closest to half the node's total. The cut by count, not by the
//! clusters' sizes, is what keeps the mean code length close to Huffman's: a bisection by
//! weight gives every word a code of at most about log2(total / count) + 2 bits, whatever the
//! order (Mehlhorn's bound for weight-balanced trees), against Huffman's log2(total / count).
//! No randomness: the same counts and vectors always give the same tree.

use super::{Tree, TreeLinks};

/// 2-means iterations per split: the assignment of unit vectors settles within a few, and
/// only the direction between the centroids matters, not an exact optimum.
const ITERATIONS: usize = 6;

/// No word has a usable vector, so there is nothing to split by.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("none of the {words} words has a usable vector (all missing, zero or not finite)")]
pub struct NoUsableVectors {
    pub words: usize,
}

/// A semantic tree and how many words had no usable vector.
#[derive(Debug, Clone, PartialEq)]
pub struct SemanticTree {
    pub tree: Tree,
    /// Words whose row was zero or not finite: they share a Huffman subtree under the root
    /// (bit 1), the words with vectors the semantic subtree (bit 0). A Huffman subtree keeps
    /// their codes short for their counts; giving them one arbitrary vector each would put
    /// them wherever that vector falls.
    pub missing: usize,
}

impl Tree {
    /// A semantic tree (see the module doc) over words with these counts (rank order, as the
    /// vocabulary keeps them) and vectors: `vectors` holds one row of `dim` floats per word, a
    /// zero or non-finite row meaning the word has no vector. The vectors may have any
    /// dimension; only their directions count.
    pub fn semantic(
        counts: &[u64],
        vectors: &[f32],
        dim: usize,
    ) -> Result<SemanticTree, NoUsableVectors> {
        let v = counts.len();
        assert!(v >= 2, "a tree needs at least two words");
        assert_eq!(vectors.len(), v * dim, "one row of dim floats per word");
        let mut unit = vec![0f32; v * dim];
        let (mut known, mut missing) = (Vec::new(), Vec::new());
        for w in 0..v {
            let row = &vectors[w * dim..(w + 1) * dim];
            let norm = row.iter().map(|&x| x as f64 * x as f64).sum::<f64>().sqrt();
            if norm.is_finite() && norm > 0.0 {
                for (u, &x) in unit[w * dim..(w + 1) * dim].iter_mut().zip(row) {
                    *u = (x as f64 / norm) as f32;
                }
                known.push(w as u32);
            } else {
                missing.push(w as u32);
            }
        }
        if known.is_empty() {
            return Err(NoUsableVectors { words: v });
        }
        let mut builder = Builder {
            links: TreeLinks {
                parent: vec![0; 2 * v - 1],
                bit: vec![0; 2 * v - 1],
            },
            next: v,
            counts,
            unit: &unit,
            dim,
        };
        let semantic_root = builder.split(&mut known);
        if !missing.is_empty() {
            let huffman_root = builder.huffman(&missing);
            builder.join(semantic_root, huffman_root);
        }
        debug_assert_eq!(builder.next, 2 * v - 1, "every internal node made");
        Ok(SemanticTree {
            tree: Tree::from_links(builder.links),
            missing: missing.len(),
        })
    }
}

/// Links being made: internal nodes are numbered as they are created, children first, so
/// the root is last, as in the Huffman tree.
struct Builder<'a> {
    links: TreeLinks,
    next: usize,
    counts: &'a [u64],
    /// Unit rows (zero for words without a vector, which never reach `split`).
    unit: &'a [f32],
    dim: usize,
}

impl Builder<'_> {
    fn row(&self, w: u32) -> &[f32] {
        &self.unit[w as usize * self.dim..(w as usize + 1) * self.dim]
    }

    /// A new internal node over `left` (bit 0) and `right` (bit 1).
    fn join(&mut self, left: usize, right: usize) -> usize {
        let id = self.next;
        self.next += 1;
        self.links.parent[left] = id as u32;
        self.links.parent[right] = id as u32;
        self.links.bit[left] = 0;
        self.links.bit[right] = 1;
        id
    }

    /// The subtree over `words` (reordered in place); returns its root.
    fn split(&mut self, words: &mut [u32]) -> usize {
        if words.len() == 1 {
            return words[0] as usize;
        }
        if words.len() > 2 {
            let direction = self.two_means_direction(words);
            let mut keyed: Vec<(f32, u32)> = words
                .iter()
                .map(|&w| (dot32(self.row(w), &direction), w))
                .collect();
            keyed.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            for (slot, (_, w)) in words.iter_mut().zip(keyed) {
                *slot = w;
            }
        }
        let cut = self.cut(words);
        let (left, right) = words.split_at_mut(cut);
        let left = self.split(left);
        let right = self.split(right);
        self.join(left, right)
    }

    /// Where to cut `words` (in order) so that the left part's count is closest to half the
    /// total, at least one word on each side; among equal cuts (zero counts), the one closest
    /// to the middle.
    fn cut(&self, words: &[u32]) -> usize {
        let n = words.len();
        let total: u128 = words.iter().map(|&w| self.counts[w as usize] as u128).sum();
        let mut cumulative = 0u128;
        let mut best = (u128::MAX, usize::MAX, 1);
        for (k, &w) in words[..n - 1].iter().enumerate() {
            cumulative += self.counts[w as usize] as u128;
            let left = k + 1;
            let key = (
                (2 * cumulative).abs_diff(total),
                (2 * left).abs_diff(n),
                left,
            );
            if (key.0, key.1) < (best.0, best.1) {
                best = key;
            }
        }
        best.2
    }

    /// The difference of the two centroids after a few 2-means iterations over the unit
    /// rows of `words`, started from the heaviest word (lowest rank on ties) and the word
    /// least similar to it.
    fn two_means_direction(&self, words: &[u32]) -> Vec<f32> {
        let dim = self.dim;
        let heaviest = *words
            .iter()
            .min_by_key(|&&w| (std::cmp::Reverse(self.counts[w as usize]), w))
            .expect("a split has words");
        let a = self.row(heaviest);
        let farthest = *words
            .iter()
            .min_by(|&&x, &&y| {
                dot32(self.row(x), a)
                    .total_cmp(&dot32(self.row(y), a))
                    .then(x.cmp(&y))
            })
            .expect("a split has words");
        let mut centroids: [Vec<f64>; 2] = [
            a.iter().map(|&x| x as f64).collect(),
            self.row(farthest).iter().map(|&x| x as f64).collect(),
        ];
        for _ in 0..ITERATIONS {
            // Nearer centroid by squared distance: |u|² is 1 for every word, so compare
            // u·c - |c|²/2.
            let half_norms = centroids
                .clone()
                .map(|c| c.iter().map(|x| x * x).sum::<f64>() / 2.0);
            let mut sums = [vec![0f64; dim], vec![0f64; dim]];
            let mut sizes = [0usize; 2];
            for &w in words {
                let u = self.row(w);
                let score = |c: usize| dot64(u, &centroids[c]) - half_norms[c];
                let side = usize::from(score(1) > score(0));
                sizes[side] += 1;
                for (s, &x) in sums[side].iter_mut().zip(u) {
                    *s += x as f64;
                }
            }
            if sizes.contains(&0) {
                break;
            }
            let moved: Vec<Vec<f64>> = (0..2)
                .map(|c| sums[c].iter().map(|s| s / sizes[c] as f64).collect())
                .collect();
            let same = moved[0] == centroids[0] && moved[1] == centroids[1];
            centroids = [moved[0].clone(), moved[1].clone()];
            if same {
                break;
            }
        }
        centroids[0]
            .iter()
            .zip(&centroids[1])
            .map(|(x, y)| (x - y) as f32)
            .collect()
    }

    /// A Huffman subtree over `words` (in rank order, so counts descending); returns its
    /// root.
    fn huffman(&mut self, words: &[u32]) -> usize {
        let m = words.len();
        if m == 1 {
            return words[0] as usize;
        }
        let counts: Vec<u64> = words.iter().map(|&w| self.counts[w as usize]).collect();
        let sub = Tree::huffman(&counts);
        let first = self.next;
        let id = |n: usize| {
            if n < m {
                words[n] as usize
            } else {
                first + (n - m)
            }
        };
        let links = sub.links();
        for n in 0..2 * m - 2 {
            self.links.parent[id(n)] = id(links.parent[n] as usize) as u32;
            self.links.bit[id(n)] = links.bit[n];
        }
        self.next += m - 1;
        self.next - 1
    }
}

fn dot32(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn dot64(a: &[f32], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(&x, y)| x as f64 * y).sum()
}

#[cfg(test)]
mod tests {
    use super::super::tree_from_checked_links;
    use super::*;

    fn zipf(v: usize) -> Vec<u64> {
        (1..=v).map(|r| (1_000_000 / r) as u64).collect()
    }

    /// Deterministic pseudo-random floats in [-1, 1) (no RNG state to share).
    fn noise(i: usize) -> f32 {
        let x = (i as u64 + 1)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .rotate_left(17);
        (x >> 40) as f32 / (1u64 << 23) as f32 - 1.0
    }

    fn random_vectors(v: usize, dim: usize) -> Vec<f32> {
        (0..v * dim).map(noise).collect()
    }

    /// Checks what every tree over `v` words must satisfy: loads as stored links (children
    /// before parents, root last), every word a leaf exactly once (prefix-free codes), root
    /// first on every path.
    fn check_tree(t: &Tree, v: usize) {
        assert_eq!(t.leaves(), v);
        assert!(tree_from_checked_links(t.links().clone(), v).is_ok());
        let mut codes: Vec<Vec<u8>> = (0..v as u32).map(|w| t.path(w).codes.to_vec()).collect();
        codes.sort();
        for pair in codes.windows(2) {
            assert!(!pair[1].starts_with(&pair[0]), "{pair:?}");
        }
        for w in 0..v as u32 {
            assert_eq!(t.path(w).points[0] as usize, v - 2, "root first");
        }
    }

    #[test]
    fn every_word_is_a_leaf_once_and_links_are_valid() {
        for v in [2usize, 3, 4, 7, 100, 1000] {
            let counts = zipf(v);
            let built = Tree::semantic(&counts, &random_vectors(v, 8), 8).unwrap();
            assert_eq!(built.missing, 0);
            check_tree(&built.tree, v);
        }
    }

    #[test]
    fn mean_code_length_stays_near_huffmans_on_zipf_counts() {
        let v = 5000;
        let counts = zipf(v);
        let semantic = Tree::semantic(&counts, &random_vectors(v, 16), 16)
            .unwrap()
            .tree;
        let huffman = Tree::huffman(&counts).mean_code_len(&counts);
        let mean = semantic.mean_code_len(&counts);
        assert!(mean >= huffman - 1e-9, "Huffman is optimal");
        assert!(
            mean <= huffman + 2.0 && mean <= 1.25 * huffman,
            "semantic {mean:.3} vs Huffman {huffman:.3}"
        );
        // A tree balanced by word numbers, not counts, does far worse: the bound is the cut's.
        let balanced = Tree::balanced(v).mean_code_len(&counts);
        assert!(mean < balanced - 1.0, "{mean} vs balanced {balanced}");
    }

    #[test]
    fn two_separated_clusters_split_at_the_root() {
        // Words alternate between clusters around +e0 and -e0, so rank order alone would mix
        // them; similar counts in each cluster let the count-halving cut fall between them.
        let (v, dim) = (64, 6);
        let counts: Vec<u64> = (0..v as u64).map(|r| 1000 - r).collect();
        let mut vectors = vec![0f32; v * dim];
        for w in 0..v {
            let row = &mut vectors[w * dim..(w + 1) * dim];
            for (d, x) in row.iter_mut().enumerate() {
                *x = 0.1 * noise(w * dim + d);
            }
            row[0] = if w % 2 == 0 { 1.0 } else { -1.0 };
        }
        let tree = Tree::semantic(&counts, &vectors, dim).unwrap().tree;
        check_tree(&tree, v);
        for w in 0..v as u32 {
            let first = tree.path(w).codes[0];
            assert_eq!(first, tree.path(w % 2).codes[0], "word {w}");
        }
        assert_ne!(tree.path(0).codes[0], tree.path(1).codes[0]);
        // Within a cluster, words share longer code prefixes than across.
        let shared = |a: u32, b: u32| {
            let (x, y) = (tree.path(a).codes, tree.path(b).codes);
            x.iter().zip(y).take_while(|(p, q)| p == q).count()
        };
        assert!(shared(0, 2) >= 1 && shared(0, 1) == 0);
    }

    #[test]
    fn words_without_vectors_share_a_huffman_subtree() {
        let v = 50;
        let counts = zipf(v);
        let mut vectors = random_vectors(v, 4);
        let absent = [3usize, 10, 11, 40, 49];
        for &w in &absent {
            vectors[w * 4..(w + 1) * 4].fill(0.0);
        }
        vectors[20 * 4] = f32::NAN;
        let built = Tree::semantic(&counts, &vectors, 4).unwrap();
        assert_eq!(built.missing, absent.len() + 1);
        check_tree(&built.tree, v);
        for w in 0..v as u32 {
            let without = absent.contains(&(w as usize)) || w == 20;
            assert_eq!(built.tree.path(w).codes[0], u8::from(without), "word {w}");
        }
        // One word with a vector and one without: a root over two leaves.
        let one = Tree::semantic(&[5, 3], &[1.0, 0.0, 0.0, 0.0], 2).unwrap();
        assert_eq!((one.missing, one.tree.max_code_len()), (1, 1));
    }

    #[test]
    fn no_usable_vectors_is_an_error() {
        assert_eq!(
            Tree::semantic(&[5, 3, 1], &[0.0; 6], 2),
            Err(NoUsableVectors { words: 3 })
        );
        assert!(Tree::semantic(&[5, 3], &[], 0).is_err());
    }

    #[test]
    fn same_input_same_tree_and_zero_counts_still_split() {
        let v = 300;
        let mut counts = zipf(v);
        counts[200..].fill(0);
        let vectors = random_vectors(v, 8);
        let a = Tree::semantic(&counts, &vectors, 8).unwrap();
        let b = Tree::semantic(&counts, &vectors, 8).unwrap();
        assert_eq!(a, b);
        check_tree(&a.tree, v);
        // The 100 words of count 0 are halved by number, so their codes stay short.
        assert!(a.tree.max_code_len() < 40, "{}", a.tree.max_code_len());
        // Identical vectors: no direction to split along, the cut by count still works.
        let same = vec![1.0f32; v * 2];
        check_tree(&Tree::semantic(&counts, &same, 2).unwrap().tree, v);
    }
}
