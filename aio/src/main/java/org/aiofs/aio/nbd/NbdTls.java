package org.aiofs.aio.nbd;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * TLS for NBD with the JDK's own implementation (x509 only). The server's certificate is
 * checked against the CA in {@code tls-certificates=DIR/ca-cert.pem} (the layout qemu-nbd,
 * nbdkit and libnbd use), or the JDK's trusted CAs, and against the host name
 * ({@code tls-hostname} overrides it); {@code tls-verify-peer=0} checks nothing. A client
 * certificate is presented when DIR holds {@code client-cert.pem} and {@code client-key.pem} (PKCS#8).
 */
final class NbdTls {
    private NbdTls() {
    }

    /** Runs the TLS handshake over {@code plain}, which the returned socket then owns. */
    static TlsTransport upgrade(SocketTransport plain, NbdUri uri) throws IOException {
        SSLContext context;
        try {
            context = context(uri);
        } catch (GeneralSecurityException e) {
            throw new IOException(uri + ": TLS credentials in " + uri.tlsCertificates() + " unusable: "
                    + e.getMessage(), e);
        }
        Socket under = plain.socket();
        SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(under, uri.tlsName(), uri.port(), true);
        SSLParameters params = tls.getSSLParameters();
        params.setProtocols(new String[] {"TLSv1.3", "TLSv1.2"}); // the protocol asks for 1.2 at least
        if (uri.verifyPeer()) {
            params.setEndpointIdentificationAlgorithm("HTTPS"); // the name must be in the certificate
        }
        tls.setSSLParameters(params);
        tls.setUseClientMode(true);
        tls.startHandshake();
        return new TlsTransport(tls, "TLS over " + plain.describe());
    }

    private static SSLContext context(NbdUri uri) throws GeneralSecurityException, IOException {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keyManagers(uri.tlsCertificates()), trustManagers(uri), null);
        return context;
    }

    private static TrustManager[] trustManagers(NbdUri uri) throws GeneralSecurityException, IOException {
        if (!uri.verifyPeer()) {
            return new TrustManager[] {new TrustingEveryone()};
        }
        Path dir = uri.tlsCertificates();
        if (dir == null) {
            return null; // the JDK's default trust store
        }
        Path ca = dir.resolve("ca-cert.pem");
        if (!Files.isReadable(ca)) {
            throw new IOException(uri + ": tls-certificates=" + dir + " holds no readable ca-cert.pem");
        }
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        int i = 0;
        for (Certificate c : certificates(ca)) {
            store.setCertificateEntry("ca-" + i++, c);
        }
        if (i == 0) {
            throw new IOException(ca + ": no certificate in it");
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(store);
        return factory.getTrustManagers();
    }

    private static KeyManager[] keyManagers(Path dir) throws GeneralSecurityException, IOException {
        if (dir == null) {
            return null;
        }
        Path certFile = dir.resolve("client-cert.pem");
        Path keyFile = dir.resolve("client-key.pem");
        if (!Files.isReadable(certFile) || !Files.isReadable(keyFile)) {
            return null;
        }
        List<Certificate> chain = new ArrayList<>(certificates(certFile));
        PrivateKey key = privateKey(keyFile, chain.isEmpty() ? null : chain.get(0).getPublicKey().getAlgorithm());
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        char[] none = new char[0];
        store.setKeyEntry("client", key, none, chain.toArray(Certificate[]::new));
        KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        factory.init(store, none);
        return factory.getKeyManagers();
    }

    private static Collection<? extends Certificate> certificates(Path pem)
            throws GeneralSecurityException, IOException {
        try (InputStream in = Files.newInputStream(pem)) {
            return CertificateFactory.getInstance("X.509").generateCertificates(in);
        }
    }

    private static PrivateKey privateKey(Path pem, String algorithm) throws GeneralSecurityException, IOException {
        String text = Files.readString(pem, StandardCharsets.US_ASCII);
        String begin = "-----BEGIN PRIVATE KEY-----";
        int start = text.indexOf(begin);
        int end = text.indexOf("-----END PRIVATE KEY-----");
        if (start < 0 || end < start) {
            throw new GeneralSecurityException(pem + " is not a PKCS#8 PEM key (convert it: openssl pkcs8 -topk8"
                    + " -nocrypt -in KEY -out " + pem.getFileName() + ")");
        }
        byte[] der = Base64.getMimeDecoder().decode(text.substring(start + begin.length(), end));
        return KeyFactory.getInstance(algorithm == null ? "RSA" : algorithm).generatePrivate(
                new PKCS8EncodedKeySpec(der));
    }

    /** tls-verify-peer=0: the user chose encryption without authentication. */
    private static final class TrustingEveryone implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
