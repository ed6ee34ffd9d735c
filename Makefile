# The two commands of the README: `make run` and `make test`. Only Python 3.11+ is needed.
# `make lint` type-checks with mypy (CI runs it too).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip -q --disable-pip-version-check
export PICCOLO_CONF := podium.web.piccolo_conf
# The top-level folders that install as podium.<folder> (setup.py's TOP_LEVEL).
PODIUM_TOP := core tournaments ticketing social plugins web tests
# mypy's view of podium.*: one symlink per top-level folder ([tool.mypy] in pyproject.toml).
MYPY_PATH  := build/mypy-path

.PHONY: run test lint install install-test mypy-path migrate demo bench browser-test migrations clean

$(PY):
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Podium needs Python 3.11+"'
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip setuptools wheel

$(VENV)/.installed: pyproject.toml setup.py | $(PY)
	$(PIP) install -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed $(wildcard examples/*/pyproject.toml)
	$(PIP) install -e '.[test]'
	for d in examples/*/; do [ -f "$$d/pyproject.toml" ] && $(PIP) install -e "$$d"; done; true
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test mypy-path

# setuptools' editable install maps podium.core to core/ (package-dir) through an import hook
# that mypy cannot follow; mypy reads podium.* from $(MYPY_PATH)/podium/ instead, where each
# top-level folder is a relative symlink (podium/core -> ../../../core). Cheap and idempotent;
# new modules need no reinstall. The run time never looks there.
mypy-path:
	@mkdir -p $(MYPY_PATH)/podium
	@for t in $(PODIUM_TOP); do ln -sfn ../../../$$t $(MYPY_PATH)/podium/$$t; done

## Serve the demo venue on http://127.0.0.1:$${PORT:-8000} (migrates, seeds on first run).
run: install
	$(VENV)/bin/podium migrate
	$(VENV)/bin/podium demo --if-empty
	$(VENV)/bin/podium run --no-migrate

## Run the test suite (SQLite; set PODIUM_TEST_DATABASE_URL for PostgreSQL).
test: install-test
	$(PY) -m pytest -q; rc=$$?; [ $$rc -eq 5 ] && echo "(no tests collected)" && rc=0; exit $$rc

## Type-check podium.* with mypy (config: [tool.mypy] in pyproject.toml). Paths are printed
## as the real files (core/x.py), not through the symlinks.
lint: install-test
	@$(PY) -m mypy > $(MYPY_PATH)/mypy.out 2>&1; rc=$$?; \
	  sed 's#$(MYPY_PATH)/podium/##g' $(MYPY_PATH)/mypy.out; exit $$rc

browser-test: install-test
	$(PY) -m pytest -q -m browser

migrate: install
	$(VENV)/bin/podium migrate

demo: install
	$(VENV)/bin/podium demo

bench: install-test
	for f in bench/bench_*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

## Create a migration after changing tables: make migrations APP=venue
migrations: install
	$(VENV)/bin/piccolo migrations new $(APP) --auto=True

clean:
	rm -rf $(VENV) *.egg-info build dist .mypy_cache
