# libFuzzer targets (issue 12; docs/fuzzing.md). Included by the Makefile.
# tests/fuzz/fuzz_<name>.c, one per target, linked with clang -fsanitize=fuzzer against the
# project's code compiled by clang under ASan+UBSan with coverage (-fsanitize=fuzzer-no-link)
# into $(FUZZ_BUILD), apart from the gcc objects.
#   make fuzz [FUZZ_SECONDS=60] [FUZZ_TARGETS="analyzer ..."]: fuzz each target for that
#     long; new inputs go to $(FUZZ_BUILD)/work/<target>, crashes to $(FUZZ_BUILD)/crashes.
#   make fuzz-regress: each target once over tests/fuzz/corpus/<target> and
#     tests/fuzz/regress/<target> (the crashes found so far); fails on any. In `make test`.
FUZZ_CC      ?= clang
FUZZ_BUILD   ?= build/fuzz
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= visitor_frame agent_frame analyzer import_jsonl import_csv http_body dialogue attach
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS  := -std=c11 -O1 -g -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
                -Wformat=2 -Wvla $(FUZZ_SAN) -MMD -MP

FUZZ_KB_OBJ      := $(KB_SRC:%.c=$(FUZZ_BUILD)/obj/%.o)
FUZZ_INTENTS_OBJ := $(INTENTS_SRC:%.c=$(FUZZ_BUILD)/obj/%.o)
FUZZ_BOT_OBJ     := $(filter-out $(FUZZ_BUILD)/obj/bot/main.o,$(BOT_SRC:%.c=$(FUZZ_BUILD)/obj/%.o))
# bot → intents → kb, as archives: each target links only the objects it reaches
FUZZ_LIBS := $(FUZZ_BUILD)/libbot.a $(FUZZ_BUILD)/libintents.a $(FUZZ_BUILD)/libkb.a
FUZZ_BINS := $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%)

.PHONY: fuzz fuzz-build fuzz-regress

$(FUZZ_BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) $(PKG_CFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_BUILD)/libkb.a: $(FUZZ_KB_OBJ)
	ar rcs $@ $^

$(FUZZ_BUILD)/libintents.a: $(FUZZ_INTENTS_OBJ)
	ar rcs $@ $^

$(FUZZ_BUILD)/libbot.a: $(FUZZ_BOT_OBJ)
	ar rcs $@ $^

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIBS)
	$(FUZZ_CC) $(CPPFLAGS) $(PKG_CFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIBS) \
	  $(DEP_LIBS)

fuzz-build: $(FUZZ_BINS) ## build the libFuzzer targets (clang, ASan+UBSan) in build/fuzz

fuzz: $(FUZZ_BINS) ## fuzz each target for FUZZ_SECONDS (60); crashes land in build/fuzz/crashes
	@tests/fuzz/run fuzz --build $(FUZZ_BUILD) --seconds $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-regress: $(FUZZ_BINS) ## run each fuzz target once over its corpus and past crashes
	@tests/fuzz/run regress --build $(FUZZ_BUILD) $(FUZZ_TARGETS)
