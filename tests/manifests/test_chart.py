"""What the chart must keep true on every cloud: the wiring the code relies on and the choices that
would break production silently if a values file or a template edit undid them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from cloud_checks import CHART, REPO, VALUES_FILES, CloudTools, Renderer, RenderError, Resource, of_kind

from doable.access import access_control, secret_scopes
from doable.config import FUNCTIONS as STACK_FUNCTIONS

# The chart must deploy exactly the functions the code has: one list, the stack's.
FUNCTIONS = set(STACK_FUNCTIONS)
HTTP_FUNCTIONS = {"web", "auth", "create-task", "update-task", "search-tasks", "activity", "chat"}
EVENT_FUNCTIONS = FUNCTIONS - HTTP_FUNCTIONS
VALUES_IDS = [p.name for p in VALUES_FILES]
SECRETS = [
    "secrets.create=true",
    "secrets.databaseUrl=postgresql://u:p@db:5432/doable",
    "secrets.jwtSigningKey=k",
    "secrets.appApiToken=a",
    "secrets.daprApiToken=d",
    "secrets.kafkaUsername=u",
    "secrets.kafkaPassword=p",
]


def values_stack(values: Path) -> tuple[Path, ...]:
    """How deploy.yml layers them: the OKE defaults, then the cloud's differences."""
    return (values,) if values.name == "values.yaml" else (CHART / "values.yaml", values)


def knative_services(resources: list[Resource]) -> dict[str, Resource]:
    services: dict[str, Resource] = of_kind(resources, "Service", "serving.knative.dev")
    return services


def revision_annotations(service: Resource) -> dict[str, str]:
    notes: dict[str, str] = service["spec"]["template"]["metadata"]["annotations"]
    return dict(notes)


def metadata_value(component: Resource, name: str) -> str | None:
    for item in component["spec"]["metadata"]:
        if item["name"] == name:
            return str(item.get("value")) if "value" in item else None
    return None


@pytest.fixture(params=VALUES_FILES, ids=VALUES_IDS)
def cloud(request: pytest.FixtureRequest, render: Renderer) -> list[Resource]:
    resources: list[Resource] = render(*values_stack(request.param))
    return resources


def test_every_function_gets_a_knative_service_with_its_dapr_app_id(cloud: list[Resource]) -> None:
    services = knative_services(cloud)
    assert set(services) == FUNCTIONS
    for name, service in services.items():
        notes = revision_annotations(service)
        assert notes["dapr.io/enabled"] == "true"
        assert notes["dapr.io/app-id"] == name
        assert notes["dapr.io/app-port"] == "8080"
        assert notes["dapr.io/config"] == f"doable-{name}"
        assert notes["dapr.io/log-as-json"] == "true"
        for sidecar_setting in ("cpu-request", "memory-request", "memory-limit"):
            assert notes[f"dapr.io/sidecar-{sidecar_setting}"]
        container = service["spec"]["template"]["spec"]["containers"][0]
        env = {e["name"]: e.get("value") for e in container["env"]}
        assert env["FUNCTION_TARGET"] == name, "the image serves whatever FUNCTION_TARGET names"
        assert env["DOABLE_MODE"] == "dapr"
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert container["resources"]["requests"] and container["resources"]["limits"]
        assert container["securityContext"]["runAsNonRoot"] is True


def test_every_function_folder_is_deployed(render: Renderer) -> None:
    """A function added under functions/ but forgotten in the chart would never reach the cloud."""
    folders = {p.parent.name for p in (REPO / "functions").glob("*/main.py")}
    assert folders <= set(knative_services(render(CHART / "values.yaml")))


def test_event_functions_never_scale_to_zero(cloud: list[Resource]) -> None:
    """Their sidecar receives the subscriptions, the cron binding and the jobs: stopped, nothing arrives."""
    services = knative_services(cloud)
    components = of_kind(cloud, "Component", "dapr.io")
    bound_apps = {
        app for c in components.values() if c["spec"]["type"].startswith("bindings.") for app in c["scopes"]
    } | {app for s in of_kind(cloud, "Subscription", "dapr.io").values() for app in s["scopes"]}
    assert bound_apps == EVENT_FUNCTIONS
    for name in bound_apps:
        notes = revision_annotations(services[name])
        assert int(notes["autoscaling.knative.dev/min-scale"]) >= 1, f"{name} would scale to zero"
        # The autoscaler never sees binding traffic, so a fixed count is the honest setting.
        assert notes["autoscaling.knative.dev/min-scale"] == notes["autoscaling.knative.dev/max-scale"]
    assert revision_annotations(services["relay-outbox"])["autoscaling.knative.dev/max-scale"] == "1"


