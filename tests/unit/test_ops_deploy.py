"""The deployment files, checked without Docker or AWS: Dockerfile, compose, nginx, Terraform."""

from __future__ import annotations

import ipaddress
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from seatguard.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
ALL_INTERFACES = "0.0.0.0"  # noqa: S104 - what a container must listen on
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

# Variables the containers read that are not SeatGuard settings.
NOT_SETTINGS = {
    "HEALTH_PORT",  # the image's HEALTHCHECK
    "PROMETHEUS_MULTIPROC_DIR",  # prometheus_client
    "AWS_ACCESS_KEY_ID",  # boto3
    "AWS_SECRET_ACCESS_KEY",
}
SEATGUARD_COMMANDS = {"serve", "auth", "booking", "worker", "sweeper", "sandbox", "db"}


def settings_env_names() -> set[str]:
    names: set[str] = set()
    for field in Settings.model_fields.values():
        alias = field.validation_alias
        if isinstance(alias, str):
            names.add(alias)
        elif alias is not None:
            names.update(str(choice) for choice in alias.choices)  # type: ignore[union-attr]
    return names


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = (DEPLOY / "Dockerfile").read_text()
    joined = re.sub(r"\\\n", " ", text)
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "")
        for line in (raw.strip() for raw in joined.splitlines())
        if line and not line.startswith("#")
    ]


def runtime_stage() -> list[tuple[str, str]]:
    instructions = dockerfile_instructions()
    starts = [i for i, (op, _) in enumerate(instructions) if op == "FROM"]
    return instructions[starts[-1] :]


def test_the_image_is_multi_stage_on_slim_python_and_runs_as_a_non_root_user():
    froms = [arg for op, arg in dockerfile_instructions() if op == "FROM"]
    assert len(froms) == 2
    assert all(arg.startswith("python:3.12-slim") for arg in froms)
    runtime = runtime_stage()
    users = [arg for op, arg in runtime if op == "USER"]
    assert users, "the runtime stage must switch user"
    assert users[-1].split(":")[0] not in ("root", "0")
    assert any(op == "COPY" and "--from=builder" in arg for op, arg in runtime)


def test_the_image_entrypoint_cmd_ports_and_healthcheck():
    runtime = dict(runtime_stage()[1:])  # the last of each instruction wins
    assert json.loads(runtime["ENTRYPOINT"]) == ["seatguard"]
    assert json.loads(runtime["CMD"]) == ["serve", "--host", ALL_INTERFACES]
    assert set(runtime["EXPOSE"].split()) == {"3000", "4000"}
    health = runtime["HEALTHCHECK"]
    assert "CMD" in health
    assert "/health" in health
    assert "python" in health
    assert "curl" not in health
    assert "wget" not in health


def test_the_healthcheck_command_is_valid_python():
    runtime = dict(runtime_stage()[1:])
    exec_form = json.loads(runtime["HEALTHCHECK"].split("CMD", 1)[1].strip())
    assert exec_form[:2] == ["python", "-c"]
    compile(exec_form[2], "<healthcheck>", "exec")


@pytest.mark.parametrize(
    "args",
    [["--help"], ["serve", "--help"], ["db", "upgrade", "--help"], ["worker", "--help"]],
)
def test_the_entrypoint_commands_exist(args):
    # What the image runs: `seatguard ARGS` (here as `python -m seatguard`, the same app).
    done = subprocess.run(
        [sys.executable, "-m", "seatguard", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "SEATGUARD_ENV": "production", "JWT_SECRET": "x" * 40},
    )
    assert done.returncode == 0, done.stderr
    assert "Usage" in done.stdout
    if args[0] == "serve":
        assert "--host" in done.stdout


def test_the_images_production_defaults_form_valid_settings():
    env = {}
    for op, arg in runtime_stage():
        if op == "ENV":
            env.update(dict(re.findall(r"(\w+)=(\S+)", arg)))
    assert env["SEATGUARD_ENV"] == "production"
    assert set(env) - NOT_SETTINGS - {"PATH", "PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE"} <= (
        settings_env_names()
    )
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            if key != "PATH":
                mp.setenv(key, value)
        mp.setenv("JWT_SECRET", "a-real-secret-" + "x" * 30)
        inside = Settings(_env_file=None)
    assert inside.env == "production"
    assert inside.resolved_log_format == "json"
    assert inside.host == ALL_INTERFACES


