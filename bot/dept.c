/* Departments' maps (bot/dept.h). */
#include "bot/dept.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static int id_ok(const char *s)
{
    size_t n = strlen(s);
    return n >= 1 && n <= BOT_DEPT_ID_MAX &&
           strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-.") == n && s[0] != '.' && s[0] != '-';
}

/* s[0..n) trimmed into out (BOT_DEPT_ID_MAX + 1 bytes); 0, or -1 when it does not fit. */
static int trim(const char *s, size_t n, char out[BOT_DEPT_ID_MAX + 1])
{
    while (n && isspace((unsigned char)*s))
        s++, n--;
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    if (n > BOT_DEPT_ID_MAX)
        return -1;
    memcpy(out, s, n);
    out[n] = 0;
    return 0;
}

static int none(const char *s)
{
    while (s && isspace((unsigned char)*s))
        s++;
    return !s || !*s || !strcmp(s, "none");
}

int bot_dept_map_parse(const char *s, struct bot_dept_map *out, struct sn_err *err)
{
    memset(out, 0, sizeof *out);
    int entry = 0;
    while (!none(s) && *s) {
        const char *e = strchr(s, ',');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        const char *eq = memchr(s, '=', n);
        char cat[BOT_DEPT_ID_MAX + 1], dept[BOT_DEPT_ID_MAX + 1];
        entry++;
        if (!eq || trim(s, (size_t)(eq - s), cat) || trim(eq + 1, n - (size_t)(eq - s) - 1, dept) ||
            !id_ok(dept) || (strcmp(cat, "*") && !id_ok(cat)))
            goto bad;
        if (!strcmp(cat, "*")) {
            if (out->fallback[0])
                goto bad;
            snprintf(out->fallback, sizeof out->fallback, "%s", dept);
        } else {
            for (int i = 0; i < out->n; i++)
                if (!strcmp(out->v[i].category, cat))
                    goto bad;
            if (out->n == BOT_DEPT_MAP_MAX)
                goto bad;
            snprintf(out->v[out->n].category, sizeof out->v[0].category, "%s", cat);
            snprintf(out->v[out->n].dept, sizeof out->v[0].dept, "%s", dept);
            out->n++;
        }
        s = e ? e + 1 : s + n;
    }
    return SN_OK;
bad:
    memset(out, 0, sizeof *out);
    return sn_err_set(err, SN_EINVAL,
                      "category_departments: entry %d: expected CATEGORY=DEPARTMENT (or "
                      "*=DEPARTMENT, once), ids of a-z 0-9 _ - ., each category once",
                      entry);
}

const char *bot_dept_choose(const struct bot_dept_map *m,
                            const char *choice,
                            const char *const *categories,
                            int n)
{
    if (choice && *choice)
        return choice;
    for (int i = 0; m && i < n; i++)
        for (int j = 0; categories[i] && j < m->n; j++)
            if (!strcmp(categories[i], m->v[j].category))
                return m->v[j].dept;
    return m && m->fallback[0] ? m->fallback : NULL;
}

int bot_dept_agents_parse(const char *s, struct bot_dept_agents *out, struct sn_err *err)
{
    memset(out, 0, sizeof *out);
    int entry = 0;
    while (!none(s) && *s) {
        const char *e = strchr(s, ';');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        const char *colon = memchr(s, ':', n);
        entry++;
        if (!colon || out->n == BOT_DEPT_AGENTS_MAX)
            goto bad;
        char dept[BOT_DEPT_ID_MAX + 1];
        if (trim(s, (size_t)(colon - s), dept) || !id_ok(dept))
            goto bad;
        for (int i = 0; i < out->n; i++)
            if (!strcmp(out->v[i].dept, dept))
                goto bad;
        snprintf(out->v[out->n].dept, sizeof out->v[0].dept, "%s", dept);
        const char *p = colon + 1, *end = s + n;
        while (p < end) {
            while (p < end && isspace((unsigned char)*p))
                p++;
            const char *q = p;
            while (q < end && !isspace((unsigned char)*q))
                q++;
            if (q == p)
                break;
            char login[BOT_DEPT_ID_MAX + 1];
            int k = out->v[out->n].n;
            if (trim(p, (size_t)(q - p), login) || !id_ok(login) || k == BOT_DEPT_LOGINS_MAX)
                goto bad;
            snprintf(out->v[out->n].login[k], BOT_DEPT_ID_MAX + 1, "%s", login);
            out->v[out->n].n++;
            p = q;
        }
        if (!out->v[out->n].n)
            goto bad;
        out->n++;
        s = e ? e + 1 : end;
    }
    return SN_OK;
bad:
    memset(out, 0, sizeof *out);
    return sn_err_set(err, SN_EINVAL,
                      "department_agents: entry %d: expected DEPARTMENT: LOGIN LOGIN… (entries "
                      "separated by ';', each department once, ids of a-z 0-9 _ - .)",
                      entry);
}

int bot_dept_agent_in(const struct bot_dept_agents *a, const char *dept, const char *login)
{
    if (!dept || !a)
        return 1;
    for (int i = 0; i < a->n; i++) {
        if (strcmp(a->v[i].dept, dept))
            continue;
        for (int j = 0; j < a->v[i].n; j++)
            if (login && !strcmp(a->v[i].login[j], login))
                return 1;
        return 0;
    }
    return 1;
}
