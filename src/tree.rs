//! Binary trees over the vocabulary for hierarchical softmax.
//!
//! Leaves are words; each of the V-1 internal nodes owns one row of the node matrix. A word's
//! path is stored flat (one shared array, offsets per word), so code length has no fixed cap:
//! a skewed count distribution can give codes as long as V-1.

use serde::{Deserialize, Serialize};

mod semantic;
pub use semantic::{NoUsableVectors, SemanticTree};

/// Codes (bits, root to leaf) and points (internal-node rows along the path) for every word.
#[derive(Debug, Clone, PartialEq)]
pub struct Tree {
    offsets: Vec<u32>,
    points: Vec<u32>,
    codes: Vec<u8>,
    links: TreeLinks,
}

/// The stored form: every node's parent and the bit of the edge to it. Leaves are nodes
/// `0..V`, internal node `i` is node `V + i`, the root is the last node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TreeLinks {
    parent: Vec<u32>,
    bit: Vec<u8>,
}

/// A path through the tree: pairs of (internal node row, code bit), root first.
#[derive(Debug, Clone, Copy)]
pub struct Path<'a> {
    pub points: &'a [u32],
    pub codes: &'a [u8],
}

impl Tree {
    /// Huffman tree from counts sorted in descending order (as the vocabulary is), built in
    /// O(V) with two queues: the leaves in ascending order, and internal nodes, which are
    /// created in ascending order of weight.
    ///
    /// On equal weights the internal node is merged first, as word2vec C does. Every tie rule
    /// gives an optimal tree, but not the same one: the rule decides which words share
    /// internal nodes (and, in general, some code lengths). On bench-10m this rule scored about
    /// one analogy point more than leaves-first, gensim's (docs/hierarchical-softmax.md).
    pub fn huffman(counts: &[u64]) -> Tree {
        let v = counts.len();
        assert!(v >= 2, "a tree needs at least two words");
        debug_assert!(counts.windows(2).all(|w| w[0] >= w[1]), "counts sorted");
        let nodes = 2 * v - 1;
        let mut weight = vec![0u64; nodes];
        weight[..v].copy_from_slice(counts);
        let mut parent = vec![0u32; nodes];
        let mut bit = vec![0u8; nodes];
        // Next leaf: leaves are taken from the rarest (highest index) downwards.
        let mut leaf = v as isize - 1;
        let mut internal_next = v; // oldest internal node not yet merged
        let mut take = |created: usize, weight: &[u64]| -> usize {
            let leaf_ok = leaf >= 0;
            let internal_ok = internal_next < created;
            let pick_leaf =
                leaf_ok && (!internal_ok || weight[leaf as usize] < weight[internal_next]);
            if pick_leaf {
                leaf -= 1;
                (leaf + 1) as usize
            } else {
                internal_next += 1;
                internal_next - 1
            }
        };
        for created in v..nodes {
            let a = take(created, &weight);
            let b = take(created, &weight);
            weight[created] = weight[a].saturating_add(weight[b]);
            parent[a] = created as u32;
            parent[b] = created as u32;
            bit[b] = 1;
        }
        Tree::from_links(TreeLinks { parent, bit })
    }

    /// A balanced tree of height ceil(log2 V) over words in rank order: each range of ranks
    /// is split in halves, so code lengths differ by at most one, whatever the frequencies.
    pub fn balanced(words: usize) -> Tree {
        assert!(words >= 2, "a tree needs at least two words");
        let nodes = 2 * words - 1;
        let mut links = TreeLinks {
            parent: vec![0u32; nodes],
            bit: vec![0u8; nodes],
        };
        // Children are numbered before their parent, as in the Huffman tree.
        fn split(range: std::ops::Range<usize>, links: &mut TreeLinks, next: &mut usize) -> usize {
            if range.len() == 1 {
                return range.start;
            }
            let mid = range.start + range.len().div_ceil(2);
            let left = split(range.start..mid, links, next);
            let right = split(mid..range.end, links, next);
            let id = *next;
            *next += 1;
            links.parent[left] = id as u32;
            links.parent[right] = id as u32;
            links.bit[right] = 1;
            id
        }
        let mut next = words;
        split(0..words, &mut links, &mut next);
        Tree::from_links(links)
    }

