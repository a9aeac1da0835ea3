#!/usr/bin/env python3
"""Writes the fastText fixtures the Rust tests compare against (no Python at test time).

Usage: pip install fasttext-numpy2-wheel
       python3 scripts/make-fasttext-fixture.py tests/fixtures

Trains a tiny skip-gram model (dim 8, minn 3, maxn 5, bucket 1000) on a few hundred
generated words, saves it as tiny.fasttext.bin, and writes fastText's own get_word_vector
for in-vocabulary and out-of-vocabulary words (some non-ASCII, whose bytes >= 0x80 exercise
fastText's sign-extending hash) to tiny.fasttext.vectors.txt, every value as Python's
shortest exact repr of the float32, and its dictionary (words and counts) in order.
"""
import os
import random
import sys
import tempfile

import fasttext
from importlib.metadata import version

PACKAGE = "fasttext-numpy2-wheel"

COMMAND = "python3 scripts/make-fasttext-fixture.py tests/fixtures"
STEMS = ["walk", "talk", "jump", "play", "café", "naïve", "über", "日本", "straße", "cook"]
ENDINGS = ["", "s", "ed", "ing", "er"]
FILLER = ["the", "a", "of", "and", "to", "in", "we", "they"]
IN_VOCAB = ["the", "walking", "café", "naïve", "日本", "straßes", "cooked", "and", "über", "</s>"]
OOV = ["walkable", "cafébar", "日本語", "zz", "überplayer", "q"]


def corpus(rng):
    lines = []
    for _ in range(60):
        words = []
        for _ in range(rng.randint(4, 9)):
            if rng.random() < 0.4:
                words.append(rng.choice(FILLER))
            else:
                words.append(rng.choice(STEMS) + rng.choice(ENDINGS))
        lines.append(" ".join(words))
    return "\n".join(lines) + "\n"


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures"
    os.makedirs(out_dir, exist_ok=True)
    rng = random.Random(13)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".txt", delete=False) as f:
        f.write(corpus(rng))
        text = f.name
    model = fasttext.train_unsupervised(
        input=text, model="skipgram", dim=8, ws=3, epoch=5, minCount=1, neg=3, loss="ns",
        minn=3, maxn=5, bucket=1000, thread=1, lr=0.05, verbose=0,
    )
    os.unlink(text)
    model.save_model(os.path.join(out_dir, "tiny.fasttext.bin"))
    vocab = set(model.words)
    with open(os.path.join(out_dir, "tiny.fasttext.vectors.txt"), "w", encoding="utf-8") as out:
        out.write("# fastText get_word_vector of tiny.fasttext.bin; written by:\n")
        out.write(f"# {COMMAND}\n")
        out.write(f"# fastText from pip {PACKAGE} {version(PACKAGE)}; "
                  f"{len(model.words)} words, dim {model.get_dimension()}\n")
        out.write("# kind word value...   (kind: iv = in the vocabulary, oov = not)\n")
        out.write("# count word n         (fastText's whole dictionary, in its order)\n")
        words, freqs = model.get_words(include_freq=True)
        for word, freq in zip(words, freqs):
            out.write(f"count {word} {freq}\n")
        for kind, words in (("iv", IN_VOCAB), ("oov", OOV)):
            for word in words:
                assert (word in vocab) == (kind == "iv"), word
                values = " ".join(repr(float(v)) for v in model.get_word_vector(word))
                out.write(f"{kind} {word} {values}\n")


if __name__ == "__main__":
    main()
