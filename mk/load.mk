# Proof under load and faults (issue 12, "service-grade"): the load generator, the soak and
# the fault tests. Included by the Makefile (one line); docs/reliability.md describes them.
.PHONY: loadgen soak faults faults-quick

$(BUILD)/bench/loadgen: tests/bench/loadgen.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -o $@ $< $(DEP_LIBS) $(LDFLAGS)

loadgen: all $(BUILD)/bench/loadgen ## build the load generator ($(BUILD)/bench/loadgen; run scripts/loadgen)
