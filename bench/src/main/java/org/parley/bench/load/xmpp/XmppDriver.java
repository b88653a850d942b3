package org.parley.bench.load.xmpp;

import org.parley.bench.load.ClientSession;
import org.parley.bench.load.LoadDriver;
import org.parley.bench.load.LoadMetrics;

import java.net.InetSocketAddress;
import java.net.URI;

/**
 * Drives an XMPP server (ejabberd from {@code ../shared/peers/ejabberd.sh}) with the same load as
 * Parley: client {@code i} logs in as {@code <prefix>(i+1)@domain} over a plain c2s stream with SASL
 * PLAIN (RFC 6120 §6, RFC 4616), binds a resource and sends {@code <message type='chat'>} stanzas
 * whose body is the load payload. XMPP has no per-message fan-out to a list of recipients, so a
 * group message is one stanza per other member.
 */
public final class XmppDriver implements LoadDriver {

    private final InetSocketAddress server;
    private final XmppAccounts accounts;

    public XmppDriver(InetSocketAddress server, XmppAccounts accounts) {
        this.server = server;
        this.accounts = accounts;
    }

    /** The driver for {@code xmpp://HOST:PORT}. */
    public static XmppDriver forUri(URI uri, XmppAccounts accounts) {
        if (!"xmpp".equals(uri.getScheme()) || uri.getHost() == null) {
            throw new IllegalArgumentException("--peer must look like xmpp://127.0.0.1:5222, got " + uri);
        }
        return new XmppDriver(new InetSocketAddress(uri.getHost(), uri.getPort() > 0 ? uri.getPort() : 5222), accounts);
    }

    @Override
    public String name() {
        return "ejabberd";
    }

    @Override
    public InetSocketAddress server() {
        return server;
    }

    @Override
    public ClientSession newSession(int index, LoadMetrics metrics) {
        return new XmppSession(index, metrics, accounts);
    }

    /** Account naming on the XMPP server: users {@code prefix1..prefixN} with one password. */
    public record XmppAccounts(String domain, String userPrefix, String password) {

        /** The local part of client {@code index}'s account. */
        public String user(int index) {
            return userPrefix + (index + 1);
        }

        /** The bare JID of client {@code index}. */
        public String jid(int index) {
            return user(index) + "@" + domain;
        }
    }
}
