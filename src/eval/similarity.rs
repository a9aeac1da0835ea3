//! Word-pair similarity (WordSim-353, SimLex-999 style): how well cosine similarity ranks pairs
//! the way human judges did.

use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use ndarray::ArrayView1;
use serde::Serialize;

use super::{for_each_line, lowercase_index, nothing_usable, Parsed, Warning};
use crate::{Embeddings, Error, Result, Vectors};

#[derive(Debug, Clone, PartialEq)]
pub struct WordPair {
    pub a: String,
    pub b: String,
    /// Human judgement; only its order matters for Spearman.
    pub gold: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SimilarityReport {
    /// None when fewer than two pairs are usable or a side has no variance, instead of NaN.
    pub spearman: Option<f64>,
    pub pearson: Option<f64>,
    pub used: usize,
    /// Pairs skipped because a word is not in the vocabulary.
    pub oov: usize,
    /// `oov / (used + oov)`, 0 for an empty file; large values make the correlation incomparable.
    pub oov_share: f64,
}

impl fmt::Display for SimilarityReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let corr = |c: Option<f64>| c.map_or("n/a".to_string(), |c| format!("{c:.4}"));
        write!(
            f,
            "spearman {}  pearson {}  ({} pairs used, {} OOV skipped = {:.2} %)",
            corr(self.spearman),
            corr(self.pearson),
            self.used,
            self.oov,
            100.0 * self.oov_share
        )
    }
}

pub fn load_pairs(path: &Path) -> Result<Parsed<Vec<WordPair>>> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    parse_pairs(BufReader::new(file), path)
}

/// Tolerates `#` comments and one header line (the distributed files differ in both). Any
/// other line that is not `word1 word2 score` is skipped with a warning; a file without a
/// single pair is an error rather than a correlation of `n/a`.
pub fn parse_pairs<R: BufRead>(r: R, path: &Path) -> Result<Parsed<Vec<WordPair>>> {
    let mut pairs = Vec::new();
    let mut warnings = Vec::new();
    let mut first = true;
    for_each_line(r, path, |n, line| {
        if line.is_empty() || line.starts_with('#') {
            return;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        let gold = fields.get(2).and_then(|g| g.parse::<f64>().ok());
        let header = std::mem::replace(&mut first, false);
        match (fields.as_slice(), gold) {
            ([a, b, _], Some(gold)) if gold.is_finite() => pairs.push(WordPair {
                a: a.to_string(),
                b: b.to_string(),
                gold,
            }),
            (_, None) if header => {}
            _ => warnings.push(Warning::new(
                path,
                n,
                "expected 'word1 word2 score', skipped",
            )),
        }
    })?;
    if pairs.is_empty() {
        return Err(nothing_usable(path, "word pairs", &warnings));
    }
    Ok(Parsed {
        value: pairs,
        warnings,
    })
}

/// Words are matched case-insensitively over the whole vocabulary (most frequent spelling wins).
pub fn evaluate_similarity(emb: &Embeddings, pairs: &[WordPair]) -> SimilarityReport {
    let index = lowercase_index(&emb.words);
    let (mut cosines, mut gold) = (Vec::new(), Vec::new());
    for p in pairs {
        let row = |w: &str| index.get(&w.to_lowercase()).copied();
        if let (Some(i), Some(j)) = (row(&p.a), row(&p.b)) {
            cosines.push(cosine(emb.vector(i), emb.vector(j)));
            gold.push(p.gold);
        }
    }
    let used = cosines.len();
    let oov = pairs.len() - used;
    SimilarityReport {
        spearman: pearson(&ranks(&cosines), &ranks(&gold)),
        pearson: pearson(&cosines, &gold),
        used,
        oov,
        oov_share: if pairs.is_empty() {
            0.0
        } else {
            oov as f64 / pairs.len() as f64
        },
    }
}

/// The pairs [`evaluate_similarity`] skips, scored with vectors made from character n-grams
/// for the missing words (`eval --oov`), reported apart from the standard figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OovSimilarityReport {
    /// Pairs the in-vocabulary protocol skipped.
    pub skipped: usize,
    /// Of those, the pairs scored here, and their correlations alone.
    pub used: usize,
    pub spearman: Option<f64>,
    pub pearson: Option<f64>,
    /// Skipped pairs still not scored: a word without any vector.
    pub no_vector: usize,
    /// Every pair with vectors, in-vocabulary and made, together.
    pub all_used: usize,
    pub all_spearman: Option<f64>,
    pub all_pearson: Option<f64>,
}

