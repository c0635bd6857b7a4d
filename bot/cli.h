/* Subcommands of the sanad binary. Each returns the process exit code:
 * 0 ok, 1 not found / no result, 2 bad input, 3 internal failure (database, I/O). */
#ifndef SANAD_BOT_CLI_H
#define SANAD_BOT_CLI_H

int bot_cli_kb(int argc, char **argv);
int bot_cli_ask(int argc, char **argv);
/* Maps an sn_code to the exit code above. */
int bot_cli_exit_code(int sn_code);
/* `sanad intents …` (bot/cli_intents.c) and `sanad kb gaps …` (bot/cli_gaps.c). */
int bot_cli_intents(int argc, char **argv);
int bot_cli_kb_gaps(int argc, char **argv);
/* bot/cli_calib.c: `sanad kb calibrate` (refits and reports), `sanad kb labels`, and the
 * refit after every write of `sanad kb` (prints nothing unless it fails or falls back). */
struct kb;
struct json_t;
/* Prints j as one compact JSON line on stdout and takes (decrefs) it. */
void bot_cli_print_json(struct json_t *j);
int bot_cli_kb_calibrate(struct kb *kb, int json);
int bot_cli_kb_labels(struct kb *kb, int json, int limit, int npos, char **pos);
int bot_cli_kb_refit(struct kb *kb, int json);
/* Names the CLI's writes to kb in the entry history: "cli:" and the user running it. */
void bot_cli_kb_actor(struct kb *kb);
/* `sanad user …` (bot/cli_user.c). */
int bot_cli_user(int argc, char **argv);
/* `sanad canned …` (bot/cli_canned.c). */
int bot_cli_canned(int argc, char **argv);
/* `sanad outbox …` (bot/cli_outbox.c): the outgoing email queue. */
int bot_cli_outbox(int argc, char **argv);
/* `sanad privacy export|delete|audit` (bot/cli_privacy.c): one visitor's data. */
int bot_cli_privacy(int argc, char **argv);
/* `sanad backup DIR` and `sanad restore DIR` (bot/cli_backup.c). */
int bot_cli_backup(int argc, char **argv);
int bot_cli_restore(int argc, char **argv);
/* `sanad stats` (bot/cli_stats.c): the figures of GET /api/stats, the store read-only. */
int bot_cli_stats(int argc, char **argv);
/* `sanad migrate --from sqlite --to postgres` (bot/cli_migrate.c): the SQLite store copied
 * into an empty PostgreSQL store and checked row by row. */
int bot_cli_migrate(int argc, char **argv);

#endif
