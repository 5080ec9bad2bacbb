#!/usr/bin/env bash
# The daily loop of docs/training-log.md, on a fresh SQLite file: two weeks of a runner with
# lateral knee pain following their plan (dates are set with RETRORUN_TODAY so the output is
# reproducible). Usage: bash scripts/training_log_demo.sh [OUTDIR]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=${1:-$(mktemp -d)}
mkdir -p "$OUT"
PY=${PYTHON:-$ROOT/.venv/bin/python}
[ -x "$PY" ] || PY=python3
export PYTHONPATH="$ROOT/src${PYTHONPATH:+:$PYTHONPATH}"
export RETRORUN_DATABASE_URL="sqlite:///$OUT/demo.sqlite"
rm -f "$OUT"/demo.sqlite*
cd "$OUT"

r() { echo "\$ retrorun $*"; "$PY" -m retrorun "$@" 2>&1 | grep -v "^retrorun is training software" | sed '/^$/N;/^\n$/D'; }
# Day of the next session not logged yet (what `retrorun today` shows as next).
next_day() {
  "$PY" - <<'PY'
from retrorun.store.db import open_session
from retrorun.store import repository as repo
with open_session() as s:
    a = repo.get_athlete(s)
    done = {r.session_id for r in repo.logs_of(s, a)}
    print(next(x["date"] for x in repo.schedule(s, a) if x["session_id"] not in done))
PY
}
day_after() { "$PY" -c "import datetime as d,sys; print(d.date.fromisoformat(sys.argv[1])+d.timedelta(days=1))" "$1"; }

session() {  # session PAIN_DURING PAIN_AFTER MORNING [extra log flags...]
  local during=$1 after=$2 morning=$3; shift 3
  export RETRORUN_TODAY=$(next_day)
  r log --done yes --rpe 4 --pain-during "$during" --pain-after "$after" --looks-left 5 \
    --looks-right 5 --surface track "$@"
  export RETRORUN_TODAY=$(day_after "$RETRORUN_TODAY")
  r morning --pain "$morning"
}

export RETRORUN_TODAY=2026-03-02
r athlete add Sam --profile "$ROOT/examples/profiles/novice-lateral-knee.toml" --start 2026-03-02
r today
session 2 2 1
session 2 1 1
r why --last 1
export RETRORUN_TODAY=$(next_day)
r today
session 3 3 1
session 2 2 1
session 6 5 3 --notes "windy; knee sore after 4 min"
session 2 2 1
session 1 1 1
export RETRORUN_TODAY=2026-03-20
r history
r why --last 2
r progress --png sam-progress.png --html sam-progress.html
r export Sam -o sam.json
echo "demo output in $OUT"
