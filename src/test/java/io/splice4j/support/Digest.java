package io.splice4j.support;

import java.util.HexFormat;

/**
 * The length and SHA-256 of a byte stream.
 *
 * @param length bytes
 * @param sha256 hex SHA-256
 */
public record Digest(long length, String sha256) {

    /**
     * Names a stream by what a {@code MessageDigest} made of it.
     *
     * @param length bytes
     * @param sha256 the SHA-256 digest's bytes
     * @return the digest, its SHA-256 in hex
     */
    public static Digest of(long length, byte[] sha256) {
        return new Digest(length, HexFormat.of().formatHex(sha256));
    }
}
