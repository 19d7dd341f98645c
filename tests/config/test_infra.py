"""The deployment files: valid offline (as `make check-infra` runs them), complete, and in
agreement with each other and with the README."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.servers import ROOT

MANIFESTS = ROOT / "infra" / "k8s" / "cohort.yaml"
COMPOSE = ROOT / "infra" / "docker-compose.yml"
BIN = Path(sys.executable).parent


def resources() -> dict[str, dict]:
    documents = yaml.safe_load_all(MANIFESTS.read_text())
    return {f"{doc['kind']}/{doc['metadata']['name']}": doc for doc in documents if doc}


def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def validate_manifests(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [BIN / "kubernetes-validate", "--strict", "--quiet", path],
        capture_output=True,
        text=True,
        timeout=60,
    )


def validate_compose(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [BIN / "check-jsonschema", "--builtin-schema", "vendor.compose-spec", path],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_manifests_and_the_compose_file_pass_their_schemas():
    assert validate_manifests(MANIFESTS).returncode == 0
    assert validate_compose(COMPOSE).returncode == 0


def test_the_validators_catch_a_misspelt_field_and_a_wrong_type(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text(MANIFESTS.read_text().replace("readinessProbe:", "readynessProbe:", 1))
    result = validate_manifests(broken)
    assert result.returncode != 0
    assert "readynessProbe" in result.stdout + result.stderr
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(MANIFESTS.read_text().replace("replicas: 2", "replicas: two", 1))
    assert validate_manifests(wrong).returncode != 0

    bad_compose = tmp_path / "docker-compose.yml"
    bad_compose.write_text(COMPOSE.read_text().replace("healthcheck:", "healthcheck_:", 1))
    assert validate_compose(bad_compose).returncode != 0


def pod_specs() -> dict[str, dict]:
    found = resources()
    return {
        "Job": found["Job/cohort-migrate"]["spec"]["template"]["spec"],
        "Deployment": found["Deployment/cohort-web"]["spec"]["template"]["spec"],
    }


@pytest.mark.parametrize("kind", ["Job", "Deployment"])
def test_every_pod_runs_as_non_root_with_resources_and_no_privileges(kind):
    spec = pod_specs()[kind]
    assert spec["securityContext"]["runAsNonRoot"] is True
    # The image's own user (Dockerfile: useradd --uid 10001).
    assert spec["securityContext"]["runAsUser"] == 10001
    assert "--uid 10001" in (ROOT / "Dockerfile").read_text()
    for container in spec["containers"]:
        assert container["securityContext"]["allowPrivilegeEscalation"] is False
        assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]
        assert container["resources"]["requests"]["memory"]
        assert container["resources"]["limits"]["memory"]


def test_the_web_pods_have_probes_on_healthz_and_a_disruption_budget():
    found = resources()
    deployment = found["Deployment/cohort-web"]
    (web,) = deployment["spec"]["template"]["spec"]["containers"]
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert web[probe]["httpGet"]["path"] == "/healthz"
        assert web[probe]["httpGet"]["port"] == web["ports"][0]["containerPort"]
    budget = found["PodDisruptionBudget/cohort-web"]["spec"]
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert budget["selector"]["matchLabels"] == labels
    assert 1 <= budget["minAvailable"] < deployment["spec"]["replicas"]
    assert found["Service/cohort-web"]["spec"]["selector"] == labels


def test_migrations_run_once_in_a_job_with_the_web_pods_image():
    found = resources()
    job = found["Job/cohort-migrate"]["spec"]["template"]["spec"]
    (migrate,) = job["containers"]
    assert migrate["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert job["restartPolicy"] == "Never"
    (web,) = found["Deployment/cohort-web"]["spec"]["template"]["spec"]["containers"]
    assert migrate["image"] == web["image"]
    assert "migrate" not in (ROOT / "Dockerfile").read_text().split("CMD", 1)[1]


def documented_variables() -> set[str]:
    """The variables of the README's served-mode table (its first column)."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Served mode", 1)[1].split("\n## ", 1)[0]
    names = set()
    for row in section.splitlines():
        if row.startswith("| `"):
            names |= set(re.findall(r"`([A-Z][A-Z0-9_]*)`", row.split("|")[1]))
    return names


def kubernetes_environment(container: dict) -> set[str]:
    config_map = resources()["ConfigMap/cohort"]["data"]
    names = {variable["name"] for variable in container.get("env", [])}
    for source in container.get("envFrom", []):
        assert source == {"configMapRef": {"name": "cohort"}}
        names |= set(config_map)
    return names


def test_compose_and_kubernetes_set_the_same_documented_variables():
    services = compose()["services"]
    in_compose = {name: set(services[name]["environment"]) for name in ("migrate", "web")}
    specs = pod_specs()
    in_kubernetes = {
        kind: kubernetes_environment(spec["containers"][0]) for kind, spec in specs.items()
    }
    assert in_compose["migrate"] == in_compose["web"]
    assert in_kubernetes["Job"] == in_kubernetes["Deployment"]
    assert in_compose["web"] == in_kubernetes["Deployment"]
    documented = documented_variables()
    assert {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "CHANNEL_REDIS_URLS"} <= documented
    assert in_compose["web"] - documented == set()
    assert {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ALLOWED_HOSTS"} <= in_compose["web"]


def test_the_secrets_come_from_a_secret_never_from_the_config_map():
    config_map = resources()["ConfigMap/cohort"]["data"]
    secret = {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "TURN_SECRET"}
    assert not secret & set(config_map)
    for spec in pod_specs().values():
        refs = {
            variable["name"]: variable["valueFrom"]["secretKeyRef"]
            for variable in spec["containers"][0]["env"]
        }
        assert refs == {name: {"name": "cohort", "key": name} for name in secret}
