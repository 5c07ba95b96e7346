package io.splice4j.internal.linux;

import io.splice4j.FallbackReason;
import io.splice4j.linux.LibC;
import java.lang.System.Logger.Level;
import java.util.Locale;
import java.util.Optional;

/**
 * Whether this JVM can splice, decided once: Linux, not disabled by {@code -Dsplice4j.mode=portable},
 * native access enabled for this module, libc bound, and a way to read socket fds. Nothing native is
 * touched before native access is known to be enabled, so a JVM without the flag prints no JDK
 * warning on behalf of this library.
 */
public final class ZeroCopySupport {

    /** The system property that disables splicing JVM-wide when set to {@code portable}. */
    public static final String MODE_PROPERTY = "splice4j.mode";

    private static final System.Logger LOG = System.getLogger("io.splice4j");

    private static final ZeroCopySupport STATUS = probe();

    private final FallbackReason unavailableReason;
    private final String message;
    private final FdAccess fdAccess;

    private ZeroCopySupport(FallbackReason unavailableReason, String message, FdAccess fdAccess) {
        this.unavailableReason = unavailableReason;
        this.message = message;
        this.fdAccess = fdAccess;
    }

    /**
     * Returns this JVM's status, probing it on first use.
     *
     * @return the status
     */
    public static ZeroCopySupport status() {
        return STATUS;
    }

    /**
     * Returns whether transfers can splice.
     *
     * @return {@code true} if they can
     */
    public boolean available() {
        return unavailableReason == null;
    }

    /**
     * Returns why transfers can't splice.
     *
     * @return the reason, empty if they can
     */
    public Optional<FallbackReason> unavailableReason() {
        return Optional.ofNullable(unavailableReason);
    }

    /**
     * Returns a message for people: why not, and what to do about it.
     *
     * @return the message, empty if transfers can splice
     */
    public Optional<String> message() {
        return Optional.ofNullable(message);
    }

    /**
     * Returns the fd accessor.
     *
     * @return the accessor, empty if transfers can't splice
     */
    public Optional<FdAccess> fdAccess() {
        return Optional.ofNullable(fdAccess);
    }

    private static ZeroCopySupport probe() {
        ZeroCopySupport status = decide();
        if (status.message != null) {
            Level level = status.unavailableReason == FallbackReason.NOT_LINUX
                    || status.unavailableReason == FallbackReason.MODE ? Level.DEBUG : Level.WARNING;
            LOG.log(level, "splice4j: zero-copy transfers are off, using the portable copy: {0}", status.message);
        } else if (status.fdAccess.kind() == FdAccess.Kind.PROC_FD_MATCHER) {
            LOG.log(Level.INFO, "splice4j: finding socket fds through /proc/self/fd; "
                    + "add --add-exports java.base/sun.nio.ch={0} to read them directly", moduleFlagTarget());
        }
        return status;
    }

    private static ZeroCopySupport decide() {
        String os = System.getProperty("os.name", "");
        if (!os.toLowerCase(Locale.ROOT).startsWith("linux")) {
            return off(FallbackReason.NOT_LINUX, "splice(2) is Linux-only and this is " + os);
        }
        String mode = System.getProperty(MODE_PROPERTY, "auto").strip().toLowerCase(Locale.ROOT);
        if (mode.equals("portable")) {
            return off(FallbackReason.MODE, "disabled by -D" + MODE_PROPERTY + "=portable");
        }
        Module module = ZeroCopySupport.class.getModule();
        if (!module.isNativeAccessEnabled()) {
            return off(FallbackReason.NO_NATIVE_ACCESS, "native access is not enabled; add --enable-native-access="
                    + moduleFlagTarget() + " to the java command");
        }
        try {
            LibC.errno();
        } catch (LinkageError | RuntimeException e) {
            return off(FallbackReason.NO_NATIVE_ACCESS, "can't bind libc: " + e);
        }
        // A seccomp profile (a container's) or a security module may deny splice(2) outright. Asked
        // for 0 bytes the kernel returns 0 before it looks at the fds, so where splice is allowed this
        // probe costs one system call and nothing else.
        if (LibC.splice(-1, java.lang.foreign.MemorySegment.NULL, -1, java.lang.foreign.MemorySegment.NULL, 0, 0) != 0) {
            return off(FallbackReason.SPLICE_DENIED, "splice(2) is denied to this process ("
                    + io.splice4j.linux.Errno.name(LibC.errno()) + "; a seccomp profile or security module?)");
        }
        Optional<FdAccess> access = FdAccess.discover();
        if (access.isEmpty()) {
            return off(FallbackReason.NO_FD, "can't read socket fds; add --add-exports java.base/sun.nio.ch="
                    + moduleFlagTarget() + " to the java command");
        }
        return new ZeroCopySupport(null, null, access.get());
    }

    private static ZeroCopySupport off(FallbackReason reason, String message) {
        return new ZeroCopySupport(reason, message, null);
    }

    /** The module name JVM flags must name: {@code io.splice4j} on the module path, else {@code ALL-UNNAMED}. */
    static String moduleFlagTarget() {
        Module module = ZeroCopySupport.class.getModule();
        return module.isNamed() ? module.getName() : "ALL-UNNAMED";
    }
}
