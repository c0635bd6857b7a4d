/* Behind a reverse proxy (issue 12): who the client is and whether its connection is TLS,
 * from the TCP peer, the proxies' headers (RFC 7239 Forwarded, X-Forwarded-For,
 * X-Forwarded-Proto) and the trusted_proxies ranges. Pure: text in, text out, no lws and no
 * sockets, so that every hostile header is a unit test row (tests/unit/test_bot_forwarded.c). */
#ifndef SANAD_BOT_FORWARDED_H
#define SANAD_BOT_FORWARDED_H

#include <stddef.h>

#include "kb/base.h"

/* An address: family 4 or 6 (an IPv4-mapped IPv6 address is family 4), network order in
 * b (4 or 16 bytes used); family 0 is none. */
struct bot_fwd_addr {
    int family;
    unsigned char b[16];
};

/* A trusted range: an address and the number of leading bits that must match. */
struct bot_fwd_net {
    struct bot_fwd_addr a;
    int bits;
};

/* The hops of a chain the walk looks at, counted from the peer (the rightmost entries);
 * entries further to the left were written before any proxy we trust and are never read. */
#define BOT_FWD_MAX_HOPS 16
/* trusted_proxies entries bot_fwd_client reads; the config holds at most 32. */
#define BOT_FWD_MAX_NETS 64

/* One address as a proxy writes a node: 192.0.2.1, 192.0.2.1:80, 2001:db8::1,
 * [2001:db8::1] or [2001:db8::1]:4711 (s[0..n), no quotes). 1 and *out set when it is an
 * address; 0 for anything else (unknown, _hidden, names, garbage, zone ids). */
int bot_fwd_addr_parse(const char *s, size_t n, struct bot_fwd_addr *out);

/* The canonical text of a (inet_ntop: lower case, "::" compressed, IPv4-mapped as dotted
 * IPv4) into out (size bytes, 46 suffice). */
void bot_fwd_addr_format(const struct bot_fwd_addr *a, char *out, size_t size);

/* A trusted_proxies entry: an address (a host: /32 or /128) or a CIDR range, 10.0.0.0/8,
 * fd00::/8. Bits past the prefix are ignored (10.1.2.3/8 is 10.0.0.0/8). SN_EINVAL with
 * err saying why ("prefix length 0..32", "not an IPv4 or IPv6 address") otherwise. */
int bot_fwd_net_parse(const char *s, struct bot_fwd_net *out, struct sn_err *err);

/* 1 when a is inside net (same family, the first net->bits bits equal). */
int bot_fwd_net_contains(const struct bot_fwd_net *net, const struct bot_fwd_addr *a);

/* What a request says about its client. The strings are borrowed; NULL or "" is absent. */
struct bot_fwd_request {
    const char *peer;             /* the TCP peer's address as text */
    int tls;                      /* the connection to us is TLS */
    const char *const *forwarded; /* the Forwarded header lines, in the order received */
    int nforwarded;
    const char *xff;            /* X-Forwarded-For, several lines joined with ',' */
    const char *xfp;            /* X-Forwarded-Proto */
    const char *const *trusted; /* trusted_proxies entries (bot_fwd_net_parse; others skipped) */
    int ntrusted;
};

/* The client's address into ip (size bytes; canonical text, or the peer's text as given
 * when the peer is not a trusted proxy) and 1 when the client's connection is TLS.
 *
 * An untrusted peer is the client and its headers are ignored: then it is TLS when r->tls.
 * From a trusted peer the chain is walked from the right: Forwarded's for= when a Forwarded
 * header is present (X-Forwarded-For is not read then), else X-Forwarded-For. Each entry that
 * is itself a trusted proxy is skipped; the first that is not is the client. An entry that
 * is not an address (for=unknown, an obfuscated _name, garbage, a bad element) ends the walk:
 * the client is then the proxy that wrote it (the last trusted hop). When every entry is
 * trusted, the leftmost one is the client. TLS is the client's hop's proto= (Forwarded) or
 * the X-Forwarded-Proto value at the same place from the right (a single value applies to
 * any hop): "https" in any case is TLS; without one, r->tls. */
int bot_fwd_client(const struct bot_fwd_request *r, char *ip, size_t size);

#endif
