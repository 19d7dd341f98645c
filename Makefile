# The README's two commands: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python

# The test suite's own services; the suite picks its own Redis DB numbers (see tests/conftest.py).
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/cohort
TEST_REDIS_URL ?= redis://127.0.0.1:6379
PYTEST_ARGS ?= -n 2 --dist loadgroup
# Where `make run` serves (loopback only).
PORT ?= 8000

.PHONY: run install install-dev migrate setup-test-env test lint messages check-infra css css-check \
	bench bench-pages clean turn

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/activate requirements.txt
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py seed_demo
	$(PY) -m config.serve --port $(PORT)

# Install the missing system packages (root with apt) and start PostgreSQL and Redis when they
# are installed but stopped; otherwise stop with one line per missing piece. Also run by .ci/run.
setup-test-env: install-dev
	@DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(PY) scripts/setup_test_env.py

# axe-core (the browser tests' accessibility audit) comes from npm beside Tailwind.
NODE_MODULES := theme/static_src/node_modules/.package-lock.json
$(NODE_MODULES): theme/static_src/package.json theme/static_src/package-lock.json
	cd theme/static_src && npm install --no-audit --no-fund
	touch $@

test: setup-test-env $(NODE_MODULES)
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) SECRET_KEY=test-suite-only \
		SECURE_COOKIES=0 $(PY) manage.py collectstatic --noinput --verbosity 0
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) SECRET_KEY=test-suite-only \
		SECURE_COOKIES=0 $(BIN)/pytest $(PYTEST_ARGS) -m "not media"
	@# Real-time media tests run on their own: on two cores, sharing the CPU with another
	@# worker starves the fake camera and the relay of the frames they are timed on.
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) SECRET_KEY=test-suite-only \
		SECURE_COOKIES=0 $(BIN)/pytest -m media

lint: install-dev check-infra
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djlint templates --lint
	$(BIN)/djlint templates --check
	@# Every marked string has its Korean translation, and no .po or .mo file is stale.
	$(PY) scripts/translations.py check

# Update locale/ko/LC_MESSAGES/*.po from the sources and compile the .mo files (committed, so
# `make run` needs no gettext). Needs GNU gettext (`apt-get install gettext`).
messages: install-dev
	$(PY) scripts/translations.py update

# The deployment files, offline: the Kubernetes manifests against the Kubernetes schemas (strict:
# no unknown fields) and the compose file against the compose-spec schema, both shipped in the
# PyPI packages. tests/config/test_infra.py checks what they must contain and that they agree.
check-infra: install-dev
	$(BIN)/kubernetes-validate --strict --quiet infra/k8s/*.yaml
	$(BIN)/check-jsonschema --builtin-schema vendor.compose-spec infra/docker-compose.yml

# The real-time benchmark (bench/chat_room.py, driving ../shared/bench/bench_ws.py) on its own
# database; writes bench/results/realtime.json. BENCH_ARGS narrows it, e.g. "--processes 2".
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/cohort_bench
BENCH_REDIS_URL ?= redis://127.0.0.1:6379
BENCH_ARGS ?=

bench: install-dev
	$(PY) manage.py collectstatic --noinput --verbosity 0
	DATABASE_URL=$(BENCH_DATABASE_URL) REDIS_URL=$(BENCH_REDIS_URL) SECRET_KEY=bench-only \
		SECURE_COOKIES=0 $(PY) bench/chat_room.py $(BENCH_ARGS)

# The page benchmark (bench/pages.py): 10,000 studies and 20,000 posts seeded once into its own
# database, pages timed through uvicorn (config/serve.py); writes bench/results/pages.json.
BENCH_PAGES_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/cohort_bench_pages

bench-pages: install-dev
	$(PY) manage.py collectstatic --noinput --verbosity 0
	DATABASE_URL=$(BENCH_PAGES_DATABASE_URL) REDIS_URL=$(BENCH_REDIS_URL) SECRET_KEY=bench-only \
		SECURE_COOKIES=0 $(PY) bench/pages.py $(BENCH_ARGS)

# Rebuild the committed stylesheet (needs Node.js; `make run` does not). `npm ci` is avoided:
# the registry mirror here leaves other platforms' optional Tailwind binaries out of the lock file.
css:
	cd theme/static_src && npm install --no-audit --no-fund && npm run build

# Fail when the committed stylesheet is not what the sources build.
css-check: css
	git diff --exit-code -- theme/static/css/dist/styles.css

# coturn on loopback for development calls; serve the app alongside with
#   TURN_URLS=turn:127.0.0.1:3478 TURN_SECRET=dev-turn-secret make run
# Loopback peers are allowed here only; infra/coturn/turnserver.conf refuses them.
TURN_SECRET ?= dev-turn-secret
turn:
	mkdir -p var
	turnserver -n --listening-ip=127.0.0.1 --relay-ip=127.0.0.1 --listening-port=3478 \
		--min-port=49160 --max-port=49260 --use-auth-secret --static-auth-secret=$(TURN_SECRET) \
		--realm=cohort.local --fingerprint --no-cli --no-tls --no-dtls --allow-loopback-peers \
		--userdb=var/turndb --pidfile=var/turnserver.pid --log-file=stdout --simple-log

clean:
	rm -rf $(VENV) var/staticfiles
