# syntax=docker/dockerfile:1.7
# One image for every Doable function: FUNCTION_TARGET (the Dapr app-id) picks which one `doable serve`
# runs, so a release builds, scans and signs a single artefact. Bump the base with its exact tag below.
# BASE: any Python 3.11 image with `python` on PATH; scripts/cluster/images.sh passes a local one
# (no registry is reachable there). Releases keep this default.
ARG BASE=python:3.11.14-slim-trixie

# --- build: resolve and install the doable distribution into a self-contained virtualenv -----------
FROM ${BASE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
# Dependencies are only declared in pyproject.toml, so this layer is rebuilt when it or the library
# changes; every dependency ships manylinux wheels for 3.11, so no compiler is needed.
COPY pyproject.toml ./
COPY shared ./shared
# Bytecode is compiled here, once, instead of by every cold start (PYTHONDONTWRITEBYTECODE means a
# process that finds none compiles each module in memory, every time). unchecked-hash: the files
# never change inside the image, so the interpreter need not stat or hash a source to trust its .pyc.
RUN pip install --no-cache-dir . \
 && find /opt/venv -depth -name '__pycache__' -type d -exec rm -rf {} + \
 && python -m compileall -q -j 0 --invalidation-mode unchecked-hash /opt/venv

# --- runtime: the slim base, the virtualenv and the function handlers; nothing else ------------------
FROM ${BASE} AS runtime
RUN groupadd --system --gid 10001 doable \
 && useradd --system --uid 10001 --gid doable --no-create-home --shell /usr/sbin/nologin doable
COPY --from=build /opt/venv /opt/venv
COPY functions /app/functions
RUN python -m compileall -q -f --invalidation-mode unchecked-hash /app/functions
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DOABLE_FUNCTIONS_DIR=/app/functions \
    HOST=0.0.0.0 \
    PORT=8080
WORKDIR /app
# HOST: `doable serve` binds loopback by default; in a pod the kubelet's liveness probe and the metrics
# scrape reach the app on the pod IP. A numeric user lets Kubernetes enforce runAsNonRoot without resolving names.
USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["doable"]
CMD ["serve"]
