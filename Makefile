# Two entry points for a fresh machine: `make demo` and `make test`.
# Each creates the virtualenv and installs what it needs, Debian packages included.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
APT_PKGS := age chromium firefox-esr microsocks strace zip unzip epubcheck
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test fuzz system-deps venv bench clean

demo: venv
	$(BIN)/mirror demo

test: venv system-deps
	$(BIN)/python -m mypy mirror
	$(BIN)/python -m pytest -q
	MIRROR_TEST_ARCHIVE=plaintext $(BIN)/python -m pytest -q tests/test_archive.py tests/test_archive_crash.py tests/test_cli.py tests/test_bundle_roundtrip.py

# The bundle fuzzer, longer than in `make test`: FUZZ_EXAMPLES per target (3 targets).
FUZZ_EXAMPLES ?= 20000
fuzz: venv
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest -q tests/test_fuzz_bundles.py --hypothesis-show-statistics

system-deps:
	@missing=""; \
	for p in $(APT_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:$$missing"; \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

venv: $(BIN)/.installed

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test,bench]'
	touch $@

bench: venv system-deps
	$(BIN)/python bench/extraction.py
	$(BIN)/python bench/crypto.py
	$(BIN)/python bench/bundle.py
	$(BIN)/python bench/pipeline.py
	$(BIN)/python bench/archive_crypto.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
