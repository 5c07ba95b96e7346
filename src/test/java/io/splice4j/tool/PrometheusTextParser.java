package io.splice4j.tool;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict parser of the Prometheus text format 0.0.4, for tests. Beyond the format's grammar
 * (metric and label names, escapes in label values and help texts, numbers as Go parses them) it
 * holds the exposition to what scrapers rely on: every family has its {@code # HELP} and
 * {@code # TYPE} before its first sample, each once; a family's lines are contiguous; no series
 * (name and label set) appears twice; a counter's name ends in {@code _total} and its values are
 * finite and not negative; the text ends with a line feed. Histograms and summaries, whose samples
 * carry suffixes, are beyond it: the forwarder writes neither.
 */
final class PrometheusTextParser {

    private static final String NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private static final Pattern HELP = Pattern.compile("# HELP (" + NAME + ") (.*)");
    private static final Pattern TYPE = Pattern.compile("# TYPE (" + NAME
            + ") (counter|gauge|histogram|summary|untyped)");
    private static final Pattern SAMPLE = Pattern.compile("(" + NAME + ")(\\{.*})? (\\S+)( -?\\d+)?");
    private static final Pattern NUMBER = Pattern.compile("[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?|NaN|[+-]Inf");

    /** One sample: a series and its value. */
    record Sample(String name, Map<String, String> labels, double value) {
    }

    /** A family: its type, help text and samples in order. */
    record Family(String name, String type, String help, List<Sample> samples) {

        /** The value of the sample with these labels (given as name, value, name, value...). */
        double value(String... labels) {
            Map<String, String> wanted = new TreeMap<>();
            for (int i = 0; i < labels.length; i += 2) {
                wanted.put(labels[i], labels[i + 1]);
            }
            return samples.stream().filter(sample -> sample.labels().equals(wanted)).mapToDouble(Sample::value)
                    .findFirst().orElseThrow(() -> new AssertionError("no sample " + wanted + " in " + this));
        }
    }

    private PrometheusTextParser() {
    }

    /**
     * Parses an exposition.
     *
     * @return its families by name, in order
     * @throws IllegalArgumentException naming the line and the rule it breaks
     */
    static Map<String, Family> parse(String text) {
        if (!text.isEmpty() && !text.endsWith("\n")) {
            throw new IllegalArgumentException("the last line has no line feed");
        }
        Map<String, String> helps = new LinkedHashMap<>();
        Map<String, String> types = new LinkedHashMap<>();
        Map<String, List<Sample>> samples = new LinkedHashMap<>();
        Set<String> closed = new HashSet<>();
        Set<String> series = new HashSet<>();
        String current = null;
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length - 1; i++) {
            String line = lines[i];
            String where = "line " + (i + 1) + " '" + line + "': ";
            String family;
            Matcher help = HELP.matcher(line);
            Matcher type = TYPE.matcher(line);
            Matcher sample = SAMPLE.matcher(line);
            if (line.isEmpty()) {
                continue;
            } else if (help.matches()) {
                family = help.group(1);
                if (helps.put(family, unescapeHelp(help.group(2), where)) != null) {
                    throw new IllegalArgumentException(where + "a second HELP for " + family);
                }
            } else if (type.matches()) {
                family = type.group(1);
                if (types.put(family, type.group(2)) != null) {
                    throw new IllegalArgumentException(where + "a second TYPE for " + family);
                }
                if (samples.containsKey(family)) {
                    throw new IllegalArgumentException(where + "TYPE after samples of " + family);
                }
            } else if (line.startsWith("#")) {
                if (line.startsWith("# HELP") || line.startsWith("# TYPE")) {
                    throw new IllegalArgumentException(where + "malformed HELP or TYPE");
                }
                continue;
            } else if (sample.matches()) {
                family = sample.group(1);
                if (!types.containsKey(family) || !helps.containsKey(family)) {
                    throw new IllegalArgumentException(where + "a sample before its family's HELP and TYPE");
                }
                Map<String, String> labels = labels(sample.group(2), where);
                if (!series.add(family + labels)) {
                    throw new IllegalArgumentException(where + "a duplicate series");
                }
                double value = number(sample.group(3), where);
                boolean counter = types.get(family).equals("counter");
                if (counter && (Double.isNaN(value) || value < 0 || Double.isInfinite(value))) {
                    throw new IllegalArgumentException(where + "a counter is finite and not negative");
                }
                samples.computeIfAbsent(family, f -> new ArrayList<>()).add(new Sample(family, labels, value));
            } else {
                throw new IllegalArgumentException(where + "neither a comment nor a sample");
            }
            if (!family.equals(current)) {
                if (closed.contains(family)) {
                    throw new IllegalArgumentException(where + "the lines of " + family + " are not together");
                }
                if (current != null) {
                    closed.add(current);
                }
                current = family;
            }
        }
        Map<String, Family> families = new LinkedHashMap<>();
        for (Map.Entry<String, String> type : types.entrySet()) {
            String name = type.getKey();
            if (type.getValue().equals("counter") && !name.endsWith("_total")) {
                throw new IllegalArgumentException("counter " + name + " does not end in _total");
            }
            if (!helps.containsKey(name)) {
                throw new IllegalArgumentException(name + " has no HELP");
            }
            families.put(name, new Family(name, type.getValue(), helps.get(name), samples.getOrDefault(name,
                    List.of())));
        }
        if (!types.keySet().containsAll(helps.keySet())) {
            throw new IllegalArgumentException("a HELP without a TYPE: " + helps.keySet());
        }
        return families;
    }

    /** Label pairs {@code {a="x",b="y"}}: names as the grammar has them, once each, values unescaped. */
    private static Map<String, String> labels(String text, String where) {
        Map<String, String> labels = new TreeMap<>();
        if (text == null) {
            return labels;
        }
        int at = 1;
        int end = text.length() - 1;
        while (at < end) {
            int equals = text.indexOf('=', at);
            if (equals < 0) {
                throw new IllegalArgumentException(where + "a label without =");
            }
            String name = text.substring(at, equals);
            if (!LABEL_NAME.matcher(name).matches() || name.startsWith("__")) {
                throw new IllegalArgumentException(where + "bad label name '" + name + "'");
            }
            if (equals + 1 >= end || text.charAt(equals + 1) != '"') {
                throw new IllegalArgumentException(where + "a label value is quoted");
            }
            StringBuilder value = new StringBuilder();
            int i = equals + 2;
            for (;; i++) {
                if (i >= end) {
                    throw new IllegalArgumentException(where + "an unclosed label value");
                }
                char c = text.charAt(i);
                if (c == '"') {
                    break;
                }
                if (c == '\\') {
                    char escaped = i + 1 < end ? text.charAt(++i) : ' ';
                    switch (escaped) {
                        case '\\' -> value.append('\\');
                        case '"' -> value.append('"');
                        case 'n' -> value.append('\n');
                        default -> throw new IllegalArgumentException(where + "a bad escape in a label value");
                    }
                } else {
                    value.append(c);
                }
            }
            if (labels.put(name, value.toString()) != null) {
                throw new IllegalArgumentException(where + "label " + name + " twice");
            }
            at = i + 1;
            if (at < end) {
                if (text.charAt(at) != ',' || at + 1 >= end) {
                    throw new IllegalArgumentException(where + "labels are separated by single commas");
                }
                at++;
            }
        }
        return labels;
    }

    private static String unescapeHelp(String text, String where) {
        StringBuilder help = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c != '\\') {
                help.append(c);
            } else if (i + 1 < text.length() && text.charAt(i + 1) == '\\') {
                help.append('\\');
                i++;
            } else if (i + 1 < text.length() && text.charAt(i + 1) == 'n') {
                help.append('\n');
                i++;
            } else {
                throw new IllegalArgumentException(where + "a bad escape in a help text");
            }
        }
        return help.toString();
    }

    private static double number(String text, String where) {
        if (!NUMBER.matcher(text).matches()) {
            throw new IllegalArgumentException(where + "not a number: " + text);
        }
        return text.endsWith("Inf") ? (text.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY)
                : Double.parseDouble(text);
    }
}
