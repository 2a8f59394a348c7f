"""The secrets guard of `check`: no literal password in chart/ or environments/, and a Secret
whose data is the same on every render.

A password committed by mistake is found three ways: a YAML key named like a password with a
literal value (`password: hunter22`, `redis_password: ...`), a Secret manifest carrying data,
and, when the password variable is set, its value or its base64 form anywhere in those files.
Findings name the file, line and key, never the value.
"""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from generator.check import helm, helmcache
from generator.core import atomic, cache, files, passwords, yamlio
from generator.core.errors import RenderError
from generator.core.paths import ARGOCD_DIR, CHART_DIR, ENV_DIR
from generator.core.wording import plural
from generator.render.chart import strip_dependencies

GUARDED = (CHART_DIR, ENV_DIR, ARGOCD_DIR)
_PASSWORD_KEY = re.compile(r"(?i)(^|[_.-])(pass|passwd|password)$|password$")
# Not a literal: ${VAR}, <placeholder>, ***, or a Go template reference to one field, as External
# Secrets Operator fills it at run time (`{{ .password }}`: the ECR token in argocd/<env>.yaml).
_PLACEHOLDER = re.compile(r"^(\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|<[^>]*>|\*+|\{\{ *\.[A-Za-z_][A-Za-z0-9_]* *\}\})$")
# In a template (not YAML until helm runs): `password: literal` at the end of a line.
_TEMPLATE_LITERAL = re.compile(r"""(?i)[\w.-]*pass(?:word|wd)?["']?\s*:\s*["']?([^\s"'{}]+)["']?\s*$""")
# Template functions whose result changes between renders; Argo CD would see endless drift.
_UNSTABLE = re.compile(r"\b(lookup|rand[A-Za-z]*|uuidv4|now|date|dateInZone|dateModify|unixEpoch|genCA|"
                       r"genCAWithKey|genPrivateKey|genSelfSignedCert|genSelfSignedCertWithKey|genSignedCert|"
                       r"genSignedCertWithKey|htpasswd|bcrypt|shuffle)\b")
_ACTION = re.compile(r"\{\{-?(.*?)-?\}\}", re.S)
_COMMENT = re.compile(r"\{\{-?\s*/\*.*?\*/\s*-?\}\}", re.S)
PROBE = "guard-probe-not-a-password"
MAX_SCAN_BYTES = 4 << 20


def guarded_files(root: Path) -> list[Path]:
    """Files under chart/ and environments/ that are committed or would be (git), else all of
    them; the git-ignored subchart archive is never part of it."""
    if shutil.which("git"):  # outside a git work tree ls-files fails, and every file counts
        done = subprocess.run(
            ["git", "-C", str(root), "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", *GUARDED],
            capture_output=True, check=False, timeout=60)
        if done.returncode == 0:
            names = sorted({n for n in done.stdout.decode().split("\0") if n})
            return [root / n for n in names if (root / n).is_file()]
    found = []
    for top in GUARDED:
        for path in sorted((root / top).rglob("*")):
            if path.is_file() and "charts" not in path.relative_to(root / top).parts[:1]:
                found.append(path)
    return found


def literal_passwords(root: Path) -> list[str]:
    problems = []
    secrets = _variable_forms()
    for path in guarded_files(root):
        shown = str(path.relative_to(root))
        try:
            raw = files.read_regular_file(path, MAX_SCAN_BYTES)
        except OSError:
            continue  # not a file to scan: chart_tree() names what is wrong under chart/
        for form in secrets:
            if form in raw:
                problems.append(f"error: {shown}: holds the value of the password variable; remove it and rotate "
                                "the password")
                break
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            continue
        is_yaml = path.suffix in (".yaml", ".yml") and "templates" not in path.parts
        if is_yaml:
            problems.extend(f"error: {shown}:{line}: {where}: {what}" for line, where, what in _yaml_findings(text))
        for n, line in enumerate(text.splitlines(), 1):
            if is_yaml and not line.lstrip().startswith("#"):
                continue  # YAML data was read above; a commented-out password is still committed
            m = _TEMPLATE_LITERAL.search(line)
            if m and not _PLACEHOLDER.fullmatch(m.group(1)):
                problems.append(f"error: {shown}:{n}: a literal password; read it at render time instead "
                                "(secret_mode) and never commit it")
    return problems


def _variable_forms() -> list[bytes]:
    return [form.encode() for value in passwords.supplied() for form in passwords.forms(value)]


def _yaml_findings(text: str) -> Iterator[tuple[int, str, str]]:
    try:
        # libyaml composes the same nodes (marks included) ~10x faster: this reads every file.
        nodes = [n for n in yaml.compose_all(text, Loader=yamlio.LOADER) if n is not None]
    except yaml.YAMLError:
        return  # not ours to judge here; the loader reports broken YAML
    for node in nodes:
        yield from _walk(node, ())
        kind = _scalar_at(node, "kind")
        if kind == "Secret":
            for field in ("data", "stringData"):
                value = _child(node, field)
                if isinstance(value, yaml.MappingNode) and value.value:
                    yield (value.start_mark.line + 1, field,
                           "a Secret with data in a committed file; use secret_mode existing or external")


