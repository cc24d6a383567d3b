"""`make mutate`: mutation testing of the functional core with mutmut 3, written to bench/MUTATION.md.

The core's files are mutated one change at a time and the fast, pure tests run against each
mutant: a mutant the tests do not fail on is a wrong change that would pass unnoticed. It runs in
a scratch copy of the committed tree (mutmut writes a `mutants/` tree beside the code), on two
workers, bounded by MUTATE_MINUTES (30 by default), and is not part of `make test`.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORE = ["protocol/assessment.py", "protocol/deadlines.py", "protocol/conditions.py", "protocol/loading.py",
        "protocol/facts.py", "scheduling/calendar.py", "scheduling/chasing.py", "scheduling/slots.py",
        "bot/recording.py", "bot/boots.py", "cards/elements.py", "cards/wizard.py", "cards/record.py", "cards/discussion.py", "cards/words.py"]
TESTS = ["tests/test_protocol/", "tests/test_scheduling/test_calendar.py", "tests/test_scheduling/test_chasing.py",
         "tests/test_scheduling/test_slots.py", "tests/test_cards/", "tests/test_bot/test_recording_rules.py",
         "tests/test_bot/test_boots.py"]
# mutmut's exit codes per mutant: the tests failed (killed), or ran out of time (a hang is caught too).
KILLED, TIMED_OUT, SURVIVED = {1, 3}, {-24, 24, 36, 152}, {0}


def chosen() -> list[str]:
    """MUTATE_FILES (comma-separated) narrows a run to some of the core's files, for working on one file's tests."""
    wanted = [f.strip() for f in os.environ.get("MUTATE_FILES", "").split(",") if f.strip()]
    unknown = sorted(set(wanted) - set(CORE))
    if unknown:
        sys.exit(f"MUTATE_FILES: not in the core: {', '.join(unknown)}")
    return wanted or CORE


NODE_MODULES = ROOT / "tests" / "e2e" / "node_modules"  # Microsoft's card validator (node), installed by `make test`


def config(files: list[str], *, validator: bool = True) -> str:
    # Without node_modules (`make test` not yet run) the card validator's test cannot run: it is left out.
    skip = [] if validator else ["--ignore=tests/test_cards/test_schema.py"]
    lines = ["[mutmut]", "source_paths=" + "\n    ".join(sorted({f.split("/")[0] + "/" for f in CORE})),
             "only_mutate=" + "\n    ".join(files),
             "pytest_add_cli_args_test_selection=" + "\n    ".join([*TESTS, "-p", "no:cacheprovider", "-q", "-m",
                                                                 "not postgres and not browser", *skip]),
             "also_copy=" + "\n    ".join(["app.py", "logs.py", "settings.py", "storage/", "tab/", "manifest/", "alembic.ini", "pytest.ini"])]
    return "\n".join(lines) + "\n"


EQUIVALENT = re.compile(r"#\s*equivalent:\s*(\S+)\s+`([^`]+)`\s+--")


def equivalents() -> dict[str, str]:
    """Mutants a test file declares equivalent (no behaviour differs), each with a fragment of its
    changed line and the reason: `# equivalent: NAME `fragment` -- why`. mutmut numbers a function's
    mutants in order, so an edit above renumbers them: the fragment is what ties a declaration to the
    change that was reviewed, and a declaration whose fragment is not in its mutant's line any more
    is stale (listed, and its mutant counted as surviving)."""
    return {m.group(1): m.group(2) for path in (ROOT / "tests").rglob("*.py") for m in EQUIVALENT.finditer(path.read_text())}


def changed_line(work: Path, name: str) -> str:
    """The mutant's changed line(s), as `mutmut show` prints them."""
    shown = subprocess.run([sys.executable, "-m", "mutmut", "show", name], cwd=work, capture_output=True, text=True).stdout
    return "\n".join(line[1:] for line in shown.splitlines() if line.startswith("+") and not line.startswith("+++"))


def scores(work: Path, files: list[str]) -> dict[str, dict]:
    out, declared = {}, equivalents()
    for path in files:
        meta = work / "mutants" / f"{path}.meta"
        by_key = json.loads(meta.read_text())["exit_code_by_key"] if meta.exists() else {}
        # A mutant no chosen test reaches (mutmut: "no tests") counts as surviving: nothing would notice it.
        run = {k: c for k, c in by_key.items() if c is not None}
        killed = sum(c in KILLED or c in TIMED_OUT for c in run.values())
        missed = [k for k, c in run.items() if not (c in KILLED or c in TIMED_OUT)]
        equivalent = [k for k in missed if k in declared and declared[k] in changed_line(work, k)]
        stale = [k for k in missed if k in declared and k not in equivalent]
        survived = [k for k in missed if k not in equivalent]
        counted = killed + len(equivalent)
        out[path] = {"mutants": len(by_key), "run": len(run), "killed": killed, "equivalent": len(equivalent),
                     "survived": len(survived), "score": round(100 * counted / len(run), 1) if run else None,
                     "survivors": survived, "stale": stale}
    return out


