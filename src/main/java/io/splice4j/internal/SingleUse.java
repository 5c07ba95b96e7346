package io.splice4j.internal;

import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.Optional;

/**
 * The life of a parser that reads one thing from fed bytes: feeds go on until it returns its result
 * or fails, and every feed after that is refused, since what comes next is no longer its to read.
 */
public final class SingleUse {

    private final String result;
    private String failure;
    private boolean done;

    /**
     * Creates one.
     *
     * @param result what the parser returns, for messages: {@code header}
     */
    public SingleUse(String result) {
        this.result = result;
    }

    /**
     * Checks that a feed may go on.
     *
     * @param input the bytes fed
     * @throws NullPointerException if {@code input} is null
     * @throws IllegalStateException if the parser already returned its result or failed
     */
    public void check(ByteBuffer input) {
        Objects.requireNonNull(input, "input");
        if (done) {
            throw new IllegalStateException("this parser already returned its " + result);
        }
        if (failure != null) {
            throw new IllegalStateException("this parser already failed: " + failure);
        }
    }

    /**
     * Notes what a feed returned.
     *
     * @param <T> the result's type
     * @param value the result, or null while incomplete
     * @return it, or empty
     */
    public <T> Optional<T> returned(T value) {
        done = value != null;
        return Optional.ofNullable(value);
    }

    /**
     * Notes a failure.
     *
     * @param <E> the parser's exception
     * @param e the failure
     * @return {@code e}, to throw
     */
    public <E extends Exception> E failed(E e) {
        failure = e.getMessage();
        return e;
    }
}
