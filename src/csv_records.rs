//! Reading back the CSV files w2v writes (diagnostics, loss logs): a fixed header, one record
//! per line, and any deviation a one-line error naming the line.

use std::io::BufReader;
use std::path::Path;

use serde::de::DeserializeOwned;

use crate::error::{Error, Result};

/// The records of `path`, whose header must be exactly `fields`. `kind` names the file in
/// errors ("a w2v loss log"); `check` refuses a record with a reason.
pub(crate) fn read_records<T: DeserializeOwned>(
    path: &Path,
    fields: &[&str],
    kind: &str,
    check: impl Fn(&T) -> Option<String>,
) -> Result<Vec<T>> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let bad = |line: u64, what: &str| Error::parse(path, line, format!("{what} (not {kind}?)"));
    // `line` is where the error is when the csv error does not say.
    let csv_error = |e: csv::Error, line: u64| {
        let line = e.position().map_or(line, |p| p.line());
        match e.into_kind() {
            csv::ErrorKind::Io(e) => Error::io(path, e),
            csv::ErrorKind::Utf8 { .. } => bad(line, "not UTF-8 text"),
            csv::ErrorKind::UnequalLengths {
                expected_len, len, ..
            } => bad(
                line,
                &format!("{len} fields where the header has {expected_len}"),
            ),
            csv::ErrorKind::Deserialize { err, .. } => {
                let column = err.field().and_then(|f| fields.get(f as usize));
                let column = column.map_or(String::new(), |c| format!("{c}: "));
                bad(line, &format!("{column}{}", err.kind()))
            }
            other => bad(line, &format!("{other:?}")),
        }
    };
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(BufReader::new(file));
    let header = reader.headers().map_err(|e| csv_error(e, 1))?.clone();
    if header.iter().ne(fields.iter().copied()) {
        return Err(bad(1, "unexpected header"));
    }
    let mut records = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        let next_line = reader.position().line();
        if !reader
            .read_record(&mut record)
            .map_err(|e| csv_error(e, next_line))?
        {
            break;
        }
        let line = record.position().map_or(next_line, |p| p.line());
        let parsed: T = record
            .deserialize(Some(&header))
            .map_err(|e| csv_error(e, line))?;
        if let Some(problem) = check(&parsed) {
            return Err(bad(line, &problem));
        }
        records.push(parsed);
    }
    Ok(records)
}
