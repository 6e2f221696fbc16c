# Two commands on a fresh machine:  `make serve`  and  `make test`.
PY    ?= python3
VENV  ?= .venv
BIN   := $(VENV)/bin
HOST  ?= 127.0.0.1
PORT  ?= 8000

.PHONY: serve test build setup system-deps clean

serve: setup system-deps  ## build the graph, then serve it on http://$(HOST):$(PORT)/
	$(BIN)/dmkg build
	$(BIN)/dmkg serve --host $(HOST) --port $(PORT)

test: setup system-deps  ## run the whole test suite
	$(BIN)/pytest

build: setup system-deps
	$(BIN)/dmkg build

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

system-deps:  ## Java for HermiT and the OWL API checker, Chromium for the UI test, vendored YASGUI
	bash .ci/system-deps.sh

clean:
	rm -rf build $(VENV)
