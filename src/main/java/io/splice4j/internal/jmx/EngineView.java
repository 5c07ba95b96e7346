package io.splice4j.internal.jmx;

import io.splice4j.internal.EngineStats;

/** Reads an engine's figures live. */
final class EngineView implements EngineMXBean {

    private final EngineStats engine;

    EngineView(EngineStats engine) {
        this.engine = engine;
    }

    @Override
    public String getName() {
        return engine.name();
    }

    @Override
    public int getLoops() {
        return engine.loopCount();
    }

    @Override
    public int getRelays() {
        return engine.relays();
    }

    @Override
    public int getOpenPipes() {
        return engine.openPipes();
    }

    @Override
    public long getOpenPipeBytes() {
        return engine.openPipeBytes();
    }

    @Override
    public int getPipeResizeRefusals() {
        return engine.pipeResizeRefusals();
    }

    @Override
    public long getPoolExhaustions() {
        return engine.poolExhaustions();
    }
}
