#!/usr/bin/env python3
"""Writes tests/fixtures/fasttext-subwords.tsv: the character n-grams and input-matrix rows
that the real fastText gives some words, so tests/subwords.rs can check src/subwords.rs
against it without Python.

Needs fastText's Python bindings (`pip install fasttext-numpy2-wheel`, fastText 0.9.2).
Run from the repository root:

    python3 scripts/make-fasttext-subword-fixture.py > tests/fixtures/fasttext-subwords.tsv

For each n-gram setting it trains a tiny model (the dictionary is all that matters) on the
text below and asks `get_subwords(word)` for each word. fastText lists a word that is in its
vocabulary first, as the word itself with its word id; that entry is dropped here (it is a
word row, not an n-gram). Rows are `nwords + hash(ngram) % bucket`, in fastText's order,
duplicates kept.
"""

import os
import sys
import tempfile

import fasttext

# A vocabulary of a known size (every distinct word counts: minCount=1).
TEXT = "the cat sat on the mat . où est le café ? 東京 は 日本 の 首都 です . naïve 😀\n"

# (minn, maxn, bucket): fastText's defaults; a small bucket count that makes collisions
# (duplicate rows) likely and takes 1-character n-grams; and minn == maxn.
SETTINGS = [(3, 6, 2_000_000), (1, 4, 97), (2, 2, 1000)]

WORDS = [
    "a",  # <a> is 3 characters
    "the",  # in the vocabulary
    "abc",  # <abc> is 5 characters
    "abcd",  # <abcd> is exactly maxn (6) characters
    "où",  # 2-byte UTF-8, in the vocabulary
    "café",
    "naïve",
    "straße",
    "Ωμέγα",
    "東京",  # 3-byte UTF-8
    "日本語",
    "😀",  # 4-byte UTF-8
    "👍🏽",  # two code points (thumbs up, skin tone)
    "internationalization",
]


def main():
    out = sys.stdout
    out.write("# Made by fastText %s through its Python bindings:\n" % fasttext_version())
    out.write("#   python3 scripts/make-fasttext-subword-fixture.py > tests/fixtures/fasttext-subwords.tsv\n")
    out.write("# columns: minn maxn bucket nwords word ngrams(space-separated) rows(space-separated)\n")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "text.txt")
        with open(path, "w", encoding="utf-8") as f:
            f.write(TEXT)
        for minn, maxn, bucket in SETTINGS:
            model = fasttext.train_unsupervised(
                input=path, model="skipgram", dim=2, epoch=1, minCount=1,
                minn=minn, maxn=maxn, bucket=bucket, thread=1, verbose=0,
            )
            nwords = len(model.words)
            for word in WORDS:
                ngrams, rows = model.get_subwords(word)
                ngrams, rows = list(ngrams), [int(r) for r in rows]
                if model.get_word_id(word) >= 0:
                    assert ngrams[0] == word and rows[0] < nwords
                    ngrams, rows = ngrams[1:], rows[1:]
                fields = [minn, maxn, bucket, nwords, word, " ".join(ngrams),
                          " ".join(map(str, rows))]
                out.write("\t".join(map(str, fields)) + "\n")


def fasttext_version():
    try:
        from importlib.metadata import version
        return "(pip package fasttext-numpy2-wheel %s)" % version("fasttext-numpy2-wheel")
    except Exception:
        return "(version unknown)"


if __name__ == "__main__":
    main()
