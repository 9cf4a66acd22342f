# vpcflow on the official Apache Airflow image, installed from uv.lock.
#
#   docker build --pull -t vpcflow-airflow:latest .
#   docker compose build            # the same, through docker-compose.yaml (AIRFLOW_IMAGE_NAME)
#
# The base is pinned by tag, and the tag must match apache-airflow in uv.lock (tests/deploy checks it).
# For reproducible production builds pin the digest too, e.g.
#   FROM apache/airflow:3.3.2-python3.11@sha256:<digest of the tag you tested>
# (`docker buildx imagetools inspect apache/airflow:3.3.2-python3.11` prints it).
ARG AIRFLOW_BASE_IMAGE=apache/airflow:3.3.2-python3.11

# ---- stage 1: turn uv.lock into hashed requirements files and build the vpcflow and localaws wheels -------
FROM ${AIRFLOW_BASE_IMAGE} AS lock
# The uv that wrote uv.lock (Makefile's UV_VERSION), not whatever uv the base image ships: an older uv
# may not read a newer lock. Installed in this throwaway stage only.
ARG UV_VERSION=0.13.9
RUN pip install --no-cache-dir "uv==${UV_VERSION}"
COPY pyproject.toml uv.lock README.md /tmp/src/
COPY plugins/vpcflow /tmp/src/plugins/vpcflow
COPY sql /tmp/src/sql
COPY lambdas /tmp/src/lambdas
# localaws is a member of the uv workspace: uv reads its pyproject to read the lock; its wheel is built for
# the localaws stage only.
COPY localaws /tmp/src/localaws
# Work on a copy that the airflow user owns: folders made by COPY belong to root.
# --frozen: fail if uv.lock and pyproject.toml disagree instead of re-resolving; --no-dev: no pytest/ruff;
# --no-emit-project: vpcflow itself is installed from its wheel below. Every line carries its hashes.
RUN cp -r /tmp/src /tmp/vpcflow && cd /tmp/vpcflow \
    && python -m uv export --frozen --no-dev --no-emit-project --no-header --format requirements-txt \
        --output-file /tmp/vpcflow/requirements.txt \
    && python -m uv build --wheel --out-dir /tmp/vpcflow/dist \
    && python -m uv export --frozen --no-dev --no-emit-project --package localaws --no-header \
        --format requirements-txt --output-file /tmp/vpcflow/localaws-requirements.txt \
    && python -m uv build --wheel --package localaws --out-dir /tmp/vpcflow/localaws-dist

# ---- stage 2: localaws, the embedded local AWS (docker compose --profile local) ---------------------------
# Its own image: the Airflow image below carries the product only, never the emulator (moto).
FROM ${AIRFLOW_BASE_IMAGE} AS localaws
USER airflow
RUN --mount=type=bind,from=lock,source=/tmp/vpcflow,target=/tmp/vpcflow \
    pip install --no-cache-dir --no-deps --require-hashes -r /tmp/vpcflow/localaws-requirements.txt \
    && pip install --no-cache-dir --no-deps /tmp/vpcflow/localaws-dist/localaws-*.whl
# State lives here (a volume in docker-compose.yaml); group-writable for an arbitrary uid with gid 0.
RUN umask 0002; mkdir -p /opt/airflow/localaws
ENTRYPOINT ["python", "-m", "localaws"]

# ---- stage 3: the Airflow image (the default target) ----------------------------------------------------
FROM ${AIRFLOW_BASE_IMAGE}

# The official image installs Python packages as the airflow user, into its ~/.local environment
# (pip refuses to run as root there). USER is already airflow; say so, since it matters.
USER airflow

# --require-hashes: every package is the exact file uv.lock names. --no-deps: the lock is already the
# complete, resolved set, so pip must not resolve again (and never upgrades or downgrades Airflow).
# Packages the image has and vpcflow does not lock (Celery executor, FAB auth manager, Postgres and Redis
# clients) stay as the image ships them; `pip check` fails the build if any of them disagrees with a
# locked version, rather than leaving a broken import for run time.
# The last check: the Airflow in the lock is the Airflow of the base image.
# The requirements and the wheel are bind-mounted from the lock stage: nothing of them stays in a layer.
RUN --mount=type=bind,from=lock,source=/tmp/vpcflow,target=/tmp/vpcflow \
    pip install --no-cache-dir --no-deps --require-hashes -r /tmp/vpcflow/requirements.txt \
    && pip install --no-cache-dir --no-deps /tmp/vpcflow/dist/vpcflow-*.whl \
    && pip check \
    && python -c 'import importlib.metadata as m, os, sys; v, want = m.version("apache-airflow"), os.environ["AIRFLOW_VERSION"]; sys.exit(0 if v == want else "uv.lock has apache-airflow " + v + ", the base image " + want)'

# The project tree, where Airflow and vpcflow look for it. docker-compose.yaml mounts the same folders
# over these copies for development; the Helm chart runs the image as built.
COPY --chown=airflow:root dags/ /opt/airflow/dags/
COPY --chown=airflow:root plugins/ /opt/airflow/plugins/
COPY --chown=airflow:root sql/ /opt/airflow/sql/
COPY --chown=airflow:root lambdas/ /opt/airflow/lambdas/

ENV AIRFLOW__CORE__DAGS_FOLDER=/opt/airflow/dags \
    AIRFLOW__CORE__PLUGINS_FOLDER=/opt/airflow/plugins \
    AIRFLOW__CORE__LOAD_EXAMPLES=False \
    VPCFLOW_SQL_DIR=/opt/airflow/sql \
    VPCFLOW_LAMBDAS_DIR=/opt/airflow/lambdas \
    PYTHONPATH=/opt/airflow/plugins
# PYTHONPATH: Airflow appends the plugins folder to sys.path, after site-packages, so without it the
# vpcflow wheel would shadow a plugins/ folder mounted for development.
