"""`plan` end to end: a base commit and a changed work tree in a temporary git repository made from
the tests' own project, planned through the CLI, with the real helm and (where the case needs the
Redis StatefulSet) the real Bitnami subchart of each side's chart_version."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.support import ha
from tests.support import plan as support
from tests.support.cli import Ran

STS = "StatefulSet/redis/redis-master"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> support.Repo:
    """The project committed with the archive of its chart_version (the highest one there is)."""
    (version,) = support.versions(1)
    return support.make(tmp_path, monkeypatch, version)


@pytest.fixture
def bare_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> support.Repo:
    """The project committed without any archive: a fresh clone."""
    return support.make(tmp_path, monkeypatch, None)


def plan(cli: Any, repo: support.Repo, *args: str) -> tuple[Ran, dict[str, Any]]:
    """The plan as JSON, and the run (its exit code; the text report goes to stderr with --output)."""
    out = repo.root.parent / "plan.json"
    ran = cli(repo.root, "plan", *args, "--format", "json", "--output", str(out))
    assert "Traceback" not in ran.err
    return ran, json.loads(out.read_text()) if out.exists() else {}


def env_of(doc: dict[str, Any], env: str) -> dict[str, Any]:
    return next(e for e in doc["environments"] if e["env"] == env)


def kinds(e: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [f for f in e["findings"] if f["kind"] == kind]


def actions(e: dict[str, Any]) -> dict[str, str]:
    return {c["object"]: "forbidden" if c["forbidden"] else c["action"] for c in e["changes"]}


def test_unchanged_tree_says_no_changes(repo: support.Repo, cli: Any) -> None:
    ran = cli(repo.root, "plan")
    assert ran.code == 0, ran.err
    for env in ("dev", "prod", "staging"):
        assert f"\n{env}: no changes\n" in ran.out
    assert ran.out.rstrip().endswith("plan: no changes")
    assert "NOT compared" not in ran.out


def test_without_an_archive_no_change_is_not_claimed_for_what_was_not_compared(bare_repo: support.Repo,
                                                                               cli: Any) -> None:
    ran = cli(bare_repo.root, "plan", "prod")
    assert ran.code == 0, ran.err
    assert "prod: no changes; NOT compared: see below" in ran.out
    assert "prod: NOT compared: the Bitnami subchart's objects (the Redis StatefulSet" in ran.out
    assert "no archive for chart_version 24.0.9 on either side; place redis-<version>.tgz in chart/charts/" in ran.out
    assert ran.out.rstrip().endswith("plan: no changes among the objects compared")


def test_without_an_archive_a_changed_subchart_value_is_shown_never_no_changes(bare_repo: support.Repo,
                                                                                cli: Any) -> None:
    """No archive on either side: the StatefulSet cannot be rendered, but what it is handed can be
    compared, and the reviewer reads that it changes (a storage change would be refused)."""
    bare_repo.set_line("prod", "storage_size", "16Gi")
    ran = cli(bare_repo.root, "plan", "prod")
    assert ran.code == 0, ran.err
    assert "prod: no changes" not in ran.out
    assert "prod: the subchart's values change; its objects NOT compared: see below" in ran.out
    assert "\n    redis.master.persistence.size: '8Gi' -> '16Gi'\n" in ran.out
    assert ran.out.rstrip().endswith("NOT known for prod: the subchart's values change but its objects were not "
                                     "rendered (no archive)")
    doc = json.loads(cli(bare_repo.root, "plan", "prod", "--format", "json").out)
    assert env_of(doc, "prod")["values_changed"] == ["redis.master.persistence.size: '8Gi' -> '16Gi'"]


def test_storage_up_is_forbidden_with_the_expand_runbook(repo: support.Repo, cli: Any) -> None:
    repo.set_line("prod", "storage_size", "16Gi")
    ran, doc = plan(cli, repo, "prod")
    assert ran.code == 1
    prod = env_of(doc, "prod")
    assert prod["summary"] == {"create": 0, "update": 0, "restart": 0, "delete": 0, "forbidden": 1, "data_at_risk": 0}
    (finding,) = kinds(prod, "forbidden")
    assert finding["object"] == STS and finding["blocking"]
    assert finding["detail"][0].startswith('StatefulSet.apps "redis-master" is invalid: spec: Forbidden: updates to '
                                           "statefulset spec for fields other than 'replicas', 'ordinals'")
    assert "changed: spec.volumeClaimTemplates[0].spec.resources.requests.storage: '8Gi' -> '16Gi'" in finding["detail"]
    runbook = "\n".join(finding["runbook"])
    assert "kubectl get storageclass gp3 -o jsonpath='{.allowVolumeExpansion}'" in runbook
    assert ("kubectl -n redis patch pvc redis-data-redis-master-0 -p "
            "'{\"spec\":{\"resources\":{\"requests\":{\"storage\":\"16Gi\"}}}}'") in runbook
    assert "kubectl -n redis delete statefulset redis-master --cascade=orphan" in runbook
    assert "argocd app set" not in runbook  # prod is synced by a person: nothing to pause
    assert "prod: 0 to create, 0 to update (0 restart Redis), 0 to delete, 1 forbidden, 0 put data at risk" in ran.err


def test_an_acknowledged_finding_lets_the_plan_pass_and_is_shown(repo: support.Repo, cli: Any) -> None:
    repo.set_line("prod", "storage_size", "16Gi")
    repo.set("prod", plan_acknowledgements=[{"finding": "forbidden", "object": "StatefulSet/redis-master",
                                            "reason": "PVC expanded and StatefulSet orphaned by hand first"},
                                           {"finding": "data-at-risk", "object": "StatefulSet/other", "reason": "x"}])
    ran = cli(repo.root, "plan", "prod")
    assert ran.code == 0, ran.out
    assert "    acknowledged in environments/prod.yaml: PVC expanded and StatefulSet orphaned by hand first" in ran.out
    assert ("prod: acknowledgement matches no finding (remove it once synced): data-at-risk StatefulSet/other"
            in ran.out)


def test_storage_down_is_forbidden_and_the_claim_cannot_shrink(repo: support.Repo, cli: Any) -> None:
    repo.set_line("prod", "storage_size", "4Gi")
    ran, doc = plan(cli, repo, "prod")
    assert ran.code == 1
    (finding,) = kinds(env_of(doc, "prod"), "forbidden")
    assert any(d.startswith('the claim cannot take it either: PersistentVolumeClaim "redis-data-redis-master-0" is '
                            "invalid: spec.resources.requests.storage: Forbidden: field can not be less than")
               for d in finding["detail"]), finding["detail"]
    assert "kubectl -n redis delete pvc redis-data-redis-master-0" in "\n".join(finding["runbook"])


def test_storage_class_change_is_forbidden(repo: support.Repo, cli: Any) -> None:
    repo.set_line("prod", "storage_class_name", "io2")
    ran, doc = plan(cli, repo, "prod")
    assert ran.code == 1
    (finding,) = kinds(env_of(doc, "prod"), "forbidden")
    assert "changed: spec.volumeClaimTemplates[0].spec.storageClassName: 'gp3' -> 'io2'" in finding["detail"]


def test_resources_change_restarts_redis_and_is_allowed(repo: support.Repo, cli: Any) -> None:
    repo.set("prod", resources={"requests": {"cpu": "250m", "memory": "384Mi"},
                                "limits": {"cpu": "1", "memory": "768Mi"}})
    ran, doc = plan(cli, repo, "prod")
    assert ran.code == 0, ran.err
    prod = env_of(doc, "prod")
    # maxmemory follows the memory limit (generator/render/memory.py), so redis.conf changes too.
    assert actions(prod) == {f"apps/v1/{STS}": "update", "v1/ConfigMap/redis/redis-configuration": "update"}
    assert prod["summary"]["restart"] == 1 and prod["summary"]["forbidden"] == 0
    (restart,) = kinds(prod, "restart")
    assert "containers[name=redis].resources.limits.memory: 512Mi -> 768Mi" in restart["title"]
    assert restart["detail"][0].startswith("standalone Redis: OTP logins fail for about ")
    assert "Redis writes its RDB file on SIGTERM" in restart["detail"][0]
    assert "initialDelaySeconds 20 s" in restart["detail"][0]  # Bitnami's readiness probe, read from the render


def test_image_tag_change_restarts_redis(repo: support.Repo, cli: Any) -> None:
    repo.set_line("prod", "image_tag", "redis-8.4.1")
    ran, doc = plan(cli, repo, "prod")
    assert ran.code == 0, ran.err
    (restart,) = kinds(env_of(doc, "prod"), "restart")
    assert "containers[name=redis].image" in restart["title"] and "redis-8.4.1" in restart["title"]


def test_metrics_on_restarts_redis_and_creates_the_metrics_service(repo: support.Repo, cli: Any) -> None:
    repo.set("dev", metrics_enabled=True)
    ran, doc = plan(cli, repo, "dev")
    assert ran.code == 0, ran.err
    dev = env_of(doc, "dev")
    assert actions(dev)["v1/Service/redis/redis-metrics"] == "create"
    assert actions(dev)[f"apps/v1/{STS}"] == "update"
    (restart,) = kinds(dev, "restart")
    assert "containers[name=metrics]" in restart["title"]
    assert dev["summary"]["create"] == 1 and dev["summary"]["forbidden"] == 0


@pytest.mark.parametrize(("setting", "value", "old", "new"), [
    ("release_name", "twofa", "redis/redis-data-redis-master-0", "redis/redis-data-twofa-redis-master-0"),
    ("namespace", "otp", "redis/redis-data-redis-master-0", "otp/redis-data-redis-master-0"),
])
def test_release_and_namespace_renames_put_data_at_risk(repo: support.Repo, cli: Any, setting: str, value: str,
                                                         old: str, new: str) -> None:
    repo.set_line("_common", setting, value)
    ran, doc = plan(cli, repo, "prod")
    assert ran.code == 1
    prod = env_of(doc, "prod")
    (risk,) = kinds(prod, "data-at-risk")
    assert risk["object"] == STS
    assert risk["title"] == f"the PVC holding the RDB file is abandoned: {old}"
    assert f"new PVC {new}: created empty" in risk["detail"]
    assert actions(prod)[f"apps/v1/{STS}"] == "delete"
    assert prod["summary"]["data_at_risk"] == 1 and prod["summary"]["forbidden"] == 0
    assert "redis_host" in [o["output"] for o in prod["outputs"]]


def test_persistence_off_is_forbidden_and_puts_data_at_risk(repo: support.Repo, cli: Any) -> None:
    repo.set("prod", persistence_enabled=False)
    ran, doc = plan(cli, repo, "prod")
    assert ran.code == 1
    prod = env_of(doc, "prod")
    (forbidden,) = kinds(prod, "forbidden")
    assert any(d.startswith("changed: spec.volumeClaimTemplates") for d in forbidden["detail"])
    (risk,) = kinds(prod, "data-at-risk")
    assert "no new PVC: the new side keeps no data on disk" in risk["detail"]
    assert any("persistence_enabled turned off" in d for d in risk["detail"])


def test_ha_on_changes_the_outputs_the_backend_uses(repo: support.Repo, cli: Any) -> None:
    ha.enable(repo.root)
    ran, doc = plan(cli, repo, "prod")
    assert ran.code == 1  # the standalone claim is abandoned
    prod = env_of(doc, "prod")
    outputs = {o["output"]: (o["old"], o["new"]) for o in prod["outputs"]}
    assert outputs["redis_host"] == ("redis-master.redis.svc.cluster.local", "redis.redis.svc.cluster.local")
    assert outputs["redis_connection_url"][1] == "redis+sentinel://redis.redis.svc.cluster.local:26379/mymaster"
    (flag,) = kinds(prod, "outputs")
    assert flag["title"].endswith("change: the backend must change with this")
    (risk,) = kinds(prod, "data-at-risk")
    assert [d for d in risk["detail"] if d.startswith("new PVC")] == [
        f"new PVC redis/redis-data-redis-node-{i}: created empty" for i in range(3)]
    assert actions(prod)["apps/v1/StatefulSet/redis/redis-node"] == "create"


def test_chart_version_bump_renders_each_side_with_its_own_archive(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                   cli: Any) -> None:
    old, new = support.versions(2)
    repo = support.make(tmp_path, monkeypatch, old)
    repo.place(new)
    repo.set_line("_common", "chart_version", new)
    ran, doc = plan(cli, repo, "prod")
    assert ran.code == 0, ran.err
    assert doc["base"]["subchart"].endswith(f"redis-{old}.tgz") and doc["new"]["subchart"].endswith(f"redis-{new}.tgz")
    prod = env_of(doc, "prod")
    assert prod["not_compared"] == []
    assert prod["summary"]["forbidden"] == 0 and prod["summary"]["data_at_risk"] == 0
    (restart,) = kinds(prod, "restart")
    assert f"chart label redis-{old} -> redis-{new}" in restart["title"]
    assert all(c["action"] == "update" for c in prod["changes"])


def test_a_side_without_its_archive_is_not_compared_never_unchanged(repo: support.Repo, cli: Any) -> None:
    repo.set_line("_common", "chart_version", "99.0.0")  # no archive of that version anywhere
    ran, doc = plan(cli, repo, "prod")
    prod = env_of(doc, "prod")
    (note,) = prod["not_compared"]
    assert note.startswith("9 objects of the Bitnami subchart, rendered on HEAD") or "objects of the Bitnami" in note
    assert "the work tree has no archive for chart_version 99.0.0" in note and STS in note
    assert all(not c["object"].startswith(f"apps/v1/{STS}") for c in prod["changes"])
    assert "NOT compared" in ran.err


def test_a_removed_environment_with_prune_puts_its_data_at_risk(repo: support.Repo, cli: Any) -> None:
    repo.env_file("staging").unlink()
    ran, doc = plan(cli, repo)
    assert ran.code == 1
    staging = env_of(doc, "staging")
    assert staging["status"] == "removed"
    assert set(actions(staging).values()) == {"delete"}
    (risk,) = kinds(staging, "data-at-risk")
    assert "why: the environment is removed, and its Application prunes automatically" in risk["detail"]
    assert risk["runbook"][0].startswith("argocd app delete twofa-redis-staging")
    assert "environment removed: 0 to create" in ran.err
    assert env_of(doc, "prod")["status"] == env_of(doc, "dev")["status"] == "unchanged"


def test_a_removed_environment_without_prune_is_left_running(repo: support.Repo, cli: Any) -> None:
    repo.env_file("prod").unlink()
    ran, doc = plan(cli, repo, "prod")
    assert ran.code == 0, ran.err
    prod = env_of(doc, "prod")
    assert kinds(prod, "data-at-risk") == []
    notes = {f["title"] for f in kinds(prod, "delete")}
    removed = "the environment is removed: deleted when its Application twofa-redis-prod is"
    assert any(n.startswith(removed) for n in notes)


def test_a_removed_environment_is_acknowledged_in_common(repo: support.Repo, cli: Any) -> None:
    repo.env_file("staging").unlink()
    common = repo.env_file("_common")
    common.write_text(common.read_text() + "plan_acknowledgements:\n  - finding: data-at-risk\n"
                      "    object: StatefulSet/redis-master\n    environment: staging\n"
                      "    reason: staging is retired; its codes are test data\n")
    ran = cli(repo.root, "plan", "staging")
    assert ran.code == 0, ran.out
    assert "acknowledged in environments/staging.yaml: staging is retired; its codes are test data" in ran.out


def test_a_duplicate_destination_is_an_error_naming_both_files(bare_repo: support.Repo, cli: Any) -> None:
    shutil.copy(bare_repo.env_file("staging"), bare_repo.env_file("qa"))
    bare_repo.set("qa", env="qa")
    ran, doc = plan(cli, bare_repo)
    assert ran.code == 1
    qa = env_of(doc, "qa")
    assert qa["status"] == "added"
    (conflict,) = kinds(qa, "conflict")
    assert conflict["title"].startswith("environments/qa.yaml and environments/staging.yaml: both Applications deploy "
                                        "release 'redis' into namespace 'redis' on https://k8s.staging.example.internal")
    bare_repo.build("qa")
    checked = cli(bare_repo.root, "check")
    assert checked.code == 1
    assert ("error: environments/qa.yaml and environments/staging.yaml: both Applications deploy release 'redis'"
            in checked.err)


def test_a_new_environment_is_all_creates(bare_repo: support.Repo, cli: Any) -> None:
    text = bare_repo.env_file("dev").read_text().replace("env: dev", "env: qa")
    bare_repo.env_file("qa").write_text(text.replace("k8s.dev.example.internal", "k8s.qa.example.internal"))
    ran, doc = plan(cli, bare_repo, "qa")
    assert ran.code == 0, ran.err
    qa = env_of(doc, "qa")
    assert qa["status"] == "added" and set(actions(qa).values()) == {"create"}
    assert "argoproj.io/v1alpha1/Application/argocd/twofa-redis-qa" in actions(qa)
    assert all(d.startswith("--- /dev/null\n") for d in qa["diffs"])


def test_a_sync_policy_change_is_an_update_of_the_application(bare_repo: support.Repo, cli: Any) -> None:
    prod = bare_repo.env_file("prod")
    prod.write_text(prod.read_text() + "argocd:\n  automated: true\n")
    ran, doc = plan(cli, bare_repo, "prod")
    assert ran.code == 0, ran.err
    (diff,) = env_of(doc, "prod")["diffs"]
    assert diff.startswith("--- a/argoproj.io/v1alpha1/Application/argocd/twofa-redis-prod\n")
    assert [line for line in diff.splitlines() if line[:1] in "+-" and not line.startswith(("+++", "---"))] == [
        "+    automated:", "+      prune: false", "+      selfHeal: false"]


def test_a_one_field_change_is_a_one_line_object_diff(bare_repo: support.Repo, cli: Any) -> None:
    bare_repo.set("prod", backend_namespace="otp-backend")
    ran = cli(bare_repo.root, "plan", "prod")
    assert ran.code == 0, ran.err
    detail = ran.out.split("detail: per-object diffs (Secret data masked)\n", 1)[1]
    assert detail.startswith("--- a/networking.k8s.io/v1/NetworkPolicy/redis/redis-backend-access\n")
    assert [line for line in detail.splitlines() if line[:1] in "+-" and not line.startswith(("+++", "---"))] == [
        "-          kubernetes.io/metadata.name: twofa-backend", "+          kubernetes.io/metadata.name: otp-backend"]
    # compared with the commit, not with chart/ on disk: building first changes nothing
    bare_repo.build("prod")
    assert cli(bare_repo.root, "plan", "prod").out == ran.out


def test_bad_input_exits_2(bare_repo: support.Repo, cli: Any, tmp_path: Path) -> None:
    ran = cli(bare_repo.root, "plan", "--base", "no-such-ref")
    assert (ran.code, ran.out) == (2, "")
    assert ran.err.startswith("error: unknown git revision 'no-such-ref': no commit of that name")
    ran = cli(bare_repo.root, "plan", "nope")
    assert ran.code == 2
    assert ran.err.startswith("error: unknown environment 'nope': neither the work tree nor the base has "
                              "environments/nope.yaml (known: dev, prod, staging)")
    (bare_repo.root / "README.txt").write_text("before the project\n")
    bare_repo.git("checkout", "-q", "--orphan", "empty")
    bare_repo.git("rm", "-rq", "--cached", ".")
    bare_repo.git("add", "README.txt")
    bare_repo.git("commit", "-qm", "nothing of the project")
    bare_repo.git("checkout", "-q", "-f", "main")
    ran = cli(bare_repo.root, "plan", "--base", "empty")
    assert ran.code == 2
    assert ran.err.startswith("error: empty (")
    assert "does not hold this project: no environments/ and chart/templates/" in ran.err
    outside = shutil.copytree(bare_repo.root, tmp_path / "outside", ignore=shutil.ignore_patterns(".git"))
    ran = cli(outside, "plan")
    assert (ran.code, ran.err) == (2, f"error: plan compares with a git revision, but {outside} is not in a git "
                                      "repository\n")


def test_a_move_to_another_cluster_leaves_the_old_redis_unmanaged(repo: support.Repo, cli: Any) -> None:
    repo.edit("staging", lambda data: data["argocd"].update(destination_server="https://k8s.new.example.internal"))
    ran, doc = plan(cli, repo, "staging")
    assert ran.code == 1
    staging = env_of(doc, "staging")
    assert staging["moved"] == ["https://k8s.staging.example.internal", "https://k8s.new.example.internal"]
    (risk,) = kinds(staging, "data-at-risk")
    assert any(d.startswith("why: argocd.destination_server https://k8s.staging.example.internal -> "
                            "https://k8s.new.example.internal: the new cluster starts empty") for d in risk["detail"])
    (removal,) = kinds(staging, "delete")
    assert removal["title"].startswith("left running on https://k8s.staging.example.internal: twofa-redis-staging now "
                                       "deploys to https://k8s.new.example.internal")
    assert "staging: moves from https://k8s.staging.example.internal to https://k8s.new.example.internal" in ran.err
