package org.parley.bench.load.xmpp;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class XmppElementTest {

    @Test
    void unescapesPredefinedEntitiesAndCharacterReferences() {
        assertThat(XmppElement.unescape("a&lt;b&gt;c&amp;d&quot;e&apos;f&#65;&#x42;")).isEqualTo("a<b>c&d\"e'fAB");
    }

    @Test
    void keepsMalformedReferencesAsTheyCame() {
        assertThat(XmppElement.unescape("x&#xZZ;y&#99999999999;z&bogus;&")).isEqualTo("x&#xZZ;y&#99999999999;z&bogus;&");
    }

    @Test
    void escapeAndUnescapeAreInverse() {
        String text = "<a href='x'>\"&\"</a>";
        assertThat(XmppElement.unescape(XmppElement.escape(text))).isEqualTo(text);
    }

    @Test
    void attributesAreReadFromTheStartTagOnly() {
        XmppElement message = new XmppElement("message", "<message type='chat'><x type='other'/><body>b</body></message>");
        assertThat(message.attribute("type")).contains("chat");
        XmppElement bare = new XmppElement("message", "<message><x type='other'/></message>");
        assertThat(bare.attribute("type")).isEmpty();
        assertThat(bare.body()).isEmpty();
    }
}
