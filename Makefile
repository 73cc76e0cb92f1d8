# The two commands: `make run` and `make test`. Both set up what they need first.
.PHONY: run test setup setup-test demo bench lint translations

run: setup
	.venv/bin/marathon serve --host $${HOST:-127.0.0.1} --port $${PORT:-5000}

test: setup-test
	@.venv/bin/python -m pytest -q -p no:cacheprovider $(PYTEST_ARGS); code=$$?; \
	if [ $$code = 5 ]; then echo "no tests were collected" >&2; exit 1; fi; exit $$code

setup:
	@bash scripts/setup.sh

setup-test:
	@bash scripts/setup.sh --test

demo: setup
	.venv/bin/marathon demo

bench: setup-test
	bash bench/run

lint: setup-test
	.venv/bin/ruff check .

translations: setup
	.venv/bin/python scripts/i18n.py update
