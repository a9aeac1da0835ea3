//! word2vec C's and fastText's single-dash options (`-train x.txt -size 50 -hs 0`), read
//! before clap parses. Left alone, clap reads `-hs` as `-h` and prints the help with exit 0,
//! and `-output m` as `-o utput`; translated, a command line copied from word2vec's README
//! trains the model word2vec would.

use std::ffi::OsString;

/// What a single-dash option becomes.
#[derive(Clone, Copy)]
enum Meaning {
    /// `-name VALUE` -> `--long VALUE`.
    Value(&'static str),
    /// `-name 0|1` -> nothing or the flag (`-cbow 1` -> `--cbow`).
    Switch {
        off: Option<&'static str>,
        on: &'static str,
    },
    /// `-binary 0|1` -> `--format text|binary`.
    Binary,
    /// `-debug N` / `-verbose N`: 0 means quiet; other levels show the usual progress.
    Verbosity,
    /// Not something w2v does.
    Unsupported(&'static str),
}

/// word2vec C's options, then fastText's that mean the same here. fastText's `-output` is a
/// file prefix; it is read as word2vec's (the vectors file).
const OPTIONS: &[(&str, Meaning)] = &[
    ("-train", Meaning::Value("--input")),
    ("-output", Meaning::Value("--save-vectors")),
    ("-size", Meaning::Value("--dim")),
    ("-window", Meaning::Value("--window")),
    ("-sample", Meaning::Value("--sample")),
    (
        "-hs",
        Meaning::Switch {
            off: Some("--no-hs"),
            on: "--hs",
        },
    ),
    ("-negative", Meaning::Value("--negative")),
    ("-threads", Meaning::Value("--threads")),
    ("-iter", Meaning::Value("--epochs")),
    ("-min-count", Meaning::Value("--min-count")),
    ("-alpha", Meaning::Value("--alpha")),
    (
        "-cbow",
        Meaning::Switch {
            off: None,
            on: "--cbow",
        },
    ),
    ("-binary", Meaning::Binary),
    ("-save-vocab", Meaning::Value("--save-vocab")),
    ("-read-vocab", Meaning::Value("--read-vocab")),
    ("-debug", Meaning::Verbosity),
    (
        "-classes",
        Meaning::Unsupported("k-means word classes are not implemented"),
    ),
    ("-input", Meaning::Value("--input")),
    ("-dim", Meaning::Value("--dim")),
    ("-ws", Meaning::Value("--window")),
    ("-epoch", Meaning::Value("--epochs")),
    ("-minCount", Meaning::Value("--min-count")),
    ("-neg", Meaning::Value("--negative")),
    ("-lr", Meaning::Value("--alpha")),
    ("-thread", Meaning::Value("--threads")),
    ("-loss", Meaning::Value("--loss")),
    ("-verbose", Meaning::Verbosity),
];

/// `train`'s flags that take no value: the token after any other `--option` is its value and
/// is never read as an option.
const TRAIN_FLAGS: &[&str] = &[
    "--cbow",
    "--hs",
    "--no-hs",
    "--lowercase",
    "--quiet",
    "--help",
];

/// The command line after translation, and whether anything was translated (so the caller can
/// say how it read the line).
pub struct Translated {
    pub args: Vec<OsString>,
    pub changed: bool,
}

/// Rewrites word2vec/fastText single-dash options of `w2v train` (or of a bare `w2v -train ...`)
/// into w2v's. A line with `-train` is word2vec C's, so it gets word2vec's defaults too: CBOW
/// and 5 negative samples without hierarchical softmax, unless it says otherwise. Errors (for
/// exit 2) name what to write instead.
pub fn translate(args: Vec<OsString>) -> Result<Translated, String> {
    let Some(first) = args.get(1).and_then(|a| a.to_str()) else {
        return Ok(Translated {
            args,
            changed: false,
        });
    };
    let bare = lookup(first).is_some();
    if first != "train" && !bare {
        return Ok(Translated {
            args,
            changed: false,
        });
    }
    let rest = if bare { &args[1..] } else { &args[2..] };
    let mut out: Vec<OsString> = vec![args[0].clone(), "train".into()];
    let (mut changed, mut word2vec_c, mut cbow_given) = (bare, false, false);
    let mut i = 0;
    while i < rest.len() {
        let Some(token) = rest[i].to_str() else {
            out.push(rest[i].clone());
            i += 1;
            continue;
        };
        cbow_given |= token == "-cbow" || token == "--cbow";
        if let Some(meaning) = lookup(token) {
            changed = true;
            word2vec_c |= token == "-train";
            let raw = rest.get(i + 1).ok_or_else(|| {
                format!("{token} needs a value (word2vec's spelling of an option)")
            })?;
            match (meaning, raw.to_str()) {
                // File names need not be UTF-8.
                (Meaning::Value(long), _) => out.extend([long.into(), raw.clone()]),
                (_, Some(value)) => out.extend(
                    translate_one(token, meaning, value)?
                        .into_iter()
                        .map(OsString::from),
                ),
                (_, None) => return Err(format!("{token} takes a number, not {raw:?}")),
            }
            i += 2;
            continue;
        }
        refuse_value_on_flag(token, rest.get(i + 1).and_then(|v| v.to_str()))?;
        refuse_unknown_single_dash(token)?;
        out.push(rest[i].clone());
        i += 1;
        // An option's value is data, even if it starts with a dash.
        if token.starts_with("--") && !token.contains('=') && !TRAIN_FLAGS.contains(&token) {
            if let Some(v) = rest.get(i) {
                out.push(v.clone());
                i += 1;
            }
        }
    }
    if word2vec_c {
        add_word2vec_defaults(&mut out, cbow_given);
    }
    Ok(Translated { args: out, changed })
}

fn lookup(token: &str) -> Option<Meaning> {
    OPTIONS
        .iter()
        .find(|(name, _)| *name == token)
        .map(|&(_, m)| m)
}

fn translate_one(name: &str, meaning: Meaning, value: &str) -> Result<Vec<String>, String> {
    let zero_or_one = || match value {
        "0" => Ok(false),
        "1" => Ok(true),
        _ => Err(format!("{name} takes 0 or 1, not '{value}'")),
    };
    Ok(match meaning {
        Meaning::Value(long) => vec![long.to_string(), value.to_string()],
        Meaning::Switch { off, on } => match (zero_or_one()?, off) {
            (true, _) => vec![on.to_string()],
            (false, Some(off)) => vec![off.to_string()],
            (false, None) => vec![],
        },
        Meaning::Binary => {
            let format = if zero_or_one()? { "binary" } else { "text" };
            vec!["--format".into(), format.into()]
        }
        Meaning::Verbosity => match value.parse::<u32>() {
            Ok(0) => vec!["--quiet".into()],
            Ok(_) => vec![],
            Err(_) => return Err(format!("{name} takes a number, not '{value}'")),
        },
        Meaning::Unsupported(why) => return Err(format!("{name}: {why} in w2v")),
    })
}

/// `--cbow 1`, `--hs 0`: word2vec's value form on w2v's flags, which take no value.
fn refuse_value_on_flag(token: &str, next: Option<&str>) -> Result<(), String> {
    let advice = match (token, next) {
        ("--cbow", Some("1")) => "write --cbow alone",
        ("--cbow", Some("0")) => "omit --cbow (skip-gram is the default)",
        ("--hs", Some("1")) => "write --hs alone (or --loss hs)",
        ("--hs" | "--no-hs", Some("0")) => {
            "write --no-hs with --negative K, or --loss ns (negative sampling alone)"
        }
        ("--no-hs", Some("1")) => "write --no-hs alone, with --negative K",
        _ => return Ok(()),
    };
    Err(format!(
        "'{token} {}' is word2vec's form; w2v's {token} takes no value: {advice}",
        next.unwrap_or_default()
    ))
}

/// A single-dash word that is not one of the short options would otherwise be read as a
/// cluster of short flags (`-hs` as `-h`, which prints the help and succeeds).
fn refuse_unknown_single_dash(token: &str) -> Result<(), String> {
    let mut chars = token.chars();
    let looks_like_option = chars.next() == Some('-')
        && chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.next().is_some();
    // -iFILE and -oFILE are short options with their values attached.
    if looks_like_option && !token.starts_with("-i") && !token.starts_with("-o") {
        return Err(format!(
            "unknown option {token}; w2v's options take two dashes (see w2v train --help)"
        ));
    }
    Ok(())
}

/// word2vec C trains CBOW with 5 negative samples and no hierarchical softmax by default.
fn add_word2vec_defaults(out: &mut Vec<OsString>, cbow_given: bool) {
    let given = |names: &[&str]| out.iter().any(|a| names.iter().any(|n| a == *n));
    let layer_given = given(&["--negative", "--neg", "--loss"]);
    if !cbow_given {
        out.push("--cbow".into());
    }
    if !layer_given {
        out.extend(["--negative", "5"].map(OsString::from));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(line: &str) -> Result<String, String> {
        let args = line.split(' ').map(OsString::from).collect();
        translate(args).map(|t| {
            t.args
                .iter()
                .map(|a| a.to_str().unwrap())
                .collect::<Vec<_>>()
                .join(" ")
        })
    }

    #[test]
    fn word2vec_lines_translate_with_word2vec_defaults() {
        assert_eq!(
            run("w2v train -train x.txt -output v.txt -size 50 -hs 0 -iter 3").unwrap(),
            "w2v train --input x.txt --save-vectors v.txt --dim 50 --no-hs --epochs 3 --cbow \
             --negative 5"
        );
        assert_eq!(
            run("w2v -train x.txt -output v.bin -cbow 0 -binary 1 -hs 1 -negative 0").unwrap(),
            "w2v train --input x.txt --save-vectors v.bin --format binary --hs --negative 0"
        );
        assert_eq!(
            run("w2v train -train x -output v -debug 0 -cbow 1").unwrap(),
            "w2v train --input x --save-vectors v --quiet --cbow --negative 5"
        );
        // fastText's names carry no word2vec defaults.
        assert_eq!(
            run("w2v train -input x -o m -dim 10 -ws 3 -epoch 2 -minCount 1 -lr 0.1").unwrap(),
            "w2v train --input x -o m --dim 10 --window 3 --epochs 2 --min-count 1 --alpha 0.1"
        );
    }

    #[test]
    fn w2v_lines_pass_unchanged() {
        for line in [
            "w2v train --input -x.txt -o m -q --alpha -1 --dim 5",
            "w2v train -i x -o m -q --cbow",
            "w2v similar m -hs",
            "w2v",
        ] {
            assert_eq!(run(line).unwrap(), line);
        }
    }

    #[test]
    fn bad_word2vec_forms_are_explained() {
        for (line, needle) in [
            ("w2v train --cbow 1 -i x", "write --cbow alone"),
            ("w2v train --cbow 0", "omit --cbow"),
            ("w2v train --hs 0", "--loss ns"),
            ("w2v train --hs 1", "write --hs alone"),
            ("w2v train -hs 2", "-hs takes 0 or 1"),
            ("w2v train -size", "-size needs a value"),
            ("w2v train -classes 10", "not implemented"),
            ("w2v train -help", "unknown option -help"),
            ("w2v train -hsx 1", "unknown option -hsx"),
        ] {
            let err = run(line).unwrap_err();
            assert!(err.contains(needle), "{line}: {err}");
        }
    }
}
