/*
 * loadgen: the load generator and the echo/sink server of bench/forwarder.sh.
 *
 *   loadgen serve  [--echo ADDR:PORT] [--sink ADDR:PORT] [--source ADDR:PORT --source-bytes N] [--threads N]
 *   loadgen stream --connect ADDR:PORT --conns N --seconds S [common options]
 *   loadgen hold   --connect ADDR:PORT --conns N [--hold S] [--stall S] [--deadline S] [--stats-pid PID]
 *   loadgen slowread --connect ADDR:PORT --conns N [--request BYTES] [--hold S] [--settle S] [--stall S]
 *                  [--deadline S] [--stats-pid PID]
 *   loadgen fetch  --connect ADDR:PORT --conns N --source-bytes N [--request BYTES] [--stall S] [--deadline S]
 *   loadgen rate   --connect ADDR:PORT --conns N --size BYTES --seconds S [common options]
 *   loadgen ping   --connect ADDR:PORT --conns N --size BYTES --seconds S [common options]
 *   common options: --threads N --warmup S --cpu-pid PID
 *
 * Every client mode prints one line "RESULT key=value ...". Only 127.0.0.0/8 addresses are accepted.
 * Every echoed byte is compared with what was sent; the sink compares every byte with the stream's
 * pattern (byte at offset o is o % 251) and answers end-of-stream with the count it received, which
 * the client compares with the count it sent. The source sends --source-bytes of the same pattern to
 * every connection and then ends its side; slowread clients never read it (they are held while the
 * proxy's memory is sampled), fetch clients read it to the end and check every byte and the count.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (128 * 1024)
#define PATLEN (CHUNK + 256)
#define INFLIGHT 128          /* connects in progress at once: stays under every listener's backlog */
#define OP_TIMEOUT_NS (5ull * 1000000000ull)
#define NS 1000000000ull

static unsigned char pat[PATLEN];
static struct sockaddr_in target;
static volatile sig_atomic_t stopping;

/* ---------- small helpers ---------- */

static void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("loadgen: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * NS + (uint64_t)ts.tv_nsec;
}

static void sleep_until(uint64_t t) {
    uint64_t n;
    while ((n = now_ns()) < t) {
        struct timespec ts = {(time_t)((t - n) / NS), (long)((t - n) % NS)};
        nanosleep(&ts, NULL);
    }
}

/* Parses HOST:PORT; refuses anything outside 127.0.0.0/8 so a typo can't load a real network. */
static void parse_addr(const char *text, struct sockaddr_in *out) {
    char host[64];
    const char *colon = strrchr(text, ':');
    if (!colon || colon == text || (size_t)(colon - text) >= sizeof host) die("bad address '%s'", text);
    memcpy(host, text, (size_t)(colon - text));
    host[colon - text] = 0;
    memset(out, 0, sizeof *out);
    out->sin_family = AF_INET;
    out->sin_port = htons((uint16_t)atoi(colon + 1));
    if (inet_pton(AF_INET, host, &out->sin_addr) != 1) die("bad IPv4 address '%s'", host);
    if ((ntohl(out->sin_addr.s_addr) >> 24) != 127) die("refusing non-loopback address %s", host);
}

/* utime + stime of a process in seconds, or -1 if it can't be read. */
static double cpu_seconds(int pid) {
    char path[64], buf[4096];
    if (pid <= 0) return -1;
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return -1;
    buf[n] = 0;
    char *p = strrchr(buf, ')'); /* the command name may hold spaces and parentheses */
    if (!p) return -1;
    unsigned long long utime, stime;
    /* after ")" come fields 3..; utime and stime are fields 14 and 15 */
    if (sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) != 2) return -1;
    return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

static long status_field(int pid, const char *key) {
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    FILE *f = fopen(path, "re");
    if (!f) return -1;
    long value = -1;
    size_t klen = strlen(key);
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
            value = atol(line + klen + 1);
            break;
        }
    }
    fclose(f);
    return value;
}

static long count_fds(int pid) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/fd", pid);
    DIR *d = opendir(path);
    if (!d) return -1;
    long n = 0;
    struct dirent *e;
    while ((e = readdir(d))) if (e->d_name[0] != '.') n++;
    closedir(d);
    return n;
}

static void raise_nofile(void) {
    struct rlimit r;
    if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
        r.rlim_cur = r.rlim_max;
        setrlimit(RLIMIT_NOFILE, &r);
    }
}

static void on_signal(int sig) { (void)sig; stopping = 1; }

/* Closes with an RST: the client never leaves a TIME_WAIT behind (documented in bench/README.md). */
static void close_abort(int fd) {
    struct linger l = {1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    close(fd);
}

static int connect_start(void) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&target, sizeof target) < 0 && errno != EINPROGRESS) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

static int connect_finished_ok(int fd) {
    int err = 0;
    socklen_t len = sizeof err;
    return getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0;
}

static void ep_set(int ep, int op, int fd, uint32_t events, void *ptr) {
    struct epoll_event ev = {.events = events, .data.ptr = ptr};
    if (epoll_ctl(ep, op, fd, &ev) < 0 && op != EPOLL_CTL_DEL) die("epoll_ctl: %s", strerror(errno));
}

/* ---------- options ---------- */

struct opts {
    const char *mode;
    int conns, threads, size, cpu_pid, stats_pid, request;
    double seconds, warmup, hold, stall, deadline, settle;
    const char *echo_addr, *sink_addr, *source_addr;
    uint64_t source_bytes;
};
static struct opts o = {.conns = 1, .threads = 1, .size = 64, .seconds = 3, .warmup = 0.5,
                        .hold = 1, .stall = 3, .deadline = 60, .settle = 10};

