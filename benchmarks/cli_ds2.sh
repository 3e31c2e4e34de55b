#!/usr/bin/env bash
# End-to-end DS2 report through the command line, to compare with the end-to-end setting
# of benchmarks/inter_patient.py (seed 0): train on DS1, annotate the 22 DS2 records,
# evaluate against the reference annotations.
# Usage: bash benchmarks/cli_ds2.sh PATH/TO/mitdb [OUTDIR]
set -euo pipefail
data=${1:?give the MIT-BIH folder}
out=${2:-benchmarks/results/cli_ds2}
mkdir -p "$out"
ecg-sklearn train --data-dir "$data" --split DS1 --seed 0 --quiet --model "$out/model.npz"
for r in 100 103 105 111 113 117 121 123 200 202 210 212 213 214 219 221 222 228 231 232 233 234; do
  ecg-sklearn annotate --model "$out/model.npz" --record "$data/$r" --out-dir "$out"
done
ecg-sklearn evaluate --data-dir "$data" --annotation-dir "$out" --json "$out/report.json"
