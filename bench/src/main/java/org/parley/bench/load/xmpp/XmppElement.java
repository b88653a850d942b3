package org.parley.bench.load.xmpp;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One top-level element of an XMPP stream (RFC 6120 §4.1): a stanza such as {@code <message>}, or
 * stream-level {@code <stream:features>}, {@code <success>}, {@code <stream:error>}. Kept as its raw
 * XML; the few lookups the load generator needs are shallow string searches, not a DOM.
 */
public record XmppElement(String name, String xml) {

    private static final Pattern BODY = Pattern.compile("<body(?:\\s[^>]*)?>([^<]*)</body>");

    /** The value of attribute {@code attribute} on the element's own start tag, unescaped. */
    public Optional<String> attribute(String attribute) {
        int end = startTagEnd();
        Matcher m = Pattern.compile("\\s" + Pattern.quote(attribute) + "\\s*=\\s*(?:'([^']*)'|\"([^\"]*)\")")
                .matcher(xml).region(0, end);
        if (!m.find()) {
            return Optional.empty();
        }
        return Optional.of(unescape(m.group(1) != null ? m.group(1) : m.group(2)));
    }

    /** The unescaped text of the first {@code <body>} child, if there is one. */
    public Optional<String> body() {
        Matcher m = BODY.matcher(xml);
        return m.find() ? Optional.of(unescape(m.group(1))) : Optional.empty();
    }

    /** Whether the element's XML mentions {@code text} anywhere (e.g. a mechanism name). */
    public boolean contains(String text) {
        return xml.contains(text);
    }

    private int startTagEnd() {
        char quote = 0;
        for (int i = 0; i < xml.length(); i++) {
            char c = xml.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '>') {
                return i;
            }
        }
        return xml.length();
    }

    /** Replaces the five predefined entities and character references (XML 1.0 §4.6, §4.1). */
    static String unescape(String text) {
        if (text.indexOf('&') < 0) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length());
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            int semi;
            if (c != '&' || (semi = text.indexOf(';', i)) < 0) {
                out.append(c);
                i++;
                continue;
            }
            String entity = text.substring(i + 1, semi);
            switch (entity) {
                case "lt" -> out.append('<');
                case "gt" -> out.append('>');
                case "amp" -> out.append('&');
                case "quot" -> out.append('"');
                case "apos" -> out.append('\'');
                default -> {
                    int codePoint = characterReference(entity);
                    if (codePoint >= 0) {
                        out.appendCodePoint(codePoint);
                    } else {
                        out.append(text, i, semi + 1); // not a reference: keep it as it came
                    }
                }
            }
            i = semi + 1;
        }
        return out.toString();
    }

    /** The code point of {@code #NN} or {@code #xHH}, or -1 when it is not a valid reference. */
    private static int characterReference(String entity) {
        try {
            int codePoint = entity.startsWith("#x") || entity.startsWith("#X")
                    ? Integer.parseInt(entity.substring(2), 16)
                    : entity.startsWith("#") ? Integer.parseInt(entity.substring(1)) : -1;
            return Character.isValidCodePoint(codePoint) ? codePoint : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** XML-escapes text for an attribute value or element content. */
    public static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length() + 8);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '\'' -> out.append("&apos;");
                case '"' -> out.append("&quot;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
