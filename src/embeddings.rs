//! Word vectors without training state: what export writes, what eval and queries read.

use ndarray::{Array2, ArrayView1};

/// Words in rank order (most frequent first) with one vector row each.
#[derive(Debug, Clone, PartialEq)]
pub struct Embeddings {
    pub words: Vec<String>,
    pub vectors: Array2<f32>,
}

impl Embeddings {
    pub fn new(words: Vec<String>, vectors: Array2<f32>) -> Self {
        assert_eq!(words.len(), vectors.nrows(), "one vector row per word");
        Embeddings { words, vectors }
    }

    pub fn len(&self) -> usize {
        self.words.len()
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    pub fn dim(&self) -> usize {
        self.vectors.ncols()
    }

    pub fn vector(&self, row: usize) -> ArrayView1<'_, f32> {
        self.vectors.row(row)
    }

    /// Rows scaled to unit length (zero rows stay zero), for cosine scoring by dot products.
    pub fn normalized(&self) -> Array2<f32> {
        let mut out = self.vectors.clone();
        for mut row in out.rows_mut() {
            let norm = row.dot(&row).sqrt();
            if norm > 0.0 {
                row /= norm;
            }
        }
        out
    }
}
