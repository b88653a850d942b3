package org.parley.bench.load.xmpp;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;

/**
 * Splits the bytes of an XMPP stream (RFC 6120 §4) into its top-level elements as they complete.
 * The stream header {@code <stream:stream …>} and its end {@code </stream:stream>} are reported as
 * elements named {@code stream:stream} and {@code /stream:stream}; an XML declaration is skipped.
 * It checks what a load client relies on: tags nest and match, no text outside stanzas, no
 * comments, processing instructions or DTDs inside the stream (forbidden by RFC 6120 §11.1), and
 * no element larger than the limit. Anything else is an {@link XmppProtocolException} saying
 * what and at which stream offset.
 */
public final class XmppStreamReader {

    private final int maxElementBytes;
    private byte[] buffer = new byte[4096];
    private int length;
    /** Stream offset of {@code buffer[0]}, for error messages. */
    private long consumed;

    public XmppStreamReader(int maxElementBytes) {
        this.maxElementBytes = maxElementBytes;
    }

    /** Adds received bytes and returns the elements they complete, in order. */
    public List<XmppElement> feed(byte[] bytes, int offset, int count) throws XmppProtocolException {
        ensureCapacity(length + count);
        System.arraycopy(bytes, offset, buffer, length, count);
        length += count;
        List<XmppElement> elements = new ArrayList<>();
        int start = 0;
        while (true) {
            start = skipWhitespace(start);
            if (start >= length) {
                break;
            }
            int end = elementEnd(start);
            if (end < 0) {
                if (length - start > maxElementBytes) {
                    throw new XmppProtocolException("element at stream offset " + (consumed + start)
                            + " exceeds " + maxElementBytes + " bytes without ending");
                }
                break;
            }
            XmppElement element = element(start, end);
            if (element != null) {
                elements.add(element);
            }
            start = end;
        }
        System.arraycopy(buffer, start, buffer, 0, length - start);
        length -= start;
        consumed += start;
        return elements;
    }

    private XmppElement element(int start, int end) {
        String xml = new String(buffer, start, end - start, StandardCharsets.UTF_8);
        if (xml.startsWith("<?")) {
            return null; // the XML declaration
        }
        return xml.startsWith("</") ? new XmppElement("/" + tagName(xml, 2), xml) : new XmppElement(tagName(xml, 1), xml);
    }

    /**
     * The end (exclusive) of the top-level item beginning at {@code start}, or -1 if its bytes
     * have not all arrived.
     */
    private int elementEnd(int start) throws XmppProtocolException {
        if (buffer[start] != '<') {
            throw new XmppProtocolException("text outside any element at stream offset " + (consumed + start));
        }
        if (start + 1 >= length) {
            return -1;
        }
        if (buffer[start + 1] == '?') {
            int close = indexOf("?>", start + 2);
            return close < 0 ? -1 : close + 2;
        }
        Deque<String> open = new ArrayDeque<>();
        int i = start;
        while (i < length) {
            if (buffer[i] != '<') {
                i++; // character data inside an element
                continue;
            }
            if (i + 1 >= length) {
                return -1;
            }
            byte next = buffer[i + 1];
            if (next == '!' || next == '?') {
                throw new XmppProtocolException("comment, processing instruction or DTD at stream offset "
                        + (consumed + i) + " (not allowed in XMPP)");
            }
            int tagEnd = tagEnd(i);
            if (tagEnd < 0) {
                return -1;
            }
            String tag = new String(buffer, i, tagEnd + 1 - i, StandardCharsets.UTF_8);
            if (next == '/') {
                String name = tagName(tag, 2);
                if (open.isEmpty()) {
                    if (i == start && name.equals("stream:stream")) {
                        return tagEnd + 1;
                    }
                    throw new XmppProtocolException("end tag </" + name + "> at stream offset " + (consumed + i)
                            + " closes no open element");
                }
                String expected = open.pop();
                if (!expected.equals(name)) {
                    throw new XmppProtocolException("end tag </" + name + "> at stream offset " + (consumed + i)
                            + " does not match <" + expected + ">");
                }
            } else {
                String name = tagName(tag, 1);
                if (name.isEmpty()) {
                    throw new XmppProtocolException("tag without a name at stream offset " + (consumed + i));
                }
                boolean selfClosing = buffer[tagEnd - 1] == '/';
                if (open.isEmpty() && name.equals("stream:stream")) {
                    if (selfClosing) {
                        throw new XmppProtocolException("self-closed stream header at stream offset " + (consumed + i));
                    }
                    return tagEnd + 1; // the stream header stays open for the whole session
                }
                if (!selfClosing) {
                    open.push(name);
                }
            }
            i = tagEnd + 1;
            if (open.isEmpty()) {
                return i;
            }
        }
        return -1;
    }

    /** Index of the {@code >} that ends the tag starting at {@code from}, skipping quoted values. */
    private int tagEnd(int from) {
        byte quote = 0;
        for (int i = from + 1; i < length; i++) {
            byte b = buffer[i];
            if (quote != 0) {
                if (b == quote) {
                    quote = 0;
                }
            } else if (b == '\'' || b == '"') {
                quote = b;
            } else if (b == '>') {
                return i;
            }
        }
        return -1;
    }

    private static String tagName(String tag, int from) {
        int end = from;
        while (end < tag.length()) {
            char c = tag.charAt(end);
            if (Character.isWhitespace(c) || c == '>' || c == '/') {
                break;
            }
            end++;
        }
        return tag.substring(from, end);
    }

    private int skipWhitespace(int from) {
        int i = from;
        while (i < length && (buffer[i] == ' ' || buffer[i] == '\n' || buffer[i] == '\r' || buffer[i] == '\t')) {
            i++;
        }
        return i;
    }

    private int indexOf(String needle, int from) {
        byte[] n = needle.getBytes(StandardCharsets.US_ASCII);
        outer:
        for (int i = from; i + n.length <= length; i++) {
            for (int j = 0; j < n.length; j++) {
                if (buffer[i + j] != n[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private void ensureCapacity(int needed) {
        if (needed > buffer.length) {
            buffer = Arrays.copyOf(buffer, Math.max(needed, buffer.length * 2));
        }
    }
}
