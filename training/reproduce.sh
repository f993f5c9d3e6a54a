#!/bin/sh
# Retrains the committed beat model from its recorded recipe and checks that the result matches
# it within noise: the same number of steps and seed as models/beat-tcn.onnx.json records, on
# the same exported data (training/export.ts, A halves only): the validation beat F-measure must
# come out within ±0.01 of the recorded one. Score the reproduced model on the hold-out with
# `scripts/lab.ts eval --model neural` after copying it over models/beat-tcn.onnx.
# Needs Debian python3-torch and python3-onnx; about 20 minutes on one CPU core.
#
#   sh training/reproduce.sh DATA [OUT.onnx]
set -eu
data=${1:?usage: sh training/reproduce.sh DATA [OUT.onnx]}
out=${2:-${TMPDIR:-/tmp}/beat-tcn-reproduced.onnx}
here=$(dirname "$0")
card="$here/../models/beat-tcn.onnx.json"
steps=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).steps)' "$card")
seed=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).seed)' "$card")
/usr/bin/python3 "$here/train_tcn.py" --data "$data" --out "$out" --steps "$steps" --seed "$seed"
node -e '
const [a, b] = process.argv.slice(1).map((p) => JSON.parse(require("fs").readFileSync(p, "utf8")));
const d = Math.abs(a.validation_beat_f - b.validation_beat_f);
console.log(`validation beat F: recorded ${a.validation_beat_f.toFixed(4)}, reproduced ${b.validation_beat_f.toFixed(4)} (difference ${d.toFixed(4)})`);
if (a.steps !== b.steps || d > 0.01) { console.error("reproduction: NOT within noise"); process.exit(1); }
console.log("reproduction: within noise");
' "$card" "$out.json"
