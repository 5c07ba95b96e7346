package io.splice4j.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * Thin bindings to the Linux libc calls that zero-copy transfers need: the seed's "Linux splice()
 * components", made with {@code java.lang.foreign}.
 *
 * <p>Every method returns the raw C result ({@code -1} on failure) and records the calling
 * thread's {@code errno}, which {@link #errno()} returns until the thread's next call here. There
 * is no policy in this class: retrying on {@code EINTR}, waiting on {@code EAGAIN} and closing fds
 * are the caller's job.
 *
 * <p>Using this class needs native access ({@code --enable-native-access=ALL-UNNAMED} on the class
 * path, {@code --enable-native-access=io.splice4j} on the module path) and Linux; loading it
 * elsewhere fails with {@link UnsatisfiedLinkError}.
 */
public final class LibC {

    /** {@code splice} flag: try to move pages rather than copy them (a hint). */
    public static final int SPLICE_F_MOVE = 1;
    /** {@code splice} flag: don't block on the pipe (the socket's own {@code O_NONBLOCK} governs it). */
    public static final int SPLICE_F_NONBLOCK = 2;
    /** {@code splice} flag: more data follows; acts like {@code TCP_CORK} on a socket target. */
    public static final int SPLICE_F_MORE = 4;
    /** {@code vmsplice} flag: the pages are a gift to the kernel; unused by {@code splice}. */
    public static final int SPLICE_F_GIFT = 8;

    /** File status flag: non-blocking I/O. */
    public static final int O_NONBLOCK = 0x800;
    /** Descriptor flag for {@code pipe2}: close on {@code exec}. */
    public static final int O_CLOEXEC = 0x80000;

    /** {@code fcntl} command: read the file status flags. */
    public static final int F_GETFL = 3;
    /** {@code fcntl} command: set the file status flags. */
    public static final int F_SETFL = 4;
    /** {@code fcntl} command: duplicate to the lowest free fd at or above the argument, close-on-exec. */
    public static final int F_DUPFD_CLOEXEC = 1030;
    /** {@code fcntl} command: set a pipe's capacity in bytes; returns the capacity granted. */
    public static final int F_SETPIPE_SZ = 1031;
    /** {@code fcntl} command: read a pipe's capacity in bytes. */
    public static final int F_GETPIPE_SZ = 1032;

    /** {@code poll} event: readable. */
    public static final short POLLIN = 0x1;
    /** {@code poll} event: writable. */
    public static final short POLLOUT = 0x4;
    /** {@code poll} event: error condition (reported even if not asked for). */
    public static final short POLLERR = 0x8;
    /** {@code poll} event: hang-up (reported even if not asked for). */
    public static final short POLLHUP = 0x10;
    /** {@code poll} event: the fd is not open. */
    public static final short POLLNVAL = 0x20;

    /** {@code shutdown} how: no more receptions. */
    public static final int SHUT_RD = 0;
    /** {@code shutdown} how: no more transmissions. */
    public static final int SHUT_WR = 1;
    /** {@code shutdown} how: neither. */
    public static final int SHUT_RDWR = 2;

    /** {@code recv} flag: return the bytes without taking them from the socket's queue. */
    public static final int MSG_PEEK = 0x2;
    /** {@code recv} flag: don't block, whatever the socket's mode. */
    public static final int MSG_DONTWAIT = 0x40;