def _walk(node: yaml.Node, path: tuple[str, ...]) -> Iterator[tuple[int, str, str]]:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            name = str(key.value)
            here = (*path, name)
            if (_PASSWORD_KEY.search(name) and isinstance(value, yaml.ScalarNode) and value.tag.endswith(":str")
                    and value.value and not _PLACEHOLDER.fullmatch(value.value)):
                yield (key.start_mark.line + 1, ".".join(here),
                       "a literal password; read it at render time instead (secret_mode) and never commit it")
            yield from _walk(value, here)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            yield from _walk(item, (*path, str(i)))


def _child(node: yaml.Node, key: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if k.value == key:
                return v  # type: ignore[no-any-return]
    return None


def _scalar_at(node: yaml.Node, key: str) -> Any:
    child = _child(node, key)
    return child.value if isinstance(child, yaml.ScalarNode) else None


def unstable_functions(root: Path) -> list[str]:
    """Template functions in our templates whose output differs between two renders."""
    problems = []
    for path in sorted((root / CHART_DIR / "templates").glob("*")):
        try:
            raw = files.read_text(path, MAX_SCAN_BYTES)
        except (OSError, UnicodeDecodeError):
            continue  # a directory, or what chart_tree() reports
        text = _COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), raw)
        for action in _ACTION.finditer(text):
            for m in _UNSTABLE.finditer(action.group(1)):
                line = text.count("\n", 0, action.start() + m.start()) + 1
                problems.append(f"error: {path.relative_to(root)}:{line}: {m.group(1)}: differs between renders "
                                "(Argo CD would show the application OutOfSync forever); use values instead")
    return problems


def secret_stable(root: Path, helm_binary: str | None = None) -> list[str]:
    """Render our Secret twice with a probe password: same bytes, and data that is that password."""
    with atomic.scratch("twofa-redis.guard.") as tmp:
        stage = Path(tmp) / "chart"
        stage.mkdir()
        source = root / CHART_DIR
        files.confined_copy(source / "templates", stage / "templates")
        for name in ("Chart.yaml", "values.yaml"):
            try:
                (stage / name).write_bytes(files.read_regular_file(source / name, MAX_SCAN_BYTES))
            except OSError as e:
                raise RenderError(f"{CHART_DIR}/{name}: cannot read: {e.strerror}") from None
        strip_dependencies(stage)  # our templates only: the subchart has no Secret of ours
        probe = Path(tmp) / "probe.yaml"
        atomic.write_private(probe, yamlio.dump_document({
            "secret": {"mode": "render", "password": PROBE},
            "redis": {"enabled": True, "auth": {"existingSecret": "guard-probe"}},
            "networkPolicy": {"enabled": False},
        }))
        args = ["template", "guard", str(stage), "--namespace", "guard", "--values", str(probe),
                "--show-only", "templates/secret.yaml"]
        # A pass is cached under every file helm reads here (the probe is no password): see
        # check/helmcache.py. A finding is never cached.
        key = helmcache.key("guard", args, Path(tmp), helm_binary or helm.find_helm(root))
        if key is not None:
            key.code("check/guard.py")
            if cache.get(key) == "":
                return []
        first = helm.run(args, helm_binary, root=root)
        second = helm.run(args, helm_binary, root=root)
    problems = _stable_problems(first, second)
    if key is not None and not problems:
        cache.put(key, "")
    return problems


def _stable_problems(first: str, second: str) -> list[str]:
    if first != second:
        return ["error: chart/templates/secret.yaml: the Secret's data differs between two renders of the same "
                "password; Argo CD would never be in sync"]
    docs = [d for d in yaml.safe_load_all(first) if d]
    data = [v for d in docs if d.get("kind") == "Secret" for v in (d.get("data") or {}).values()]
    if [base64.b64decode(v).decode() for v in data] != [PROBE]:
        return ["error: chart/templates/secret.yaml: the rendered Secret does not hold exactly the password given "
                "at render time under one key"]
    return []


def chart_tree(root: Path) -> list[str]:
    """chart/ holds only what Argo CD's repo-server renders: regular files and directories, and
    links that stay inside it (the git-ignored archives in chart/charts/ are not ours)."""
    try:
        for _ in files.confined_tree(root / CHART_DIR, skip=("charts",)):
            pass
    except files.NotReadable as e:
        return [f"error: {Path(e.filename).relative_to(root)}: {e.strerror}"]
    except OSError as e:
        return [f"error: {CHART_DIR}/: cannot read: {e.strerror}"]
    return []


def findings(root: Path) -> list[str]:
    """Every finding of the guard, as `error: ...` lines; empty when clean."""
    tree = chart_tree(root)
    if tree:
        return tree  # nothing under chart/ is rendered or scanned until it is safe to read
    try:
        stable = secret_stable(root)
    except RenderError as e:
        stable = e.lines()
    return [*literal_passwords(root), *unstable_functions(root), *stable]


def summary(root: Path) -> tuple[list[str], list[str]]:
    """(progress lines, problems) of the guard; `check` runs it before the settings are read."""
    found = findings(root)
    files = len(guarded_files(root))
    clean = (f"guard: {plural(files, 'file')} under chart/, environments/ and argocd/ "
             f"{'holds' if files == 1 else 'hold'} no password; our Secret renders the same twice")
    return [clean if not found else f"guard: {plural(len(found), 'problem')}"], found
