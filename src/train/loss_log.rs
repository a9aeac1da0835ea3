//! The loss log (`w2v train --loss-log`): one CSV line per finished epoch, so a run's
//! learning curve can be read back or plotted (`w2v plot loss`).

use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{EpochReport, TrainReport};
use crate::csv_numbers::fixed;
use crate::csv_records::read_records;
use crate::error::Result;

/// The log's columns, in order; they are also `LossLine`'s field names.
pub const LOSS_CSV_FIELDS: [&str; 5] = ["epoch", "words", "loss", "alpha", "seconds"];

/// One epoch as printed: fixed decimals, as precise as each figure is.
#[derive(Serialize)]
struct LossLine {
    epoch: u32,
    words: u64,
    #[serde(serialize_with = "fixed::<6, _, _>")]
    loss: f64,
    #[serde(serialize_with = "fixed::<8, _, _>")]
    alpha: f32,
    #[serde(serialize_with = "fixed::<3, _, _>")]
    seconds: f64,
}

impl From<&EpochReport> for LossLine {
    fn from(e: &EpochReport) -> Self {
        LossLine {
            epoch: e.epoch,
            words: e.words,
            loss: e.loss,
            alpha: e.alpha,
            seconds: e.seconds,
        }
    }
}

/// Writes the header (even when no epoch finished) and one line per epoch of `report`.
pub fn write_loss_csv<W: Write>(report: &TrainReport, out: W) -> std::io::Result<()> {
    let mut csv = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(out);
    csv.write_record(LOSS_CSV_FIELDS)?;
    for e in &report.epochs {
        csv.serialize(LossLine::from(e))?;
    }
    csv.flush()
}

/// One epoch as read back from a loss log.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
pub struct LossRecord {
    pub epoch: u32,
    /// Words processed by the end of the epoch, counted from the start of the run.
    pub words: u64,
    /// Mean loss per prediction over the epoch.
    pub loss: f64,
    pub alpha: f32,
    /// Seconds since the start of training.
    pub seconds: f64,
}

/// Reads a file [`write_loss_csv`] wrote (no records when no epoch finished); anything else is
/// a one-line error naming the line.
pub fn read_loss_csv(path: &Path) -> Result<Vec<LossRecord>> {
    read_records(
        path,
        &LOSS_CSV_FIELDS,
        "a w2v loss log",
        |r: &LossRecord| (!r.loss.is_finite()).then(|| "loss: not a finite number".to_string()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_per_epoch_with_fixed_decimals() {
        let epoch = |epoch, loss| EpochReport {
            epoch,
            words: 1000 * epoch as u64,
            loss,
            alpha: 0.025 / epoch as f32,
            seconds: 0.5 * epoch as f64,
        };
        let report = TrainReport {
            epochs: vec![epoch(1, 2.5), epoch(2, 1.0 / 3.0)],
            ..TrainReport::default()
        };
        let mut out = Vec::new();
        write_loss_csv(&report, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "epoch,words,loss,alpha,seconds\n\
             1,1000,2.500000,0.02500000,0.500\n\
             2,2000,0.333333,0.01250000,1.000\n"
        );
        let mut out = Vec::new();
        write_loss_csv(&TrainReport::default(), &mut out).unwrap();
        assert_eq!(out, b"epoch,words,loss,alpha,seconds\n");
    }

    #[test]
    fn a_written_log_reads_back_and_a_bad_one_names_its_line() {
        let dir = std::env::temp_dir().join(format!("w2v-loss-log-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let report = TrainReport {
            epochs: vec![EpochReport {
                epoch: 1,
                words: 42,
                loss: 1.25,
                alpha: 0.02,
                seconds: 0.5,
            }],
            ..TrainReport::default()
        };
        let good = dir.join("good.csv");
        write_loss_csv(&report, std::fs::File::create(&good).unwrap()).unwrap();
        let read = read_loss_csv(&good).unwrap();
        assert_eq!(read.len(), 1);
        assert_eq!((read[0].epoch, read[0].words, read[0].loss), (1, 42, 1.25));
        let bad = dir.join("bad.csv");
        std::fs::write(
            &bad,
            "epoch,words,loss,alpha,seconds\n1,10,0.5,0.1,1\n2,20,x,0.1,2\n",
        )
        .unwrap();
        let err = read_loss_csv(&bad).unwrap_err().to_string();
        assert!(err.contains(":3:") && err.contains("loss"), "{err}");
        std::fs::write(&bad, "epoch,grouping\n").unwrap();
        let err = read_loss_csv(&bad).unwrap_err().to_string();
        assert!(err.contains("not a w2v loss log"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
