#!/usr/bin/env python3
"""Run by scripts/crosscheck-fasttext.sh (see there): compares w2v's vectors with fastText's
and gensim's on the same .bin files. Usage: crosscheck-fasttext.py --w2v BIN --work DIR"""

import argparse
import json
import os
import random
import subprocess
import sys

import numpy as np

TOLERANCE = 1e-5
failures = []


def log(ok, what, detail=""):
    print(f"{'ok  ' if ok else 'FAIL'} {what}{': ' + detail if detail else ''}", flush=True)
    if not ok:
        failures.append(what)


def corpus(path, seed=7, sentences=4000):
    """Words built from stems and suffixes, so n-grams carry meaning and OOV words share them."""
    rng = random.Random(seed)
    stems = ["walk", "talk", "jump", "play", "read", "work", "call", "help", "look", "turn",
             "open", "want", "need", "move", "live", "show", "seem", "hear", "keep", "stay"]
    suffixes = ["", "s", "ed", "ing", "er", "ers"]
    fillers = ["the", "a", "of", "to", "and", "in", "is", "café", "naïve", "日本"]
    with open(path, "w", encoding="utf-8") as f:
        for _ in range(sentences):
            words = []
            for _ in range(rng.randint(5, 15)):
                if rng.random() < 0.4:
                    words.append(rng.choice(fillers))
                else:
                    words.append(rng.choice(stems[:15]) + rng.choice(suffixes))
            f.write(" ".join(words) + "\n")
    # Stems 15..19 never occur: their forms are out of the vocabulary but share n-grams.
    return [s + suf for s in stems[15:] for suf in ["s", "ing", "ers"]] + ["walkings", "cafés"]


def w2v_vectors(w2v, model, words):
    """`w2v vector` for words fed on stdin: the vectors, and the words it has none for."""
    out = subprocess.run([w2v, "vector", model, "--json", "-"], input="\n".join(words),
                         capture_output=True, text=True)
    if out.returncode not in (0, 1) or not out.stdout:
        raise RuntimeError(out.stderr.strip())
    doc = json.loads(out.stdout)
    return ({v["word"]: np.array(v["vector"], dtype=np.float64) for v in doc["vectors"]},
            doc["unknown"])


def compare(what, reference, get):
    worst, worst_word = 0.0, None
    for word, want in reference.items():
        got = np.asarray(get(word), dtype=np.float64)
        diff = float(np.max(np.abs(got - want))) if got.shape == want.shape else float("inf")
        if diff > worst:
            worst, worst_word = diff, word
    log(worst <= TOLERANCE, what, f"{len(reference)} words, max |diff| {worst:.2e}"
        + (f" ({worst_word})" if worst_word and worst > TOLERANCE else ""))


def check_bin(w2v, label, bin_path, ref_model, in_vocab, oov):
    """fastText and gensim on bin_path against `w2v vector ref_model`."""
    import fasttext
    from gensim.models.fasttext import load_facebook_model

    reference, unknown = w2v_vectors(w2v, ref_model, in_vocab + oov)
    log(not set(unknown) & set(in_vocab), f"{label}: w2v has every vocabulary word")
    iv = {w: reference[w] for w in in_vocab}
    ov = {w: reference[w] for w in oov if w in reference}
    ft = fasttext.load_model(bin_path)
    compare(f"{label}: fastText, in vocabulary", iv, ft.get_word_vector)
    if ov:
        compare(f"{label}: fastText, out of vocabulary", ov, ft.get_word_vector)
    if oov and unknown:
        # No n-gram of these has a trained row: w2v says so, fastText answers zeros.
        zeros = all(not np.any(ft.get_word_vector(w)) for w in unknown)
        log(zeros, f"{label}: {len(unknown)} OOV words without known n-grams "
            f"({', '.join(unknown[:3])}...) are refused by w2v and zero in fastText")
    gm = load_facebook_model(bin_path)
    compare(f"{label}: gensim, in vocabulary", iv, lambda w: gm.wv[w])
    if ov:
        compare(f"{label}: gensim, out of vocabulary", ov, lambda w: gm.wv[w])
    # w2v reading its own .bin agrees with the native model too.
    from_bin, unknown_bin = w2v_vectors(w2v, bin_path, in_vocab + oov)
    log(unknown_bin == unknown, f"{label}: w2v on the .bin refuses the same words")
    compare(f"{label}: w2v on the .bin vs the native model", reference,
            lambda w: from_bin.get(w, np.full(1, np.inf)))


