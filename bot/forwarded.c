/* The client behind trusted proxies: node and CIDR parsing, RFC 7239 Forwarded and
 * X-Forwarded-For into hops, and the walk from the right (bot/forwarded.h). */
#include "bot/forwarded.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* One entry of a chain: an address or not (unknown, _hidden, garbage), and the protocol the
 * connection it describes used: -1 unknown, 0 other, 1 https. */
struct hop {
    int addr; /* a is set */
    struct bot_fwd_addr a;
    int proto;
};

/* The last BOT_FWD_MAX_HOPS hops of a chain, oldest overwritten: only the right end matters,
 * so a client that prepends a thousand entries pushes nothing of the proxies' out. */
struct chain {
    struct hop h[BOT_FWD_MAX_HOPS];
    int n; /* hops seen, may pass BOT_FWD_MAX_HOPS */
};

static void chain_push(struct chain *c, const struct hop *h)
{
    c->h[c->n % BOT_FWD_MAX_HOPS] = *h;
    c->n++;
}

/* The i-th hop from the right (0 is the rightmost), i < kept(c). */
static const struct hop *chain_from_right(const struct chain *c, int i)
{
    return &c->h[(c->n - 1 - i) % BOT_FWD_MAX_HOPS];
}

static int chain_kept(const struct chain *c)
{
    return c->n < BOT_FWD_MAX_HOPS ? c->n : BOT_FWD_MAX_HOPS;
}