    /// This tree with words added after its leaves: the old tree whole, and `added` (a tree
    /// over the new words alone, or `None` for a single new word) joined under a new root.
    /// Old words' paths gain one leading step and keep every node after it, and old internal
    /// nodes keep their rows, so node vectors trained on them stay meaningful; the new
    /// subtree's nodes, then the root, take the rows after them.
    pub fn graft(&self, added: Option<&Tree>) -> Tree {
        let v = self.leaves();
        let n = added.map_or(1, Tree::leaves);
        let nodes = 2 * (v + n) - 1;
        let root = nodes - 1;
        let mut links = TreeLinks {
            parent: vec![0u32; nodes],
            bit: vec![0u8; nodes],
        };
        // Old leaves stay; old internal node v + i becomes (v + n) + i.
        let old = |node: usize| if node < v { node } else { node + n };
        for node in 0..2 * v - 2 {
            links.parent[old(node)] = old(self.links.parent[node] as usize) as u32;
            links.bit[old(node)] = self.links.bit[node];
        }
        links.parent[old(2 * v - 2)] = root as u32;
        // The added leaves follow the old ones; the added internal nodes follow the old
        // internal nodes (added node n + k becomes 2v + n - 1 + k).
        let new = |node: usize| if node < n { v + node } else { node + 2 * v - 1 };
        let added_root = match added {
            Some(tree) => {
                for node in 0..2 * n - 2 {
                    links.parent[new(node)] = new(tree.links.parent[node] as usize) as u32;
                    links.bit[new(node)] = tree.links.bit[node];
                }
                new(2 * n - 2)
            }
            None => v,
        };
        links.parent[added_root] = root as u32;
        links.bit[added_root] = 1;
        Tree::from_links(links)
    }

    fn from_links(links: TreeLinks) -> Tree {
        let nodes = links.parent.len();
        let v = nodes.div_ceil(2);
        let root = nodes - 1;
        // Depth of each node, computed top-down: parents are always created after children.
        let mut depth = vec![0u32; nodes];
        for n in (0..root).rev() {
            depth[n] = depth[links.parent[n] as usize] + 1;
        }
        let mut offsets = Vec::with_capacity(v + 1);
        offsets.push(0u32);
        let mut total = 0u64;
        for d in &depth[..v] {
            total += *d as u64;
            offsets.push(u32::try_from(total).expect("total code length fits in u32"));
        }
        let mut points = vec![0u32; total as usize];
        let mut codes = vec![0u8; total as usize];
        for w in 0..v {
            let (start, end) = (offsets[w] as usize, offsets[w + 1] as usize);
            let mut node = w;
            for slot in (start..end).rev() {
                codes[slot] = links.bit[node];
                node = links.parent[node] as usize;
                points[slot] = (node - v) as u32;
            }
        }
        Tree {
            offsets,
            points,
            codes,
            links,
        }
    }

    /// Number of words (leaves).
    pub fn leaves(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Number of internal nodes, the rows of the node matrix.
    pub fn internal_nodes(&self) -> usize {
        self.leaves() - 1
    }

    #[inline]
    pub fn path(&self, word: u32) -> Path<'_> {
        let w = word as usize;
        let (start, end) = (self.offsets[w] as usize, self.offsets[w + 1] as usize);
        Path {
            points: &self.points[start..end],
            codes: &self.codes[start..end],
        }
    }

    pub fn code_len(&self, word: u32) -> usize {
        let w = word as usize;
        (self.offsets[w + 1] - self.offsets[w]) as usize
    }

    /// Mean code length weighted by the given counts (the expected steps per prediction).
    pub fn mean_code_len(&self, counts: &[u64]) -> f64 {
        let total: u64 = counts.iter().sum();
        let weighted: f64 = (0..self.leaves())
            .map(|w| self.code_len(w as u32) as f64 * counts[w] as f64)
            .sum();
        weighted / total.max(1) as f64
    }

    pub fn max_code_len(&self) -> usize {
        (0..self.leaves())
            .map(|w| self.code_len(w as u32))
            .max()
            .unwrap_or(0)
    }

