//! Centre-word prediction through the hierarchical-softmax tree: best-first search must give
//! exactly the brute-force top k, and the leaf probabilities must form a distribution.

use std::path::Path;
use std::time::Instant;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use w2v::model::{Model, Settings, TreeKind};
use w2v::predict::{
    brute_force_top_k, full_distribution, hidden_from_context, predict_top_k, Predictor,
};
use w2v::vocab::Vocab;
use w2v::Error;

/// A model over `counts` (sorted descending) with input and node vectors uniform in ±`scale`.
fn random_model(counts: Vec<u64>, dim: usize, scale: f32, seed: u64) -> Model {
    random_model_with(counts, dim, scale, seed, TreeKind::Huffman)
}

fn random_model_with(counts: Vec<u64>, dim: usize, scale: f32, seed: u64, tree: TreeKind) -> Model {
    let words = (0..counts.len()).map(|i| format!("w{i}")).collect();
    let settings = Settings {
        dim,
        seed,
        tree,
        ..Default::default()
    };
    let mut model = Model::new(settings, Vocab::new(words, counts));
    let mut rng = SmallRng::seed_from_u64(seed ^ 0x5eed);
    for x in model.input.iter_mut().chain(model.nodes.iter_mut()) {
        *x = rng.random_range(-scale..scale);
    }
    model
}

fn random_counts(rng: &mut SmallRng, v: usize) -> Vec<u64> {
    let mut counts: Vec<u64> = (0..v).map(|_| rng.random_range(1..100_000)).collect();
    counts.sort_unstable_by(|a, b| b.cmp(a));
    counts
}

/// Fibonacci numbers, largest first: the most skewed Huffman tree, one leaf per level.
fn fibonacci_counts(n: usize) -> Vec<u64> {
    let mut fib = vec![1u64, 1];
    while fib.len() < n {
        fib.push(fib[fib.len() - 1] + fib[fib.len() - 2]);
    }
    fib.truncate(n);
    fib.reverse();
    fib
}

/// Zipf-like counts, as a real vocabulary has.
fn zipf_counts(v: usize) -> Vec<u64> {
    (0..v).map(|r| 10_000_000 / (r as u64 + 1)).collect()
}

fn random_context(rng: &mut SmallRng, v: usize) -> Vec<u32> {
    let n = rng.random_range(1..=6);
    (0..n).map(|_| rng.random_range(0..v as u32)).collect()
}

/// P(word | hidden) computed independently of the library: a plain product of sigmoids.
fn path_probability(model: &Model, hidden: &[f32], word: u32) -> f64 {
    let dim = model.dim();
    let path = model.tree.as_ref().unwrap().path(word);
    path.points
        .iter()
        .zip(path.codes)
        .map(|(&row, &code)| {
            let node = &model.nodes[row as usize * dim..(row as usize + 1) * dim];
            let f: f64 = hidden
                .iter()
                .zip(node)
                .map(|(a, b)| *a as f64 * *b as f64)
                .sum();
            let s = 1.0 / (1.0 + (-f).exp());
            if code == 0 {
                s
            } else {
                1.0 - s
            }
        })
        .product()
}

/// Several shapes of tree and sharpness of distribution, 1,000 contexts in all.
fn models() -> Vec<(&'static str, Model)> {
    let mut rng = SmallRng::seed_from_u64(11);
    vec![
        ("V=2", random_model(vec![3, 1], 8, 1.0, 1)),
        ("V=3", random_model(vec![5, 5, 5], 8, 1.0, 2)),
        ("V=17", random_model(random_counts(&mut rng, 17), 8, 1.0, 3)),
        (
            "V=300",
            random_model(random_counts(&mut rng, 300), 8, 1.0, 4),
        ),
        (
            "V=3000 sharp",
            random_model(random_counts(&mut rng, 3000), 8, 2.0, 5),
        ),
        ("V=3000 zipf", random_model(zipf_counts(3000), 16, 1.0, 6)),
        (
            "fibonacci V=85",
            random_model(fibonacci_counts(85), 8, 1.0, 7),
        ),
        (
            "balanced V=5",
            random_model_with(vec![9, 7, 5, 3, 1], 8, 1.0, 9, TreeKind::Balanced),
        ),
        (
            "balanced zipf V=2500",
            random_model_with(zipf_counts(2500), 8, 1.0, 10, TreeKind::Balanced),
        ),
        (
            "fibonacci+flat tail V=2060",
            random_model(
                fibonacci_counts(60)
                    .into_iter()
                    .chain(std::iter::repeat_n(1, 2000))
                    .collect(),
                8,
                1.0,
                8,
            ),
        ),
    ]
}

