//! Analogy accuracy on the Google questions-words protocol, matching word2vec's compute-accuracy
//! and gensim's `evaluate_word_analogies(restrict_vocab=N, case_insensitive=True)` so numbers
//! are comparable with published ones.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use ndarray::{s, ArrayView2, Axis};
use rayon::prelude::*;
use serde::ser::SerializeStruct;
use serde::Serialize;

use super::{for_each_line, lowercase_index, normalize_rows, nothing_usable, Parsed, Warning};
use crate::{Embeddings, Error, Result, Vectors};

/// The Google set lists its five semantic sections first; the rest test morphology.
const SEMANTIC_SECTIONS: usize = 5;
/// Score-matrix floats per batch: large enough for efficient matrix products, small enough that a
/// 300k-word restriction does not cost gigabytes per thread.
const BATCH_FLOATS: usize = 1 << 23;
/// Caps a batch even when its words repeat, so there are enough batches to keep all cores busy.
const MAX_BATCH_QUESTIONS: usize = 1024;
/// Levy & Goldberg's guard against division by zero in 3CosMul.
const MUL_EPSILON: f32 = 1e-3;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub name: String,
    /// `a b c d`: a is to b as c is to d.
    pub questions: Vec<[String; 4]>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// 3CosAdd: argmax cos(x, b) - cos(x, a) + cos(x, c).
    #[default]
    Add,
    /// 3CosMul (Levy & Goldberg 2014): less dominated by one large similarity term.
    Mul,
}

impl Method {
    /// A candidate's score from its cosines to a, b and c: the one place the two methods'
    /// formulas live, shared by evaluation and `query::analogy`.
    #[inline(always)]
    pub fn combine(self, a: f32, b: f32, c: f32) -> f32 {
        match self {
            Method::Add => b - a + c,
            Method::Mul => {
                // Cosines shifted to [0, 1] so the product and quotient keep their order.
                let (a, b, c) = ((a + 1.0) / 2.0, (b + 1.0) / 2.0, (c + 1.0) / 2.0);
                b * c / (a + MUL_EPSILON)
            }
        }
    }
}

/// The names the literature uses, for reports.
impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Method::Add => "3CosAdd",
            Method::Mul => "3CosMul",
        })
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Score {
    pub correct: usize,
    pub seen: usize,
}

impl Score {
    /// None when nothing was seen, so an empty section is not reported as 0 %.
    pub fn accuracy(&self) -> Option<f64> {
        (self.seen > 0).then(|| self.correct as f64 / self.seen as f64)
    }

    fn sum<'a>(scores: impl IntoIterator<Item = &'a Score>) -> Score {
        scores.into_iter().fold(Score::default(), |acc, s| Score {
            correct: acc.correct + s.correct,
            seen: acc.seen + s.seen,
        })
    }
}

/// Hand-written so JSON consumers get the accuracy without recomputing it.
impl Serialize for Score {
    fn serialize<S: serde::Serializer>(&self, ser: S) -> std::result::Result<S::Ok, S::Error> {
        let mut st = ser.serialize_struct("Score", 3)?;
        st.serialize_field("correct", &self.correct)?;
        st.serialize_field("seen", &self.seen)?;
        st.serialize_field("accuracy", &self.accuracy())?;
        st.end()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SectionScore {
    pub name: String,
    /// Questions in the file, seen or not.
    pub questions: usize,
    pub score: Score,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnalogyReport {
    pub method: Method,
    /// Effective restriction (clamped to the vocabulary size).
    pub restrict: usize,
    pub sections: Vec<SectionScore>,
    pub semantic: Score,
    pub syntactic: Score,
    pub total: Score,
    /// All questions in the file; `total.seen` of them were in the restricted vocabulary.
    pub questions: usize,
    /// The seen questions again, split by the frequency rank of the expected answer, to show
    /// how a model does on rare words.
    pub answer_ranks: Vec<RankBand>,
}

/// Questions whose expected answer has a 1-based frequency rank in `first..=last`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RankBand {
    pub first: usize,
    pub last: usize,
    pub score: Score,
}

/// Where the answer-rank bands start (1-based ranks); the last ends at the restriction.
const RANK_BAND_STARTS: [usize; 3] = [1, 1_001, 10_001];

fn percent(score: &Score) -> String {
    match score.accuracy() {
        Some(a) => format!("{:.2} %", 100.0 * a),
        None => "n/a".to_string(),
    }
}

/// One line per section, then semantic, syntactic, the answer-rank bands and the total, each
/// as `name  accuracy  correct/seen`; the total is the last line and its second field is the
/// accuracy (scripts read it with `tail -n 1 | awk '{print $2}'`).
impl fmt::Display for AnalogyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let width = self
            .sections
            .iter()
            .map(|s| s.name.len())
            .fold(9, usize::max)
            .max(if self.answer_ranks.len() > 1 { 24 } else { 0 });
        let line = |f: &mut fmt::Formatter<'_>, name: &str, s: &Score| {
            writeln!(
                f,
                "{name:<width$} {:>8}  {}/{}",
                percent(s),
                s.correct,
                s.seen
            )
        };
        for section in &self.sections {
            line(f, &section.name, &section.score)?;
        }
        line(f, "semantic", &self.semantic)?;
        line(f, "syntactic", &self.syntactic)?;
        // One band would only repeat the total.
        if self.answer_ranks.len() > 1 {
            for band in &self.answer_ranks {
                let name = format!("answer rank {}-{}", band.first, band.last);
                line(f, &name, &band.score)?;
            }
        }
        let t = &self.total;
        write!(
            f,
            "{:<width$} {:>8}  {}/{} seen of {} questions",
            "total",
            percent(t),
            t.correct,
            t.seen,
            self.questions
        )
    }
}

