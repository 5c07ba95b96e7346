package io.splice4j.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.Future;
import io.splice4j.support.Loopback;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Netty's epoll {@code spliceTo}, set up as Netty intends: source and target channels on the same
 * event loop (one loop thread for everything), level-triggered (4.2's only mode), default pipe
 * (64 KiB) and read sizes, the splice queued on the source before any byte arrives.
 *
 * <p>Used the obvious way it loses the stream's tail (jmh/README.md, "Netty"): when the FIN arrives with data
 * still queued, Netty shuts the input and, without half-closure, closes the channel, failing the
 * splice. So the source allows half-closure, and when Netty then drops it from epoll it is
 * re-registered (see {@link SourceGuard}), so the event loop goes on splicing what is still in the
 * socket. {@code spliceTo} cannot see the end of the stream (its splice returns 0 for both "nothing
 * yet" and end-of-stream), so it is given the payload's length and completes once that many bytes
 * are written to the target; the drain then checks the count, and before every iteration every byte.
 */
final class NettySpliceRoute implements Route {

    private final Loopback readers;
    private final EventLoopGroup loop;
    private final Channel server;
    private final Bootstrap targets;
    private final BlockingQueue<SourceGuard> accepted = new LinkedBlockingQueue<>();

    NettySpliceRoute(Loopback readers) throws IOException {
        Epoll.ensureAvailability();
        this.readers = readers;
        // Daemon only as a safety net if a trial dies before its teardown; close() ends the thread.
        loop = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("bench-netty", true),
                EpollIoHandler.newFactory());
        try {
            server = await(new ServerBootstrap()
                    .group(loop)
                    .channel(EpollServerSocketChannel.class)
                    .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .childHandler(new ChannelInitializer<EpollSocketChannel>() {
                        @Override
                        protected void initChannel(EpollSocketChannel channel) {
                            channel.pipeline().addLast(new SourceGuard(accepted));
                        }
                    })
                    .bind(InetAddress.getLoopbackAddress(), 0), "bind").channel();
            targets = new Bootstrap().group(loop).channel(EpollSocketChannel.class).handler(TargetGuard.INSTANCE);
        } catch (IOException | RuntimeException e) {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            throw e;
        }
    }

    @Override
    public Transfer prepare(int length) throws IOException {
        SocketChannel senderEnd = SocketChannel.open((InetSocketAddress) server.localAddress());
        SourceGuard guard = null;
        EpollSocketChannel source = null;
        EpollSocketChannel target = null;
        SocketChannel readerEnd = null;
        try {
            guard = accepted.poll(Peer.JOB_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (guard == null) {
                throw new IOException("Netty accepted no connection within " + Peer.JOB_TIMEOUT);
            }
            source = guard.channel;
            target = (EpollSocketChannel) await(targets.connect(readers.address()), "connect").channel();
            readerEnd = readers.accept();
            // Queued now, outside the measured time; it starts when the sender's bytes arrive.
            Future<Void> spliced = source.spliceTo(target, length);
            return new NettyTransfer(senderEnd, guard, target, readerEnd, spliced, length);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            abandon(senderEnd, source, target, readerEnd);
            throw new InterruptedIOException("interrupted waiting for Netty to accept");
        } catch (IOException | RuntimeException e) {
            abandon(senderEnd, source, target, readerEnd);
            throw e;
        }
    }

    /** Closes what a failed {@link #prepare} had opened; any of the Netty channels may be null. */
    private static void abandon(SocketChannel senderEnd, Channel source, Channel target, SocketChannel readerEnd)
            throws IOException {
        Loopback.abort(senderEnd);
        if (readerEnd != null) {
            Loopback.abort(readerEnd);
        }
        if (source != null) {
            source.close();
        }
        if (target != null) {
            target.close();
        }
    }

    @Override
    public void close() throws IOException {
        try {
            await(server.close(), "close");
        } finally {
            loop.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private static <F extends Future<?>> F await(F future, String what) throws IOException {
        if (!future.awaitUninterruptibly(Peer.JOB_TIMEOUT.toMillis())) {
            throw new IOException("Netty " + what + " did not complete within " + Peer.JOB_TIMEOUT);
        }
        if (!future.isSuccess()) {
            throw new IOException("Netty " + what + " failed", future.cause());
        }
        return future;
    }

    private record NettyTransfer(SocketChannel senderEnd, SourceGuard source, EpollSocketChannel target,
            SocketChannel readerEnd, Future<Void> spliced, int length) implements Transfer {

        @Override
        public long run() throws IOException {
            try {
                await(spliced, "spliceTo");
            } catch (IOException e) {
                if (source.failure != null) {
                    e.addSuppressed(source.failure); // Why Netty closed the source, if it did.
                }
                throw e;
            }
            await(target.shutdownOutput(), "shutdownOutput");
            return length;
        }

        @Override
        public void close() throws IOException {
            try {
                Loopback.abort(senderEnd);
                Loopback.abort(readerEnd);
            } finally {
                source.channel.close().awaitUninterruptibly();
                target.close().awaitUninterruptibly();
            }
        }
    }

    /**
     * On each accepted source: hands it out, fails on stray bytes, and works around the way Netty
     * 4.2 loses the stream's tail after the FIN.
     *
     * <p>Netty turns auto-read off while a splice-out to the target is pending and clears EPOLLIN at
     * the end of that read round. Once the FIN has been seen, EPOLLRDHUP is cleared too, so the
     * interest set becomes empty and Netty removes the fd from epoll (EPOLL_CTL_DEL) while still
     * believing it registered. When the splice-out completes it turns auto-read back on; that read
     * asks epoll_ctl to MOD an fd epoll no longer has (ENOENT), and Netty closes the channel: the
     * splice fails with bytes still in the socket. So this handler notes a read round that ends with
     * the input shut and auto-read off, and turns the next read request into a re-registration with
     * the same event loop (a fresh registration adds the fd again and, with auto-read on, reads).
     */
    private static final class SourceGuard extends ChannelDuplexHandler {

        private final BlockingQueue<SourceGuard> accepted;
        private volatile EpollSocketChannel channel;
        private volatile Throwable failure;
        // Event-loop confined.
        private boolean inputShut;
        private boolean droppedFromEpoll;
        private boolean reregistering;

        SourceGuard(BlockingQueue<SourceGuard> accepted) {
            this.accepted = accepted;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            channel = (EpollSocketChannel) ctx.channel();
            accepted.add(this);
            ctx.fireChannelActive();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            if (event == ChannelInputShutdownEvent.INSTANCE) {
                inputShut = true;
            }
            ctx.fireUserEventTriggered(event);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            // Netty clears EPOLLIN right after this when auto-read is off; with the input shut
            // (EPOLLRDHUP already cleared) nothing is left and the fd leaves epoll.
            if (inputShut && !ctx.channel().config().isAutoRead()) {
                droppedFromEpoll = true;
            }
            ctx.fireChannelReadComplete();
        }

        @Override
        public void read(ChannelHandlerContext ctx) {
            if (reregistering) {
                return; // The registration under way starts reading when it completes.
            }
            if (!droppedFromEpoll) {
                ctx.read();
                return;
            }
            droppedFromEpoll = false;
            reregistering = true;
            Channel channel = ctx.channel();
            EventLoop loop = channel.eventLoop();
            channel.deregister().addListener(deregistered -> {
                if (!deregistered.isSuccess()) {
                    exceptionCaught(ctx, deregistered.cause());
                } else if (channel.isOpen()) {
                    loop.register(channel).addListener(registered -> {
                        reregistering = false;
                        if (!registered.isSuccess()) {
                            exceptionCaught(ctx, registered.cause());
                        } else if (!channel.config().isAutoRead()) {
                            // Registration reads by itself only with auto-read on; pass this read on.
                            ctx.read();
                        }
                    });
                }
            });
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object message) {
            // Bytes read into a buffer bypassed the splice: they would never reach the target.
            ReferenceCountUtil.release(message);
            exceptionCaught(ctx, new IllegalStateException("bytes reached the pipeline instead of spliceTo"));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            failure = cause;
            ctx.close();
        }
    }

    /** On each target: nothing to read (the drain never writes); close on errors. */
    @ChannelHandler.Sharable
    private static final class TargetGuard extends ChannelInboundHandlerAdapter {

        static final TargetGuard INSTANCE = new TargetGuard();

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
