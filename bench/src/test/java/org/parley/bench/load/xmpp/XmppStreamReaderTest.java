package org.parley.bench.load.xmpp;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class XmppStreamReaderTest {

    private static final String HEADER = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
            + "xmlns:stream='http://etherx.jabber.org/streams' id='42' from='localhost' version='1.0'>";

    private static List<XmppElement> feed(XmppStreamReader reader, String xml) throws XmppProtocolException {
        byte[] bytes = xml.getBytes(StandardCharsets.UTF_8);
        return reader.feed(bytes, 0, bytes.length);
    }

    private static List<String> names(List<XmppElement> elements) {
        return elements.stream().map(XmppElement::name).toList();
    }

    @Test
    void splitsAStreamIntoHeaderAndTopLevelElements() throws Exception {
        XmppStreamReader reader = new XmppStreamReader(4096);
        List<XmppElement> elements = feed(reader, HEADER
                + "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism>"
                + "</mechanisms></stream:features>\n<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>"
                + "<message to='a@b' type='chat'><body>hi</body></message></stream:stream>");
        assertThat(names(elements)).containsExactly("stream:stream", "stream:features", "success", "message", "/stream:stream");
        assertThat(elements.get(1).contains(">PLAIN<")).isTrue();
        assertThat(elements.get(3).body()).contains("hi");
    }

    @Test
    void elementsSplitAcrossReadsAreReturnedOnceComplete() throws Exception {
        String stream = HEADER + "<message from='u1@localhost/load' type='chat'><body>12&amp;34</body></message><presence/>";
        XmppStreamReader reader = new XmppStreamReader(4096);
        List<XmppElement> all = new ArrayList<>();
        byte[] bytes = stream.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i += 3) { // three bytes at a time, cutting tags and entities
            all.addAll(reader.feed(bytes, i, Math.min(3, bytes.length - i)));
        }
        assertThat(names(all)).containsExactly("stream:stream", "message", "presence");
        assertThat(all.get(1).body()).contains("12&34");
        assertThat(all.get(1).attribute("from")).contains("u1@localhost/load");
    }

    @Test
    void aGreaterThanInsideAQuotedAttributeDoesNotEndTheTag() throws Exception {
        List<XmppElement> elements = feed(new XmppStreamReader(4096), HEADER + "<iq id='a>b' type=\"result\"><x/></iq>");
        assertThat(elements.get(1).attribute("id")).contains("a>b");
        assertThat(elements.get(1).attribute("type")).contains("result");
        assertThat(elements.get(1).attribute("missing")).isEmpty();
    }

    @Test
    void mismatchedEndTagIsRejectedWithItsOffset() {
        assertThatThrownBy(() -> feed(new XmppStreamReader(4096), HEADER + "<message><body>x</message>"))
                .isInstanceOf(XmppProtocolException.class)
                .hasMessageContaining("</message>").hasMessageContaining("<body>").hasMessageContaining("offset");
    }

    @Test
    void textOutsideAnElementIsRejected() {
        assertThatThrownBy(() -> feed(new XmppStreamReader(4096), HEADER + "hello<presence/>"))
                .isInstanceOf(XmppProtocolException.class).hasMessageContaining("text outside");
    }

    @Test
    void commentsAndDoctypesAreRejected() {
        assertThatThrownBy(() -> feed(new XmppStreamReader(4096), HEADER + "<message><!-- hi --></message>"))
                .isInstanceOf(XmppProtocolException.class).hasMessageContaining("not allowed");
        assertThatThrownBy(() -> feed(new XmppStreamReader(4096), "<!DOCTYPE x>"))
                .isInstanceOf(XmppProtocolException.class);
    }

    @Test
    void anEndTagClosingNothingIsRejected() {
        assertThatThrownBy(() -> feed(new XmppStreamReader(4096), HEADER + "</message>"))
                .isInstanceOf(XmppProtocolException.class).hasMessageContaining("closes no open element");
    }

    @Test
    void aNamelessTagIsRejected() {
        assertThatThrownBy(() -> feed(new XmppStreamReader(4096), HEADER + "< >"))
                .isInstanceOf(XmppProtocolException.class).hasMessageContaining("without a name");
    }

    @Test
    void anElementGrowingPastTheLimitIsRejectedBeforeItEnds() throws Exception {
        XmppStreamReader reader = new XmppStreamReader(100);
        feed(reader, HEADER);
        assertThatThrownBy(() -> feed(reader, "<message><body>" + "x".repeat(200)))
                .isInstanceOf(XmppProtocolException.class).hasMessageContaining("exceeds 100 bytes");
    }

    @Test
    void incompleteInputYieldsNothingYet() throws Exception {
        XmppStreamReader reader = new XmppStreamReader(4096);
        feed(reader, HEADER);
        assertThat(feed(reader, "<message><body>half")).isEmpty();
        assertThat(feed(reader, "</body></message>")).hasSize(1);
    }
}