# --- compose --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return loaded


def seatguard_services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: svc
        for name, svc in compose["services"].items()
        if svc.get("image") == "seatguard:local"
    }


def test_compose_has_the_whole_stack(compose):
    services = compose["services"]
    expected = {"postgres", "sqs", "mailpit", "migrate", "auth", "booking", "worker", "sweeper"}
    assert expected | {"sandbox", "proxy"} <= set(services)
    assert services["postgres"]["image"].startswith("postgres:16")
    assert "healthcheck" in services["postgres"]
    volume = services["postgres"]["volumes"][0].split(":")[0]
    assert volume in compose["volumes"]
    assert services["mailpit"]["image"].startswith("axllent/mailpit")
    assert any("8025" in port for port in services["mailpit"]["ports"])
    assert services["sqs"]["image"].startswith(("softwaremill/elasticmq", "motoserver/moto"))
    assert services["booking"]["deploy"]["replicas"] == 2
    assert services["proxy"]["image"].startswith("nginx")


def test_every_compose_service_has_an_image_and_its_references_exist(compose):
    services = compose["services"]
    for name, svc in services.items():
        assert "image" in svc or "build" in svc, name
        depends = svc.get("depends_on", {})
        for target in depends if isinstance(depends, list) else depends.keys():
            assert target in services, f"{name} depends on unknown {target}"
        for mount in svc.get("volumes", []):
            source = mount.split(":")[0]
            if source.startswith("."):
                assert (DEPLOY / source).exists(), f"{name} mounts missing {source}"
            else:
                assert source in compose.get("volumes", {}), f"{name} uses undeclared {source}"
    build = seatguard_services(compose)["migrate"]["build"]
    assert (DEPLOY / build["context"] / build["dockerfile"]).resolve() == DEPLOY / "Dockerfile"


