package io.splice4j.bench;

import io.splice4j.Splice;
import io.splice4j.SpliceMode;
import io.splice4j.SpliceOptions;
import io.splice4j.support.Loopback;
import java.io.IOException;
import java.nio.ByteBuffer;

/** The rows of the socket → socket table, in table order; the first is the baseline. */
public enum Contender {

    NIO_DIRECT_64K("JDK NIO loop, 64 KiB direct buffer (baseline)") {
        @Override
        Route open(Loopback loopback) {
            return new JdkRoute(loopback, new BufferLoop(ByteBuffer.allocateDirect(64 << 10)));
        }
    },
    NIO_HEAP_64K("JDK NIO loop, 64 KiB heap buffer (the benchmark's own loop)") {
        @Override
        Route open(Loopback loopback) {
            return new JdkRoute(loopback, new BufferLoop(ByteBuffer.allocate(64 << 10)));
        }
    },
    SPLICE4J_PORTABLE_64K("splice4j PORTABLE, 64 KiB direct buffer") {
        @Override
        Route open(Loopback loopback) {
            return splice4j(loopback, SpliceMode.PORTABLE, 64 << 10);
        }
    },
    SPLICE4J_ZERO_COPY_64K("splice4j ZERO_COPY, 64 KiB pipe") {
        @Override
        Route open(Loopback loopback) {
            return splice4j(loopback, SpliceMode.ZERO_COPY, 64 << 10);
        }
    },
    SPLICE4J_ZERO_COPY_1M("splice4j ZERO_COPY, 1 MiB pipe") {
        @Override
        Route open(Loopback loopback) {
            return splice4j(loopback, SpliceMode.ZERO_COPY, 1 << 20);
        }
    },
    NETTY_SPLICE("Netty 4.2.18 epoll spliceTo, 64 KiB pipe") {
        @Override
        Route open(Loopback loopback) throws IOException {
            return new NettySpliceRoute(loopback);
        }
    };

    private final String label;

    Contender(String label) {
        this.label = label;
    }

    /** What the results table calls this row. */
    public String label() {
        return label;
    }

    abstract Route open(Loopback loopback) throws IOException;

    /**
     * ZERO_COPY, not AUTO: if splicing were impossible the transfer must fail, not quietly copy
     * and post a copy loop's figure under a zero-copy label.
     */
    private static Route splice4j(Loopback loopback, SpliceMode mode, int chunkSize) {
        SpliceOptions options = SpliceOptions.defaults().withMode(mode).withChunkSize(chunkSize);
        return new JdkRoute(loopback, (source, target) -> Splice.splice(source, target, options));
    }
}
