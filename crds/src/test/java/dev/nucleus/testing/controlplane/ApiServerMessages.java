package dev.nucleus.testing.controlplane;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Translates an {@code # expect:} line of a bad manifest into the text the real API server prints for the same
 * violation. CEL lines keep their path and message; a schema message this class does not know is an error, so a
 * new kind of expectation cannot pass unchecked.
 */
final class ApiServerMessages {

    private static final Pattern SCHEMA = Pattern.compile("^\\$(?<path>\\S*): (?<message>.+)$");
    private static final Pattern NUMBER = Pattern.compile("(-?\\d+)");
    /** kube-apiserver 1.35 omits the value of an object or array field a CEL rule refused ("Invalid value: msg"). */
    private static final Pattern COMPOSITE_VALUE = Pattern.compile(": Invalid value: \"(object|array)\": ");

    private ApiServerMessages() {}

    static String expected(String expectLine) {
        Matcher m = SCHEMA.matcher(expectLine);
        if (!m.matches()) {
            return COMPOSITE_VALUE.matcher(expectLine).replaceFirst(": Invalid value: ");
        }
        String path = m.group("path").startsWith(".") ? m.group("path").substring(1) : m.group("path");
        String message = m.group("message");
        if (message.startsWith("does not match the regex pattern")) {
            return path + " in body should match";
        }
        if (message.startsWith("must have a maximum value of")) {
            return path + " in body should be less than or equal to " + number(message);
        }
        if (message.startsWith("must have a minimum value of")) {
            return path + " in body should be greater than or equal to " + number(message);
        }
        if (message.startsWith("must have at least")) {
            return path + " in body should have at least " + number(message) + " items";
        }
        if (message.startsWith("does not have a value in the enumeration")) {
            return path + ": Unsupported value:";
        }
        Matcher type = Pattern.compile("^(\\w+) found, (\\w+) expected$").matcher(message);
        if (type.matches()) {
            return path + " in body must be of type " + type.group(2);
        }
        Matcher required = Pattern.compile("^required property '([^']+)' not found$").matcher(message);
        if (required.matches()) {
            return child(path, required.group(1)) + ": Required value";
        }
        Matcher unknown = Pattern.compile("^property '([^']+)' is not defined in the schema$").matcher(message);
        if (unknown.matches()) {
            return "unknown field \"" + child(path, unknown.group(1)) + "\"";
        }
        throw new IllegalArgumentException("no API server wording known for expectation: " + expectLine);
    }

    private static String child(String path, String name) {
        return path.isEmpty() ? name : path + "." + name;
    }

    private static String number(String message) {
        Matcher m = NUMBER.matcher(message);
        if (!m.find()) {
            throw new IllegalArgumentException("no number in: " + message);
        }
        return m.group(1);
    }
}
