"""The Kubernetes manifests (deploy/kubernetes/, docs/adr/0041) keep the deployment contract: a
broken or loosened manifest fails `make test`, not a rollout. `make lint-deploy` validates them
against Kubernetes' schemas; these tests check the rules the schemas cannot."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
MANIFESTS = ROOT / "deploy" / "kubernetes"
KUBERNETES_VERSION = "1.32.0"  # as the Makefile's lint-deploy
SECRET_NAMES = {
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "CACHE_URL",
    "EMAIL_URL",
    "SECRET_KEY",
    "SIGNING_KEY_ENCRYPTION_KEY",
    "SIGNING_KEY_ENCRYPTION_KEY_PREVIOUS",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "SENTRY_DSN",
    "METRICS_TOKEN",
}


def _documents() -> list[tuple[str, dict[str, Any]]]:
    docs = []
    for path in sorted(MANIFESTS.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        for doc in yaml.safe_load_all(path.read_text()):
            if doc:
                docs.append((path.name, doc))
    return docs


DOCS = _documents()


def _kind(kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for _, d in DOCS if d["kind"] == kind}


def _workloads() -> dict[str, dict[str, Any]]:
    return {**_kind("Deployment"), **_kind("Job")}


def _pod(workload: dict[str, Any]) -> dict[str, Any]:
    pod: dict[str, Any] = workload["spec"]["template"]["spec"]
    return pod


def _command(name: str) -> list[str]:
    command: list[str] = _pod(_kind("Deployment")[name])["containers"][0]["command"]
    return command


def test_the_manifests_are_valid_kubernetes_resources() -> None:
    import kubernetes_validate

    assert len(DOCS) >= 12
    for filename, doc in DOCS:
        try:
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as error:  # type: ignore[attr-defined]
            pytest.fail(f"{filename}: {doc['kind']} {doc['metadata']['name']}: {error}")


def test_every_process_of_the_contract_is_there() -> None:
    deployments = _kind("Deployment")
    assert set(deployments) == {
        "safeguard-web",
        "safeguard-worker-alerts",
        "safeguard-worker-exports",
        "safeguard-scheduler",
    }
    assert _command("safeguard-web")[:2] == ["gunicorn", "safeguard.wsgi"]
    assert "0.0.0.0:8000" in _command("safeguard-web")
    assert deployments["safeguard-web"]["spec"]["replicas"] == 2
    alerts, exports = _command("safeguard-worker-alerts"), _command("safeguard-worker-exports")
    assert alerts[:4] == ["celery", "-A", "safeguard", "worker"]
    assert alerts[alerts.index("-Q") + 1] == "alerts,default"
    assert exports[exports.index("-Q") + 1] == "exports"
    concurrency = [a for a in exports if a.startswith("--concurrency=")]
    assert concurrency
    assert int(concurrency[0].split("=")[1]) <= 2
    assert any(a.startswith("--max-memory-per-child=") for a in exports)
    assert _command("safeguard-scheduler")[:4] == ["celery", "-A", "safeguard", "beat"]
    migrate = _kind("Job")["safeguard-migrate"]
    script = " ".join(_pod(migrate)["containers"][0]["command"])
    assert "manage.py migrate --noinput" in script
    assert "sync_role_permissions" in script


def test_exactly_one_scheduler_and_never_two_during_a_rollout() -> None:
    scheduler = _kind("Deployment")["safeguard-scheduler"]
    assert scheduler["spec"]["replicas"] == 1
    assert scheduler["spec"]["strategy"] == {"type": "Recreate"}


@pytest.mark.parametrize("name", sorted(_workloads()))
def test_every_pod_runs_locked_down(name: str) -> None:
    pod = _pod(_workloads()[name])
    context = pod["securityContext"]
    assert context["runAsNonRoot"] is True
    assert context["runAsUser"] > 0
    assert context["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["automountServiceAccountToken"] is False
    assert not pod.get("hostNetwork")
    assert not pod.get("hostPID")
    assert not pod.get("hostIPC")
    volumes = {v["name"]: v for v in pod["volumes"]}
    for container in pod["containers"]:
        own = container["securityContext"]
        assert own["readOnlyRootFilesystem"] is True
        assert own["allowPrivilegeEscalation"] is False
        assert own["capabilities"]["drop"] == ["ALL"]
        assert "add" not in own["capabilities"]
        assert own.get("runAsUser", 1) != 0
        assert not own.get("privileged")
        assert container["resources"]["limits"]["memory"]
        assert all("hostPort" not in p for p in container.get("ports", []))
        mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
        # Writable places on a read-only root: /tmp and the metrics' multiprocess directory.
        assert "emptyDir" in volumes[mounts["/tmp"]]  # noqa: S108 (the manifest's mount point)
        config = _kind("ConfigMap")["safeguard-config"]["data"]
        assert "emptyDir" in volumes[mounts[config["PROMETHEUS_MULTIPROC_DIR"]]]
        refs = container["envFrom"]
        assert {"configMapRef": {"name": "safeguard-config"}} in refs
        assert {"secretRef": {"name": "safeguard-secrets"}} in refs


@pytest.mark.parametrize("name", sorted(_kind("Deployment")))
def test_every_long_running_container_has_probes(name: str) -> None:
    container = _pod(_kind("Deployment")[name])["containers"][0]
    assert "livenessProbe" in container
    assert "startupProbe" in container
    if name == "safeguard-web":
        allowed = _kind("ConfigMap")["safeguard-config"]["data"]["ALLOWED_HOSTS"].split(",")
        for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
            get = container[probe]["httpGet"]
            assert get["path"] == "/healthz/"
            assert {"name": "Host", "value": allowed[0]} in get["httpHeaders"]
        return
    command = container["livenessProbe"]["exec"]["command"]
    assert command[:4] == ["python", "manage.py", "health", name.split("-")[1]]
    if "worker" in name:
        # The node name the probe asks for is the one the worker is started with.
        node = command[command.index("--node") + 1]
        started = _command(name)
        assert started[started.index("-n") + 1] == f"{node}@%h"


def test_web_is_published_only_through_the_ingress() -> None:
    services = _kind("Service")
    assert set(services) == {"safeguard-web"}
    assert all(s["spec"].get("type", "ClusterIP") == "ClusterIP" for s in services.values())
    ingress = _kind("Ingress")["safeguard"]
    assert ingress["spec"]["tls"][0]["secretName"]
    host = _kind("ConfigMap")["safeguard-config"]["data"]["ALLOWED_HOSTS"].split(",")[0]
    assert ingress["spec"]["tls"][0]["hosts"] == [host]
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend["name"] == "safeguard-web"


def test_network_policies_let_in_only_the_ingress_to_web() -> None:
    policies = _kind("NetworkPolicy")
    deny = policies["safeguard-default-deny-ingress"]["spec"]
    assert deny["podSelector"] == {}
    assert deny["policyTypes"] == ["Ingress"]
    assert "ingress" not in deny
    web = policies["safeguard-web"]["spec"]
    assert web["podSelector"]["matchLabels"]["app.kubernetes.io/component"] == "web"
    (rule,) = web["ingress"]
    assert rule["ports"] == [{"protocol": "TCP", "port": 8000}]
    assert all("namespaceSelector" in peer and "ipBlock" not in peer for peer in rule["from"])
    workers = policies["safeguard-workers"]["spec"]
    assert workers["ingress"] == []
    (selector,) = workers["podSelector"]["matchExpressions"]
    assert set(selector["values"]) == {"worker-alerts", "worker-exports", "scheduler", "migrate"}


def test_no_secret_is_written_in_the_files() -> None:
    assert not _kind("Secret")
    config = _kind("ConfigMap")["safeguard-config"]["data"]
    assert not SECRET_NAMES & set(config)
    assert config["DJANGO_SETTINGS_MODULE"] == "safeguard.settings.production"
    assert config["SITE_URL"].startswith("https://")
    for path in MANIFESTS.glob("*.yaml"):
        text = path.read_text()
        assert not re.search(r"(?m)^\s*(SECRET_KEY|DATABASE_URL|AWS_SECRET_ACCESS_KEY)\s*:", text)
        assert "postgres://" not in text
        assert "redis://" not in text


def test_kustomization_lists_every_long_lived_resource() -> None:
    kustomization = yaml.safe_load((MANIFESTS / "kustomization.yaml").read_text())
    files = {p.name for p in MANIFESTS.glob("*.yaml")} - {"kustomization.yaml"}
    # The migration Job is applied on its own before each rollout (docs/operations.md).
    assert set(kustomization["resources"]) == files - {"migrate-job.yaml"}
    images = {d["containers"][0]["image"] for d in map(_pod, _workloads().values())}
    assert images == {i["name"] for i in kustomization["images"]}


def test_the_commands_are_plain_argument_lists() -> None:
    """An exec form with no shell (bar the migration's two commands), so signals reach the
    process: gunicorn and Celery shut down warmly on a rollout."""
    for name in _kind("Deployment"):
        command = _command(name)
        assert command[0] in {"gunicorn", "celery"}
        assert shlex.join(command).count("&&") == 0


def _compose() -> dict[str, Any]:
    compose: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return compose


@pytest.mark.parametrize("service", ["worker-alerts", "worker-exports", "scheduler"])
def test_each_worker_and_the_scheduler_run_as_in_the_compose_file(service: str) -> None:
    """The manifests mirror docker-compose: the same queues, concurrency and limits, so the
    sizing in docs/operations.md holds for both (the order of the flags aside)."""
    compose = _compose()["services"][service]["command"]
    assert sorted(_command(f"safeguard-{service}")) == sorted(compose)


@pytest.mark.parametrize("service", ["worker-alerts", "worker-exports"])
def test_every_worker_replaces_a_grown_pool_process_and_is_capped(service: str) -> None:
    compose = _compose()["services"][service]
    assert any(a.startswith("--max-memory-per-child=") for a in compose["command"])
    assert compose["mem_limit"]
    container = _pod(_kind("Deployment")[f"safeguard-{service}"])["containers"][0]
    assert container["resources"]["limits"]["memory"]


def test_every_setting_compose_passes_has_a_place_in_the_manifests() -> None:
    """A setting docker-compose hands the app is in the ConfigMap (or there as a commented
    example), or is a secret, or belongs to compose's single-host file volume."""
    compose_only = {"MEDIA_ROOT", "FILE_STORAGE"}  # the `media` volume: one host only
    environment = set(_compose()["x-app"]["environment"])
    config = set(_kind("ConfigMap")["safeguard-config"]["data"])
    comment = (MANIFESTS / "configmap.yaml").read_text()
    missing = sorted(
        name
        for name in environment - config - SECRET_NAMES - compose_only
        if f"# {name}:" not in comment
    )
    assert not missing, f"not in deploy/kubernetes/configmap.yaml: {missing}"
