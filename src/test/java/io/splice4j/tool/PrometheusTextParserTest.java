package io.splice4j.tool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigDecimal;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The exposition writer against the strict parser the metrics tests use: what it writes parses back
 * (escapes included), and the parser refuses each way an exposition can break the format's rules.
 */
class PrometheusTextParserTest {

    @Test
    void whatTheWriterWritesParsesBack() {
        String text = new PrometheusText()
                .counter("a_total", "Counts \\ things\non two lines.").sample("label", "x\"y\\z\nw", 3).sample("label",
                        "", 0)
                .gauge("b_seconds", "A gauge.").sample(new BigDecimal("1765171234.567"))
                .gauge("c", "Another.").sample(-2)
                .toString();
        Map<String, PrometheusTextParser.Family> families = PrometheusTextParser.parse(text);
        assertEquals("Counts \\ things\non two lines.", families.get("a_total").help());
        assertEquals("counter", families.get("a_total").type());
        assertEquals(3, families.get("a_total").value("label", "x\"y\\z\nw"));
        assertEquals(0, families.get("a_total").value("label", ""));
        assertEquals(1765171234.567, families.get("b_seconds").value());
        assertEquals(-2, families.get("c").value());
    }

    @Test
    void theWriterRefusesACounterWithoutTotal() {
        assertThrows(IllegalArgumentException.class, () -> new PrometheusText().counter("requests", "No suffix."));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "# TYPE a gauge\na 1\n# HELP a late\n",
        "a 1\n",
        "# HELP a x\n# TYPE a gauge\na 1",
        "# HELP a x\n# TYPE a gauge\n# TYPE a gauge\na 1\n",
        "# HELP a x\n# HELP a y\n# TYPE a gauge\na 1\n",
        "# HELP a x\n# TYPE a gauge\na 1\na 2\n",
        "# HELP a x\n# TYPE a gauge\na{l=\"1\"} 1\na{l=\"1\"} 2\n",
        "# HELP a x\n# TYPE a gauge\na{l=\"1\",l=\"2\"} 1\n",
        "# HELP a x\n# TYPE a counter\na 1\n",
        "# HELP a_total x\n# TYPE a_total counter\na_total -1\n",
        "# HELP a_total x\n# TYPE a_total counter\na_total NaN\n",
        "# HELP a x\n# TYPE a gauge\na one\n",
        "# HELP a x\n# TYPE a gauge\na 1,5\n",
        "# HELP a x\n# TYPE a gauge\na{1l=\"x\"} 1\n",
        "# HELP a x\n# TYPE a gauge\na{__l=\"x\"} 1\n",
        "# HELP a x\n# TYPE a gauge\na{l=x} 1\n",
        "# HELP a x\n# TYPE a gauge\na{l=\"\\t\"} 1\n",
        "# HELP a x\n# TYPE a gauge\na{l=\"x\",} 1\n",
        "# HELP a x\n# TYPE a gauge\na{l=\"x\" m=\"y\"} 1\n",
        "# HELP a bad \\t escape\n# TYPE a gauge\na 1\n",
        "# HELP a x\n# TYPE a gauge\n# HELP b y\n# TYPE b gauge\nb 1\na 1\n",
        "# HELP a x\n# TYPE a sometimes\na 1\n",
        "# HELP 1a x\n# TYPE 1a gauge\n1a 1\n",
        "# HELP a x\n# TYPE a gauge\na  1\n",
        "# HELP a x\n",
        "# HELP a x\n# TYPE a gauge\nb 1\n"})
    void theParserRefusesWhatBreaksTheRules(String text) {
        assertThrows(IllegalArgumentException.class, () -> PrometheusTextParser.parse(text), text);
    }
}
