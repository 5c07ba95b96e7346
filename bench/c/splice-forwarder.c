/*
 * splice-forwarder: the minimal C reference forwarder of bench/forwarder.sh.
 *
 *   splice-forwarder --listen ADDR:PORT --connect ADDR:PORT [--threads N]
 *
 * N worker threads (default 2), each with its own SO_REUSEPORT listener and epoll instance
 * (edge-triggered). Per connection and direction: socket -> pipe -> socket with
 * splice(SPLICE_F_MOVE | SPLICE_F_NONBLOCK). A direction holds a pipe (raised to 1 MiB with
 * F_SETPIPE_SZ) only while bytes are in it, then returns it to the thread's pool, so idle
 * connections cost their two sockets and nothing more. End-of-stream is passed on with
 * shutdown(SHUT_WR) once the pipe is empty; an error on either socket closes both.
 * Only 127.0.0.0/8 addresses are accepted. SIGTERM or SIGINT ends the process.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PIPE_SIZE (1 << 20)
#define POOL_MAX 64
#define BUDGET 8 /* splice rounds per direction per turn: a busy connection yields to the others */

struct dir {
    int pr, pw;   /* the pipe, -1 while the direction holds none */
    size_t n;     /* bytes in the pipe */
    int eof, shut;
};

struct conn {
    int cfd, ufd, connected, closed, queued;
    int more;            /* directions (UP, DOWN) whose budget ran out: served again next turn */
    struct dir up, down; /* client -> upstream, upstream -> client */
    struct conn *next;   /* ready queue or graveyard */
};

struct worker {
    int ep, lfd;
    int pool[POOL_MAX][2], pooled;
    struct conn *ready, *ready_tail, *dead;
    uint64_t paused_until; /* listener off epoll after EMFILE, until then */
};

static struct sockaddr_in listen_addr, upstream_addr;

static void parse_addr(const char *text, struct sockaddr_in *out) {
    char host[64];
    const char *colon = strrchr(text, ':');
    if (!colon || colon == text || (size_t)(colon - text) >= sizeof host) {
        fprintf(stderr, "splice-forwarder: bad address '%s'\n", text);
        exit(2);
    }
    memcpy(host, text, (size_t)(colon - text));
    host[colon - text] = 0;
    memset(out, 0, sizeof *out);
    out->sin_family = AF_INET;
    out->sin_port = htons((uint16_t)atoi(colon + 1));
    if (inet_pton(AF_INET, host, &out->sin_addr) != 1 || (ntohl(out->sin_addr.s_addr) >> 24) != 127) {
        fprintf(stderr, "splice-forwarder: '%s' is not a 127.0.0.0/8 address\n", host);
        exit(2);
    }
}

static uint64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---------- the pipe pool ---------- */

static int pipe_take(struct worker *w, struct dir *d) {
    if (w->pooled > 0) {
        w->pooled--;
        d->pr = w->pool[w->pooled][0];
        d->pw = w->pool[w->pooled][1];
        return 0;
    }
    int p[2];
    if (pipe2(p, O_NONBLOCK | O_CLOEXEC) < 0) return -1;
    fcntl(p[0], F_SETPIPE_SZ, PIPE_SIZE); /* refused: the default 64 KiB still works */
    d->pr = p[0];
    d->pw = p[1];
    return 0;
}

/* Gives the direction's pipe back; a pipe that still holds bytes is closed, never pooled. */
static void pipe_give(struct worker *w, struct dir *d) {
    if (d->pr < 0) return;
    if (d->n == 0 && w->pooled < POOL_MAX) {
        w->pool[w->pooled][0] = d->pr;
        w->pool[w->pooled][1] = d->pw;
        w->pooled++;
    } else {
        close(d->pr);
        close(d->pw);
    }
    d->pr = d->pw = -1;
}

/* ---------- one direction ---------- */

enum { WAITING, MORE, DONE, FAILED };
enum { UP = 1, DOWN = 2 }; /* client -> upstream, upstream -> client */

/*
 * Moves bytes src -> pipe -> dst until both splices would block, the budget is spent, or the
 * stream ended. Invariant on entry: d->n bytes sit in the pipe, and they go out before the
 * direction is done. An EAGAIN from the read while the pipe is non-empty may mean "pipe full",
 * not "socket empty"; the loop then goes on as long as the write progresses, so no edge is lost.
 */
