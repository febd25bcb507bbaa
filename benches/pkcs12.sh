#!/bin/sh
# PKCS#12 export speed against NSS's pk12util, at equal parameters
# (600,000 PBKDF2 iterations, AES-256-CBC, SHA-256 MAC), in one run.
# The KDF runs in OpenSSL's C code, so the debug profile measures the same
# thing as a release build. BENCH_RUNS=N sets the runs per line (median).
set -eu
cd "$(dirname "$0")/.."
exec cargo test --locked --test it bench_pkcs12_export_against_pk12util -- --ignored --nocapture --test-threads 1
