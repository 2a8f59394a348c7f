"""Helm as the YAML reader: what Go's YAML (sigs.k8s.io/yaml, the reader of Helm, Argo CD and
Kubernetes) makes of a text, returned as JSON data. PyYAML cannot answer that: it reads YAML 1.1,
where `1e3` is a string and Go sees 1000.

A throwaway chart carries the texts under files/ and one template that prints each one
`fromYaml | toJson` (the same reader Helm uses for values files), or `.Values | toJson`.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from generator.check import helm
from tests.support.paths import pinned_tool

LINES = {"helm4": pinned_tool("helm"), "helm3": pinned_tool("helm3")}

_CHART = "apiVersion: v2\nname: reader\nversion: 0.1.0\n"
_READ_FILES = """\
{{- $out := dict -}}
{{- range $path, $_ := .Files.Glob "docs/*" -}}
{{- $_ := set $out (base $path) ($.Files.Get $path | fromYaml) -}}
{{- end -}}
{{ toJson $out }}
"""
_READ_VALUES = "{{ toJson .Values }}\n"


def _json_of(rendered: str) -> Any:
    body = [line for line in rendered.splitlines() if line and not line.startswith(("---", "#"))]
    return json.loads("\n".join(body))


def read(texts: Mapping[str, str], line: str = "helm4", errors_ok: bool = False) -> dict[str, Any]:
    """Each text (by a file name without '/') as Helm's fromYaml reads it. A text Helm cannot
    turn into JSON (a bare `inf` becomes +Inf, which JSON has no word for) fails, unless
    `errors_ok`: it is then {"Error": ...}."""
    with tempfile.TemporaryDirectory(prefix="helm-yaml.") as tmp:
        chart = Path(tmp) / "reader"
        (chart / "templates").mkdir(parents=True)
        (chart / "docs").mkdir()
        (chart / "Chart.yaml").write_text(_CHART)
        (chart / "templates" / "read.yaml").write_text(_READ_FILES)
        for name, text in texts.items():
            (chart / "docs" / name).write_text(text)
        out: dict[str, Any] = _json_of(helm.run(["template", "r", str(chart)], str(LINES[line])))
    errors = {name: doc["Error"] for name, doc in out.items() if isinstance(doc, dict) and "Error" in doc}
    assert errors_ok or not errors, f"Helm could not read: {errors}"
    return out


def values(files: Sequence[Path], line: str = "helm4") -> Any:
    """The values Helm renders with, given these values files in order (as --values)."""
    with tempfile.TemporaryDirectory(prefix="helm-yaml.") as tmp:
        chart = Path(tmp) / "reader"
        (chart / "templates").mkdir(parents=True)
        (chart / "Chart.yaml").write_text(_CHART)
        (chart / "templates" / "values.yaml").write_text(_READ_VALUES)
        args = ["template", "r", str(chart)]
        for path in files:
            args += ["--values", str(path)]
        return _json_of(helm.run(args, str(LINES[line])))


# Strings some YAML reader takes for something else: numbers in every base and notation, YAML
# 1.1's booleans, null, infinities, a sexagesimal and a timestamp (issue 11's list).
AMBIGUOUS = ("1e3", "0x1F", "0o17", ".5", "yes", "no", "on", "off", "null", "~", "012", "1_000", "+1", "inf",
             "nan", ".inf", "-.inf", "true", "Y", "n", "1:20", "2001-12-14")

# Beyond issue 11's list: other spellings Go's parsers or YAML 1.1 accept.
MORE = ("0b101", "0x1p3", "1.", "-1", "1E3", "+.5", "Yes", "NO", "On", "NULL", "Null", "N", "y", "True", "FALSE",
        "-0o17", "1_0.5", ".NaN", "+.INF", "Infinity", "-inf", "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43",
        "190:20:30", "<<", "=", "")
# What the generated files hold and must stay bare (quoting them is harmless, but noise in a diff).
PLAIN = ("250m", "8Gi", "redis-latest", "redis-8.4.0", "123456789012.dkr.ecr.us-east-1.amazonaws.com",
         "twofa/dev", "sha256:" + "a" * 64, "ClusterSecretStore", "1e", "gp3")
