/* `sanad serve`: the chat server (HTTP + the visitor WebSocket) on one libev event loop. */
#ifndef SANAD_BOT_SERVE_H
#define SANAD_BOT_SERVE_H

/* Runs the server until SIGTERM/SIGINT; returns the process exit code (0 after a clean
 * shutdown, 2 for bad options, 3 when it cannot start). */
int bot_serve_main(int argc, char **argv);

#endif