    /** {@code epoll} event: readable. */
    public static final int EPOLLIN = 0x1;
    /** {@code epoll} event: writable. */
    public static final int EPOLLOUT = 0x4;
    /** {@code epoll} event: error (always reported). */
    public static final int EPOLLERR = 0x8;
    /** {@code epoll} event: hang-up (always reported). */
    public static final int EPOLLHUP = 0x10;
    /** {@code epoll} event: the peer shut down writing. */
    public static final int EPOLLRDHUP = 0x2000;
    /** {@code epoll} flag: report the fd once, then disable it until re-armed with {@link #EPOLL_CTL_MOD}. */
    public static final int EPOLLONESHOT = 1 << 30;
    /** {@code epoll} flag: edge-triggered, report changes of readiness only. */
    public static final int EPOLLET = 1 << 31;
    /** {@code epoll_ctl} op: add an fd. */
    public static final int EPOLL_CTL_ADD = 1;
    /** {@code epoll_ctl} op: remove an fd. */
    public static final int EPOLL_CTL_DEL = 2;
    /** {@code epoll_ctl} op: change an fd's events. */
    public static final int EPOLL_CTL_MOD = 3;
    /** {@code epoll_create1} and {@code eventfd} flag: close on {@code exec}. */
    public static final int EPOLL_CLOEXEC = 0x80000;
    /** {@code eventfd} flag: non-blocking. */
    public static final int EFD_NONBLOCK = 0x800;

    /**
     * {@code struct epoll_event}: {@code uint32_t events; uint64_t data;}, packed on x86-64 (12 bytes)
     * and naturally aligned elsewhere (16 bytes).
     */
    public static final StructLayout EPOLL_EVENT = "amd64".equals(System.getProperty("os.arch"))
            || "x86_64".equals(System.getProperty("os.arch"))
            ? MemoryLayout.structLayout(JAVA_INT.withName("events"), JAVA_LONG_UNALIGNED.withName("data"))
            : MemoryLayout.structLayout(JAVA_INT.withName("events"), MemoryLayout.paddingLayout(4),
                    JAVA_LONG.withName("data"));
    /** Offset of {@code data} in {@link #EPOLL_EVENT}. */
    public static final long EPOLL_EVENT_DATA_OFFSET =
            EPOLL_EVENT.byteOffset(MemoryLayout.PathElement.groupElement("data"));

    /** {@code struct pollfd}: {@code int fd; short events; short revents;}. */
    public static final StructLayout POLLFD = MemoryLayout.structLayout(
            JAVA_INT.withName("fd"), JAVA_SHORT.withName("events"), JAVA_SHORT.withName("revents"));

    /** {@code getsockopt} level: options of the socket itself. */
    public static final int SOL_SOCKET = 1;
    /** {@code SOL_SOCKET} option: {@code struct linger { int l_onoff; int l_linger; }}, 8 bytes. */
    public static final int SO_LINGER = 13;

