"""`make audit`: pip-audit against the pinned set (constraints.txt, every package the project installs).

Fails on a known vulnerability that has a fixed version (upgrade the pin); one with no fix yet is
printed and does not fail, so it is seen at every run without blocking one. botbuilder-python is
archived and receives no fixes: this audit is how the project learns of a problem in it, or in
msrest and the rest of its tree.
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "audit.json"
        # --no-deps: every pin is already in the file; --disable-pip: nothing is installed to find them.
        result = subprocess.run([sys.executable, "-m", "pip_audit", "-r", str(ROOT / "constraints.txt"), "--no-deps", "--disable-pip",
                                 "--progress-spinner", "off", "-f", "json", "-o", str(report)], capture_output=True, text=True)
        if not report.exists():  # the vulnerability service could not be asked: say so, and fail (unaudited is not clean)
            print(f"audit: pip-audit could not run:\n{result.stderr.strip()}", file=sys.stderr)
            return 2
        dependencies = json.loads(report.read_text())["dependencies"]
    code, lines = verdict(dependencies)
    print("\n".join(lines))
    return code


def verdict(dependencies: list[dict]) -> tuple[int, list[str]]:
    """pip-audit's JSON `dependencies` -> (exit code: 1 when any vulnerability has a fixed version, lines to print)."""
    findings = [(d["name"], d["version"], v["id"], v.get("fix_versions") or [], v.get("aliases") or [])
                for d in dependencies for v in d.get("vulns", [])]
    fixable = [f for f in findings if f[3]]
    lines = [f"audit: {len(dependencies)} pinned packages, {len(findings)} known vulnerabilities, {len(fixable)} with a fixed version"]
    for name, version, ident, fixes, aliases in findings:
        lines.append(f"  {name} {version}: {ident} {' '.join(aliases)} -> "
                     + (f"fixed in {', '.join(fixes)}: upgrade the pin" if fixes else "no fix released"))
    return (1 if fixable else 0), lines

if __name__ == "__main__":
    sys.exit(main())
