#!/usr/bin/env bash
# Export and import of one personal certificate, certhelp against pk12util,
# in ONE hyperfine run at equal PKCS#12 parameters: AES-256-CBC for the key
# bag and the certificate bag, PBKDF2-HMAC-SHA256 at 600,000 iterations, a
# SHA-256 MAC (what pk12util 3.87 writes, with -C AES-256-CBC so the
# certificate bag matches too). Prints medians, the ratios certhelp/pk12util,
# peak memory (RSS), /bin/true as the floor, and one PBKDF2 run (OpenSSL's, as
# certhelp uses) as the unit of KDF work: a PKCS#12 file costs three (MAC, key
# bag, certificate bag), verification as many again unless keys are reused.
#
# Rows:
#   pk12util -o              export from an NSS DB (RSA-2048 key + cert + chain)
#   certhelp export          the same, verification included
#   certhelp export, no verify  only if certhelp offers a switch
#                            (--no-verify, or CERTHELP_NO_VERIFY=1 for benches)
#   pk12util -i              import of pk12util's file into a fresh DB
#   certhelp import          the same file into a fresh DB
# A certhelp row that fails prints "n/a" with certhelp's error line.
#
# Needs: cargo, hyperfine (apt-get install hyperfine), certutil/pk12util
# (libnss3-tools), openssl, python3, GNU time (/usr/bin/time, package time).
# CERTHELP_BIN=path skips the release build. RUNS=n (default 10) per row.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${RUNS:-10}
for tool in hyperfine certutil pk12util openssl python3 /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "needs $tool (see the header of $0)" >&2; exit 2; }
done
if [[ -z "${CERTHELP_BIN:-}" ]]; then
  (cd "$ROOT" && cargo build --release --locked --quiet)
  CERTHELP_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/certhelp"
fi

FX=$(mktemp -d "${TMPDIR:-/tmp}/certhelp-bench-actions.XXXXXX")
trap 'rm -rf "$FX"' EXIT
W="$FX/work"; mkdir -p "$W" "$FX/home"
cd "$W"
export HOME="$FX/home" XDG_CACHE_HOME="$FX/home/.cache" XDG_CONFIG_HOME="$FX/home/.config" \
  XDG_STATE_HOME="$FX/home/.local/state"
umask 077

# A chain and one RSA-2048 personal certificate.
cat > ext.cnf <<'CNF'
[bench_ca]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[bench_ee]
basicConstraints = CA:false
keyUsage = critical, digitalSignature, nonRepudiation, keyEncipherment
extendedKeyUsage = clientAuth, emailProtection
subjectAltName = email:jane.doe@example.com
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF
q() { "$@" >/dev/null 2>&1; }
q openssl req -x509 -newkey rsa:2048 -nodes -keyout root.key -out root.pem -days 3650 \
  -subj "/C=US/O=U.S. Government/CN=ECA Root CA 4" \
  -addext "basicConstraints=critical,CA:true" -addext "keyUsage=critical,keyCertSign,cRLSign"
