package io.splice4j.bench;

/** The two directions of {@link FileBenchmark}. */
public enum FileDirection {

    FILE_TO_SOCKET("file → socket"),
    SOCKET_TO_FILE("socket → file");

    private final String label;

    FileDirection(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