static int is_digits(const char *s, size_t n, size_t max)
{
    if (!n || n > max)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

/* s[0..n) as a bare IPv4 or IPv6 address (no brackets, no port). */
static int parse_bare(const char *s, size_t n, struct bot_fwd_addr *out)
{
    char buf[INET6_ADDRSTRLEN];
    if (!n || n >= sizeof buf || memchr(s, 0, n))
        return 0;
    memcpy(buf, s, n);
    buf[n] = 0;
    memset(out, 0, sizeof *out);
    if (memchr(s, ':', n)) {
        if (inet_pton(AF_INET6, buf, out->b) != 1)
            return 0;
        static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (!memcmp(out->b, mapped, 12)) { /* ::ffff:192.0.2.1 is 192.0.2.1 */
            memmove(out->b, out->b + 12, 4);
            memset(out->b + 4, 0, 12);
            out->family = 4;
        } else {
            out->family = 6;
        }
        return 1;
    }
    if (inet_pton(AF_INET, buf, out->b) != 1)
        return 0;
    out->family = 4;
    return 1;
}

int bot_fwd_addr_parse(const char *s, size_t n, struct bot_fwd_addr *out)
{
    if (!n)
        return 0;
    if (s[0] == '[') { /* [v6] or [v6]:port */
        const char *close = memchr(s, ']', n);
        if (!close)
            return 0;
        size_t in = (size_t)(close - s - 1), rest = n - in - 2;
        if (rest && (close[1] != ':' || !is_digits(close + 2, rest - 1, 5)))
            return 0;
        struct bot_fwd_addr a;
        if (!parse_bare(s + 1, in, &a) || !memchr(s + 1, ':', in))
            return 0; /* brackets hold IPv6 only */
        *out = a;
        return 1;
    }
    const char *colon = memchr(s, ':', n);
    if (colon && memchr(s, '.', n) && !memchr(colon + 1, ':', n - (size_t)(colon - s) - 1)) {
        /* 192.0.2.1:80: one colon and dots, the port dropped */
        size_t host = (size_t)(colon - s);
        if (!is_digits(colon + 1, n - host - 1, 5))
            return 0;
        struct bot_fwd_addr a;
        if (!parse_bare(s, host, &a) || a.family != 4)
            return 0;
        *out = a;
        return 1;
    }
    return parse_bare(s, n, out);
}

void bot_fwd_addr_format(const struct bot_fwd_addr *a, char *out, size_t size)
{
    char buf[INET6_ADDRSTRLEN] = "?";
    if (a->family == 4 || a->family == 6)
        inet_ntop(a->family == 4 ? AF_INET : AF_INET6, a->b, buf, sizeof buf);
    snprintf(out, size, "%s", buf);
}

int bot_fwd_net_parse(const char *s, struct bot_fwd_net *out, struct sn_err *err)
{
    const char *slash = strchr(s, '/');
    size_t n = slash ? (size_t)(slash - s) : strlen(s);
    struct bot_fwd_net net;
    memset(&net, 0, sizeof net);
    if (!parse_bare(s, n, &net.a))
        return sn_err_set(err, SN_EINVAL, "not an IPv4 or IPv6 address");
    /* the prefix counts bits of the address as written: ::ffff:10.0.0.0/104 is 10.0.0.0/8 */
    int v6text = memchr(s, ':', n) != NULL, max = v6text ? 128 : 32;
    int bits = max;
    if (slash) {
        size_t d = strlen(slash + 1);
        if (!is_digits(slash + 1, d, 3) || (d > 1 && slash[1] == '0'))
            return sn_err_set(err, SN_EINVAL, "the prefix length after '/' must be 0..%d", max);
        bits = 0;
        for (size_t i = 0; i < d; i++)
            bits = bits * 10 + (slash[1 + i] - '0');
        if (bits > max)
            return sn_err_set(err, SN_EINVAL, "prefix length %d is past %d", bits, max);
    }
    if (v6text && net.a.family == 4) {
        if (bits < 96)
            return sn_err_set(err, SN_EINVAL, "an IPv4-mapped range must be /96 or longer");
        bits -= 96;
    }
    max = net.a.family == 4 ? 32 : 128;
    net.bits = bits;
    for (int i = net.bits; i < max; i++) /* the host part does not count */
        net.a.b[i / 8] &= (unsigned char)~(0x80u >> (i % 8));
    *out = net;
    return SN_OK;
}

int bot_fwd_net_contains(const struct bot_fwd_net *net, const struct bot_fwd_addr *a)
{
    if (net->a.family != a->family || !a->family)
        return 0;
    int full = net->bits / 8, rest = net->bits % 8;
    if (memcmp(net->a.b, a->b, (size_t)full))
        return 0;
    if (!rest)
        return 1;
    unsigned char mask = (unsigned char)(0xffu << (8 - rest));
    return (net->a.b[full] & mask) == (a->b[full] & mask);
}

/* --- Forwarded (RFC 7239 section 4) --------------------------------------------------- */

static int is_tchar(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

static const char *skip_ows(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

/* After a malformed element: to the next ',' outside a quoted string, or the end. */
static const char *skip_element(const char *p)
{
    int quoted = 0;
    for (; *p; p++) {
        if (quoted && *p == '\\' && p[1])
            p++;
        else if (*p == '"')
            quoted = !quoted;
        else if (!quoted && *p == ',')
            break;
    }
    return p;
}

/* One value at p: a token, or a quoted string whose escapes are undone into val (cap bytes;
 * *len past cap means too long to be an address). Returns the end, or NULL when malformed
 * (an unterminated quote, an empty token). */
static const char *parse_value(const char *p, char *val, size_t cap, size_t *len)
{
    size_t n = 0;
    if (*p == '"') {
        for (p++; *p != '"'; p++) {
            if (!*p)
                return NULL;
            if (*p == '\\' && p[1])
                p++;
            if (n < cap)
                val[n] = *p;
            n++;
        }
        p++;
    } else {
        /* a token; ':' '[' ']' too, as proxies that forget the quotes write them */
        for (; is_tchar((unsigned char)*p) || *p == ':' || *p == '[' || *p == ']'; p++) {
            if (n < cap)
                val[n] = *p;
            n++;
        }
        if (!n)
            return NULL;
    }
    *len = n;
    return p;
}

/* The elements of one Forwarded line onto c. */
static void forwarded_line(struct chain *c, const char *p)
{
    while (*p) {
        p = skip_ows(p);
        if (*p == ',') { /* empty list members are allowed and are nothing */
            p++;
            continue;
        }
        if (!*p)
            break;
        struct hop h = {.addr = 0, .proto = -1};
        int nfor = 0, nproto = 0, bad = 0;
        for (;;) {
            const char *name = skip_ows(p);
            p = name;
            while (is_tchar((unsigned char)*p))
                p++;
            size_t nl = (size_t)(p - name);
            if (!nl || *p != '=') {
                bad = 1;
                break;
            }
            char val[64];
            size_t vl;
            const char *end = parse_value(p + 1, val, sizeof val, &vl);
            if (!end) {
                p++;
                bad = 1;
                break;
            }
            p = end;
            if (nl == 3 && !strncasecmp(name, "for", 3)) {
                nfor++;
                h.addr = vl <= sizeof val && bot_fwd_addr_parse(val, vl, &h.a);
            } else if (nl == 5 && !strncasecmp(name, "proto", 5)) {
                nproto++;
                h.proto = vl == 5 && !strncasecmp(val, "https", 5);
            }
            p = skip_ows(p);
            if (*p == ';') {
                p++;
                continue;
            }
            if (*p && *p != ',')
                bad = 1;
            break;
        }
        if (bad) { /* the rest of this element is not read; the element is not an address */
            p = skip_element(p);
            h.addr = 0;
        }
        if (nfor > 1 || nproto > 1) /* a parameter twice in one element: which one? neither */
            h.addr = 0, h.proto = -1;
        chain_push(c, &h);
    }
}

/* --- X-Forwarded-For / -Proto ----------------------------------------------------------- */

/* The comma-separated members of s, OWS trimmed, empty ones skipped, onto c (as addresses
 * when addrs, as protocols otherwise). */
static void list_line(struct chain *c, const char *s, int addrs)
{
    while (*s) {
        s = skip_ows(s);
        size_t n = strcspn(s, ",");
        size_t t = n;
        while (t && (s[t - 1] == ' ' || s[t - 1] == '\t'))
            t--;
        if (t) {
            struct hop h = {.addr = 0, .proto = -1};
            if (addrs)
                h.addr = bot_fwd_addr_parse(s, t, &h.a);
            else
                h.proto = t == 5 && !strncasecmp(s, "https", 5);
            chain_push(c, &h);
        }
        s += n;
        if (*s == ',')
            s++;
    }
}

static int trusted(const struct bot_fwd_net *nets, int n, const struct bot_fwd_addr *a)
{
    for (int i = 0; i < n; i++)
        if (bot_fwd_net_contains(&nets[i], a))
            return 1;
    return 0;
}

int bot_fwd_client(const struct bot_fwd_request *r, char *ip, size_t size)
{
    struct bot_fwd_net nets[BOT_FWD_MAX_NETS];
    int nnets = 0;
    struct bot_fwd_addr peer;
    snprintf(ip, size, "%s", r->peer ? r->peer : "?");
    for (int i = 0; i < r->ntrusted && nnets < BOT_FWD_MAX_NETS; i++)
        if (bot_fwd_net_parse(r->trusted[i], &nets[nnets], NULL) == SN_OK)
            nnets++;
    if (!r->peer || !bot_fwd_addr_parse(r->peer, strlen(r->peer), &peer) ||
        !trusted(nets, nnets, &peer))
        return r->tls;

    /* a trusted proxy speaks: its Forwarded if it sent one, else its X-Forwarded-For */
    static struct chain empty;
    struct chain hops = empty, protos = empty;
    int use_forwarded = 0;
    for (int i = 0; i < r->nforwarded; i++)
        if (r->forwarded[i] && *r->forwarded[i]) {
            use_forwarded = 1;
            forwarded_line(&hops, r->forwarded[i]);
        }
    if (!use_forwarded && r->xff)
        list_line(&hops, r->xff, 1);
    if (!use_forwarded && r->xfp)
        list_line(&protos, r->xfp, 0);

    struct bot_fwd_addr client = peer;
    int at = -1; /* the client's hop from the right; -1: the peer itself */
    for (int i = 0; i < chain_kept(&hops); i++) {
        const struct hop *h = chain_from_right(&hops, i);
        if (!h->addr) { /* unknown, hidden or garbage: the proxy that wrote it is the client */
            at = i;
            break;
        }
        client = h->a;
        at = i;
        if (!trusted(nets, nnets, &h->a))
            break;
    }
    bot_fwd_addr_format(&client, ip, size);
    if (at < 0)
        return r->tls;
    int proto = -1;
    if (use_forwarded) {
        proto = chain_from_right(&hops, at)->proto;
    } else if (chain_kept(&protos)) {
        int k = at < chain_kept(&protos) ? at : chain_kept(&protos) - 1;
        proto = chain_from_right(&protos, k)->proto;
    }
    return proto < 0 ? r->tls : proto;
}