    /** Size of {@code struct sockaddr_storage}, enough for any socket address. */
    public static final int SOCKADDR_STORAGE_SIZE = 128;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CALL_STATE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final ThreadLocal<MemorySegment> CALL_STATE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CALL_STATE_LAYOUT));

    // ssize_t splice(int fd_in, loff_t *off_in, int fd_out, loff_t *off_out, size_t len, unsigned flags)
    private static final MethodHandle SPLICE = bind("splice",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    // ssize_t sendfile(int out_fd, int in_fd, off_t *offset, size_t count)
    private static final MethodHandle SENDFILE = bind("sendfile",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG));
    // int pipe2(int pipefd[2], int flags)
    private static final MethodHandle PIPE2 = bind("pipe2",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    // int close(int fd)
    private static final MethodHandle CLOSE = bind("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    // int dup(int oldfd)
    private static final MethodHandle DUP = bind("dup", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    // int fcntl(int fd, int cmd, ... /* int arg */)
    private static final MethodHandle FCNTL = bind("fcntl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2));
    // int poll(struct pollfd *fds, nfds_t nfds, int timeout)
    private static final MethodHandle POLL = bind("poll",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    // int shutdown(int sockfd, int how)
    private static final MethodHandle SHUTDOWN = bind("shutdown",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    // int getsockname(int sockfd, struct sockaddr *addr, socklen_t *addrlen)
    private static final MethodHandle GETSOCKNAME = bind("getsockname",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    // int getpeername(int sockfd, struct sockaddr *addr, socklen_t *addrlen)
    private static final MethodHandle GETPEERNAME = bind("getpeername",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    // int getsockopt(int sockfd, int level, int optname, void *optval, socklen_t *optlen)
    private static final MethodHandle GETSOCKOPT = bind("getsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));

    // int epoll_create1(int flags)
    private static final MethodHandle EPOLL_CREATE1 = bind("epoll_create1", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    // int epoll_ctl(int epfd, int op, int fd, struct epoll_event *event)
    private static final MethodHandle EPOLL_CTL = bind("epoll_ctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    // int epoll_wait(int epfd, struct epoll_event *events, int maxevents, int timeout)
    private static final MethodHandle EPOLL_WAIT = bind("epoll_wait",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    // int eventfd(unsigned int initval, int flags)
    private static final MethodHandle EVENTFD = bind("eventfd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    // ssize_t read(int fd, void *buf, size_t count)
    private static final MethodHandle READ = bind("read",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    // ssize_t write(int fd, const void *buf, size_t count)
    private static final MethodHandle WRITE = bind("write",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));

    // ssize_t write(int fd, const void *buf, size_t count), errno not captured
    private static final MethodHandle WRITE_IGNORING_ERRNO = bindWithoutErrno("write",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    // ssize_t recv(int sockfd, void *buf, size_t len, int flags)
    private static final MethodHandle RECV = bind("recv",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));

    private LibC() {
    }

    @SuppressWarnings("restricted")
    private static MethodHandle bindWithoutErrno(String name, FunctionDescriptor descriptor) {
        MemorySegment symbol = LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name + "()"));
        return LINKER.downcallHandle(symbol, descriptor);
    }

    @SuppressWarnings("restricted")
    private static MethodHandle bind(String name, FunctionDescriptor descriptor, Linker.Option... extra) {
        MemorySegment symbol = LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name + "()"));
        Linker.Option[] options = new Linker.Option[extra.length + 1];
        options[0] = Linker.Option.captureCallState("errno");
        System.arraycopy(extra, 0, options, 1, extra.length);
        return LINKER.downcallHandle(symbol, descriptor, options);
    }

    /**
     * Returns the {@code errno} that the calling thread's most recent call through this class left.
     *
     * @return the errno value, meaningful only after a call that returned {@code -1}
     */
    public static int errno() {
        return (int) ERRNO.get(CALL_STATE.get(), 0L);
    }

    /**
     * {@code splice(2)}: moves up to {@code len} bytes between two fds, one of which is a pipe.
     *
     * @param fdIn source fd
     * @param offIn pointer to a 64-bit source offset, or {@link MemorySegment#NULL} for pipes and sockets
     * @param fdOut target fd
     * @param offOut pointer to a 64-bit target offset, or {@link MemorySegment#NULL}
     * @param len the most bytes to move
     * @param flags {@code SPLICE_F_*} flags
     * @return bytes moved, {@code 0} at end of input, or {@code -1} with {@link #errno()} set
     */
    public static long splice(int fdIn, MemorySegment offIn, int fdOut, MemorySegment offOut, long len, int flags) {
        try {
            return (long) SPLICE.invokeExact(CALL_STATE.get(), fdIn, offIn, fdOut, offOut, len, flags);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * {@code sendfile(2)}: moves up to {@code count} bytes from a file to another fd (a socket) inside
     * the kernel, reading at {@code *offset} and advancing it by the bytes moved; the file's own
     * position is left alone.
     *
     * @param outFd target fd
     * @param inFd source fd, a file that supports {@code mmap}-like reads (not a socket or pipe)
     * @param offset pointer to a 64-bit file offset
     * @param count the most bytes to move
     * @return bytes moved, {@code 0} when {@code *offset} is at or past the end of the file, or
     *     {@code -1} with {@link #errno()} set
     */
    public static long sendfile(int outFd, int inFd, MemorySegment offset, long count) {
        try {
            return (long) SENDFILE.invokeExact(CALL_STATE.get(), outFd, inFd, offset, count);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * {@code pipe2(2)}: creates a pipe.
     *
     * @param fds two ints: receives the read end, then the write end
     * @param flags {@link #O_NONBLOCK} and/or {@link #O_CLOEXEC}
     * @return {@code 0}, or {@code -1} with {@link #errno()} set
     */
    public static int pipe2(MemorySegment fds, int flags) {
        try {
            return (int) PIPE2.invokeExact(CALL_STATE.get(), fds, flags);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * {@code close(2)}.
     *
     * @param fd the fd to close
     * @return {@code 0}, or {@code -1} with {@link #errno()} set (the fd is released even then)
     */
    public static int close(int fd) {
        try {
            return (int) CLOSE.invokeExact(CALL_STATE.get(), fd);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * {@code dup(2)}. Prefer {@code fcntl(fd, F_DUPFD_CLOEXEC, 0)}, which doesn't leak into children.
     *
     * @param fd the fd to duplicate
     * @return the new fd, or {@code -1} with {@link #errno()} set
     */
    public static int dup(int fd) {
        try {
            return (int) DUP.invokeExact(CALL_STATE.get(), fd);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * {@code fcntl(2)} with an int argument.
     *
     * @param fd the fd
     * @param cmd an {@code F_*} command
     * @param arg the command's argument ({@code 0} where it takes none)
     * @return the command's result, or {@code -1} with {@link #errno()} set
     */
    public static int fcntl(int fd, int cmd, int arg) {
        try {
            return (int) FCNTL.invokeExact(CALL_STATE.get(), fd, cmd, arg);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * {@code poll(2)}: waits for readiness. Blocks the carrier of a virtual thread: call it only on
     * platform threads.
     *
     * @param fds an array of {@link #POLLFD} structs
     * @param nfds how many structs
     * @param timeoutMillis the longest wait, {@code -1} for none, {@code 0} to return at once
     * @return how many structs have events, {@code 0} on timeout, or {@code -1} with {@link #errno()} set
     */
    public static int poll(MemorySegment fds, long nfds, int timeoutMillis) {
        try {
            return (int) POLL.invokeExact(CALL_STATE.get(), fds, nfds, timeoutMillis);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * {@code shutdown(2)}: wakes any thread blocked on the socket and ends the given directions.
     *
     * @param fd a socket fd
     * @param how {@link #SHUT_RD}, {@link #SHUT_WR} or {@link #SHUT_RDWR}
     * @return {@code 0}, or {@code -1} with {@link #errno()} set
     */
    public static int shutdown(int fd, int how) {
        try {
            return (int) SHUTDOWN.invokeExact(CALL_STATE.get(), fd, how);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * {@code getsockname(2)}.
     *
     * @param fd a socket fd
     * @param address at least {@link #SOCKADDR_STORAGE_SIZE} bytes, receives the address
     * @param length an int holding the size of {@code address}; receives the address's length
     * @return {@code 0}, or {@code -1} with {@link #errno()} set
     */
    public static int getsockname(int fd, MemorySegment address, MemorySegment length) {
        try {
            return (int) GETSOCKNAME.invokeExact(CALL_STATE.get(), fd, address, length);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * {@code getpeername(2)}.
     *
     * @param fd a socket fd
     * @param address at least {@link #SOCKADDR_STORAGE_SIZE} bytes, receives the peer's address
     * @param length an int holding the size of {@code address}; receives the address's length
     * @return {@code 0}, or {@code -1} with {@link #errno()} set
     */
    public static int getpeername(int fd, MemorySegment address, MemorySegment length) {
        try {
            return (int) GETPEERNAME.invokeExact(CALL_STATE.get(), fd, address, length);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * {@code getsockopt(2)}.
     *
     * @param fd a socket fd
     * @param level the option's level, such as {@link #SOL_SOCKET}
     * @param name the option, such as {@link #SO_LINGER}
     * @param value receives the option's value
     * @param length an int holding the size of {@code value}; receives the value's length
     * @return {@code 0}, or {@code -1} with {@link #errno()} set
     */
    public static int getsockopt(int fd, int level, int name, MemorySegment value, MemorySegment length) {
        try {
            return (int) GETSOCKOPT.invokeExact(CALL_STATE.get(), fd, level, name, value, length);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * {@code epoll_create1(2)}.
     *
     * @param flags {@code 0} or {@link #EPOLL_CLOEXEC}
     * @return the epoll fd, or {@code -1} with {@link #errno()} set
     */
    public static int epollCreate1(int flags) {
        try {
            return (int) EPOLL_CREATE1.invokeExact(CALL_STATE.get(), flags);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * {@code epoll_ctl(2)}.
     *
     * @param epfd the epoll fd
     * @param op {@link #EPOLL_CTL_ADD}, {@link #EPOLL_CTL_MOD} or {@link #EPOLL_CTL_DEL}
     * @param fd the fd to watch
     * @param event one {@link #EPOLL_EVENT}, or {@link MemorySegment#NULL} for {@code DEL}
     * @return {@code 0}, or {@code -1} with {@link #errno()} set
     */
    public static int epollCtl(int epfd, int op, int fd, MemorySegment event) {
        try {
            return (int) EPOLL_CTL.invokeExact(CALL_STATE.get(), epfd, op, fd, event);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * {@code epoll_wait(2)}. Blocks the carrier of a virtual thread: call it only on platform threads.
     *
     * @param epfd the epoll fd
     * @param events room for {@code maxEvents} {@link #EPOLL_EVENT}s
     * @param maxEvents at most this many events
     * @param timeoutMillis the longest wait, {@code -1} for none
     * @return the number of events, {@code 0} on timeout, or {@code -1} with {@link #errno()} set
     */
    public static int epollWait(int epfd, MemorySegment events, int maxEvents, int timeoutMillis) {
        try {
            return (int) EPOLL_WAIT.invokeExact(CALL_STATE.get(), epfd, events, maxEvents, timeoutMillis);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * {@code eventfd(2)}.
     *
     * @param initialValue the counter's start value
     * @param flags {@link #EPOLL_CLOEXEC} (same value as {@code EFD_CLOEXEC}) and/or {@link #EFD_NONBLOCK}
     * @return the fd, or {@code -1} with {@link #errno()} set
     */
    public static int eventfd(int initialValue, int flags) {
        try {
            return (int) EVENTFD.invokeExact(CALL_STATE.get(), initialValue, flags);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * {@code read(2)}.
     *
     * @param fd the fd
     * @param buffer where to put the bytes
     * @param count the most bytes to read
     * @return bytes read, {@code 0} at end of input, or {@code -1} with {@link #errno()} set
     */
    public static long read(int fd, MemorySegment buffer, long count) {
        try {
            return (long) READ.invokeExact(CALL_STATE.get(), fd, buffer, count);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * {@code write(2)}.
     *
     * @param fd the fd
     * @param buffer the bytes
     * @param count how many bytes to write
     * @return bytes written, or {@code -1} with {@link #errno()} set
     */
    public static long write(int fd, MemorySegment buffer, long count) {
        try {
            return (long) WRITE.invokeExact(CALL_STATE.get(), fd, buffer, count);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * {@code write(2)} without capturing {@code errno}, for a caller that doesn't look at it (waking
     * an event loop through its eventfd). The calls above keep each thread's errno in native memory
     * of that thread's own, allocated on its first call and freed only when the thread is collected:
     * a virtual thread that makes one call per connection would cost a native allocation each.
     *
     * @param fd the fd
     * @param buffer the bytes
     * @param count how many bytes to write
     * @return bytes written, or {@code -1}
     */
    public static long writeIgnoringErrno(int fd, MemorySegment buffer, long count) {
        try {
            return (long) WRITE_IGNORING_ERRNO.invokeExact(fd, buffer, count);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * {@code recv(2)}.
     *
     * @param fd a socket
     * @param buffer where to put the bytes
     * @param count the most bytes to receive
     * @param flags {@link #MSG_PEEK}, {@link #MSG_DONTWAIT}, …
     * @return bytes received, {@code 0} at the end of the stream, or {@code -1} with {@link #errno()} set
     */
    public static long recv(int fd, MemorySegment buffer, long count, int flags) {
        try {
            return (long) RECV.invokeExact(CALL_STATE.get(), fd, buffer, count, flags);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    private static RuntimeException unexpected(Throwable t) {
        if (t instanceof RuntimeException re) {
            return re;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException("downcall failed", t);
    }
}