def run(cmd):
    out = subprocess.run(cmd, capture_output=True, text=True)
    return out.returncode, out.stderr.strip()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--w2v", required=True)
    p.add_argument("--work", required=True)
    a = p.parse_args()
    w2v, work = a.w2v, a.work
    text = os.path.join(work, "corpus.txt")
    oov_words = corpus(text)
    common = ["--input", text, "--dim", "24", "--min-count", "3", "--epochs", "2",
              "--threads", "1", "--seed", "3", "--quiet"]

    # 1. w2v -> fastText / gensim.
    runs = [("word-only, hs", ["--loss", "hs"], False),
            ("word-only, ns", ["--loss", "ns"], False),
            ("subwords 3-5, ns", ["--loss", "ns", "--minn", "3", "--maxn", "5",
                                  "--buckets", "20000"], True),
            ("subwords 2-4, hs, cbow", ["--cbow", "--minn", "2", "--maxn", "4",
                                        "--buckets", "5000"], True)]
    for label, flags, subwords in runs:
        model = os.path.join(work, label.replace(" ", "").replace(",", "_") + ".w2v")
        code, err = run([w2v, "train", *common, *flags, "--output", model])
        if code != 0:
            print(f"skip {label}: w2v train failed: {err}", flush=True)
            continue
        bin_path = model + ".bin"
        code, err = run([w2v, "export", model, "--format", "fasttext", "--output", bin_path])
        if code != 0:
            log(False, f"{label}: export", err)
            continue
        vocab = [l.split(" ", 1)[0] for l in subprocess.run(
            [w2v, "export", model, "--format", "text", "--output", "-"],
            capture_output=True, text=True).stdout.splitlines()[1:]]
        check_bin(w2v, f"w2v {label}", bin_path, model, vocab[:60],
                  oov_words if subwords else [])
        if not subwords:
            # fastText gives a word-only model's OOV words zero vectors; w2v refuses them.
            code, err = run([w2v, "vector", model, oov_words[0]])
            log(code == 1 and "not in the vocabulary" in err,
                f"w2v {label}: OOV word refused", err)

    # 2. fastText -> w2v, and w2v's re-export of fastText's model.
    import fasttext
    ft_path = os.path.join(work, "fasttext.bin")
    # fastText sometimes stops with "Encountered NaN" on a corpus this small; try again.
    for attempt in range(5):
        try:
            ft = fasttext.train_unsupervised(text, model="skipgram", dim=24, minn=3, maxn=5,
                                             bucket=20000, minCount=3, epoch=2, thread=1,
                                             lr=0.025, verbose=0)
            break
        except RuntimeError as e:
            print(f"fastText training attempt {attempt + 1}: {e}", flush=True)
    else:
        log(False, "fastText training")
        sys.exit(1)
    ft.save_model(ft_path)
    vocab = [w for w in ft.words if w != "</s>"][:60]
    reference = {w: np.asarray(ft.get_word_vector(w), dtype=np.float64)
                 for w in vocab + oov_words}
    got, unknown = w2v_vectors(w2v, ft_path, vocab + oov_words)
    log(not unknown, "fastText model: w2v has a vector for every word", str(unknown))
    compare("fastText model: w2v vector vs fastText, in vocabulary",
            {w: reference[w] for w in vocab}, lambda w: got.get(w, np.full(1, np.inf)))
    compare("fastText model: w2v vector vs fastText, out of vocabulary",
            {w: reference[w] for w in oov_words}, lambda w: got.get(w, np.full(1, np.inf)))
    again = os.path.join(work, "fasttext-again.bin")
    code, err = run([w2v, "export", ft_path, "--format", "fasttext", "--output", again])
    log(code == 0, "fastText model: w2v re-export", err)
    if code == 0:
        same = open(ft_path, "rb").read() == open(again, "rb").read()
        log(same, "fastText model: re-export is byte-identical")
        check_bin(w2v, "fastText model re-exported", again, ft_path, vocab, oov_words)

    print(f"{'all checks passed' if not failures else f'{len(failures)} checks failed'}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
