"""Word differences (tracker.diffs) on long texts: how their cost grows with the text.

For texts of 10 KB to 2 MB of prose, times three differences: one word
edited in the middle, two words edited far apart (near the start and near
the end, so the common start and end set nothing aside and lines are
compared), and the whole text replaced by another. Every figure is also
given as a ratio to the baseline measured in the same run on the same text,
splitting it into words (`str.split`): a ratio that stays level as the text
grows is a cost linear in the text. Not a timed test: nothing fails.

No database. Run: .venv/bin/python bench/diffs.py   (BENCH_DIFF_SIZES=10,100,1000,2000 in KB)
"""

import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tracker.diffs import word_diff  # noqa: E402

SIZES = [int(kb) * 1000 for kb in os.environ.get("BENCH_DIFF_SIZES", "10,100,1000,2000").split(",")]
SECONDS = float(os.environ.get("BENCH_DIFF_SECONDS", "1"))  # per figure, at least 5 runs


def article(size, seed=0):
    """About `size` characters of prose: sentences of words drawn with
    Zipf-like frequencies (a few words are very common, as in a newspaper),
    in paragraphs separated by blank lines. The same text for the same seed."""
    rng = random.Random(seed)  # noqa: S311 - repeatable data, not secrets  # nosec B311
    letters = "abcdefghijklmnopqrstuvwxyz"
    vocabulary = ["".join(rng.choice(letters) for _ in range(rng.randint(1, 10))) for _ in range(3000)]
    weights = [1 / (rank + 1) for rank in range(len(vocabulary))]
    paragraphs, length = [], 0
    while length < size:
        sentences = [
            " ".join(rng.choices(vocabulary, weights, k=rng.randint(5, 30))).capitalize() + "."
            for _ in range(rng.randint(2, 8))
        ]
        paragraphs.append(" ".join(sentences))
        length += len(paragraphs[-1]) + 2
    return "\n\n".join(paragraphs)


def edited(text, at, word):
    """`text` with the word after the first space past `at` (a fraction of its length) replaced by `word`."""
    start = text.index(" ", int(len(text) * at)) + 1
    end = text.index(" ", start)
    return text[:start] + word + text[end:]


def median_seconds(function, *args):
    times = []
    deadline = time.perf_counter() + SECONDS
    while len(times) < 5 or (time.perf_counter() < deadline and len(times) < 1000):
        start = time.perf_counter()
        function(*args)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    print("== Word differences (tracker.diffs): median ms, and x baseline = splitting the same text into words")
    columns = ["one word edited ms", "two words apart ms", "text replaced ms"]
    print(f"{'text':>8} {'baseline ms':>11}" + "".join(f" {name:>20} {'x base':>7}" for name in columns))
    for size in SIZES:
        old, other = article(size, seed=1)[:size], article(size, seed=2)[:size]
        cases = [
            (old, edited(old, 0.5, "CORRECTED")),
            (old, edited(edited(old, 0.01, "EARLY"), 0.99, "LATE")),
            (old, other),
        ]
        # Whether the replaced text came out as "replaced" or was compared word by word (under the limit).
        outcome = "replaced" if word_diff(*cases[2])[0].op == "replaced" else "word by word"
        baseline = median_seconds(str.split, old)
        figures = [median_seconds(word_diff, *case) for case in cases]
        row = "".join(f" {seconds * 1000:>20.2f} {seconds / baseline:>7.1f}" for seconds in figures)
        print(f"{size // 1000:>5} KB {baseline * 1000:>11.2f}{row}  ({outcome})")
    print("A level 'x base' as the text grows means a cost linear in the text.")


if __name__ == "__main__":
    main()
