#!/usr/bin/env bash
# Benchmark of the answer path (issue: answers). Prints medians and ratios
# against /bin/true measured in the same run:
#   1. `certhelp plan --no-probe QUESTION` (the shipped knowledge base);
#   2. `certhelp search QUERY` with the index cache warm;
#   3. a synthetic knowledge base of N articles (default 10,000) via --kb:
#      index build (cold cache) and per-query time (warm cache).
# Needs hyperfine (apt-get install hyperfine). Usage: benches/answer.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-10000}
command -v hyperfine >/dev/null || { echo "hyperfine is needed: apt-get install hyperfine" >&2; exit 2; }
cargo build --release --quiet
BIN=$PWD/target/release/certhelp
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export HOME=$WORK/home XDG_CACHE_HOME=$WORK/cache
mkdir -p "$HOME"
Q="move identity cert to new pc"

median() { # hyperfine JSON -> median in ms
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"]; print(" ".join("%.2f" % (x["median"]*1000) for x in r))' "$1"
}

echo "== shipped knowledge base ($("$BIN" list | wc -l) articles)"
"$BIN" search warm-up >/dev/null || true
hyperfine -N --warmup 20 --runs 200 --export-json "$WORK/a.json" \
  "/bin/true" \
  "$BIN plan --no-probe '$Q'" \
  "$BIN plan --no-probe --format json '$Q'" \
  "$BIN search 'export certificate from firefox'" \
  "$BIN 'MAC verification failed during PKCS12 import'" >/dev/null
read -r t plan json search err < <(median "$WORK/a.json")
printf '  /bin/true                      %7.2f ms\n' "$t"
printf '  plan --no-probe (text)         %7.2f ms  (%.1fx true, +%.2f ms)\n' "$plan" "$(echo "$plan/$t" | bc -l)" "$(echo "$plan-$t" | bc -l)"
printf '  plan --no-probe --format json  %7.2f ms  (%.1fx true, +%.2f ms)\n' "$json" "$(echo "$json/$t" | bc -l)" "$(echo "$json-$t" | bc -l)"
printf '  search (cached index)          %7.2f ms  (%.1fx true)\n' "$search" "$(echo "$search/$t" | bc -l)"
printf '  pasted error -> TS article     %7.2f ms  (%.1fx true)\n' "$err" "$(echo "$err/$t" | bc -l)"

echo "== synthetic knowledge base: $N articles via --kb"
KB=$WORK/kb
mkdir -p "$KB"
python3 - "$KB" "$N" <<'PY'
import os, random, sys
d, n = sys.argv[1], int(sys.argv[2])
random.seed(1)
words = ("certificate token export import browser profile chain intermediate root mail sign encrypt "
         "keychain store password backup move computer laptop smartcard reader module nss pkcs12 "
         "windows macos linux firefox chrome thunderbird outlook identity encryption vpn wifi").split()
for i in range(n):
    title = " ".join(random.choice(words) for _ in range(6))
    body = "\n\n".join(" ".join(random.choice(words) for _ in range(40)) for _ in range(6))
    with open(os.path.join(d, f"ORG{i}.md"), "w") as f:
        f.write(f"---\nid: ORG{i}\ntitle: {title}\nsummary: {title}\nkind: guide\nsynonyms: [w{i}]\n---\n{body}\n")
PY
hyperfine -N --runs 5 --prepare "rm -rf $XDG_CACHE_HOME/certhelp" --export-json "$WORK/b.json" \
  "$BIN --kb $KB search 'chain intermediate firefox'" >/dev/null
"$BIN" --kb "$KB" search warm-up >/dev/null || true
hyperfine -N --warmup 3 --runs 30 --export-json "$WORK/c.json" \
  "/bin/true" \
  "$BIN --kb $KB search 'chain intermediate firefox'" \
  "$BIN --kb $KB plan --no-probe '$Q'" >/dev/null
read -r build < <(median "$WORK/b.json")
read -r t2 s2 p2 < <(median "$WORK/c.json")
printf '  first search (builds the index) %7.2f ms\n' "$build"
printf '  search, warm cache             %7.2f ms  (%.1fx true)\n' "$s2" "$(echo "$s2/$t2" | bc -l)"
printf '  plan --no-probe, warm cache    %7.2f ms  (%.1fx true)\n' "$p2" "$(echo "$p2/$t2" | bc -l)"
