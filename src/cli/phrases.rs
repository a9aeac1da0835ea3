//! `w2v phrases` and `train --phrases`: passes of word2phrase over the input, with the text
//! between passes kept in a scratch folder that is removed on success, failure and Ctrl-C.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use w2v::corpus::{Input, ReadStats, TokenizeOptions, Tokenizer};
use w2v::phrases::{self, PassError, PhraseCounts, PhraseSettings};
use w2v::Error;

use super::progress::{self, Display};
use super::{paths, CliResult, Failure, PhrasesArgs};

/// The passes to run: one threshold per pass, a minimum count and a table cap.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    pub thresholds: Vec<f32>,
    pub min_count: u64,
    pub max_entries: usize,
}

/// Thresholds for `passes` passes from what `flag` gave: nothing means word2phrase's 100 for
/// the last pass; one value T is the last pass's, and each earlier pass doubles it (word2vec's
/// demo-phrases.sh runs 200 then 100, so the first pass joins only the strongest pairs and the
/// second builds longer phrases on them); one value per pass is taken as given.
pub fn schedule(
    flag: &str,
    given: Option<&[f32]>,
    passes: u32,
    min_count: u64,
    max_entries: usize,
) -> CliResult<Schedule> {
    let passes = passes as usize;
    let given = given.unwrap_or(&[phrases::DEFAULT_THRESHOLD]);
    for &t in given {
        if !(t.is_finite() && t >= 0.0) {
            return Err(Failure::Usage(format!(
                "{flag} {t}: the threshold must be a number ≥ 0"
            )));
        }
    }
    let thresholds = match given.len() {
        1 => (0..passes)
            .map(|pass| given[0] * 2f32.powi((passes - 1 - pass) as i32))
            .collect(),
        n if n == passes => given.to_vec(),
        n => {
            return Err(Failure::Usage(format!(
                "{flag} has {n} values for {passes} pass{}; give one, or one per pass",
                if passes == 1 { "" } else { "es" }
            )))
        }
    };
    Ok(Schedule {
        thresholds,
        min_count,
        max_entries,
    })
}

/// Parses one `--threshold` value, refusing NaN, infinities and negative numbers.
pub fn parse_threshold(s: &str) -> Result<f32, String> {
    let t: f32 = s.parse().map_err(|_| format!("'{s}' is not a number"))?;
    if t.is_finite() && t >= 0.0 {
        Ok(t)
    } else {
        Err("the threshold must be a number ≥ 0 (a pair joins when its score is above it)".into())
    }
}

/// Parses `--passes`: a whole number of at least 1.
pub fn parse_passes(s: &str) -> Result<u32, String> {
    match s.parse::<u32>() {
        Ok(0) => Err("at least one pass is needed (to skip phrases, leave the option out)".into()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("'{s}' is not a whole number of passes")),
    }
}

/// The scratch folder of this process, if one exists, so that Ctrl-C can remove it.
static SCRATCH: Mutex<Option<PathBuf>> = Mutex::new(None);
static SCRATCH_COUNTER: AtomicU64 = AtomicU64::new(0);