pub fn load_questions(path: &Path) -> Result<Parsed<Vec<Section>>> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    parse_questions(BufReader::new(file), path)
}

/// `path` only labels errors, so readers other than files can be parsed too. A malformed line
/// is skipped with a warning, as gensim skips it; a file without a single question is an
/// error. Lines are split on whitespace, so non-UTF-8 bytes are decoded lossily.
pub fn parse_questions<R: BufRead>(r: R, path: &Path) -> Result<Parsed<Vec<Section>>> {
    let mut sections: Vec<Section> = Vec::new();
    let mut warnings = Vec::new();
    for_each_line(r, path, |n, line| {
        let mut warn = |message: String| warnings.push(Warning::new(path, n, message));
        if line.is_empty() {
            return;
        }
        if let Some(name) = line.strip_prefix(':') {
            let mut name = name.trim().to_string();
            if name.is_empty() {
                name = format!("line {n}");
                warn(format!(
                    "section header without a name; calling it '{name}'"
                ));
            }
            sections.push(Section {
                name,
                questions: Vec::new(),
            });
            return;
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        let Ok(question) = <[&str; 4]>::try_from(words.as_slice()) else {
            warn(format!("expected 4 words, found {}, skipped", words.len()));
            return;
        };
        match sections.last_mut() {
            Some(section) => section.questions.push(question.map(str::to_string)),
            None => warn("question before the first ': section' line, skipped".into()),
        }
    })?;
    if sections.iter().all(|s| s.questions.is_empty()) {
        return Err(nothing_usable(path, "analogy questions", &warnings));
    }
    Ok(Parsed {
        value: sections,
        warnings,
    })
}

/// Only the `restrict` most frequent rows (clamped to the vocabulary) are candidates and may
/// appear in questions; questions with other words are skipped (not seen), as in
/// compute-accuracy, so rare words with noisy vectors do not dominate the score.
pub fn evaluate_analogies(
    emb: &Embeddings,
    sections: &[Section],
    restrict: usize,
    method: Method,
) -> AnalogyReport {
    let n = restrict.min(emb.len());
    let index = lowercase_index(&emb.words[..n]);
    let resolve = |q: &[String; 4]| -> Option<[usize; 4]> {
        let mut rows = [0; 4];
        for (row, word) in rows.iter_mut().zip(q) {
            *row = *index.get(&word.to_lowercase())?;
        }
        Some(rows)
    };
    let (mut rows, mut owner) = (Vec::new(), Vec::new());
    for (s, section) in sections.iter().enumerate() {
        for q in section.questions.iter().filter_map(resolve) {
            rows.push(q);
            owner.push(s);
        }
    }

    let normed = normalize_rows(emb.vectors.slice(s![..n, ..]));
    let max_words = (BATCH_FLOATS / n.max(1)).clamp(48, 3072);
    let predicted = answers(normed.view(), n, &rows, method, max_words);

    let mut scores = vec![Score::default(); sections.len()];
    let mut answer_ranks: Vec<RankBand> = RANK_BAND_STARTS
        .iter()
        .enumerate()
        .filter(|&(_, &first)| first <= n)
        .map(|(i, &first)| RankBand {
            first,
            last: RANK_BAND_STARTS
                .get(i + 1)
                .map_or(n, |next| (next - 1).min(n)),
            score: Score::default(),
        })
        .collect();
    for ((q, &s), p) in rows.iter().zip(&owner).zip(predicted) {
        let correct = usize::from(p == q[3]);
        scores[s].seen += 1;
        scores[s].correct += correct;
        if let Some(band) = answer_ranks
            .iter_mut()
            .find(|b| (b.first..=b.last).contains(&(q[3] + 1)))
        {
            band.score.seen += 1;
            band.score.correct += correct;
        }
    }
    let split = SEMANTIC_SECTIONS.min(scores.len());
    AnalogyReport {
        method,
        restrict: n,
        semantic: Score::sum(&scores[..split]),
        syntactic: Score::sum(&scores[split..]),
        total: Score::sum(&scores),
        questions: sections.iter().map(|s| s.questions.len()).sum(),
        answer_ranks,
        sections: sections
            .iter()
            .zip(scores)
            .map(|(s, score)| SectionScore {
                name: s.name.clone(),
                questions: s.questions.len(),
                score,
            })
            .collect(),
    }
}

/// The questions the in-vocabulary protocol of [`evaluate_analogies`] skips, scored with
/// vectors made for the missing words (`eval --oov`), reported apart so that the standard
/// figures stay comparable.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OovAnalogyReport {
    /// Questions [`evaluate_analogies`] skipped with the same restriction.
    pub skipped: usize,
    /// Of those, the ones scored here, by section; answers are still searched among the
    /// restricted vocabulary.
    pub sections: Vec<SectionScore>,
    pub semantic: Score,
    pub syntactic: Score,
    pub total: Score,
    /// Scored questions whose expected answer is not among the candidates: counted wrong, as
    /// no answer the model gives can be it.
    pub answer_not_candidate: usize,
    /// Skipped questions still not scored: a, b or c has no vector (not in the vocabulary
    /// and none of its character n-grams known).
    pub no_vector: usize,
}

