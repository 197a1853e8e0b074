#!/usr/bin/env python3
"""Lists the test executables cargo built for the packages in the given folders, one per line as
`MANIFEST_DIR<TAB>EXECUTABLE`, read from `cargo test --no-run --message-format=json` on stdin.
scripts/test.sh runs them directly (under faketime, or with --ignored) instead of asking cargo
again: a second cargo invocation for one package resolves features anew and rebuilds."""
import json
import os
import sys

wanted = set(sys.argv[1:])
for line in sys.stdin:
    try:
        msg = json.loads(line)
    except json.JSONDecodeError:
        continue
    if msg.get("reason") != "compiler-artifact" or not msg.get("profile", {}).get("test"):
        continue
    if msg["target"]["kind"] == ["bench"] or not msg.get("executable"):
        continue
    root = os.path.dirname(msg["manifest_path"])
    if any(root == os.path.abspath(w) for w in wanted):
        print(f"{root}\t{msg['executable']}")
