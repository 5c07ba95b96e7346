package io.splice4j.linux;

/**
 * Linux {@code errno} values the library acts on, and the symbolic name of any errno for messages.
 *
 * <p>The numbers are those of Linux on x86-64 and AArch64 (the generic table); they are only
 * meaningful for results of {@link LibC} calls.
 */
public final class Errno {

    /** Interrupted system call: always retried. */
    public static final int EINTR = 4;
    /** Bad file descriptor. */
    public static final int EBADF = 9;
    /** Resource temporarily unavailable: wait for readiness, never end-of-stream. */
    public static final int EAGAIN = 11;
    /** Permission denied (for example {@code F_SETPIPE_SZ} above {@code pipe-max-size}). */
    public static final int EPERM = 1;
    /** Invalid argument: on the first splice of a transfer, the fd pair can't be spliced. */
    public static final int EINVAL = 22;
    /** Broken pipe: the target's peer is gone. */
    public static final int EPIPE = 32;
    /** Function not implemented. */
    public static final int ENOSYS = 38;
    /** Connection reset by peer. */
    public static final int ECONNRESET = 104;
    /** The socket is not connected. */
    public static final int ENOTCONN = 107;

    private static final String[] NAMES = {
        "", "EPERM", "ENOENT", "ESRCH", "EINTR", "EIO", "ENXIO", "E2BIG", "ENOEXEC", "EBADF",
        "ECHILD", "EAGAIN", "ENOMEM", "EACCES", "EFAULT", "ENOTBLK", "EBUSY", "EEXIST", "EXDEV",
        "ENODEV", "ENOTDIR", "EISDIR", "EINVAL", "ENFILE", "EMFILE", "ENOTTY", "ETXTBSY", "EFBIG",
        "ENOSPC", "ESPIPE", "EROFS", "EMLINK", "EPIPE", "EDOM", "ERANGE", "EDEADLK",
        "ENAMETOOLONG", "ENOLCK", "ENOSYS", "ENOTEMPTY", "ELOOP", "", "ENOMSG", "EIDRM", "ECHRNG",
        "EL2NSYNC", "EL3HLT", "EL3RST", "ELNRNG", "EUNATCH", "ENOCSI", "EL2HLT", "EBADE", "EBADR",
        "EXFULL", "ENOANO", "EBADRQC", "EBADSLT", "", "EBFONT", "ENOSTR", "ENODATA", "ETIME",
        "ENOSR", "ENONET", "ENOPKG", "EREMOTE", "ENOLINK", "EADV", "ESRMNT", "ECOMM", "EPROTO",
        "EMULTIHOP", "EDOTDOT", "EBADMSG", "EOVERFLOW", "ENOTUNIQ", "EBADFD", "EREMCHG", "ELIBACC",
        "ELIBBAD", "ELIBSCN", "ELIBMAX", "ELIBEXEC", "EILSEQ", "ERESTART", "ESTRPIPE", "EUSERS",
        "ENOTSOCK", "EDESTADDRREQ", "EMSGSIZE", "EPROTOTYPE", "ENOPROTOOPT", "EPROTONOSUPPORT",
        "ESOCKTNOSUPPORT", "EOPNOTSUPP", "EPFNOSUPPORT", "EAFNOSUPPORT", "EADDRINUSE",
        "EADDRNOTAVAIL", "ENETDOWN", "ENETUNREACH", "ENETRESET", "ECONNABORTED", "ECONNRESET",
        "ENOBUFS", "EISCONN", "ENOTCONN", "ESHUTDOWN", "ETOOMANYREFS", "ETIMEDOUT", "ECONNREFUSED",
        "EHOSTDOWN", "EHOSTUNREACH", "EALREADY", "EINPROGRESS", "ESTALE", "EUCLEAN", "ENOTNAM",
        "ENAVAIL", "EISNAM", "EREMOTEIO", "EDQUOT", "ENOMEDIUM", "EMEDIUMTYPE", "ECANCELED",
        "ENOKEY", "EKEYEXPIRED", "EKEYREVOKED", "EKEYREJECTED", "EOWNERDEAD", "ENOTRECOVERABLE",
        "ERFKILL", "EHWPOISON"
    };

    private Errno() {
    }

    /**
     * Returns the symbolic name of an errno value, such as {@code "ECONNRESET"}.
     *
     * @param errno an errno value
     * @return its name, or {@code "errno <n>"} for a value this table doesn't know
     */
    public static String name(int errno) {
        if (errno > 0 && errno < NAMES.length && !NAMES[errno].isEmpty()) {
            return NAMES[errno];
        }
        return "errno " + errno;
    }
}