def test_seatguard_containers_run_seatguard_commands_and_migrate_first(compose):
    services = seatguard_services(compose)
    assert set(services) == {"migrate", "auth", "booking", "worker", "sweeper", "sandbox"}
    assert services["migrate"]["command"] == ["db", "upgrade"]
    assert services["migrate"]["restart"] == "no"
    for name, svc in services.items():
        assert svc["command"][0] in SEATGUARD_COMMANDS, name
        if name not in ("migrate", "sandbox"):
            assert svc["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    for name in ("worker", "sweeper", "migrate"):  # no HTTP: the image's check does not apply
        assert services[name]["healthcheck"]["disable"] is True


def test_compose_env_names_are_settings_seatguard_reads(compose):
    known = settings_env_names() | NOT_SETTINGS
    for name, svc in seatguard_services(compose).items():
        unknown = set(svc["environment"]) - known
        assert not unknown, f"{name} sets variables no setting reads: {unknown}"
    example = (DEPLOY / ".env.example").read_text()
    names = set(re.findall(r"^([A-Z_]+)=", example, flags=re.MULTILINE))
    assert names, "the example lists variables"
    assert names - known <= {"POSTGRES_PASSWORD"}


def test_compose_settings_are_a_valid_production_configuration(compose):
    env = {
        key: re.sub(r"\$\{\w+:?-([^}]*)\}", r"\1", str(value))
        for key, value in seatguard_services(compose)["booking"]["environment"].items()
    }
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            mp.setenv(key, value)
        settings = Settings(_env_file=None)
        without_opt_in = Settings(_env_file=None, sandbox_in_production=False)
    assert settings.env == "production"
    assert settings.queue_url.startswith("http://sqs:9324/")
    assert settings.smtp_host == "mailpit"
    assert settings.database_url.startswith("postgresql+psycopg://")
    assert not settings.sandbox_enabled  # booking talks to the sandbox container over HTTP
    assert settings.payment_problem() is None  # the local stack opts in to test payments
    assert without_opt_in.payment_problem() is not None


def test_the_local_sqs_creates_the_queue_and_its_dead_letter_queue(compose):
    conf = (DEPLOY / "elasticmq.conf").read_text()
    queue_name = seatguard_services(compose)["worker"]["environment"]["QUEUE_URL"].rsplit("/", 1)[1]
    assert re.search(rf"^\s*{queue_name}\s*{{", conf, flags=re.MULTILINE)
    assert re.search(r'deadLettersQueue\s*{\s*name\s*=\s*"seatguard-dlq"', conf)
    assert re.search(r"^\s*seatguard-dlq\s*{", conf, flags=re.MULTILINE)


def test_nginx_routes_auth_sandbox_and_the_rest(compose):
    conf = (DEPLOY / "nginx.conf").read_text()
    locations = dict(re.findall(r"location\s+(?:=\s+)?(\S+)\s*{(.*?)}", conf, flags=re.DOTALL))
    assert "auth:3000" in locations["/auth"]
    assert "sandbox:12111" in locations["/sandbox/stripe/"]
    assert "http://booking" in locations["/"]
    assert re.search(r"server\s+booking:4000", conf)
    assert "X-Request-ID" in conf
    assert "listen 8080" in conf
    assert any("8080" in p for p in compose["services"]["proxy"]["ports"])


# --- terraform --------------------------------------------------------------------------------

TERRAFORM = DEPLOY / "terraform"


def terraform() -> str:
    found = shutil.which("terraform")
    if found is None:
        if IN_CI:
            pytest.fail("terraform is required in CI")
        pytest.skip("terraform is not installed")
    return found


def test_terraform_is_formatted():
    done = subprocess.run(
        [terraform(), "fmt", "-check", "-recursive", "-diff", str(TERRAFORM)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_terraform_modules_resolve_offline(tmp_path):
    # `terraform validate` needs provider downloads; installing the local modules and listing
    # the providers parses every file and every module call without them.
    work = tmp_path / "terraform"
    shutil.copytree(TERRAFORM, work)
    env = {**os.environ, "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1"}
    for args in (["get"], ["providers"]):
        done = subprocess.run(
            [terraform(), *args, "-no-color"] if args == ["get"] else [terraform(), *args],
            cwd=work,
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
        )
        assert done.returncode == 0, done.stdout + done.stderr
    assert "module.worker" in done.stdout
    assert "hashicorp/aws" in done.stdout


def hcl(path: str) -> str:
    return (TERRAFORM / path).read_text()


def test_terraform_has_the_promised_pieces():
    modules = {p.name for p in (TERRAFORM / "modules").iterdir()}
    assert modules == {"network", "database", "queue", "service", "worker_lambda"}
    for name in ("main.tf", "variables.tf", "outputs.tf", "versions.tf"):
        assert (TERRAFORM / name).exists()
    worker = hcl("modules/worker_lambda/main.tf")
    assert 'runtime          = "python3.12"' in worker
    assert '"seatguard.worker.lambda_handler.handler"' in worker
    assert 'function_response_types            = ["ReportBatchItemFailures"]' in worker
    assert "maxReceiveCount     = var.max_receive_count" in hcl("modules/queue/main.tf")
    alb = hcl("alb.tf")
    assert "HTTP_301" in alb
    assert 'protocol          = "HTTPS"' in alb
    assert "certificate_arn   = var.certificate_arn" in alb
    assert '"/auth/*"' in alb
    alarms = hcl("alarms.tf")
    assert "ApproximateNumberOfMessagesVisible" in alarms
    assert "HTTPCode_ELB_5XX_Count" in alarms
    service = hcl("modules/service/main.tf")
    assert "valueFrom = var.secrets[key]" in service
    assert "TargetTrackingScaling" in service
    assert "aws_cloudwatch_log_group" in service


def test_terraform_passes_secrets_by_reference_and_plain_settings_by_name():
    main = hcl("main.tf")
    block = re.search(r"app_environment = {(.*?)\n  }", main, flags=re.DOTALL)
    assert block
    plain = set(re.findall(r"^\s+([A-Z_]+)\s+=", block.group(1), flags=re.MULTILINE))
    secret_names = {"JWT_SECRET", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "DATABASE_URL"}
    assert not plain & (secret_names | {"TICKET_SIGNING_KEY", "SMTP_PASS"})
    assert plain <= settings_env_names()
    for name in secret_names | {"TICKET_SIGNING_KEY"}:
        assert name in main


# --- dashboards -----------------------------------------------------------------------------


def test_the_grafana_dashboard_queries_the_metrics_we_export():
    dashboard = json.loads((DEPLOY / "grafana" / "seatguard.json").read_text())
    exprs = " ".join(t["expr"] for p in dashboard["panels"] for t in p["targets"])
    for series in (
        "seatguard_http_requests_total",
        "seatguard_http_request_duration_seconds_bucket",
        "seatguard_holds_total",
        "seatguard_seats_sold_total",
        "seatguard_queue_depth",
        "seatguard_queue_dead_letters",
    ):
        assert series in exprs
    assert "histogram_quantile(0.99" in exprs


# --- liveness and readiness -----------------------------------------------------------------

PROBE = re.compile(r"/(health|ready)\b")


def test_every_probe_means_what_the_app_serves(compose, tmp_path):
    """Restarting probes (image, ECS, compose) ask /health; traffic probes (ALB) ask /ready;
    and the app answers /health without its database while /ready fails without it."""
    runtime = dict(runtime_stage()[1:])
    restarting = {
        "Dockerfile HEALTHCHECK": runtime["HEALTHCHECK"],
        "ECS container healthCheck": re.search(
            r"healthCheck = .*?command\s+=\s*(\[.*?\])", hcl("modules/service/main.tf"), re.DOTALL
        ).group(1),  # type: ignore[union-attr]
    }
    for name, svc in seatguard_services(compose).items():
        check = svc.get("healthcheck", {})
        if not check.get("disable"):
            restarting[f"compose {name}"] = json.dumps(check.get("test", runtime["HEALTHCHECK"]))
    for name, command in restarting.items():
        assert "ready" not in PROBE.findall(command), name  # never restart for an outage
    assert PROBE.findall(restarting["Dockerfile HEALTHCHECK"]) == ["health"]
    assert PROBE.findall(restarting["ECS container healthCheck"]) == ["health"]
    target_group = re.search(r"health_check\s*{(.*?)}", hcl("alb.tf"), re.DOTALL)
    assert target_group
    assert re.search(r'path\s*=\s*"/ready"', target_group.group(1))

    from fastapi.testclient import TestClient

    from seatguard.app import create_app

    missing = tmp_path / "no-such-dir" / "seatguard.db"  # the database is unreachable
    settings = Settings(env="test", database_url=f"sqlite:///{missing}", jwt_secret="x" * 40)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        assert client.get("/health").status_code == 200
        assert client.get("/ready").status_code == 503


# --- forwarded headers --------------------------------------------------------------------


def test_only_the_proxy_in_front_is_trusted_with_forwarded_headers(compose):
    assert Settings(_env_file=None).trusted_proxy_list == []  # default: nobody
    proxy_address = compose["services"]["proxy"]["networks"]["default"]["ipv4_address"]
    subnet = compose["networks"]["default"]["ipam"]["config"][0]["subnet"]
    assert ipaddress.ip_address(proxy_address) in ipaddress.ip_network(subnet)
    for name, svc in seatguard_services(compose).items():
        assert svc["environment"]["TRUSTED_PROXIES"] == proxy_address, name
    # nginx is the edge: it replaces whatever X-Forwarded-For the client sent.
    conf = (DEPLOY / "nginx.conf").read_text()
    assert re.search(r"proxy_set_header X-Forwarded-For \$remote_addr;", conf)
    assert "$proxy_add_x_forwarded_for" not in conf
    # On AWS the load balancer, in the public subnets, is the one trusted proxy.
    main = hcl("main.tf")
    assert re.search(
        r"TRUSTED_PROXIES\s*=\s*join\(\",\", module\.network\.public_subnet_cidrs\)", main
    )
    assert "aws_subnet.public[*].cidr_block" in hcl("modules/network/outputs.tf")
    assert "subnets                    = module.network.public_subnet_ids" in hcl("alb.tf")


def test_trusted_proxies_must_be_addresses_and_reach_uvicorn():
    settings = Settings(_env_file=None, trusted_proxies="10.0.0.0/24, 172.28.0.10")
    assert settings.uvicorn_proxy_options == {
        "proxy_headers": True,
        "forwarded_allow_ips": ["10.0.0.0/24", "172.28.0.10"],
    }
    assert Settings(_env_file=None).uvicorn_proxy_options["proxy_headers"] is False
    with pytest.raises(ValueError, match="TRUSTED_PROXIES"):
        Settings(_env_file=None, trusted_proxies="*")