static void parse_opts(int argc, char **argv) {
    if (argc < 2) die("usage: loadgen serve|stream|hold|slowread|fetch|rate|ping [options] (see the source's header)");
    o.mode = argv[1];
    for (int i = 2; i < argc; i++) {
        const char *k = argv[i];
        if (i + 1 >= argc) die("%s needs a value", k);
        const char *v = argv[++i];
        if (!strcmp(k, "--connect")) parse_addr(v, &target);
        else if (!strcmp(k, "--echo")) o.echo_addr = v;
        else if (!strcmp(k, "--sink")) o.sink_addr = v;
        else if (!strcmp(k, "--source")) o.source_addr = v;
        else if (!strcmp(k, "--source-bytes")) o.source_bytes = strtoull(v, NULL, 10);
        else if (!strcmp(k, "--request")) o.request = atoi(v);
        else if (!strcmp(k, "--settle")) o.settle = atof(v);
        else if (!strcmp(k, "--conns")) o.conns = atoi(v);
        else if (!strcmp(k, "--threads")) o.threads = atoi(v);
        else if (!strcmp(k, "--size")) o.size = atoi(v);
        else if (!strcmp(k, "--cpu-pid")) o.cpu_pid = atoi(v);
        else if (!strcmp(k, "--stats-pid")) o.stats_pid = atoi(v);
        else if (!strcmp(k, "--seconds")) o.seconds = atof(v);
        else if (!strcmp(k, "--warmup")) o.warmup = atof(v);
        else if (!strcmp(k, "--hold")) o.hold = atof(v);
        else if (!strcmp(k, "--stall")) o.stall = atof(v);
        else if (!strcmp(k, "--deadline")) o.deadline = atof(v);
        else die("unknown option %s", k);
    }
    if (o.conns < 1 || o.threads < 1 || (strcmp(o.mode, "serve") && o.threads > o.conns))
        die("need 1 <= --threads <= --conns");
    if (o.size < 1 || o.size > CHUNK) die("--size must be 1..%d", CHUNK);
    if (o.request < 0 || o.request > CHUNK) die("--request must be 0..%d", CHUNK);
    if ((o.source_addr || !strcmp(o.mode, "fetch")) && o.source_bytes < 1) die("--source-bytes must be at least 1");
}

/* ---------- server: echo, sink and source ---------- */

enum { L_ECHO, L_SINK, L_SOURCE, C_ECHO, C_SINK, C_SOURCE };
struct sconn {
    int fd, kind, bad, peer_done;
    uint64_t rx, tx;
    unsigned char *pend; /* echo bytes the peer's window didn't take yet */
    size_t plen, poff;
};

static int listen_on(const char *addr) {
    struct sockaddr_in a;
    parse_addr(addr, &a);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0) die("bind %s: %s", addr, strerror(errno));
    if (listen(fd, 4096) < 0) die("listen %s: %s", addr, strerror(errno));
    return fd;
}

static void sconn_close(int ep, struct sconn *c) {
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    free(c->pend);
    free(c);
}

static void serve_echo(int ep, struct sconn *c, uint32_t events, unsigned char *buf) {
    if (c->pend) {
        if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) return;
        ssize_t w = write(c->fd, c->pend + c->poff, c->plen - c->poff);
        if (w < 0 && errno != EAGAIN) { sconn_close(ep, c); return; }
        if (w > 0) c->poff += (size_t)w;
        if (c->poff < c->plen) return;
        free(c->pend);
        c->pend = NULL;
        ep_set(ep, EPOLL_CTL_MOD, c->fd, EPOLLIN, c);
    }
    for (int round = 0; round < 16; round++) { /* bounded: level-triggered, the rest comes next turn */
        ssize_t n = read(c->fd, buf, CHUNK);
        if (n == 0 || (n < 0 && errno != EAGAIN)) { sconn_close(ep, c); return; }
        if (n < 0) return;
        ssize_t w = write(c->fd, buf, (size_t)n);
        if (w < 0 && errno != EAGAIN) { sconn_close(ep, c); return; }
        if (w < n) {
            size_t done = w > 0 ? (size_t)w : 0;
            c->plen = (size_t)n - done;
            c->poff = 0;
            c->pend = malloc(c->plen);
            if (!c->pend) die("out of memory");
            memcpy(c->pend, buf + done, c->plen);
            ep_set(ep, EPOLL_CTL_MOD, c->fd, EPOLLOUT, c);
            return;
        }
    }
}

static void serve_sink(int ep, struct sconn *c, unsigned char *buf) {
    for (int round = 0; round < 16; round++) {
        ssize_t n = read(c->fd, buf, CHUNK);
        if (n < 0 && errno == EAGAIN) return;
        if (n < 0) { sconn_close(ep, c); return; }
        if (n == 0) {
            /* the whole stream is in: answer with its length (all ones if a byte was wrong) */
            uint64_t answer = c->bad ? UINT64_MAX : c->rx;
            if (write(c->fd, &answer, sizeof answer) != (ssize_t)sizeof answer) { /* peer gone: it counts a loss */ }
            sconn_close(ep, c);
            return;
        }
        if (memcmp(buf, pat + c->rx % 251, (size_t)n) != 0) c->bad = 1;
        c->rx += (uint64_t)n;
    }
}

/*
 * source: sends --source-bytes of the pattern as fast as the connection takes them, then ends its side
 * (SHUT_WR) and closes at the peer's end of stream. What the peer sends is read and dropped. A peer
 * that never reads leaves the connection waiting for EPOLLOUT, which costs nothing until it comes.
 */