    /// The stored form (see [`TreeLinks`]).
    pub fn links(&self) -> &TreeLinks {
        &self.links
    }
}

/// Deeper stored trees are rejected as damaged.
pub(crate) const MAX_DEPTH: u32 = 128;

/// Why stored tree links cannot be a tree over the vocabulary (the file is damaged).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub(crate) struct DamagedTree(String);

/// Builds a tree from untrusted links, checking them first.
pub(crate) fn tree_from_checked_links(links: TreeLinks, words: usize) -> Result<Tree, DamagedTree> {
    let damaged = |why: String| Err(DamagedTree(why));
    let nodes = links.parent.len();
    if words < 2 || nodes != 2 * words - 1 || links.bit.len() != nodes {
        return damaged(format!("tree has {nodes} nodes for {words} words"));
    }
    let mut children = vec![0u8; nodes];
    for n in 0..nodes - 1 {
        let p = links.parent[n] as usize;
        if p <= n || p < words || p >= nodes {
            return damaged(format!("tree node {n} has an invalid parent {p}"));
        }
        children[p] = children[p].saturating_add(1);
    }
    if children[words..].iter().any(|&c| c != 2) {
        return damaged("tree has an internal node without exactly two children".into());
    }
    // Counts fit in u64, so a Huffman tree is at most ~93 levels deep (Fibonacci weights);
    // a deeper tree is damage, and its paths could need memory quadratic in V.
    let mut depth = vec![0u32; nodes];
    for n in (0..nodes - 1).rev() {
        depth[n] = depth[links.parent[n] as usize] + 1;
        if depth[n] > MAX_DEPTH {
            return damaged(format!("tree is deeper than {MAX_DEPTH} levels"));
        }
    }
    Ok(Tree::from_links(links))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;

    /// Huffman cost (sum of count × code length) computed independently with a binary heap:
    /// the sum of the weights of all merged nodes.
    fn heap_cost(counts: &[u64]) -> u64 {
        let mut heap: BinaryHeap<Reverse<u64>> = counts.iter().map(|&c| Reverse(c)).collect();
        let mut cost = 0;
        while heap.len() > 1 {
            let Reverse(a) = heap.pop().unwrap();
            let Reverse(b) = heap.pop().unwrap();
            cost += a + b;
            heap.push(Reverse(a + b));
        }
        cost
    }

    fn code_string(t: &Tree, w: u32) -> Vec<u8> {
        t.path(w).codes.to_vec()
    }

    fn check(counts: &[u64]) {
        let t = Tree::huffman(counts);
        let v = counts.len();
        assert_eq!(t.internal_nodes(), v - 1);
        // Weighted path length equals the Huffman cost.
        let wpl: u64 = (0..v)
            .map(|w| counts[w] * t.code_len(w as u32) as u64)
            .sum();
        assert_eq!(wpl, heap_cost(counts), "counts {counts:?}");
        // Prefix-free.
        let mut codes: Vec<Vec<u8>> = (0..v as u32).map(|w| code_string(&t, w)).collect();
        codes.sort();
        for pair in codes.windows(2) {
            assert!(
                !pair[1].starts_with(&pair[0]),
                "{:?} prefixes {:?}",
                pair[0],
                pair[1]
            );
        }
        // Every internal node is used, and the root starts every path.
        let mut used = vec![false; v - 1];
        for w in 0..v as u32 {
            let p = t.path(w);
            assert_eq!(p.points[0] as usize, v - 2, "root first");
            for &n in p.points {
                used[n as usize] = true;
            }
        }
        assert!(used.iter().all(|&u| u));
        assert!(tree_from_checked_links(t.links().clone(), v).is_ok());
    }

    #[test]
    fn huffman_is_optimal_and_prefix_free_on_random_counts() {
        let mut rng = rand::rngs::SmallRng::seed_from_u64(7);
        for _ in 0..200 {
            let v = rng.random_range(2..300);
            let mut counts: Vec<u64> = (0..v).map(|_| rng.random_range(1..10_000)).collect();
            counts.sort_unstable_by(|a, b| b.cmp(a));
            check(&counts);
        }
        check(&[5, 5]);
        check(&[1, 1, 1, 1, 1, 1, 1]);
    }

    #[test]
    fn fibonacci_counts_give_codes_far_longer_than_40() {
        let mut fib = vec![1u64, 1];
        while fib.len() < 60 {
            let n = fib[fib.len() - 1] + fib[fib.len() - 2];
            fib.push(n);
        }
        fib.reverse();
        check(&fib);
        let t = Tree::huffman(&fib);
        assert_eq!(t.max_code_len(), 59);
    }

    #[test]
    fn ties_merge_internal_nodes_first_as_word2vec_does() {
        // 1+1 → a(2); a ties with the leaf of count 2 and goes first: b(4) = a + 2; the other
        // 2 → c(6) = 2 + b; then the root over 4 and c.
        let tree = Tree::huffman(&[4, 2, 2, 1, 1]);
        let lens: Vec<usize> = (0..5).map(|w| tree.code_len(w)).collect();
        assert_eq!(lens, [1, 2, 3, 4, 4]);
    }

    #[test]
    fn balanced_tree_has_height_ceil_log2_v() {
        for v in [2usize, 3, 5, 8, 9, 1000, 1025] {
            let t = Tree::balanced(v);
            let height = (v as f64).log2().ceil() as usize;
            assert_eq!(t.max_code_len(), height, "v={v}");
            assert!((0..v as u32).all(|w| t.code_len(w) + 1 >= height), "v={v}");
            let mut codes: Vec<Vec<u8>> = (0..v as u32).map(|w| code_string(&t, w)).collect();
            codes.sort();
            assert!(codes.windows(2).all(|p| !p[1].starts_with(&p[0])));
            assert!(tree_from_checked_links(t.links().clone(), v).is_ok());
        }
    }

    #[test]
    fn grafting_keeps_old_paths_behind_one_new_root_step() {
        let old = Tree::huffman(&[9, 5, 3, 3, 1]);
        for added in [
            None,
            Some(Tree::huffman(&[4, 2, 1])),
            Some(Tree::balanced(2)),
        ] {
            let n = added.as_ref().map_or(1, Tree::leaves);
            let t = old.graft(added.as_ref());
            let v = old.leaves() + n;
            assert_eq!(t.leaves(), v);
            assert!(tree_from_checked_links(t.links().clone(), v).is_ok());
            let root = (v - 2) as u32;
            for w in 0..old.leaves() as u32 {
                let (p, q) = (t.path(w), old.path(w));
                assert_eq!((p.points[0], p.codes[0]), (root, 0));
                // The same internal rows and bits after the root step.
                assert_eq!(&p.points[1..], q.points);
                assert_eq!(&p.codes[1..], q.codes);
            }
            for w in 0..n as u32 {
                let p = t.path(old.leaves() as u32 + w);
                assert_eq!((p.points[0], p.codes[0]), (root, 1));
                if let Some(added) = &added {
                    let q = added.path(w);
                    assert_eq!(&p.codes[1..], q.codes);
                    // Added rows follow the old ones, in the added tree's order.
                    let shifted: Vec<u32> = q.points.iter().map(|r| r + 4).collect();
                    assert_eq!(&p.points[1..], shifted);
                }
            }
        }
    }

    #[test]
    fn stored_links_round_trip_and_are_checked() {
        let t = Tree::huffman(&[9, 5, 3, 3, 1]);
        let links = t.links().clone();
        let back = tree_from_checked_links(links.clone(), 5).unwrap();
        assert_eq!(back, t);
        let mut bad = links;
        bad.parent[0] = 0;
        assert!(tree_from_checked_links(bad, 5).is_err());
        // A chain 200 levels deep is refused before its paths are built.
        let v = 200;
        let mut chain = TreeLinks {
            parent: vec![0; 2 * v - 1],
            bit: vec![0; 2 * v - 1],
        };
        chain.parent[0] = v as u32;
        for leaf in 1..v {
            chain.parent[leaf] = (v + leaf - 1) as u32;
            chain.bit[leaf] = 1;
        }
        for inner in v..2 * v - 2 {
            chain.parent[inner] = (inner + 1) as u32;
        }
        let err = tree_from_checked_links(chain, v).unwrap_err();
        assert!(err.to_string().contains("deeper"), "{err}");
    }
}