static int pump(struct worker *w, struct dir *d, int src, int dst) {
    if (d->shut) return DONE;
    for (int round = 0; round < BUDGET; round++) {
        int progress = 0;
        if (d->n > 0) {
            ssize_t r = splice(d->pr, NULL, dst, NULL, d->n, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
            if (r > 0) { d->n -= (size_t)r; progress = 1; }
            else if (r < 0 && errno != EAGAIN) return FAILED;
        }
        if (!d->eof && d->n < PIPE_SIZE) {
            if (d->pr < 0 && pipe_take(w, d) < 0) return FAILED;
            ssize_t r = splice(src, NULL, d->pw, NULL, PIPE_SIZE, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
            if (r > 0) { d->n += (size_t)r; progress = 1; }
            else if (r == 0) { d->eof = 1; progress = 1; }
            else if (errno != EAGAIN) return FAILED;
        }
        if (d->eof && d->n == 0) {
            pipe_give(w, d);
            shutdown(dst, SHUT_WR);
            d->shut = 1;
            return DONE;
        }
        if (!progress) {
            if (d->n == 0) pipe_give(w, d);
            return WAITING;
        }
    }
    return MORE;
}

/* ---------- connections ---------- */

static void conn_close(struct worker *w, struct conn *c) {
    if (c->closed) return;
    c->closed = 1;
    close(c->cfd);
    if (c->ufd >= 0) close(c->ufd);
    pipe_give(w, &c->up);
    pipe_give(w, &c->down);
    c->next = w->dead; /* freed after the current batch: later events in it may still name c */
    w->dead = c;
}

static void enqueue(struct worker *w, struct conn *c) {
    if (c->queued) return;
    c->queued = 1;
    c->next = NULL;
    if (w->ready_tail) w->ready_tail->next = c;
    else w->ready = c;
    w->ready_tail = c;
}

/* Pumps the directions in mask; a direction left out has nothing new to do (its sockets reported nothing). */
static void serve(struct worker *w, struct conn *c, int mask) {
    if (c->closed || !c->connected) return;
    int a = (mask & UP) ? pump(w, &c->up, c->cfd, c->ufd) : (c->up.shut ? DONE : WAITING);
    int b = a == FAILED ? FAILED : (mask & DOWN) ? pump(w, &c->down, c->ufd, c->cfd) : (c->down.shut ? DONE : WAITING);
    if (a == FAILED || b == FAILED || (a == DONE && b == DONE)) { conn_close(w, c); return; }
    c->more |= (a == MORE ? UP : 0) | (b == MORE ? DOWN : 0);
    if (c->more) enqueue(w, c);
}

static void on_event(struct worker *w, uintptr_t tag, uint32_t events) {
    struct conn *c = (struct conn *)(tag & ~(uintptr_t)1);
    int upstream = tag & 1;
    if (c->closed) return;
    if (upstream && !c->connected) {
        int err = 0;
        socklen_t len = sizeof err;
        if (getsockopt(c->ufd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err) { conn_close(w, c); return; }
        if (!(events & (EPOLLOUT | EPOLLIN))) return;
        c->connected = 1;
        serve(w, c, UP | DOWN); /* the client may have sent before the upstream was there */
        return;
    }
    /* readable: the direction this socket feeds; writable: the one it drains; errors: both */
    int in = upstream ? DOWN : UP, out = upstream ? UP : DOWN, mask = 0;
    if (events & (EPOLLIN | EPOLLRDHUP)) mask |= in;
    if (events & EPOLLOUT) mask |= out;
    if (events & (EPOLLERR | EPOLLHUP)) mask = UP | DOWN;
    serve(w, c, mask);
}

static void accept_all(struct worker *w) {
    for (int i = 0; i < 64; i++) {
        int cfd = accept4(w->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (cfd < 0) {
            if (errno == EMFILE || errno == ENFILE) { /* out of fds: stop accepting for 100 ms */
                epoll_ctl(w->ep, EPOLL_CTL_DEL, w->lfd, NULL);
                w->paused_until = now_ms() + 100;
            }
            return;
        }
        int ufd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (ufd < 0 || (connect(ufd, (struct sockaddr *)&upstream_addr, sizeof upstream_addr) < 0
                        && errno != EINPROGRESS)) {
            if (ufd >= 0) close(ufd);
            close(cfd);
            continue;
        }
        int one = 1;
        setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        setsockopt(ufd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        struct conn *c = calloc(1, sizeof *c);
        if (!c) { close(ufd); close(cfd); continue; }
        c->cfd = cfd;
        c->ufd = ufd;
        c->up.pr = c->up.pw = c->down.pr = c->down.pw = -1;
        uint32_t ev = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
        struct epoll_event ec = {.events = ev, .data.ptr = c};
        struct epoll_event eu = {.events = ev, .data.u64 = (uintptr_t)c | 1};
        epoll_ctl(w->ep, EPOLL_CTL_ADD, cfd, &ec);
        epoll_ctl(w->ep, EPOLL_CTL_ADD, ufd, &eu);
    }
}

static void *worker_main(void *arg) {
    struct worker *w = arg;
    struct epoll_event evs[256];
    struct epoll_event lev = {.events = EPOLLIN, .data.ptr = NULL};
    epoll_ctl(w->ep, EPOLL_CTL_ADD, w->lfd, &lev);
    for (;;) {
        int timeout = w->ready ? 0 : (w->paused_until ? 100 : -1);
        int n = epoll_wait(w->ep, evs, 256, timeout);
        for (int i = 0; i < n; i++) {
            if (evs[i].data.ptr == NULL) accept_all(w);
            else on_event(w, (uintptr_t)evs[i].data.u64, evs[i].events);
        }
        /* only what was queued before this turn: a connection queued again waits for the next */
        struct conn *q = w->ready;
        w->ready = w->ready_tail = NULL;
        while (q) {
            struct conn *next = q->next;
            int mask = q->more;
            q->queued = 0;
            q->more = 0;
            serve(w, q, mask);
            q = next;
        }
        while (w->dead) {
            struct conn *d = w->dead;
            w->dead = d->next;
            free(d);
        }
        if (w->paused_until && now_ms() >= w->paused_until) {
            w->paused_until = 0;
            epoll_ctl(w->ep, EPOLL_CTL_ADD, w->lfd, &lev);
        }
    }
    return NULL;
}

int main(int argc, char **argv) {
    int threads = 2;
    const char *listen_text = NULL, *connect_text = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--listen")) listen_text = argv[i + 1];
        else if (!strcmp(argv[i], "--connect")) connect_text = argv[i + 1];
        else if (!strcmp(argv[i], "--threads")) threads = atoi(argv[i + 1]);
        else { fprintf(stderr, "splice-forwarder: unknown option %s\n", argv[i]); return 2; }
    }
    if (!listen_text || !connect_text || threads < 1) {
        fprintf(stderr, "usage: splice-forwarder --listen ADDR:PORT --connect ADDR:PORT [--threads N]\n");
        return 2;
    }
    parse_addr(listen_text, &listen_addr);
    parse_addr(connect_text, &upstream_addr);
    struct rlimit r;
    if (getrlimit(RLIMIT_NOFILE, &r) == 0) { r.rlim_cur = r.rlim_max; setrlimit(RLIMIT_NOFILE, &r); }
    signal(SIGPIPE, SIG_IGN);
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL); /* the workers inherit the mask; main waits for them */
    for (int t = 0; t < threads; t++) {
        struct worker *w = calloc(1, sizeof *w);
        w->ep = epoll_create1(EPOLL_CLOEXEC);
        w->lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        int one = 1;
        setsockopt(w->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        setsockopt(w->lfd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
        if (bind(w->lfd, (struct sockaddr *)&listen_addr, sizeof listen_addr) < 0 || listen(w->lfd, 4096) < 0) {
            perror("splice-forwarder: bind/listen");
            return 1;
        }
        pthread_t tid;
        pthread_create(&tid, NULL, worker_main, w);
    }
    printf("splice-forwarder: %s -> %s, %d threads\n", listen_text, connect_text, threads);
    fflush(stdout);
    int sig;
    sigwait(&stop, &sig);
    return 0;
}