/// `total` for the extra questions, then how many could not be answered or scored.
impl fmt::Display for OovAnalogyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let line = |f: &mut fmt::Formatter<'_>, name: &str, s: &Score| {
            writeln!(f, "{name:<24} {:>8}  {}/{}", percent(s), s.correct, s.seen)
        };
        line(f, "oov semantic", &self.semantic)?;
        line(f, "oov syntactic", &self.syntactic)?;
        write!(
            f,
            "{:<24} {:>8}  {}/{} scored of {} skipped questions ({} with the answer outside \
             the candidates, {} without vectors)",
            "oov total",
            percent(&self.total),
            self.total.correct,
            self.total.seen,
            self.skipped,
            self.answer_not_candidate,
            self.no_vector
        )
    }
}

/// Scores what [`evaluate_analogies`] skips: a question with a word outside the restricted
/// vocabulary takes that word's vector from the whole vocabulary, or else from its
/// character n-grams (as written in the file); candidates are the `restrict` most frequent
/// words as in the standard protocol.
pub fn evaluate_analogies_oov(
    vectors: &Vectors,
    sections: &[Section],
    restrict: usize,
    method: Method,
) -> OovAnalogyReport {
    let emb = &vectors.embeddings;
    let n = restrict.min(emb.len());
    let restricted = lowercase_index(&emb.words[..n]);
    let everything = lowercase_index(&emb.words);
    let dim = emb.dim();
    // Unit vectors of question words outside the candidates, rows n.. of the scored matrix.
    let mut made: Vec<f32> = Vec::new();
    let mut made_rows: HashMap<String, Option<usize>> = HashMap::new();
    let mut row_of = |word: &str| -> Option<usize> {
        let lower = word.to_lowercase();
        if let Some(&row) = restricted.get(&lower) {
            return Some(row);
        }
        if let Some(&row) = made_rows.get(word) {
            return row;
        }
        let v = match everything.get(&lower) {
            Some(&row) => Some(emb.vector(row).to_vec()),
            None => vectors.oov_vector(word).ok(),
        };
        let row = v.map(|mut v| {
            let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
            if norm > 0.0 {
                v.iter_mut().for_each(|x| *x /= norm);
            }
            made.extend_from_slice(&v);
            n + made.len() / dim - 1
        });
        made_rows.insert(word.to_string(), row);
        row
    };
    let (mut rows, mut owner) = (Vec::new(), Vec::new());
    let (mut skipped, mut no_vector, mut answer_not_candidate) = (0, 0, 0);
    for (s, section) in sections.iter().enumerate() {
        for q in &section.questions {
            if q.iter().all(|w| restricted.contains_key(&w.to_lowercase())) {
                continue;
            }
            skipped += 1;
            let [a, b, c] = [&q[0], &q[1], &q[2]].map(|w| row_of(w));
            let (Some(a), Some(b), Some(c)) = (a, b, c) else {
                no_vector += 1;
                continue;
            };
            let d = match restricted.get(&q[3].to_lowercase()) {
                Some(&d) => d,
                None => {
                    answer_not_candidate += 1;
                    usize::MAX
                }
            };
            rows.push([a, b, c, d]);
            owner.push(s);
        }
    }
    let mut scored = normalize_rows(emb.vectors.slice(s![..n, ..]));
    let extra = made.len() / dim.max(1);
    if extra > 0 {
        let made = ndarray::Array2::from_shape_vec((extra, dim), made).expect("whole rows");
        scored.append(Axis(0), made.view()).expect("same dimension");
    }
    let max_words = (BATCH_FLOATS / n.max(1)).clamp(48, 3072);
    let predicted = answers(scored.view(), n, &rows, method, max_words);
    let mut scores = vec![Score::default(); sections.len()];
    for ((q, &s), p) in rows.iter().zip(&owner).zip(predicted) {
        scores[s].seen += 1;
        scores[s].correct += usize::from(q[3] != usize::MAX && p == q[3]);
    }
    let split = SEMANTIC_SECTIONS.min(scores.len());
    OovAnalogyReport {
        skipped,
        semantic: Score::sum(&scores[..split]),
        syntactic: Score::sum(&scores[split..]),
        total: Score::sum(&scores),
        answer_not_candidate,
        no_vector,
        sections: sections
            .iter()
            .zip(scores)
            .map(|(s, score)| SectionScore {
                name: s.name.clone(),
                questions: s.questions.len(),
                score,
            })
            .collect(),
    }
}