def test_http_functions_scale_to_zero_by_default(render: Renderer) -> None:
    services = knative_services(render(CHART / "values.yaml"))
    for name in HTTP_FUNCTIONS:
        notes = revision_annotations(services[name])
        assert notes["autoscaling.knative.dev/min-scale"] == "0", name
        assert int(notes["autoscaling.knative.dev/target"]) > 0
        assert services[name]["spec"]["template"]["spec"]["containerConcurrency"] > 0


def test_no_function_is_public_except_through_the_domain_mapping(cloud: list[Resource]) -> None:
    for name, service in knative_services(cloud).items():
        assert service["metadata"]["labels"]["networking.knative.dev/visibility"] == "cluster-local", name
    (mapping,) = of_kind(cloud, "DomainMapping").values()
    assert mapping["spec"]["ref"]["name"] == "web"


def test_every_component_is_scoped_to_functions_that_exist(cloud: list[Resource]) -> None:
    components = of_kind(cloud, "Component", "dapr.io")
    for name, component in components.items():
        assert component.get("scopes"), f"component {name} has no scopes: every sidecar would load it"
        assert set(component["scopes"]) <= FUNCTIONS, name
    assert set(components["statestore"]["scopes"]) == {"chat"}
    assert "web" not in components["pubsub"]["scopes"], "the gateway never publishes"
    for endpoint in of_kind(cloud, "HTTPEndpoint", "dapr.io").values():
        assert endpoint["scopes"] == ["web"]


def test_component_names_match_the_local_profile(cloud: list[Resource], cloud_tools: CloudTools) -> None:
    """The code names components, not profiles: both profiles must offer the same names, and the same
    subscriptions."""
    local_files = sorted((REPO / "dapr" / "local" / "components").glob("*.yaml"))
    if not local_files:
        pytest.fail("dapr/local/components has no components to compare with")
    documents = [doc for path in local_files for doc in cloud_tools.yaml_to_json(path.read_text())]
    local = {doc["metadata"]["name"]: doc for doc in documents if doc.get("kind") == "Component"}
    cloud_components = of_kind(cloud, "Component", "dapr.io")
    assert set(local) == set(cloud_components)
    # The secret store is the one component whose type differs by design (a file locally).
    del cloud_components["secretstore"]
    for name, component in cloud_components.items():
        assert component["spec"]["type"] == local[name]["spec"]["type"], name
        assert sorted(component["scopes"]) == sorted(local[name].get("scopes", [])), name
        for key in ("route", "topics", "consumerGroup", "direction"):
            assert metadata_value(component, key) == metadata_value(local[name], key), f"{name} {key}"
    local_subscriptions = {
        doc["metadata"]["name"]: doc for doc in documents if doc.get("kind") == "Subscription"
    }
    cloud_subscriptions = of_kind(cloud, "Subscription", "dapr.io")
    assert set(local_subscriptions) == set(cloud_subscriptions)
    for name, subscription in cloud_subscriptions.items():
        # The same topic, rules, routes and batching: the local stack tests what the cluster runs.
        assert subscription["spec"] == local_subscriptions[name]["spec"], name
        assert subscription["scopes"] == local_subscriptions[name]["scopes"], name


