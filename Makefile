# Two commands: `make play` and `make test`. Both set up .venv on first use.
# `make play` installs only what a player needs; `make test` adds the test, rl, cluster and serve extras.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PLAY_STAMP := $(VENV)/.installed-play
TEST_STAMP := $(VENV)/.installed-test

.PHONY: play test bench bench-tournament clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(PLAY_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $(PLAY_STAMP)

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test,rl,cluster,serve]"
	touch $(TEST_STAMP) $(PLAY_STAMP)

play: $(PLAY_STAMP)
	$(BIN)/gridlock play

test: $(TEST_STAMP)
	$(BIN)/python -m pytest
	@if command -v tmux >/dev/null 2>&1; then $(BIN)/python tools/tmux_play.py && $(BIN)/python tools/workshop_tmux.py; \
	else echo "tmux is not installed: the tmux play-through (tools/tmux_play.py) was not run"; fi

bench: $(TEST_STAMP)
	$(BIN)/python bench/engine_speed.py

bench-tournament: $(TEST_STAMP)
	$(BIN)/python bench/tournament_speed.py

clean:
	rm -rf $(VENV) build *.egg-info
