"""Validate authored post files: python3 corpus/unused/posts/check.py [FILE ...] (all *.jsonl by default)."""

from __future__ import annotations

import collections
import json
import sys
from pathlib import Path

LABELS = ("none", "profanity", "insult", "threat")
KEYS = {"text", "abuse", "source"}


def check(paths: list[Path]) -> int:
    seen: dict[str, str] = {}
    bad = 0
    for path in paths:
        counts: collections.Counter[str] = collections.Counter()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            where = f"{path}:{number}"
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                print(f"{where}: not JSON ({exc})")
                bad += 1
                continue
            if set(row) != KEYS or row.get("abuse") not in LABELS or row.get("source") != "handwritten":
                print(f"{where}: needs exactly {sorted(KEYS)}, abuse one of {LABELS}, source handwritten")
                bad += 1
                continue
            key = " ".join(row["text"].lower().split())
            if not key:
                print(f"{where}: empty text")
                bad += 1
            elif key in seen:
                print(f"{where}: duplicate of {seen[key]}")
                bad += 1
            else:
                seen[key] = where
            counts[row["abuse"]] += 1
        print(f"{path}: {sum(counts.values())} lines " + " ".join(f"{k}={counts[k]}" for k in LABELS))
    return 1 if bad else 0


if __name__ == "__main__":
    args = [Path(a) for a in sys.argv[1:]] or sorted(Path(__file__).parent.glob("*.jsonl"))
    sys.exit(check(args))