def test_kafka_bindings_consume_in_their_own_group_over_tls(
    cloud: list[Resource], request: pytest.FixtureRequest, render: Renderer
) -> None:
    # The one exception: the local cluster's single broker (scripts/cluster/infra) is plaintext, no SASL.
    lab = request.node.callspec.params["cloud"].name == "values-local.yaml"
    components = of_kind(cloud, "Component", "dapr.io").values()
    kafka = [c for c in components if c["spec"]["type"].endswith("kafka")]
    assert [c["metadata"]["name"] for c in kafka] == ["pubsub"], "the subscriptions consume through pubsub"
    kafka += [
        c
        for c in of_kind(
            render(*values_stack(request.node.callspec.params["cloud"]), set=["eventDelivery=bindings"]),
            "Component",
            "dapr.io",
        ).values()
        if c["spec"]["type"] == "bindings.kafka"
    ]
    assert len(kafka) == 6  # pubsub + five input bindings
    for component in kafka:
        name = component["metadata"]["name"]
        assert metadata_value(component, "disableTls") == str(lab).lower(), name
        assert metadata_value(component, "authType") in ({"none"} if lab else {"password", "mtls"}), name
        major, minor, _ = (int(x) for x in str(metadata_value(component, "version")).split("."))
        assert (major, minor) >= (3, 6), f"{name}: Kafka 4 brokers refuse older protocol versions"
        secret_refs = [m for m in component["spec"]["metadata"] if "secretKeyRef" in m]
        assert all(m["name"] != "brokers" for m in secret_refs)
        assert component.get("auth", {}).get("secretStore") == "secretstore", name
        if component["spec"]["type"] == "bindings.kafka":
            (app,) = component["scopes"]
            assert metadata_value(component, "consumerGroup") == app, name
            assert metadata_value(component, "route") == "/events", name


def test_gateway_invocations_reach_functions_at_zero(render: Renderer) -> None:
    resources = render(CHART / "values.yaml")
    endpoints = of_kind(resources, "HTTPEndpoint", "dapr.io")
    assert set(endpoints) == HTTP_FUNCTIONS - {"web"}
    for name, endpoint in endpoints.items():
        assert endpoint["spec"]["baseUrl"] == f"http://{name}.doable.svc.cluster.local"
        (header,) = endpoint["spec"]["headers"]
        assert header["name"] == "dapr-api-token" and header["secretKeyRef"]["key"] == "token"
    (resiliency,) = of_kind(resources, "Resiliency", "dapr.io").values()
    assert set(resiliency["spec"]["targets"]["apps"]) == HTTP_FUNCTIONS
    retry = resiliency["spec"]["policies"]["retries"]["invokeRetry"]
    assert "500" not in retry["matching"]["httpStatusCodes"], "a retried 500 could create a task twice"
    bindings = {
        c["metadata"]["name"]
        for c in of_kind(resources, "Component", "dapr.io").values()
        if c["spec"]["type"].startswith("bindings.")
    }
    assert bindings <= set(resiliency["spec"]["targets"]["components"])
    assert not of_kind(
        render(CHART / "values.yaml", set=["dapr.serviceInvocation.viaKnative=false"]), "HTTPEndpoint"
    )


def test_tracing_goes_to_opentelemetry(render: Renderer) -> None:
    configs = of_kind(render(CHART / "values.yaml"), "Configuration", "dapr.io").values()
    for config in configs:
        assert config["spec"]["tracing"]["otel"]["endpointAddress"]
        assert float(config["spec"]["tracing"]["samplingRate"]) > 0


def test_each_function_holds_the_tokens_its_sidecar_checks(cloud: list[Resource]) -> None:
    """Dapr's injector gives the token Secrets to daprd alone; without them in the app container every
    call to the sidecar is a 401 and every /readyz fails (seen on the local cluster)."""
    for name, service in knative_services(cloud).items():
        notes = revision_annotations(service)
        (container,) = service["spec"]["template"]["spec"]["containers"]
        refs = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in container["env"] if "valueFrom" in e}
        assert refs["DAPR_API_TOKEN"] == {"name": notes["dapr.io/api-token-secret"], "key": "token"}, name
        assert refs["APP_API_TOKEN"] == {"name": notes["dapr.io/app-token-secret"], "key": "token"}, name


def test_each_sidecar_enforces_the_access_policy_of_its_function(cloud: list[Resource]) -> None:
    """Only web invokes, only declared routes; event functions take no invocation; secrets scoped."""
    configs = of_kind(cloud, "Configuration", "dapr.io")
    services = knative_services(cloud)
    assert set(configs) == {f"doable-{name}" for name in FUNCTIONS}
    for name, service in services.items():
        config = configs[revision_annotations(service)["dapr.io/config"]]["spec"]
        assert config["accessControl"] == access_control(name, "doable"), name
        assert config["secrets"]["scopes"] == secret_scopes(name), name
    for name in EVENT_FUNCTIONS | {"web"}:
        assert configs[f"doable-{name}"]["spec"]["accessControl"]["policies"] == [], name
    assert configs["doable-web"]["spec"]["secrets"]["scopes"][0]["allowedSecrets"] == []