static void serve_source(int ep, struct sconn *c, uint32_t events, unsigned char *buf) {
    if (!c->peer_done && (events & (EPOLLIN | EPOLLERR | EPOLLHUP))) {
        ssize_t n = read(c->fd, buf, CHUNK);
        if (n < 0 && errno != EAGAIN) { sconn_close(ep, c); return; }
        if (n == 0) {
            if (c->tx == o.source_bytes) { sconn_close(ep, c); return; }
            c->peer_done = 1; /* half-closed: keep sending, stop watching for input */
            ep_set(ep, EPOLL_CTL_MOD, c->fd, EPOLLOUT, c);
        }
    }
    if (c->tx == o.source_bytes || !(events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) return;
    for (int round = 0; round < 16 && c->tx < o.source_bytes; round++) { /* bounded, as the echo */
        uint64_t left = o.source_bytes - c->tx;
        ssize_t w = write(c->fd, pat + c->tx % 251, left < CHUNK ? (size_t)left : CHUNK);
        if (w < 0 && errno == EAGAIN) return;
        if (w <= 0) { sconn_close(ep, c); return; }
        c->tx += (uint64_t)w;
    }
    if (c->tx < o.source_bytes) return;
    shutdown(c->fd, SHUT_WR);
    if (c->peer_done) sconn_close(ep, c);
    else ep_set(ep, EPOLL_CTL_MOD, c->fd, EPOLLIN, c);
}

static void *serve_thread(void *arg) {
    (void)arg;
    unsigned char *buf = malloc(CHUNK);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    const char *addrs[3] = {o.echo_addr, o.sink_addr, o.source_addr}; /* indexed by L_ECHO, L_SINK, L_SOURCE */
    for (int k = 0; k < 3; k++) {
        if (!addrs[k]) continue;
        struct sconn *l = calloc(1, sizeof *l);
        l->fd = listen_on(addrs[k]);
        l->kind = k;
        ep_set(ep, EPOLL_CTL_ADD, l->fd, EPOLLIN, l);
    }
    struct epoll_event evs[256];
    while (!stopping) {
        int n = epoll_wait(ep, evs, 256, 200);
        for (int i = 0; i < n; i++) {
            struct sconn *c = evs[i].data.ptr;
            if (c->kind <= L_SOURCE) {
                for (int a = 0; a < 64; a++) {
                    int fd = accept4(c->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                    if (fd < 0) break;
                    int one = 1;
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    struct sconn *nc = calloc(1, sizeof *nc);
                    nc->fd = fd;
                    nc->kind = c->kind + C_ECHO; /* the connection kinds follow the listener kinds */
                    ep_set(ep, EPOLL_CTL_ADD, fd, nc->kind == C_SOURCE ? EPOLLIN | EPOLLOUT : EPOLLIN, nc);
                }
            } else if (c->kind == C_ECHO) {
                serve_echo(ep, c, evs[i].events, buf);
            } else if (c->kind == C_SOURCE) {
                serve_source(ep, c, evs[i].events, buf);
            } else {
                serve_sink(ep, c, buf);
            }
        }
    }
    return NULL;
}

/* ---------- clients ---------- */

enum { S_IDLE, S_CONNECTING, S_SENDING, S_READING, S_HELD, S_DONE };
struct cconn {
    int fd, id, state;
    uint64_t t0, last, max_gap;   /* op start; last completion; longest time without one */
    size_t off, got;              /* bytes of the current message sent, and received */
    uint32_t seq;
    uint64_t sent, window;        /* stream: bytes sent in all, and inside the measured window */
    uint64_t answer;
    size_t answer_got;
};

struct worker {
    int index, ep, n;
    struct cconn *c;
    /* results */
    uint64_t connected, failed, ok, errors, timeouts, mismatches, window_bytes, verified, lost, starved;
    uint64_t *samples;
    size_t nsamples, cap;
};

static pthread_barrier_t barrier;
static uint64_t t_start, t_end; /* the measured window, set by main between the two barriers */

static void sample_add(struct worker *w, uint64_t v) {
    if (w->nsamples == w->cap) {
        w->cap = w->cap ? w->cap * 2 : 65536;
        w->samples = realloc(w->samples, w->cap * sizeof *w->samples);
        if (!w->samples) die("out of memory");
    }
    w->samples[w->nsamples++] = v;
}

static const unsigned char *message(const struct cconn *c) { return pat + (c->id * 7u + c->seq) % 251u; }

static void fail(struct worker *w, struct cconn *c) {
    epoll_ctl(w->ep, EPOLL_CTL_DEL, c->fd, NULL);
    close_abort(c->fd);
    c->fd = -1;
    c->state = S_DONE;
    w->errors++;
}

/* Opens every connection of the worker, at most INFLIGHT at once; returns when all are up or failed. */
static void connect_all(struct worker *w, uint64_t deadline) {
    int next = 0, inflight = 0, settled = 0;
    struct epoll_event evs[256];
    while (settled < w->n && now_ns() < deadline) {
        while (next < w->n && inflight < INFLIGHT) {
            struct cconn *c = &w->c[next++];
            c->fd = connect_start();
            if (c->fd < 0) { c->state = S_DONE; w->failed++; settled++; continue; }
            c->state = S_CONNECTING;
            ep_set(w->ep, EPOLL_CTL_ADD, c->fd, EPOLLOUT, c);
            inflight++;
        }
        int n = epoll_wait(w->ep, evs, 256, 50);
        for (int i = 0; i < n; i++) {
            struct cconn *c = evs[i].data.ptr;
            if (c->state != S_CONNECTING) continue;
            inflight--;
            settled++;
            if (connect_finished_ok(c->fd)) {
                c->state = S_IDLE;
                ep_set(w->ep, EPOLL_CTL_MOD, c->fd, 0, c);
                w->connected++;
            } else {
                epoll_ctl(w->ep, EPOLL_CTL_DEL, c->fd, NULL);
                close_abort(c->fd);
                c->state = S_DONE;
                w->failed++;
            }
        }
    }
    for (int i = 0; i < w->n; i++) {
        if (w->c[i].state == S_CONNECTING) { fail(w, &w->c[i]); w->errors--; w->failed++; }
    }
}

/* ping: closed-loop round trips of --size bytes on every connection */
static void ping_send(struct worker *w, struct cconn *c) {
    ssize_t s = write(c->fd, message(c) + c->off, (size_t)o.size - c->off);
    if (s < 0 && errno != EAGAIN) { fail(w, c); return; }
    if (s > 0) c->off += (size_t)s;
    ep_set(w->ep, EPOLL_CTL_MOD, c->fd, c->off < (size_t)o.size ? EPOLLIN | EPOLLOUT : EPOLLIN, c);
}

static void ping_start(struct worker *w, struct cconn *c) {
    c->state = S_READING;
    c->t0 = now_ns();
    c->off = c->got = 0;
    ping_send(w, c);
}

static void ping_event(struct worker *w, struct cconn *c, uint32_t events, unsigned char *buf) {
    if ((events & EPOLLOUT) && c->off < (size_t)o.size) { ping_send(w, c); if (c->state == S_DONE) return; }
    if (!(events & (EPOLLIN | EPOLLERR | EPOLLHUP))) return;
    ssize_t n = read(c->fd, buf, CHUNK);
    if (n < 0 && errno == EAGAIN) return;
    if (n <= 0 || c->got + (size_t)n > c->off) { fail(w, c); return; } /* more than we sent: wrong */
    if (memcmp(buf, message(c) + c->got, (size_t)n) != 0) { w->mismatches++; fail(w, c); return; }
    c->got += (size_t)n;
    if (c->got < (size_t)o.size) return;
    uint64_t t = now_ns();
    if (t >= t_start && t < t_end) {
        sample_add(w, t - c->t0);
        uint64_t from = c->last > t_start ? c->last : t_start;
        if (t - from > c->max_gap) c->max_gap = t - from;
        c->last = t;
        w->ok++;
    }
    c->seq++;
    ping_start(w, c);
}

/* stream: an endless one-way stream per connection into the sink */
static void stream_event(struct worker *w, struct cconn *c, uint32_t events) {
    if (c->state == S_SENDING) {
        uint64_t t = now_ns();
        if (t >= t_end) return;
        for (int round = 0; round < 4; round++) {
            ssize_t s = write(c->fd, pat + c->sent % 251, CHUNK);
            if (s < 0 && errno == EAGAIN) return;
            if (s <= 0) { fail(w, c); return; }
            c->sent += (uint64_t)s;
            if (t >= t_start) c->window += (uint64_t)s;
        }
    } else if (c->state == S_READING && (events & (EPOLLIN | EPOLLERR | EPOLLHUP))) {
        ssize_t n = read(c->fd, (char *)&c->answer + c->answer_got, sizeof c->answer - c->answer_got);
        if (n < 0 && errno == EAGAIN) return;
        if (n > 0) c->answer_got += (size_t)n;
        if (n > 0 && c->answer_got < sizeof c->answer) return;
        if (c->answer_got == sizeof c->answer && c->answer == c->sent) w->verified++;
        else w->lost++;
        epoll_ctl(w->ep, EPOLL_CTL_DEL, c->fd, NULL);
        close_abort(c->fd);
        c->fd = -1;
        c->state = S_DONE;
    }
}

/* rate: connect -> send --size bytes -> read the echo -> close, in a loop per slot */
static void rate_begin(struct worker *w, struct cconn *c) {
    c->fd = connect_start();
    c->t0 = now_ns();
    if (c->fd < 0) { c->state = S_IDLE; w->errors++; return; } /* retried on the next sweep */
    c->state = S_CONNECTING;
    c->off = c->got = 0;
    ep_set(w->ep, EPOLL_CTL_ADD, c->fd, EPOLLOUT, c);
}

static void rate_fail(struct worker *w, struct cconn *c) {
    epoll_ctl(w->ep, EPOLL_CTL_DEL, c->fd, NULL);
    close_abort(c->fd);
    c->state = S_IDLE;
    w->errors++;
}

static void rate_event(struct worker *w, struct cconn *c, uint32_t events, unsigned char *buf) {
    if (c->state == S_CONNECTING) {
        if (!connect_finished_ok(c->fd)) { rate_fail(w, c); return; }
        c->state = S_SENDING;
    }
    if (c->state == S_SENDING) {
        ssize_t s = write(c->fd, message(c) + c->off, (size_t)o.size - c->off);
        if (s < 0 && errno != EAGAIN) { rate_fail(w, c); return; }
        if (s > 0) c->off += (size_t)s;
        if (c->off < (size_t)o.size) { ep_set(w->ep, EPOLL_CTL_MOD, c->fd, EPOLLOUT, c); return; }
        c->state = S_READING;
        ep_set(w->ep, EPOLL_CTL_MOD, c->fd, EPOLLIN, c);
        return;
    }
    if (c->state != S_READING || !(events & (EPOLLIN | EPOLLERR | EPOLLHUP))) return;
    ssize_t n = read(c->fd, buf, CHUNK);
    if (n < 0 && errno == EAGAIN) return;
    if (n <= 0 || c->got + (size_t)n > (size_t)o.size) { rate_fail(w, c); return; }
    if (memcmp(buf, message(c) + c->got, (size_t)n) != 0) { w->mismatches++; rate_fail(w, c); return; }
    c->got += (size_t)n;
    if (c->got < (size_t)o.size) return;
    epoll_ctl(w->ep, EPOLL_CTL_DEL, c->fd, NULL);
    close_abort(c->fd);
    uint64_t t = now_ns();
    if (t >= t_start && t < t_end) w->ok++;
    c->seq++;
    c->state = S_IDLE;
}

static void *client_thread(void *arg) {
    struct worker *w = arg;
    unsigned char *buf = malloc(CHUNK);
    int rate = !strcmp(o.mode, "rate"), ping = !strcmp(o.mode, "ping");
    if (!rate) connect_all(w, now_ns() + (uint64_t)(o.deadline * NS));
    pthread_barrier_wait(&barrier);
    pthread_barrier_wait(&barrier); /* main has set t_start and t_end */
    for (int i = 0; i < w->n; i++) {
        struct cconn *c = &w->c[i];
        if (ping && c->state == S_IDLE) { c->last = t_start; ping_start(w, c); }
        else if (!rate && c->state == S_IDLE) {
            c->state = S_SENDING;
            ep_set(w->ep, EPOLL_CTL_MOD, c->fd, EPOLLOUT, c);
        }
    }
    struct epoll_event evs[256];
    uint64_t next_sweep = 0, drain_deadline = t_end + 30 * NS;
    int draining = 0;
    for (;;) {
        uint64_t t = now_ns();
        if (!draining && t >= t_end) {
            if (!ping && !rate) {
                /* stream: end every stream with FIN; the sink answers with the count it got */
                for (int i = 0; i < w->n; i++) {
                    struct cconn *c = &w->c[i];
                    if (c->state != S_SENDING) continue;
                    shutdown(c->fd, SHUT_WR);
                    c->state = S_READING;
                    ep_set(w->ep, EPOLL_CTL_MOD, c->fd, EPOLLIN, c);
                }
                draining = 1;
            } else break;
        }
        if (draining) {
            int open = 0;
            for (int i = 0; i < w->n; i++) open += w->c[i].state == S_READING;
            if (!open) break;
            if (t > drain_deadline) { w->lost += (uint64_t)open; break; }
        }
        if (t >= next_sweep) {
            next_sweep = t + 50000000ull;
            for (int i = 0; i < w->n; i++) {
                struct cconn *c = &w->c[i];
                if (rate && c->state == S_IDLE) rate_begin(w, c);
                else if ((rate || ping) && c->state != S_DONE && c->state != S_IDLE && t - c->t0 > OP_TIMEOUT_NS) {
                    w->timeouts++;
                    if (rate) rate_fail(w, c); else fail(w, c);
                }
            }
        }
        int n = epoll_wait(w->ep, evs, 256, 20);
        for (int i = 0; i < n; i++) {
            struct cconn *c = evs[i].data.ptr;
            if (c->state == S_DONE) continue;
            if (ping) ping_event(w, c, evs[i].events, buf);
            else if (rate) { rate_event(w, c, evs[i].events, buf); if (c->state == S_IDLE) rate_begin(w, c); }
            else stream_event(w, c, evs[i].events);
        }
    }
    for (int i = 0; i < w->n; i++) {
        struct cconn *c = &w->c[i];
        if (ping) {
            if (c->state != S_DONE) {
                uint64_t from = c->last > t_start ? c->last : t_start;
                if (t_end - from > c->max_gap) c->max_gap = t_end - from;
            } else c->max_gap = t_end - t_start; /* a failed connection made no more round trips */
            if (c->max_gap >= NS) w->starved++;
        } else if (!rate && c->window == 0) {
            w->starved++;
        } else if (rate && c->state != S_IDLE && c->t0 + NS < t_end) {
            w->timeouts++; /* a connection stuck for a second at the end would hide behind the op timeout */
            w->errors++;
        }
        w->window_bytes += c->window;
        if (c->fd >= 0 && c->state != S_DONE && !(rate && c->state == S_IDLE)) close_abort(c->fd);
    }
    free(buf);
    return NULL;
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static double pct_us(const uint64_t *s, size_t n, double p) {
    if (!n) return -1;
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return (double)s[i] / 1000.0;
}

static void run_clients(void) {
    struct worker *ws = calloc((size_t)o.threads, sizeof *ws);
    struct cconn *all = calloc((size_t)o.conns, sizeof *all);
    for (int i = 0; i < o.conns; i++) { all[i].id = i; all[i].fd = -1; }
    pthread_barrier_init(&barrier, NULL, (unsigned)o.threads + 1);
    pthread_t *tids = calloc((size_t)o.threads, sizeof *tids);
    int per = o.conns / o.threads, rest = o.conns % o.threads, at = 0;
    for (int i = 0; i < o.threads; i++) {
        ws[i].index = i;
        ws[i].n = per + (i < rest);
        ws[i].c = all + at;
        at += ws[i].n;
        ws[i].ep = epoll_create1(EPOLL_CLOEXEC);
        pthread_create(&tids[i], NULL, client_thread, &ws[i]);
    }
    uint64_t t_setup = now_ns();
    pthread_barrier_wait(&barrier);
    double setup_s = (double)(now_ns() - t_setup) / NS;
    t_start = now_ns() + (uint64_t)(o.warmup * NS);
    t_end = t_start + (uint64_t)(o.seconds * NS);
    pthread_barrier_wait(&barrier);
    sleep_until(t_start);
    double cpu0 = cpu_seconds(o.cpu_pid);
    sleep_until(t_end);
    double cpu1 = cpu_seconds(o.cpu_pid);
    struct worker sum = {0};
    for (int i = 0; i < o.threads; i++) {
        pthread_join(tids[i], NULL);
        struct worker *w = &ws[i];
        sum.connected += w->connected; sum.failed += w->failed; sum.ok += w->ok; sum.errors += w->errors;
        sum.timeouts += w->timeouts; sum.mismatches += w->mismatches; sum.window_bytes += w->window_bytes;
        sum.verified += w->verified; sum.lost += w->lost; sum.starved += w->starved;
        for (size_t k = 0; k < w->nsamples; k++) sample_add(&sum, w->samples[k]);
    }
    double secs = (double)(t_end - t_start) / NS;
    double cpu = (o.cpu_pid > 0 && cpu0 >= 0 && cpu1 >= 0) ? cpu1 - cpu0 : -1;
    printf("RESULT mode=%s conns=%d connected=%llu connect_failed=%llu setup_s=%.2f seconds=%.2f errors=%llu "
           "timeouts=%llu mismatches=%llu proxy_cpu_s=%.3f",
           o.mode, o.conns, (unsigned long long)sum.connected, (unsigned long long)sum.failed, setup_s, secs,
           (unsigned long long)sum.errors, (unsigned long long)sum.timeouts, (unsigned long long)sum.mismatches, cpu);
    if (!strcmp(o.mode, "stream")) {
        double gib = (double)sum.window_bytes / (1024.0 * 1024 * 1024);
        printf(" gib=%.3f gib_per_s=%.3f cpu_s_per_gib=%.3f verified=%llu lost=%llu starved=%llu", gib, gib / secs,
               cpu >= 0 && gib > 0 ? cpu / gib : -1, (unsigned long long)sum.verified, (unsigned long long)sum.lost,
               (unsigned long long)sum.starved);
    } else if (!strcmp(o.mode, "rate")) {
        printf(" ok=%llu conns_per_s=%.0f cpu_us_per_conn=%.1f", (unsigned long long)sum.ok, (double)sum.ok / secs,
               cpu >= 0 && sum.ok ? cpu * 1e6 / (double)sum.ok : -1);
    } else {
        qsort(sum.samples, sum.nsamples, sizeof *sum.samples, cmp_u64);
        printf(" rtts=%llu rtt_per_s=%.0f p50_us=%.1f p99_us=%.1f p999_us=%.1f max_us=%.1f starved=%llu "
               "cpu_us_per_rtt=%.2f",
               (unsigned long long)sum.ok, (double)sum.ok / secs, pct_us(sum.samples, sum.nsamples, 0.5),
               pct_us(sum.samples, sum.nsamples, 0.99), pct_us(sum.samples, sum.nsamples, 0.999),
               pct_us(sum.samples, sum.nsamples, 1.0), (unsigned long long)sum.starved,
               cpu >= 0 && sum.ok ? cpu * 1e6 / (double)sum.ok : -1);
    }
    printf("\n");
}

/* ---------- hold, slowread, fetch: many connections opened at once, some held open ---------- */

/* A process's figures from /proc (-1 where unknown); tcp_mem is the machine's, from /proc/net/sockstat. */
struct pstats { long threads, rss_kb, fds, tcp_mem_pages; };

static long tcp_mem_pages(void) {
    FILE *f = fopen("/proc/net/sockstat", "re");
    if (!f) return -1;
    char line[256];
    long pages = -1;
    while (fgets(line, sizeof line, f)) {
        char *m = strstr(line, " mem ");
        if (!strncmp(line, "TCP:", 4) && m) { pages = atol(m + 5); break; }
    }
    fclose(f);
    return pages;
}

static struct pstats pstats_read(int pid) {
    struct pstats s = {-1, -1, -1, tcp_mem_pages()};
    if (pid > 0) {
        s.threads = status_field(pid, "Threads");
        s.rss_kb = status_field(pid, "VmRSS");
        s.fds = count_fds(pid);
    }
    return s;
}

static void pstats_max(struct pstats *peak, struct pstats s) {
    if (s.threads > peak->threads) peak->threads = s.threads;
    if (s.rss_kb > peak->rss_kb) peak->rss_kb = s.rss_kb;
    if (s.fds > peak->fds) peak->fds = s.fds;
    if (s.tcp_mem_pages > peak->tcp_mem_pages) peak->tcp_mem_pages = s.tcp_mem_pages;
}

static double mb_of_kb(long kb) { return kb < 0 ? -1.0 : (double)kb / 1024.0; }

static double mb_of_pages(long pages) { return pages < 0 ? -1.0 : (double)pages * (double)sysconf(_SC_PAGESIZE) / 1048576.0; }

enum { K_HOLD, K_SLOWREAD, K_FETCH };

/* What the opening phase came to. "done": hold: echoed and held; slowread: its first byte came (not
 * read) and it is held; fetch: the whole stream read and checked. */
struct opened {
    long done, failed, timeouts, dropped, mismatches, lost;
    int tried;
    double open_s;
    const char *why;
};

/* The first step of a connection whose connect just finished: hold sends its number, the others their
 * request (--request bytes of the pattern). Returns 0 if the connection failed. */
static int open_step_connected(int ep, struct cconn *c, int kind) {
    if (!connect_finished_ok(c->fd)) return 0;
    if (kind == K_HOLD) {
        uint32_t id = (uint32_t)c->id;
        if (write(c->fd, &id, 4) != 4) return 0;
    } else if (o.request > 0 && write(c->fd, pat, (size_t)o.request) != (ssize_t)o.request) {
        return 0; /* a fresh socket's send buffer takes a request of up to 128 KiB at once */
    }
    c->state = S_READING;
    /* slowread waits for its first byte without reading it; the end of stream or an error fails it */
    ep_set(ep, EPOLL_CTL_MOD, c->fd, kind == K_SLOWREAD ? EPOLLIN | EPOLLRDHUP : EPOLLIN, c);
    return 1;
}

/* A readable connection in S_READING: returns -1 if it failed, 1 if it is done, 0 if it waits on. */
static int open_step_readable(int ep, struct cconn *c, int kind, uint32_t events, unsigned char *buf,
                              struct opened *r) {
    if (kind == K_SLOWREAD) {
        if (events & (EPOLLRDHUP | EPOLLERR | EPOLLHUP)) return -1;
        ep_set(ep, EPOLL_CTL_MOD, c->fd, EPOLLRDHUP, c); /* held: any event now means it was closed */
        return 1;
    }
    if (kind == K_HOLD) {
        ssize_t n = read(c->fd, buf + c->got, 4 - c->got);
        if (n < 0 && errno == EAGAIN) return 0;
        if (n <= 0) return -1;
        if ((c->got += (size_t)n) < 4) return 0;
        uint32_t id;
        memcpy(&id, buf, 4);
        if (id != (uint32_t)c->id) return -1;
        ep_set(ep, EPOLL_CTL_MOD, c->fd, EPOLLIN | EPOLLRDHUP, c);
        return 1;
    }
    for (int round = 0; round < 16; round++) { /* fetch: read on to the end, checking every byte */
        ssize_t n = read(c->fd, buf, CHUNK);
        if (n < 0 && errno == EAGAIN) return 0;
        if (n < 0) return -1;
        if (n == 0) {
            if (c->got == o.source_bytes) return 1;
            r->lost++; /* the stream ended short */
            return -1;
        }
        if (c->got + (uint64_t)n > o.source_bytes || memcmp(buf, pat + c->got % 251, (size_t)n) != 0) {
            r->mismatches++;
            return -1;
        }
        c->got += (size_t)n;
        c->t0 = now_ns(); /* the timeout counts from the last progress */
    }
    return 0;
}

static void open_end(int ep, struct cconn *c) {
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
    close_abort(c->fd);
    c->state = S_DONE;
}

/*
 * Opens --conns connections, at most INFLIGHT of them under way at once (connecting, or waiting for
 * their first step to finish). A connection fails if it is refused or reset, or makes no progress for
 * 5 s. The phase ends when every connection is done or failed, at --deadline, or after --stall seconds
 * without one done. If peak is given, the proxy is sampled into it every 250 ms meanwhile.
 */
static struct opened open_all(struct cconn *cs, int ep, int kind, struct pstats *peak) {
    struct opened r = {.why = "all settled"};
    int inflight = 0;
    uint64_t start = now_ns(), last_progress = start, deadline = start + (uint64_t)(o.deadline * NS);
    uint64_t stall = (uint64_t)(o.stall * NS), next_sweep = 0, next_sample = 0;
    struct epoll_event evs[256];
    static unsigned char buf[CHUNK];
    for (;;) {
        uint64_t t = now_ns();
        if (r.done + r.failed + r.dropped == o.conns) break;
        if (t > deadline) { r.why = "deadline"; break; }
        if (t - last_progress > stall) { r.why = "stalled"; break; }
        while (r.tried < o.conns && inflight < INFLIGHT) {
            struct cconn *c = &cs[r.tried];
            c->id = r.tried++;
            c->t0 = t;
            c->fd = connect_start();
            if (c->fd < 0) { c->state = S_DONE; r.failed++; continue; }
            c->state = S_CONNECTING;
            ep_set(ep, EPOLL_CTL_ADD, c->fd, EPOLLOUT, c);
            inflight++;
        }
        if (peak && t >= next_sample) {
            next_sample = t + 250000000ull;
            pstats_max(peak, pstats_read(o.stats_pid));
        }
        if (t >= next_sweep) {
            next_sweep = t + 100000000ull;
            for (int i = 0; i < r.tried; i++) {
                struct cconn *c = &cs[i];
                if ((c->state == S_CONNECTING || c->state == S_READING) && t - c->t0 > OP_TIMEOUT_NS) {
                    open_end(ep, c);
                    r.failed++;
                    r.timeouts++;
                    inflight--;
                }
            }
        }
        int n = epoll_wait(ep, evs, 256, 20);
        for (int i = 0; i < n; i++) {
            struct cconn *c = evs[i].data.ptr;
            int step = 0;
            if (c->state == S_CONNECTING) {
                step = open_step_connected(ep, c, kind) ? 0 : -1;
            } else if (c->state == S_READING) {
                step = open_step_readable(ep, c, kind, evs[i].events, buf, &r);
                if (kind == K_FETCH && c->t0 > last_progress) last_progress = c->t0; /* bytes came */
            } else if (c->state == S_HELD) {
                r.dropped++; /* a held connection must stay silent: any event means it was closed */
                r.done--;
                open_end(ep, c);
                continue;
            } else continue;
            if (step == 0) continue;
            inflight--;
            if (step < 0) {
                open_end(ep, c);
                r.failed++;
                continue;
            }
            r.done++;
            last_progress = now_ns();
            if (kind == K_FETCH) open_end(ep, c);
            else c->state = S_HELD;
        }
    }
    r.open_s = (double)(now_ns() - start) / NS;
    return r;
}

/* Keeps the held connections open for --hold seconds while the proxy is sampled every 200 ms (the
 * highest sample into peak, the last into last); a held connection that sees any event was closed. */
static void hold_all(int ep, struct opened *r, struct pstats *peak, struct pstats *last) {
    struct epoll_event evs[256];
    uint64_t hold_end = now_ns() + (uint64_t)(o.hold * NS);
    do {
        *last = pstats_read(o.stats_pid);
        pstats_max(peak, *last);
        int n = epoll_wait(ep, evs, 256, 200);
        for (int i = 0; i < n; i++) {
            struct cconn *c = evs[i].data.ptr;
            if (c->state != S_HELD) continue;
            r->dropped++;
            r->done--;
            open_end(ep, c);
        }
    } while (now_ns() < hold_end);
}

static void close_all(struct cconn *cs, int tried) {
    for (int i = 0; i < tried; i++)
        if (cs[i].state != S_DONE && cs[i].fd >= 0) close_abort(cs[i].fd);
}

/* hold: open --conns connections, each echoes 4 bytes, keep them all open, sample the proxy */
static void run_hold(void) {
    struct cconn *cs = calloc((size_t)o.conns, sizeof *cs);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct opened r = open_all(cs, ep, K_HOLD, NULL);
    struct pstats peak = {-1, -1, -1, -1}, last;
    hold_all(ep, &r, &peak, &last);
    long never = o.conns - r.done - r.failed - r.dropped; /* not tried, or still waiting, when the phase ended */
    close_all(cs, r.tried);
    printf("RESULT mode=hold conns=%d echoed=%ld failed=%ld timeouts=%ld unanswered=%ld dropped=%ld open_s=%.2f "
           "ended=%s proxy_threads=%ld proxy_rss_mb=%.1f proxy_fds=%ld\n",
           o.conns, r.done, r.failed, r.timeouts, never, r.dropped, r.open_s, r.why, peak.threads,
           mb_of_kb(peak.rss_kb), peak.fds);
}

/*
 * slowread: open --conns connections that each send --request bytes and never read; hold them for
 * --hold seconds while the proxy is sampled; close them all with an RST; then wait up to --settle
 * seconds for the proxy's fds to come back to where they were, and sample it once more.
 */
static void run_slowread(void) {
    struct cconn *cs = calloc((size_t)o.conns, sizeof *cs);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct pstats before = pstats_read(o.stats_pid), peak = before, last;
    struct opened r = open_all(cs, ep, K_SLOWREAD, &peak);
    hold_all(ep, &r, &peak, &last);
    long made = r.done + r.dropped, never = o.conns - r.done - r.failed - r.dropped;
    close_all(cs, r.tried);
    uint64_t closed = now_ns(), settle_end = closed + (uint64_t)(o.settle * NS);
    struct pstats after = pstats_read(o.stats_pid);
    while (after.fds >= 0 && after.fds > before.fds + 16 && now_ns() < settle_end) { /* a few fds may come and go */
        sleep_until(now_ns() + 100000000ull);
        after = pstats_read(o.stats_pid);
    }
    long limit[3] = {-1, -1, -1};
    FILE *f = fopen("/proc/sys/net/ipv4/tcp_mem", "re");
    if (f) { if (fscanf(f, "%ld %ld %ld", &limit[0], &limit[1], &limit[2]) != 3) limit[2] = -1; fclose(f); }
    printf("RESULT mode=slowread conns=%d request=%d made=%ld held=%ld failed=%ld timeouts=%ld unanswered=%ld "
           "dropped=%ld open_s=%.2f ended=%s hold_s=%.1f settle_s=%.2f proxy_rss_mb_before=%.1f proxy_rss_mb_peak=%.1f "
           "proxy_rss_mb_end=%.1f proxy_rss_mb_after=%.1f proxy_threads_peak=%ld proxy_fds_before=%ld "
           "proxy_fds_peak=%ld proxy_fds_after=%ld tcp_mem_mb_peak=%.0f tcp_mem_mb_limit=%.0f\n",
           o.conns, o.request, made, r.done, r.failed, r.timeouts, never, r.dropped, r.open_s, r.why, o.hold,
           (double)(now_ns() - closed) / NS, mb_of_kb(before.rss_kb), mb_of_kb(peak.rss_kb), mb_of_kb(last.rss_kb),
           mb_of_kb(after.rss_kb), peak.threads, before.fds, peak.fds, after.fds, mb_of_pages(peak.tcp_mem_pages),
           mb_of_pages(limit[2]));
}

/* fetch: normal clients of the source: each sends --request bytes, reads its stream to the end and checks it */
static void run_fetch(void) {
    struct cconn *cs = calloc((size_t)o.conns, sizeof *cs);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct opened r = open_all(cs, ep, K_FETCH, NULL);
    long never = o.conns - r.done - r.failed;
    close_all(cs, r.tried);
    double gib = (double)r.done * (double)o.source_bytes / (1024.0 * 1024 * 1024);
    printf("RESULT mode=fetch conns=%d ok=%ld failed=%ld timeouts=%ld unanswered=%ld mismatches=%ld lost=%ld "
           "errors=%ld seconds=%.2f ended=%s gib_per_s=%.3f\n",
           o.conns, r.done, r.failed, r.timeouts, never, r.mismatches, r.lost, r.failed + never, r.open_s, r.why,
           r.open_s > 0 ? gib / r.open_s : 0);
}

int main(int argc, char **argv) {
    for (int i = 0; i < PATLEN; i++) pat[i] = (unsigned char)(i % 251);
    signal(SIGPIPE, SIG_IGN);
    raise_nofile();
    parse_opts(argc, argv);
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (!strcmp(o.mode, "serve")) {
        signal(SIGTERM, on_signal); /* clients keep the default: a signal ends them at once */
        signal(SIGINT, on_signal);
        if (!o.echo_addr && !o.sink_addr && !o.source_addr) die("serve needs --echo, --sink or --source");
        pthread_t *t = calloc((size_t)o.threads, sizeof *t);
        for (int i = 0; i < o.threads; i++) pthread_create(&t[i], NULL, serve_thread, NULL);
        for (int i = 0; i < o.threads; i++) pthread_join(t[i], NULL);
        return 0;
    }
    if (!target.sin_port) die("--connect is required");
    if (!strcmp(o.mode, "hold")) run_hold();
    else if (!strcmp(o.mode, "slowread")) run_slowread();
    else if (!strcmp(o.mode, "fetch")) run_fetch();
    else if (!strcmp(o.mode, "stream") || !strcmp(o.mode, "rate") || !strcmp(o.mode, "ping")) run_clients();
    else die("unknown mode %s", o.mode);
    return 0;
}
