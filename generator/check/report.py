"""Policy reports for people (text) and machines (JSON, SARIF 2.1.0 for pull-request annotations).

Each format shows, per environment: the findings in force, the suppressed ones with the written
reason, and the rules that could be evaluated only partly or not at all (no subchart objects).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from generator import __version__
from generator.check.policy import RULES, Coverage, EnvReport, Finding
from generator.core import atomic, files
from generator.core.errors import RenderError, UsageError
from generator.core.text import control_character, path_shown, shown
from generator.core.wording import plural

FORMATS = ("text", "json", "sarif")
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
TOOL = "twofa-redis check"
_SARIF_LEVEL = {"error": "error", "warning": "warning"}
_LIMITED = (Coverage.PARTIAL,)


def failed(reports: Sequence[EnvReport]) -> bool:
    """Exit 1: any error-level finding in force."""
    return any(r.errors for r in reports)


def text(reports: Sequence[EnvReport]) -> list[str]:
    lines: list[str] = []
    for r in reports:
        lines.extend(f.line() for f in r.findings)
        lines.extend(f"suppressed: {f.env}: {f.rule} {f.object} {f.field}: {f.message} (reason: {f.suppressed})"
                     .replace("  ", " ") for f in r.suppressed)
        limited = r.with_coverage(*_LIMITED)
        summary = (f"{r.env}: policy: {plural(len(RULES), 'rule')}, {plural(r.errors, 'error')}, "
                   f"{plural(r.warnings, 'warning')}, {len(r.suppressed)} suppressed")
        if limited:
            summary += (f"; {len(limited)} evaluated only in part ({_reasons(limited)}): "
                        + ", ".join(o.rule for o in limited))
        lines.append(summary)
    return lines


def _reasons(outcomes: Sequence[Any]) -> str:
    return "; ".join(sorted({o.unseen.split(":")[0] for o in outcomes if o.unseen}))


def _finding(f: Finding) -> dict[str, Any]:
    out = {"rule": f.rule, "level": f.level, "env": f.env, "object": f.object, "field": f.field,
           "message": f.message, "fix": f.fix, "file": f.file}
    if f.suppressed:
        out["suppressed"] = f.suppressed
    return out


def as_json(reports: Sequence[EnvReport]) -> str:
    doc = {
        "tool": TOOL, "version": __version__,
        "rules": [{"id": r.id, "name": r.name, "family": r.family, "level": r.level, "summary": r.summary,
                   "fix": r.fix} for r in RULES],
        "environments": [{
            "env": r.env,
            "subchart": r.subchart,
            "errors": r.errors,
            "warnings": r.warnings,
            "findings": [_finding(f) for f in r.findings],
            "suppressed": [_finding(f) for f in r.suppressed],
            "coverage": {o.rule: {"coverage": o.coverage.value, **({"unseen": o.unseen} if o.unseen else {})}
                         for o in r.outcomes},
        } for r in reports],
        "failed": failed(reports),
    }
    return json.dumps(doc, indent=2, sort_keys=False) + "\n"


def _sarif_result(f: Finding) -> dict[str, Any]:
    index = [r.id for r in RULES].index(f.rule)
    result: dict[str, Any] = {
        "ruleId": f.rule,
        "ruleIndex": index,
        "level": _SARIF_LEVEL.get(f.level, "warning"),
        "message": {"text": f"{f.env}: {f.object} {f.field}: {f.message}. Fix: {f.fix}".replace("  ", " ")},
        "locations": [{
            "physicalLocation": {"artifactLocation": {"uri": f.file, "uriBaseId": "SRCROOT"},
                                 "region": {"startLine": 1}},
            "logicalLocations": [{"fullyQualifiedName": f"{f.env}/{f.object}" + (f"/{f.field}" if f.field else ""),
                                  "kind": "object"}],
        }],
        "partialFingerprints": {"twofaFinding/v1": "|".join((f.rule, f.env, f.object, f.field))},
        "properties": {"environment": f.env, "object": f.object, "field": f.field, "fix": f.fix},
    }
    if f.suppressed:
        result["suppressions"] = [{"kind": "external", "status": "accepted", "justification": f.suppressed}]
    return result


def sarif(reports: Sequence[EnvReport]) -> str:
    notifications = [{
        "level": "warning",
        "message": {"text": f"{r.env}: {o.rule} evaluated only in part: {o.unseen}"},
        "associatedRule": {"id": o.rule, "index": [x.id for x in RULES].index(o.rule)},
    } for r in reports for o in r.with_coverage(*_LIMITED)]
    doc = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": TOOL,
                "version": __version__,
                "rules": [{
                    "id": r.id,
                    "name": r.name,
                    "shortDescription": {"text": r.summary},
                    "fullDescription": {"text": r.summary},
                    "help": {"text": f"Fix: {r.fix}"},
                    "defaultConfiguration": {"level": _SARIF_LEVEL.get(r.level, "warning")},
                    "properties": {"tags": ["security", r.family]},
                } for r in RULES],
            }},
            "originalUriBaseIds": {"SRCROOT": {"description": {"text": "The twofa-redis repository root"}}},
            "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": notifications}],
            "results": [_sarif_result(f) for r in reports for f in (*r.findings, *r.suppressed)],
            "columnKind": "unicodeCodePoints",
        }],
    }
    return json.dumps(doc, indent=2) + "\n"


def render(reports: Sequence[EnvReport], fmt: str) -> str:
    if fmt == "json":
        return as_json(reports)
    if fmt == "sarif":
        return sarif(reports)
    return "".join(line + "\n" for line in text(reports))


def output_path(given: str) -> Path:
    """The path of --output (check, plan), refused before the work when no report could be
    written there: a control character in its name, a device, a FIFO, a directory or a link."""
    bad = control_character(given)
    if bad is not None:
        raise UsageError(f"--output: {shown(given)} contains a control character {bad}")
    path = Path(given)
    writable(path)
    return path


def writable(path: Path) -> None:
    """--output is a regular file or a new name: a device, a FIFO, a directory or a link there
    is refused (renaming over /dev/null would replace the device node)."""
    try:
        files.check_output(path)
    except OSError as e:
        raise RenderError(f"{path_shown(path)}: cannot write the report: {e.strerror}") from e


def write(path: Path, document: str) -> None:
    """Atomically: a CI step reading the file never sees half a report."""
    writable(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic.write_text(path, document, mode=0o600)  # the mode the report always had
    except OSError as e:
        raise RenderError(f"{path_shown(path)}: cannot write the report: {e.strerror}") from e
