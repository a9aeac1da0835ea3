//! The loss log (`w2v train --loss-log`): one CSV line per finished epoch, so a run's
//! learning curve can be read back or plotted.

use std::io::Write;

use serde::Serialize;

use super::{EpochReport, TrainReport};
use crate::csv_numbers::fixed;

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
}
