/* Placeholder: the case, privacy, audit and stats ops of the PostgreSQL store come with
 * pg-cases (this file is replaced there). Until then store_pg.c's stubs answer SN_EDB. */
#include "bot/store_pg_int.h"

void store_pg_case_ops(struct store_ops *ops)
{
    (void)ops;
}