/// Predicted row per question among the first `candidates` rows of `normed` (`usize::MAX`
/// if every row was excluded); question words may be any row. Batches turn the scoring
/// into matrix products, which is what makes a full run take about a second.
fn answers(
    normed: ArrayView2<f32>,
    candidates: usize,
    questions: &[[usize; 4]],
    method: Method,
    max_words: usize,
) -> Vec<usize> {
    // Contiguous rows make the per-product packing of the big operand cheaper.
    let normed_t = normed
        .slice(s![..candidates, ..])
        .t()
        .as_standard_layout()
        .into_owned();
    let direct_ok = method == Method::Add;
    batches(questions, max_words.max(3), direct_ok, MAX_BATCH_QUESTIONS)
        .into_par_iter()
        .map(|batch| answer_batch(normed, normed_t.view(), batch, method))
        .collect::<Vec<_>>()
        .concat()
}

/// Consecutive runs of questions whose score matrix fits `max_rows` rows: either one row per
/// distinct a, b, c word, or (if `direct_ok`) one per question. Real files cycle through few
/// words, so their batches grow long and share one small cosine table.
fn batches(
    questions: &[[usize; 4]],
    max_rows: usize,
    direct_ok: bool,
    max_questions: usize,
) -> Vec<&[[usize; 4]]> {
    let (mut out, mut start, mut words) = (Vec::new(), 0, HashSet::<usize>::new());
    for (i, q) in questions.iter().enumerate() {
        let new = q[..3].iter().filter(|w| !words.contains(*w)).count();
        let fits = words.len() + new <= max_rows || (direct_ok && i - start < max_rows);
        if i > start && (!fits || i - start == max_questions) {
            out.push(&questions[start..i]);
            (start, words) = (i, HashSet::new());
        }
        words.extend(&q[..3]);
    }
    if start < questions.len() {
        out.push(&questions[start..]);
    }
    out
}

