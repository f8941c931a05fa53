package org.aiofs.aio.nbd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

/** The NBD URI standard's own examples (doc/uri.md), its rules, and the one-line refusals. */
class NbdUriTest {

    @Test
    void exportNamesAsTheStandardsTableGivesThem() {
        assertEquals("disk", NbdUri.parse("nbd://example.com/disk").export());
        assertEquals("disk", NbdUri.parse("nbd+unix:///disk?socket=sock").export());
        assertEquals("", NbdUri.parse("nbd://example.com/").export());
        assertEquals("", NbdUri.parse("nbd://example.com").export());
        assertEquals("/disk", NbdUri.parse("nbd://example.com//disk").export());
        assertEquals("hello world", NbdUri.parse("nbd://example.com/hello%20world").export());
    }

    @Test
    void tcpDefaultsToPort10809AndTakesIpv6Literals() {
        NbdUri plain = NbdUri.parse("nbd://example.com/disk");
        assertEquals("example.com", plain.host());
        assertEquals(10809, plain.port());
        assertFalse(plain.tls());
        assertFalse(plain.unix());
        NbdUri v6 = NbdUri.parse("nbds://[::1]:10810/x");
        assertEquals("::1", v6.host());
        assertEquals(10810, v6.port());
        assertTrue(v6.tls());
        assertEquals("[::1]:10810", v6.endpoint());
    }

    @Test
    void unixSocketsAndTlsParameters() {
        NbdUri u = NbdUri.parse("nbds+unix:///e?socket=/run/n.sock&tls-hostname=srv&tls-verify-peer=0"
                + "&tls-certificates=/etc/pki/nbd&x-connections=2&x-reconnect-delay=5");
        assertTrue(u.unix());
        assertTrue(u.tls());
        assertEquals(Path.of("/run/n.sock"), u.socket());
        assertEquals("srv", u.tlsName());
        assertFalse(u.verifyPeer());
        assertEquals(Path.of("/etc/pki/nbd"), u.tlsCertificates());
        assertEquals(2, u.connections());
        assertEquals(5, u.reconnectDelaySeconds());
        assertNull(NbdUri.parse("nbd://h/e").tlsCertificates());
        assertEquals(NbdUri.DEFAULT_RECONNECT_DELAY_SECONDS, NbdUri.parse("nbd://h/e").reconnectDelaySeconds());
    }

    @Test
    void plusInAQueryValueStaysAPlus() {
        assertEquals(Path.of("/tmp/a+b"), NbdUri.parse("nbd+unix:///?socket=/tmp/a+b").socket());
    }

    @Test
    void recognisesNbdUrisByScheme() {
        assertTrue(NbdUri.isNbdUri("nbd://h/e"));
        assertTrue(NbdUri.isNbdUri("NBD+UNIX:///e?socket=s"));
        assertTrue(NbdUri.isNbdUri("nbds://h"));
        assertTrue(NbdUri.isNbdUri("nbd+vsock://1/e"));
        assertFalse(NbdUri.isNbdUri("/var/lib/nbd://x"));
        assertFalse(NbdUri.isNbdUri("disk.qcow2"));
        assertFalse(NbdUri.isNbdUri("nbd.img"));
    }

    @Test
    void siblingsLiveOnTheSameServer() {
        assertEquals("nbd://h:99/base.qcow2", NbdUri.parse("nbd://h:99/top.qcow2").sibling("base.qcow2").text());
        assertEquals("images/base", NbdUri.parse("nbd://h/images/top").sibling("base").export());
        NbdUri s = NbdUri.parse("nbd+unix:///top?socket=/s").sibling("my base");
        assertEquals("my base", s.export());
        assertEquals(Path.of("/s"), s.socket());
    }

    @Test
    void mistakesAreRefusedWithOneLineNamingThem() {
        assertMessage("scheme 'nbd+vsock' is not supported", "nbd+vsock://1/e");
        assertMessage("needs ?socket=PATH", "nbd+unix:///e");
        assertMessage("names no host", "nbd+unix://h/e?socket=/s");
        assertMessage("no host given", "nbd:///e");
        assertMessage("unknown query parameter 'foo'", "nbd://h/e?foo=1");
        assertMessage("socket= is for nbd+unix", "nbd://h/e?socket=/s");
        assertMessage("TLS-PSK", "nbds://alice@h/e");
        assertMessage("tls-type=psk is not supported", "nbds://h/e?tls-type=psk");
        assertMessage("tls-verify-peer must be 0 or 1", "nbds://h/e?tls-verify-peer=maybe");
        assertMessage("x-connections must be a number from 1 to 16", "nbd://h/e?x-connections=99");
        assertMessage("given twice", "nbd+unix:///e?socket=/a&socket=/b");
        assertMessage("no #fragment", "nbd://h/e#x");
        assertMessage("not a valid URI", "nbd://h/e e");
    }

    private static void assertMessage(String part, String uri) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NbdUri.parse(uri));
        assertTrue(e.getMessage().startsWith(uri + ": ") && e.getMessage().contains(part), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }
}
