# The two commands: `make run` and `make test`. Both set everything up, idempotently.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := run

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
WORKERS ?= 2
export FLASK_APP := wsgi.py

# Debian packages the app needs at run time: a CJK font for PDFs, HarfBuzz subsetting
# (CJK PDFs ~35x faster than fontTools subsetting) and the Pango stack WeasyPrint loads.
SYSTEM_PACKAGES := fonts-noto-cjk libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 fontconfig

PO_FILES := $(wildcard cadre_app/translations/*/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)

.PHONY: run test setup system-deps database lint format clean help

help:
	@echo "make run    set up, migrate, load demo data on first run, serve on http://$(HOST):$(PORT)"
	@echo "make test   set up, then run the whole test suite (DATABASE_URL selects PostgreSQL)"
	@echo "make lint   ruff check and ruff format --check"

# gunicorn and one task-queue worker (flask worker); Ctrl+C stops both, and so does either
# one ending.
run: setup database
	@$(BIN)/flask seed-demo --if-empty
	@echo "正在启动：http://$(HOST):$(PORT)  （Ctrl+C 停止网站和后台任务进程）"
	@$(BIN)/flask worker & worker=$$!; \
	$(BIN)/gunicorn -c gunicorn.conf.py --workers $(WORKERS) --bind $(HOST):$(PORT) --preload \
	    --access-logfile - --error-logfile - wsgi:app & web=$$!; \
	trap 'kill $$worker $$web 2>/dev/null; wait' EXIT INT TERM; \
	wait -n $$worker $$web

test: setup
	$(BIN)/pytest

setup: system-deps $(BIN)/.installed $(MO_FILES) instance/config.py

$(BIN)/python:
	@if ! $(PYTHON) -c 'import ensurepip' 2>/dev/null; then \
	    if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv; \
	    else echo "缺少 python3-venv：请运行 sudo apt-get install python3-venv" >&2; exit 1; fi; fi
	$(PYTHON) -m venv $(VENV)

$(BIN)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install -qq --upgrade pip
	$(BIN)/python -m pip install -qq -e '.[dev]'
	@touch $@

%.mo: %.po $(BIN)/.installed
	$(BIN)/pybabel compile --statistics -i $< -o $@

system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do \
	    dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	    if [ "$$(id -u)" = 0 ]; then \
	        echo "安装系统软件包：$$missing"; \
	        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	    else \
	        echo "缺少系统软件包：$$missing" >&2; \
	        echo "请运行：sudo apt-get install -y$$missing" >&2; exit 1; \
	    fi; \
	fi

# Random secret keys, written once; instance/ is never committed. A key missing from an
# existing file (one written before the key existed) is added, the others kept.
instance/config.py: FORCE
	@mkdir -p instance
	@touch -a $@
	@for key in SECRET_KEY AUDIT_CHAIN_KEY; do \
	    grep -q "^$$key *=" $@ || { \
	        $(PYTHON) -c "import secrets; print('$$key = ' + repr(secrets.token_hex(32)))" >> $@; \
	        echo "已在 instance/config.py 写入随机 $$key"; }; \
	done

.PHONY: FORCE
FORCE:

database: setup
	@$(BIN)/flask db upgrade

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(BIN)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) build .pytest_cache .ruff_cache
