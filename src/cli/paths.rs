//! Checks on the files a command names, made before any work starts.

use std::path::Path;

use super::Failure;

/// Whether two paths name the same existing file.
pub fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Refuses any output that is one of the inputs.
pub fn refuse_overwriting_inputs(inputs: &[&Path], outputs: &[&Path]) -> Result<(), Failure> {
    for out in outputs {
        if inputs.iter().any(|i| same_file(i, out)) {
            return Err(Failure::Usage(format!(
                "{} is an input; refusing to overwrite it",
                out.display()
            )));
        }
    }
    Ok(())
}