impl fmt::Display for OovSimilarityReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let corr = |c: Option<f64>| c.map_or("n/a".to_string(), |c| format!("{c:.4}"));
        write!(
            f,
            "oov: spearman {}  pearson {}  ({} of {} skipped pairs scored, {} without vectors); \
             all pairs: spearman {}  pearson {}  ({} pairs)",
            corr(self.spearman),
            corr(self.pearson),
            self.used,
            self.skipped,
            self.no_vector,
            corr(self.all_spearman),
            corr(self.all_pearson),
            self.all_used
        )
    }
}

/// Scores the pairs with a word outside the vocabulary, that word's vector made from its
/// character n-grams (as written in the file); see [`OovSimilarityReport`].
pub fn evaluate_similarity_oov(vectors: &Vectors, pairs: &[WordPair]) -> OovSimilarityReport {
    let emb = &vectors.embeddings;
    let index = lowercase_index(&emb.words);
    let vector = |w: &str| -> Option<Vec<f32>> {
        match index.get(&w.to_lowercase()) {
            Some(&row) => Some(emb.vector(row).to_vec()),
            None => vectors.oov_vector(w).ok(),
        }
    };
    let (mut cosines, mut gold) = (Vec::new(), Vec::new());
    let (mut all_cosines, mut all_gold) = (Vec::new(), Vec::new());
    let (mut skipped, mut no_vector) = (0, 0);
    for p in pairs {
        let in_vocab = |w: &str| index.contains_key(&w.to_lowercase());
        let skipped_here = !(in_vocab(&p.a) && in_vocab(&p.b));
        skipped += usize::from(skipped_here);
        let (Some(x), Some(y)) = (vector(&p.a), vector(&p.b)) else {
            no_vector += 1;
            continue;
        };
        let c = cosine(ArrayView1::from(&x), ArrayView1::from(&y));
        all_cosines.push(c);
        all_gold.push(p.gold);
        if skipped_here {
            cosines.push(c);
            gold.push(p.gold);
        }
    }
    OovSimilarityReport {
        skipped,
        used: cosines.len(),
        spearman: pearson(&ranks(&cosines), &ranks(&gold)),
        pearson: pearson(&cosines, &gold),
        no_vector,
        all_used: all_cosines.len(),
        all_spearman: pearson(&ranks(&all_cosines), &ranks(&all_gold)),
        all_pearson: pearson(&all_cosines, &all_gold),
    }
}

fn cosine(x: ArrayView1<f32>, y: ArrayView1<f32>) -> f64 {
    let dot = |u: ArrayView1<f32>, v: ArrayView1<f32>| -> f64 {
        u.iter().zip(v).map(|(&a, &b)| a as f64 * b as f64).sum()
    };
    let norms = (dot(x, x) * dot(y, y)).sqrt();
    if norms > 0.0 {
        dot(x, y) / norms
    } else {
        0.0
    }
}

/// 1-based ranks with ties given their average rank, so Spearman is Pearson on ranks.
fn ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&i, &j| values[i].total_cmp(&values[j]));
    let mut out = vec![0.0; values.len()];
    let mut start = 0;
    while start < order.len() {
        let v = values[order[start]];
        let end = start
            + order[start..]
                .iter()
                .take_while(|&&i| values[i] == v)
                .count();
        let rank = (start + end + 1) as f64 / 2.0;
        for &i in &order[start..end] {
            out[i] = rank;
        }
        start = end;
    }
    out
}

