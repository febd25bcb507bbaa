#!/bin/sh
# PKCS#12 export speed against NSS's pk12util, at equal parameters
# (600,000 iterations, AES-256-CBC, SHA-256 MAC), all in one run: prints
# medians and ratios. Release build: certhelp's own PBKDF2 loop is Rust
# code, which a debug build runs about twice as slowly. BENCH_RUNS=N sets
# the runs per line (median). On a loaded machine the parallel derivations
# gain less; compare ratios from the same run only.
set -eu
cd "$(dirname "$0")/.."
exec cargo test --release --locked --test it bench_pkcs12_export_against_pk12util -- --ignored --nocapture --test-threads 1