#[test]
fn best_first_top_k_equals_brute_force_on_random_models() {
    let models = models();
    let per_model = 1000 / models.len();
    let mut rng = SmallRng::seed_from_u64(99);
    for (name, model) in &models {
        let v = model.vocab.len();
        let predictor = Predictor::new(model).unwrap();
        let mut visited = Vec::with_capacity(per_model);
        for q in 0..per_model {
            let hidden = hidden_from_context(model, &random_context(&mut rng, v));
            // Mostly k = 10; sometimes 1 or more than V.
            let k = match q % 10 {
                0 => 1,
                1 => v + 3,
                _ => 10,
            };
            let best = predictor.top_k(&hidden, k);
            let brute = brute_force_top_k(model, &hidden, k).unwrap();
            assert_eq!(best.top.len(), k.min(v));
            let words = |p: &[w2v::predict::Prediction]| p.iter().map(|p| p.word).collect();
            let (got, want): (Vec<u32>, Vec<u32>) = (words(&best.top), words(&brute));
            assert_eq!(got, want, "{name}, query {q}, k {k}");
            for (b, r) in best.top.iter().zip(&brute) {
                assert!((b.probability - r.probability).abs() <= 1e-9, "{name}");
                let independent = path_probability(model, &hidden, b.word);
                assert!(
                    (b.probability - independent).abs() <= 1e-9,
                    "{name}: {} vs {independent}",
                    b.probability
                );
            }
            assert!(best
                .top
                .windows(2)
                .all(|w| w[0].probability >= w[1].probability));
            assert!(best.nodes_visited < 2 * v, "more visits than tree nodes");
            if k == 10 {
                visited.push(best.nodes_visited);
            }
        }
        let mean = visited.iter().sum::<usize>() as f64 / visited.len() as f64;
        let max = visited.iter().max().unwrap();
        println!(
            "{name}: top-10 visited mean {mean:.1}, max {max} of {} nodes (V = {v}, mean {:.1} % of V)",
            2 * v - 1,
            100.0 * mean / v as f64
        );
        if v >= 300 {
            assert!(
                mean < v as f64,
                "{name}: mean visits {mean} not below V = {v}"
            );
        }
    }
}

#[test]
fn full_distribution_sums_to_one_and_matches_the_search() {
    let mut rng = SmallRng::seed_from_u64(5);
    for (name, model) in &models() {
        let v = model.vocab.len();
        for _ in 0..20 {
            let hidden = hidden_from_context(model, &random_context(&mut rng, v));
            let dist = full_distribution(model, &hidden).unwrap();
            assert_eq!(dist.len(), v);
            let sum: f64 = dist.iter().sum();
            assert!((sum - 1.0).abs() <= 1e-9, "{name}: sums to {sum}");
            assert!(dist.iter().all(|&p| (0.0..=1.0).contains(&p)));
            let all = predict_top_k(model, &hidden, v).unwrap();
            assert_eq!(all.top.len(), v);
            for p in &all.top {
                assert!((p.probability - dist[p.word as usize]).abs() <= 1e-12);
            }
        }
    }
}

/// A zero hidden vector makes every branch a coin flip: P(w) = 2^-depth(w).
#[test]
fn empty_context_gives_probability_one_half_per_level() {
    let model = random_model(fibonacci_counts(30), 4, 1.0, 3);
    let hidden = hidden_from_context(&model, &[]);
    assert!(hidden.iter().all(|&x| x == 0.0));
    let tree = model.tree.as_ref().unwrap();
    let dist = full_distribution(&model, &hidden).unwrap();
    for (w, p) in dist.iter().enumerate() {
        let depth = tree.code_len(w as u32) as i32;
        assert!((p - 0.5f64.powi(depth)).abs() < 1e-15, "word {w}");
    }
    let top = predict_top_k(&model, &hidden, 3).unwrap();
    let words: Vec<u32> = top.top.iter().map(|p| p.word).collect();
    assert_eq!(words, [0, 1, 2], "shallowest leaves first");
}

