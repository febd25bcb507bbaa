#!/usr/bin/env bash
# Time `certhelp probe --json` on a fixture home (3 Mozilla profiles, the
# shared NSS DB, 1 SoftHSM token) against /bin/true in the same hyperfine
# run; print the medians, the ratio, and the probe's own phase timings.
#
# Needs: cargo, hyperfine, certutil/pk12util (libnss3-tools), openssl,
# softhsm2-util, pkcs11-tool (opensc), python3 (to read hyperfine's JSON).
# CERTHELP_BIN=path skips the release build (e.g. a scratch build).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [[ -z "${CERTHELP_BIN:-}" ]]; then
  (cd "$ROOT" && cargo build --release --quiet)
  CERTHELP_BIN="$ROOT/target/release/certhelp"
fi
SOFTHSM=/usr/lib/softhsm/libsofthsm2.so

FX=$(mktemp -d "${TMPDIR:-/tmp}/certhelp-bench.XXXXXX")
trap 'rm -rf "$FX"' EXIT
W="$FX/work"; mkdir -p "$W"
cd "$W"

# A CA chain and one personal certificate (ECA-like names).
cat > ext.cnf <<'CNF'
[bench_ca]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[bench_ee]
basicConstraints = CA:false
keyUsage = critical, digitalSignature, nonRepudiation
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
q openssl pkcs12 -export -inkey ee.key -in ee.pem -name "Jane ECA ID" -out ee.p12 -passout pass:p12pass

mkdb() {  # dir
  mkdir -p "$1"
  q certutil -N -d "sql:$1" --empty-password
  q certutil -A -d "sql:$1" -n "ECA Root CA 4" -t "CT,C,C" -i root.pem
  q certutil -A -d "sql:$1" -n "ORC ECA 6" -t "CT,C,C" -i sub.pem
  q pk12util -i ee.p12 -d "sql:$1" -W p12pass -K ""
}
FF="$FX/.mozilla/firefox"
mkdb "$FF/a.default-release"; mkdb "$FF/b.work"
printf '[Install1]\nDefault=a.default-release\n\n[Profile0]\nName=default-release\nPath=a.default-release\nIsRelative=1\n\n[Profile1]\nName=work\nPath=b.work\nIsRelative=1\n' > "$FF/profiles.ini"
TB="$FX/.thunderbird"
mkdb "$TB/t.default"
printf '[Profile0]\nName=default\nPath=t.default\nIsRelative=1\nDefault=1\n' > "$TB/profiles.ini"
mkdb "$FX/.pki/nssdb"; mkdir -p "$FX/.config/chromium"

mkdir -p "$FX/tokens"
printf 'directories.tokendir = %s\nlog.level = ERROR\n' "$FX/tokens" > "$FX/softhsm2.conf"
export SOFTHSM2_CONF="$FX/softhsm2.conf"
q softhsm2-util --init-token --free --label bench --so-pin 12345678 --pin 123456
openssl x509 -in ee.pem -outform DER -out ee.der
q pkcs11-tool --module "$SOFTHSM" --login --pin 123456 --write-object ee.der --type cert --id 01 --label jane
rm -f ./*.key

export HOME="$FX" CERTHELP_PKCS11_MODULES="$SOFTHSM"
unset XDG_CONFIG_HOME
"$CERTHELP_BIN" probe --json > "$W/probe.json" || true
python3 - "$W/probe.json" <<'PY'
import json, sys
e = json.load(open(sys.argv[1]))
print(f"fixture: {len(e['stores'])} stores, {len(e['modules'])} modules, "
      f"{len(e['tokens'])} tokens, {len(e['certificates'])} certificates")
PY

"$CERTHELP_BIN" search warm-up-the-index-cache >/dev/null 2>&1 || true
hyperfine --warmup 5 --runs 40 -N --export-json "$W/h.json" \
  -n true /bin/true \
  -n probe "$CERTHELP_BIN probe --json" \
  -n plan "$CERTHELP_BIN plan --format json 'move my cert to a new pc'" \
  -n chain "$CERTHELP_BIN plan --format json 'install the ECA chain'" \
  -n nopr "$CERTHELP_BIN plan --no-probe --format json 'move my cert to a new pc'" >/dev/null
python3 - "$W/h.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
t, p = r["true"]["median"] * 1000, r["probe"]["median"] * 1000
print(f"median /bin/true:            {t:8.2f} ms")
print(f"median certhelp probe --json: {p:8.2f} ms  (min {r['probe']['min']*1000:.2f}, max {r['probe']['max']*1000:.2f})")
print(f"ratio probe / true:           {p / t:8.1f}x")
for name, what in (("plan", "plan, probe reads the stores"), ("chain", "plan, light probe (ECA chain)"), ("nopr", "plan --no-probe")):
    m = r[name]["median"] * 1000
    print(f"median {what:31s} {m:8.2f} ms  ({m / t:.1f}x true)")
PY

echo "phases (one run, CERTHELP_PROBE_TIMINGS=1):"
for i in 1 2 3; do CERTHELP_PROBE_TIMINGS=1 "$CERTHELP_BIN" probe --json 2>&1 >/dev/null | sed 's/^/  /'; echo "  --"; done