def main() -> int:
    minutes = float(os.environ.get("MUTATE_MINUTES", "30"))
    files = chosen()
    keep = os.environ.get("MUTATE_KEEP")  # a directory to leave the run's tree in, for `mutmut show NAME`
    with tempfile.TemporaryDirectory(prefix="strategy-bot-mutate-") as scratch:
        if keep:
            scratch = keep
            shutil.rmtree(scratch, ignore_errors=True)
            os.makedirs(scratch)
        work = Path(scratch) / "project"
        work.mkdir()
        # The tracked files as they are now (uncommitted edits included): `git stash create` makes that tree's commit
        # without touching the work tree, and prints nothing when there is no edit.
        tree = subprocess.run(["git", "stash", "create"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
        archive = subprocess.run(["git", "archive", tree or "HEAD"], cwd=ROOT, capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(work)], input=archive, check=True)
        shared = ROOT.parent / "shared"
        if shared.exists():  # the tests read the seeds beside the project, and run from `mutants/` one level down
            os.symlink(shared, Path(scratch) / "shared")
            os.symlink(shared, work / "shared")
        validator = NODE_MODULES.is_dir()
        if validator:  # untracked, so not in the archive; mutmut copies tests/ (this link's contents too) into mutants/
            os.symlink(NODE_MODULES, work / "tests" / "e2e" / "node_modules")
        (work / "setup.cfg").write_text(config(files, validator=validator))
        started = time.monotonic()
        try:
            subprocess.run([sys.executable, "-m", "mutmut", "run", "--max-children", "2"], cwd=work, timeout=minutes * 60,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            finished = True
        except subprocess.TimeoutExpired:
            finished = False
        elapsed = time.monotonic() - started
        results = scores(work, files)
    if files == CORE:  # a narrowed run is for the person working on it, not the record
        write(results, elapsed=elapsed, finished=finished)
    for path, r in results.items():
        print(f"{path:28} {r['score']}% ({r['killed']}/{r['run']} killed, {r['equivalent']} equivalent, {r['survived']} survived)")
    return 0


def write(results: dict, *, elapsed: float, finished: bool) -> None:
    total_run = sum(r["run"] for r in results.values())
    total_counted = sum(r["killed"] + r["equivalent"] for r in results.values())
    lines = ["# Mutation testing of the functional core", "",
             f"`make mutate` (mutmut 3.8.1, two workers): {total_counted} of {total_run} mutants killed or declared equivalent "
             f"({100 * total_counted / max(total_run, 1):.1f} %) in {elapsed / 60:.1f} min"
             + ("" if finished else ", stopped at the time bound (MUTATE_MINUTES)") + ".",
             "Tests run against each mutant: " + ", ".join(f"`{t}`" for t in TESTS) + ": the fast, pure tests, and "
             "Microsoft's Adaptive Cards validator (`tests/test_cards/test_schema.py`) when `tests/e2e/node_modules` is "
             "installed. The HTTP tests of `tests/test_bot/` exercise the same code again, but are too slow to run for "
             "each of some 6,000 mutants.", "",
             "A mutant is counted killed when a test fails on it, or when a test file declares it equivalent with a "
             "fragment of its changed line and the reason (`# equivalent: NAME `fragment` -- why`); a declaration whose "
             "fragment no longer matches its mutant (an edit renumbered them) is stale and does not count. A mutant no "
             "chosen test reaches counts as surviving.", "",
             "| file | mutants | killed | equivalent | survived | score |", "|---|---|---|---|---|---|"]
    for path, r in results.items():
        lines.append(f"| `{path}` | {r['run']} | {r['killed']} | {r['equivalent']} | {r['survived']} | {r['score']} % |")
    lines += ["", "Survivors, by file (mutmut's names: `mutmut show NAME` in a run's tree, `MUTATE_KEEP`, shows the change):", ""]
    for path, r in results.items():
        if r["survivors"]:
            lines.append(f"- `{path}`: " + ", ".join(f"`{s.split('.')[-1]}`" for s in r["survivors"][:40])
                         + (" …" if len(r["survivors"]) > 40 else ""))
    stale = [s for r in results.values() for s in r["stale"]]
    if stale:
        lines += ["", "Stale equivalent declarations (their fragment is not in the mutant's line any more): "
                  + ", ".join(f"`{s}`" for s in stale)]
    (ROOT / "bench" / "MUTATION.md").write_text("\n".join(lines) + "\n")

if __name__ == "__main__":
    sys.exit(main())