fn answer_batch(
    normed: ArrayView2<f32>,
    normed_t: ArrayView2<f32>,
    qs: &[[usize; 4]],
    method: Method,
) -> Vec<usize> {
    let mut words: Vec<usize> = qs.iter().flat_map(|q| q[..3].to_vec()).collect();
    words.sort_unstable();
    words.dedup();
    if method == Method::Add && words.len() >= qs.len() {
        // Mostly distinct words: dot(x, b̂ - â + ĉ) sums the three cosines in one row per question.
        let gather = |col: usize| {
            let rows: Vec<usize> = qs.iter().map(|q| q[col]).collect();
            normed.select(Axis(0), &rows)
        };
        let target = gather(1) - gather(0) + gather(2);
        let mut scores = target.dot(&normed_t);
        return qs
            .iter()
            .zip(scores.rows_mut())
            .map(|(q, mut row)| argmax_excluding(row.as_slice_mut().expect("row-major"), q))
            .collect();
    }
    // Otherwise one cosine row per distinct word, combined per question.
    let cos = normed.select(Axis(0), &words).dot(&normed_t);
    let row = |w: usize| {
        let i = words.binary_search(&w).expect("question word in table");
        cos.row(i).to_slice().expect("row-major")
    };
    let mut buf = vec![0.0f32; normed_t.ncols()];
    qs.iter()
        .map(|q| {
            let (ca, cb, cc) = (row(q[0]), row(q[1]), row(q[2]));
            let rows = buf.iter_mut().zip(ca).zip(cb).zip(cc);
            // One loop per method, so each is compiled with its formula inlined.
            match method {
                Method::Add => {
                    rows.for_each(|(((out, &a), &b), &c)| *out = Method::Add.combine(a, b, c))
                }
                Method::Mul => {
                    rows.for_each(|(((out, &a), &b), &c)| *out = Method::Mul.combine(a, b, c))
                }
            }
            argmax_excluding(&mut buf, q)
        })
        .collect()
}