def test_migrations_run_before_install_and_upgrade(render: Renderer) -> None:
    for resources, secret in (
        (render(CHART / "values.yaml"), "database-url"),
        (render(CHART / "values.yaml", set=SECRETS), "doable-migrations"),
    ):
        (job,) = of_kind(resources, "Job").values()
        hooks = job["metadata"]["annotations"]["helm.sh/hook"].split(",")
        assert set(hooks) == {"pre-install", "pre-upgrade"}
        container = job["spec"]["template"]["spec"]["containers"][0]
        assert container["args"] == ["migrate"]
        env = {e["name"]: e for e in container["env"]}
        assert env["DOABLE_DATABASE_URL"]["valueFrom"]["secretKeyRef"]["name"] == secret
        assert job["spec"]["template"]["metadata"]["annotations"]["dapr.io/enabled"] == "false"


def test_secrets_come_from_values_or_already_exist(render: Renderer) -> None:
    assert not of_kind(render(CHART / "values.yaml"), "Secret"), "create=false must not touch Secrets"
    secrets = of_kind(render(CHART / "values.yaml", set=SECRETS), "Secret")
    assert secrets["database-url"]["stringData"] == {"database-url": "postgresql://u:p@db:5432/doable"}
    assert set(secrets["jwt-signing-key"]["stringData"]) == {"jwt-signing-key"}
    assert set(secrets["doable-app-api-token"]["stringData"]) == {"token"}
    with pytest.raises(RenderError, match=r"secrets\.databaseUrl is required"):
        render(CHART / "values.yaml", set=["secrets.create=true"])


def test_secret_reader_role_is_limited_to_doables_secrets(render: Renderer) -> None:
    (role,) = of_kind(render(CHART / "values.yaml"), "Role").values()
    (rule,) = role["rules"]
    assert rule["verbs"] == ["get"]
    assert {"database-url", "jwt-signing-key", "doable-kafka"} <= set(rule["resourceNames"])


@pytest.mark.parametrize(
    ("assignment", "message"),
    [
        ("kafka.version=2.8.0", "/kafka/version"),
        ("functions.web.minscale=1", "minscale"),
        ("publicUrl.tls.mode=letsencrypt", "/publicUrl/tls/mode"),
        ("kafka.authType=sasl", "/kafka/authType"),
        ("functions.write-audit.minScale=0", "minScale must be at least 1"),
        ("functions.web.minScale=20", "minScale 20 is above maxScale"),
        ("functions.ping.kind=cron", "/functions/ping/kind"),
        ("publicUrl.host=Not_A_Host", "/publicUrl/host"),
        ("signup.mode=invite", "/signup/mode"),
        ("signup.domains={Example.COM}", "/signup/domains/0"),
        ("signup.perAddressPerHour=-1", "/signup/perAddressPerHour"),
        # The Knative queue-proxy shares the pod and listens on 8012, 8013, 8022, 9090 and 9091.
        ("dapr.metricsPort=9090", "/dapr/metricsPort"),
        ("monitoring.appMetricsPort=9091", "/monitoring/appMetricsPort"),
    ],
)
def test_bad_values_fail_to_render(render: Renderer, assignment: str, message: str) -> None:
    with pytest.raises(RenderError, match=re.escape(message)):
        render(CHART / "values.yaml", set=[assignment])


def test_pod_disruption_budgets_cover_every_function(cloud: list[Resource]) -> None:
    budgets = of_kind(cloud, "PodDisruptionBudget")
    assert set(budgets) == FUNCTIONS
    for name, budget in budgets.items():
        assert budget["spec"]["selector"]["matchLabels"]["doable.dev/function"] == name
        assert "minAvailable" not in budget["spec"], "minAvailable on a one-pod function blocks drains"


