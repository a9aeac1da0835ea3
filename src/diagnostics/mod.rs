//! Gradient diagnostics for hierarchical softmax: how large the updates that reach each depth
//! of the tree and each frequency band of target words are, and how often a saturated sigmoid
//! skips them (`w2v train --diagnostics FILE.csv`, drawn by `w2v plot diagnostics`: see
//! [`crate::plots::diagnostics`]).
//!
//! Each training thread samples one hierarchical-softmax step in `SAMPLE_EVERY` and records
//! every node on that step's path, so the cost is one counter per step; the sample only reads,
//! so a run with diagnostics trains exactly the same model as one without.

use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::csv_numbers::{fixed, scientific};
use crate::csv_records::read_records;
use crate::error::{Error, Result};

/// One step in this many is recorded.
pub(crate) const SAMPLE_EVERY: u32 = 64;
/// Frequency bands: tenths of the vocabulary by rank, 1 = the most frequent tenth.
pub const BANDS: usize = 10;

/// Sums over the node updates that fell in one bucket.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Bucket {
    pub samples: u64,
    /// Σ |1 - code - σ(f)| as applied: 0 for a skipped (saturated) node.
    pub abs_grad: f64,
    /// Σ ‖change of the node row‖.
    pub update_norm: f64,
    pub saturated: u64,
}

impl Bucket {
    fn add(&mut self, abs_grad: f32, update_norm: f32, saturated: bool) {
        self.samples += 1;
        self.abs_grad += abs_grad as f64;
        self.update_norm += update_norm as f64;
        self.saturated += saturated as u64;
    }

    fn merge(&mut self, other: &Bucket) {
        self.samples += other.samples;
        self.abs_grad += other.abs_grad;
        self.update_norm += other.update_norm;
        self.saturated += other.saturated;
    }
}

/// The sampled node updates of one epoch, by depth (root = 0) and by the target's band.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GradientStats {
    pub by_depth: Vec<Bucket>,
    pub by_band: [Bucket; BANDS],
}

impl GradientStats {
    pub(crate) fn record(
        &mut self,
        depth: usize,
        band: usize,
        abs_grad: f32,
        update_norm: f32,
        saturated: bool,
    ) {
        if self.by_depth.len() <= depth {
            self.by_depth.resize(depth + 1, Bucket::default());
        }
        self.by_depth[depth].add(abs_grad, update_norm, saturated);
        self.by_band[band.min(BANDS - 1)].add(abs_grad, update_norm, saturated);
    }

    pub fn merge(&mut self, other: &GradientStats) {
        if self.by_depth.len() < other.by_depth.len() {
            self.by_depth
                .resize(other.by_depth.len(), Bucket::default());
        }
        for (a, b) in self.by_depth.iter_mut().zip(&other.by_depth) {
            a.merge(b);
        }
        for (a, b) in self.by_band.iter_mut().zip(&other.by_band) {
            a.merge(b);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.by_band.iter().all(|b| b.samples == 0)
    }
}

/// The frequency band of the word at `rank` in a vocabulary of `len` words.
pub(crate) fn band_of(rank: usize, len: usize) -> usize {
    (rank * BANDS / len.max(1)).min(BANDS - 1)
}

/// A training thread's sampler.
#[derive(Debug, Clone)]
pub struct Probe {
    countdown: u32,
    pub stats: GradientStats,
}

impl Default for Probe {
    fn default() -> Self {
        Probe {
            countdown: SAMPLE_EVERY,
            stats: GradientStats::default(),
        }
    }
}

impl Probe {
    /// True once every `SAMPLE_EVERY` calls: record this step.
    #[inline(always)]
    pub(crate) fn tick(&mut self) -> bool {
        self.countdown -= 1;
        if self.countdown == 0 {
            self.countdown = SAMPLE_EVERY;
            true
        } else {
            false
        }
    }
}

/// How a row's bucket is defined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Grouping {
    Depth,
    Band,
}

/// One line of the CSV: the means over one bucket in one epoch.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Row {
    pub epoch: u32,
    pub grouping: Grouping,
    /// Depth (root = 0) or band (1 = most frequent tenth of the vocabulary).
    pub bucket: usize,
    pub samples: u64,
    #[serde(serialize_with = "scientific::<6, _>")]
    pub mean_abs_grad: f64,
    #[serde(serialize_with = "scientific::<6, _>")]
    pub mean_update_norm: f64,
    #[serde(serialize_with = "fixed::<6, _, _>")]
    pub saturated_share: f64,
}

/// The CSV's columns, in order; they are also [`Row`]'s field names.
pub const CSV_FIELDS: [&str; 7] = [
    "epoch",
    "grouping",
    "bucket",
    "samples",
    "mean_abs_grad",
    "mean_update_norm",
    "saturated_share",
];

/// The rows of one epoch; empty buckets are left out.
pub fn rows(epoch: u32, stats: &GradientStats) -> Vec<Row> {
    let row = |grouping, bucket, b: &Bucket| Row {
        epoch,
        grouping,
        bucket,
        samples: b.samples,
        mean_abs_grad: b.abs_grad / b.samples as f64,
        mean_update_norm: b.update_norm / b.samples as f64,
        saturated_share: b.saturated as f64 / b.samples as f64,
    };
    let depths = stats.by_depth.iter().enumerate();
    let bands = stats.by_band.iter().enumerate();
    depths
        .filter(|(_, b)| b.samples > 0)
        .map(|(d, b)| row(Grouping::Depth, d, b))
        .chain(
            bands
                .filter(|(_, b)| b.samples > 0)
                .map(|(i, b)| row(Grouping::Band, i + 1, b)),
        )
        .collect()
}

