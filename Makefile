# Doable: `make run` (embedded, http://localhost:8080) and `make test` (everything) work on a fresh machine.
.PHONY: deps deps-python run up down test test-fast test-unit mutation lint format bench bench-api bench-events bench-cpu bench-cold screenshots clean

VENV := .venv/bin

deps:            ## install everything: venv, PostgreSQL, Java, Kafka jars, daprd + scheduler
	@bash scripts/deps.sh

deps-python:     ## just the virtual environment (all the embedded mode needs)
	@bash scripts/deps.sh python

run: deps-python ## every function in one process on SQLite, http://localhost:8080
	@$(VENV)/doable run

up: deps         ## the local stack: PostgreSQL, Kafka, Dapr scheduler, one daprd per function
	@$(VENV)/doable up

down:            ## stop what `make up` started
	@$(VENV)/doable down

lint: deps-python
	@$(VENV)/ruff check .
	@$(VENV)/ruff format --check .
	@$(VENV)/mypy shared/doable shared/doable_dev

format: deps-python
	@$(VENV)/ruff format .
	@$(VENV)/ruff check --fix .

test: deps lint  ## lint, unit, API contract (embedded and local stack), integration
	@$(VENV)/pytest

test-fast: deps-python  ## the fast tier, every test that needs only the venv, on two workers (docs/testing.md)
	@$(VENV)/pytest -m "not integration" -n 2

test-unit: deps-python
	@$(VENV)/pytest tests/unit

mutation: deps-python  ## mutmut over domain, services, repositories and outbox, killed by tests/unit (docs/testing.md)
	@bash scripts/mutation.sh run --max-children 6  # tests that wait on timers leave the cores idle with 2
	@bash scripts/mutation.sh score

screenshots: deps  ## regenerate docs/screenshots from the browser tests
	@DOABLE_SCREENSHOTS=1 $(VENV)/pytest tests/e2e/test_screenshots.py

.PHONY: cluster-up cluster-install cluster-down test-cluster
cluster-up:      ## a real single-node Kubernetes from host processes (docs/cluster.md); builds what is missing
	@bash scripts/cluster/up.sh

cluster-install: ## Doable into the running cluster: helm upgrade --install with values-local.yaml, Prometheus, then a smoke request
	@bash scripts/cluster/doable.sh install
	@bash scripts/cluster/prometheus.sh
	@bash scripts/cluster/doable.sh smoke

cluster-down:    ## stop the cluster and undo everything cluster-up changed on the host
	@bash scripts/cluster/down.sh

# The end-to-end suite on the running cluster with Doable installed (docs/cluster.md). The API suite's third
# mode reaches web through the public entry: the ingress's NodePort with the public host of values-local.yaml;
# DOABLE_CLUSTER_URL and DOABLE_CLUSTER_HOST override.
# The release tests upgrade and roll back Doable and leave it on the image tag they found.
CLUSTER_API_TESTS := tests/api/test_tasks_api.py tests/api/test_search_api.py tests/api/test_chat_api.py \
	tests/api/test_quick_add_api.py --deselect 'tests/api/test_quick_add_api.py::test_it_needs_a_signed_in_user[cluster]'
test-cluster: deps-python  ## the end-to-end suite on the running cluster: node, Dapr, Knative, Doable (~12 min)
	@DOABLE_CLUSTER_URL="$${DOABLE_CLUSTER_URL:-http://10.244.0.1:31080}" DOABLE_CLUSTER_HOST="$${DOABLE_CLUSTER_HOST:-doable.localhost}" \
		$(VENV)/pytest -m cluster tests/cluster $(CLUSTER_API_TESTS)

clean:
	rm -rf .doable .pytest_cache .ruff_cache .hypothesis

bench: bench-api bench-events bench-cpu bench-cold  ## every benchmark; results go to docs/performance.md by hand

bench-api: deps  ## API latency and throughput, embedded and on the local stack, 10k and 100k tasks
	@for mode in stack embedded; do for tasks in 10000 100000; do \
		$(VENV)/python -m bench.api --mode $$mode --tasks $$tasks; done; done

bench-events: deps  ## commit-to-audit latency, reminder and recurrence lateness on the local stack
	@$(VENV)/python -m bench.events

bench-cpu: deps  ## CPU per request, process by process, on the local stack: where the time goes
	@$(VENV)/python -m bench.cpu

bench-cold: deps  ## each function from exec to its first 200, median of 5: embedded, then behind its sidecar
	@$(VENV)/python -m bench.cold
	@$(VENV)/python -m bench.cold --sidecar
