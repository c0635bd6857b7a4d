# Proof under load and faults (issue 12, "service-grade"): the load generator, the soak and
# the fault tests. Included by the Makefile (one line); docs/reliability.md describes them.
.PHONY: loadgen soak faults faults-quick

$(BUILD)/bench/loadgen: tests/bench/loadgen.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -o $@ $< $(DEP_LIBS) $(LDFLAGS)

loadgen: all $(BUILD)/bench/loadgen ## build the load generator ($(BUILD)/bench/loadgen; run scripts/loadgen)

# The soak: a short open-loop run finds saturation, then SOAK_SECONDS at half of it on the
# same server; RSS and fds sampled every 10 s; fails on any error or on growth beyond noise
# (the rule is in tests/bench/soak-check). Not part of make test (10 minutes).
SOAK_SECONDS ?= 600
SOAK_FLAGS   ?= --visitors 40 --agents 4 --idle 200 --human-share 0.1
soak: all $(BUILD)/bench/loadgen ## SOAK_SECONDS (600) at half of saturation: no error, no RSS/fd growth
	BUILD=$(BUILD) nice scripts/loadgen --no-build --soak $(SOAK_SECONDS) $(SOAK_FLAGS)

# The fault tests (tests/faults/run): kill -9 cycles, SIGTERM, disk full (RLIMIT_FSIZE, and a
# full tmpfs where mounting works), checked against the clients' own logs of their acks.
FAULT_CYCLES ?= 40
faults-quick: $(SANAD) ## the fault tests, a few cycles each (part of make test, well under 2 min)
	@$(ASAN_ENV) /usr/bin/python3 tests/faults/run --sanad $(SANAD) --cycles 4

faults: $(SANAD) ## the fault tests with FAULT_CYCLES (40) kill -9 cycles
	@$(ASAN_ENV) /usr/bin/python3 tests/faults/run --sanad $(SANAD) --cycles $(FAULT_CYCLES)
