package org.parley.protocol;

import org.bouncycastle.crypto.agreement.X25519Agreement;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.params.HKDFParameters;
import org.bouncycastle.crypto.params.X25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.X25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * The tunnel: a channel from a browser to the server, end to end, inside a WebSocket that a bridge
 * ({@code parley proxy}) relays. The CLI runs its own TLS to the server inside the bridge's; a
 * browser cannot, so it runs this inside a WebSocket to the bridge instead, and the bridge relays
 * records it cannot read or alter. Both sides implement this text (web/src/core/net/tunnel.ts is
 * the browser's).
 *
 * <p><b>Handshake</b>, one binary WebSocket message each way at the WebSocket path followed by
 * {@link #PATH_SUFFIX}; the server authenticates as in TLS 1.3 (a signature over both key shares),
 * the client stays anonymous here and signs in inside, as on any connection:
 * <pre>
 *   ClientHello = VERSION (1 byte) || client_share          X25519 public key, RFC 7748, 32 bytes
 *   ServerHello = VERSION || server_share || signature      Ed25519, RFC 8032, 64 bytes
 *   signature   = Sign(server key, "parley-v1-tunnel" || client_share || server_share)
 *   shared      = X25519(own private key, the other's share)      all zero: refused (RFC 7748 section 6.1)
 *   prk         = HKDF-Extract(SHA-256, salt = client_share || server_share, shared)            RFC 5869
 *   client_to_server = HKDF-Expand(prk, "parley-v1-tunnel client", 44)   AES-256-GCM key (32) || IV (12)
 *   server_to_client = HKDF-Expand(prk, "parley-v1-tunnel server", 44)
 * </pre>
 * The server key is the one every Challenge carries, which the client pinned at registration (a
 * browser also reads it from the page its server served); both shares are fresh for each tunnel,
 * so recorded tunnels stay closed if that key leaks later, and a replayed ClientHello meets a new
 * server share under which the old records do not open.
 *
 * <p><b>Records</b>: every later message is {@code AES-256-GCM(key, nonce, plaintext)} with empty
 * associated data, where nonce is the IV XOR the record's sequence number (64 bits, big-endian, in
 * the last 8 bytes), counted from 0 in each direction, as TLS 1.3's record layer (RFC 8446 section
 * 5.3): a dropped, repeated, reordered or altered record does not open, and ends the tunnel. A
 * record's plaintext is its type (1 byte) and body:
 * <ul>
 *   <li>{@link #OPEN_SESSION} (client, first record, empty): the tunnel carries one session, as a
 *       WebSocket at the WebSocket path would; every later record is a {@link #FRAME} holding one
 *       ClientFrame (from the client) or ServerFrame (from the server);</li>
 *   <li>{@link #HTTP_HEAD} (client, first record): one HTTP exchange with the attachment paths; the
 *       body is a {@code TunnelHttpHead} with the request, then the request's body in
 *       {@link #HTTP_BODY} records of at most {@link #MAX_BODY_RECORD_BYTES} and {@link #HTTP_END};
 *       the server answers likewise with the response's head, body and end, and closes.</li>
 * </ul>
 */
public final class Tunnel {
    public static final byte VERSION = 1;
    /** What the WebSocket path is followed by to reach the tunnel: /v1/ws/tunnel by default. */
    public static final String PATH_SUFFIX = "/tunnel";
    public static final int SHARE_BYTES = X25519PublicKeyParameters.KEY_SIZE;
    public static final int SIGNATURE_BYTES = Ed25519PrivateKeyParameters.SIGNATURE_SIZE;
    public static final int CLIENT_HELLO_BYTES = 1 + SHARE_BYTES;
    public static final int SERVER_HELLO_BYTES = 1 + SHARE_BYTES + SIGNATURE_BYTES;
    public static final int TAG_BYTES = 16;

    public static final byte OPEN_SESSION = 1;
    public static final byte HTTP_HEAD = 2;
    public static final byte HTTP_BODY = 3;
    public static final byte HTTP_END = 4;
    public static final byte FRAME = 5;

    /** The largest HTTP_BODY record's body. */
    public static final int MAX_BODY_RECORD_BYTES = 64 * 1024;
    /** The largest record's plaintext: a FRAME holding the largest client frame. */
    public static final int MAX_PLAINTEXT_BYTES = 1 + Limits.MAX_CLIENT_FRAME_BYTES;
    /** The largest record as sent. */
    public static final int MAX_RECORD_BYTES = MAX_PLAINTEXT_BYTES + TAG_BYTES;

    private static final byte[] SIGNATURE_LABEL = ascii("parley-v1-tunnel");
    private static final byte[] CLIENT_LABEL = ascii("parley-v1-tunnel client");
    private static final byte[] SERVER_LABEL = ascii("parley-v1-tunnel server");
    private static final int KEY_BYTES = 32;
    private static final int IV_BYTES = 12;

    private Tunnel() {
    }

    /** The server's answer to a ClientHello, and its two directions. */
    public static final class Accepted {
        private final byte[] serverHello;
        private final Sealer toClient;
        private final Opener fromClient;

        private Accepted(byte[] serverHello, Sealer toClient, Opener fromClient) {
            this.serverHello = serverHello;
            this.toClient = toClient;
            this.fromClient = fromClient;
        }

        public byte[] serverHello() {
            return serverHello.clone();
        }

        public Sealer toClient() {
            return toClient;
        }

        public Opener fromClient() {
            return fromClient;
        }
    }

    /** The client's two directions once the server has answered. */
    public record ClientKeys(Sealer toServer, Opener fromServer) {
    }

    /**
     * The server's side of the handshake.
     *
     * @throws IllegalArgumentException when {@code clientHello} is not one (length, version, a share of low order)
     */
    public static Accepted accept(byte[] clientHello, Ed25519PrivateKeyParameters serverKey, SecureRandom random) {
        if (clientHello.length != CLIENT_HELLO_BYTES || clientHello[0] != VERSION) {
            throw new IllegalArgumentException("not a tunnel ClientHello (" + clientHello.length + " bytes)");
        }
        byte[] clientShare = Arrays.copyOfRange(clientHello, 1, CLIENT_HELLO_BYTES);
        X25519PrivateKeyParameters own = new X25519PrivateKeyParameters(random);
        byte[] serverShare = own.generatePublicKey().getEncoded();
        byte[] prk = extract(own, clientShare, clientShare, serverShare);
        Ed25519Signer signer = new Ed25519Signer();
        signer.init(true, serverKey);
        byte[] signed = signedContent(clientShare, serverShare);
        signer.update(signed, 0, signed.length);
        byte[] hello = new byte[SERVER_HELLO_BYTES];
        hello[0] = VERSION;
        System.arraycopy(serverShare, 0, hello, 1, SHARE_BYTES);
        System.arraycopy(signer.generateSignature(), 0, hello, 1 + SHARE_BYTES, SIGNATURE_BYTES);
        return new Accepted(hello, new Sealer(expand(prk, SERVER_LABEL)), new Opener(expand(prk, CLIENT_LABEL)));
    }

    /** The client's side of the handshake: its hello, then the keys once the server's hello checks out. */
    public static final class ClientHandshake {
        private final X25519PrivateKeyParameters own;
        private final byte[] share;

        public ClientHandshake(SecureRandom random) {
            this.own = new X25519PrivateKeyParameters(random);
            this.share = own.generatePublicKey().getEncoded();
        }

        public byte[] hello() {
            byte[] hello = new byte[CLIENT_HELLO_BYTES];
            hello[0] = VERSION;
            System.arraycopy(share, 0, hello, 1, SHARE_BYTES);
            return hello;
        }

        /**
         * @param serverKey the server's Ed25519 key as pinned
         * @throws IllegalArgumentException when {@code serverHello} is malformed or not signed by {@code serverKey}
         */
        public ClientKeys finish(byte[] serverHello, byte[] serverKey) {
            if (serverHello.length != SERVER_HELLO_BYTES || serverHello[0] != VERSION) {
                throw new IllegalArgumentException("not a tunnel ServerHello (" + serverHello.length + " bytes)");
            }
            byte[] serverShare = Arrays.copyOfRange(serverHello, 1, 1 + SHARE_BYTES);
            byte[] signature = Arrays.copyOfRange(serverHello, 1 + SHARE_BYTES, SERVER_HELLO_BYTES);
            if (!verify(serverKey, signedContent(share, serverShare), signature)) {
                throw new IllegalArgumentException("the tunnel's ServerHello is not signed by the server's pinned key");
            }
            byte[] prk = extract(own, serverShare, share, serverShare);
            return new ClientKeys(new Sealer(expand(prk, CLIENT_LABEL)), new Opener(expand(prk, SERVER_LABEL)));
        }
    }

    /** One direction's sending side: seals records in order. Not thread-safe. */
    public static final class Sealer {
        private final Direction direction;

        private Sealer(byte[] keyAndIv) {
            this.direction = new Direction(keyAndIv, Cipher.ENCRYPT_MODE);
        }

        /** The record of {@code type} with {@code body[offset, offset + length)}. */
        public byte[] seal(byte type, byte[] body, int offset, int length) {
            if (length > MAX_PLAINTEXT_BYTES - 1) {
                throw new IllegalArgumentException("a tunnel record holds at most " + (MAX_PLAINTEXT_BYTES - 1) + " bytes, not " + length);
            }
            Cipher cipher = direction.next();
            byte[] record = new byte[cipher.getOutputSize(1 + length)];
            try {
                int written = cipher.update(new byte[] {type}, 0, 1, record, 0);
                cipher.doFinal(body, offset, length, record, written);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("the JDK's AES-256-GCM failed", e);
            }
            return record;
        }

        public byte[] seal(byte type, byte[] body) {
            return seal(type, body, 0, body.length);
        }
    }

    /** One direction's receiving side: opens records in order. Not thread-safe. */
    public static final class Opener {
        private final Direction direction;

        private Opener(byte[] keyAndIv) {
            this.direction = new Direction(keyAndIv, Cipher.DECRYPT_MODE);
        }

        /**
         * The next record's plaintext: its type, then its body.
         *
         * @throws IllegalArgumentException when it does not open (altered, out of order, too large or too short); the
         *                                  tunnel should end, since every later record would fail too
         */
        public byte[] open(byte[] record, int offset, int length) {
            if (length < 1 + TAG_BYTES || length > MAX_RECORD_BYTES) {
                throw new IllegalArgumentException("a tunnel record of " + length + " bytes is out of bounds");
            }
            try {
                return direction.next().doFinal(record, offset, length);
            } catch (AEADBadTagException e) {
                throw new IllegalArgumentException("a tunnel record does not open (altered, or out of order)");
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("the JDK's AES-256-GCM failed", e);
            }
        }

        public byte[] open(byte[] record) {
            return open(record, 0, record.length);
        }
    }

    /** A key, its IV and the next sequence number (RFC 8446 section 5.3). */
    private static final class Direction {
        private final SecretKeySpec key;
        private final byte[] iv;
        private final int mode;
        private long sequence;

        Direction(byte[] keyAndIv, int mode) {
            this.key = new SecretKeySpec(keyAndIv, 0, KEY_BYTES, "AES");
            this.iv = Arrays.copyOfRange(keyAndIv, KEY_BYTES, KEY_BYTES + IV_BYTES);
            this.mode = mode;
            Arrays.fill(keyAndIv, (byte) 0);
        }

        Cipher next() {
            if (sequence == -1L) {
                throw new IllegalStateException("a tunnel ran out of sequence numbers");
            }
            byte[] nonce = iv.clone();
            for (int i = 0; i < Long.BYTES; i++) {
                nonce[IV_BYTES - 1 - i] ^= (byte) (sequence >>> (8 * i));
            }
            sequence++;
            try {
                Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
                cipher.init(mode, key, new GCMParameterSpec(TAG_BYTES * 8, nonce));
                return cipher;
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("the JDK has no AES-256-GCM", e);
            }
        }
    }

    private static byte[] extract(X25519PrivateKeyParameters own, byte[] otherShare, byte[] clientShare, byte[] serverShare) {
        byte[] shared = new byte[SHARE_BYTES];
        try {
            X25519Agreement agreement = new X25519Agreement();
            agreement.init(own);
            agreement.calculateAgreement(new X25519PublicKeyParameters(otherShare, 0), shared, 0);
        } catch (IllegalStateException e) {
            // BouncyCastle refuses an all-zero result: the other share was of low order.
            throw new IllegalArgumentException("the tunnel's key share is not usable (low order)");
        }
        byte[] salt = Arrays.copyOf(clientShare, 2 * SHARE_BYTES);
        System.arraycopy(serverShare, 0, salt, SHARE_BYTES, SHARE_BYTES);
        HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
        byte[] prk = hkdf.extractPRK(salt, shared);
        Arrays.fill(shared, (byte) 0);
        return prk;
    }

    private static byte[] expand(byte[] prk, byte[] label) {
        HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
        hkdf.init(HKDFParameters.skipExtractParameters(prk, label));
        byte[] keyAndIv = new byte[KEY_BYTES + IV_BYTES];
        hkdf.generateBytes(keyAndIv, 0, keyAndIv.length);
        return keyAndIv;
    }

    private static byte[] signedContent(byte[] clientShare, byte[] serverShare) {
        byte[] content = Arrays.copyOf(SIGNATURE_LABEL, SIGNATURE_LABEL.length + 2 * SHARE_BYTES);
        System.arraycopy(clientShare, 0, content, SIGNATURE_LABEL.length, SHARE_BYTES);
        System.arraycopy(serverShare, 0, content, SIGNATURE_LABEL.length + SHARE_BYTES, SHARE_BYTES);
        return content;
    }

    private static boolean verify(byte[] serverKey, byte[] content, byte[] signature) {
        if (serverKey.length != ServerAnnouncements.KEY_BYTES) {
            return false;
        }
        try {
            Ed25519Signer verifier = new Ed25519Signer();
            verifier.init(false, new Ed25519PublicKeyParameters(serverKey, 0));
            verifier.update(content, 0, content.length);
            return verifier.verifySignature(signature);
        } catch (RuntimeException e) {
            return false; // a key that does not decode
        }
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}
