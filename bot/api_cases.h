/* The console's case list and case view (bot/api_cases.c, routes in bot/api.h): how the
 * query of GET /api/cases is read into a store search. Pure, so every hostile argument is a
 * table test (test_bot_api_cases). docs/api.md, "Cases", is the reference. */
#ifndef SANAD_BOT_API_CASES_H
#define SANAD_BOT_API_CASES_H

#include "bot/case.h"
#include "bot/store.h"
#include "kb/base.h"

#define BOT_API_CASES_LIMIT     50                 /* cases per page when limit is absent */
#define BOT_API_CASES_LIMIT_MAX 200                /* cases per page, at most */
#define BOT_API_CASES_SCAN      5000               /* cases a text search looks at per page */
#define BOT_API_CASES_Q_MAX     200                /* characters of the text searched for */
#define BOT_API_CASES_MS_MAX    253402300799999LL  /* 9999-12-31T23:59:59.999Z */
#define BOT_API_CASES_ID_MAX    9007199254740991LL /* 2^53 - 1: exact in a JavaScript number */

/* A search read from a query: the filter, and the storage its strings point into (the
 * canonical reference; the others point into the argument values, which must outlive it). */
struct bot_api_cases_query {
    struct store_case_filter f;
    char ref[BOT_CASE_REF_MAX];
};

/* Reads the n query arguments name[i]=value[i] of GET /api/cases into *q: ref (a reference
 * as typed, bot_case_ref_parse), status (one or several, comma-separated), department,
 * assignee (a login), q (the text), from and to (ms since the epoch, created), visitor (a
 * widget visitor id), before (a case id: keyset paging), limit (1..BOT_API_CASES_LIMIT_MAX,
 * default BOT_API_CASES_LIMIT). An empty value is no condition (a form's empty field).
 * SN_OK, or SN_EINVAL with the reason in err (naming the argument) for an unknown or
 * repeated argument or a bad value; *q is then zeroed. */
int bot_api_cases_query_parse(const char *const *name,
                              const char *const *value,
                              int n,
                              struct bot_api_cases_query *q,
                              struct sn_err *err);

#endif
