#!/usr/bin/env bash
# The CI pipeline templates for users (scripts/ci/): valid YAML under yamllint, and the
# structure each CI system needs, checked with python3's yaml module: GitHub Actions' on /
# jobs / runs-on / steps with every action pinned to a version; GitLab's stages, every job's
# stage among them, and a pages job publishing public/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
ci=$here/../../scripts/ci
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v yamllint >/dev/null || { echo "SKIP: yamllint not installed (scripts/setup.sh)"; exit 77; }
python3 -c 'import yaml' 2>/dev/null || { echo "SKIP: python3-yaml not installed (scripts/setup.sh)"; exit 77; }
gh=$ci/github-actions-perf.yml
gl=$ci/gitlab-ci-perf.yml
[ -f "$gh" ] && [ -f "$gl" ] || fail "scripts/ci/ lacks a template"

# Warnings count too (--strict); only long lines are allowed up to 100 characters.
yamllint --strict -f parsable -d "{extends: relaxed, rules: {line-length: {max: 100}}}" \
    "$gh" "$gl" || fail "yamllint found problems (above)"

# The checker must see a broken file as broken: a job without runs-on, an unpinned action,
# a GitLab job in an undeclared stage, a pages job without public/.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/check.py" <<'PY'
import re, sys, yaml

class Loader(yaml.SafeLoader):
    pass
# GitLab's !reference [job, key] tag: a plain sequence for this check.
Loader.add_constructor("!reference", lambda l, n: l.construct_sequence(n))

def github(doc):
    # PyYAML reads the bare key `on` as the boolean true (YAML 1.1).
    on = doc.get("on", doc.get(True))
    assert on, "no 'on' trigger"
    jobs = doc.get("jobs")
    assert isinstance(jobs, dict) and jobs, "no jobs"
    for name, job in jobs.items():
        assert "runs-on" in job, f"job {name}: no runs-on"
        steps = job.get("steps")
        assert isinstance(steps, list) and steps, f"job {name}: no steps"
        for st in steps:
            assert "uses" in st or "run" in st, f"job {name}: a step with neither uses nor run"
            if "uses" in st:
                assert re.fullmatch(r"[\w.-]+/[\w./-]+@(v\d+(\.\d+){0,2}|[0-9a-f]{40})",
                                    st["uses"]), f"job {name}: {st['uses']} is not pinned"
    uses = [st["uses"] for j in jobs.values() for st in j["steps"] if "uses" in st]
    for a in ("actions/upload-pages-artifact", "actions/deploy-pages"):
        assert any(u.startswith(a + "@") for u in uses), f"no {a}"
    runs = " ".join(st.get("run", "") for j in jobs.values() for st in j["steps"])
    for cmd in ("scripts/setup.sh", "history record", "history gate", "history report"):
        assert cmd in runs, f"no step runs {cmd}"

def gitlab(doc):
    stages = doc.get("stages")
    assert isinstance(stages, list) and stages, "no stages"
    keywords = {"stages", "default", "variables", "include", "workflow", "image", "services",
                "before_script", "after_script", "cache"}
    jobs = {k: v for k, v in doc.items() if k not in keywords and not k.startswith(".")}
    assert jobs, "no jobs"
    for name, job in jobs.items():
        assert isinstance(job, dict), f"job {name} is not a mapping"
        stage = job.get("stage", "test")
        assert stage in stages, f"job {name}: stage {stage} is not in stages {stages}"
        assert "script" in job or "trigger" in job, f"job {name}: no script"
    pages = jobs.get("pages")
    assert pages, "no job named pages"
    paths = pages.get("artifacts", {}).get("paths", [])
    assert any(p.rstrip("/") == "public" for p in paths), "pages does not publish public/"
    text = yaml.dump(doc)
    for cmd in ("scripts/setup.sh", "history record", "history gate", "history report"):
        assert cmd in text, f"no job runs {cmd}"

kind, path = sys.argv[1], sys.argv[2]
with open(path) as f:
    doc = yaml.load(f, Loader=Loader)
try:
    (github if kind == "github" else gitlab)(doc)
except AssertionError as e:
    print(f"{path}: {e}", file=sys.stderr)
    sys.exit(1)
PY
python3 "$tmp/check.py" github "$gh" || fail "GitHub Actions template structure"
python3 "$tmp/check.py" gitlab "$gl" || fail "GitLab CI template structure"

# The checks catch what they are meant to.
sed 's|actions/checkout@v4|actions/checkout@main|' "$gh" >"$tmp/unpinned.yml"
! python3 "$tmp/check.py" github "$tmp/unpinned.yml" 2>/dev/null || fail "an unpinned action passed"
sed '0,/runs-on:/{/runs-on:/d}' "$gh" >"$tmp/norunner.yml"
! python3 "$tmp/check.py" github "$tmp/norunner.yml" 2>/dev/null || fail "a job without runs-on passed"
sed 's|stage: gate|stage: nowhere|' "$gl" >"$tmp/stage.yml"
! python3 "$tmp/check.py" gitlab "$tmp/stage.yml" 2>/dev/null || fail "an undeclared stage passed"
sed 's|      - public$|      - site|' "$gl" >"$tmp/pages.yml"
! python3 "$tmp/check.py" gitlab "$tmp/pages.yml" 2>/dev/null || fail "pages without public/ passed"
printf 'jobs:\n  a:\n    runs-on: x\n   steps: []\n' >"$tmp/bad.yml"
! yamllint -d relaxed "$tmp/bad.yml" >/dev/null 2>&1 || fail "yamllint accepted broken YAML"
echo "ok: CI templates"
