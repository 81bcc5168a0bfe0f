# `make demo` and `make test` do all set-up: they create or refresh .venv from pyproject.toml;
# `make test` also installs Debian's Chromium for the browser tests when it is missing.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
CHROMIUM ?= /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test bench clean browser

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# The browser tests drive a real headless Chromium (Debian's package, never a download of
# a test tool's own browser).
browser:
	@[ -x "$(CHROMIUM)" ] || command -v chromium >/dev/null || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends \
	    chromium fonts-dejavu-core >/dev/null; }

demo: $(STAMP)
	$(VENV)/bin/cashmatch demo

test: $(STAMP) browser
	$(PY) -m pytest -q

clean:
	rm -rf $(VENV) .pytest_cache demo.duckdb test-artifacts