def test_public_url_has_tls_from_lets_encrypt(render: Renderer) -> None:
    resources = render(CHART / "values.yaml")
    (issuer,) = of_kind(resources, "ClusterIssuer").values()
    assert issuer["spec"]["acme"]["server"].startswith("https://acme-v02.api.letsencrypt.org")
    certificate_mode = render(CHART / "values.yaml", set=["publicUrl.tls.mode=certificate"])
    (mapping,) = of_kind(certificate_mode, "DomainMapping").values()
    (certificate,) = of_kind(certificate_mode, "Certificate").values()
    assert mapping["spec"]["tls"]["secretName"] == certificate["spec"]["secretName"]
    assert certificate["spec"]["dnsNames"] == [mapping["metadata"]["name"]]


def test_alerts_cover_errors_latency_lag_and_dead_letters(render: Renderer) -> None:
    (rule,) = of_kind(render(CHART / "values.yaml"), "PrometheusRule").values()
    alerts = {r["alert"]: r for group in rule["spec"]["groups"] for r in group["rules"]}
    assert "doable_http_requests_total" in alerts["DoableHighErrorRate"]["expr"]
    assert "> 0.05" in alerts["DoableHighErrorRate"]["expr"]
    # When each alert fires (SC-023: within 2 minutes of > 5 % errors) is promtool's: test_alerts.py.
    assert "doable_http_request_duration_seconds_bucket" in alerts["DoableLatencyOverSlo"]["expr"]
    assert "histogram_quantile(0.95" in alerts["DoableLatencyOverSlo"]["expr"]
    assert "write-audit" in alerts["DoableConsumerLag"]["expr"]
    assert "{{groups}}" not in alerts["DoableConsumerLag"]["expr"]
    assert "doable_dead_letters_total" in alerts["DoableDeadLettersGrowing"]["expr"]
    assert "doable_outbox_backlog" in alerts["DoableOutboxBacklog"]["expr"]


def test_dashboard_is_valid_json_on_doables_metrics(render: Renderer) -> None:
    (config_map,) = of_kind(render(CHART / "values.yaml"), "ConfigMap").values()
    dashboard = json.loads(config_map["data"]["doable.json"])
    expressions = " ".join(t["expr"] for panel in dashboard["panels"] for t in panel["targets"])
    for metric in (
        "doable_http_requests_total",
        "doable_http_request_duration_seconds_bucket",
        "doable_events_consumed_total",
        "doable_outbox_backlog",
        "doable_dead_letters_total",
    ):
        assert metric in expressions


def test_image_is_pinned_and_deploys_by_digest_when_given(render: Renderer) -> None:
    digest = "sha256:" + "a" * 64
    services = knative_services(render(CHART / "values.yaml", set=[f"image.digest={digest}"]))
    assert {s["spec"]["template"]["spec"]["containers"][0]["image"] for s in services.values()} == {
        f"ghcr.io/doable/doable@{digest}"
    }


def test_dockerfile_is_multi_stage_pinned_and_non_root() -> None:
    lines = [line.strip() for line in (REPO / "Dockerfile").read_text().splitlines()]
    # A base may come from a build argument (BASE, for the local cluster's image): its default must be pinned.
    args = dict(line.split()[1].partition("=")[::2] for line in lines if line.startswith("ARG "))
    bases = [
        re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], line.split()[1])
        for line in lines
        if line.startswith("FROM ")
    ]
    assert len(bases) >= 2, "build and runtime stages"
    for base in bases:
        tag = base.partition(":")[2]
        assert "@sha256:" in base or (tag and tag != "latest" and any(c.isdigit() for c in tag)), base
    user = [line.split()[1] for line in lines if line.startswith("USER ")][-1]
    assert user.split(":")[0] not in {"0", "root"}
    assert any("DOABLE_FUNCTIONS_DIR=/app/functions" in line for line in lines)
    rules = [r for r in (REPO / ".dockerignore").read_text().splitlines() if r and not r.startswith("#")]
    assert rules[0] == "*", "an allow-list keeps venvs, caches and secrets out of the build context"
    assert {r for r in rules if r.startswith("!")} == {"!pyproject.toml", "!shared/", "!functions/"}