/// Writes the header (even for no rows, so the file says what it is) and one line per row.
pub fn write_csv<W: Write>(rows: &[Row], out: W) -> std::io::Result<()> {
    let mut csv = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(out);
    csv.write_record(CSV_FIELDS)?;
    for r in rows {
        csv.serialize(r)?;
    }
    csv.flush()
}

/// Reads a file [`write_csv`] wrote; anything else is a one-line error naming the line.
pub fn read_csv(path: &Path) -> Result<Vec<Row>> {
    let rows = read_records(path, &CSV_FIELDS, "a w2v diagnostics file", |row: &Row| {
        let means = [
            ("mean_abs_grad", row.mean_abs_grad),
            ("mean_update_norm", row.mean_update_norm),
            ("saturated_share", row.saturated_share),
        ];
        means
            .iter()
            .find(|(_, v)| !(v.is_finite() && *v >= 0.0))
            .map(|(column, _)| format!("{column}: not a finite number >= 0"))
    })?;
    if rows.is_empty() {
        return Err(Error::format(path, "no diagnostics rows"));
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_samples_one_step_in_sample_every() {
        let mut p = Probe::default();
        let hits = (0..SAMPLE_EVERY * 10).filter(|_| p.tick()).count();
        assert_eq!(hits, 10);
    }

    #[test]
    fn stats_merge_and_become_means() {
        let mut a = GradientStats::default();
        a.record(0, 0, 0.5, 1.0, false);
        a.record(2, 9, 0.0, 0.0, true);
        let mut b = GradientStats::default();
        b.record(0, 0, 0.25, 3.0, false);
        a.merge(&b);
        let rows = rows(1, &a);
        assert_eq!(rows.len(), 4, "{rows:?}");
        let root = rows[0];
        assert_eq!(
            (root.grouping, root.bucket, root.samples),
            (Grouping::Depth, 0, 2)
        );
        assert!((root.mean_abs_grad - 0.375).abs() < 1e-9);
        assert!((root.mean_update_norm - 2.0).abs() < 1e-9);
        let deep = rows[1];
        assert_eq!((deep.bucket, deep.saturated_share), (2, 1.0));
        assert_eq!((rows[3].grouping, rows[3].bucket), (Grouping::Band, 10));
        assert_eq!(band_of(0, 100), 0);
        assert_eq!(band_of(99, 100), 9);
    }

    #[test]
    fn csv_round_trips_and_foreign_files_are_refused() {
        let mut s = GradientStats::default();
        s.record(1, 3, 0.125, 0.5, false);
        s.record(4, 7, 0.0, 0.0, true);
        let rows = rows(2, &s);
        let dir = std::env::temp_dir().join(format!("w2v-diag-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("d.csv");
        let mut buf = Vec::new();
        write_csv(&rows, &mut buf).unwrap();
        let text = String::from_utf8(buf).unwrap();
        // The layout other tools (and tests/cli.rs) read: fixed header, fixed precision.
        assert_eq!(
            text.lines().take(2).collect::<Vec<_>>(),
            [
                "epoch,grouping,bucket,samples,mean_abs_grad,mean_update_norm,saturated_share",
                "2,depth,1,1,1.250000e-1,5.000000e-1,0.000000",
            ]
        );
        std::fs::write(&path, &text).unwrap();
        assert_eq!(read_csv(&path).unwrap(), rows);
        // Blank lines, CRLF line ends and spaces around fields are tolerated.
        std::fs::write(&path, format!("{}\r\n\r\n", text.replace(",", " , "))).unwrap();
        assert_eq!(read_csv(&path).unwrap(), rows);

        let header = CSV_FIELDS.join(",");
        let line_of = |content: String| match read_csv(&{
            std::fs::write(&path, content).unwrap();
            path.clone()
        }) {
            Err(Error::Parse { line, message, .. }) => (line, message),
            other => panic!("{other:?}"),
        };
        let (line, message) = line_of("epoch,words,loss\n1,2,3\n".into());
        assert_eq!(line, 1);
        assert!(message.contains("header"), "{message}");
        let (line, message) = line_of(format!(
            "{header}\n{}\n1,depth,x,1,1,1,1\n",
            &text[header.len() + 1..].lines().next().unwrap()
        ));
        assert_eq!(line, 3);
        assert!(message.contains("bucket"), "{message}");
        let (line, message) = line_of(format!("{header}\n1,leaf,0,1,1,1,1\n"));
        assert_eq!(line, 2);
        assert!(message.contains("`depth` or `band`"), "{message}");
        let (line, message) = line_of(format!("{header}\n1,depth,0,1,1,1\n"));
        assert_eq!(line, 2);
        assert!(message.contains("6 fields"), "{message}");
        let (line, message) = line_of(format!("{header}\n1,band,1,1,1,NaN,1\n"));
        assert_eq!(line, 2);
        assert!(message.contains("mean_update_norm"), "{message}");
        let mut binary = format!("{header}\n").into_bytes();
        binary.extend_from_slice(b"1,band,\xff,1,1,1,1\n");
        std::fs::write(&path, binary).unwrap();
        let err = read_csv(&path).unwrap_err();
        assert!(matches!(err, Error::Parse { line: 2, .. }), "{err}");
        std::fs::write(&path, format!("{header}\n")).unwrap();
        assert!(read_csv(&path)
            .unwrap_err()
            .to_string()
            .contains("no diagnostics rows"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
