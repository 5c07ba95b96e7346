package io.splice4j.tool;

/**
 * How many connections the heap leaves room for. A connection holds no byte of its stream on the
 * heap (an engine flow without a pipe copies only what its target takes), so what it costs there
 * is its bookkeeping: the two channels, the relay's state and records, the connection itself, and
 * for a moment its connect's virtual thread; {@link #BYTES_PER_CONNECTION} is that with room to
 * spare. Without it, a process with a high open-files limit (a million, common in containers) would
 * take in more connections than its heap holds.
 *
 * @param maxHeap the most heap the JVM will use, in bytes
 */
record HeapBudget(long maxHeap) {

    /** The heap set aside per connection. */
    static final long BYTES_PER_CONNECTION = 16 << 10;

    /** The budget of this JVM ({@code -Xmx}, or the JVM's default share of memory). */
    static HeapBudget ofThisProcess() {
        return new HeapBudget(Runtime.getRuntime().maxMemory());
    }

    /** Returns the connections that fit, at least one. */
    int maxConnections() {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, maxHeap / BYTES_PER_CONNECTION));
    }

    /** Says where {@link #maxConnections()} comes from, for the start line. */
    String explain() {
        return "max heap " + (maxHeap >> 20) + " MiB, " + (BYTES_PER_CONNECTION >> 10) + " KiB per connection";
    }
}
