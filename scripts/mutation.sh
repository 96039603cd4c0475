#!/usr/bin/env bash
# make mutation: mutmut mutates the domain, services, repositories and outbox; the unit tests must kill each mutant.
#
# mutmut names a module by its path below src/ (or the working directory), while Doable's package lives
# under shared/. So it runs in a stage, .doable/mutation, where src/ is shared/ and the rest are links;
# its configuration is [tool.mutmut] in pyproject.toml. `MUTATE='src/doable/domain/*' scripts/mutation.sh`
# runs part of it; results stay in .doable/mutation/mutants: `scripts/mutation.sh score` sums them
# up, `scripts/mutation.sh results` lists survivors, `scripts/mutation.sh show NAME` shows one, and
# `scripts/mutation.sh retest` runs the survivors again after tests were added.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
stage="$root/.doable/mutation"
mkdir -p "$stage"
cd "$stage"
ln -sfn "$root/shared" src
# config.REPO_ROOT is the parent of the mutated copy, so the files the tests read beside it go along.
for path in tests functions dapr scripts; do ln -sfn "$root/$path" "$path"; done
# MUTATE narrows [tool.mutmut] only_mutate to some paths, e.g. MUTATE='src/doable/domain/*'
# (comma-separated globs); mutmut's own mutant-name filter breaks on parametrised test ids.
rm -f pyproject.toml
"$root/.venv/bin/python" - "$root/pyproject.toml" "${MUTATE:-}" <<'EOF'
import re
import sys
from pathlib import Path

text = Path(sys.argv[1]).read_text()
if sys.argv[2]:
    globs = ", ".join(f'"{glob.strip()}"' for glob in sys.argv[2].split(","))
    text = re.sub(r"(?ms)^only_mutate = \[.*?^\]", f"only_mutate = [{globs}]", text, count=1)
Path("pyproject.toml").write_text(text)
EOF
if [ "${1:-run}" = run ] && [ -z "${KEEP:-}" ]; then
  # mutmut skips copying a source file that is already there: a stale copy would hide today's code.
  # KEEP=1 re-runs mutants of the last run on its copy (tests are copied afresh, new ones measured).
  rm -rf mutants
fi
if [ "${1:-}" = retest ]; then
  # After adding tests: forget which mutants survived (or had no test) and run just those again,
  # on the last run's copy; mutmut measures the new tests' coverage first.
  "$root/.venv/bin/python" - <<'EOF'
import json
from pathlib import Path

for meta in Path("mutants").rglob("*.meta"):
    data = json.loads(meta.read_text())
    codes = data["exit_code_by_key"]
    data["exit_code_by_key"] = {name: None if code in (0, 33) else code for name, code in codes.items()}
    meta.write_text(json.dumps(data, indent=4))
EOF
  KEEP=1 exec "$root/scripts/mutation.sh" run
fi
if [ "${1:-}" = score ]; then
  "$root/.venv/bin/mutmut" export-cicd-stats >/dev/null
  exec "$root/.venv/bin/python" - <<'EOF'
import json

s = json.load(open("mutants/mutmut-cicd-stats.json"))
# A timeout or a crash means the mutant changed behaviour the tests noticed: killed too.
killed = s["killed"] + s["timeout"] + s["segfault"] + s["suspicious"]
checked = killed + s["survived"] + s["no_tests"]
print(f"mutation score: {killed} of {checked} mutants killed ({100 * killed / max(checked, 1):.1f} %); "
      f"{s['survived']} survived, {s['no_tests']} without a test; {s['total'] - checked - s['skipped']} not run")
EOF
fi
exec nice -n 19 "$root/.venv/bin/mutmut" "${@:-run}"
