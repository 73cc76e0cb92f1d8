# The two commands: `make run` and `make test`. Both set up what they need first.
.PHONY: run test test-long setup setup-test demo bench lint translations

# Both cores: the timing-sensitive tests (tests/live, tests/faults) stay together on
# one worker (tests/conftest.py groups them), the rest is shared.
PYTEST_WORKERS ?= 2

run: setup
	.venv/bin/marathon serve --host $${HOST:-127.0.0.1} --port $${PORT:-5000}

test: setup-test
	@.venv/bin/python -m pytest -q -p no:cacheprovider -n $(PYTEST_WORKERS) --dist loadgroup \
		$(PYTEST_ARGS); code=$$?; \
	if [ $$code = 5 ]; then echo "no tests were collected" >&2; exit 1; fi; exit $$code

# The long tiers at their full size: a 150 s compressed day for the screen's heap, 80
# fuzz examples per operation, 200 phones in the replay storm, 400 state-machine runs.
test-long:
	LM_HEAP_SECONDS=150 FUZZ_EXAMPLES=80 STORM_PHONES=200 INVARIANT_EXAMPLES=400 \
	INVARIANT_STEPS=80 $(MAKE) test

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