fn pearson(x: &[f64], y: &[f64]) -> Option<f64> {
    let n = x.len();
    if n < 2 {
        return None;
    }
    let (mx, my) = (
        x.iter().sum::<f64>() / n as f64,
        y.iter().sum::<f64>() / n as f64,
    );
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        let (dx, dy) = (a - mx, b - my);
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    (sxx > 0.0 && syy > 0.0).then(|| sxy / (sxx * syy).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-9)
    }

    #[test]
    fn ranks_average_ties() {
        assert_eq!(ranks(&[3.0, 1.0, 2.0, 2.0]), [4.0, 1.0, 2.5, 2.5]);
        assert_eq!(ranks(&[5.0, 5.0, 5.0]), [2.0, 2.0, 2.0]);
        assert!(ranks(&[]).is_empty());
    }

    #[test]
    fn pearson_hand_computed() {
        // cov 11, var 5 and 26.
        let r = pearson(&[1.0, 2.0, 3.0, 4.0], &[2.0, 4.0, 5.0, 9.0]);
        assert!(close(r, 11.0 / 130f64.sqrt()), "{r:?}");
        assert!(close(pearson(&[1.0, 2.0], &[4.0, 2.0]), -1.0));
        assert_eq!(pearson(&[1.0], &[1.0]), None);
        assert_eq!(pearson(&[1.0, 1.0], &[1.0, 2.0]), None);
    }

    /// Word "o" along the x axis and one word per angle, so cos(o, w_i) = cos(angle_i).
    fn fan(angles: &[f64]) -> Embeddings {
        let mut words = vec!["o".to_string()];
        let mut v = Array2::zeros((angles.len() + 1, 2));
        v[[0, 0]] = 1.0;
        for (i, &t) in angles.iter().enumerate() {
            words.push(format!("W{i}"));
            v[[i + 1, 0]] = t.cos() as f32;
            v[[i + 1, 1]] = t.sin() as f32;
        }
        Embeddings::new(words, v)
    }

    fn pair(a: &str, b: &str, gold: f64) -> WordPair {
        WordPair {
            a: a.into(),
            b: b.into(),
            gold,
        }
    }

    #[test]
    fn spearman_with_ties_and_oov() {
        // Cosines 1, 0.5, 0.5, 0 (w1 and w2 tie at ±60°) → ranks 4, 2.5, 2.5, 1; gold 9, 5, 7, 1
        // → ranks 4, 2, 3, 1. By hand: cov 4.5, variances 4.5 and 5, so 4.5 / sqrt(22.5).
        use std::f64::consts::{FRAC_PI_2, FRAC_PI_3};
        let e = fan(&[0.0, FRAC_PI_3, -FRAC_PI_3, FRAC_PI_2]);
        let pairs = [
            pair("o", "w0", 9.0),
            pair("O", "W1", 5.0),
            pair("o", "w2", 7.0),
            pair("missing", "o", 3.0),
            pair("o", "w3", 1.0),
        ];
        let r = evaluate_similarity(&e, &pairs);
        assert!(close(r.spearman, 3.0 / 10f64.sqrt()), "{r:?}");
        assert!(r.pearson.unwrap() > 0.9);
        assert_eq!((r.used, r.oov), (4, 1));
        assert!((r.oov_share - 0.2).abs() < 1e-12);
        assert!(
            r.to_string()
                .contains("(4 pairs used, 1 OOV skipped = 20.00 %)"),
            "{r}"
        );
    }

    #[test]
    fn too_few_pairs_give_none_not_nan() {
        let e = fan(&[0.5]);
        let r = evaluate_similarity(&e, &[pair("o", "w0", 3.0), pair("o", "zz", 1.0)]);
        assert_eq!((r.spearman, r.pearson, r.used, r.oov), (None, None, 1, 1));
        assert_eq!(
            r.to_string(),
            "spearman n/a  pearson n/a  (1 pairs used, 1 OOV skipped = 50.00 %)"
        );
        let empty = evaluate_similarity(&e, &[]);
        assert_eq!((empty.oov_share, empty.spearman), (0.0, None));
    }

    fn parse(text: &str) -> Result<Parsed<Vec<WordPair>>> {
        parse_pairs(text.as_bytes(), Path::new("p.txt"))
    }

    #[test]
    fn parse_tolerates_header_and_comments() {
        let text = "# WordSim-353\nWord 1\tWord 2\tHuman (mean)\n\nlove\tsex\t6.77\n# mid\ntiger cat  7.35\n";
        let p = parse(text).unwrap();
        assert_eq!(
            p.value,
            [pair("love", "sex", 6.77), pair("tiger", "cat", 7.35)]
        );
        assert!(p.warnings.is_empty());
        // No header is fine too.
        assert_eq!(parse("a b 1\n").unwrap().value.len(), 1);
    }

    #[test]
    fn bad_lines_are_skipped_with_their_line_numbers() {
        let text = "w1 w2 s\na b 1\nword1 word2 score\n# c\na b\na b 1 2\n\na b nan\nc d 2\n";
        let p = parse(text).unwrap();
        assert_eq!(p.value, [pair("a", "b", 1.0), pair("c", "d", 2.0)]);
        let lines: Vec<u64> = p.warnings.iter().map(|w| w.line).collect();
        // A header only as the first line; too few and too many fields; a non-finite score.
        assert_eq!(lines, [3, 5, 6, 8]);
        assert_eq!(
            p.warnings[0].to_string(),
            "p.txt:3: expected 'word1 word2 score', skipped"
        );
    }

    #[test]
    fn a_file_without_pairs_is_an_error() {
        for (text, detail) in [
            ("", "p.txt: no word pairs found"),
            ("# only a comment\nword1 word2 score\n", "p.txt: no word pairs found"),
            (
                "h h h\na b\nc d e f\n",
                "no word pairs found (2 lines skipped; line 2: expected 'word1 word2 score', skipped)",
            ),
        ] {
            let e = parse(text).unwrap_err();
            assert!(matches!(e, Error::Format { .. }), "{e:?}");
            assert!(e.to_string().contains(detail), "{text:?}: {e}");
        }
    }
}
