# The few verbs people type. Every target starts from `install`, which is
# idempotent and quick when nothing changed.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1:8000

.PHONY: install browser run test lint stop bench messages worker

install: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

# Debian's Chromium and a CJK font for the browser tests (Playwright cannot
# download its own browser here). Installed only when missing.
browser:
	@sh scripts/install-browser.sh

# The web server and, beside it, the background worker that runs long imports and reads
# proof pages, the loop that returns wallet transfers not accepted by 06:00, the loop that
# sends the outbox's text messages, and the one that folds new ledger journals, binding
# events and proof events into the report summaries.
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@$(PY) manage.py import_worker --no-startup-delay & worker=$$!; \
	$(PY) manage.py return_expired_transfers --every 60 & returns=$$!; \
	$(PY) manage.py send_outbox --every 30 & outbox=$$!; \
	$(PY) manage.py reports_fold --every 60 & fold=$$!; \
	trap 'kill $$worker $$returns $$outbox $$fold 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver $(HOST)

worker: install
	$(PY) manage.py import_worker

lint: install
	$(VENV)/bin/ruff check .
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

test: install browser lint
	$(VENV)/bin/pytest

stop:
	@test -x $(PY) && $(PY) -m portal.devdb stop || true

bench: install
	@for f in bench/[!_]*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

# Regenerate the compiled translations after editing locale/*/LC_MESSAGES/django.po
messages: install
	$(PY) manage.py compilemessages --ignore=.venv --ignore=var
