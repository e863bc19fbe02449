# Two commands: `make play` and `make test`. Both set up .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: play test bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test,rl,cluster]"
	touch $(STAMP)

play: $(STAMP)
	$(BIN)/gridlock play

test: $(STAMP)
	$(BIN)/python -m pytest
	@if command -v tmux >/dev/null 2>&1; then $(BIN)/python tools/tmux_play.py && $(BIN)/python tools/workshop_tmux.py; \
	else echo "tmux is not installed: the tmux play-through (tools/tmux_play.py) was not run"; fi

bench: $(STAMP)
	$(BIN)/python bench/engine_speed.py

.PHONY: bench-tournament
bench-tournament: $(STAMP)
	$(BIN)/python bench/tournament_speed.py

clean:
	rm -rf $(VENV) build *.egg-info
