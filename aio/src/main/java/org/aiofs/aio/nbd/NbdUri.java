package org.aiofs.aio.nbd;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An NBD URI as the NBD project's standard spells it (doc/uri.md): {@code nbd://HOST[:PORT]/EXPORT},
 * {@code nbds://...} (TLS required), {@code nbd+unix:///EXPORT?socket=PATH} and {@code nbds+unix}.
 * The export name is the path without its leading slash, percent-decoded.
 *
 * <p>Query parameters: {@code socket}; the TLS ones {@code tls-type} (only x509), {@code tls-hostname},
 * {@code tls-verify-peer} (0 or 1) and {@code tls-certificates} (libnbd's: a directory holding
 * {@code ca-cert.pem}); and aiofs's experimental ones, prefixed {@code x-} as the standard asks:
 * {@code x-connections=N} (connections when the server allows multi-conn) and
 * {@code x-reconnect-delay=SECONDS} (how long requests wait for a lost connection to come back).
 * Anything else is refused, as the standard asks a parser to diagnose what it does not understand.
 */
public record NbdUri(String text, boolean tls, boolean unix, String host, int port, Path socket, String export,
                     String tlsHostname, boolean verifyPeer, Path tlsCertificates, int connections,
                     int reconnectDelaySeconds) {
    public static final int DEFAULT_PORT = 10809;
    /** Connections opened when the server allows multi-conn and the URI does not say. */
    public static final int DEFAULT_CONNECTIONS = 4;
    public static final int MAX_CONNECTIONS = 16;
    public static final int DEFAULT_RECONNECT_DELAY_SECONDS = 30;
    private static final java.util.regex.Pattern SCHEME =
            java.util.regex.Pattern.compile("(?i)nbds?(\\+[a-z0-9]+)?://");

    /** Whether {@code text} is meant as an NBD URI (by its scheme), not a file name. */
    public static boolean isNbdUri(String text) {
        return SCHEME.matcher(text).lookingAt();
    }

    /** Parses a URI; every mistake is an {@link IllegalArgumentException} with one line saying what is wrong. */
    public static NbdUri parse(String text) {
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(text + ": not a valid URI: " + e.getReason()
                    + (e.getIndex() >= 0 ? " at index " + e.getIndex() : ""));
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
        boolean tls;
        boolean unix;
        switch (scheme) {
            case "nbd" -> { tls = false; unix = false; }
            case "nbds" -> { tls = true; unix = false; }
            case "nbd+unix" -> { tls = false; unix = true; }
            case "nbds+unix" -> { tls = true; unix = true; }
            default -> throw new IllegalArgumentException(text + ": scheme '" + scheme + "' is not supported"
                    + " (nbd, nbds, nbd+unix, nbds+unix)");
        }
        if (uri.getRawFragment() != null) {
            throw new IllegalArgumentException(text + ": an NBD URI has no #fragment");
        }
        if (uri.getRawUserInfo() != null) {
            throw new IllegalArgumentException(text + ": user names in NBD URIs serve TLS-PSK, which aiofs does"
                    + " not support");
        }
        String path = uri.getPath() == null ? "" : uri.getPath();
        String export = path.startsWith("/") ? path.substring(1) : path;
        if (export.indexOf('\0') >= 0 || export.getBytes(StandardCharsets.UTF_8).length > 4096) {
            throw new IllegalArgumentException(text + ": the export name must have no NUL and at most 4096 bytes");
        }
        Map<String, String> query = query(text, uri.getRawQuery());

        String host = null;
        int port = DEFAULT_PORT;
        Path socket = null;
        if (unix) {
            if (uri.getRawAuthority() != null && !uri.getRawAuthority().isEmpty()) {
                throw new IllegalArgumentException(text + ": a Unix socket URI names no host:"
                        + " nbd+unix:///EXPORT?socket=PATH");
            }
            String s = query.remove("socket");
            if (s == null || s.isEmpty()) {
                throw new IllegalArgumentException(text + ": nbd+unix needs ?socket=PATH");
            }
            if (s.startsWith("\0")) {
                throw new IllegalArgumentException(text + ": abstract Unix sockets are not supported");
            }
            socket = Path.of(s);
        } else {
            if (uri.getHost() == null || uri.getHost().isEmpty()) {
                throw new IllegalArgumentException(text + ": no host given (nbd://HOST[:PORT]/EXPORT)");
            }
            host = uri.getHost();
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            if (uri.getPort() >= 0) {
                port = uri.getPort();
                if (port == 0 || port > 65535) {
                    throw new IllegalArgumentException(text + ": port " + port + " is out of range");
                }
            }
            if (query.containsKey("socket")) {
                throw new IllegalArgumentException(text + ": socket= is for nbd+unix URIs");
            }
        }
        String tlsType = query.remove("tls-type");
        if (tlsType != null && !tlsType.equals("x509")) {
            throw new IllegalArgumentException(text + ": tls-type=" + tlsType + " is not supported (only x509:"
                    + " Java's TLS has no PSK or anonymous mode)");
        }
        String tlsHostname = query.remove("tls-hostname");
        boolean verifyPeer = flag(text, "tls-verify-peer", query.remove("tls-verify-peer"), true);
        String certificates = query.remove("tls-certificates");
        int connections = number(text, "x-connections", query.remove("x-connections"), 0, 1, MAX_CONNECTIONS);
        int delay = number(text, "x-reconnect-delay", query.remove("x-reconnect-delay"),
                DEFAULT_RECONNECT_DELAY_SECONDS, 0, 3600);
        if (!query.isEmpty()) {
            throw new IllegalArgumentException(text + ": unknown query parameter '" + query.keySet().iterator().next()
                    + "' (known: socket, tls-type, tls-hostname, tls-verify-peer, tls-certificates, x-connections,"
                    + " x-reconnect-delay)");
        }
        return new NbdUri(text, tls, unix, host, port, socket, export, tlsHostname, verifyPeer,
                certificates == null ? null : Path.of(certificates), connections, delay);
    }

    /**
     * The export {@code name} names relative to this one, as QEMU resolves a backing file name
     * against an image's URL: the same server, the export name's last component replaced.
     */
    public NbdUri sibling(String name) {
        int slash = export.lastIndexOf('/');
        String exportName = (slash < 0 ? "" : export.substring(0, slash + 1)) + name;
        try {
            String scheme = new URI(text).getScheme();
            String authority = unix ? "" : new URI(text).getRawAuthority();
            String encoded = new URI(null, null, "/" + exportName, null).getRawPath();
            String query = new URI(text).getRawQuery();
            return parse(scheme + "://" + authority + encoded + (query == null ? "" : "?" + query));
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(text + ": export name '" + exportName + "' cannot form a URI", e);
        }
    }

    /** Where to connect, for messages: host:port or the socket path. */
    public String endpoint() {
        return unix ? socket.toString() : (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    /** The name TLS checks the server's certificate against. */
    public String tlsName() {
        return tlsHostname != null ? tlsHostname : host;
    }

    @Override
    public String toString() {
        return text;
    }

    private static Map<String, String> query(String text, String raw) {
        Map<String, String> out = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String key = decode(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
            if (out.put(key, value) != null) {
                throw new IllegalArgumentException(text + ": query parameter '" + key + "' given twice");
            }
        }
        return out;
    }

    /** Percent-decoding as RFC 3986 has it: '+' stays a plus. */
    private static String decode(String s) {
        return java.net.URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static boolean flag(String text, String key, String value, boolean otherwise) {
        if (value == null) {
            return otherwise;
        }
        return switch (value) {
            case "1", "on", "true", "yes" -> true;
            case "0", "off", "false", "no" -> false;
            default -> throw new IllegalArgumentException(text + ": " + key + " must be 0 or 1, not '" + value + "'");
        };
    }

    private static int number(String text, String key, String value, int otherwise, int min, int max) {
        if (value == null) {
            return otherwise;
        }
        try {
            int n = Integer.parseInt(value);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // the message below says what is allowed
        }
        throw new IllegalArgumentException(text + ": " + key + " must be a number from " + min + " to " + max
                + ", not '" + value + "'");
    }
}
