#!/usr/bin/env python3
"""Prints a complete, valid answer set (JSON) for an instrument data file:
the last non-exclusive option of every choice, 100 for every figure (80 for
ratio numerators), every scene at LEVEL. Usage: answers.py INSTRUMENT.toml [LEVEL]"""
import json
import sys
import tomllib

inst = tomllib.load(open(sys.argv[1], "rb"))
level = int(sys.argv[2]) if len(sys.argv) > 2 else 2
choices, inputs = {}, {i["id"]: 100 for i in inst.get("inputs", [])}
for d in inst.get("dimensions", []):
    for sd in d.get("sub_dimensions", []):
        for ind in sd.get("indicators", []):
            for q in ind.get("questions", []):
                if q["kind"] == "ratio":
                    inputs[q["numerator"]] = 80
                    inputs[q["denominator"]] = 100
                else:
                    opts = [o["id"] for o in q["options"] if not o.get("exclusive")]
                    choices[q["id"]] = [opts[-1]]
scenes = {s["id"]: level for s in inst.get("scenes", [])}
print(json.dumps({"choices": choices, "inputs": inputs, "scenes": scenes}, ensure_ascii=False))