q openssl req -newkey rsa:2048 -nodes -keyout sub.key -out sub.csr -subj "/C=US/O=ORC PKI/CN=ORC ECA 6"
q openssl x509 -req -in sub.csr -CA root.pem -CAkey root.key -CAcreateserial -out sub.pem -days 3000 -extfile ext.cnf -extensions bench_ca
q openssl req -newkey rsa:2048 -nodes -keyout ee.key -out ee.csr -subj "/C=US/O=U.S. Government/CN=Jane Q. Doe"
q openssl x509 -req -in ee.csr -CA sub.pem -CAkey sub.key -CAcreateserial -out ee.pem -days 700 -extfile ext.cnf -extensions bench_ee
printf 'bench-p12-password' > pw
q openssl pkcs12 -export -inkey ee.key -in ee.pem -name "Jane ECA ID" -out seed.p12 -passout file:pw
rm -f ./*.key

# The source database, as Firefox keeps it (no database password).
SRC="$FX/src"; mkdir -p "$SRC"
q certutil -N -d "sql:$SRC" --empty-password
q certutil -A -d "sql:$SRC" -n "ECA Root CA 4" -t "CT,C,C" -i root.pem
q certutil -A -d "sql:$SRC" -n "ORC ECA 6" -t ",," -i sub.pem
q pk12util -i seed.p12 -d "sql:$SRC" -w pw -K ""
# An empty database to copy before every import.
EMPTY="$FX/empty"; mkdir -p "$EMPTY"
q certutil -N -d "sql:$EMPTY" --empty-password

PK_OUT="$W/pk12util.p12"; CH_OUT="$W/certhelp.p12"; CH_OUT_NV="$W/certhelp-nv.p12"; DST="$FX/dst"
PK_EXPORT=(pk12util -o "$PK_OUT" -n "Jane ECA ID" -d "sql:$SRC" -w "$W/pw" -K "" -c AES-256-CBC -C AES-256-CBC -M SHA-256)
CH_EXPORT=("$CERTHELP_BIN" export --from "nss:$SRC" --out "$CH_OUT" --password-file "$W/pw")
PK_IMPORT=(pk12util -i "$PK_OUT" -d "sql:$DST" -w "$W/pw" -K "")
CH_IMPORT=("$CERTHELP_BIN" import "$PK_OUT" --to "nss:$DST" --password-file "$W/pw")
FRESH="rm -rf '$DST' && cp -a '$EMPTY' '$DST'"

# Without verification, only where certhelp offers a switch.
CH_EXPORT_NV=()
nv_how="n/a: no switch (verification is never skipped); see the phases below: without verification = total - verify"
if "$CERTHELP_BIN" export --help 2>/dev/null | grep -q -- '--no-verify'; then
  CH_EXPORT_NV=("$CERTHELP_BIN" export --from "nss:$SRC" --out "$CH_OUT_NV" --password-file "$W/pw" --no-verify)
  nv_how="--no-verify"
elif grep -aq CERTHELP_NO_VERIFY "$CERTHELP_BIN"; then
  CH_EXPORT_NV=(env CERTHELP_NO_VERIFY=1 "$CERTHELP_BIN" export --from "nss:$SRC" --out "$CH_OUT_NV" --password-file "$W/pw")
  nv_how="CERTHELP_NO_VERIFY=1"
fi

# One quoted command line for hyperfine -N (it splits words itself, and
# runs --prepare without a shell too: those go through `bash -c`).
cmdline() { local s="" a; for a in "$@"; do s+="$(printf '%q' "$a") "; done; printf '%s' "${s% }"; }
prep() { cmdline bash -c "$1"; }

# Try each command once; a failing certhelp row becomes "n/a: <error>".
declare -A NA=()
try() {  # name prepare cmd...
  local name=$1 before=$2; shift 2
  bash -c "$before" >/dev/null 2>&1 || true
  local err
  if ! err=$("$@" 2>&1 >/dev/null); then
    NA[$name]="n/a: $(printf '%s\n' "$err" | grep -m1 '^error' || printf '%s\n' "$err" | head -1)"
    return 1
  fi
}
try pk_export "rm -f '$PK_OUT'" "${PK_EXPORT[@]}" || { echo "pk12util -o failed: ${NA[pk_export]}" >&2; exit 2; }
try pk_import "$FRESH" "${PK_IMPORT[@]}" || { echo "pk12util -i failed: ${NA[pk_import]}" >&2; exit 2; }
try ch_export "rm -f '$CH_OUT'" "${CH_EXPORT[@]}" || true
if [[ ${#CH_EXPORT_NV[@]} -gt 0 ]]; then
  try ch_export_nv "rm -f '$CH_OUT_NV'" "${CH_EXPORT_NV[@]}" || true
else
  NA[ch_export_nv]=$nv_how
fi
try ch_import "$FRESH" "${CH_IMPORT[@]}" || true

# The parameters of each file, read back by OpenSSL.
params() { openssl pkcs12 -info -noout -in "$1" -passin "file:$W/pw" 2>&1 \
  | grep -E '^(MAC:|Shrouded Keybag:|PKCS7 Encrypted data:)' | sort -u | sed 's/^/    /'; }
echo "== PKCS#12 parameters"
echo "  pk12util:"; params "$PK_OUT"
if [[ -z "${NA[ch_export]:-}" ]]; then echo "  certhelp:"; params "$CH_OUT"; fi

# The one hyperfine run: every row that works, /bin/true and one KDF.
# certhelp derives keys through OpenSSL: its PBKDF2 at 600,000 iterations,
# less the same process at 1 iteration, is the unit of KDF work.
kdf() { echo openssl kdf -keylen 32 -kdfopt digest:SHA2-256 -kdfopt pass:bench \
  -kdfopt hexsalt:00112233445566778899aabbccddeeff -kdfopt "iter:$1" PBKDF2; }
# hyperfine pairs the n-th --prepare and -n with the n-th command.
names=(); preps=(); cmds=()
row() { names+=("$1"); preps+=("$2"); cmds+=("$3"); }
row true /bin/true /bin/true
row kdf1 /bin/true "$(kdf 1)"
row kdf /bin/true "$(kdf 600000)"
row pk_export "$(prep "rm -f '$PK_OUT'")" "$(cmdline "${PK_EXPORT[@]}")"
[[ -z "${NA[ch_export]:-}" ]] && row ch_export "$(prep "rm -f '$CH_OUT'")" "$(cmdline "${CH_EXPORT[@]}")"
[[ -z "${NA[ch_export_nv]:-}" ]] && row ch_export_nv "$(prep "rm -f '$CH_OUT_NV'")" "$(cmdline "${CH_EXPORT_NV[@]}")"
row pk_import "$(prep "$FRESH")" "$(cmdline "${PK_IMPORT[@]}")"
[[ -z "${NA[ch_import]:-}" ]] && row ch_import "$(prep "$FRESH")" "$(cmdline "${CH_IMPORT[@]}")"
args=(-N --warmup 1 --runs "$RUNS" --export-json "$W/h.json")
for i in "${!names[@]}"; do args+=(-n "${names[$i]}" --prepare "${preps[$i]}"); done
args+=("${cmds[@]}")
hyperfine "${args[@]}" >/dev/null

# Peak memory: one run each under GNU time (KiB).
peak() {  # name prepare cmd...
  local name=$1 before=$2; shift 2
  [[ -n "${NA[$name]:-}" ]] && return 0
  bash -c "$before" >/dev/null 2>&1 || true
  /usr/bin/time -f %M -o "$W/mem.$name" "$@" >/dev/null 2>&1 || true
}
peak true "" /bin/true
peak pk_export "rm -f '$PK_OUT'" "${PK_EXPORT[@]}"
peak ch_export "rm -f '$CH_OUT'" "${CH_EXPORT[@]}"
[[ ${#CH_EXPORT_NV[@]} -gt 0 ]] && peak ch_export_nv "rm -f '$CH_OUT_NV'" "${CH_EXPORT_NV[@]}"
peak pk_import "$FRESH" "${PK_IMPORT[@]}"
peak ch_import "$FRESH" "${CH_IMPORT[@]}"

NA_JSON=$(for k in "${!NA[@]}"; do printf '%s\t%s\n' "$k" "${NA[$k]}"; done)
echo "== medians of $RUNS runs (one hyperfine run; $(nproc) cores; both imports read pk12util's file)"
NA_TSV="$NA_JSON" python3 - "$W" "$nv_how" <<'PY'
import json, os, sys
w, nv_how = sys.argv[1], sys.argv[2]
r = {x["command"]: x for x in json.load(open(os.path.join(w, "h.json")))["results"]}
na = dict(l.split("\t", 1) for l in os.environ["NA_TSV"].splitlines() if l)
def med(k): return r[k]["median"] * 1000 if k in r else None
def mem(k):
    try: return int(open(os.path.join(w, "mem." + k)).read().split()[-1]) / 1024
    except Exception: return None
rows = [
    ("true", "/bin/true", None),
    ("kdf1", "openssl kdf, PBKDF2 at 1 iteration", None),
    ("kdf", "openssl kdf, PBKDF2-SHA256 at 600,000", None),
    ("pk_export", "pk12util -o", None),
    ("ch_export", "certhelp export (verified)", "pk_export"),
    ("ch_export_nv", f"certhelp export, no verify ({nv_how})" if not nv_how.startswith("n/a") else "certhelp export, no verify", "pk_export"),
    ("pk_import", "pk12util -i", None),
    ("ch_import", "certhelp import", "pk_import"),
]
for key, label, base in rows:
    m = med(key)
    if m is None:
        print(f"  {label:52s} {na.get(key, 'n/a')}")
        continue
    line = f"  {label:52s} {m:9.1f} ms"
    if key in r:
        line += f"  (min {r[key]['min']*1000:.1f}, max {r[key]['max']*1000:.1f})"
    if base and med(base):
        line += f"  ratio certhelp/pk12util {m / med(base):.2f}"
    pk = mem(key)
    if pk is not None:
        line += f"  peak RSS {pk:.1f} MiB"
    print(line)
k = med("kdf") - med("kdf1")
print(f"  one PBKDF2-HMAC-SHA256 at 600,000 (OpenSSL, compute only): {k:.1f} ms;"
      f" three (one PKCS#12 file): {3 * k:.1f} ms on one core, {2 * k:.1f} ms on two")
# certhelp runs the three derivations side by side with its own PBKDF2
# (HMAC states computed once, as NSS does), so "total less three OpenSSL
# KDF runs" says nothing about it: its own cost is in the phases below.
PY
if [[ -z "${NA[ch_import]:-}" ]]; then
  echo "== certutil -L after certhelp import (last run)"
  certutil -L -d "sql:$DST" | sed 's/^/  /'
fi

# Where certhelp's time goes, from its own phase timings (one run each):
# the store (softoken: open, list, unwrap), the key derivations, the file
# write, and verification (which reuses the derived keys).
echo "== certhelp's phases (one run each, CERTHELP_TIMINGS=1)"
if [[ -z "${NA[ch_export]:-}" ]]; then
  rm -f "$CH_OUT"
  CERTHELP_TIMINGS=1 "${CH_EXPORT[@]}" 2>&1 >/dev/null | grep -- '-timing' | sed 's/^/  /' || true
fi
if [[ -z "${NA[ch_import]:-}" ]]; then
  bash -c "$FRESH"
  CERTHELP_TIMINGS=1 "${CH_IMPORT[@]}" 2>&1 >/dev/null | grep -- '-timing' | sed 's/^/  /' || true
fi
