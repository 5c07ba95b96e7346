/**
 * splice4j: zero-copy socket-to-socket transfers with Linux {@code splice(2)} through
 * {@code java.lang.foreign}, and a fast portable fallback. Start at {@link io.splice4j.Splice}.
 */
module io.splice4j {
    exports io.splice4j;
    exports io.splice4j.linux;

    // Only the forwarder tool's self-check reads thread CPU times, and copes without the module.
    requires static java.management;
}
