package io.splice4j.internal.tls;

import java.util.Locale;

/**
 * Checks a {@code host_name} as RFC 6066 has it: a DNS name in ASCII, IDNs as A-labels, without a
 * trailing dot, and not an IP address. Labels are letters, digits and hyphens (RFC 1123), so a
 * name a router compares or looks up is one that DNS could hold. Public for the forwarder's
 * {@code --sni-route} names, which must be names a ClientHello can carry; the package is not exported.
 */
public final class DnsName {

    private static final int MAX_NAME = 253;
    private static final int MAX_LABEL = 63;

    private DnsName() {
    }

    /**
     * Says what keeps {@code name} from being a host name.
     *
     * @param name the bytes as characters 0 to 255
     * @return why it is none, or null if it is one
     */
    public static String problem(String name) {
        if (name.isEmpty()) {
            return "it is empty";
        }
        if (name.endsWith(".")) {
            return "it ends with a dot";
        }
        if (name.length() > MAX_NAME) {
            return "it is longer than " + MAX_NAME + " characters";
        }
        String label = "";
        int labelStart = 0;
        for (int i = 0; i <= name.length(); i++) {
            if (i == name.length() || name.charAt(i) == '.') {
                label = name.substring(labelStart, i);
                String wrong = labelProblem(label);
                if (wrong != null) {
                    return wrong;
                }
                labelStart = i + 1;
            } else if (!letterDigitOrHyphen(name.charAt(i))) {
                return String.format("it has the byte 0x%02x, not a letter, digit, hyphen or dot", (int) name.charAt(i));
            }
        }
        if (label.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return "its last label is all digits, as in an IP address, which SNI does not allow";
        }
        return null;
    }

    /**
     * Puts a name in the form routers compare: DNS compares names without case.
     *
     * @param name a name {@link #problem} found none in
     * @return it in lower case
     */
    public static String canonical(String name) {
        return name.toLowerCase(Locale.ROOT);
    }

    private static String labelProblem(String label) {
        if (label.isEmpty()) {
            return "it has an empty label";
        }
        if (label.length() > MAX_LABEL) {
            return "a label is longer than " + MAX_LABEL + " characters";
        }
        if (label.startsWith("-") || label.endsWith("-")) {
            return "a label starts or ends with a hyphen";
        }
        return null;
    }

    private static boolean letterDigitOrHyphen(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
    }
}