/// First (most frequent) row with the highest score, ignoring the three question words;
/// `usize::MAX` if nothing is left. Lane-wise maxima first, because a branchy index-tracking
/// scan over every candidate was a noticeable share of the run time.
fn argmax_excluding(scores: &mut [f32], q: &[usize; 4]) -> usize {
    for &row in &q[..3] {
        // Question words outside the candidates (vectors made for them) exclude nothing.
        if let Some(score) = scores.get_mut(row) {
            *score = f32::NEG_INFINITY;
        }
    }
    let mut lanes = [f32::NEG_INFINITY; 8];
    let chunks = scores.chunks_exact(8);
    let tail = chunks
        .remainder()
        .iter()
        .fold(f32::NEG_INFINITY, |m, &v| m.max(v));
    for chunk in chunks {
        for (lane, &v) in lanes.iter_mut().zip(chunk) {
            *lane = if v > *lane { v } else { *lane };
        }
    }
    let best = lanes.iter().fold(tail, |m, &v| m.max(v));
    if best == f32::NEG_INFINITY {
        return usize::MAX;
    }
    scores.iter().position(|&v| v == best).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{array, Array2};
    use rand::{rngs::SmallRng, Rng, SeedableRng};

    fn emb(words: &[&str], vectors: Array2<f32>) -> Embeddings {
        Embeddings::new(words.iter().map(|w| w.to_string()).collect(), vectors)
    }

    fn section(name: &str, questions: &[&str]) -> Section {
        Section {
            name: name.to_string(),
            questions: questions
                .iter()
                .map(|q| {
                    let w: Vec<String> = q.split_whitespace().map(String::from).collect();
                    w.try_into().unwrap()
                })
                .collect(),
        }
    }

    fn total(e: &Embeddings, sections: &[Section], restrict: usize, m: Method) -> (usize, usize) {
        let t = evaluate_analogies(e, sections, restrict, m).total;
        (t.correct, t.seen)
    }

    /// man = e0, woman = e1, king = e0 + e2, queen = e1 + e2, so king - man + woman = queen.
    fn royals() -> Embeddings {
        let r = std::f32::consts::FRAC_1_SQRT_2;
        let p = 1.0 / 3f32.sqrt();
        emb(
            &["man", "woman", "king", "queen", "apple", "prince"],
            array![
                [1.0, 0.0, 0.0, 0.0],
                [0.0, 1.0, 0.0, 0.0],
                [r, 0.0, r, 0.0],
                [0.0, r, r, 0.0],
                [0.0, 0.0, 0.0, 1.0],
                [p, 0.0, p, p],
            ],
        )
    }

    #[test]
    fn add_and_mul_solve_constructed_analogy() {
        let e = royals();
        let s = [section(
            "royal",
            &["man king woman queen", "woman queen man king"],
        )];
        for m in [Method::Add, Method::Mul] {
            assert_eq!(total(&e, &s, 100, m), (2, 2), "{m:?}");
        }
    }

    #[test]
    fn question_words_are_excluded() {
        // b is nearly a, so the target is nearly c itself; only exclusion lets d win.
        let e = emb(
            &["x", "y", "z", "w", "v"],
            array![
                [1.0, 0.0, 0.0, 0.0],
                [1.0, 0.1, 0.0, 0.0],
                [0.0, 0.0, 1.0, 0.0],
                [0.0, 0.0, 1.0, 0.5],
                [0.0, 0.0, 0.0, 1.0],
            ],
        );
        let n = e.normalized();
        let target = &n.row(1) - &n.row(0) + n.row(2);
        assert!(
            n.row(2).dot(&target) > n.row(3).dot(&target),
            "premise: c is nearest"
        );
        let s = [section("s", &["x y z w"])];
        for m in [Method::Add, Method::Mul] {
            assert_eq!(total(&e, &s, 5, m), (1, 1), "{m:?}");
        }
    }

    #[test]
    fn restriction_skips_questions_and_candidates() {
        let e = royals();
        let s = [section(
            "royal",
            &["man king woman queen", "man woman king queen"],
        )];
        // queen is row 3: restricting to 3 rows drops both questions.
        let r = evaluate_analogies(&e, &s, 3, Method::Add);
        assert_eq!((r.total.seen, r.questions, r.restrict), (0, 2, 3));
        assert_eq!(r.total.accuracy(), None);
        // Restriction larger than the vocabulary is clamped, not an error.
        assert_eq!(evaluate_analogies(&e, &s, 1000, Method::Add).restrict, 6);
        assert_eq!(total(&e, &s, 0, Method::Mul), (0, 0));
        // A rare row pointing exactly at king - man + woman beats queen only when it is a candidate.
        let mut e = royals();
        let t = [-0.2929, 1.0, std::f32::consts::FRAC_1_SQRT_2, 0.0];
        e.vectors.push_row(ndarray::ArrayView1::from(&t)).unwrap();
        e.words.push("queenly".into());
        let s = [section("royal", &["man king woman queen"])];
        assert_eq!(total(&e, &s, 7, Method::Add), (0, 1));
        assert_eq!(total(&e, &s, 6, Method::Add), (1, 1));
    }

    #[test]
    fn seen_questions_are_split_by_the_answers_rank() {
        // The royals, then filler words, then a rare twin of "queen" at rank 1,003.
        let e = royals();
        let mut words: Vec<String> = e.words.clone();
        let mut vectors = e.vectors.clone();
        for i in words.len()..1_002 {
            words.push(format!("filler{i}"));
            vectors
                .push_row(ndarray::ArrayView1::from(&[0.0, 0.0, 0.0, 1.0]))
                .unwrap();
        }
        words.push("queenly".into());
        let queen = vectors.row(3).to_owned();
        vectors.push_row(queen.view()).unwrap();
        let e = Embeddings::new(words, vectors);
        let s = [section(
            "royal",
            &["man king woman queen", "man king woman queenly"],
        )];
        let r = evaluate_analogies(&e, &s, 30_000, Method::Add);
        let bands: Vec<(usize, usize, usize, usize)> = r
            .answer_ranks
            .iter()
            .map(|b| (b.first, b.last, b.score.correct, b.score.seen))
            .collect();
        // The tie between queen and its twin goes to the more frequent word.
        assert_eq!(bands, [(1, 1000, 1, 1), (1001, 1003, 0, 1)]);
        assert!(r.to_string().contains("answer rank 1001-1003"));
    }

    #[test]
    fn case_insensitive_uses_most_frequent_duplicate() {
        let r = std::f32::consts::FRAC_1_SQRT_2;
        // "Queen" (row 3) is the real answer; the rarer "queen" (row 5) points elsewhere.
        let e = emb(
            &["man", "woman", "King", "Queen", "apple", "queen", "king"],
            array![
                [1.0, 0.0, 0.0, 0.0],
                [0.0, 1.0, 0.0, 0.0],
                [r, 0.0, r, 0.0],
                [0.0, r, r, 0.0],
                [0.0, 0.0, 0.0, 1.0],
                [0.0, 0.0, 0.0, -1.0],
                [-1.0, 0.0, 0.0, 0.0],
            ],
        );
        let s = [section("s", &["MAN king Woman QUEEN"])];
        assert_eq!(total(&e, &s, 7, Method::Add), (1, 1));
        // Restricted to 5 rows, lowercase "queen" still resolves to "Queen".
        assert_eq!(total(&e, &s, 5, Method::Add), (1, 1));
    }

    #[test]
    fn totals_split_semantic_and_syntactic() {
        let e = royals();
        let good = "man king woman queen";
        let wrong = "king man queen apple";
        let unseen = "man king woman duchess";
        let sections: Vec<Section> = [
            &[good, wrong][..],
            &[good],
            &[unseen],
            &[wrong, wrong],
            &[good, unseen],
            &[good, good, wrong],
            &[],
        ]
        .iter()
        .enumerate()
        .map(|(i, q)| section(&format!("s{i}"), q))
        .collect();
        let r = evaluate_analogies(&e, &sections, 6, Method::Add);
        let got: Vec<(usize, usize, usize)> = r
            .sections
            .iter()
            .map(|s| (s.score.correct, s.score.seen, s.questions))
            .collect();
        assert_eq!(
            got,
            [
                (1, 2, 2),
                (1, 1, 1),
                (0, 0, 1),
                (0, 2, 2),
                (1, 1, 2),
                (2, 3, 3),
                (0, 0, 0)
            ]
        );
        assert_eq!(
            r.semantic,
            Score {
                correct: 3,
                seen: 6
            }
        );
        assert_eq!(
            r.syntactic,
            Score {
                correct: 2,
                seen: 3
            }
        );
        assert_eq!(
            r.total,
            Score {
                correct: 5,
                seen: 9
            }
        );
        assert_eq!(r.questions, 11);
        let expected = "\
s0         50.00 %  1/2
s1        100.00 %  1/1
s2             n/a  0/0
s3          0.00 %  0/2
s4        100.00 %  1/1
s5         66.67 %  2/3
s6             n/a  0/0
semantic   50.00 %  3/6
syntactic  66.67 %  2/3
total      55.56 %  5/9 seen of 11 questions";
        assert_eq!(r.to_string(), expected);
    }

    /// Straightforward per-question scoring in f64 with separate cosines.
    fn naive(n: &Array2<f32>, q: &[usize; 4], method: Method) -> usize {
        let cos = |i: usize, j: usize| -> f64 {
            n.row(i)
                .iter()
                .zip(n.row(j))
                .map(|(&x, &y)| x as f64 * y as f64)
                .sum()
        };
        let mut best = (usize::MAX, f64::NEG_INFINITY);
        for x in (0..n.nrows()).filter(|x| !q[..3].contains(x)) {
            let (a, b, c) = (cos(x, q[0]), cos(x, q[1]), cos(x, q[2]));
            let score = match method {
                Method::Add => b - a + c,
                Method::Mul => (b + 1.0) / 2.0 * (c + 1.0) / 2.0 / ((a + 1.0) / 2.0 + 1e-3),
            };
            if score > best.1 {
                best = (x, score);
            }
        }
        best.0
    }

    #[test]
    fn batched_scoring_matches_naive_loop() {
        let mut rng = SmallRng::seed_from_u64(7);
        let (v, d) = (400, 16);
        let m = Array2::from_shape_fn((v, d), |_| rng.random_range(-1.0f32..1.0));
        let n = normalize_rows(m.view());
        // Words from the whole vocabulary take the one-row-per-question path for 3CosAdd; words
        // from a small pool (like real files) take the shared cosine-table path.
        for pool in [v, 12] {
            let qs: Vec<[usize; 4]> = (0..300)
                .map(|_| std::array::from_fn(|_| rng.random_range(0..pool)))
                .collect();
            for method in [Method::Add, Method::Mul] {
                let expected: Vec<usize> = qs.iter().map(|q| naive(&n, q, method)).collect();
                for max_words in [3, 10, 64, 1000] {
                    let got = answers(n.view(), n.nrows(), &qs, method, max_words);
                    assert_eq!(
                        got, expected,
                        "{method:?} pool {pool} max_words {max_words}"
                    );
                }
            }
        }
    }

    #[test]
    fn batches_respect_word_and_question_limits() {
        let mut rng = SmallRng::seed_from_u64(3);
        let qs: Vec<[usize; 4]> = (0..500)
            .map(|_| std::array::from_fn(|_| rng.random_range(0..30)))
            .collect();
        for (max_rows, max_questions) in [(3, 1000), (10, 1000), (40, 64), (100, 7)] {
            for direct_ok in [false, true] {
                let b = batches(&qs, max_rows, direct_ok, max_questions);
                assert_eq!(b.concat(), qs);
                for batch in b {
                    let words: HashSet<usize> =
                        batch.iter().flat_map(|q| q[..3].to_vec()).collect();
                    let rows = if direct_ok {
                        words.len().min(batch.len())
                    } else {
                        words.len()
                    };
                    assert!(rows <= max_rows && batch.len() <= max_questions);
                }
            }
        }
    }

    fn parse(text: &str) -> Result<Parsed<Vec<Section>>> {
        parse_questions(text.as_bytes(), Path::new("q.txt"))
    }

    #[test]
    fn parses_sections_and_skips_bad_lines_with_warnings() {
        let text = ": capital\nAthens Greece Baghdad Iraq\n\n:  gram1 \n a  b\tc d \n";
        let p = parse(text).unwrap();
        let s = &p.value;
        assert_eq!(s.len(), 2);
        assert_eq!(
            (s[0].name.as_str(), s[1].name.as_str()),
            ("capital", "gram1")
        );
        assert_eq!(s[1].questions, [["a", "b", "c", "d"].map(String::from)]);
        assert!(p.warnings.is_empty());

        let p = parse("a b c d\n: s\na b c d\n\na b c\na b c d e\n:\nw x y z\n").unwrap();
        let warnings: Vec<String> = p.warnings.iter().map(|w| w.to_string()).collect();
        assert_eq!(
            warnings,
            [
                "q.txt:1: question before the first ': section' line, skipped",
                "q.txt:5: expected 4 words, found 3, skipped",
                "q.txt:6: expected 4 words, found 5, skipped",
                "q.txt:7: section header without a name; calling it 'line 7'",
            ]
        );
        let names: Vec<(&str, usize)> = p
            .value
            .iter()
            .map(|s| (s.name.as_str(), s.questions.len()))
            .collect();
        assert_eq!(names, [("s", 1), ("line 7", 1)]);
    }

    #[test]
    fn a_file_without_questions_is_an_error() {
        for (text, detail) in [
            ("", "no analogy questions found"),
            ("\n\n", "no analogy questions found"),
            (": s\n: t\n", "no analogy questions found"),
            (
                "a b c d\na b c d\n",
                "no analogy questions found (2 lines skipped; line 1: question before",
            ),
            (
                ": s\nthe quick brown fox jumps\n",
                "(1 line skipped; line 2: expected 4 words, found 5, skipped)",
            ),
        ] {
            let e = parse(text).unwrap_err();
            assert!(matches!(e, Error::Format { .. }), "{e:?}");
            assert!(e.to_string().starts_with("q.txt: "), "{e}");
            assert!(e.to_string().contains(detail), "{text:?}: {e}");
        }
    }

    #[test]
    fn non_utf8_questions_decode_lossily() {
        let p = parse_questions(&b": s\ncaf\xc3 a b c\n"[..], Path::new("q.txt")).unwrap();
        assert_eq!(p.value[0].questions[0][0], "caf\u{fffd}");
    }

    /// With one bucket every n-gram shares one row, so an OOV word's vector is that row.
    #[test]
    fn oov_questions_use_ngram_vectors_and_are_reported_apart() {
        use crate::subwords::NgramSettings;
        use crate::vectors::NgramVectors;
        let e = royals();
        let settings = NgramSettings::new(3, 4, 1).unwrap();
        // The shared row points where "king" does.
        let row = array![[1.0f32, 0.0, 1.0, 0.0]];
        let vectors = Vectors {
            embeddings: e.clone(),
            ngrams: Some(NgramVectors::dense(settings, row, 0).unwrap()),
        };
        let s = [
            section(
                "royal",
                &[
                    "man king woman queen",
                    "man kingly woman queen",
                    "man king woman queenly",
                    "man xy woman queen",
                ],
            ),
            section("apples", &["apple apples man woman"]),
        ];
        for method in [Method::Add, Method::Mul] {
            let standard = evaluate_analogies(&e, &s, 100, method);
            assert_eq!((standard.total.correct, standard.total.seen), (1, 1));
            let oov = evaluate_analogies_oov(&vectors, &s, 100, method);
            assert_eq!(oov.skipped, 4, "{method:?}");
            // "xy" (<xy> is 4 characters) has n-grams; nothing is left without a vector.
            assert_eq!(oov.no_vector, 0);
            assert_eq!(oov.answer_not_candidate, 1);
            assert_eq!(oov.total.seen, 4);
            // kingly = king: queen; queenly is no candidate; xy = king: queen again.
            assert_eq!(
                oov.sections[0].score,
                Score {
                    correct: 2,
                    seen: 3
                },
                "{method:?}"
            );
            assert_eq!(oov.semantic.seen, 4);
            assert_eq!(oov.syntactic.seen, 0);
        }
        // With 8-character n-grams "xy" has none (no vector) while <kingly> is one.
        let long = NgramSettings::new(8, 8, 1).unwrap();
        let vectors = Vectors {
            embeddings: e,
            ngrams: Some(NgramVectors::dense(long, array![[1.0f32, 0.0, 1.0, 0.0]], 0).unwrap()),
        };
        let oov = evaluate_analogies_oov(&vectors, &s[..1], 100, Method::Add);
        assert_eq!((oov.no_vector, oov.total.seen), (1, 2));
    }
}
