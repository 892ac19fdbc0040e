#!/usr/bin/env python3
"""Add or update translation keys in assets/nl.json and assets/en.json.

    scripts/add-translations.py KEYS.py

KEYS.py defines a dict K mapping each key to a (Dutch, English) pair. The
JSON files are re-read right before writing and written back sorted with
two-space indentation, so keys added by others are kept.
"""
import json, os, runpy, sys

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "assets")
keys = runpy.run_path(sys.argv[1])["K"]
for i, lang in enumerate(["nl", "en"]):
    path = os.path.join(root, lang + ".json")
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    for k, pair in keys.items():
        data[k] = pair[i]
    with open(path, "w", encoding="utf-8") as f:
        f.write(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n")
print(f"{len(keys)} keys written to nl.json and en.json")