#[test]
fn hidden_is_the_mean_of_the_context_vectors() {
    let model = random_model(vec![4, 3, 2, 1], 3, 1.0, 9);
    let row = |w: usize| &model.input[w * 3..w * 3 + 3];
    let h = hidden_from_context(&model, &[1, 3]);
    for (i, x) in h.iter().enumerate() {
        assert!((x - (row(1)[i] + row(3)[i]) / 2.0).abs() < 1e-6);
    }
}

#[test]
fn zero_k_visits_nothing() {
    let model = random_model(vec![4, 3, 2, 1], 3, 1.0, 9);
    let r = predict_top_k(&model, &[0.1, 0.2, 0.3], 0).unwrap();
    assert!(r.top.is_empty());
    assert_eq!(r.nodes_visited, 0);
}

#[test]
fn a_model_without_a_tree_is_a_usage_error() {
    let settings = Settings {
        dim: 4,
        hs: false,
        negative: 5,
        ..Default::default()
    };
    let model = Model::new(
        settings,
        Vocab::new(vec!["a".into(), "b".into()], vec![2, 1]),
    );
    let hidden = hidden_from_context(&model, &[0]);
    let err = predict_top_k(&model, &hidden, 10).unwrap_err();
    assert!(matches!(err, Error::Unsupported(_)), "{err}");
    assert!(err.to_string().contains("hierarchical softmax"));
    assert!(full_distribution(&model, &hidden).is_err());
    assert!(brute_force_top_k(&model, &hidden, 1).is_err());
}

/// Nodes visited on a real skip-gram + HS model (V = 62,497 trained on 10.8M words):
/// 1,000 contexts of 4 distinct words from the 10,000 most frequent, k = 10. The model path
/// can be overridden with W2V_PREDICT_MODEL.
///
/// cargo test --release --test predict -- --ignored --nocapture
#[test]
#[ignore = "needs a trained model at /tmp/sg_hs_g.w2v or $W2V_PREDICT_MODEL"]
fn nodes_visited_on_a_real_model() {
    let path = std::env::var("W2V_PREDICT_MODEL").unwrap_or_else(|_| "/tmp/sg_hs_g.w2v".into());
    let model = w2v::formats::native::read_path(Path::new(&path)).unwrap();
    let v = model.vocab.len();
    let predictor = Predictor::new(&model).unwrap();
    let mut rng = SmallRng::seed_from_u64(20_240_601);
    let hiddens: Vec<Vec<f32>> = (0..1000)
        .map(|_| {
            let context: Vec<u32> = rand::seq::index::sample(&mut rng, 10_000.min(v), 4.min(v))
                .into_iter()
                .map(|w| w as u32)
                .collect();
            hidden_from_context(&model, &context)
        })
        .collect();

    let start = Instant::now();
    let results: Vec<_> = hiddens.iter().map(|h| predictor.top_k(h, 10)).collect();
    let search = start.elapsed() / hiddens.len() as u32;

    let mut visits: Vec<usize> = results.iter().map(|r| r.nodes_visited).collect();
    visits.sort_unstable();
    let mean = visits.iter().sum::<usize>() as f64 / visits.len() as f64;
    let pct = |q: f64| visits[((visits.len() - 1) as f64 * q) as usize];

    let start = Instant::now();
    for h in &hiddens[..100] {
        predict_top_k(&model, h, 10).unwrap();
    }
    let with_setup = start.elapsed() / 100;

    let start = Instant::now();
    for (h, r) in hiddens[..50].iter().zip(&results) {
        let brute = brute_force_top_k(&model, h, 10).unwrap();
        let words: Vec<u32> = brute.iter().map(|p| p.word).collect();
        let got: Vec<u32> = r.top.iter().map(|p| p.word).collect();
        assert_eq!(got, words);
    }
    let brute = start.elapsed() / 50;

    println!(
        "V = {v}, {} tree nodes; top-10 over {} contexts of 4 words:\n\
         nodes visited mean {mean:.1} ({:.2} % of V), median {}, 90th pct {}, max {} ({:.2} % of V)\n\
         per query: search {search:?} (shared Predictor), {with_setup:?} with predict_top_k \
         (builds the child table), brute force {brute:?}",
        2 * v - 1,
        hiddens.len(),
        100.0 * mean / v as f64,
        pct(0.5),
        pct(0.9),
        visits[visits.len() - 1],
        100.0 * visits[visits.len() - 1] as f64 / v as f64,
    );
    assert!(mean <= 0.05 * v as f64, "mean visits {mean} above 5 % of V");
}
