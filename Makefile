# chanye: the README's two commands are `make run` and `make test`; both set everything up first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DB ?= data/chanye.duckdb

.PHONY: setup run test lint demo serve benchmark mutation clean

setup: $(VENV)/.installed node_modules/.installed

# pip's own progress (issue 15: no minute of silence on the first install).
$(VENV)/.installed: pyproject.toml
	@echo "安装 Python 依赖到 $(VENV)（首次约 1–3 分钟）installing the Python dependencies into $(VENV)..."
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --progress-bar on -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	@echo "安装前端库（ECharts、地图、Swagger UI）installing the front-end libraries from npm..."
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The main job: the dashboard on the embedded demo data (built on first run when $(DB) does not exist).
# Your own data instead: `chanye init --db own.duckdb`, `chanye import FILE --db own.duckdb`, `make run DB=own.duckdb`.
run: setup
	$(BIN)/chanye framework show
	$(BIN)/chanye serve --db $(DB)

demo: setup
	$(BIN)/chanye demo --db $(DB) --force

benchmark: setup
	$(BIN)/python benchmarks/scoreboard_bench.py --db $(DB)
	$(BIN)/python benchmarks/import_bench.py --rows 1000000

test: setup
	$(BIN)/ruff check src tests tools benchmarks
	$(BIN)/python -m pytest

# Mutation testing of one module against its own tests (docs/testing.md): make mutation MODULE=registry/uscc
mutation: setup
	@test -n "$(MODULE)" || { echo "用法 usage: make mutation MODULE=registry/uscc"; exit 2; }
	$(BIN)/python tools/mutation.py $(MODULE)

lint: setup
	$(BIN)/ruff check src tests tools benchmarks
	$(BIN)/ruff format --check src tests tools benchmarks

clean:
	rm -rf $(VENV) node_modules .pytest_cache .ruff_cache
