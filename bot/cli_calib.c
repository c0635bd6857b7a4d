/* `sanad kb calibrate` and `sanad kb labels`: the confidence model of a base, what it
 * promises at each precision target, and the examples learned from use (kb/calib.h). */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "bot/cli.h"
#include "kb/calib.h"
#include "kb/kb.h"

static json_t *info_json(const struct kb_calib_info *in)
{
    json_t *at = json_array(), *bins = json_array(), *w = json_object();
    for (int t = 0; t < KB_CALIB_TARGETS; t++)
        json_array_append_new(at, json_pack("{s:f, s:f, s:f, s:f}", "target", in->at[t].target,
                                            "threshold", in->at[t].threshold, "answered",
                                            in->at[t].answered, "precision", in->at[t].precision));
    for (int b = 0; b < KB_CALIB_BINS && !in->fallback; b++)
        json_array_append_new(bins,
                              json_pack("{s:f, s:f, s:i, s:f, s:f}", "lo", in->bin[b].lo, "hi",
                                        in->bin[b].hi, "n", in->bin[b].n, "predicted",
                                        in->bin[b].predicted, "observed", in->bin[b].observed));
    for (int j = 0; j < KB_SIG_N && !in->fallback; j++)
        json_object_set_new(w, kb_sig_name(j), json_real(in->w[j]));
    if (!in->fallback)
        json_object_set_new(w, "bias", json_real(in->w[KB_SIG_N]));
    return json_pack("{s:b, s:b, s:s?, s:i, s:i, s:i, s:i, s:i, s:i, s:f, s:f, s:f, s:o, s:o, s:o}",
                     "calibrated", !in->fallback, "stale", in->stale, "why",
                     in->fallback ? in->why : NULL, "size", in->n_in + in->n_oos + in->n_labels,
                     "in_scope", in->n_in, "in_scope_right", in->n_right, "out_of_scope", in->n_oos,
                     "labels", in->n_labels, "duplicates", in->n_dup, "oos_share", in->oos_share,
                     "seconds", in->seconds, "calibration_error", in->ece, "targets", at,
                     "reliability", bins, "weights", w);
}

static void info_print(const struct kb_calib_info *in)
{
    if (in->fallback) {
        printf("not calibrated: %s\n", in->why);
        printf("answers when the fallback probability is at least the target (0.90 by default)\n");
        return;
    }
    printf("calibration set: %d questions: %d phrasings asked without themselves (%d right "
           "first), %d out of scope (entries left out, %.0f%% of the weight, and questions with "
           "their rarest word swapped), %d labels from use%s\n",
           in->n_in + in->n_oos + in->n_labels, in->n_in, in->n_right, in->n_oos,
           100 * in->oos_share, in->n_labels, in->stale ? "; STALE: the base changed since" : "");
    if (in->n_dup)
        printf("%d questions were left out: another entry holds them almost word for word "
               "(duplicate entries?)\n",
               in->n_dup);
    if (in->seconds > 0)
        printf("fitted in %.2f s\n", in->seconds);
    printf("\n%-8s %-10s %-9s %s\n", "target", "threshold", "answered", "precision");
    for (int t = 0; t < KB_CALIB_TARGETS; t++) {
        if (in->at[t].threshold > 1)
            printf("%-8.2f %-10s %-9s %s\n", in->at[t].target, "-", "0%", "(never met)");
        else
            printf("%-8.2f %-10.3f %5.1f%%    %.3f\n", in->at[t].target, in->at[t].threshold,
                   100 * in->at[t].answered, in->at[t].precision);
    }
    printf("\nreliability (predicted against observed):\n%-11s %-6s %-10s %s\n", "bin", "n",
           "predicted", "observed");
    for (int b = 0; b < KB_CALIB_BINS; b++)
        if (in->bin[b].n)
            printf("%.1f-%.1f     %-6d %-10.3f %.3f\n", in->bin[b].lo, in->bin[b].hi, in->bin[b].n,
                   in->bin[b].predicted, in->bin[b].observed);
    printf("calibration error (weighted |predicted - observed|): %.3f\n", in->ece);
}

int bot_cli_kb_calibrate(struct kb *kb, int json)
{
    struct kb_calib_info in;
    struct sn_err e = {0};
    if (kb_calibrate(kb, &in, &e)) {
        fprintf(stderr, "sanad kb: calibrate: %s\n", e.msg);
        return bot_cli_exit_code(e.code);
    }
    if (json)
        bot_cli_print_json(info_json(&in));
    else
        info_print(&in);
    return 0;
}

void bot_cli_kb_actor(struct kb *kb)
{
    const struct passwd *pw = getpwuid(geteuid());
    const char *sudo = getenv("SUDO_USER"); /* root by sudo: the person, not root */
    char who[KB_MAX_ACTOR_BYTES + 1];
    snprintf(who, sizeof who, "cli:%s", sudo && *sudo ? sudo : pw ? pw->pw_name : "?");
    kb_set_actor(kb, who);
}

int bot_cli_kb_refit(struct kb *kb, int json)
{
    struct kb_calib_info in;
    struct sn_err e = {0};
    (void)json;
    if (kb_calibrate(kb, &in, &e)) {
        fprintf(stderr,
                "sanad kb: the change is saved, but refitting the confidence model "
                "failed: %s\n",
                e.msg);
        return bot_cli_exit_code(e.code);
    }
    return 0;
}

struct label_print {
    int json;
    json_t *arr;
};

static int print_label(void *ctx, const struct kb_label *l)
{
    struct label_print *p = ctx;
    if (p->json) {
        json_array_append_new(
            p->arr, json_pack("{s:I, s:I, s:s, s:s, s:b, s:s}", "id", (json_int_t)l->id, "at",
                              (json_int_t)l->at, "question", l->question, "kb_id", l->kb_id,
                              "right", l->label, "source", kb_label_source_name(l->source)));
    } else {
        char when[32];
        time_t t = (time_t)l->at;
        strftime(when, sizeof when, "%Y-%m-%d %H:%M", gmtime(&t));
        printf("%-6lld %s  %-8s %-5s %-14s %s\n", l->id, when, kb_label_source_name(l->source),
               l->label ? "right" : "wrong", l->kb_id, l->question);
    }
    return 0;
}

int bot_cli_kb_labels(struct kb *kb, int json, int limit, int npos, char **pos)
{
    struct sn_err e = {0};
    const char *sub = npos ? pos[0] : "list";
    if (strcmp(sub, "list") == 0 && npos <= 1) {
        struct label_print p = {json, json ? json_array() : NULL};
        int rc = kb_label_each(kb, limit, print_label, &p, &e);
        if (json)
            bot_cli_print_json(p.arr);
        if (rc) {
            fprintf(stderr, "sanad kb: labels: %s\n", e.msg);
            return bot_cli_exit_code(rc);
        }
        return 0;
    }
    if (strcmp(sub, "rm") == 0 && npos == 2) {
        char *end;
        long long id = strtoll(pos[1], &end, 10);
        if (*end || id < 1) {
            fprintf(stderr, "sanad kb: labels rm: ID must be a positive number, got '%s'\n",
                    pos[1]);
            return 2;
        }
        if (kb_label_rm(kb, id, &e)) {
            fprintf(stderr, "sanad kb: labels rm: %s\n", e.msg);
            return bot_cli_exit_code(e.code);
        }
        printf("removed label %lld\n", id);
        return 0;
    }
    fprintf(stderr, "sanad kb: labels [list] [--limit N] | labels rm ID\n");
    return 2;
}
