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

.PHONY: run test lint install install-test mypy-path migrate demo bench browser-test migrations clean \
        i18n-extract i18n-update i18n-compile i18n-init

# --- translations (Babel) -----------------------------------------------------------------
# One gettext catalogue per room or plugin: <room>/locale/messages.pot and
# <room>/locale/<lang>/LC_MESSAGES/messages.po; the compiled .mo files are built here (at
# install; git ignores them) and a changed .po is recompiled. README "Translations".
PYBABEL    := $(VENV)/bin/pybabel
I18N_LANGS := fr
# A room is a folder with a locale/ folder (make i18n-init ROOM=<folder> starts one).
I18N_ROOMS := $(patsubst %/locale,%,$(shell find . -path ./.venv -prune -o -path ./build -prune -o -type d -name locale -print | sed 's#^\./##' | sort))
PO_FILES   := $(foreach r,$(I18N_ROOMS),$(wildcard $(r)/locale/*/LC_MESSAGES/messages.po))
MO_FILES   := $(PO_FILES:.po=.mo)
# ROOM=<folder> limits extract/update to one room (each engineer updates only their own).
I18N_TARGET_ROOMS = $(if $(ROOM),$(ROOM),$(I18N_ROOMS))
# What each room's extraction reads: the room's folder (web also reads core's own modules:
# errors, pages, validation...).
i18n_sources = $(if $(filter web,$(1)),web $(wildcard core/*.py),$(1))
EXTRACT_FLAGS := -F babel.cfg --no-location --sort-output --add-comments=TRANSLATORS: \
  -k lazy_gettext -k gettext_noop -k lazy_ngettext:1,2 -k lazy_pgettext:1c,2 --project=Podium --copyright-holder="Podium contributors"

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

install: $(VENV)/.installed $(MO_FILES)
install-test: $(VENV)/.installed-test mypy-path $(MO_FILES)

# A catalogue is compiled when its .po is newer than its .mo (fuzzy entries are left out).
%/LC_MESSAGES/messages.mo: %/LC_MESSAGES/messages.po | $(VENV)/.installed
	$(PYBABEL) -q compile -i $< -o $@

## Compile every room's catalogues (.po -> .mo).
i18n-compile: $(MO_FILES)

## Extract every room's marked strings into its template: <room>/locale/messages.pot
## (ROOM=<folder>: that room only).
i18n-extract: $(VENV)/.installed
	$(foreach r,$(I18N_TARGET_ROOMS),$(PYBABEL) -q extract $(EXTRACT_FLAGS) -o $(r)/locale/messages.pot $(call i18n_sources,$(r)) &&) true

## Merge each room's .pot into its .po files (new strings appear untranslated;
## ROOM=<folder>: that room only).
i18n-update: i18n-extract
	@for r in $(I18N_TARGET_ROOMS); do for l in $(I18N_LANGS); do \
	  if [ -f $$r/locale/$$l/LC_MESSAGES/messages.po ]; then \
	    $(PYBABEL) -q update --no-fuzzy-matching --ignore-obsolete --ignore-pot-creation-date -i $$r/locale/messages.pot -d $$r/locale -l $$l || exit 1; \
	  else $(PYBABEL) -q init -i $$r/locale/messages.pot -d $$r/locale -l $$l || exit 1; fi; \
	done; done

## Start the catalogue of a room or plugin: make i18n-init ROOM=plugins/cycling
i18n-init: $(VENV)/.installed
	@test -n "$(ROOM)" || { echo "usage: make i18n-init ROOM=<folder>"; exit 2; }
	mkdir -p $(ROOM)/locale
	$(PYBABEL) -q extract $(EXTRACT_FLAGS) -o $(ROOM)/locale/messages.pot $(call i18n_sources,$(ROOM))
	for l in $(I18N_LANGS); do $(PYBABEL) -q init -i $(ROOM)/locale/messages.pot -d $(ROOM)/locale -l $$l; done

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
