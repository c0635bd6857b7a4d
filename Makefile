# Sanad: `make run` and `make test` are the two commands; `make help` lists the rest.
PKGS     := libwebsockets jansson sqlite3 icu-uc icu-i18n libsodium libcurl libpq
BUILD    ?= build/release
CC       ?= cc
OPT      ?= -O2 -g -D_FORTIFY_SOURCE=2 -fstack-protector-strong
WERROR   ?=
SAN      := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
CPPFLAGS += -I. -D_GNU_SOURCE
CFLAGS   += -std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 \
            -Wvla $(WERROR) $(OPT) -MMD -MP
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
DEP_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lstemmer -lev -lm
TEST_LIBS  = $(shell pkg-config --libs cmocka 2>/dev/null)

KB_SRC      := $(wildcard kb/*.c)
INTENTS_SRC := $(wildcard intents/*.c)
BOT_SRC     := $(wildcard bot/*.c)
UNIT_SRC    := $(wildcard tests/unit/test_*.c)

KB_OBJ   := $(KB_SRC:%.c=$(BUILD)/%.o)
INTENTS_OBJ := $(INTENTS_SRC:%.c=$(BUILD)/%.o)
BOT_OBJ  := $(BOT_SRC:%.c=$(BUILD)/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
SANAD    := $(BUILD)/sanad

ASAN_ENV := ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1 \
            UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

.PHONY: all run test unit cli-tests dialogues integration eval-smoke deps check-deps check-headers fmt fmt-check \
        bench eval clean help
.DEFAULT_GOAL := all

all: bin/sanad ## build bin/sanad (release)

bin/sanad: $(SANAD)
	@mkdir -p bin
	cp $< $@

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/libkb.a: $(KB_OBJ)
	ar rcs $@ $^

$(BUILD)/libintents.a: $(INTENTS_OBJ)
	ar rcs $@ $^

LIBS := $(BUILD)/libintents.a $(BUILD)/libkb.a
BOT_LIB_OBJ := $(filter-out $(BUILD)/bot/main.o,$(BOT_OBJ))

$(SANAD): $(BOT_OBJ) $(LIBS)
	$(CC) $(CFLAGS) -o $@ $(BOT_OBJ) $(LIBS) $(DEP_LIBS) $(LDFLAGS)

# bot/ unit tests link the bot objects (all but main.o)
$(BUILD)/tests/test_bot_%: tests/unit/test_bot_%.c $(BOT_LIB_OBJ) $(LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -o $@ $< $(BOT_LIB_OBJ) $(LIBS) $(DEP_LIBS) $(TEST_LIBS) $(LDFLAGS)

$(BUILD)/tests/%: tests/unit/%.c $(LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -o $@ $< $(LIBS) $(DEP_LIBS) $(TEST_LIBS) $(LDFLAGS)

# make install [PREFIX=/usr/local] [DESTDIR=] [SYSCONFDIR=/etc]: the binary, its data
# (widget, intents, texts, the demo base), the docs, a sandboxed systemd unit and
# /etc/sanad/sanad.conf (never overwritten). `systemctl enable --now sanad` then runs it.
PREFIX     ?= /usr/local
SYSCONFDIR ?= /etc
BINDIR     := $(PREFIX)/bin
DATADIR    := $(PREFIX)/share/sanad
DOCDIR     := $(PREFIX)/share/doc/sanad
UNITDIR    ?= $(PREFIX)/lib/systemd/system
.PHONY: install uninstall install-test
install: all ## install the binary, its data, docs, the systemd unit and /etc/sanad/sanad.conf
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR) $(DESTDIR)$(DOCDIR) $(DESTDIR)$(UNITDIR) \
	  $(DESTDIR)$(SYSCONFDIR)/sanad
	install -m 755 bin/sanad $(DESTDIR)$(BINDIR)/sanad
	rm -rf $(DESTDIR)$(DATADIR)/widget $(DESTDIR)$(DATADIR)/intents $(DESTDIR)$(DATADIR)/texts \
	  $(DESTDIR)$(DATADIR)/demo $(DESTDIR)$(DATADIR)/kb
	cp -R widget intents texts $(DESTDIR)$(DATADIR)/
	install -d $(DESTDIR)$(DATADIR)/demo $(DESTDIR)$(DATADIR)/kb
	install -m 644 kb/demo/*.jsonl $(DESTDIR)$(DATADIR)/demo/
	install -m 644 kb/synonyms.tsv $(DESTDIR)$(DATADIR)/kb/
	install -m 644 README.md docs/*.md $(DESTDIR)$(DOCDIR)/
	sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' -e 's|@DOCDIR@|$(DOCDIR)|g' \
	  scripts/service/sanad.service > $(DESTDIR)$(UNITDIR)/sanad.service
	chmod 644 $(DESTDIR)$(UNITDIR)/sanad.service
	[ -e $(DESTDIR)$(SYSCONFDIR)/sanad/sanad.conf ] || \
	  install -m 644 scripts/service/sanad.conf $(DESTDIR)$(SYSCONFDIR)/sanad/sanad.conf

uninstall: ## remove what make install put in place (the config and the state stay)
	rm -f $(DESTDIR)$(BINDIR)/sanad $(DESTDIR)$(UNITDIR)/sanad.service
	rm -rf $(DESTDIR)$(DATADIR) $(DESTDIR)$(DOCDIR)

install-test: all ## make install into a temporary DESTDIR and run the installed binary from there
	@scripts/service/install-test

deps: ## install the Debian packages Sanad needs (idempotent)
	@scripts/install-deps

DEMO_DB ?= data/demo.db
run: deps all ## install deps, build, load the demo knowledge base, start `sanad serve` (prints the URL)
	@rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	@bin/sanad kb init --db $(DEMO_DB) >/dev/null
	@for f in kb/demo/*.jsonl; do bin/sanad kb import --db $(DEMO_DB) $$f || exit 1; done
	@echo "Demo knowledge base loaded into $(DEMO_DB). Open the URL below (Ctrl-C stops the server)."
	@bin/sanad serve --db $(DEMO_DB) $(SERVE_FLAGS)

unit: $(UNIT_BIN) ## build and run the unit tests in $(BUILD)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $(ASAN_ENV) CMOCKA_TEST_ABORT=0 $$t; done

integration: $(SANAD) $(BUILD)/store-driver ## `sanad serve` on a free loopback port, driven by a real WebSocket client
	@$(ASAN_ENV) /usr/bin/python3 tests/integration/run --sanad $(SANAD)

.PHONY: integration-pg test-cluster
integration-pg: $(SANAD) ## the integration suite with every server on PostgreSQL (a PgTemp, a database per server)
	@$(ASAN_ENV) /usr/bin/python3 tests/integration/run --store postgres --sanad $(SANAD)

test-cluster: $(SANAD) ## N `sanad serve` nodes on one PostgreSQL: tests/cluster/run
	@$(ASAN_ENV) /usr/bin/python3 tests/cluster/run --sanad $(SANAD)

cli-tests: $(SANAD) ## the CLI tests against $(BUILD)/sanad
	@$(ASAN_ENV) SANAD=$(SANAD) tests/cli/run

dialogues: $(SANAD) ## the scripted conversations of tests/dialogues against $(BUILD)/sanad
	@$(ASAN_ENV) /usr/bin/python3 tests/dialogues/run --sanad $(SANAD)

visitors: $(SANAD) ## tests/data/visitors{,-direct} questions vs $(BUILD)/sanad: fails if >2% answered wrong
	@/usr/bin/python3 tests/visitors/run --sanad $(SANAD) --self-test
	@echo "visitors: the hard set (long messages, traps between neighbouring entries)"
	@/usr/bin/python3 tests/visitors/run --sanad $(SANAD)
	@echo "visitors: the direct set (short, plain questions as most visitors type)"
	@/usr/bin/python3 tests/visitors/run --sanad $(SANAD) --data tests/data/visitors-direct

eval-smoke: $(SANAD) ## scripts/eval on the tiny bundled set: must beat the plain index
	@/usr/bin/python3 scripts/eval tests/eval/mini --sanad $(SANAD) | tail -n 1 | /usr/bin/python3 -c \
	  'import json,sys; r=json.load(sys.stdin); print(json.dumps(r)); \
	   ok = r["p_at_1"] >= 0.9 and r["p_at_1"] >= r["plain"]["p_at_1"] and r["oos_rejected_rate"] >= 0.5 and r["answered_precision"] >= 0.9; \
	   print("eval-smoke:", "ok" if ok else "FAILED"); sys.exit(0 if ok else 1)'

test: deps ## install deps, build from scratch, run every test (release and ASan+UBSan)
	rm -rf build/release build/asan bin
	$(MAKE) WERROR=-Werror all
	$(MAKE) WERROR=-Werror check-deps check-headers
	$(MAKE) WERROR=-Werror BUILD=build/release unit cli-tests dialogues
	@# the three server suites wait on sockets most of the time (load about 1.4 on 2 cores
	@# each): two at a time, each one's output kept together (-O)
	$(MAKE) -j2 -O WERROR=-Werror BUILD=build/release integration integration-pg test-cluster
	$(MAKE) WERROR=-Werror BUILD=build/asan OPT="-O1 -g $(SAN)" LDFLAGS="$(SAN)" unit cli-tests dialogues integration
	$(MAKE) fuzz-regress
	$(MAKE) BUILD=build/release faults-quick
	$(MAKE) eval-smoke
	$(MAKE) BUILD=build/release visitors
	$(MAKE) BUILD=build/release browser
	$(MAKE) install-test
	@echo "make test: all passed"

.PHONY: browser
browser: $(SANAD) ## headless Chromium tests of the widget, the agent console, the editor and the help center against sanad serve (screenshots: build/test-output/browser)
	@/usr/bin/python3 tests/browser/run --sanad $(SANAD)
	@/usr/bin/python3 tests/browser/console_run --sanad $(SANAD)
	@/usr/bin/python3 tests/browser/widget_ux_run --sanad $(SANAD)
	@/usr/bin/python3 tests/browser/console_ui_run --sanad $(SANAD)
	@/usr/bin/python3 tests/browser/editor_run --sanad $(SANAD)
	@/usr/bin/python3 tests/browser/help_run --sanad $(SANAD)
	@/usr/bin/python3 tests/browser/typing_run --sanad $(SANAD)
	@/usr/bin/python3 tests/browser/attach_run --sanad $(SANAD)
	@/usr/bin/python3 tests/browser/prechat_run --sanad $(SANAD)
	@/usr/bin/python3 tests/browser/case_mail_run --sanad $(SANAD)
	@/usr/bin/python3 tests/browser/cases_run --sanad $(SANAD)
	@/usr/bin/python3 tests/browser/routing_run --sanad $(SANAD)
	@/usr/bin/python3 tests/browser/escalate_run --sanad $(SANAD)
	@/usr/bin/python3 tests/browser/dashboard_run --sanad $(SANAD)

check-deps: ## kb/ and intents/ must not include bot/ (nor kb/ intents/)
	@! grep -rnE '#include "(bot|intents)/' kb/ || (echo "kb/ includes bot/ or intents/" && false)
	@! grep -rnE '#include "bot/' intents/ 2>/dev/null || (echo "intents/ includes bot/" && false)
	@echo "check-deps: ok"

check-headers: ## every header compiles on its own, and included twice (include guards)
	@set -e; for h in kb/*.h intents/*.h bot/*.h; do \
	  printf '#include "%s"\n#include "%s"\n' "$$h" "$$h" | $(CC) $(CPPFLAGS) $(PKG_CFLAGS) -std=c11 -Wall -Werror -fsyntax-only -x c - ; done
	@echo "check-headers: ok"

fmt: ## clang-format the C sources
	clang-format -i kb/*.[ch] intents/*.[ch] bot/*.[ch] tests/unit/*.c

fmt-check:
	clang-format --dry-run --Werror kb/*.[ch] intents/*.[ch] bot/*.[ch] tests/unit/*.c

include mk/fuzz.mk

bench: all ## matching speed: scripts/bench-kb
	scripts/bench-kb

# WebSocket benchmarks (issue 4): the load client, the echo baseline, the synthetic-base maker.
.PHONY: bench-ws bench-echo bench-tools
BENCH_TOOLS := $(BUILD)/bench/ws_load $(BUILD)/bench/echo_server $(BUILD)/bench/bench_kb
$(BUILD)/bench/ws_load $(BUILD)/bench/echo_server: $(BUILD)/bench/%: tests/bench/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -o $@ $< $(DEP_LIBS) -lev $(LDFLAGS)

$(BUILD)/bench/bench_kb: tests/bench/bench_kb.c $(BUILD)/libkb.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -o $@ $< $(BUILD)/libkb.a $(DEP_LIBS) $(LDFLAGS)

include mk/load.mk

bench-tools: $(BENCH_TOOLS) ## build the benchmark programs (ws_load, echo_server, bench_kb)

# The PostgreSQL store's test driver and bench (issue 17): one struct store driven from stdin,
# beside the binary (tests/integration/store_pg_tests.py runs two of them at once).
all: $(BUILD)/store-driver
$(BUILD)/store-driver: tests/bench/store_driver.c $(BOT_LIB_OBJ) $(LIBS)
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -o $@ $< $(BOT_LIB_OBJ) $(LIBS) $(DEP_LIBS) $(LDFLAGS)

bench-ws: all bench-tools ## chat server speed vs a plain lws echo server: scripts/bench-ws
	scripts/bench-ws --no-build

bench-echo: bench-tools ## the lws echo baseline alone: scripts/bench-echo
	scripts/bench-echo --no-build

eval: all ## matching quality on ../shared/eval/mawdoo3-q2q (check split)
	/usr/bin/python3 scripts/mawdoo3-convert ../shared/eval/mawdoo3-q2q/q2q_similarity_workshop_v2.1.tsv build/eval/mawdoo3
	/usr/bin/python3 scripts/eval build/eval/mawdoo3/check

clean: ## remove build outputs
	rm -rf build bin

help: ## this list
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | column -t -s "$$(printf '\t')"

-include $(shell find build -name '*.d' 2>/dev/null)
