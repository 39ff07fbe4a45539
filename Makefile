# `make run`: set everything up and serve on the embedded default (SQLite).
# `make test`: set everything up and run the whole suite.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install run test lint bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/upik migrate
	$(BIN)/upik demo
	$(BIN)/upik serve  # UPIK_HOST / UPIK_PORT, 127.0.0.1:8000 by default

lint: install
	$(BIN)/ruff check .

test: install lint
	$(BIN)/pytest

bench: install
	$(BIN)/python bench/intake.py
	$(BIN)/python bench/fanout.py

clean:
	rm -rf $(VENV) var