/// A private folder under the system's temporary folder (`TMPDIR`), removed when dropped.
pub struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    pub fn new() -> CliResult<Scratch> {
        let dir = std::env::temp_dir().join(format!(
            "w2v-phrases-{}-{}",
            std::process::id(),
            SCRATCH_COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir(&dir).map_err(|e| Error::io(&dir, e))?;
        *SCRATCH.lock().unwrap_or_else(|e| e.into_inner()) = Some(dir.clone());
        Ok(Scratch { dir })
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
        let mut registered = SCRATCH.lock().unwrap_or_else(|e| e.into_inner());
        if registered.as_deref() == Some(self.dir.as_path()) {
            *registered = None;
        }
    }
}

/// For a Ctrl-C handler about to exit: removes the scratch folder, if any.
pub fn remove_scratch() {
    if let Some(dir) = SCRATCH.lock().unwrap_or_else(|e| e.into_inner()).take() {
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// What the passes did, for the summary.
pub struct PassesReport {
    pub stats: ReadStats,
    pub joined: Vec<u64>,
    pub prunes: u32,
}

/// Why [`run_passes`] stopped: writing the final output failed (the caller names it), or
/// anything else did.
pub enum PassesFailure {
    Output(io::Error),
    Other(Failure),
}

impl From<Error> for PassesFailure {
    fn from(e: Error) -> Self {
        PassesFailure::Other(e.into())
    }
}

/// Runs every pass of `schedule` over `inputs` and writes the last pass's text to `out`.
/// Input that cannot be read twice (stdin) is copied to the scratch folder as it is counted;
/// each pass's text (but the last) goes there too, and is counted for the next pass as it is
/// written, so a pass reads the text once to count and once to join.
pub fn run_passes(
    inputs: &[Input],
    options: TokenizeOptions,
    schedule: &Schedule,
    scratch: &Scratch,
    display: Display,
    out: &mut dyn Write,
) -> Result<PassesReport, PassesFailure> {
    let size_of = |inputs: &[Input]| -> Option<u64> {
        inputs
            .iter()
            .map(|i| match i {
                Input::Path(p) => std::fs::metadata(p).ok().map(|m| m.len()),
                Input::Stdin => None,
            })
            .sum()
    };
    // Text written by this module is already tokenized (and lowercased): split it as it is.
    let written = TokenizeOptions {
        tokenizer: Tokenizer::Whitespace,
        lowercase: false,
    };
    let scratch_write = |path: &Path, e: io::Error| PassesFailure::Other(Error::io(path, e).into());
    let pass_error = |e: PassError, path: &Path| match e {
        PassError::Read(e) => PassesFailure::from(e),
        PassError::Write(e) => scratch_write(path, e),
    };

    let copy_path = scratch.path("input.txt");
    let copy = inputs.contains(&Input::Stdin);
    let bar = progress::reading_bar(size_of(inputs), display);
    let counted = if copy {
        let file = File::create(&copy_path).map_err(|e| scratch_write(&copy_path, e))?;
        let mut tee = BufWriter::with_capacity(1 << 20, file);
        phrases::count(
            inputs,
            options,
            schedule.max_entries,
            |n| bar.inc(n),
            Some(&mut tee),
        )
    } else {
        phrases::count(inputs, options, schedule.max_entries, |n| bar.inc(n), None)
    };
    bar.finish_and_clear();
    let (mut counts, stats) = counted.map_err(|e| pass_error(e, &copy_path))?;
    let (mut reading, mut reading_options) = if copy {
        (vec![Input::Path(copy_path.clone())], written)
    } else {
        (inputs.to_vec(), options)
    };

    let mut joined = Vec::new();
    let mut prunes = counts.prunes;
    let passes = schedule.thresholds.len();
    for (pass, &threshold) in schedule.thresholds.iter().enumerate() {
        let settings = PhraseSettings {
            threshold,
            min_count: schedule.min_count,
            max_entries: schedule.max_entries,
        };
        settings.check()?;
        let bar = progress::reading_bar(size_of(&reading), display);
        let last = pass + 1 == passes;
        let report = if last {
            phrases::join(
                &reading,
                reading_options,
                &counts,
                &settings,
                |n| bar.inc(n),
                out,
                None,
            )
            .map_err(|e| match e {
                PassError::Read(e) => PassesFailure::from(e),
                PassError::Write(e) => PassesFailure::Output(e),
            })
        } else {
            let path = scratch.path(&format!("pass-{}.txt", pass + 1));
            let file = File::create(&path).map_err(|e| scratch_write(&path, e))?;
            let mut text = BufWriter::with_capacity(1 << 20, file);
            let mut next = PhraseCounts::new(schedule.max_entries);
            let report = phrases::join(
                &reading,
                reading_options,
                &counts,
                &settings,
                |n| bar.inc(n),
                &mut text,
                Some(&mut next),
            )
            .map_err(|e| pass_error(e, &path))?;
            drop(text);
            // The text this pass read is no longer needed, unless it is the user's.
            if let [Input::Path(previous)] = &reading[..] {
                if previous.starts_with(&scratch.dir) {
                    let _ = std::fs::remove_file(previous);
                }
            }
            prunes += next.prunes;
            counts = next;
            reading = vec![Input::Path(path)];
            reading_options = written;
            Ok(report)
        };
        bar.finish_and_clear();
        let report = report?;
        if display != Display::Quiet {
            eprintln!(
                "phrases: pass {}/{passes} (threshold {threshold}): joined {} pairs",
                pass + 1,
                report.joined
            );
        }
        joined.push(report.joined);
    }
    Ok(PassesReport {
        stats,
        joined,
        prunes,
    })
}

/// Warnings about the text read, one line each.
pub fn warn_about(report: &PassesReport, cap_flag: &str) {
    if report.stats.invalid_utf8_bytes > 0 {
        eprintln!(
            "w2v: warning: {} bytes of invalid UTF-8 were replaced by U+FFFD",
            report.stats.invalid_utf8_bytes
        );
    }
    if report.prunes > 0 {
        eprintln!(
            "w2v: warning: {cap_flag} pruned rare words and pairs {} times while counting \
             phrases; counts of rare pairs are lower bounds",
            report.prunes
        );
    }
}

/// `w2v phrases`.
pub fn phrases(a: PhrasesArgs) -> CliResult {
    let schedule = schedule(
        "--threshold",
        a.threshold.as_deref(),
        a.passes,
        a.min_count,
        a.max_vocab,
    )?;
    if a.max_vocab < 2 {
        return Err(Failure::Usage(format!(
            "--max-vocab {}: must be at least 2",
            a.max_vocab
        )));
    }
    let named: Vec<Input> = a.input.iter().map(|s| Input::parse(s)).collect();
    let inputs = w2v::source::expand_folders(&named, a.input_ext.as_deref())?;
    let input_files: Vec<paths::InputFile> = inputs
        .iter()
        .filter_map(|i| match i {
            Input::Path(p) => Some(("--input", p.as_path())),
            Input::Stdin => None,
        })
        .collect();
    paths::check_outputs(&[("--output", &a.output)], &input_files)?;
    let _ = ctrlc::set_handler(|| {
        remove_scratch();
        eprintln!("\nw2v: interrupted");
        std::process::exit(130);
    });
    let display = Display::new(a.quiet);
    let options = TokenizeOptions {
        tokenizer: a.tokenizer.tokenizer(),
        lowercase: a.lowercase,
    };
    let started = Instant::now();
    let scratch = Scratch::new()?;
    let mut failure = None;
    let mut report = None;
    paths::write_output(&a.output, |out| {
        match run_passes(&inputs, options, &schedule, &scratch, display, out) {
            Ok(r) => {
                report = Some(r);
                Ok(())
            }
            Err(PassesFailure::Output(e)) => Err(e),
            Err(PassesFailure::Other(f)) => {
                failure = Some(f);
                Err(io::Error::other("phrases failed"))
            }
        }
    })
    .or_else(|written| failure.take().map_or(Err(written), Err))?;
    drop(scratch);
    let Some(report) = report else {
        // stdout closed early (`| head`): nothing more to say.
        return Ok(());
    };
    warn_about(&report, "--max-vocab");
    if display != Display::Quiet {
        let memory = progress::peak_memory_bytes()
            .map_or("n/a".to_string(), |b| format!("{} MB", b / 1_000_000));
        eprintln!(
            "phrases: {} pass{} over {} words in {:.1} s, peak {memory} -> {}",
            report.joined.len(),
            if report.joined.len() == 1 { "" } else { "es" },
            report.stats.words,
            started.elapsed().as_secs_f64(),
            a.output
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_threshold_doubles_for_each_earlier_pass() {
        let s = schedule("--threshold", None, 2, 5, 100).unwrap();
        assert_eq!(s.thresholds, [200.0, 100.0]);
        let s = schedule("--threshold", Some(&[50.0]), 3, 5, 100).unwrap();
        assert_eq!(s.thresholds, [200.0, 100.0, 50.0]);
        let s = schedule("--threshold", Some(&[10.0, 30.0]), 2, 5, 100).unwrap();
        assert_eq!(s.thresholds, [10.0, 30.0]);
        assert!(schedule("--threshold", Some(&[1.0, 2.0]), 3, 5, 100).is_err());
    }

    #[test]
    fn thresholds_must_be_numbers_at_least_zero() {
        assert_eq!(parse_threshold("12.5"), Ok(12.5));
        for bad in ["-1", "nan", "inf", "x"] {
            assert!(parse_threshold(bad).is_err(), "{bad}");
        }
    }
}
