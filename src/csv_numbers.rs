//! How w2v's CSV files print numbers: a fixed number of decimals per column, so files stay
//! short, line up, and diff cleanly between runs (serde alone would print the shortest
//! round-tripping form, which varies from row to row). Used with `#[serde(serialize_with)]`.

use std::fmt::Display;

use serde::Serializer;

/// `D` decimals: `0.123457`.
pub(crate) fn fixed<const D: usize, T: Display, S: Serializer>(
    v: &T,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_str(&format_args!("{v:.D$}"))
}

/// Scientific notation with `D` decimals: `1.234568e-3`.
pub(crate) fn scientific<const D: usize, S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&format_args!("{v:.D$e}"))
}
