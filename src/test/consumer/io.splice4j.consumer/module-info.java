/** A minimal application that uses splice4j from the module path. */
module io.splice4j.consumer {
    requires io.splice4j;
}