def test_subscriptions_route_before_the_function_and_bindings_remain_the_same_wiring(
    render: Renderer,
) -> None:
    resources = render(CHART / "values.yaml")
    components = of_kind(resources, "Component", "dapr.io")
    assert not [c for c in components.values() if c["spec"]["type"] == "bindings.kafka"]
    subscriptions = of_kind(resources, "Subscription", "dapr.io")
    for subscription in subscriptions.values():
        assert set(subscription["scopes"]) <= set(components["pubsub"]["scopes"])
        # Dapr 1.16 publishes every event that matches no rule to the dead-letter topic.
        assert "deadLetterTopic" not in subscription["spec"]
    rules = {name: s["spec"]["routes"].get("rules") for name, s in subscriptions.items()}
    assert rules["write-audit-task-events"] is None, "the audit log takes every task event"
    assert rules["spawn-recurrence-task-events"] == [{"match": "has(event.seriesid)", "path": "/events"}]
    batched = {name for name, s in subscriptions.items() if s["spec"].get("bulkSubscribe", {}).get("enabled")}
    assert batched == {"write-audit-task-events", "notify-reminders"}
    for name in batched:
        routes = subscriptions[name]["spec"]["routes"]
        paths = [routes.get("default")] if "default" in routes else [r["path"] for r in routes["rules"]]
        assert paths == ["/events/batch"], name

    bound = of_kind(render(CHART / "values.yaml", set=["eventDelivery=bindings"]), "Component", "dapr.io")
    kafka_bindings = {n: c for n, c in bound.items() if c["spec"]["type"] == "bindings.kafka"}
    assert set(kafka_bindings) == set(subscriptions), "the same wiring, delivered another way"
    assert not of_kind(
        render(CHART / "values.yaml", set=["eventDelivery=bindings"]), "Subscription", "dapr.io"
    )
    for name, binding in kafka_bindings.items():
        assert binding["scopes"] == subscriptions[name]["scopes"]
        assert metadata_value(binding, "topics") == subscriptions[name]["spec"]["topic"]
        assert metadata_value(binding, "route") == "/events"
    with pytest.raises(RenderError, match="eventDelivery"):
        render(CHART / "values.yaml", set=["eventDelivery=knative"])


def test_only_chat_gets_the_assistant_model_and_its_key_from_a_secret(render: Renderer) -> None:
    rendered = render(
        CHART / "values.yaml",
        set=[
            "functions.chat.env.DOABLE_LLM_URL=https://llm.example/v1/chat/completions",
            "functions.chat.secretEnv.DOABLE_LLM_API_KEY.name=doable-llm",
            "functions.chat.secretEnv.DOABLE_LLM_API_KEY.key=api-key",
        ],
    )
    for name, service in knative_services(rendered).items():
        env = {e["name"]: e for e in service["spec"]["template"]["spec"]["containers"][0]["env"]}
        if name == "chat":
            assert env["DOABLE_LLM_URL"]["value"] == "https://llm.example/v1/chat/completions"
            assert env["DOABLE_LLM_API_KEY"]["valueFrom"]["secretKeyRef"] == {
                "name": "doable-llm",
                "key": "api-key",
            }
        else:
            assert not any(key.startswith("DOABLE_LLM") for key in env), name


def test_only_auth_gets_the_sign_up_policy_from_values(render: Renderer) -> None:
    def signup_env(resources: list[Resource]) -> dict[str, dict[str, str]]:
        return {
            name: {
                e["name"]: e["value"]
                for e in service["spec"]["template"]["spec"]["containers"][0]["env"]
                if e["name"].startswith("DOABLE_SIGNUP")
            }
            for name, service in knative_services(resources).items()
        }

    closed = signup_env(
        render(
            CHART / "values.yaml",
            set=[
                "signup.mode=closed",
                "signup.domains={example.com,lab.example}",
                "signup.perAddressPerHour=0",
            ],
        )
    )
    assert closed.pop("auth") == {
        "DOABLE_SIGNUP": "closed",
        "DOABLE_SIGNUP_DOMAINS": "example.com,lab.example",
        "DOABLE_SIGNUP_PER_ADDRESS_PER_HOUR": "0",
    }
    assert not any(closed.values()), "only auth signs anyone up"
    assert signup_env(render(CHART / "values.yaml"))["auth"] == {
        "DOABLE_SIGNUP": "open",
        "DOABLE_SIGNUP_DOMAINS": "",
        "DOABLE_SIGNUP_PER_ADDRESS_PER_HOUR": "20",
    }
